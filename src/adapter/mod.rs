//! What every UI adapter (Yew, Leptos, the JS API) does, written once; each adapter is glue
//! between its framework and this (as react-stripe-js's components only map props, with the
//! shared logic in its `utils/`):
//!
//! - [`Binding`]: the checkout and its subscription, held together, telling a [`Report`] of
//!   every state change — redraw, each new session once, the state, and a failure (console in
//!   debug builds, then the shop's error callback);
//! - [`InvalidConfig`]: an invalid configuration is a `Failed` state, reported once per
//!   distinct error, and the state shown again once it is fixed;
//! - [`AutoOpen`]: auto-open once per identity (public key and session source), never again
//!   for a widget the shopper closed;
//! - [`Preload`]: the script preloads once per script URL (load options), not in redirect
//!   mode, where there is nothing to load (a later switch to the widget preloads then).

mod binding;
// The policies are for components (the JS API gives the shop the calls instead: an invalid
// option throws, and the shop decides when to prepare or open).
#[cfg(any(feature = "yew", feature = "leptos"))]
mod policy;

#[cfg(any(feature = "yew", feature = "leptos"))]
pub(crate) use binding::tell;
pub(crate) use binding::{Binding, Report};
#[cfg(any(feature = "yew", feature = "leptos"))]
pub(crate) use policy::{AutoOpen, ConfigNews, InvalidConfig, Preload};
