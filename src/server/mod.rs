//! Server helpers (feature `server`, native targets only): create Checkout Sessions with the
//! secret key, and verify and read Fintoc's webhooks.
//!
//! ```no_run
//! use fintoc_wasm::{Amount, Currency};
//! use fintoc_wasm::server::{CheckoutSessionCreate, EventData, FintocClient, PaymentOutcome, WebhookEvent, DEFAULT_TOLERANCE};
//!
//! # async fn run(raw_body: &[u8], signature_header: &str) -> Result<(), Box<dyn std::error::Error>> {
//! // 1. Create the session; the browser gets only `session_token`.
//! let fintoc = FintocClient::new(std::env::var("FINTOC_SECRET_KEY")?)?;
//! let session = fintoc
//!     .create_checkout_session(&CheckoutSessionCreate::new(Amount::new(5_000, Currency::Clp)?)
//!         .metadata("order_id", "ord_42"))
//!     .await?;
//!
//! // 2. In the webhook route: verify the raw bytes, then act once per event id.
//! let event = WebhookEvent::verify_and_parse(
//!     raw_body, signature_header, &std::env::var("FINTOC_WEBHOOK_SECRET")?,
//!     Some(DEFAULT_TOLERANCE), std::time::SystemTime::now())?;
//! match event.payment_outcome() {
//!     Some(PaymentOutcome::Paid) => { /* fulfil the order in metadata.order_id */ }
//!     Some(PaymentOutcome::NotPaid { reason }) => { /* tell the customer */ }
//!     Some(PaymentOutcome::Expired) => { /* release the stock */ }
//!     _ => {}
//! }
//! // A payment event of a shape this crate does not read (still 2xx: Fintoc would retry, then
//! // drop it): keep `raw`, have a person look — it may be money received.
//! if let EventData::Unparsed { reason, raw } = &event.data {
//!     eprintln!("webhook {} ({}) not read: {reason}; order {:?}", event.id, event.event_type,
//!               event.metadata("order_id"));
//! }
//! # Ok(()) }
//! ```

mod client;
mod types;
mod webhook;

pub use client::{ClientError, FintocClient, DEFAULT_API_BASE};
pub use types::{
    ApiErrorType, BankAccount, CheckoutFlow, CheckoutSession, CheckoutSessionCreate,
    CheckoutSessionStatus, PaymentIntent, PaymentIntentStatus, PaymentMethodType, PaymentResource,
};
pub use webhook::{
    parse_signature_header, sign, verify_signature, EventData, PaymentOutcome, SignatureError,
    SignatureHeader, WebhookError, WebhookEvent, DEFAULT_TOLERANCE, MAX_SIGNATURE_HEADER_LEN,
    MAX_V1_SIGNATURES, SIGNATURE_HEADER,
};
