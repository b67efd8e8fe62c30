//! The texts the component shows, in Spanish (default: Chile and Mexico are Fintoc's markets)
//! and English.

use crate::error::{FintocError, SessionError};

/// The language of the component's default texts.
///
/// ```
/// use fintoc_wasm::yew::Locale;
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
    ///
    /// ```
    /// # use fintoc_wasm::yew::Locale;
    /// assert_eq!(Locale::Es.labels().retry, "Reintentar");
    /// ```
    pub fn labels(self) -> &'static Labels {
        match self {
            Locale::Es => &ES,
            Locale::En => &EN,
        }
    }
}

impl Labels {
    /// The message a shopper sees for `error` (the technical message goes in the details).
    ///
    /// ```
    /// # use fintoc_wasm::{yew::Locale, FintocError, LoadError};
    /// let e = FintocError::from(LoadError::NotInBrowser);
    /// assert_eq!(Locale::En.labels().for_error(&e), Locale::En.labels().load_failed);
    /// ```
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
}
