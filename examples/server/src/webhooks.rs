//! `POST /webhooks/fintoc`: verify, record once, update the order.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use fintoc_wasm::server::{
    EventData, PaymentOutcome, WebhookEvent, DEFAULT_TOLERANCE, SIGNATURE_HEADER,
};
use serde_json::json;

use crate::db::{Applied, OrderRef};
use crate::shop::error;
use crate::AppState;

pub async fn receive(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(r) => return error(r.status(), "unreadable_body", r.body_text()),
    };
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Verify the raw bytes before reading anything from them.
    let event = match WebhookEvent::verify_and_parse(
        &body,
        header,
        &state.webhook_secret,
        Some(DEFAULT_TOLERANCE),
        SystemTime::now(),
    ) {
        Ok(event) => event,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_webhook", e.to_string()),
    };

    let session = event.checkout_session();
    let metadata_order = session
        .and_then(|s| s.metadata.get("order_id"))
        .or_else(|| match &event.data {
            EventData::PaymentIntent(pi) => pi.metadata.get("order_id"),
            _ => None,
        });
    let order_ref = match (metadata_order, session) {
        (Some(id), _) => OrderRef::Id(id),
        (None, Some(s)) => OrderRef::Session(&s.id),
        (None, None) => OrderRef::None,
    };
    // "Paid" only when the payment intent succeeded; a finished session may hold a failure.
    let outcome = event.payment_outcome();
    let status = match &outcome {
        Some(PaymentOutcome::Paid) => Some(("paid", None)),
        Some(PaymentOutcome::NotPaid { reason }) => Some((
            "failed",
            Some(reason.as_deref().unwrap_or("payment_failed")),
        )),
        Some(PaymentOutcome::Expired) => Some(("expired", None)),
        _ => None,
    };
    match state
        .db
        .apply_event(&event.id, &event.event_type, order_ref, status)
    {
        Ok(Applied::Duplicate) => {
            Json(json!({ "received": true, "duplicate": true })).into_response()
        }
        Ok(Applied::Recorded { order_id, status }) => {
            if let (Some(order_id), Some(status)) = (&order_id, &status) {
                eprintln!(
                    "webhook {} ({}): order {order_id} is now {status}",
                    event.id, event.event_type
                );
            }
            Json(json!({ "received": true, "order_id": order_id, "status": status }))
                .into_response()
        }
        // A 5xx makes Fintoc retry later, which is what we want when the database hiccups.
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "database", e.to_string()),
    }
}
