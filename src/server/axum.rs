//! Feature `axum`: Fintoc's webhooks the way an axum app takes its input — an extractor.
//!
//! [`FintocWebhook`] reads the raw body (up to [`WebhookSecrets::max_body_bytes`], 256 KiB by
//! default), verifies
//! `Fintoc-Signature` against your [`WebhookSecrets`] (one secret, or the old and the new one
//! while you rotate), taken from your state through `FromRef`, and only then reads the body.
//! A request it refuses gets a [`WebhookRejection`]:
//!
//! | Request | Answer | `error.code` |
//! |---|---|---|
//! | no `Fintoc-Signature` header | 400 | `missing_signature` |
//! | a header without `t=`/`v1=`, too long, not text | 400 | `malformed_signature` |
//! | no `v1` matches the body with any secret | 401 | `invalid_signature` |
//! | `t` outside the tolerance (a replay, a skewed clock) | 401 | `stale_signature` |
//! | a body over the cap | 413 | `body_too_large` |
//! | a body that could not be read (the connection broke) | 400 | `unreadable_body` |
//!
//! Once the signature holds, the extractor never refuses: a body that is not an event arrives
//! as [`VerifiedWebhook::Unreadable`] so the handler can answer 2xx and keep it for a person
//! (an error would make Fintoc retry for days, then drop it).
//!
//! ```no_run
//! use axum::extract::FromRef;
//! use axum::http::StatusCode;
//! use axum::routing::post;
//! use axum::Router;
//! use fintoc_wasm::server::axum::FintocWebhook;
//! use fintoc_wasm::server::{PaymentOutcome, VerifiedWebhook, WebhookSecrets};
//!
//! #[derive(Clone)]
//! struct AppState {
//!     webhook_secrets: WebhookSecrets,
//! }
//!
//! impl FromRef<AppState> for WebhookSecrets {
//!     fn from_ref(state: &AppState) -> Self {
//!         state.webhook_secrets.clone()
//!     }
//! }
//!
//! async fn fintoc_webhook(webhook: FintocWebhook) -> StatusCode {
//!     match webhook.webhook {
//!         VerifiedWebhook::Event(event) => {
//!             // Dedupe on event.id, then act.
//!             if event.payment_outcome() == Some(PaymentOutcome::Paid) { /* fulfil */ }
//!         }
//!         VerifiedWebhook::Unreadable { reason, raw } => { /* store for a person */ }
//!         _ => {}
//!     }
//!     StatusCode::OK
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let state = AppState {
//!     webhook_secrets: WebhookSecrets::new(std::env::var("FINTOC_WEBHOOK_SECRET")?)?,
//! };
//! let app: Router = Router::new()
//!     .route("/webhooks/fintoc", post(fintoc_webhook))
//!     .with_state(state);
//! # Ok(()) }
//! ```

use std::pin::Pin;
use std::time::SystemTime;

use ::axum::body::{Body, Bytes, HttpBody};
use ::axum::extract::{FromRef, FromRequest, Request};
use ::axum::http::{header, HeaderValue, StatusCode};
use ::axum::response::{IntoResponse, Response};

use super::event::{VerifiedWebhook, WebhookEvent};
use super::signature::{SignatureError, WebhookSecrets, SIGNATURE_HEADER};

/// A Fintoc webhook whose signature holds (an axum extractor; use it as the handler's last
/// argument, since it reads the body). Answer 2xx whatever [`webhook`](Self::webhook) holds.
///
/// ```
/// use fintoc_wasm::server::axum::FintocWebhook;
/// # fn handle(w: FintocWebhook) {
/// if let Some(event) = w.event() {
///     println!("{} {} ({} bytes)", event.id, event.event_type, w.raw_body.len());
/// }
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct FintocWebhook {
    /// The event, or why the signed body is not one.
    pub webhook: VerifiedWebhook,
    /// The body as received and signed, byte for byte (to store with the event).
    pub raw_body: Bytes,
}

impl FintocWebhook {
    /// The event, unless the signed body was unreadable.
    ///
    /// ```
    /// # fn f(w: &fintoc_wasm::server::axum::FintocWebhook) {
    /// let id = w.event().map(|e| e.id.as_str());
    /// # }
    /// ```
    pub fn event(&self) -> Option<&WebhookEvent> {
        self.webhook.event()
    }
}

/// Why [`FintocWebhook`] refused a request: answered with the status in the module's table and
/// `{"error": {"code", "message"}}` (never a secret, never the body).
///
/// ```
/// use axum::response::IntoResponse;
/// use fintoc_wasm::server::axum::WebhookRejection;
/// use fintoc_wasm::server::SignatureError;
/// let response = WebhookRejection::Signature(SignatureError::Mismatch).into_response();
/// assert_eq!(response.status(), 401);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The signature header is missing or malformed (400), or does not hold (401).
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The body is longer than [`WebhookSecrets::max_body_bytes`] (413; nothing was hashed).
    #[error("the webhook body is over {limit} bytes")]
    BodyTooLarge {
        /// The cap.
        limit: usize,
    },
    /// The body could not be read (400).
    #[error("the webhook body could not be read: {0}")]
    UnreadableBody(String),
}

impl WebhookRejection {
    /// The HTTP status it is answered with.
    ///
    /// ```
    /// use fintoc_wasm::server::axum::WebhookRejection;
    /// use fintoc_wasm::server::SignatureError;
    /// assert_eq!(WebhookRejection::Signature(SignatureError::MissingHeader).status(), 400);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            WebhookRejection::Signature(
                SignatureError::Mismatch | SignatureError::OutsideTolerance { .. },
            ) => StatusCode::UNAUTHORIZED,
            WebhookRejection::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The `error.code` of its JSON answer.
    ///
    /// ```
    /// use fintoc_wasm::server::axum::WebhookRejection;
    /// assert_eq!(WebhookRejection::BodyTooLarge { limit: 1 }.code(), "body_too_large");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            WebhookRejection::Signature(SignatureError::MissingHeader) => "missing_signature",
            WebhookRejection::Signature(SignatureError::OutsideTolerance { .. }) => {
                "stale_signature"
            }
            WebhookRejection::Signature(SignatureError::Mismatch) => "invalid_signature",
            WebhookRejection::Signature(_) => "malformed_signature",
            WebhookRejection::BodyTooLarge { .. } => "body_too_large",
            WebhookRejection::UnreadableBody(_) => "unreadable_body",
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "code": self.code(), "message": self.to_string() }
        });
        let mut response = (self.status(), body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

impl<S> FromRequest<S> for FintocWebhook
where
    WebhookSecrets: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let secrets = WebhookSecrets::from_ref(state);
        let limit = secrets.body_limit();
        let header = match request.headers().get(SIGNATURE_HEADER) {
            None => return Err(SignatureError::MissingHeader.into()),
            Some(value) => value
                .to_str()
                .map_err(|_| SignatureError::Malformed)?
                .to_owned(),
        };
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(WebhookRejection::BodyTooLarge { limit });
        }
        let raw_body = read_body(request.into_body(), limit).await?;
        // Nothing is read from the body before the signature holds.
        let webhook = secrets.receive(&raw_body, &header, SystemTime::now())?;
        Ok(FintocWebhook { webhook, raw_body })
    }
}

/// The whole body, refused as soon as it passes `limit` bytes.
async fn read_body(mut body: Body, limit: usize) -> Result<Bytes, WebhookRejection> {
    let mut read = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| WebhookRejection::UnreadableBody(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if read.len() + data.len() > limit {
                return Err(WebhookRejection::BodyTooLarge { limit });
            }
            read.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(read))
}
