//! `POST /webhooks/fintoc`: verify, record once, update the order.
//!
//! After a valid signature the answer is 2xx whatever the event says (an error makes Fintoc
//! retry for days and then drop the event); only a database error is a 5xx, so that Fintoc
//! retries. Events the crate cannot read are kept in `unhandled_events` and logged loudly; one
//! that may be a payment puts its order in `needs_review`.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use fintoc_wasm::server::{
    verify_signature, CheckoutSession, EventData, PaymentIntentStatus, PaymentOutcome,
    WebhookEvent, DEFAULT_TOLERANCE, SIGNATURE_HEADER,
};
use serde_json::json;

use crate::db::{Applied, Effect, OrderRef, REVIEW_STATUSES};
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
    // Verify the raw bytes before reading anything from them: only a bad, missing or stale
    // signature is refused.
    if let Err(e) = verify_signature(
        &body,
        header,
        &state.webhook_secret,
        Some(DEFAULT_TOLERANCE),
        SystemTime::now(),
    ) {
        return error(StatusCode::BAD_REQUEST, "invalid_webhook", e.to_string());
    }
    let raw: serde_json::Value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&body).into()));
    // Signed by Fintoc, but not an event (no string `id` or `type`, not JSON): acknowledged and
    // kept for a person like any event that cannot be read — a 400 would make Fintoc retry,
    // then drop it, with nothing recorded.
    let (event, not_an_event) = match WebhookEvent::parse(&body) {
        Ok(event) => (event, None),
        Err(e) => match stand_in(&body, &raw) {
            Some(event) => (event, Some(e.to_string())),
            None => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "unreadable_event",
                    "the signed body could not be recorded",
                )
            }
        },
    };

    // Our order id travels in the session's (or payment intent's) metadata; failing that, the
    // checkout session id stored with the order.
    let metadata_order = event.metadata("order_id");
    let session_id = match &event.data {
        EventData::Unparsed { raw, .. } if event.event_type.starts_with("checkout_session.") => {
            let resource = raw.get("object").filter(|o| o.is_object()).unwrap_or(raw);
            resource
                .get("id")
                .and_then(|id| id.as_str())
                .map(str::to_owned)
        }
        _ => event.checkout_session().map(|s| s.id.clone()),
    };
    let order_ref = match (&metadata_order, &session_id) {
        (Some(id), _) => OrderRef::Id(id),
        (None, Some(s)) => OrderRef::Session(s),
        (None, None) => OrderRef::None,
    };

    // Every amount the event states for the payment: all must match the order's.
    let stated: Vec<(u64, &str)> = match &event.data {
        EventData::CheckoutSessionFinished(cs) => std::iter::once((cs.amount, cs.currency.code()))
            .chain(
                cs.payment_intent()
                    .map(|pi| (pi.amount, pi.currency.code())),
            )
            .collect(),
        EventData::PaymentIntent(pi) => vec![(pi.amount, pi.currency.code())],
        _ => Vec::new(),
    };
    let failure;
    let unread;
    let event_data = raw.get("data").unwrap_or(&raw);
    // "Paid" only when the payment intent succeeded; a finished session may hold a failure.
    let effect = match (&event.data, event.payment_outcome()) {
        _ if not_an_event.is_some() => Effect::Unreadable {
            reason: not_an_event.as_deref().unwrap_or_default(),
            data: &raw,
            may_be_payment: raw
                .get("type")
                .and_then(|t| t.as_str())
                .is_some_and(may_be_payment),
        },
        (EventData::Unparsed { reason, raw }, _) => Effect::Unreadable {
            reason,
            data: raw,
            may_be_payment: may_be_payment(&event.event_type),
        },
        // Read here, whatever `payment_outcome` makes of it: the customer finished, so a
        // payment we cannot read may be money received — never "failed, try again".
        (EventData::CheckoutSessionFinished(cs), _) => match finished(cs) {
            Finished::Effect(effect) => effect(&stated),
            Finished::Failed(reason) => {
                failure = reason;
                Effect::Failed { reason: &failure }
            }
            Finished::Unreadable(reason) => {
                unread = reason;
                Effect::Unreadable {
                    reason: &unread,
                    data: event_data,
                    may_be_payment: true,
                }
            }
        },
        (_, Some(PaymentOutcome::Paid)) => Effect::Paid { stated: &stated },
        (_, Some(PaymentOutcome::NotPaid { reason })) => {
            failure = reason.unwrap_or_else(|| "payment_failed".to_owned());
            Effect::Failed { reason: &failure }
        }
        (_, Some(PaymentOutcome::Expired)) => Effect::Expired,
        _ => Effect::None,
    };
    let paid = matches!(effect, Effect::Paid { .. });
    let unreadable = match effect {
        Effect::Unreadable {
            reason,
            may_be_payment,
            ..
        } => Some((reason.to_owned(), may_be_payment)),
        _ => None,
    };
    match state
        .db
        .apply_event(&event.id, &event.event_type, order_ref, effect, &raw)
        .await
    {
        Ok(Applied::Duplicate) => {
            Json(json!({ "received": true, "duplicate": true })).into_response()
        }
        Ok(Applied::Recorded {
            order_id,
            status,
            review_reason,
        }) => {
            if let Some((reason, may_be_payment)) = &unreadable {
                eprintln!(
                    "WARNING: webhook {} ({}) could not be read: {reason}. Acknowledged and kept \
                     in unhandled_events{}.{}",
                    event.id,
                    event.event_type,
                    order_id
                        .as_deref()
                        .map(|o| format!(" (order {o})"))
                        .unwrap_or_default(),
                    if *may_be_payment {
                        " IT MAY BE A PAYMENT: check it in Fintoc's dashboard."
                    } else {
                        ""
                    }
                );
            }
            if paid && order_id.is_none() {
                eprintln!(
                    "ATTENTION: webhook {} ({}) reports a PAYMENT that matches no order; kept in \
                     unhandled_events: find the order by hand, or refund it",
                    event.id, event.event_type
                );
            }
            if matches!(event.data, EventData::Unknown(_)) {
                eprintln!(
                    "webhook {} ({}): an event type this shop does not act on; acknowledged",
                    event.id, event.event_type
                );
            }
            if let (Some(order_id), Some(status)) = (&order_id, &status) {
                if REVIEW_STATUSES.contains(&status.as_str()) {
                    eprintln!(
                        "ATTENTION: order {order_id} is now {status} (not fulfilled): {}",
                        review_reason.as_deref().unwrap_or("see the order")
                    );
                } else {
                    eprintln!(
                        "webhook {} ({}): order {order_id} is now {status}",
                        event.id, event.event_type
                    );
                }
            }
            Json(json!({
                "received": true,
                "order_id": order_id,
                "status": status,
                "unhandled": unreadable.is_some() || (paid && order_id.is_none()),
            }))
            .into_response()
        }
        // A 5xx makes Fintoc retry later, which is what we want when the database hiccups.
        Err(e) => {
            eprintln!("database: webhook {} not recorded: {e}", event.id);
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "database",
                "not recorded; deliver it again",
            )
        }
    }
}

/// What a `checkout_session.finished` says, read from its payment intent.
enum Finished {
    /// Paid, expired, or not final yet.
    Effect(for<'a> fn(&'a [(u64, &'a str)]) -> Effect<'a>),
    /// The payment failed or was rejected, with Fintoc's reason.
    Failed(String),
    /// No payment intent, or one in a status this shop does not know: a person looks.
    Unreadable(String),
}

fn finished(session: &CheckoutSession) -> Finished {
    let Some(intent) = session.payment_intent() else {
        return Finished::Unreadable(format!(
            "checkout session {} finished without a payment intent",
            session.id
        ));
    };
    match &intent.status {
        PaymentIntentStatus::Succeeded => Finished::Effect(|stated| Effect::Paid { stated }),
        PaymentIntentStatus::Failed | PaymentIntentStatus::Rejected => Finished::Failed(
            intent
                .error_reason
                .clone()
                .unwrap_or_else(|| "payment_failed".to_owned()),
        ),
        PaymentIntentStatus::Expired => Finished::Effect(|_| Effect::Expired),
        PaymentIntentStatus::Created
        | PaymentIntentStatus::InProgress
        | PaymentIntentStatus::Pending
        | PaymentIntentStatus::RequiresAction => Finished::Effect(|_| Effect::None),
        other => Finished::Unreadable(format!(
            "checkout session {} finished with payment intent {} in status `{}`, which this \
             shop does not know",
            session.id,
            intent.id,
            other.as_str()
        )),
    }
}

/// What a signed body that is not an event is recorded as: the id `unparsed_<SHA-256 of the
/// body>` (a redelivery is the same bytes: a duplicate), its `type` when it has a string one (else
/// `(not an event)`) and its `data` (else the whole body), read like an event of that type so
/// that an order named in its metadata is found.
fn stand_in(body: &[u8], raw: &serde_json::Value) -> Option<WebhookEvent> {
    use sha2::Digest;
    let id = format!("unparsed_{}", hex::encode(sha2::Sha256::digest(body)));
    let event_type = raw
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or(NOT_AN_EVENT);
    let data = raw.get("data").unwrap_or(raw);
    let stand_in = json!({ "id": id, "type": event_type, "data": data });
    WebhookEvent::parse(stand_in.to_string().as_bytes()).ok()
}

/// The `type` recorded for a signed body without a string `type`.
pub const NOT_AN_EVENT: &str = "(not an event)";

/// Whether an event of this type, unread, could be money received: anything but the types that
/// can only say "not paid".
fn may_be_payment(event_type: &str) -> bool {
    !matches!(
        event_type,
        "checkout_session.expired"
            | "payment_intent.failed"
            | "payment_intent.rejected"
            | "payment_intent.expired"
            | "payment_intent.pending"
    )
}
