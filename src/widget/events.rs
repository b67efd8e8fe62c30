//! What the widget reports: `onSuccess` / `onExit` payloads and `onEvent` events.
//!
//! Fintoc documents few payload fields and adds events over time, so everything here is lenient:
//! unknown event names become [`EventKind::Unknown`], a field of another type reads as `None`,
//! and the raw JS object stays available for fields Fintoc adds later. Decoding never panics.

use crate::prelude::*;
use core::fmt;

use wasm_bindgen::JsValue;

use crate::browser;

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
        /// use fintoc_wasm::widget::EventKind;
        /// assert_eq!(EventKind::from_name("opened"), EventKind::Opened);
        /// assert_eq!(EventKind::from_name("brand_new"), EventKind::Unknown("brand_new".into()));
        /// assert_eq!(EventKind::PaymentInProgress.as_str(), "payment_in_progress");
        /// assert!(EventKind::KNOWN.contains(&"payment_created"));
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
            pub fn from_name(name: &str) -> Self {
                // A table lookup, not a 30-arm string match (size: docs/size.md).
                const KINDS: &[EventKind] = &[$(EventKind::$variant),*];
                match Self::KNOWN.iter().position(|known| *known == name) {
                    Some(i) => KINDS.get(i).cloned().unwrap_or(EventKind::Unknown(String::new())),
                    None => EventKind::Unknown(name.to_owned()),
                }
            }

            /// Whether the event ends the widget's session: once the payment was created or
            /// refused (or a subscription created or aborted), that session cannot pay again,
            /// so the checkout fetches a new one for the next `open()`.
            pub(crate) fn ends_session(&self) -> bool {
                matches!(
                    self,
                    EventKind::PaymentCreated
                        | EventKind::PaymentError
                        | EventKind::SubscriptionCreated
                        | EventKind::SubscriptionAborted
                )
            }

            /// The event name as Fintoc sends it.
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

/// What a widget callback received: the `onSuccess` / `onExit` argument or an event's metadata.
/// Read documented fields with the typed helpers, anything else with [`string`](Self::string),
/// [`number`](Self::number) or [`get`](Self::get), or take the [`raw`](Self::raw) object.
/// `Debug` shows no values (an exchange token is a credential).
///
/// ```no_run
/// use fintoc_wasm::Payload;
/// fn on_success(payload: Payload) {
///     // movements through a Link Intent: the exchange token (camelCase or snake_case)
///     let token: Option<String> = payload.exchange_token();
///     let id: Option<String> = payload.string("id");
///     let raw: &wasm_bindgen::JsValue = payload.raw();
/// }
/// ```
#[derive(Clone)]
pub struct Payload {
    raw: JsValue,
}

impl Payload {
    pub(crate) fn from_js(raw: JsValue) -> Self {
        Payload { raw }
    }

    /// The value as the widget passed it (`undefined` when it passed nothing).
    pub fn raw(&self) -> &JsValue {
        &self.raw
    }

    fn field(&self, name: &str) -> Option<JsValue> {
        if !browser::IS_BROWSER_TARGET || !self.raw.is_object() {
            return None;
        }
        js_sys::Reflect::get(&self.raw, &JsValue::from_str(name))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    }

    /// Field `name` if it is a string.
    pub fn string(&self, name: &str) -> Option<String> {
        self.field(name)?.as_string()
    }

    /// Field `name` if it is a number.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.field(name)?.as_f64()
    }

    /// Field `name` decoded as `T` (`None` when missing or of another shape). Uses serde, which
    /// is linked into your bundle only if you call this. (Feature `std`, on by default.)
    #[cfg(feature = "std")]
    pub fn get<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        serde_wasm_bindgen::from_value(self.field(name)?).ok()
    }

    /// A Link Intent's exchange token (`exchangeToken`, or `exchange_token`), for the movements
    /// product.
    pub fn exchange_token(&self) -> Option<String> {
        self.string("exchangeToken")
            .or_else(|| self.string("exchange_token"))
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Payload { .. }")
    }
}

/// One `onEvent(name, metadata)` call.
///
/// ```no_run
/// use fintoc_wasm::widget::EventKind;
/// use fintoc_wasm::WidgetEvent;
/// fn on_event(event: WidgetEvent) {
///     if event.kind == EventKind::PaymentError {
///         let when_ms: Option<f64> = event.timestamp();
///         let reason: Option<String> = event.metadata.string("reason");
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub struct WidgetEvent {
    /// Which event.
    pub kind: EventKind,
    /// Its metadata object.
    pub metadata: Payload,
}

impl WidgetEvent {
    pub(crate) fn from_js(name: &JsValue, metadata: JsValue) -> Self {
        let name = name.as_string().unwrap_or_default();
        WidgetEvent {
            kind: EventKind::from_name(&name),
            metadata: Payload::from_js(metadata),
        }
    }

    /// `metadata.timestamp`: when it happened, in Unix milliseconds (per Fintoc's docs).
    pub fn timestamp(&self) -> Option<f64> {
        self.metadata.number("timestamp")
    }
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

    #[test]
    fn payloads_off_browser_read_as_empty_never_panic() {
        let p = Payload::from_js(JsValue::UNDEFINED);
        assert_eq!(p.string("id"), None);
        assert_eq!(p.exchange_token(), None);
        assert_eq!(format!("{p:?}"), "Payload { .. }");
    }
}
