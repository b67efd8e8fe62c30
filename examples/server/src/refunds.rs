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
//!    the call is looked up in Fintoc's refunds, then asked again (see below);
//! 3. Fintoc's answer, then its `refund.in_progress` / `refund.succeeded` / `refund.failed`
//!    webhooks, move the row forward ([`merge_status`]; a late or repeated event never moves
//!    it back). `GET /api/orders/{id}` shows it.
//!
//! A person is flagged (an `ATTENTION:` line, the order's `review_reason`) when the refund
//! fails, is canceled, or cannot be made: Fintoc refused the request with a validation error
//! (`not_created`: nothing was made), or [`FLAG_AFTER`] requests had no known outcome.
//!
//! A request whose outcome is not known — no answer, a 409 (the same key in flight), a 429,
//! a 5xx, a 2xx that could not be read, a 4xx that may mean "refunded already" — stays
//! `requesting` and is asked again ([`spawn_retrier`], every [`RETRY_INTERVAL`]) after a wait
//! that doubles with every request up to a day ([`backoff`]), for as long as it takes: first Fintoc's refunds are read (`GET /v1/refunds`) for one of the payment (an
//! earlier request may have made it), then it is asked again. Fintoc stores a key's first
//! answer, a 5xx included, and replays it
//! (<https://docs.fintoc.com/api/fintoc-api/idempotent-requests>): after a 5xx the same key
//! would get the same 5xx for ever, so the next request, once the list shows no refund, uses
//! the next key ([`key`]: `…:full:2`, …). Fintoc refusing to refund more than was paid is the
//! backstop. A flag whose refund Fintoc then reports (made after all) is rewritten on the order:
//! the note to refund by hand no longer applies.

use std::sync::{Arc, Weak};
use std::time::Duration;

use fintoc_wasm::server::{ClientError, Refund, RefundCreate, RefundStatus};

use crate::db::{ClaimedRefund, DbError, RefundChange};
use crate::AppState;

/// A refund row the shop has not had an answer for yet.
pub const REQUESTING: &str = "requesting";

/// A refund Fintoc refused, or that the shop gave up asking for: a person refunds by hand.
pub const NOT_CREATED: &str = "not_created";

/// How long a request's lease lasts, on the database's clock (not each instance's), with a
/// token so that only its holder releases it: longer than the client's 30 s timeout, so that
/// two instances never ask at once (if they did, the idempotency key would still make it one
/// refund).
pub const LEASE: Duration = Duration::from_secs(60);

/// The longest wait between two requests of one refund ([`backoff`]).
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// How long to wait, after the `attempts`-th request of a refund had no answer, before asking
/// again: `first`, doubled with every request, at most [`MAX_BACKOFF`] — with a 60 s retrier,
/// 1, 2, 4, … minutes, then once a day, for as long as it takes (a person is flagged after
/// [`FLAG_AFTER`] requests, about 4 h).
pub fn backoff(first: Duration, attempts: u32) -> Duration {
    first
        .saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1).min(31)))
        .min(MAX_BACKOFF)
}

/// How often [`spawn_retrier`] looks for refunds that are due (see [`backoff`]).
pub const RETRY_INTERVAL: Duration = Duration::from_secs(60);

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
    /// Fintoc answered (or its list of refunds showed the one an earlier request made): the
    /// refund, as recorded.
    Answered(RefundChange),
    /// Nothing to ask: it was answered already, or another request holds its lease.
    NotDue,
    /// Its outcome is not known (`error`): looked up in Fintoc's refunds, then asked again,
    /// later.
    WillRetry(String),
    /// Fintoc refused it (a validation error: nothing was made): a person refunds by hand.
    NotCreated(RefundChange),
}

/// Requests of one refund with no known outcome after which a person is flagged (the shop
/// keeps asking: the refund may still be made, and the flag is taken back when it is).
pub const FLAG_AFTER: u32 = 8;

/// The idempotency key of the refund `create` after `version` renewals: the payment's
/// deterministic key (`fintoc-wasm:refund:<payment intent>:full`), then `…:full:2`, `…:full:3`.
/// Renewed only after Fintoc answered a 5xx — which it replays for that key, whatever happens
/// next — and after its list of refunds showed no refund of the payment.
pub fn key(create: &RefundCreate, version: u32) -> String {
    let key = create.idempotency_key();
    match version {
        0 => key,
        v => format!("{key}:{}", u64::from(v) + 1),
    }
}

/// What an error answer says about a refund request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Fintoc refused it with its error object and a 4xx that means nothing was made (invalid
    /// parameters, authentication, not found): a person refunds by hand.
    Refused,
    /// It may have been made (no answer, a 409 for a concurrent request with the same key, 429,
    /// an answer that could not be read, a 4xx that may mean "refunded already"), or Fintoc
    /// failed (`new_key`: a 5xx, which Fintoc stores and replays for the key).
    Unknown { new_key: bool },
}

/// Error codes of a 4xx that may mean the payment was refunded already (by an earlier request
/// of this shop, whose answer was lost): looked up, never taken for "nothing was made".
const MAYBE_REFUNDED: [&str; 3] = ["exceed", "already", "idempotency"];

fn outcome(e: &ClientError) -> Outcome {
    match e {
        ClientError::InvalidSecretKey | ClientError::InvalidRequest { .. } => Outcome::Refused,
        ClientError::Api { status, .. } | ClientError::Http { status, .. } if *status >= 500 => {
            Outcome::Unknown { new_key: true }
        }
        ClientError::Api {
            status: 400 | 401 | 402 | 403 | 404 | 422,
            code,
            ..
        } if !code
            .as_deref()
            .is_some_and(|c| MAYBE_REFUNDED.iter().any(|m| c.contains(m))) =>
        {
            Outcome::Refused
        }
        _ => Outcome::Unknown { new_key: false },
    }
}

/// Pages of Fintoc's refunds read at most when looking for one.
const MAX_PAGES: usize = 100;

/// A refund Fintoc made of `payment_intent`: this shop's (its `order_id` in the metadata) in
/// preference, else another one that is not failed or canceled.
///
/// # Errors
/// [`ClientError`] when the list cannot be read.
async fn find_refund(
    state: &AppState,
    payment_intent: &str,
    order_id: &str,
) -> Result<Option<Refund>, ClientError> {
    let mut pages = state.fintoc.list_refunds();
    let mut other = None;
    for _ in 0..MAX_PAGES {
        let Some(page) = pages.next_page().await? else {
            break;
        };
        for refund in page {
            if refund.resource_id.as_deref() != Some(payment_intent) {
                continue;
            }
            if refund.metadata.get("order_id").map(String::as_str) == Some(order_id) {
                return Ok(Some(refund));
            }
            if other.is_none()
                && !matches!(refund.status, RefundStatus::Failed | RefundStatus::Canceled)
            {
                other = Some(refund);
            }
        }
    }
    Ok(other)
}

/// Asks Fintoc for the refund of `payment_intent` (its row must be `requesting`), if no one
/// else is: the whole payment, with the order and the reason in its metadata. When an earlier
/// request's outcome is unknown, Fintoc's refunds are looked at first (an answer lost on the
/// way, a 5xx after the refund was made): a refund found there is the answer. Logs an
/// `ATTENTION:` line when a person must act.
///
/// # Errors
/// A database error (the row stays `requesting`: asked again later).
pub async fn request(state: &AppState, payment_intent: &str) -> Result<Requested, DbError> {
    let Some(claim) = state
        .db
        .claim_refund(payment_intent, LEASE.as_secs() as i64)
        .await?
    else {
        return Ok(Requested::NotDue);
    };
    let create = RefundCreate::full(payment_intent)
        .metadata("order_id", &claim.order_id)
        .metadata("reason", &claim.reason);
    let asked = if claim.attempts > 1 {
        // An earlier request may have made it.
        match find_refund(state, payment_intent, &claim.order_id).await {
            Ok(Some(refund)) => return answered(state, payment_intent, &refund, &claim).await,
            Ok(None) => {
                state
                    .fintoc
                    .create_refund_with_key(&create, &key(&create, claim.key_version))
                    .await
            }
            Err(e) => Err(e),
        }
    } else {
        state
            .fintoc
            .create_refund_with_key(&create, &key(&create, claim.key_version))
            .await
    };
    let e = match asked {
        Ok(refund) => return answered(state, payment_intent, &refund, &claim).await,
        Err(e) => e,
    };
    match outcome(&e) {
        Outcome::Unknown { new_key } => {
            eprintln!(
                "fintoc: the refund of payment {payment_intent} (order {}) has no answer yet \
                 ({e}); looked up in Fintoc's refunds, then asked again{}",
                claim.order_id,
                if new_key {
                    " with a new idempotency key (Fintoc replays this answer for the old one)"
                } else {
                    ""
                }
            );
            let error = e.to_string();
            state
                .db
                .refund_retry_later(
                    payment_intent,
                    &claim.token,
                    &error,
                    new_key,
                    backoff(state.refund_backoff, claim.attempts),
                )
                .await?;
            if claim.attempts >= FLAG_AFTER {
                let text = format!(
                    "the automatic refund of payment {payment_intent} has had no answer after \
                     {} requests (last: {error}); the shop keeps asking: check Fintoc's \
                     dashboard for a refund of this payment before refunding it by hand",
                    claim.attempts
                );
                if state
                    .db
                    .refund_needs_a_person(payment_intent, &text)
                    .await?
                {
                    eprintln!("ATTENTION: order {}: {text}", claim.order_id);
                }
            }
            Ok(Requested::WillRetry(error))
        }
        Outcome::Refused => {
            match state
                .db
                .refund_not_created(payment_intent, &e.to_string(), &claim.token)
                .await?
            {
                Some(change) => {
                    log_change(&change, &claim.reason);
                    Ok(Requested::NotCreated(change))
                }
                None => Ok(Requested::NotDue),
            }
        }
    }
}

/// Records Fintoc's `refund` of `payment_intent`.
async fn answered(
    state: &AppState,
    payment_intent: &str,
    refund: &Refund,
    claim: &ClaimedRefund,
) -> Result<Requested, DbError> {
    let (token, why) = (&claim.token, &claim.reason);
    Ok(
        match state
            .db
            .refund_answered(payment_intent, refund, token)
            .await?
        {
            Some(change) => {
                log_change(&change, why);
                Requested::Answered(change)
            }
            None => Requested::NotDue,
        },
    )
}

/// Asks again for every refund whose request failed on the way (no lease held): what the
/// background retrier does, and what a test calls instead of waiting for it. How many were
/// asked for.
///
/// # Errors
/// A database error.
pub async fn retry_pending(state: &AppState) -> Result<usize, DbError> {
    let mut asked = 0;
    let now = state.db.now().await?;
    for payment_intent in state.db.pending_refunds(now).await? {
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
    fn a_refund_is_asked_again_ever_less_often_but_at_least_daily() {
        let minute = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=12).map(|n| backoff(minute, n).as_secs()).collect();
        assert_eq!(
            waits,
            [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 30720, 61440, 86400]
        );
        assert_eq!(backoff(minute, u32::MAX), MAX_BACKOFF);
        assert_eq!(backoff(Duration::ZERO, 9), Duration::ZERO);
    }

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
