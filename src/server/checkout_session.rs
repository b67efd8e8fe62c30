//! Checkout Sessions as Fintoc returns them (API 2023-11-15 and 2026-02-01 shapes), their
//! statuses, and the endpoints that read, list and expire them. Creating one:
//! `checkout_create.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::FintocClient;
use super::common::{fintoc_id, id_or_object, metadata, nullable};
use super::error::ClientError;
use super::open_enum::open_enum;
use super::pagination::Pages;
use super::payment_intent::{PaymentIntent, PaymentIntentStatus};
use super::timestamp::{lenient, Timestamp};
use crate::money::Currency;

open_enum! {
    /// `checkout_session.status`. `Finished` does **not** mean paid: see
    /// [`CheckoutSession::is_paid`].
    CheckoutSessionStatus {
        /// Created, not started.
        Created => "created",
        /// The customer is in the flow.
        InProgress => "in_progress",
        /// The customer completed the flow (paid or not: read the payment intent).
        Finished => "finished",
        /// The customer left before finishing.
        Expired => "expired",
    }
}

impl CheckoutSessionStatus {
    /// True for `finished` and `expired`.
    ///
    /// ```
    /// use fintoc_wasm::server::CheckoutSessionStatus;
    /// assert!(CheckoutSessionStatus::Expired.is_final());
    /// assert!(!CheckoutSessionStatus::InProgress.is_final());
    /// ```
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            CheckoutSessionStatus::Finished | CheckoutSessionStatus::Expired
        )
    }
}

open_enum! {
    /// `checkout_session.flow` (API 2026-02-01): what the session is for.
    CheckoutFlow {
        /// Pay now.
        Payment => "payment",
        /// Enrol a recurring subscription.
        Subscription => "subscription",
        /// Save a payment method for later, without paying now.
        Setup => "setup",
    }
}

open_enum! {
    /// A payment method a Checkout Session offers (`payment_method_types`, API 2026-02-01).
    PaymentMethodType {
        /// A bank transfer initiated by Fintoc.
        BankTransfer => "bank_transfer",
        /// A card.
        Card => "card",
        /// Card payment in instalments.
        InstallmentsPayment => "installments_payment",
    }
}

/// A Checkout Session as Fintoc returns it (the fields this crate reads; the rest is ignored),
/// in the API 2023-11-15 shape or the 2026-02-01 one (fixtures of both in
/// `tests/data/fintoc/`). A session without `amount` (the 2026-02-01 `setup` flow) does not
/// read: this crate handles payments.
///
/// ```
/// use fintoc_wasm::server::{CheckoutSession, CheckoutSessionStatus, PaymentMethodType};
/// let session: CheckoutSession = serde_json::from_value(serde_json::json!({
///     "id": "cs_1", "object": "checkout_session", "flow": "payment", "amount": 5000,
///     "currency": "CLP", "status": "created", "session_token": "cs_1_sec_2",
///     "redirect_url": "https://checkout.fintoc.com/checkout_session_1",
///     "expires_at": "2026-11-25T00:00:00Z", "payment_method": null,
///     "payment_method_types": ["bank_transfer"], "payment_resource": null
/// }))?;
/// assert_eq!(session.status, CheckoutSessionStatus::Created);
/// assert_eq!(session.payment_method_types, [PaymentMethodType::BankTransfer]);
/// assert_eq!(session.expires_at.map(|t| t.to_string()).as_deref(), Some("2026-11-25T00:00:00Z"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSession {
    /// `cs_…`.
    pub id: String,
    /// Amount in minor units.
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// Status (`finished` is not "paid").
    pub status: CheckoutSessionStatus,
    /// The token for the widget (`null` once finished).
    #[serde(default)]
    pub session_token: Option<String>,
    /// Fintoc's hosted checkout page.
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// Expiry (`None` when missing or not an RFC 3339 time).
    #[serde(default, deserialize_with = "lenient")]
    pub expires_at: Option<Timestamp>,
    /// Creation time (`None` when missing or not an RFC 3339 time).
    #[serde(default, deserialize_with = "lenient")]
    pub created_at: Option<Timestamp>,
    /// `test` or `live`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Refund notification address.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// Your metadata (string values are kept; Fintoc's samples also show a JSON string).
    #[serde(default, deserialize_with = "metadata")]
    pub metadata: BTreeMap<String, String>,
    /// The payment this session produced, once there is one.
    #[serde(default, deserialize_with = "nullable")]
    pub payment_resource: PaymentResource,
    /// `flow` (API 2026-02-01; `None` in older versions, which only had payments).
    #[serde(default)]
    pub flow: Option<CheckoutFlow>,
    /// `payment_method_types` (API 2026-02-01; empty when absent or `null`).
    #[serde(default, deserialize_with = "nullable")]
    pub payment_method_types: Vec<PaymentMethodType>,
    /// `payment_method` (API 2026-02-01): the id of the payment method used or saved, whether
    /// Fintoc sends the id or an object holding it; `None` when `null` or of another shape.
    #[serde(default, deserialize_with = "id_or_object")]
    pub payment_method: Option<String>,
}

/// `payment_resource` of a Checkout Session: the payment it produced.
///
/// ```
/// use fintoc_wasm::server::PaymentResource;
/// let none: PaymentResource = serde_json::from_str("{}")?;
/// assert!(none.payment_intent.is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentResource {
    /// The payment intent.
    #[serde(default)]
    pub payment_intent: Option<PaymentIntent>,
}

impl CheckoutSession {
    /// The one right answer to "was this paid?": the session's payment intent succeeded.
    /// A `finished` session may hold a failed payment.
    ///
    /// ```
    /// use fintoc_wasm::server::CheckoutSession;
    /// let finished_but_failed: CheckoutSession = serde_json::from_value(serde_json::json!({
    ///     "id": "cs_1", "amount": 5000, "currency": "CLP", "status": "finished",
    ///     "payment_resource": {"payment_intent": {"id": "pi_1", "amount": 5000,
    ///         "currency": "CLP", "status": "failed", "error_reason": "insufficient_funds"}}
    /// })).unwrap();
    /// assert!(!finished_but_failed.is_paid());
    /// ```
    pub fn is_paid(&self) -> bool {
        self.payment_intent()
            .is_some_and(|pi| pi.status == PaymentIntentStatus::Succeeded)
    }

    /// The session's payment intent, if any.
    ///
    /// ```
    /// # fn f(session: &fintoc_wasm::server::CheckoutSession) {
    /// if let Some(intent) = session.payment_intent() {
    ///     println!("{} {:?}", intent.status, intent.error_reason);
    /// }
    /// # }
    /// ```
    pub fn payment_intent(&self) -> Option<&PaymentIntent> {
        self.payment_resource.payment_intent.as_ref()
    }
}

/// The API version the `/v2` endpoints need.
pub(crate) const V2_VERSION: &str = "2026-02-01";

impl FintocClient {
    /// `GET /v1/checkout_sessions/{id}` (either shape, by your account's API version).
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let session = client.get_checkout_session("cs_li5531onlFDi235").await?;
    /// if session.is_paid() { /* fulfil */ }
    /// # Ok(()) }
    /// ```
    pub async fn get_checkout_session(&self, id: &str) -> Result<CheckoutSession, ClientError> {
        let path = format!("/v1/checkout_sessions/{}", fintoc_id(id, "id")?);
        self.send(reqwest::Method::GET, &path, None, None, None)
            .await
    }

    /// `POST /v1/checkout_sessions/{id}/expire`.
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let expired = client.expire_checkout_session("cs_li5531onlFDi235").await?;
    /// # Ok(()) }
    /// ```
    pub async fn expire_checkout_session(&self, id: &str) -> Result<CheckoutSession, ClientError> {
        let path = format!("/v1/checkout_sessions/{}/expire", fintoc_id(id, "id")?);
        // A key per call, reused by its retries (a fixed one would replay a first 5xx for a day).
        let key = uuid::Uuid::new_v4().to_string();
        self.send(reqwest::Method::POST, &path, None, Some(&key), None)
            .await
    }

    /// `GET /v1/checkout_sessions`, newest first, page by page (`?page=N` links).
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let mut pages = client.list_checkout_sessions();
    /// while let Some(page) = pages.next_page().await? {
    ///     println!("{} sessions", page.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_checkout_sessions(&self) -> Pages<CheckoutSession> {
        Pages::new(self, self.url("/v1/checkout_sessions"), None)
    }

    /// `GET /v2/checkout_sessions` (API 2026-02-01, sent with that `Fintoc-Version` at least),
    /// page by page (`starting_after` cursors), from the start or after the session
    /// `starting_after`.
    ///
    /// # Errors
    /// [`ClientError::InvalidRequest`] when `starting_after` is not a Fintoc id.
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let mut pages = client.list_checkout_sessions_v2(None)?;
    /// let newest = pages.next_page().await?.unwrap_or_default();
    /// # Ok(()) }
    /// ```
    pub fn list_checkout_sessions_v2(
        &self,
        starting_after: Option<&str>,
    ) -> Result<Pages<CheckoutSession>, ClientError> {
        let mut url = self.url("/v2/checkout_sessions");
        if let Some(id) = starting_after {
            url = format!("{url}?starting_after={}", fintoc_id(id, "starting_after")?);
        }
        Ok(Pages::new(self, url, Some(V2_VERSION)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_open() {
        assert_eq!(
            CheckoutSessionStatus::from("finished"),
            CheckoutSessionStatus::Finished
        );
        assert_eq!(
            CheckoutSessionStatus::from("archived"),
            CheckoutSessionStatus::Unknown("archived".into())
        );
    }

    fn fixture(name: &str) -> CheckoutSession {
        let path = format!("{}/tests/data/fintoc/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    #[test]
    fn both_api_versions_read() {
        // docs.fintoc.com/v2023-11-15/api/payment-initiation-api/checkout-sessions/checkout-session-object
        let v1 = fixture("checkout-session-2023-11-15-finished.json");
        assert_eq!(v1.status, CheckoutSessionStatus::Finished);
        assert!(v1.is_paid());
        assert_eq!((v1.amount, v1.currency), (1200, Currency::Clp));
        assert_eq!(v1.flow, None);
        assert!(v1.payment_method_types.is_empty());
        assert_eq!(v1.payment_method, None);
        assert_eq!(v1.metadata["order_id"], "#12513");

        // docs.fintoc.com/reference/payments-api/checkout-sessions/checkout-session-object
        let v2 = fixture("checkout-session-2026-02-01-finished.json");
        assert_eq!(v2.status, CheckoutSessionStatus::Finished);
        assert!(v2.is_paid());
        assert_eq!(v2.flow, Some(CheckoutFlow::Payment));
        assert_eq!(v2.payment_method_types, [PaymentMethodType::BankTransfer]);
        assert_eq!(
            v2.payment_intent().unwrap().id,
            "pi_38DNJo3rbvGUzKFvCGZ6dxR1Kxx"
        );

        let created = fixture("checkout-session-2026-02-01-created.json");
        assert_eq!(created.status, CheckoutSessionStatus::Created);
        assert!(!created.is_paid());
        assert!(created.session_token.is_some() && created.redirect_url.is_some());
        assert_eq!(
            created.payment_method_types,
            [PaymentMethodType::BankTransfer, PaymentMethodType::Card]
        );

        // `payment_method` as an id, an object, or something else.
        for (value, expected) in [
            (serde_json::json!("pm_1"), Some("pm_1")),
            (
                serde_json::json!({"id": "pm_2", "object": "payment_method"}),
                Some("pm_2"),
            ),
            (serde_json::json!({"type": "bank_transfer"}), None),
            (serde_json::json!(7), None),
        ] {
            let mut json = serde_json::to_value(&created).unwrap();
            json["payment_method"] = value;
            json["payment_method_types"] = serde_json::json!(["bank_transfer", "crypto"]);
            let read: CheckoutSession = serde_json::from_value(json).unwrap();
            assert_eq!(read.payment_method.as_deref(), expected);
            assert_eq!(
                read.payment_method_types[1],
                PaymentMethodType::Unknown("crypto".into())
            );
        }
    }

    #[test]
    fn the_v2023_sample_object_parses() {
        let json = serde_json::json!({
            "id": "cs_li5531onlFDi235",
            "object": "checkout_session",
            "amount": 5000,
            "business_profile": null,
            "cancel_url": "https://shop.cl/cancel",
            "created_at": "2024-05-02T20:05:01Z",
            "currency": "clp",
            "customer": null,
            "customer_email": null,
            "expires_at": "2024-05-03T20:05:01Z",
            "metadata": "{\"order_id\":\"ord_1\"}",
            "mode": "test",
            "payment_method_options": {},
            "payment_methods": ["payment_intent"],
            "payment_resource": {"payment_intent": {
                "id": "pi_1", "object": "payment_intent", "amount": 5000, "currency": "CLP",
                "status": "succeeded", "error_reason": null, "metadata": {"order_id": "ord_1", "n": 3}
            }},
            "redirect_url": "https://checkout.fintoc.com/checkout_session_01HX",
            "session_token": null,
            "status": "finished",
            "success_url": "https://shop.cl/ok"
        });
        let cs: CheckoutSession = serde_json::from_value(json).unwrap();
        assert_eq!(cs.currency, Currency::Clp);
        assert_eq!(cs.status, CheckoutSessionStatus::Finished);
        assert_eq!(
            cs.metadata.get("order_id").map(String::as_str),
            Some("ord_1")
        );
        assert!(cs.is_paid());
        let pi = cs.payment_intent().unwrap();
        assert_eq!(pi.metadata.get("n").map(String::as_str), Some("3"));
        let unpaid: CheckoutSession = serde_json::from_value(serde_json::json!({
            "id": "cs_2", "amount": 1, "currency": "MXN", "status": "created",
            "payment_resource": null, "metadata": null
        }))
        .unwrap();
        assert!(!unpaid.is_paid());
        assert!(unpaid.metadata.is_empty());
    }
}
