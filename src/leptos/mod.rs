//! Leptos 0.8 adapter (feature `leptos`): the [`FintocCheckout`] component and the
//! [`use_fintoc_checkout`] hook it is built on.
//!
//! Both are thin: the core [`Checkout`](crate::Checkout) state machine does the loading,
//! fetching and widget work; the texts, class names and state → view mapping are
//! [`crate::ui`], shared with the Yew adapter. This crate does not pick Leptos's `csr`,
//! `hydrate` or `ssr` for you: cargo unifies your app's choice.
//!
//! **SSR**: the component renders its idle button on the server and touches no browser API
//! (the checkout is created without any browser call; loading, preparing and the widget happen
//! in effects, which only run in the browser). With `hydrate`, the client's first render is the
//! server's markup and hydration takes over the server's nodes (the crate's tests compare the
//! two and pay through the server's button).
//!
//! There is no `ssr` feature of this crate to turn on (leptos-use has one): browser calls are
//! made only from effects, which Leptos runs only in the browser, and in a build for anything
//! but `wasm32-unknown-unknown` every browser call is compiled out and answers a typed
//! `NotInBrowser` error. A server build needs no flag, so there is none to forget.

mod component;
mod confirmation;
mod hook;

pub use component::FintocCheckout;
pub use confirmation::FintocConfirmation;
pub use hook::{use_fintoc_checkout, FintocCheckoutOptions, UseFintocCheckout};
