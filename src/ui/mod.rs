//! What every UI adapter (Yew, Leptos) shares: the texts in Spanish (default: Chile and Mexico
//! are Fintoc's markets) and English, the class names, and the one mapping from a checkout
//! state to what the shopper sees ([`view`]). Also for shops that draw their own UI.
//!
//! Shoppers never see technical error messages: [`Labels::for_error`] gives the friendly text;
//! the error itself goes to the shop's `on_error`.

#[cfg(feature = "leptos")]
pub(crate) mod dom;
#[cfg(test)]
mod vocab;

use crate::checkout::CheckoutState;
use crate::error::{FintocError, LoadError, SessionError};

/// The class names the components put on their elements (no inline styles anywhere). The root
/// also gets `fintoc-checkout--{state}` and a `data-state` attribute with
/// [`CheckoutState::name`].
pub mod class {
    /// The root element.
    pub const ROOT: &str = "fintoc-checkout";
    /// The pay button.
    pub const BUTTON: &str = "fintoc-checkout__button";
    /// The spinner inside the button while preparing.
    pub const SPINNER: &str = "fintoc-checkout__spinner";
    /// The button's text.
    pub const LABEL: &str = "fintoc-checkout__label";
    /// The error box (`role="alert"`).
    pub const ERROR: &str = "fintoc-checkout__error";
    /// The shopper-facing error text.
    pub const ERROR_MESSAGE: &str = "fintoc-checkout__error-message";
    /// The retry button.
    pub const RETRY: &str = "fintoc-checkout__retry";
    /// The link to Fintoc's hosted page when the widget cannot load.
    pub const FALLBACK: &str = "fintoc-checkout__fallback";
    /// A status line (`role="status"`) after success or exit.
    pub const STATUS: &str = "fintoc-checkout__status";
    /// The confirmation's root (`role="status"`), also `fintoc-confirmation--{state}`.
    pub const CONFIRMATION: &str = "fintoc-confirmation";
    /// The confirmation's text.
    pub const CONFIRMATION_TEXT: &str = "fintoc-confirmation__text";
}

/// What to render for one state: every adapter draws exactly this.
///
/// ```
/// use fintoc_wasm::error::LoadError;
/// use fintoc_wasm::ui::{view, Locale};
/// use fintoc_wasm::CheckoutState;
///
/// let labels = Locale::En.labels();
/// let failed = CheckoutState::Failed(LoadError::NotInBrowser.into());
/// let v = view(&failed, Some("https://checkout.fintoc.com/cs_1"), labels);
/// assert_eq!(v.error, Some(labels.load_failed));
/// assert!(v.retry);
/// assert_eq!(v.fallback, Some("https://checkout.fintoc.com/cs_1"));
/// assert!(view(&CheckoutState::Opening, None, labels).busy);
/// assert!(!view(&CheckoutState::Preparing, None, labels).busy); // a hover prefetch
/// assert!(!view(&CheckoutState::Succeeded, None, labels).button);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct View<'a> {
    /// [`CheckoutState::name`], for `fintoc-checkout--{state}` and `data-state`.
    pub state: &'static str,
    /// `fintoc-checkout--{state}`, the root's state class (a static string: no formatting).
    pub modifier: &'static str,
    /// Show the pay button.
    pub button: bool,
    /// Opening or redirecting: the button is disabled, `aria-busy="true"`, with a spinner and
    /// [`busy_text`](Self::busy_text).
    pub busy: bool,
    /// The button's text while busy: [`Labels::preparing`], or [`Labels::redirecting`] on the
    /// way to Fintoc's hosted page.
    pub busy_text: &'static str,
    /// A status line (`role="status"`).
    pub status: Option<&'static str>,
    /// A friendly error text (`role="alert"`).
    pub error: Option<&'static str>,
    /// Offer a retry button (not for a configuration error or an expired fixed token: retrying
    /// cannot help).
    pub retry: bool,
    /// Offer Fintoc's hosted page (the script could not load, and the session has one).
    pub fallback: Option<&'a str>,
}

/// The one mapping from a state to what the shopper sees.
pub fn view<'a>(state: &CheckoutState, redirect_url: Option<&'a str>, labels: &Labels) -> View<'a> {
    let error = state.error();
    View {
        state: state.name(),
        modifier: match state {
            CheckoutState::Idle => "fintoc-checkout--idle",
            CheckoutState::Preparing => "fintoc-checkout--preparing",
            CheckoutState::Opening => "fintoc-checkout--opening",
            CheckoutState::Ready => "fintoc-checkout--ready",
            CheckoutState::Open => "fintoc-checkout--open",
            CheckoutState::Succeeded => "fintoc-checkout--succeeded",
            CheckoutState::Exited => "fintoc-checkout--exited",
            CheckoutState::Redirecting => "fintoc-checkout--redirecting",
            CheckoutState::Failed(_) => "fintoc-checkout--failed",
        },
        button: !matches!(state, CheckoutState::Succeeded | CheckoutState::Failed(_)),
        busy: state.is_busy(),
        busy_text: match state {
            CheckoutState::Redirecting => labels.redirecting,
            _ => labels.preparing,
        },
        status: match state {
            CheckoutState::Succeeded => Some(labels.succeeded),
            CheckoutState::Exited => Some(labels.exited),
            _ => None,
        },
        error: error.map(|e| labels.for_error(e)),
        // Retrying cannot help a configuration error (the page's CSP included), nor a fixed
        // token that expired.
        retry: error.is_some_and(|e| {
            !matches!(
                e,
                FintocError::Options(_)
                    | FintocError::Load(LoadError::CspBlocked { .. })
                    | FintocError::Session(SessionError::Expired | SessionError::NoRedirectUrl)
            )
        }),
        fallback: match error {
            Some(FintocError::Load(_)) => redirect_url,
            _ => None,
        },
    }
}

/// What a confirmation shows: every adapter's `<FintocConfirmation>` draws exactly this.
///
/// ```
/// use fintoc_wasm::confirm::Stage;
/// use fintoc_wasm::ui::{confirmation_view, Locale};
///
/// let labels = Locale::En.labels();
/// let waiting = confirmation_view(Stage::Confirming, labels);
/// assert_eq!((waiting.state, waiting.busy), ("confirming", true));
/// let late = confirmation_view(Stage::StillPending, labels);
/// assert_eq!(late.text, labels.still_pending);
/// assert_eq!(late.modifier, "fintoc-confirmation--still_pending");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfirmationView {
    /// `confirming`, `confirmed`, `not_paid` or `still_pending` (for `data-state`).
    pub state: &'static str,
    /// `fintoc-confirmation--{state}`.
    pub modifier: &'static str,
    /// Still asking (`aria-busy="true"`).
    pub busy: bool,
    /// The shopper's text.
    pub text: &'static str,
}

/// The one mapping from a confirmation's stage to what the shopper reads. The reason an order
/// was not paid goes to the shop's callback, not on screen: it is a code.
pub fn confirmation_view(stage: crate::confirm::Stage, labels: &Labels) -> ConfirmationView {
    use crate::confirm::Stage;
    let (modifier, text) = match stage {
        Stage::Confirming => ("fintoc-confirmation--confirming", labels.confirming),
        Stage::Confirmed => ("fintoc-confirmation--confirmed", labels.confirmed),
        Stage::NotPaid => ("fintoc-confirmation--not_paid", labels.not_paid),
        Stage::StillPending => ("fintoc-confirmation--still_pending", labels.still_pending),
    };
    ConfirmationView {
        state: stage.as_str(),
        modifier,
        busy: stage == Stage::Confirming,
        text,
    }
}

/// The language of the component's default texts.
///
/// ```
/// use fintoc_wasm::ui::Locale;
/// assert_eq!(Locale::default(), Locale::Es);
/// assert_eq!(Locale::En.labels().pay, "Pay with Fintoc");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Locale {
    /// Spanish (default).
    #[default]
    Es,
    /// English.
    En,
}

/// Every text the component renders.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Labels {
    /// The pay button.
    pub pay: &'static str,
    /// The button while preparing.
    pub preparing: &'static str,
    /// The button on the way to Fintoc's hosted checkout page.
    pub redirecting: &'static str,
    /// The retry button after an error.
    pub retry: &'static str,
    /// Script could not load (network, ad blocker, CSP).
    pub load_failed: &'static str,
    /// The merchant backend did not give a session.
    pub session_failed: &'static str,
    /// The session token expired.
    pub session_expired: &'static str,
    /// The shop's configuration is wrong (e.g. a secret key as public key).
    pub misconfigured: &'static str,
    /// The widget failed.
    pub widget_failed: &'static str,
    /// Link to Fintoc's hosted checkout page when the widget cannot load.
    pub continue_on_fintoc: &'static str,
    /// After `onSuccess` (the shop still confirms through its webhook).
    pub succeeded: &'static str,
    /// After the user closed the widget.
    pub exited: &'static str,
    /// While the shop's order endpoint is asked for the webhook's decision.
    pub confirming: &'static str,
    /// The webhook confirmed the payment.
    pub confirmed: &'static str,
    /// The webhook said the payment did not go through.
    pub not_paid: &'static str,
    /// No decision before the deadline: the shopper must not pay again.
    pub still_pending: &'static str,
}

const ES: Labels = Labels {
    pay: "Pagar con Fintoc",
    preparing: "Preparando el pago…",
    redirecting: "Te llevamos a Fintoc…",
    retry: "Reintentar",
    load_failed: "No pudimos cargar Fintoc. Revisa tu conexión o desactiva el bloqueador de anuncios e intenta de nuevo.",
    session_failed: "No pudimos iniciar el pago. Intenta de nuevo en unos segundos.",
    session_expired: "La sesión de pago expiró. Intenta de nuevo.",
    misconfigured: "Este medio de pago no está bien configurado. Avísale a la tienda.",
    widget_failed: "Fintoc tuvo un problema. Intenta de nuevo.",
    continue_on_fintoc: "Continuar el pago en Fintoc",
    succeeded: "Recibimos tu pago; lo estamos confirmando…",
    exited: "Cerraste el pago. Puedes intentarlo de nuevo.",
    confirming: "Estamos confirmando tu pago con el banco…",
    confirmed: "¡Pago confirmado! Gracias por tu compra.",
    not_paid: "El pago no se completó. Si tu banco muestra un cargo, avísale a la tienda antes de volver a pagar.",
    still_pending: "Aún no recibimos la confirmación del banco. Revisa el estado de tu pedido más tarde y no vuelvas a pagar.",
};

const EN: Labels = Labels {
    pay: "Pay with Fintoc",
    preparing: "Preparing payment…",
    redirecting: "Taking you to Fintoc…",
    retry: "Try again",
    load_failed:
        "We couldn't load Fintoc. Check your connection or disable your ad blocker and try again.",
    session_failed: "We couldn't start the payment. Please try again in a few seconds.",
    session_expired: "The payment session expired. Please try again.",
    misconfigured: "This payment method is not set up correctly. Please tell the shop.",
    widget_failed: "Fintoc ran into a problem. Please try again.",
    continue_on_fintoc: "Continue the payment on Fintoc",
    succeeded: "We received your payment; confirming it…",
    exited: "You closed the payment. You can try again.",
    confirming: "Confirming your payment with the bank…",
    confirmed: "Payment confirmed! Thank you for your order.",
    not_paid: "The payment did not go through. If your bank shows a charge, tell the shop before paying again.",
    still_pending: "We haven't heard back from the bank yet. Check your order's status later, and don't pay again.",
};

impl Locale {
    /// The texts for this locale.
    pub fn labels(self) -> &'static Labels {
        match self {
            Locale::Es => &ES,
            Locale::En => &EN,
        }
    }
}

impl Labels {
    /// The message a shopper sees for `error` (the technical one goes to the shop's
    /// `on_error`, never on screen).
    pub fn for_error(&self, error: &FintocError) -> &'static str {
        match error {
            FintocError::Load(_) => self.load_failed,
            FintocError::Session(SessionError::Expired) => self.session_expired,
            FintocError::Session(SessionError::NoRedirectUrl) => self.misconfigured,
            FintocError::Session(_) => self.session_failed,
            FintocError::Options(_) => self.misconfigured,
            FintocError::Widget(_) => self.widget_failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{OptionsError, WidgetError};

    #[test]
    fn every_error_kind_has_a_text_in_each_locale() {
        let errors: Vec<FintocError> = vec![
            LoadError::NotInBrowser.into(),
            SessionError::Expired.into(),
            SessionError::Timeout { after_ms: 1 }.into(),
            OptionsError::SecretKey.into(),
            WidgetError::Destroyed.into(),
        ];
        for locale in [Locale::Es, Locale::En] {
            let labels = locale.labels();
            let texts: Vec<&str> = errors.iter().map(|e| labels.for_error(e)).collect();
            assert!(texts.iter().all(|t| !t.is_empty()));
            assert_eq!(texts.len(), 5);
            assert_ne!(
                texts[1], texts[2],
                "expired differs from other session errors"
            );
        }
        assert_ne!(Locale::Es.labels(), Locale::En.labels());
    }

    #[test]
    fn the_state_class_is_the_root_class_and_the_state_name() {
        for state in super::vocab::states() {
            let v = view(&state, None, Locale::Es.labels());
            assert_eq!(v.modifier, format!("{}--{}", class::ROOT, state.name()));
        }
    }
}
