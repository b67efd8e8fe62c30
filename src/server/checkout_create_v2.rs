//! Creating a Checkout Session with the API 2026-02-01 body ([`CheckoutSessionCreateV2`],
//! `POST /v2/checkout_sessions`), checked before it is sent.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::checkout_create::{common_setters, with_recipient, Common};
use super::checkout_session::{CheckoutSession, PaymentMethodType, V2_VERSION};
use super::client::FintocClient;
use super::common::{fintoc_id, BankAccount};
use super::error::ClientError;
use super::timestamp::Timestamp;
use crate::money::{Amount, Currency};

/// A line of a [`CheckoutSessionCreateV2`] made of items: a price you created in Fintoc
/// (`price`), or one described inline (`price_data`, sent as you give it: see Fintoc's
/// reference for its fields), with a quantity.
///
/// ```
/// use fintoc_wasm::server::LineItem;
/// let line = LineItem::price("price_1Abc", 2);
/// assert_eq!(serde_json::to_value(&line)?, serde_json::json!({"price": "price_1Abc", "quantity": 2}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LineItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    price_data: Option<serde_json::Value>,
    quantity: u32,
}

impl LineItem {
    /// `quantity` of the price `price_id`.
    ///
    /// ```
    /// # use fintoc_wasm::server::LineItem;
    /// let line = LineItem::price("price_1Abc", 1);
    /// ```
    pub fn price(price_id: impl Into<String>, quantity: u32) -> Self {
        LineItem {
            price: Some(price_id.into()),
            price_data: None,
            quantity,
        }
    }

    /// `quantity` of a price described inline (`price_data`).
    ///
    /// ```
    /// # use fintoc_wasm::server::LineItem;
    /// let line = LineItem::price_data(serde_json::json!({"unit_amount": 2500, "product_data": {"name": "Espresso"}}), 2);
    /// ```
    pub fn price_data(price_data: serde_json::Value, quantity: u32) -> Self {
        LineItem {
            price: None,
            price_data: Some(price_data),
            quantity,
        }
    }
}

/// A tax id (`customer_data.tax_id`), e.g. a Chilean RUT.
///
/// ```
/// use fintoc_wasm::server::TaxId;
/// let rut = TaxId::cl_rut("12.088.191-1");
/// assert_eq!(serde_json::to_value(&rut)?["type"], "cl_rut");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaxId {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

impl TaxId {
    /// A tax id of Fintoc's `type` (e.g. `cl_rut`).
    ///
    /// ```
    /// # use fintoc_wasm::server::TaxId;
    /// let id = TaxId::new("cl_rut", "12088191-1");
    /// ```
    pub fn new(kind: impl Into<String>, value: impl Into<String>) -> Self {
        TaxId {
            kind: kind.into(),
            value: value.into(),
        }
    }

    /// A Chilean RUT (`cl_rut`).
    ///
    /// ```
    /// # use fintoc_wasm::server::TaxId;
    /// let id = TaxId::cl_rut("12088191-1");
    /// ```
    pub fn cl_rut(value: impl Into<String>) -> Self {
        TaxId::new("cl_rut", value)
    }
}

/// A new customer described inline (`customer_data`): Fintoc needs an email or a tax id, which
/// the two constructors require.
///
/// ```
/// use fintoc_wasm::server::{CustomerData, TaxId};
/// let ana = CustomerData::email("ana@example.cl").name("Ana");
/// let felipe = CustomerData::tax_id(TaxId::cl_rut("12088191-1")).email_too("felipe@example.cl");
/// assert_eq!(serde_json::to_value(&felipe)?["tax_id"]["value"], "12088191-1");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CustomerData {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tax_id: Option<TaxId>,
}

impl CustomerData {
    /// A customer known by email.
    ///
    /// ```
    /// # use fintoc_wasm::server::CustomerData;
    /// let c = CustomerData::email("ana@example.cl");
    /// ```
    pub fn email(email: impl Into<String>) -> Self {
        CustomerData {
            name: None,
            email: Some(email.into()),
            tax_id: None,
        }
    }

    /// A customer known by tax id.
    ///
    /// ```
    /// # use fintoc_wasm::server::{CustomerData, TaxId};
    /// let c = CustomerData::tax_id(TaxId::cl_rut("12088191-1"));
    /// ```
    pub fn tax_id(tax_id: TaxId) -> Self {
        CustomerData {
            name: None,
            email: None,
            tax_id: Some(tax_id),
        }
    }

    /// Adds the customer's name.
    ///
    /// ```
    /// # use fintoc_wasm::server::CustomerData;
    /// let c = CustomerData::email("ana@example.cl").name("Ana Pérez");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds an email to a customer known by tax id.
    ///
    /// ```
    /// # use fintoc_wasm::server::{CustomerData, TaxId};
    /// let c = CustomerData::tax_id(TaxId::cl_rut("12088191-1")).email_too("f@example.cl");
    /// ```
    pub fn email_too(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
}

/// The shortest time ahead a 2026-02-01 session may expire.
pub(crate) const MIN_EXPIRY: Duration = Duration::from_secs(10 * 60);

/// `POST /v2/checkout_sessions` (API 2026-02-01, `flow: payment`): an `amount` or
/// `line_items`, the customer as a Fintoc id (`customer`) **or** inline (`customer_data`),
/// the payment methods to offer, an expiry at least 10 minutes ahead. Checked by
/// [`check`](Self::check) before it is sent (<https://docs.fintoc.com/api/payments-api/checkout-sessions/checkout-sessions-create>).
///
/// ```
/// use fintoc_wasm::{Amount, Currency};
/// use fintoc_wasm::server::{CheckoutSessionCreateV2, CustomerData, PaymentMethodType};
/// use std::time::{Duration, SystemTime};
///
/// let now = SystemTime::now();
/// let create = CheckoutSessionCreateV2::new(Amount::new(12_990, Currency::Clp)?)
///     .customer_data(CustomerData::email("ana@example.cl"))
///     .payment_method_types([PaymentMethodType::BankTransfer, PaymentMethodType::Card])
///     .expires_at(now + Duration::from_secs(30 * 60))
///     .return_to("https://shop.cl/cart", "ord_42")
///     .metadata("order_id", "ord_42");
/// create.check(now)?;
/// let body = serde_json::to_value(&create)?;
/// assert_eq!(body["flow"], "payment");
/// assert_eq!(body["payment_method_types"], serde_json::json!(["bank_transfer", "card"]));
///
/// // Both forms of the customer: refused before anything is sent.
/// let both = create.customer("cus_123");
/// assert!(both.check(now).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckoutSessionCreateV2 {
    flow: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<u64>,
    currency: Currency,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    line_items: Vec<LineItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_data: Option<CustomerData>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    payment_method_types: Vec<PaymentMethodType>,
    #[serde(flatten)]
    common: Common,
}

common_setters!(CheckoutSessionCreateV2);

impl CheckoutSessionCreateV2 {
    /// A payment of `amount` (positive, CLP or MXN; the currency is sent upper-case).
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreateV2;
    /// let c = CheckoutSessionCreateV2::new(Amount::new(1029, Currency::Mxn)?);
    /// assert_eq!(serde_json::to_value(&c)?["currency"], "MXN");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(amount: Amount) -> Self {
        CheckoutSessionCreateV2 {
            flow: "payment",
            amount: Some(amount.minor_units()),
            currency: amount.currency(),
            line_items: Vec::new(),
            customer: None,
            customer_data: None,
            payment_method_types: Vec::new(),
            common: Common::default(),
        }
    }

    /// A payment of `line_items` in `currency` (Fintoc adds them up; no `amount` is sent).
    /// At least one line: checked.
    ///
    /// ```
    /// # use fintoc_wasm::Currency;
    /// use fintoc_wasm::server::{CheckoutSessionCreateV2, LineItem};
    /// let c = CheckoutSessionCreateV2::with_line_items(Currency::Clp, vec![LineItem::price("price_1", 2)]);
    /// assert!(serde_json::to_value(&c)?.get("amount").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_line_items(currency: Currency, line_items: Vec<LineItem>) -> Self {
        CheckoutSessionCreateV2 {
            flow: "payment",
            amount: None,
            currency,
            line_items,
            customer: None,
            customer_data: None,
            payment_method_types: Vec::new(),
            common: Common::default(),
        }
    }

    /// The customer, as the id of one you created in Fintoc (`cus_…`). Not with
    /// [`customer_data`](Self::customer_data).
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// # use fintoc_wasm::server::CheckoutSessionCreateV2;
    /// let c = CheckoutSessionCreateV2::new(Amount::new(1, Currency::Clp)?).customer("cus_3B2b");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customer(mut self, customer_id: impl Into<String>) -> Self {
        self.customer = Some(customer_id.into());
        self
    }

    /// A new customer described inline. Not with [`customer`](Self::customer).
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// use fintoc_wasm::server::{CheckoutSessionCreateV2, CustomerData};
    /// let c = CheckoutSessionCreateV2::new(Amount::new(1, Currency::Clp)?)
    ///     .customer_data(CustomerData::email("ana@example.cl"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customer_data(mut self, data: CustomerData) -> Self {
        self.customer_data = Some(data);
        self
    }

    /// The payment methods to offer (without it, all your account has).
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// use fintoc_wasm::server::{CheckoutSessionCreateV2, PaymentMethodType};
    /// let c = CheckoutSessionCreateV2::new(Amount::new(1, Currency::Clp)?)
    ///     .payment_method_types([PaymentMethodType::BankTransfer]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn payment_method_types(
        mut self,
        types: impl IntoIterator<Item = PaymentMethodType>,
    ) -> Self {
        self.payment_method_types = types.into_iter().collect();
        self
    }

    /// What [`FintocClient::create_checkout_session_v2`] checks before sending, at `now`: not
    /// both `customer` and `customer_data`, a `customer` that is a Fintoc id, at least one line
    /// item (when made of items) with a quantity, `expires_at` at least 10 minutes after `now`.
    ///
    /// # Errors
    /// [`ClientError::InvalidRequest`] naming the parameter.
    ///
    /// ```
    /// # use fintoc_wasm::{Amount, Currency};
    /// use fintoc_wasm::server::{CheckoutSessionCreateV2, ClientError};
    /// use std::time::{Duration, SystemTime};
    /// let now = SystemTime::now();
    /// let soon = CheckoutSessionCreateV2::new(Amount::new(1, Currency::Clp)?)
    ///     .expires_at(now + Duration::from_secs(60));
    /// assert!(matches!(soon.check(now), Err(ClientError::InvalidRequest { param: "expires_at", .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, now: SystemTime) -> Result<(), ClientError> {
        let invalid = |param, message: &str| {
            Err(ClientError::InvalidRequest {
                param,
                message: message.to_owned(),
            })
        };
        if self.customer.is_some() && self.customer_data.is_some() {
            return invalid(
                "customer",
                "give the customer's id (`customer`) or its data (`customer_data`), not both",
            );
        }
        if let Some(id) = &self.customer {
            fintoc_id(id, "customer")?;
        }
        if self.amount.is_none() && self.line_items.is_empty() {
            return invalid(
                "line_items",
                "a session made of line items needs at least one",
            );
        }
        if self.line_items.iter().any(|line| line.quantity == 0) {
            return invalid(
                "line_items",
                "every line item needs a quantity of 1 or more",
            );
        }
        if let Some(expires_at) = self.common.expires_at {
            if expires_at < Timestamp::from(now) + MIN_EXPIRY {
                return invalid(
                    "expires_at",
                    &format!(
                        "{expires_at} is less than 10 minutes from now ({}): Fintoc refuses it",
                        Timestamp::from(now)
                    ),
                );
            }
        }
        Ok(())
    }
}

impl FintocClient {
    /// `POST /v2/checkout_sessions` (sent with `Fintoc-Version` 2026-02-01 at least), after
    /// [`CheckoutSessionCreateV2::check`], with a fresh idempotency key (reused by every
    /// retry). The session comes back in the 2026-02-01 shape.
    ///
    /// # Errors
    /// [`ClientError::InvalidRequest`] (nothing was sent), or the call's [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use fintoc_wasm::{Amount, Currency};
    /// use fintoc_wasm::server::CheckoutSessionCreateV2;
    /// let create = CheckoutSessionCreateV2::new(Amount::new(5_000, Currency::Clp)?)
    ///     .return_to("https://shop.cl/cart", "ord_42");
    /// let session = client.create_checkout_session_v2(&create, None).await?;
    /// // Send the shopper to Fintoc's hosted page:
    /// let go_to = session.redirect_url;
    /// # Ok(()) }
    /// ```
    pub async fn create_checkout_session_v2(
        &self,
        create: &CheckoutSessionCreateV2,
        idempotency_key: Option<&str>,
    ) -> Result<CheckoutSession, ClientError> {
        create.check(SystemTime::now())?;
        let body = with_recipient(create, &create.common, "bank_transfer")?;
        let random = uuid::Uuid::new_v4().to_string();
        self.send(
            reqwest::Method::POST,
            "/v2/checkout_sessions",
            Some(&body),
            Some(idempotency_key.unwrap_or(&random)),
            Some(V2_VERSION),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount() -> Amount {
        Amount::new(12_990, Currency::Clp).unwrap()
    }

    #[test]
    fn the_2026_body_has_fintocs_field_names_and_is_checked() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let create = CheckoutSessionCreateV2::new(amount())
            .customer("cus_3B2b")
            .payment_method_types([
                PaymentMethodType::BankTransfer,
                PaymentMethodType::from("installments_payment"),
            ])
            .expires_at(now + MIN_EXPIRY)
            .metadata("order_id", "ord_1")
            .customer_email("ana@example.cl");
        assert_eq!(create.check(now), Ok(()));
        assert_eq!(
            serde_json::to_value(&create).unwrap(),
            serde_json::json!({"flow": "payment", "amount": 12990, "currency": "CLP",
                "customer": "cus_3B2b",
                "payment_method_types": ["bank_transfer", "installments_payment"],
                "expires_at": "2027-01-15T08:10:00Z", "metadata": {"order_id": "ord_1"},
                "customer_email": "ana@example.cl"})
        );
        let param = |c: &CheckoutSessionCreateV2| match c.check(now) {
            Err(ClientError::InvalidRequest { param, .. }) => Some(param),
            _ => None,
        };
        assert_eq!(
            param(&create.clone().customer_data(CustomerData::email("a@b.cl"))),
            Some("customer")
        );
        assert_eq!(
            param(&create.clone().customer("cus/../x")),
            Some("customer")
        );
        assert_eq!(
            param(
                &create
                    .clone()
                    .expires_at(now + MIN_EXPIRY - Duration::from_secs(1))
            ),
            Some("expires_at")
        );
        assert_eq!(param(&create.clone().expires_at(now)), Some("expires_at"));
        let items = |lines| CheckoutSessionCreateV2::with_line_items(Currency::Mxn, lines);
        assert_eq!(param(&items(vec![])), Some("line_items"));
        assert_eq!(
            param(&items(vec![LineItem::price("price_1", 0)])),
            Some("line_items")
        );
        let ok = items(vec![
            LineItem::price("price_1", 2),
            LineItem::price_data(serde_json::json!({"unit_amount": 1029}), 1),
        ]);
        assert_eq!(param(&ok), None);
        let body = serde_json::to_value(&ok).unwrap();
        assert_eq!(body.get("amount"), None);
        assert_eq!(body["currency"], "MXN");
        assert_eq!(body["line_items"][1]["price_data"]["unit_amount"], 1029);
    }
}
