//! The values the widget options take: the keys ([`PublicKey`], [`WidgetToken`]), the named
//! choices ([`Product`], [`Country`], [`HolderType`]), a prefilled [`Username`], and
//! [`OptionValue`] for options the crate does not know yet. [`WidgetOptions`](super::WidgetOptions)
//! puts them together.
//!
//! Each named choice spells itself with `as_str` (what `Fintoc.create` receives) and is read
//! back with `from_name`; a test checks those names against the npm package's TypeScript
//! declarations.

use crate::prelude::*;
use core::fmt;
use core::str::FromStr;

use wasm_bindgen::JsValue;

use crate::error::OptionsError;
use crate::session::token::is_token_text;

/// A Fintoc public key (`pk_test_…` or `pk_live_…`).
///
/// A secret key (`sk_…`) is refused: it must never reach the browser.
///
/// ```
/// use fintoc_wasm::error::OptionsError;
/// use fintoc_wasm::PublicKey;
///
/// let pk = PublicKey::new("pk_test_abc123")?;
/// assert!(!pk.is_live());
/// assert_eq!(PublicKey::new("sk_live_oops"), Err(OptionsError::SecretKey));
/// # Ok::<(), OptionsError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey(String);

impl PublicKey {
    /// Validates and wraps a public key.
    ///
    /// # Errors
    /// [`OptionsError::SecretKey`] for `sk_…` keys, [`OptionsError::InvalidPublicKey`] for
    /// anything not starting with `pk_test_`/`pk_live_` or containing whitespace or a
    /// non-ASCII character. Surrounding ASCII whitespace (a trailing newline from an env file) is
    /// trimmed.
    pub fn new(key: impl AsRef<str>) -> Result<Self, OptionsError> {
        let raw = key.as_ref();
        let trimmed = raw.trim_ascii();
        if trimmed.starts_with("sk_") {
            return Err(OptionsError::SecretKey);
        }
        let valid_prefix = ["pk_test_", "pk_live_"]
            .iter()
            .any(|p| trimmed.len() > p.len() && trimmed.starts_with(p));
        if !valid_prefix || !is_token_text(trimmed) {
            return Err(OptionsError::InvalidPublicKey {
                shown: trimmed.chars().take(8).collect(),
            });
        }
        Ok(PublicKey(trimmed.to_owned()))
    }

    /// The key as given to `Fintoc.create`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `pk_live_…` keys (real money).
    pub fn is_live(&self) -> bool {
        self.0.starts_with("pk_live_")
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PublicKey").field(&self.0).finish()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PublicKey {
    type Err = OptionsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicKey::new(s)
    }
}

impl TryFrom<&str> for PublicKey {
    type Error = OptionsError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        PublicKey::new(s)
    }
}

impl TryFrom<String> for PublicKey {
    type Error = OptionsError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PublicKey::new(s)
    }
}

impl TryFrom<&String> for PublicKey {
    type Error = OptionsError;
    fn try_from(s: &String) -> Result<Self, Self::Error> {
        PublicKey::new(s)
    }
}

impl TryFrom<&PublicKey> for PublicKey {
    type Error = OptionsError;
    fn try_from(key: &PublicKey) -> Result<Self, Self::Error> {
        Ok(key.clone())
    }
}

/// The Fintoc product the widget runs.
///
/// ```
/// use fintoc_wasm::widget::Product;
/// assert_eq!(Product::default(), Product::Payments);
/// assert_eq!(Product::Other("payouts".into()).as_str(), "payouts");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Product {
    /// Payment initiation (`payments`), the default.
    #[default]
    Payments,
    /// Bank movements (`movements`).
    Movements,
    /// Direct debit subscriptions (`subscriptions`).
    Subscriptions,
    /// Tax invoices (`invoices`).
    Invoices,
    /// A product this crate does not know yet, passed through as is.
    Other(String),
}

impl Product {
    /// The value sent as `product`.
    pub fn as_str(&self) -> &str {
        match self {
            Product::Payments => "payments",
            Product::Movements => "movements",
            Product::Subscriptions => "subscriptions",
            Product::Invoices => "invoices",
            Product::Other(s) => s,
        }
    }

    /// The known product [`as_str`](Self::as_str) spells `name` (never [`Product::Other`]).
    #[cfg_attr(not(any(test, feature = "js")), allow(dead_code))] // the JS API reads options by name
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        ALL_PRODUCTS.into_iter().find(|p| p.as_str() == name)
    }

    /// True when the widget cannot start without a session or widget token.
    pub(super) fn needs_token(&self) -> bool {
        matches!(self, Product::Payments | Product::Subscriptions)
    }
}

/// Country of the bank accounts shown (`cl` is Fintoc's default).
///
/// ```
/// use fintoc_wasm::widget::Country;
/// assert_eq!(Country::Mx.as_str(), "mx");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Country {
    /// Chile (`cl`).
    Cl,
    /// Mexico (`mx`).
    Mx,
}

impl Country {
    /// The value sent as `country`.
    pub fn as_str(self) -> &'static str {
        match self {
            Country::Cl => "cl",
            Country::Mx => "mx",
        }
    }

    /// The country [`as_str`](Self::as_str) spells `name`, if any.
    #[cfg_attr(not(any(test, feature = "js")), allow(dead_code))] // the JS API reads options by name
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        ALL_COUNTRIES.into_iter().find(|c| c.as_str() == name)
    }
}

/// Whether the account holder is a person or a company.
///
/// ```
/// use fintoc_wasm::widget::HolderType;
/// assert_eq!(HolderType::Business.as_str(), "business");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HolderType {
    /// A person (`individual`).
    Individual,
    /// A company (`business`).
    Business,
}

impl HolderType {
    /// The value sent as `holderType`.
    pub fn as_str(self) -> &'static str {
        match self {
            HolderType::Individual => "individual",
            HolderType::Business => "business",
        }
    }

    /// The holder type [`as_str`](Self::as_str) spells `name`, if any.
    #[cfg_attr(not(any(test, feature = "js")), allow(dead_code))] // the JS API reads options by name
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        ALL_HOLDER_TYPES.into_iter().find(|h| h.as_str() == name)
    }
}

// Every known variant, for `from_name`. A new variant stops the matches below from compiling:
// add it to its list (and the list's length), so `from_name` never silently misses one.
const ALL_PRODUCTS: [Product; 4] = [
    Product::Payments,
    Product::Movements,
    Product::Subscriptions,
    Product::Invoices,
];
const ALL_COUNTRIES: [Country; 2] = [Country::Cl, Country::Mx];
const ALL_HOLDER_TYPES: [HolderType; 2] = [HolderType::Individual, HolderType::Business];
const _: () = match ALL_COUNTRIES[0] {
    Country::Cl | Country::Mx => (),
};
const _: () = match ALL_HOLDER_TYPES[0] {
    HolderType::Individual | HolderType::Business => (),
};
const _: () = match &ALL_PRODUCTS[0] {
    Product::Payments | Product::Movements | Product::Subscriptions | Product::Invoices => (),
    Product::Other(_) => (),
};

/// A prefilled bank username: plain, or with `editable` set (sent as `{value, editable}`).
///
/// ```
/// use fintoc_wasm::widget::Username;
/// let plain: Username = "12345678-9".into();
/// let locked = Username::new("12345678-9").editable(false);
/// assert_ne!(plain, locked);
/// assert!(!format!("{locked:?}").contains("1234"), "a shopper's RUT is not logged");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Username {
    value: String,
    editable: Option<bool>,
}

impl Username {
    /// A username the user may edit (sent as a plain string).
    pub fn new(value: impl Into<String>) -> Self {
        Username {
            value: value.into(),
            editable: None,
        }
    }

    /// Sends the object form `{value, editable}`.
    pub fn editable(mut self, editable: bool) -> Self {
        self.editable = Some(editable);
        self
    }

    pub(super) fn to_value(&self) -> OptionValue {
        match self.editable {
            None => OptionValue::String(self.value.clone()),
            Some(editable) => OptionValue::Object(vec![
                ("value".into(), OptionValue::String(self.value.clone())),
                ("editable".into(), OptionValue::Bool(editable)),
            ]),
        }
    }
}

/// The shopper's username (a RUT, say) is personal data: `Debug` hides it.
impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Username")
            .field("value", &format_args!("[hidden]"))
            .field("editable", &self.editable)
            .finish()
    }
}

impl From<&str> for Username {
    fn from(value: &str) -> Self {
        Username::new(value)
    }
}

impl From<String> for Username {
    fn from(value: String) -> Self {
        Username::new(value)
    }
}

/// A widget token from the legacy Payment Intent flow (`pi_…_sec_…`), or a Link/Subscription
/// Intent token.
///
/// ```
/// use fintoc_wasm::widget::WidgetToken;
/// assert!(WidgetToken::new("pi_123_sec_456").is_ok());
/// assert!(WidgetToken::new(" ").is_err());
/// assert!(WidgetToken::try_from("pi_123_sec_456").is_ok());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WidgetToken(String);

impl WidgetToken {
    /// Validates a widget token (non-empty, no whitespace).
    ///
    /// # Errors
    /// [`OptionsError::InvalidWidgetToken`].
    pub fn new(token: impl Into<String>) -> Result<Self, OptionsError> {
        let token = token.into();
        if token.is_empty() || !is_token_text(&token) {
            return Err(OptionsError::InvalidWidgetToken);
        }
        Ok(WidgetToken(token))
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for WidgetToken {
    type Error = OptionsError;
    fn try_from(token: &str) -> Result<Self, OptionsError> {
        WidgetToken::new(token)
    }
}

impl TryFrom<String> for WidgetToken {
    type Error = OptionsError;
    fn try_from(token: String) -> Result<Self, OptionsError> {
        WidgetToken::new(token)
    }
}

impl fmt::Debug for WidgetToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WidgetToken")
            .field(&crate::session::Redacted(&self.0))
            .finish()
    }
}

/// A JSON-like value for options this crate does not know yet.
///
/// ```
/// use fintoc_wasm::widget::OptionValue;
/// let v: OptionValue = "https://example.com/hook".into();
/// assert_eq!(v, OptionValue::String("https://example.com/hook".into()));
/// let v: OptionValue = serde_json::json!({"a": [1, true]}).into();
/// assert!(matches!(v, OptionValue::Object(_)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    List(Vec<OptionValue>),
    /// An object, keys in order.
    Object(Vec<(String, OptionValue)>),
}

impl OptionValue {
    /// Converts to a JS value. Browser only (panics in native builds, like any `JsValue`).
    pub(crate) fn to_js(&self) -> JsValue {
        match self {
            OptionValue::Null => JsValue::NULL,
            OptionValue::Bool(b) => JsValue::from_bool(*b),
            OptionValue::Number(n) => JsValue::from_f64(*n),
            OptionValue::String(s) => JsValue::from_str(s),
            OptionValue::List(items) => items
                .iter()
                .map(OptionValue::to_js)
                .collect::<js_sys::Array>()
                .into(),
            OptionValue::Object(fields) => {
                let obj = js_sys::Object::new();
                for (key, value) in fields {
                    // Defining a property on a fresh plain object cannot fail.
                    let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(key), &value.to_js());
                }
                obj.into()
            }
        }
    }
}

impl From<&str> for OptionValue {
    fn from(v: &str) -> Self {
        OptionValue::String(v.to_owned())
    }
}
impl From<String> for OptionValue {
    fn from(v: String) -> Self {
        OptionValue::String(v)
    }
}
impl From<bool> for OptionValue {
    fn from(v: bool) -> Self {
        OptionValue::Bool(v)
    }
}
impl From<f64> for OptionValue {
    fn from(v: f64) -> Self {
        OptionValue::Number(v)
    }
}
impl From<i32> for OptionValue {
    fn from(v: i32) -> Self {
        OptionValue::Number(v.into())
    }
}
impl From<u32> for OptionValue {
    fn from(v: u32) -> Self {
        OptionValue::Number(v.into())
    }
}
impl From<Vec<OptionValue>> for OptionValue {
    fn from(v: Vec<OptionValue>) -> Self {
        OptionValue::List(v)
    }
}
impl From<serde_json::Value> for OptionValue {
    fn from(v: serde_json::Value) -> Self {
        use serde_json::Value;
        match v {
            Value::Null => OptionValue::Null,
            Value::Bool(b) => OptionValue::Bool(b),
            Value::Number(n) => OptionValue::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => OptionValue::String(s),
            Value::Array(a) => OptionValue::List(a.into_iter().map(Into::into).collect()),
            Value::Object(o) => {
                OptionValue::Object(o.into_iter().map(|(k, v)| (k, v.into())).collect())
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::checkout::CheckoutMode;
    use crate::session::{CredentialsMode, HttpMethod};
    use std::collections::BTreeSet;

    /// The string literals of the TypeScript union that follows `marker` (up to its `;`) in the
    /// npm package's declarations (src/js/types.d.ts).
    pub(crate) fn ts_union(marker: &str) -> BTreeSet<&'static str> {
        let union = include_str!("../js/types.d.ts")
            .split_once(marker)
            .and_then(|(_, rest)| rest.split_once(';'))
            .map(|(union, _)| union)
            .unwrap_or_else(|| panic!("`{marker} …;` in src/js/types.d.ts"));
        union
            .split('|')
            .map(str::trim)
            .filter(|member| !member.is_empty())
            .map(|member| {
                member
                    .strip_prefix('\'')
                    .and_then(|m| m.strip_suffix('\''))
                    .unwrap_or_else(|| panic!("not a string literal type after {marker}: {member}"))
            })
            .collect()
    }

    /// Each option union of the `.d.ts` lists exactly the names Rust spells (a name added on
    /// one side only fails here), and every name reads back as its variant.
    #[test]
    fn the_typescript_option_unions_are_the_names_rust_spells() {
        fn check<T: PartialEq + fmt::Debug>(
            marker: &str,
            all: &[T],
            as_str: impl Fn(&T) -> &str,
            from_name: impl Fn(&str) -> Option<T>,
        ) {
            let spelled: BTreeSet<&str> = all.iter().map(&as_str).collect();
            assert_eq!(spelled.len(), all.len(), "{marker}: two variants, one name");
            assert_eq!(
                ts_union(marker),
                spelled,
                "{marker} in src/js/types.d.ts vs as_str"
            );
            for x in all {
                assert_eq!(from_name(as_str(x)).as_ref(), Some(x), "{marker}: {x:?}");
            }
            assert_eq!(from_name("no-such-name"), None, "{marker}");
        }
        check(
            "product?:",
            &ALL_PRODUCTS,
            |p| p.as_str(),
            Product::from_name,
        );
        check(
            "country?:",
            &ALL_COUNTRIES,
            |c| c.as_str(),
            Country::from_name,
        );
        check(
            "holderType?:",
            &ALL_HOLDER_TYPES,
            |h| h.as_str(),
            HolderType::from_name,
        );
        check(
            "export type CheckoutMode =",
            &crate::checkout::config::ALL_MODES,
            |m| m.as_str(),
            CheckoutMode::from_name,
        );
        check(
            "method?:",
            &crate::session::endpoint::ALL_METHODS,
            |m| m.as_str(),
            HttpMethod::from_name,
        );
        check(
            "credentials?:",
            &crate::session::endpoint::ALL_CREDENTIALS,
            |c| c.as_str(),
            CredentialsMode::from_name,
        );
    }

    #[test]
    fn public_key_table() {
        let cases: &[(&str, Result<&str, OptionsError>)] = &[
            ("pk_test_abc", Ok("pk_test_abc")),
            ("pk_live_abc", Ok("pk_live_abc")),
            ("  pk_live_abc\n", Ok("pk_live_abc")),
            ("sk_test_abc", Err(OptionsError::SecretKey)),
            (" sk_live_abc", Err(OptionsError::SecretKey)),
            (
                "pk_test_",
                Err(OptionsError::InvalidPublicKey {
                    shown: "pk_test_".into(),
                }),
            ),
            ("", Err(OptionsError::InvalidPublicKey { shown: "".into() })),
            (
                "pk_prod_abc",
                Err(OptionsError::InvalidPublicKey {
                    shown: "pk_prod_".into(),
                }),
            ),
            (
                "pk_test_a b",
                Err(OptionsError::InvalidPublicKey {
                    shown: "pk_test_".into(),
                }),
            ),
        ];
        for (input, expected) in cases {
            let got = PublicKey::new(input);
            assert_eq!(
                got.as_ref().map(PublicKey::as_str).map_err(Clone::clone),
                expected.clone(),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn secret_key_message_tells_what_to_do() {
        let msg = PublicKey::new("sk_live_123").unwrap_err().to_string();
        assert!(msg.contains("must never reach the browser"), "{msg}");
        assert!(msg.contains("pk_test_"), "{msg}");
    }
}
