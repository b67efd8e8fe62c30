//! Payment Intents: the payment itself, its status, and `GET /v1/payment_intents/{id}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::FintocClient;
use super::common::{fintoc_id, metadata};
use super::error::ClientError;
use super::open_enum::open_enum;
use super::timestamp::{lenient, Timestamp};
use crate::money::Currency;

open_enum! {
    /// `payment_intent.status`.
    PaymentIntentStatus {
        /// Created.
        Created => "created",
        /// In progress.
        InProgress => "in_progress",
        /// Paid.
        Succeeded => "succeeded",
        /// Failed (see `error_reason`).
        Failed => "failed",
        /// Final status not known yet; another webhook follows.
        Pending => "pending",
        /// Needs an action from the customer.
        RequiresAction => "requires_action",
        /// The customer did not complete it.
        Expired => "expired",
        /// The customer rejected it.
        Rejected => "rejected",
    }
}

/// A Payment Intent (the fields this crate reads): the payment inside a finished Checkout
/// Session, or the `data` of a `payment_intent.*` event.
///
/// ```
/// use fintoc_wasm::server::{PaymentIntent, PaymentIntentStatus};
/// let pi: PaymentIntent = serde_json::from_str(r#"{"id":"pi_1","amount":1029,"currency":"MXN",
///     "status":"failed","error_reason":"insufficient_funds"}"#)?;
/// assert_eq!(pi.status, PaymentIntentStatus::Failed);
/// assert_eq!(pi.error_reason.as_deref(), Some("insufficient_funds"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentIntent {
    /// `pi_…`.
    pub id: String,
    /// Amount in minor units.
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// Status.
    pub status: PaymentIntentStatus,
    /// Why it failed (an open list: `insufficient_funds`, `bank_not_available`, …).
    #[serde(default)]
    pub error_reason: Option<String>,
    /// The bank's reference.
    #[serde(default)]
    pub reference_id: Option<String>,
    /// Creation time (`None` when missing or not an RFC 3339 time).
    #[serde(default, deserialize_with = "lenient")]
    pub created_at: Option<Timestamp>,
    /// Your metadata.
    #[serde(default, deserialize_with = "metadata")]
    pub metadata: BTreeMap<String, String>,
}

impl FintocClient {
    /// `GET /v1/payment_intents/{id}`.
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let intent = client.get_payment_intent("pi_2aBc").await?;
    /// println!("{}: {:?}", intent.status, intent.error_reason);
    /// # Ok(()) }
    /// ```
    pub async fn get_payment_intent(&self, id: &str) -> Result<PaymentIntent, ClientError> {
        let path = format!("/v1/payment_intents/{}", fintoc_id(id, "id")?);
        self.send(reqwest::Method::GET, &path, None, None, None)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_open() {
        let s: PaymentIntentStatus = serde_json::from_str(r#""requires_action""#).unwrap();
        assert_eq!(s, PaymentIntentStatus::RequiresAction);
        let s: PaymentIntentStatus = serde_json::from_str(r#""teleported""#).unwrap();
        assert_eq!(s.as_str(), "teleported");
    }
}
