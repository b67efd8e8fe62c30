//! Typed payloads for `onSuccess`, `onExit` and `onEvent`.
//!
//! Fintoc documents few payload fields and adds events over time, so everything here is lenient:
//! unknown event names become [`EventKind::Unknown`], fields of an unexpected type read as `None`,
//! and the raw JS object stays available for fields Fintoc adds later. Decoding never panics.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::lenient::{lenient_number, lenient_string};
use wasm_bindgen::JsValue;

macro_rules! event_kinds {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// The name of a widget event (`onEvent`'s first argument), as an open enum.
        ///
        /// Names from Fintoc's widget events page
        /// (<https://docs.fintoc.com/guides/resources/widget/widget-events>) and the events the
        /// mobile SDKs handle (see `docs/fintoc.md` in this repository); anything else is kept as
        /// [`EventKind::Unknown`].
        ///
        /// ```
        /// use fintoc_wasm::EventKind;
        /// assert_eq!(EventKind::from_name("opened"), EventKind::Opened);
        /// assert_eq!(EventKind::from_name("brand_new"), EventKind::Unknown("brand_new".into()));
        /// assert_eq!(EventKind::PaymentInProgress.as_str(), "payment_in_progress");
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventKind {
            $( $(#[$doc])* $variant, )*
            /// An event this crate does not know yet, with its name.
            Unknown(String),
        }

        impl EventKind {
            /// Every event name this crate knows.
            pub const KNOWN: &'static [&'static str] = &[$($name),*];

            /// Maps an event name to its kind (unknown names are kept).
            ///
            /// ```
            /// # use fintoc_wasm::EventKind;
            /// assert_eq!(EventKind::from_name("closed"), EventKind::Closed);
            /// ```
            pub fn from_name(name: &str) -> Self {
                match name {
                    $( $name => EventKind::$variant, )*
                    other => EventKind::Unknown(other.to_owned()),
                }
            }

            /// The event name as Fintoc sends it.
            ///
            /// ```
            /// # use fintoc_wasm::EventKind;
            /// assert_eq!(EventKind::OnAvailableInstitutions.as_str(), "on_available_institutions");
            /// ```
            pub fn as_str(&self) -> &str {
                match self {
                    $( EventKind::$variant => $name, )*
                    EventKind::Unknown(name) => name,
                }
            }
        }
    };
}

event_kinds! {
    /// The widget was opened.
    Opened => "opened",
    /// The widget was closed.
    Closed => "closed",
    /// The terms and conditions are shown.
    OnTermsAndConditions => "on_terms_and_conditions",
    /// The CoDi helper is shown (Mexico).
    CodiHelper => "codi_helper",
    /// The list of banks is shown.
    OnAvailableInstitutions => "on_available_institutions",
    /// The user asked for a bank that is not listed.
    OnRequestBank => "on_request_bank",
    /// The bank login form is shown.
    OnAuthenticationForm => "on_authentication_form",
    /// The CoDi phone number is asked for (Mexico).
    CodiUsernameRequired => "codi_username_required",
    /// The user is asked to pick the payment provider.
    PaymentInProgress => "payment_in_progress",
    /// A Link is being created.
    CreatingLink => "creating_link",
    /// A Link was created.
    LinkCreated => "link_created",
    /// The user is selecting an account.
    SelectingAccount => "selecting_account",
    /// The payment intent needs confirmation.
    PaymentIntentConfirmationRequired => "payment_intent_confirmation_required",
    /// Authentication in the bank's app is required.
    AppAuthenticationRequired => "app_authentication_required",
    /// A subscription is being created.
    CreatingSubscription => "creating_subscription",
    /// A direct transfer is in progress.
    PaymentDirectTransfer => "payment_direct_transfer",
    /// A security device is required.
    DeviceAuthenticationRequired => "device_authentication_required",
    /// A coordinate card is required.
    CardAuthenticationRequired => "card_authentication_required",
    /// An SMS code is required.
    SmsAuthenticationRequired => "sms_authentication_required",
    /// An e-mail code is required.
    EmailAuthenticationRequired => "email_authentication_required",
    /// A captcha is required.
    CaptchaAuthenticationRequired => "captcha_authentication_required",
    /// The second factor is being validated.
    ValidatingSecondFactor => "validating_second_factor",
    /// A subscription was created.
    SubscriptionCreated => "subscription_created",
    /// A subscription was aborted.
    SubscriptionAborted => "subscription_aborted",
    /// The widget says the payment was created. Not proof of payment: confirm with the webhook.
    PaymentCreated => "payment_created",
    /// The payment failed in the widget.
    PaymentError => "payment_error",
    /// The user is choosing how to authorize the payment.
    PaymentSelectingAuth => "payment_selecting_auth",
    /// The payment is being validated.
    ValidatingPayment => "validating_payment",
    /// The widget reported an error.
    OnError => "on_error",
}

/// One `onEvent` call: the event and its metadata.
///
/// ```no_run
/// use fintoc_wasm::{Callbacks, EventKind};
///
/// let callbacks = Callbacks::new().on_event(|event| {
///     if event.kind == EventKind::PaymentError {
///         let reason: Option<String> = event.metadata.get("reason");
///         let message = format!("payment error: {reason:?}");
///     }
/// });
/// ```
#[derive(Clone, Debug)]
pub struct WidgetEvent {
    /// Which event.
    pub kind: EventKind,
    /// Its metadata.
    pub metadata: EventMetadata,
}

impl WidgetEvent {
    /// Decodes `onEvent(name, metadata)` arguments; never fails.
    pub(crate) fn from_js(name: &JsValue, metadata: JsValue) -> Self {
        let name = name.as_string().unwrap_or_default();
        WidgetEvent {
            kind: EventKind::from_name(&name),
            metadata: EventMetadata::from_js(metadata),
        }
    }
}

/// The metadata object of an event.
#[derive(Clone, Debug)]
pub struct EventMetadata {
    /// `metadata.timestamp`: Unix time in milliseconds, when present and numeric.
    pub timestamp: Option<f64>,
    raw: JsValue,
}

impl EventMetadata {
    fn from_js(raw: JsValue) -> Self {
        #[derive(Deserialize, Default)]
        struct Fields {
            #[serde(default, deserialize_with = "lenient_number")]
            timestamp: Option<f64>,
        }
        let fields: Fields = decode(&raw);
        EventMetadata {
            timestamp: fields.timestamp,
            raw,
        }
    }

    /// The metadata object exactly as the widget sent it.
    ///
    /// ```no_run
    /// # fn f(event: fintoc_wasm::WidgetEvent) {
    /// let raw: &wasm_bindgen::JsValue = event.metadata.raw();
    /// # }
    /// ```
    pub fn raw(&self) -> &JsValue {
        &self.raw
    }

    /// Reads field `name` as `T`; `None` when missing or of another shape.
    ///
    /// ```no_run
    /// # fn f(event: fintoc_wasm::WidgetEvent) {
    /// let institution: Option<String> = event.metadata.get("institutionId");
    /// # }
    /// ```
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        field(&self.raw, name)
    }
}

/// What `onSuccess` received.
///
/// Payments get no documented argument (confirm the payment with the webhook, never here);
/// movements via Link Intent get the Link Intent, whose `exchangeToken` is decoded for you.
#[derive(Clone, Debug)]
pub struct SuccessPayload {
    /// `exchangeToken` / `exchange_token`, when present (Link Intent flow).
    pub exchange_token: Option<String>,
    /// `id` of the returned object, when present.
    pub id: Option<String>,
    /// `object` (e.g. `link_intent`), when present.
    pub object: Option<String>,
    raw: JsValue,
}

impl SuccessPayload {
    pub(crate) fn from_js(raw: JsValue) -> Self {
        #[derive(Deserialize, Default)]
        struct Fields {
            #[serde(default, alias = "exchange_token", deserialize_with = "lenient_string")]
            #[serde(rename = "exchangeToken")]
            exchange_token: Option<String>,
            #[serde(default, deserialize_with = "lenient_string")]
            id: Option<String>,
            #[serde(default, deserialize_with = "lenient_string")]
            object: Option<String>,
        }
        let fields: Fields = decode(&raw);
        SuccessPayload {
            exchange_token: fields.exchange_token,
            id: fields.id,
            object: fields.object,
            raw,
        }
    }

    /// The argument exactly as the widget passed it (`undefined` when none).
    ///
    /// ```no_run
    /// # fn f(p: fintoc_wasm::SuccessPayload) {
    /// let payments_flow = p.raw().is_undefined();
    /// # }
    /// ```
    pub fn raw(&self) -> &JsValue {
        &self.raw
    }

    /// Reads field `name` as `T`; `None` when missing or of another shape.
    ///
    /// ```no_run
    /// # fn f(p: fintoc_wasm::SuccessPayload) {
    /// let mode: Option<String> = p.get("mode");
    /// # }
    /// ```
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        field(&self.raw, name)
    }
}

/// What `onExit` received (nothing is documented; the raw value is kept).
#[derive(Clone, Debug)]
pub struct ExitPayload {
    raw: JsValue,
}

impl ExitPayload {
    pub(crate) fn from_js(raw: JsValue) -> Self {
        ExitPayload { raw }
    }

    /// The argument exactly as the widget passed it (`undefined` when none).
    ///
    /// ```no_run
    /// # fn f(p: fintoc_wasm::ExitPayload) {
    /// let raw = p.raw();
    /// # }
    /// ```
    pub fn raw(&self) -> &JsValue {
        &self.raw
    }

    /// Reads field `name` as `T`; `None` when missing or of another shape.
    ///
    /// ```no_run
    /// # fn f(p: fintoc_wasm::ExitPayload) {
    /// let reason: Option<String> = p.get("reason");
    /// # }
    /// ```
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        field(&self.raw, name)
    }
}

/// Decodes with serde-wasm-bindgen; any shape it cannot read gives the default.
fn decode<T: DeserializeOwned + Default>(value: &JsValue) -> T {
    if value.is_object() {
        serde_wasm_bindgen::from_value(value.clone()).unwrap_or_default()
    } else {
        T::default()
    }
}

fn field<T: DeserializeOwned>(obj: &JsValue, name: &str) -> Option<T> {
    if !obj.is_object() {
        return None;
    }
    let value = js_sys::Reflect::get(obj, &JsValue::from_str(name)).ok()?;
    if value.is_undefined() {
        return None;
    }
    serde_wasm_bindgen::from_value(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_round_trips() {
        for name in EventKind::KNOWN {
            let kind = EventKind::from_name(name);
            assert!(!matches!(kind, EventKind::Unknown(_)), "{name}");
            assert_eq!(kind.as_str(), *name);
        }
        assert_eq!(EventKind::from_name("").as_str(), "");
    }
}
