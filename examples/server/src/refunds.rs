//! The demo refunds what it cannot keep: a payment after its order closed (`paid_after_close`),
//! of another amount or currency (`amount_mismatch`), or a second payment of a paid order
//! (`paid_twice`) is given back in full, automatically, **once per payment intent**:
//!
//! 1. the webhook's transaction writes the payment's row in `refunds` (primary key: the payment
//!    intent; status `requesting`) with the order's new status — whatever the deliveries, and
//!    whichever instance receives them, one row ([`crate::db::Db::apply_event`]);
//! 2. whoever takes the row's lease ([`crate::db::Db::claim_refund`]) asks Fintoc
//!    (`POST /v1/refunds`) with [`RefundCreate`]'s deterministic idempotency key
//!    (`fintoc-wasm:refund:<payment intent>:full`): a crash or a lost answer between the row and
//!    the call is asked again with the same key, and Fintoc answers the one refund it made;
//! 3. Fintoc's answer, then its `refund.in_progress` / `refund.succeeded` / `refund.failed`
//!    webhooks, move the row forward ([`merge_status`]; a late or repeated event never moves
//!    it back). `GET /api/orders/{id}` shows it.
//!
//! A person is flagged (an `ATTENTION:` line, the order's `review_reason`) when the refund
//! fails, is canceled, or cannot be made: Fintoc refused the request (`not_created`), or it
//! kept failing on the way [`MAX_ATTEMPTS`] times. A request that failed on the way (a network
//! error, a 5xx) is asked again every [`RETRY_INTERVAL`] ([`spawn_retrier`]).

use std::sync::{Arc, Weak};
use std::time::Duration;

use fintoc_wasm::server::RefundCreate;

use crate::db::{DbError, RefundChange};
use crate::{unix_now, AppState};

/// A refund row the shop has not had an answer for yet.
pub const REQUESTING: &str = "requesting";

/// A refund Fintoc refused, or that the shop gave up asking for: a person refunds by hand.
pub const NOT_CREATED: &str = "not_created";

/// How long a request's lease lasts: longer than the client's 30 s timeout, so that two
/// instances never ask at once (if they did, the idempotency key would still make it one
/// refund).
pub const LEASE: Duration = Duration::from_secs(60);

/// How often [`spawn_retrier`] asks again for refunds whose request failed on the way.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(60);

/// Requests after which the shop stops asking and flags a person (Fintoc replays a key's first
/// answer, errors included, while it remembers the key).
pub const MAX_ATTEMPTS: u32 = 8;

/// How far along a refund status is: the shop's own `requesting` / `not_created`, then
/// Fintoc's `created`, `in_progress` (and statuses this shop does not know), then the final ones.
fn rank(status: &str) -> u8 {
    match status {
        REQUESTING | NOT_CREATED => 0,
        "created" => 1,
        "succeeded" | "failed" | "canceled" => 3,
        _ => 2,
    }
}

/// The status a refund moves to when told `new` while it is `current`: `new` when it is
/// further along, `None` to keep `current` (a late `refund.in_progress` after
/// `refund.succeeded`, a repeated one, a final status after another final one). A refund
/// Fintoc reports is further along than one the shop could not make (`not_created`).
pub fn merge_status<'a>(current: &str, new: &'a str) -> Option<&'a str> {
    if current == new || (new == NOT_CREATED && current != REQUESTING) {
        return None;
    }
    if new == NOT_CREATED || rank(new) > rank(current) {
        Some(new)
    } else {
        None
    }
}

/// What [`request`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requested {
    /// Fintoc answered: the refund, as recorded.
    Answered(RefundChange),
    /// Nothing to ask: it was answered already, or another request holds its lease.
    NotDue,
    /// It failed on the way (`error`); asked again later with the same key.
    WillRetry(String),
    /// Fintoc refused it, or the shop gave up: a person refunds by hand.
    NotCreated(RefundChange),
}

/// Asks Fintoc for the refund of `payment_intent` (its row must be `requesting`), if no one
/// else is: the whole payment, with the order and the reason in its metadata and the payment's
/// deterministic idempotency key. Logs an `ATTENTION:` line when a person must act.
///
/// # Errors
/// A database error (the row stays `requesting`: asked again later).
pub async fn request(state: &AppState, payment_intent: &str) -> Result<Requested, DbError> {
    let now = unix_now();
    let Some(claim) = state
        .db
        .claim_refund(payment_intent, now, now + LEASE.as_secs() as i64)
        .await?
    else {
        return Ok(Requested::NotDue);
    };
    let create = RefundCreate::full(payment_intent)
        .metadata("order_id", &claim.order_id)
        .metadata("reason", &claim.reason);
    match state.fintoc.create_refund(&create).await {
        Ok(refund) => match state.db.refund_answered(payment_intent, &refund).await? {
            Some(change) => {
                log_change(&change, &claim.reason);
                Ok(Requested::Answered(change))
            }
            None => Ok(Requested::NotDue),
        },
        Err(e) if e.is_retryable() && claim.attempts < MAX_ATTEMPTS => {
            eprintln!(
                "fintoc: the refund of payment {payment_intent} (order {}) failed on the way \
                 ({e}); asked again later with the same idempotency key",
                claim.order_id
            );
            let error = e.to_string();
            state.db.refund_retry_later(payment_intent, &error).await?;
            Ok(Requested::WillRetry(error))
        }
        Err(e) => {
            let error = if e.is_retryable() {
                format!("gave up after {} requests: {e}", claim.attempts)
            } else {
                e.to_string()
            };
            match state.db.refund_not_created(payment_intent, &error).await? {
                Some(change) => {
                    log_change(&change, &claim.reason);
                    Ok(Requested::NotCreated(change))
                }
                None => Ok(Requested::NotDue),
            }
        }
    }
}

/// Asks again for every refund whose request failed on the way (no lease held): what the
/// background retrier does, and what a test calls instead of waiting for it. How many were
/// asked for.
///
/// # Errors
/// A database error.
pub async fn retry_pending(state: &AppState) -> Result<usize, DbError> {
    let mut asked = 0;
    for payment_intent in state.db.pending_refunds(unix_now()).await? {
        if request(state, &payment_intent).await? != Requested::NotDue {
            asked += 1;
        }
    }
    Ok(asked)
}

/// Runs [`retry_pending`] every `interval` for as long as the state lives.
pub fn spawn_retrier(state: &Arc<AppState>, interval: Duration) {
    let weak: Weak<AppState> = Arc::downgrade(state);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(interval).await;
            let Some(state) = weak.upgrade() else { return };
            if let Err(e) = retry_pending(&state).await {
                eprintln!("database: pending refunds not retried: {e}");
            }
        }
    });
}

/// The server's log line for a refund that moved: `ATTENTION:` when a person must act.
pub fn log_change(change: &RefundChange, why: &str) {
    let refund = change.refund_id.as_deref().unwrap_or("(not made)");
    if change.flagged {
        eprintln!(
            "ATTENTION: the refund {refund} of payment {} (order {}, {why}) is {}: the money was \
             not given back; refund it by hand",
            change.payment_intent_id, change.order_id, change.status
        );
    } else {
        eprintln!(
            "refund {refund} of payment {} (order {}, {why}): {}",
            change.payment_intent_id, change.order_id, change.status
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refund_status_only_moves_forward() {
        let forward = [
            (REQUESTING, "created"),
            (REQUESTING, "succeeded"),
            ("created", "in_progress"),
            ("in_progress", "succeeded"),
            ("in_progress", "failed"),
            ("created", "canceled"),
            ("created", "disputed"),
            (REQUESTING, NOT_CREATED),
            (NOT_CREATED, "created"),
            (NOT_CREATED, "failed"),
        ];
        for (current, new) in forward {
            assert_eq!(merge_status(current, new), Some(new), "{current} → {new}");
        }
        let kept = [
            ("succeeded", "in_progress"),
            ("succeeded", "failed"),
            ("failed", "succeeded"),
            ("in_progress", "created"),
            ("in_progress", REQUESTING),
            ("in_progress", "disputed"),
            ("succeeded", NOT_CREATED),
            ("created", NOT_CREATED),
            ("created", REQUESTING),
            ("succeeded", "succeeded"),
            (NOT_CREATED, NOT_CREATED),
        ];
        for (current, new) in kept {
            assert_eq!(merge_status(current, new), None, "{current} → {new}");
        }
    }
}
