//! Creating a Checkout Session with the API 2023-11-15 body ([`CheckoutSessionCreate`], `POST
//! /v1/checkout_sessions`), and what it shares with the 2026-02-01 one
//! (`checkout_create_v2.rs`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::checkout_session::{CheckoutSession, V2_VERSION};
use super::client::FintocClient;
use super::common::BankAccount;
use super::error::ClientError;
use super::timestamp::Timestamp;
use crate::money::Amount;

/// What both versions' bodies share.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Common {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) customer_email: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) success_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cancel_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expires_at: Option<Timestamp>,
    #[serde(skip)]
    pub(crate) recipient_account: Option<BankAccount>,
}

/// The setters both versions' bodies share, with an example each.
macro_rules! common_setters {
    ($ty:ident) => {
        impl $ty {
            /// Where Fintoc sends refund notifications.
            ///
            #[doc = concat!("```\n# use fintoc_wasm::{Amount, Currency};\nuse fintoc_wasm::server::", stringify!($ty), ";\n")]
            #[doc = concat!("let c = ", stringify!($ty), "::new(Amount::new(1, Currency::Clp)?).customer_email(\"ana@example.cl\");\n")]
            #[doc = "# Ok::<(), Box<dyn std::error::Error>>(())\n```"]
            pub fn customer_email(mut self, email: impl Into<String>) -> Self {
                self.common.customer_email = Some(email.into());
                self
            }

            /// A metadata entry (e.g. your order id; it comes back in the webhooks).
            ///
            #[doc = concat!("```\n# use fintoc_wasm::{Amount, Currency};\nuse fintoc_wasm::server::", stringify!($ty), ";\n")]
            #[doc = concat!("let c = ", stringify!($ty), "::new(Amount::new(1, Currency::Clp)?).metadata(\"order_id\", \"ord_42\");\n")]
            #[doc = "assert_eq!(serde_json::to_value(&c)?[\"metadata\"][\"order_id\"], \"ord_42\");\n"]
            #[doc = "# Ok::<(), Box<dyn std::error::Error>>(())\n```"]
            pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
                self.common.metadata.insert(key.into(), value.into());
                self
            }

            /// Where the hosted checkout page returns after payment.
            ///
            #[doc = concat!("```\n# use fintoc_wasm::{Amount, Currency};\nuse fintoc_wasm::server::", stringify!($ty), ";\n")]
            #[doc = concat!("let c = ", stringify!($ty), "::new(Amount::new(1, Currency::Clp)?).success_url(\"https://shop.cl/paid\");\n")]
            #[doc = "# Ok::<(), Box<dyn std::error::Error>>(())\n```"]
            pub fn success_url(mut self, url: impl Into<String>) -> Self {
                self.common.success_url = Some(url.into());
                self
            }

            /// Where the hosted checkout page returns on cancel.
            ///
            #[doc = concat!("```\n# use fintoc_wasm::{Amount, Currency};\nuse fintoc_wasm::server::", stringify!($ty), ";\n")]
            #[doc = concat!("let c = ", stringify!($ty), "::new(Amount::new(1, Currency::Clp)?).cancel_url(\"https://shop.cl/cart\");\n")]
            #[doc = "# Ok::<(), Box<dyn std::error::Error>>(())\n```"]
            pub fn cancel_url(mut self, url: impl Into<String>) -> Self {
                self.common.cancel_url = Some(url.into());
                self
            }

            /// Both return URLs for the hosted checkout page, in the shape the browser side
            /// reads ([`ReturnUrl`](crate::checkout::ReturnUrl)): `page?fintoc=success&order=…`
            /// and `page?fintoc=cancel&order=…`. `page` is where your shop shows the order (its
            /// cart, a receipt page).
            ///
            #[doc = concat!("```\n# use fintoc_wasm::{Amount, Currency};\nuse fintoc_wasm::server::", stringify!($ty), ";\n")]
            #[doc = concat!("let c = ", stringify!($ty), "::new(Amount::new(1, Currency::Clp)?)\n    .return_to(\"https://shop.cl/cart\", \"ord_42\");\n")]
            #[doc = "let body = serde_json::to_value(&c)?;\nassert_eq!(body[\"success_url\"], \"https://shop.cl/cart?fintoc=success&order=ord_42\");\n"]
            #[doc = "assert_eq!(body[\"cancel_url\"], \"https://shop.cl/cart?fintoc=cancel&order=ord_42\");\n"]
            #[doc = "# Ok::<(), Box<dyn std::error::Error>>(())\n```"]
            pub fn return_to(self, page: &str, order_id: &str) -> Self {
                use crate::checkout::{ReturnUrl, Returned};
                self.success_url(ReturnUrl::build(page, order_id, Returned::Success))
                    .cancel_url(ReturnUrl::build(page, order_id, Returned::Cancel))
            }

            /// When the session expires (a [`Timestamp`] or a `SystemTime`; sent as RFC 3339).
            ///
            #[doc = concat!("```\n# use fintoc_wasm::{Amount, Currency};\nuse fintoc_wasm::server::", stringify!($ty), ";\n")]
            #[doc = "use std::time::{Duration, SystemTime};\nlet in_an_hour = SystemTime::now() + Duration::from_secs(3600);\n"]
            #[doc = concat!("let c = ", stringify!($ty), "::new(Amount::new(1, Currency::Clp)?).expires_at(in_an_hour);\n")]
            #[doc = "# Ok::<(), Box<dyn std::error::Error>>(())\n```"]
            pub fn expires_at(mut self, time: impl Into<Timestamp>) -> Self {
                self.common.expires_at = Some(time.into());
                self
            }

            /// Direct payment: the money goes to this account instead of Fintoc collecting and
            /// paying out. Sent as `payment_method_options.bank_transfer.recipient_account`
            /// (API 2026-02-01), or `payment_method_options.payment_intent.recipient_account`
            /// for a v1 session from a client not pinned to 2026-02-01 or later.
            ///
            #[doc = concat!("```\n# use fintoc_wasm::{Amount, Currency};\nuse fintoc_wasm::server::{BankAccount, ", stringify!($ty), "};\n")]
            #[doc = concat!("let c = ", stringify!($ty), "::new(Amount::new(5_000, Currency::Clp)?).recipient_account(BankAccount {\n")]
            #[doc = "    holder_id: \"771433855\".into(),\n    number: \"123456789\".into(),\n"]
            #[doc = "    account_type: \"checking_account\".into(),\n    institution_id: \"cl_banco_de_chile\".into(),\n});\n"]
            #[doc = "# Ok::<(), Box<dyn std::error::Error>>(())\n```"]
            pub fn recipient_account(mut self, account: BankAccount) -> Self {
                self.common.recipient_account = Some(account);
                self
            }
        }
    };
}

pub(crate) use common_setters;

/// `POST /v1/checkout_sessions` (API 2023-11-15): what to charge and where to send the
/// customer afterwards.
///
/// ```
/// use fintoc_wasm::{Amount, Currency};
/// use fintoc_wasm::server::CheckoutSessionCreate;
///
/// let create = CheckoutSessionCreate::new(Amount::new(12_990, Currency::Clp)?)
///     .customer_email("ana@example.cl")
///     .metadata("order_id", "ord_42")
///     .success_url("https://shop.cl/paid")
///     .cancel_url("https://shop.cl/cart");
/// let body = serde_json::to_value(&create).unwrap();
/// assert_eq!(body["amount"], 12990);
/// assert_eq!(body["currency"], "CLP");
/// assert_eq!(body["metadata"]["order_id"], "ord_42");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckoutSessionCreate {
    #[serde(flatten)]
    amount: Amount,
    #[serde(flatten)]
    common: Common,
}

common_setters!(CheckoutSessionCreate);

impl CheckoutSessionCreate {
    /// A session for `amount` (already validated: positive, CLP or MXN).
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreate;
    /// let create = CheckoutSessionCreate::new(Amount::new(1029, Currency::Mxn)?);
    /// assert_eq!(create.amount().minor_units(), 1029);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(amount: Amount) -> Self {
        CheckoutSessionCreate {
            amount,
            common: Common::default(),
        }
    }

    /// The amount.
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreate;
    /// let c = CheckoutSessionCreate::new(Amount::new(7, Currency::Clp)?);
    /// assert_eq!(c.amount().minor_units(), 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn amount(&self) -> Amount {
        self.amount
    }
}

impl FintocClient {
    /// `POST /v1/checkout_sessions` with a fresh idempotency key (reused by every retry).
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use fintoc_wasm::{Amount, Currency};
    /// use fintoc_wasm::server::CheckoutSessionCreate;
    /// let session = client
    ///     .create_checkout_session(&CheckoutSessionCreate::new(Amount::new(5_000, Currency::Clp)?))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_checkout_session(
        &self,
        create: &CheckoutSessionCreate,
    ) -> Result<CheckoutSession, ClientError> {
        let key = uuid::Uuid::new_v4().to_string();
        self.create_checkout_session_with_key(create, &key).await
    }

    /// `POST /v1/checkout_sessions` with your idempotency key (retries with the same key never
    /// create a second session).
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use fintoc_wasm::{Amount, Currency};
    /// use fintoc_wasm::server::CheckoutSessionCreate;
    /// let create = CheckoutSessionCreate::new(Amount::new(5_000, Currency::Clp)?);
    /// // The order id as key: a retried request returns the same session.
    /// let session = client.create_checkout_session_with_key(&create, "ord_42").await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_checkout_session_with_key(
        &self,
        create: &CheckoutSessionCreate,
        idempotency_key: &str,
    ) -> Result<CheckoutSession, ClientError> {
        let shape = if self.pinned_at_least(V2_VERSION) {
            "bank_transfer"
        } else {
            "payment_intent"
        };
        let body = with_recipient(create, &create.common, shape)?;
        self.send(
            reqwest::Method::POST,
            "/v1/checkout_sessions",
            Some(&body),
            Some(idempotency_key),
            None,
        )
        .await
    }
}

/// `create` as JSON, with `payment_method_options.{shape}.recipient_account` when it has one.
pub(crate) fn with_recipient(
    create: &impl Serialize,
    common: &Common,
    shape: &str,
) -> Result<serde_json::Value, ClientError> {
    let mut body = serde_json::to_value(create).map_err(|e| ClientError::Decode(e.to_string()))?;
    if let (Some(account), Some(object)) = (&common.recipient_account, body.as_object_mut()) {
        object.insert(
            "payment_method_options".into(),
            serde_json::json!({ shape: { "recipient_account": account } }),
        );
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount() -> Amount {
        Amount::new(12_990, crate::money::Currency::Clp).unwrap()
    }

    #[test]
    fn direct_payments_nest_the_account_in_the_versions_shape() {
        let account = BankAccount {
            holder_id: "771433855".into(),
            number: "1".into(),
            account_type: "checking_account".into(),
            institution_id: "cl_banco_de_chile".into(),
        };
        let v1 = CheckoutSessionCreate::new(amount()).recipient_account(account.clone());
        let body = with_recipient(&v1, &v1.common, "payment_intent").unwrap();
        assert_eq!(
            body["payment_method_options"]["payment_intent"]["recipient_account"]["number"],
            "1"
        );
        let plain = CheckoutSessionCreate::new(amount());
        let body = with_recipient(&plain, &plain.common, "payment_intent").unwrap();
        assert_eq!(
            body,
            serde_json::json!({"amount": 12990, "currency": "CLP"}),
            "nothing unasked for"
        );
    }
}
