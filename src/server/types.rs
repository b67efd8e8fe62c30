//! Checkout Session and Payment Intent: the create request and the objects Fintoc returns.
//!
//! Statuses are open enums (Fintoc adds values over time); unknown fields are ignored and
//! `null`s read as missing.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::timestamp::{lenient, Timestamp};
use crate::money::{Amount, Currency};

macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident => $text:literal, )* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
            /// A value this crate does not know yet.
            Unknown(String),
        }

        impl $name {
            /// The value as Fintoc writes it.
    ///
    /// ```
    /// use fintoc_wasm::server::CheckoutSessionStatus;
    /// assert_eq!(CheckoutSessionStatus::InProgress.as_str(), "in_progress");
    /// ```
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $text => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::from(String::deserialize(d)?.as_str()))
            }
        }
    };
}

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

open_enum! {
    /// `type` of Fintoc's error object.
    ApiErrorType {
        /// A problem on Fintoc's side.
        ApiError => "api_error",
        /// Wrong or missing secret key.
        AuthenticationError => "authentication_error",
        /// A Link problem.
        LinkError => "link_error",
        /// The bank had a problem.
        InstitutionError => "institution_error",
        /// Invalid parameters.
        InvalidRequestError => "invalid_request_error",
    }
}

/// A bank account (recipient of direct payments).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    /// The holder's tax id (RUT in Chile).
    pub holder_id: String,
    /// The account number.
    pub number: String,
    /// Account type, e.g. `checking_account`, `sight_account`.
    #[serde(rename = "type")]
    pub account_type: String,
    /// The bank, e.g. `cl_banco_de_chile`.
    pub institution_id: String,
}

/// `POST /v1/checkout_sessions`: what to charge and where to send the customer afterwards.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_email: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    success_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancel_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<Timestamp>,
    #[serde(skip)]
    pub(crate) recipient_account: Option<BankAccount>,
}

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
            customer_email: None,
            metadata: BTreeMap::new(),
            success_url: None,
            cancel_url: None,
            expires_at: None,
            recipient_account: None,
        }
    }

    /// Where Fintoc sends refund notifications.
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreate;
    /// let c = CheckoutSessionCreate::new(Amount::new(1, Currency::Clp)?).customer_email("ana@example.cl");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customer_email(mut self, email: impl Into<String>) -> Self {
        self.customer_email = Some(email.into());
        self
    }

    /// A metadata entry (e.g. your order id; it comes back in the webhook).
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreate;
    /// let c = CheckoutSessionCreate::new(Amount::new(1, Currency::Clp)?).metadata("order_id", "ord_42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Where the hosted checkout page returns after payment.
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreate;
    /// let c = CheckoutSessionCreate::new(Amount::new(1, Currency::Clp)?).success_url("https://shop.cl/paid");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn success_url(mut self, url: impl Into<String>) -> Self {
        self.success_url = Some(url.into());
        self
    }

    /// Where the hosted checkout page returns on cancel.
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreate;
    /// let c = CheckoutSessionCreate::new(Amount::new(1, Currency::Clp)?).cancel_url("https://shop.cl/cart");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cancel_url(mut self, url: impl Into<String>) -> Self {
        self.cancel_url = Some(url.into());
        self
    }

    /// Both return URLs for the hosted checkout page, in the shape the browser side reads
    /// ([`ReturnUrl`](crate::checkout::ReturnUrl)): `page?fintoc=success&order=…` and
    /// `page?fintoc=cancel&order=…`. `page` is where your shop shows the order (its cart, a
    /// receipt page).
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreate;
    /// let c = CheckoutSessionCreate::new(Amount::new(1, Currency::Clp)?)
    ///     .return_to("https://shop.cl/cart", "ord_42");
    /// let body = serde_json::to_value(&c)?;
    /// assert_eq!(body["success_url"], "https://shop.cl/cart?fintoc=success&order=ord_42");
    /// assert_eq!(body["cancel_url"], "https://shop.cl/cart?fintoc=cancel&order=ord_42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn return_to(self, page: &str, order_id: &str) -> Self {
        use crate::checkout::{ReturnUrl, Returned};
        self.success_url(ReturnUrl::build(page, order_id, Returned::Success))
            .cancel_url(ReturnUrl::build(page, order_id, Returned::Cancel))
    }

    /// When the session expires (a [`Timestamp`] or a `SystemTime`; sent as RFC 3339).
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreate;
    /// use std::time::{Duration, SystemTime};
    /// let in_an_hour = SystemTime::now() + Duration::from_secs(3600);
    /// let c = CheckoutSessionCreate::new(Amount::new(1, Currency::Clp)?).expires_at(in_an_hour);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expires_at(mut self, time: impl Into<Timestamp>) -> Self {
        self.expires_at = Some(time.into());
        self
    }

    /// Direct payment: the money goes to this account instead of Fintoc collecting and paying
    /// out. Sent as `payment_method_options.payment_intent.recipient_account` (API
    /// 2023-11-15), or `…bank_transfer…` when the client pins `Fintoc-Version` ≥ 2026-02-01.
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreate;
    /// use fintoc_wasm::server::BankAccount;
    /// let c = CheckoutSessionCreate::new(Amount::new(5_000, Currency::Clp)?).recipient_account(BankAccount {
    ///     holder_id: "771433855".into(),
    ///     number: "123456789".into(),
    ///     account_type: "checking_account".into(),
    ///     institution_id: "cl_banco_de_chile".into(),
    /// });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recipient_account(mut self, account: BankAccount) -> Self {
        self.recipient_account = Some(account);
        self
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

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A Checkout Session as Fintoc returns it (the fields this crate reads; the rest is ignored).
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

/// An id given as a string, or as an object's `id`; anything else reads as `None`.
fn id_or_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(id)) => Some(id),
        Some(serde_json::Value::Object(mut o)) => match o.remove("id") {
            Some(serde_json::Value::String(id)) => Some(id),
            _ => None,
        },
        _ => None,
    })
}

/// `payment_resource` of a Checkout Session.
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

/// A Payment Intent (the fields this crate reads).
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

/// Metadata as a string map: an object (non-string values dropped), a JSON string holding an
/// object, or `null`.
fn metadata<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(metadata_map(value.as_ref()))
}

/// [`metadata`]'s reading of a raw JSON value (also used on events this crate could not type).
pub(crate) fn metadata_map(value: Option<&serde_json::Value>) -> BTreeMap<String, String> {
    let parsed;
    let object = match value {
        Some(serde_json::Value::Object(o)) => o,
        Some(serde_json::Value::String(s)) => match serde_json::from_str(s) {
            Ok(serde_json::Value::Object(o)) => {
                parsed = o;
                &parsed
            }
            _ => return BTreeMap::new(),
        },
        _ => return BTreeMap::new(),
    };
    object
        .iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k.clone(), s.clone())),
            serde_json::Value::Number(n) => Some((k.clone(), n.to_string())),
            _ => None,
        })
        .collect()
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
        let s: PaymentIntentStatus = serde_json::from_str(r#""requires_action""#).unwrap();
        assert_eq!(s, PaymentIntentStatus::RequiresAction);
        let s: PaymentIntentStatus = serde_json::from_str(r#""teleported""#).unwrap();
        assert_eq!(s.as_str(), "teleported");
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
