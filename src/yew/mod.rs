//! Yew 0.23 adapter (feature `yew`): the [`FintocCheckout`] component and the
//! [`use_fintoc_checkout`] hook it is built on.
//!
//! Both are thin: the core [`Checkout`](crate::Checkout) state machine does the loading,
//! fetching and widget work; this module maps props to it, re-renders on its state changes and
//! always calls the latest props' callbacks.
//!
//! ```no_run
//! use fintoc_wasm::yew::{FintocCheckout, Locale};
//! use fintoc_wasm::{FintocError, Payload, SessionEndpoint};
//! use yew::prelude::*;
//!
//! #[derive(serde::Serialize, PartialEq)]
//! struct Order { sku: &'static str, quantity: u32 }
//!
//! #[component]
//! fn Pay() -> Html {
//!     let status = use_state(String::new);
//!     let on_success = {
//!         let status = status.clone();
//!         Callback::from(move |_: Payload| status.set("Confirmando tu pago…".into()))
//!     };
//!     let on_error = Callback::from(|e: FintocError| web_sys::console::error_1(&e.to_string().into()));
//!     html! {
//!         <>
//!             <FintocCheckout
//!                 public_key="pk_test_abc123"
//!                 session={SessionEndpoint::new("/api/checkout").json(&Order { sku: "cafe", quantity: 2 })}
//!                 {on_success}
//!                 {on_error}
//!                 locale={Locale::Es} />
//!             <p>{ (*status).clone() }</p>
//!         </>
//!     }
//! }
//! ```
//!
//! **SSR**: with yew's `ssr` feature the component renders its idle button on the server and
//! touches no browser API (effects, where the script loads, only run in the browser).
//!
//! **Intent prefetch** (`prefetch`, on by default): when the pointer enters the pay button or it
//! gets focus, the checkout prepares (script and session token), so the click opens at once.

mod component;
mod config;
mod confirmation;
mod hook;

pub use crate::ui::{Labels, Locale};
pub use component::{FintocCheckout, FintocCheckoutProps, PublicKeyProp};
pub use config::FintocCheckoutConfig;
pub use confirmation::{FintocConfirmation, FintocConfirmationProps};
pub use hook::{use_fintoc_checkout, UseFintocCheckout};
