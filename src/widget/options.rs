//! The builder of typed, validated options for `Fintoc.create` ([`WidgetOptions`]; the values it
//! takes are in `values`),, converted to the camelCase object the widget
//! expects.
//!
//! Option names and values follow Fintoc's widget documentation
//! (<https://docs.fintoc.com/docs/resources/widget/web-integration>,
//! <https://docs.fintoc.com/guides/resources/widget/webview>). Anything the crate does not
//! know yet goes through [`WidgetOptionsBuilder::extra`].

use crate::prelude::*;

use wasm_bindgen::JsValue;

use super::values::{Country, HolderType, OptionValue, Product, PublicKey, Username, WidgetToken};
use crate::error::OptionsError;
use crate::session::SessionToken;

/// Option names the crate sets itself; `extra` refuses them.
const RESERVED: &[&str] = &[
    "publicKey",
    "product",
    "sessionToken",
    "widgetToken",
    "holderType",
    "country",
    "institutionId",
    "username",
    "onSuccess",
    "onExit",
    "onEvent",
];

/// Validated options for `Fintoc.create` (callbacks are given separately, see
/// [`Callbacks`](crate::Callbacks)).
///
/// ```
/// use fintoc_wasm::widget::Country;
/// use fintoc_wasm::WidgetOptions;
///
/// let options = WidgetOptions::builder("pk_test_abc")
///     .session_token("cs_li5531onlFDi235_sec_a1b2c3")
///     .country(Country::Cl)
///     .build()?;
/// assert_eq!(options.public_key().as_str(), "pk_test_abc");
/// assert!(options.session_token().is_some());
/// # Ok::<(), fintoc_wasm::error::OptionsError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetOptions {
    public_key: PublicKey,
    fields: Fields,
}

/// Every option but the public key: what [`WidgetOptions`] holds and its builder fills in.
#[derive(Clone, Debug, Default, PartialEq)]
struct Fields {
    product: Product,
    session_token: Option<SessionToken>,
    widget_token: Option<WidgetToken>,
    country: Option<Country>,
    holder_type: Option<HolderType>,
    institution_id: Option<String>,
    username: Option<Username>,
    extra: Vec<(String, OptionValue)>,
}

impl WidgetOptions {
    /// Starts a builder for the given public key (`pk_test_…`/`pk_live_…`; strings are validated
    /// when [`build`](WidgetOptionsBuilder::build) runs).
    pub fn builder<K>(public_key: K) -> WidgetOptionsBuilder
    where
        K: TryInto<PublicKey>,
        K::Error: Into<OptionsError>,
    {
        Self::builder_from(public_key.try_into().map_err(Into::into))
    }

    /// A builder from an already validated key, or the error validating it (reported by
    /// `build`).
    pub(crate) fn builder_from(
        public_key: Result<PublicKey, OptionsError>,
    ) -> WidgetOptionsBuilder {
        let (public_key, error) = match public_key {
            Ok(pk) => (Some(pk), None),
            Err(e) => (None, Some(e)),
        };
        WidgetOptionsBuilder {
            public_key,
            error,
            fields: Fields::default(),
        }
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The product.
    pub fn product(&self) -> &Product {
        &self.fields.product
    }

    /// The session token, if set.
    pub fn session_token(&self) -> Option<&SessionToken> {
        self.fields.session_token.as_ref()
    }

    /// The same options with `token` as session token (any widget token is dropped). This is
    /// how a [`Checkout`](crate::Checkout) fills in the token it fetched.
    pub fn with_session_token(mut self, token: SessionToken) -> Self {
        self.fields.session_token = Some(token);
        self.fields.widget_token = None;
        self
    }

    /// Checks that the options are complete enough for `Fintoc.create` (a token for products
    /// that need one).
    ///
    /// # Errors
    /// [`OptionsError::MissingToken`] when `payments`/`subscriptions` has neither token.
    pub(crate) fn check_complete(&self) -> Result<(), OptionsError> {
        if self.fields.product.needs_token()
            && self.fields.session_token.is_none()
            && self.fields.widget_token.is_none()
        {
            return Err(OptionsError::MissingToken {
                product: self.fields.product.as_str().to_owned(),
            });
        }
        Ok(())
    }

    /// The options as `(camelCase name, value)` pairs, in the order they are sent.
    #[cfg(test)]
    pub(crate) fn to_pairs(&self) -> Vec<(String, OptionValue)> {
        let mut pairs = Vec::new();
        self.each(None, &mut |name, value| {
            pairs.push((name.to_owned(), value.to_owned()));
        });
        pairs
    }

    /// The options as the plain JS object `Fintoc.create` receives (without callbacks).
    ///
    /// # Errors
    /// [`LoadError::NotInBrowser`](crate::error::LoadError::NotInBrowser) in a native build (server-side
    /// rendering, tests), where no JS object can exist.
    pub(crate) fn to_js(&self) -> Result<js_sys::Object, crate::error::LoadError> {
        self.to_js_with(None)
    }

    /// [`to_js`](Self::to_js) with `session_token` in place of the options' own token (the
    /// checkout's freshly fetched one), without copying the options.
    pub(crate) fn to_js_with(
        &self,
        session_token: Option<&SessionToken>,
    ) -> Result<js_sys::Object, crate::error::LoadError> {
        if !crate::browser::IS_BROWSER_TARGET {
            return Err(crate::error::LoadError::NotInBrowser);
        }
        let obj = js_sys::Object::new();
        self.each(session_token, &mut |name, value| {
            // Defining a property on a fresh plain object cannot fail.
            let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(name), &value.to_js());
        });
        Ok(obj)
    }

    /// The single description of what is sent: each option, by name, in order. A given
    /// `session_token` replaces the options' session and widget tokens.
    fn each(&self, session_token: Option<&SessionToken>, f: &mut dyn FnMut(&str, Sent<'_>)) {
        f("publicKey", Sent::Text(self.public_key.as_str()));
        f("product", Sent::Text(self.fields.product.as_str()));
        match session_token.or(self.fields.session_token.as_ref()) {
            Some(t) => f("sessionToken", Sent::Text(t.as_str())),
            None => {
                if let Some(t) = &self.fields.widget_token {
                    f("widgetToken", Sent::Text(t.as_str()));
                }
            }
        }
        if let Some(c) = self.fields.country {
            f("country", Sent::Text(c.as_str()));
        }
        if let Some(h) = self.fields.holder_type {
            f("holderType", Sent::Text(h.as_str()));
        }
        if let Some(i) = &self.fields.institution_id {
            f("institutionId", Sent::Text(i));
        }
        if let Some(u) = &self.fields.username {
            f("username", Sent::Username(u));
        }
        for (name, value) in &self.fields.extra {
            f(name, Sent::Value(value));
        }
    }
}

/// One option's value as [`WidgetOptions::each`] hands it out: borrowed.
enum Sent<'a> {
    Text(&'a str),
    Username(&'a Username),
    Value(&'a OptionValue),
}

impl Sent<'_> {
    #[cfg(test)]
    fn to_owned(&self) -> OptionValue {
        match self {
            Sent::Text(s) => OptionValue::String((*s).to_owned()),
            Sent::Username(u) => u.to_value(),
            Sent::Value(v) => (*v).clone(),
        }
    }

    fn to_js(&self) -> JsValue {
        match self {
            Sent::Text(s) => JsValue::from_str(s),
            Sent::Username(u) => u.to_value().to_js(),
            Sent::Value(v) => v.to_js(),
        }
    }
}

/// Builder for [`WidgetOptions`]; errors are reported by [`build`](Self::build).
///
/// ```
/// use fintoc_wasm::widget::{Country, HolderType, Product};
/// use fintoc_wasm::WidgetOptions;
///
/// let options = WidgetOptions::builder("pk_test_abc")
///     .product(Product::Payments)
///     .widget_token("pi_123_sec_456")
///     .holder_type(HolderType::Individual)
///     .country(Country::Cl)
///     .institution_id("cl_banco_de_chile")
///     .extra("someFutureOption", true)
///     .build()?;
/// # Ok::<(), fintoc_wasm::error::OptionsError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "call .build() to get the options"]
pub struct WidgetOptionsBuilder {
    public_key: Option<PublicKey>,
    error: Option<OptionsError>,
    fields: Fields,
}

impl WidgetOptionsBuilder {
    fn fail(&mut self, error: OptionsError) {
        self.error.get_or_insert(error);
    }

    /// The product (default [`Product::Payments`]).
    pub fn product(mut self, product: Product) -> Self {
        self.fields.product = product;
        self
    }

    /// The Checkout Session's `session_token` (current payments flow).
    pub fn session_token<T>(mut self, token: T) -> Self
    where
        T: TryInto<SessionToken>,
        T::Error: Into<OptionsError>,
    {
        match token.try_into().map_err(Into::into) {
            Ok(t) => self.fields.session_token = Some(t),
            Err(e) => self.fail(e),
        }
        self
    }

    /// A `widget_token` (legacy Payment Intent flow, Link/Subscription Intents).
    pub fn widget_token(mut self, token: impl Into<String>) -> Self {
        match WidgetToken::new(token) {
            Ok(t) => self.fields.widget_token = Some(t),
            Err(e) => self.fail(e),
        }
        self
    }

    /// The country (`cl` when unset).
    pub fn country(mut self, country: Country) -> Self {
        self.fields.country = Some(country);
        self
    }

    /// The holder type (not needed for payments).
    pub fn holder_type(mut self, holder_type: HolderType) -> Self {
        self.fields.holder_type = Some(holder_type);
        self
    }

    /// Preselects a bank, e.g. `cl_banco_de_chile`.
    pub fn institution_id(mut self, institution_id: impl Into<String>) -> Self {
        self.fields.institution_id = Some(institution_id.into());
        self
    }

    /// Prefills the bank username (plain, or `{value, editable}` via [`Username::editable`]).
    pub fn username(mut self, username: impl Into<Username>) -> Self {
        self.fields.username = Some(username.into());
        self
    }

    /// Any option the crate does not know yet, sent as is (later values for the same name win
    /// in the JS object). Names the crate sets itself are refused at build time.
    pub fn extra(mut self, name: impl Into<String>, value: impl Into<OptionValue>) -> Self {
        let name = name.into();
        if name.is_empty() {
            self.fail(OptionsError::EmptyOptionName);
        } else if RESERVED.contains(&name.as_str()) {
            self.fail(OptionsError::ReservedOption { name });
        } else {
            self.fields.extra.push((name, value.into()));
        }
        self
    }

    /// Validates and returns the options. A token may still be missing here (a
    /// [`Checkout`](crate::Checkout) fetches it later); `Fintoc::create` checks it.
    ///
    /// # Errors
    /// The first invalid input ([`OptionsError`]), or [`OptionsError::ConflictingTokens`].
    pub fn build(self) -> Result<WidgetOptions, OptionsError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let Some(public_key) = self.public_key else {
            // Unreachable in practice: `builder` records an error whenever the key is missing.
            return Err(OptionsError::InvalidPublicKey {
                shown: String::new(),
            });
        };
        if self.fields.session_token.is_some() && self.fields.widget_token.is_some() {
            return Err(OptionsError::ConflictingTokens);
        }
        Ok(WidgetOptions {
            public_key,
            fields: self.fields,
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_camel_case_and_complete() {
        let o = WidgetOptions::builder("pk_test_abc")
            .widget_token("pi_1_sec_2")
            .holder_type(HolderType::Individual)
            .country(Country::Mx)
            .institution_id("mx_banco_banamex")
            .username("user")
            .extra("webhookUrl", "https://x")
            .build()
            .unwrap();
        let keys: Vec<String> = o.to_pairs().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "publicKey",
                "product",
                "widgetToken",
                "country",
                "holderType",
                "institutionId",
                "username",
                "webhookUrl"
            ]
        );
        let values: Vec<OptionValue> = o.to_pairs().into_iter().map(|(_, v)| v).collect();
        assert_eq!(values[1], OptionValue::from("payments"));
        assert_eq!(values[3], OptionValue::from("mx"));
        assert_eq!(values[4], OptionValue::from("individual"));
        assert_eq!(values[6], OptionValue::from("user"));
    }

    #[test]
    fn builder_reports_first_error() {
        let err = WidgetOptions::builder("sk_test_1")
            .session_token("")
            .build()
            .unwrap_err();
        assert_eq!(err, OptionsError::SecretKey);
        let err = WidgetOptions::builder("pk_test_1")
            .session_token("has space")
            .build()
            .unwrap_err();
        assert_eq!(err, OptionsError::SessionTokenWhitespace);
        let err = WidgetOptions::builder("pk_test_1")
            .extra("", 1)
            .build()
            .unwrap_err();
        assert_eq!(err, OptionsError::EmptyOptionName);
    }

    #[test]
    fn to_js_off_browser_is_a_typed_error_not_a_panic() {
        let o = WidgetOptions::builder("pk_test_1")
            .session_token("cs_1")
            .build()
            .unwrap();
        assert_eq!(o.to_js().err(), Some(crate::error::LoadError::NotInBrowser));
    }

    #[test]
    fn completeness_depends_on_product() {
        let movements = WidgetOptions::builder("pk_test_1")
            .product(Product::Movements)
            .build()
            .unwrap();
        assert_eq!(movements.check_complete(), Ok(()));
        let payments = WidgetOptions::builder("pk_test_1").build().unwrap();
        assert_eq!(
            payments.check_complete(),
            Err(OptionsError::MissingToken {
                product: "payments".into()
            })
        );
        let with_token = payments.with_session_token(SessionToken::new("cs_1").unwrap());
        assert_eq!(with_token.check_complete(), Ok(()));
    }
}
