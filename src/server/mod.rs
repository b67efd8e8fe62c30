//! Server helpers (feature `server`, native targets only):
//!
//! - Fintoc's API with the secret key, [`FintocClient`]: Checkout Sessions in the API
//!   2023-11-15 shape ([`CheckoutSessionCreate`]) and the 2026-02-01 one
//!   ([`CheckoutSessionCreateV2`], checked before it is sent), Payment Intents, [refunds](RefundCreate)
//!   (a deterministic idempotency key per payment and amount), lists ([`Pages`]), opt-in
//!   retries ([`RetryPolicy`], always with the request's own idempotency key);
//! - its webhooks: verify the signature on the raw bytes ([`WebhookSecrets`], one secret or two
//!   while you rotate; [`verify_signature`]), then read the event ([`WebhookEvent`]: typed
//!   `checkout_session.*`, `payment_intent.*`, `refund.*`; what it cannot read is kept raw,
//!   never guessed); with feature `axum`, the extractor `axum::FintocWebhook` does both;
//! - [`Timestamp`], Fintoc's times on the crate's one RFC 3339 implementation;
//! - [`testing::sign_event`], for tests only: signs events the way Fintoc does.
//!
//! ```no_run
//! use fintoc_wasm::{Amount, Currency};
//! use fintoc_wasm::server::{
//!     CheckoutSessionCreate, EventData, FintocClient, PaymentOutcome, VerifiedWebhook, WebhookSecrets,
//! };
//!
//! # async fn run(raw_body: &[u8], signature_header: &str) -> Result<(), Box<dyn std::error::Error>> {
//! // 1. Create the session; the browser gets only `session_token` (or goes to `redirect_url`).
//! let fintoc = FintocClient::new(std::env::var("FINTOC_SECRET_KEY")?)?;
//! let session = fintoc
//!     .create_checkout_session(&CheckoutSessionCreate::new(Amount::new(5_000, Currency::Clp)?)
//!         .metadata("order_id", "ord_42"))
//!     .await?;
//!
//! // 2. In the webhook route: verify the raw bytes (a bad signature: answer 400, change
//! //    nothing), then act once per event id. After a valid signature, always answer 2xx.
//! let secrets = WebhookSecrets::new(std::env::var("FINTOC_WEBHOOK_SECRET")?)?;
//! let event = match secrets.receive(raw_body, signature_header, std::time::SystemTime::now())? {
//!     VerifiedWebhook::Event(event) => event,
//!     // Signed, but not an event: keep it for a person (answer 2xx).
//!     VerifiedWebhook::Unreadable { reason, raw } => return Ok(()),
//!     _ => return Ok(()),
//! };
//! match event.payment_outcome() {
//!     Some(PaymentOutcome::Paid) => { /* fulfil the order in metadata.order_id */ }
//!     Some(PaymentOutcome::NotPaid { reason }) => { /* tell the customer */ }
//!     Some(PaymentOutcome::Expired) => { /* release the stock */ }
//!     _ => {}
//! }
//! // A payment event of a shape this crate does not read — among them a finished session whose
//! // payment it cannot find: unknown, not "not paid". Keep `raw`, have a person look: it may be
//! // money received.
//! if let EventData::Unparsed { reason, raw } = &event.data {
//!     eprintln!("webhook {} ({}) not read: {reason}; order {:?}", event.id, event.event_type,
//!               event.metadata("order_id"));
//! }
//! # Ok(()) }
//! ```

#[cfg(feature = "axum")]
pub mod axum;
mod checkout_create;
mod checkout_create_v2;
mod checkout_session;
mod client;
mod common;
mod error;
mod event;
mod open_enum;
mod pagination;
mod payment_intent;
mod refund;
mod retry;
mod signature;
pub mod testing;
mod timestamp;

pub use checkout_create::CheckoutSessionCreate;
pub use checkout_create_v2::{CheckoutSessionCreateV2, CustomerData, LineItem, TaxId};
pub use checkout_session::{
    CheckoutFlow, CheckoutSession, CheckoutSessionStatus, PaymentMethodType, PaymentResource,
};
pub use client::{FintocClient, DEFAULT_API_BASE};
pub use common::BankAccount;
pub use error::{ApiErrorType, ClientError};
pub use event::{EventData, PaymentOutcome, VerifiedWebhook, WebhookError, WebhookEvent};
pub use pagination::Pages;
pub use payment_intent::{PaymentIntent, PaymentIntentStatus};
pub use refund::{Refund, RefundCreate, RefundFailureCode, RefundStatus};
pub use retry::RetryPolicy;
pub use signature::{
    verify_signature, SignatureError, WebhookSecretError, WebhookSecrets, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_TOLERANCE, SIGNATURE_HEADER,
};
pub use timestamp::{Timestamp, TimestampError};
