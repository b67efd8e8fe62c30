//! `POST /webhooks/fintoc`: verify, record once, update the order, refund what the shop cannot
//! keep.
//!
//! The crate's extractor (`fintoc_wasm::server::axum::FintocWebhook`) reads the raw body (at most
//! the crate's default, [`fintoc_wasm::server::DEFAULT_MAX_BODY_BYTES`]) and verifies `Fintoc-Signature` against the app's
//! [`WebhookSecrets`](fintoc_wasm::server::WebhookSecrets) — the current secret and, while it is
//! rotated, the previous one — before anything reads the body; it refuses the rest itself: 400
//! `missing_signature` / `malformed_signature`, 401 `invalid_signature` / `stale_signature`, 413
//! `body_too_large`. After a valid signature the answer is 2xx whatever the event says (an error
//! makes Fintoc retry for days and then drop the event); only a database error is a 5xx, so that
//! Fintoc retries. Events the crate cannot read are kept in `unhandled_events` and logged loudly;
//! one that may be a payment puts its order in `needs_review`. A payment the shop does not keep
//! is refunded ([`crate::refunds`]).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use fintoc_wasm::server::axum::FintocWebhook;
use fintoc_wasm::server::{
    CheckoutSession, EventData, PaymentIntentStatus, PaymentOutcome, VerifiedWebhook, WebhookEvent,
};
use serde_json::json;

use crate::db::{Applied, Effect, OrderRef, Payment, REVIEW_STATUSES};
use crate::refunds::{self, Requested};
use crate::shop::error;
use crate::AppState;

pub async fn receive(State(state): State<Arc<AppState>>, webhook: FintocWebhook) -> Response {
    let body = &webhook.raw_body;
    let raw: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(body).into()));
    // Signed by Fintoc, but not an event (no string `id` or `type`, not JSON): acknowledged and
    // kept for a person like any event that cannot be read — a 400 would make Fintoc retry,
    // then drop it, with nothing recorded.
    let (event, not_an_event) = match webhook.webhook {
        VerifiedWebhook::Event(event) => (event, None),
        VerifiedWebhook::Unreadable { reason, raw: bytes } => match stand_in(&bytes, &raw) {
            Some(event) => (event, Some(reason)),
            None => return not_recorded(),
        },
        _ => match stand_in(body, &raw) {
            Some(event) => (
                event,
                Some("a signed body this shop cannot read".to_owned()),
            ),
            None => return not_recorded(),
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
        (None, None) => match intent_id(&event.data) {
            Some(pi) => OrderRef::Intent(pi),
            None => OrderRef::None,
        },
    };

    // Every amount the event states for the payment: all must match the order's.
    let stated: Vec<(u64, &str)> = match &event.data {
        EventData::CheckoutSessionFinished(cs) | EventData::CheckoutSessionExpired(cs) => {
            std::iter::once((cs.amount, cs.currency.code()))
                .chain(
                    cs.payment_intent()
                        .map(|pi| (pi.amount, pi.currency.code())),
                )
                .collect()
        }
        EventData::PaymentIntent(pi) => vec![(pi.amount, pi.currency.code())],
        _ => Vec::new(),
    };
    // The payment itself (what would be refunded).
    let intent = match &event.data {
        EventData::CheckoutSessionFinished(cs) | EventData::CheckoutSessionExpired(cs) => {
            cs.payment_intent()
        }
        EventData::PaymentIntent(pi) => Some(pi),
        _ => None,
    };
    let payment = intent.map(|pi| Payment {
        intent: &pi.id,
        amount: pi.amount,
        currency: pi.currency.code(),
    });
    let failure;
    let unread;
    let event_data = raw.get("data").unwrap_or(&raw);
    // "Paid" only when the payment intent succeeded; a finished session may hold a failure.
    let effect = match (&event.data, event.payment_outcome(), payment) {
        _ if not_an_event.is_some() => Effect::Unreadable {
            reason: not_an_event.as_deref().unwrap_or_default(),
            data: &raw,
            may_be_payment: raw
                .get("type")
                .and_then(|t| t.as_str())
                .is_some_and(may_be_payment),
        },
        (EventData::Unparsed { reason, raw }, _, _) => Effect::Unreadable {
            reason,
            data: raw,
            may_be_payment: may_be_payment(&event.event_type),
        },
        (EventData::Refund(refund), _, _) => Effect::Refund { refund },
        // Read here, whatever `payment_outcome` makes of it: the customer finished, so a
        // payment we cannot read may be money received — never "failed, try again".
        (EventData::CheckoutSessionFinished(cs), _, payment) => match (finished(cs), payment) {
            (Finished::Paid, Some(payment)) => Effect::Paid {
                stated: &stated,
                payment,
            },
            (Finished::Expired, _) => Effect::Expired,
            (Finished::Pending, Some(payment)) => Effect::Pending {
                intent: payment.intent,
            },
            (Finished::Pending, None) => Effect::None,
            (Finished::Failed(reason), _) => {
                failure = reason;
                Effect::Failed { reason: &failure }
            }
            (Finished::Unreadable(reason), _) => {
                unread = reason;
                Effect::Unreadable {
                    reason: &unread,
                    data: event_data,
                    may_be_payment: true,
                }
            }
            // `finished` says Paid only with a payment intent.
            (Finished::Paid, None) => Effect::None,
        },
        (_, Some(PaymentOutcome::Paid), Some(payment)) => Effect::Paid {
            stated: &stated,
            payment,
        },
        (_, Some(PaymentOutcome::NotPaid { reason }), _) => {
            failure = reason.unwrap_or_else(|| "payment_failed".to_owned());
            Effect::Failed { reason: &failure }
        }
        (_, Some(PaymentOutcome::Expired), _) => Effect::Expired,
        // A payment status nobody here knows: maybe money received, certainly not "pending" —
        // kept for a person (like an event that cannot be read), never consumed in silence.
        (_, Some(PaymentOutcome::Unknown { status }), _) => {
            unread = format!(
                "payment intent {} in status `{status}`, which this shop does not know",
                intent.map_or("(no id)", |pi| pi.id.as_str())
            );
            Effect::Unreadable {
                reason: &unread,
                data: event_data,
                may_be_payment: true,
            }
        }
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
    let applied = match state
        .db
        .apply_event(&event.id, &event.event_type, order_ref, effect, &raw)
        .await
    {
        Ok(applied) => applied,
        // A 5xx makes Fintoc retry later, which is what we want when the database hiccups.
        Err(e) => {
            eprintln!("database: webhook {} not recorded: {e}", event.id);
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "database",
                "not recorded; deliver it again",
            );
        }
    };
    let Applied::Recorded {
        order_id,
        status,
        review_reason,
        refund_due,
        refund_change,
    } = applied
    else {
        return Json(json!({ "received": true, "duplicate": true })).into_response();
    };
    if let Some((reason, may_be_payment)) = &unreadable {
        eprintln!(
            "WARNING: webhook {} ({}) could not be read: {reason}. Acknowledged and kept in \
             unhandled_events{}.{}",
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
        if refund_due.is_none() && REVIEW_STATUSES.contains(&status.as_str()) {
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
    if let Some(change) = &refund_change {
        refunds::log_change(change, &event.event_type);
    }
    if let (EventData::Refund(refund), None) = (&event.data, &refund_change) {
        eprintln!(
            "ATTENTION: webhook {} ({}): refund {} is not one this shop asked for; kept in \
             unhandled_events",
            event.id, event.event_type, refund.id
        );
    }
    // The event is recorded: whatever happens to the refund request now, the answer is 2xx (a
    // request that fails on the way is asked again by the retrier, with the same key).
    let refund = match &refund_due {
        Some(payment_intent) => match refunds::request(&state, payment_intent).await {
            Ok(Requested::Answered(change) | Requested::NotCreated(change)) => {
                json!({ "payment_intent_id": payment_intent, "id": change.refund_id, "status": change.status })
            }
            Ok(Requested::WillRetry(_) | Requested::NotDue) => {
                json!({ "payment_intent_id": payment_intent, "status": refunds::REQUESTING })
            }
            Err(e) => {
                eprintln!("database: the refund of {payment_intent} is asked again later: {e}");
                json!({ "payment_intent_id": payment_intent, "status": refunds::REQUESTING })
            }
        },
        None => match &refund_change {
            Some(change) => json!({
                "payment_intent_id": change.payment_intent_id,
                "id": change.refund_id,
                "status": change.status,
            }),
            None => serde_json::Value::Null,
        },
    };
    Json(json!({
        "received": true,
        "order_id": order_id,
        "status": status,
        "refund": refund,
        "unhandled": unreadable.is_some()
            || (paid && order_id.is_none())
            || (matches!(event.data, EventData::Refund(_)) && refund_change.is_none()),
    }))
    .into_response()
}

fn not_recorded() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "unreadable_event",
        "the signed body could not be recorded",
    )
}

/// The payment intent an event is about (its own, or its session's).
fn intent_id(data: &EventData) -> Option<&str> {
    match data {
        EventData::PaymentIntent(pi) => Some(&pi.id),
        EventData::CheckoutSessionFinished(cs) | EventData::CheckoutSessionExpired(cs) => {
            cs.payment_intent().map(|pi| pi.id.as_str())
        }
        _ => None,
    }
}

/// What a `checkout_session.finished` says, read from its payment intent.
enum Finished {
    /// Paid: fulfil (or refund).
    Paid,
    Expired,
    /// Not final yet.
    Pending,
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
        PaymentIntentStatus::Succeeded => Finished::Paid,
        PaymentIntentStatus::Failed | PaymentIntentStatus::Rejected => Finished::Failed(
            intent
                .error_reason
                .clone()
                .unwrap_or_else(|| "payment_failed".to_owned()),
        ),
        PaymentIntentStatus::Expired => Finished::Expired,
        PaymentIntentStatus::Created
        | PaymentIntentStatus::InProgress
        | PaymentIntentStatus::Pending
        | PaymentIntentStatus::RequiresAction => Finished::Pending,
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

/// Whether an event of this type, unread, could be money received: a `checkout_session.*` or
/// `payment_intent.*` event but for the types that can only say "not paid". Never a `refund.*`
/// event (money going back, not coming in) nor another family.
fn may_be_payment(event_type: &str) -> bool {
    let payment_family =
        event_type.starts_with("checkout_session.") || event_type.starts_with("payment_intent.");
    payment_family
        && !matches!(
            event_type,
            "checkout_session.expired"
                | "payment_intent.failed"
                | "payment_intent.rejected"
                | "payment_intent.expired"
                | "payment_intent.pending"
        )
}
