//! # fintoc-wasm
//!
//! Take [Fintoc](https://fintoc.com) bank payments from Rust compiled to WebAssembly.
//!
//! The payment flow has three parts. This crate covers the browser side of it, and with the
//! `server` feature the backend's two (creating the session, verifying the webhook):
//! 1. your **backend** creates a Checkout Session with its secret key and returns the
//!    `session_token` ([`SessionEndpoint`] fetches it, or [`SessionSource::from_fn`] runs your
//!    own code);
//! 2. the **browser** loads `https://js.fintoc.com/v1/`, calls
//!    `Fintoc.create({publicKey, product: 'payments', sessionToken, …})` and `open()`s the widget;
//!    [`Checkout`] drives all of that as one state machine;
//! 3. your backend confirms the payment from the `checkout_session.finished` webhook — never
//!    from `onSuccess`, which anyone can fake in a browser.
//!
//! ```no_run
//! use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, Outcome, SessionEndpoint, WidgetOptions};
//!
//! # async fn pay(cart: &[u32]) -> Result<(), fintoc_wasm::FintocError> {
//! let options = WidgetOptions::builder("pk_test_abc123").build()?;
//! let checkout = Checkout::new(
//!     CheckoutConfig::new(options, SessionEndpoint::new("/api/checkout").json(cart)),
//!     Callbacks::new(),
//! );
//! checkout.prepare(); // on hover/focus: script and token load concurrently
//! match checkout.run().await? {
//!     // on click
//!     Outcome::Succeeded(_) => { /* "confirming…": poll your order until the webhook lands */ }
//!     Outcome::Exited(_) | Outcome::Cancelled => { /* back to the cart */ }
//!     Outcome::Redirected => { /* on the way to Fintoc's hosted page */ }
//!     _ => { /* Outcome is #[non_exhaustive]: a later version may add one */ }
//! }
//! # Ok(()) }
//! ```
//!
//! In a native build (server-side rendering, the backend) everything compiles; browser-only
//! calls return a typed `NotInBrowser` error instead of panicking.
//!
//! ## Modules
//! - [`load`]: loading Fintoc.js (once per page, retry, timeout, CSP nonce);
//! - [`widget`]: typed options, the widget handle, callbacks, payloads and events;
//! - [`session`]: the session token and where it comes from;
//! - [`checkout`]: the state machine every adapter drives;
//! - [`confirm`]: polling your order endpoint until the webhook-confirmed status arrives;
//! - [`error`]: [`FintocError`] and the per-step errors; [`money`]: [`Amount`] and [`Currency`];
//! - [`ui`]: what UI adapters share (texts, class names, state → view);
//! - [`sandbox`]: the offline stand-in for Fintoc.js;
//! - behind features (below): `server` (the backend), `js` (the npm package's API), `yew` and
//!   `leptos` (components), `testing` (a fake Fintoc for your tests).
//!
//! ## Naming
//! One convention for setters and getters. A value that is configured and then read back
//! ([`CheckoutConfig`], [`LoadOptions`], [`SessionToken`]): getters are named after the field
//! (`mode()`, `url()`, `timeout()`), setters `with_<field>` (`with_mode`, `with_url`). A builder
//! that is never read back ([`WidgetOptions::builder`], [`SessionEndpoint`], the Yew and Leptos
//! component configurations): setters are named after the field (`method`, `timeout`, `mode`),
//! as `http::request::Builder`'s are.
//!
//! ## Features
//! - `std` (default): the standard library. Without it the crate is `no_std` + `alloc`, which is
//!   how the npm package is built (`--no-default-features --features js --cfg fintoc_npm`: its
//!   own allocator and panic handler); `Payload::get` and `SessionResponse::get` need it, and
//!   every other feature turns it on. A Rust shop keeps it.
//! - `js`: `js::create_checkout`, the JavaScript API (the npm package `fintoc-wasm`).
//! - `testing`: `testing::Sandbox`, a fake Fintoc for your own wasm-bindgen tests (offline).
//! - `leptos`: `leptos::FintocCheckout` and `leptos::use_fintoc_checkout` for Leptos 0.8.
//! - `yew`: `yew::FintocCheckout` and `yew::use_fintoc_checkout` for Yew 0.23.
//! - `server` (native only): `server::FintocClient` (Checkout Sessions with the secret key) and
//!   webhook verification (`server::WebhookEvent::verify_and_parse`).

#![deny(missing_docs)]
#![warn(rust_2018_idioms)]
// Without the `std` feature (the npm package's build): `core` + `alloc` only, so std's panic
// machinery and its formatting never reach the package's wasm.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

/// What std's prelude would bring, from `alloc`, for the modules that build without std.
#[allow(unused_imports)]
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec::Vec;
    pub(crate) use alloc::{format, vec};
}

// The npm package's panic handler (std brings its own): a trap, which is all std's does on
// `wasm32-unknown-unknown` too (it prints nothing there). Only with `--cfg fintoc_npm`, like the
// allocator below: a Rust shop's graph gets std's (or its own), never a second one from here.
// (So a wasm build without `std` links only as the package: `--cfg fintoc_npm`.)
#[cfg(all(fintoc_npm, not(feature = "std"), target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

// The npm package is a whole application, so it may pick the allocator: lol_alloc's free list
// (sorted, coalescing; size: docs/size.md, "The npm package's build"). Only `scripts/build-npm`
// sets `--cfg fintoc_npm`: no Cargo feature (which any crate in a shop's graph could enable)
// replaces a Rust shop's allocator.
#[cfg(all(fintoc_npm, target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
// SAFETY: `wasm32` without the `atomics` feature (the cfg above) has one thread and no shared
// memory, so the allocator is never entered from two threads at once; it calls nothing but
// `memory.grow`, so it never re-enters itself.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(any(feature = "yew", feature = "leptos", feature = "js"))]
mod adapter;
mod browser;
pub mod checkout;
pub mod confirm;
pub mod error;
pub mod load;
pub mod money;
pub mod sandbox;
pub mod session;
mod task;
use task::cell;
// RFC 3339 (the session reader off the browser, and the server side).
#[cfg(not(fintoc_web))]
mod time;
pub mod ui;
pub mod widget;

#[cfg(feature = "js")]
pub mod js;
#[cfg(feature = "leptos")]
pub mod leptos;
#[cfg(all(feature = "server", not(target_arch = "wasm32")))]
pub mod server;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "yew")]
pub mod yew;

pub use checkout::{Checkout, CheckoutConfig, CheckoutMode, CheckoutState, Outcome};
pub use error::FintocError;
pub use load::LoadOptions;
pub use money::{Amount, Currency};
pub use session::{SessionEndpoint, SessionSource, SessionToken};
pub use widget::{Callbacks, Payload, PublicKey, WidgetEvent, WidgetOptions};
