//! Refunds (<https://docs.fintoc.com/reference/payments-api/refunds/refund-object>): the
//! object, its statuses, and `POST /v1/refunds`, `GET /v1/refunds[/{id}]`,
//! `POST /v1/refunds/{id}/cancel`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::FintocClient;
use super::common::{fintoc_id, metadata, BankAccount};
use super::error::ClientError;
use super::open_enum::open_enum;
use super::pagination::Pages;
use super::timestamp::{lenient, Timestamp};
use crate::money::{Amount, Currency};

open_enum! {
    /// `refund.status`: `created → in_progress → succeeded | failed | canceled`.
    RefundStatus {
        /// Requested.
        Created => "created",
        /// Being paid back (Fintoc retries for up to 5 business days when the balance is short).
        InProgress => "in_progress",
        /// The money went back to the customer.
        Succeeded => "succeeded",
        /// It could not be paid back (see `failure_code`).
        Failed => "failed",
        /// Canceled before it was paid back.
        Canceled => "canceled",
    }
}

impl RefundStatus {
    /// True for `succeeded`, `failed` and `canceled`.
    ///
    /// ```
    /// use fintoc_wasm::server::RefundStatus;
    /// assert!(RefundStatus::Failed.is_final());
    /// assert!(!RefundStatus::InProgress.is_final());
    /// ```
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            RefundStatus::Succeeded | RefundStatus::Failed | RefundStatus::Canceled
        )
    }
}

open_enum! {
    /// `refund.failure_code`: why a refund failed.
    RefundFailureCode {
        /// Refused as a fraud risk.
        FraudRisk => "fraud_risk",
        /// Your available balance could not cover it.
        InsufficientFunds => "insufficient_funds",
    }
}

/// A refund as Fintoc returns it (the fields this crate reads), or the `data` of a `refund.*`
/// webhook.
///
/// ```
/// use fintoc_wasm::server::{Refund, RefundStatus};
/// let refund: Refund = serde_json::from_str(r#"{"id":"re_1","object":"refund","amount":5000,
///     "currency":"CLP","status":"in_progress","resource_type":"payment_intent",
///     "resource_id":"pi_1","failure_code":null,"metadata":{"order_id":"ord_42"}}"#)?;
/// assert_eq!(refund.status, RefundStatus::InProgress);
/// assert_eq!(refund.resource_id.as_deref(), Some("pi_1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    /// `re_…`.
    pub id: String,
    /// Amount refunded, in minor units.
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// Status.
    pub status: RefundStatus,
    /// Why it failed, when it did.
    #[serde(default)]
    pub failure_code: Option<RefundFailureCode>,
    /// What was refunded: `payment_intent`.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// The refunded payment intent's id (`pi_…`).
    #[serde(default)]
    pub resource_id: Option<String>,
    /// Your metadata.
    #[serde(default, deserialize_with = "metadata")]
    pub metadata: BTreeMap<String, String>,
    /// `test` or `live`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "lenient")]
    pub created_at: Option<Timestamp>,
    /// Last change.
    #[serde(default, deserialize_with = "lenient")]
    pub updated_at: Option<Timestamp>,
}

/// `POST /v1/refunds`: give back all of a payment intent, or part of it.
///
/// [`FintocClient::create_refund`] sends it with a **deterministic** `Idempotency-Key`, one per
/// (payment intent, amount) — [`idempotency_key`](Self::idempotency_key) — so a retried or
/// repeated request (a webhook delivered twice, a crash between the call and your database
/// write) never refunds twice while Fintoc remembers the key (at least 24 h). Two genuine
/// refunds of the same amount of one payment need their own keys:
/// [`create_refund_with_key`](FintocClient::create_refund_with_key).
///
/// Fintoc replays the first answer for a key, errors included: if that first answer was an
/// error (a 5xx that outlived the client's retries), asking again with the same key gets the
/// same error until Fintoc forgets the key. Have a person look then (check
/// [`list_refunds`](FintocClient::list_refunds) before refunding with a new key).
///
/// ```
/// use fintoc_wasm::{Amount, Currency};
/// use fintoc_wasm::server::RefundCreate;
///
/// let all = RefundCreate::full("pi_2aBc").metadata("order_id", "ord_42");
/// assert_eq!(serde_json::to_value(&all)?, serde_json::json!({"resource_type": "payment_intent",
///     "resource_id": "pi_2aBc", "metadata": {"order_id": "ord_42"}}));
/// let part = RefundCreate::partial("pi_2aBc", Amount::new(1_000, Currency::Clp)?);
/// assert_eq!(serde_json::to_value(&part)?["amount"], 1000);
/// assert_ne!(all.idempotency_key(), part.idempotency_key());
/// assert_eq!(part.idempotency_key(), RefundCreate::partial("pi_2aBc", Amount::new(1_000, Currency::Clp)?).idempotency_key());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RefundCreate {
    resource_type: &'static str,
    resource_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<u64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_account: Option<BankAccount>,
}

impl RefundCreate {
    /// All of payment intent `payment_intent_id` (Fintoc's processing fee is not returned to
    /// you).
    ///
    /// ```
    /// # use fintoc_wasm::server::RefundCreate;
    /// let r = RefundCreate::full("pi_2aBc");
    /// ```
    pub fn full(payment_intent_id: impl Into<String>) -> Self {
        RefundCreate {
            resource_type: "payment_intent",
            resource_id: payment_intent_id.into(),
            amount: None,
            metadata: BTreeMap::new(),
            recipient_account: None,
        }
    }

    /// `amount` of payment intent `payment_intent_id` (in the payment's currency: only the
    /// minor units are sent).
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::RefundCreate;
    /// let r = RefundCreate::partial("pi_2aBc", Amount::new(500, Currency::Mxn)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn partial(payment_intent_id: impl Into<String>, amount: Amount) -> Self {
        RefundCreate {
            amount: Some(amount.minor_units()),
            ..RefundCreate::full(payment_intent_id)
        }
    }

    /// A metadata entry (it comes back in the `refund.*` webhooks).
    ///
    /// ```
    /// # use fintoc_wasm::server::RefundCreate;
    /// let r = RefundCreate::full("pi_2aBc").metadata("order_id", "ord_42");
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The account to pay the refund to, when Fintoc cannot use the payer's.
    ///
    /// ```
    /// # use fintoc_wasm::server::{BankAccount, RefundCreate};
    /// let r = RefundCreate::full("pi_2aBc").recipient_account(BankAccount {
    ///     holder_id: "123456789".into(), number: "227110011".into(),
    ///     account_type: "checking_account".into(), institution_id: "cl_banco_estado".into(),
    /// });
    /// ```
    pub fn recipient_account(mut self, account: BankAccount) -> Self {
        self.recipient_account = Some(account);
        self
    }

    /// The refund's deterministic idempotency key:
    /// `fintoc-wasm:refund:{payment intent}:{amount or "full"}`.
    ///
    /// ```
    /// # use fintoc_wasm::server::RefundCreate;
    /// assert_eq!(RefundCreate::full("pi_1").idempotency_key(), "fintoc-wasm:refund:pi_1:full");
    /// ```
    pub fn idempotency_key(&self) -> String {
        let amount = self
            .amount
            .map_or_else(|| "full".to_owned(), |a| a.to_string());
        format!("fintoc-wasm:refund:{}:{amount}", self.resource_id)
    }
}

impl FintocClient {
    /// `POST /v1/refunds` with the refund's deterministic idempotency key
    /// ([`RefundCreate::idempotency_key`]): asking again for the same refund returns the
    /// first one instead of refunding twice.
    ///
    /// # Errors
    /// [`ClientError::InvalidRequest`] when the payment intent id is not a Fintoc id (nothing
    /// sent), or the call's [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// use fintoc_wasm::server::RefundCreate;
    /// let refund = client.create_refund(&RefundCreate::full("pi_2aBc").metadata("order_id", "ord_42")).await?;
    /// println!("{} is {}", refund.id, refund.status);
    /// # Ok(()) }
    /// ```
    pub async fn create_refund(&self, create: &RefundCreate) -> Result<Refund, ClientError> {
        fintoc_id(&create.resource_id, "resource_id")?;
        self.create_refund_with_key(create, &create.idempotency_key())
            .await
    }

    /// `POST /v1/refunds` with your idempotency key.
    ///
    /// # Errors
    /// [`ClientError::InvalidRequest`] when the payment intent id is not a Fintoc id (nothing
    /// sent), or the call's [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use fintoc_wasm::{Amount, Currency};
    /// use fintoc_wasm::server::RefundCreate;
    /// // A second refund of the same amount of one payment, on purpose:
    /// let again = RefundCreate::partial("pi_2aBc", Amount::new(1_000, Currency::Clp)?);
    /// let refund = client.create_refund_with_key(&again, &format!("{}:2", again.idempotency_key())).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_refund_with_key(
        &self,
        create: &RefundCreate,
        idempotency_key: &str,
    ) -> Result<Refund, ClientError> {
        fintoc_id(&create.resource_id, "resource_id")?;
        let body = serde_json::to_value(create).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.send(
            reqwest::Method::POST,
            "/v1/refunds",
            Some(&body),
            Some(idempotency_key),
            None,
        )
        .await
    }

    /// `GET /v1/refunds/{id}`.
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let refund = client.get_refund("re_1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_refund(&self, id: &str) -> Result<Refund, ClientError> {
        let path = format!("/v1/refunds/{}", fintoc_id(id, "id")?);
        self.send(reqwest::Method::GET, &path, None, None, None)
            .await
    }

    /// `GET /v1/refunds`, page by page.
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let mut pages = client.list_refunds();
    /// while let Some(refunds) = pages.next_page().await? {
    ///     for r in refunds { println!("{} {}", r.id, r.status); }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_refunds(&self) -> Pages<Refund> {
        Pages::new(self, self.url("/v1/refunds"), None)
    }

    /// `POST /v1/refunds/{id}/cancel` (only while it has not been paid back).
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let canceled = client.cancel_refund("re_1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn cancel_refund(&self, id: &str) -> Result<Refund, ClientError> {
        let path = format!("/v1/refunds/{}/cancel", fintoc_id(id, "id")?);
        // A key per call, reused by its retries (a fixed one would replay a first 5xx for a day).
        let key = uuid::Uuid::new_v4().to_string();
        self.send(reqwest::Method::POST, &path, None, Some(&key), None)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refund_object_reads() {
        // docs.fintoc.com/reference/payments-api/refunds/refund-object
        let path = format!(
            "{}/tests/data/fintoc/refund.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let refund: Refund = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(refund.status, RefundStatus::Failed);
        assert_eq!(
            refund.failure_code,
            Some(RefundFailureCode::InsufficientFunds)
        );
        assert_eq!(refund.resource_type.as_deref(), Some("payment_intent"));
        assert_eq!(refund.metadata["order_id"], "ord_42");
        assert!(refund.updated_at > refund.created_at);
        let unknown: RefundStatus = serde_json::from_str("\"disputed\"").unwrap();
        assert_eq!(unknown, RefundStatus::Unknown("disputed".into()));
        assert!(!unknown.is_final());
    }

    #[test]
    fn one_key_per_payment_and_amount() {
        let clp = |n| Amount::new(n, Currency::Clp).unwrap();
        let keys = [
            RefundCreate::full("pi_1").idempotency_key(),
            RefundCreate::full("pi_2").idempotency_key(),
            RefundCreate::partial("pi_1", clp(100)).idempotency_key(),
            RefundCreate::partial("pi_1", clp(101)).idempotency_key(),
        ];
        for (i, a) in keys.iter().enumerate() {
            assert!(a.len() <= 255);
            for b in keys.get(i + 1..).unwrap() {
                assert_ne!(a, b);
            }
        }
        // Metadata does not change which refund it is.
        assert_eq!(
            RefundCreate::partial("pi_1", clp(100))
                .metadata("note", "again")
                .idempotency_key(),
            keys[2]
        );
    }
}
