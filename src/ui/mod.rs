//! What every UI adapter (Yew, Leptos) shares: the texts in Spanish (default: Chile and Mexico
//! are Fintoc's markets) and English, the class names, and the one mapping from a checkout
//! state to what the shopper sees ([`view`]). Also for shops that draw their own UI.
//!
//! Shoppers never see technical error messages: [`Labels::for_error`] gives the friendly text;
//! the error itself goes to the shop's `on_error`.

#[cfg(feature = "leptos")]
pub(crate) mod dom;

use crate::checkout::CheckoutState;
use crate::error::{FintocError, SessionError};

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
    /// Opening: the button is disabled, `aria-busy="true"`, with a spinner and
    /// [`Labels::preparing`].
    pub busy: bool,
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
            CheckoutState::Failed(_) => "fintoc-checkout--failed",
        },
        button: !matches!(state, CheckoutState::Succeeded | CheckoutState::Failed(_)),
        busy: state.is_busy(),
        status: match state {
            CheckoutState::Succeeded => Some(labels.succeeded),
            CheckoutState::Exited => Some(labels.exited),
            _ => None,
        },
        error: error.map(|e| labels.for_error(e)),
        // Retrying cannot help a configuration error, nor a fixed token that expired.
        retry: error.is_some_and(|e| {
            !matches!(
                e,
                FintocError::Options(_) | FintocError::Session(SessionError::Expired)
            )
        }),
        fallback: match error {
            Some(FintocError::Load(_)) => redirect_url,
            _ => None,
        },
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
}

const ES: Labels = Labels {
    pay: "Pagar con Fintoc",
    preparing: "Preparando el pago…",
    retry: "Reintentar",
    load_failed: "No pudimos cargar Fintoc. Revisa tu conexión o desactiva el bloqueador de anuncios e intenta de nuevo.",
    session_failed: "No pudimos iniciar el pago. Intenta de nuevo en unos segundos.",
    session_expired: "La sesión de pago expiró. Intenta de nuevo.",
    misconfigured: "Este medio de pago no está bien configurado. Avísale a la tienda.",
    widget_failed: "Fintoc tuvo un problema. Intenta de nuevo.",
    continue_on_fintoc: "Continuar el pago en Fintoc",
    succeeded: "Recibimos tu pago; lo estamos confirmando…",
    exited: "Cerraste el pago. Puedes intentarlo de nuevo.",
};

const EN: Labels = Labels {
    pay: "Pay with Fintoc",
    preparing: "Preparing payment…",
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
            FintocError::Session(_) => self.session_failed,
            FintocError::Options(_) => self.misconfigured,
            FintocError::Widget(_) => self.widget_failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{LoadError, OptionsError, WidgetError};

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
        let states = [
            CheckoutState::Idle,
            CheckoutState::Preparing,
            CheckoutState::Opening,
            CheckoutState::Ready,
            CheckoutState::Open,
            CheckoutState::Succeeded,
            CheckoutState::Exited,
            CheckoutState::Failed(LoadError::NotInBrowser.into()),
        ];
        for state in states {
            let v = view(&state, None, Locale::Es.labels());
            assert_eq!(v.modifier, format!("{}--{}", class::ROOT, state.name()));
        }
    }
}
