//! # fintoc-wasm
//!
//! Take [Fintoc](https://fintoc.com) bank payments from Rust compiled to WebAssembly.
//!
//! The payment flow has three parts, and this crate covers the browser side of it:
//! 1. your **backend** creates a Checkout Session with its secret key and returns the
//!    `session_token` ([`SessionEndpoint`] fetches it);
//! 2. the **browser** loads `https://js.fintoc.com/v1/` ([`load_fintoc`]), calls
//!    `Fintoc.create({publicKey, product: 'payments', sessionToken, …})` ([`Fintoc::create`]) and
//!    `open()`s the widget ([`Widget`]); [`Checkout`] drives all of that as one state machine;
//! 3. your backend confirms the payment from the `checkout_session.finished` webhook — never
//!    from `onSuccess`, which anyone can fake in a browser.
//!
//! ```no_run
//! use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, CheckoutState, SessionSource, WidgetOptions};
//!
//! # fn run() -> Result<(), fintoc_wasm::FintocError> {
//! let options = WidgetOptions::builder("pk_test_abc123").build()?;
//! let checkout = Checkout::new(
//!     CheckoutConfig::new(options, SessionSource::endpoint("/api/checkout")),
//!     Callbacks::new()
//!         .on_success(|_| { /* show "confirming…", poll your order */ })
//!         .on_exit(|_| { /* the user closed the widget */ }),
//! );
//! let _subscription = checkout.subscribe(|state| match state {
//!     CheckoutState::Preparing => { /* disable the button, show a spinner */ }
//!     CheckoutState::Failed(err) => { /* show err.to_string() and a retry button */ }
//!     _ => {}
//! });
//! checkout.open(); // on click: loads the script and fetches the token concurrently
//! # Ok(()) }
//! ```
//!
//! In a native build (server-side rendering, the backend) everything compiles; browser-only
//! calls return a typed `NotInBrowser` error instead of panicking.
//!
//! ## Features
//! - `testing`: `testing::Sandbox`, a fake Fintoc for your own wasm-bindgen tests (offline).
//! - `yew`: `yew::FintocCheckout` and `yew::use_fintoc_checkout` for Yew 0.23.
//! - `server` (native only): `server::FintocClient` (Checkout Sessions with the secret key) and
//!   webhook verification (`server::WebhookEvent::verify_and_parse`).

#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

mod browser;
mod checkout;
mod error;
mod events;
mod lenient;
mod loader;
mod money;
mod options;
mod session;
mod widget;

pub mod sandbox;
#[cfg(all(feature = "server", not(target_arch = "wasm32")))]
pub mod server;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "yew")]
pub mod yew;

pub use checkout::{Checkout, CheckoutConfig, CheckoutState, Subscription};
pub use error::{FintocError, LoadError, OptionsError, SessionError, WidgetError};
pub use events::{EventKind, EventMetadata, ExitPayload, SuccessPayload, WidgetEvent};
pub use loader::{
    load_fintoc, load_fintoc_with, preload, preload_with, Fintoc, LoadOptions,
    DEFAULT_LOAD_TIMEOUT, DEFAULT_SCRIPT_URL,
};
pub use money::{Amount, AmountError, Currency, UnknownCurrency};
pub use options::{
    Country, HolderType, IntoPublicKey, OptionValue, Product, PublicKey, Username, WidgetOptions,
    WidgetOptionsBuilder, WidgetToken,
};
pub use session::{
    parse_session_response, CredentialsMode, HttpMethod, IntoSessionToken, SessionEndpoint,
    SessionResponse, SessionSource, SessionToken, SESSION_TOKEN_LIFETIME, STALE_MARGIN,
};
pub use widget::{Callbacks, Widget};
