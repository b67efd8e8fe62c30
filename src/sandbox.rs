//! The offline Fintoc sandbox: a stand-in for `https://js.fintoc.com/v1/`.
//!
//! [`SCRIPT`] is the one copy of the sandbox widget (`sandbox/fintoc-sandbox.js` in this
//! repository). The crate's tests, the `testing` feature and the demo server
//! all use it; the crate's defaults stay the real Fintoc URLs.
//!
//! What it does, like the real widget: `window.Fintoc.create(options)` validates the options
//! (missing `publicKey`/`sessionToken` throws), embeds a hidden `<iframe>`, and `open()` shows a
//! bank list with buttons to pay, fail or close. It calls `onEvent` (`opened`,
//! `on_available_institutions`, `on_authentication_form`, `payment_in_progress`,
//! `payment_created`, `payment_error`, `closed`), `onSuccess` and `onExit`; `destroy()` removes
//! the iframe. `window.FintocSandbox` lets tests drive it without clicks.
//!
//! Serve it from your own dev server to try a checkout with no Fintoc account:
//!
//! ```
//! let js: &str = fintoc_wasm::sandbox::SCRIPT;
//! assert!(js.contains("window.Fintoc"));
//! // e.g. axum: .route("/sandbox/fintoc.js", get(|| async { ([("content-type", "text/javascript")], js) }))
//! ```
//!
//! When the script's URL has a `report` query parameter (`/sandbox/fintoc.js?report=/sandbox/outcome`),
//! the widget also POSTs each outcome (`{"session_token", "outcome": "succeeded"|"failed"|"exited",
//! "institution_id"}`) to that URL, so a local server can play Fintoc's webhooks.

/// The sandbox widget script (JavaScript source).
pub const SCRIPT: &str = include_str!("../sandbox/fintoc-sandbox.js");
