//! The rules every adapter follows between renders: invalid configurations, auto-open,
//! preloading. Plain values: each adapter keeps them where its framework keeps state.

use crate::checkout::{CheckoutConfig, CheckoutMode};
use crate::error::OptionsError;
use crate::load::LoadOptions;

/// An invalid configuration (a secret key, a malformed public key) is a `Failed` state the shop
/// hears about once per distinct error, not on every render; once fixed, the shop hears the
/// state shown again (its `on_state` said `failed` last).
#[derive(Default)]
pub(crate) struct InvalidConfig(Option<OptionsError>);

/// What a new configuration means for the shop's `on_state` / `on_error`
/// ([`InvalidConfig::record`]).
#[must_use]
pub(crate) enum ConfigNews {
    /// Nothing to tell: as valid as before, or the invalid one told last.
    None,
    /// A new error: tell `Failed` with it.
    Invalid(OptionsError),
    /// Valid after an invalid one: tell the checkout's state (what the component shows again).
    Fixed,
}

impl InvalidConfig {
    /// Records how building the configuration went, and what the adapter tells the shop — with
    /// [`tell`](super::tell), with no borrow of its own held: a fix before the checkout acts on
    /// the configuration (whose own states follow), a new error once the checkout has been
    /// reset. A valid configuration makes a later error news again.
    pub(crate) fn record(&mut self, built: &Result<CheckoutConfig, OptionsError>) -> ConfigNews {
        match built {
            Ok(_) if self.0.take().is_some() => ConfigNews::Fixed,
            Ok(_) => ConfigNews::None,
            Err(error) if self.0.as_ref() == Some(error) => ConfigNews::None,
            Err(error) => {
                self.0 = Some(error.clone());
                ConfigNews::Invalid(error.clone())
            }
        }
    }

    /// Whether the last configuration recorded was invalid.
    #[cfg(feature = "yew")]
    pub(crate) fn is_invalid(&self) -> bool {
        self.0.is_some()
    }

    /// The error of the last configuration, if it was invalid.
    #[cfg(feature = "leptos")]
    pub(crate) fn error(&self) -> Option<&OptionsError> {
        self.0.as_ref()
    }
}

/// Auto-open opens once per identity (public key and session source): a re-render, or another
/// signal re-evaluating an equal source, does not reopen a widget the shopper closed; a new
/// cart (a new source) opens again.
#[derive(Default)]
pub(crate) struct AutoOpen(Option<CheckoutConfig>);

impl AutoOpen {
    /// Whether to open now. Off, or without a valid configuration, forgets the identity: turning
    /// it on again opens.
    pub(crate) fn due(&mut self, on: bool, config: Option<&CheckoutConfig>) -> bool {
        match config.filter(|_| on) {
            None => {
                self.0 = None;
                false
            }
            Some(config) if self.0.as_ref().is_some_and(|o| o.same_identity(config)) => false,
            Some(config) => {
                self.0 = Some(config.clone());
                true
            }
        }
    }
}

/// The script preloads once per script (load options): not again on every configuration change
/// (after a failed load, preloading again would add another `<script>`), and not in redirect
/// mode, which loads nothing — a later switch to the widget preloads then.
#[derive(Default)]
pub(crate) struct Preload(Option<LoadOptions>);

impl Preload {
    /// Whether to preload `config`'s script now (then the adapter calls
    /// [`Checkout::preload`](crate::Checkout::preload), with no borrow of its own held).
    pub(crate) fn due(&mut self, enabled: bool, config: &CheckoutConfig) -> bool {
        let due = enabled
            && config.mode() != CheckoutMode::Redirect
            && self.0.as_ref() != Some(config.load());
        if due {
            self.0 = Some(config.load().clone());
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionSource;
    use crate::widget::WidgetOptions;

    fn valid() -> Result<CheckoutConfig, OptionsError> {
        let options = WidgetOptions::builder("pk_test_policy").build()?;
        Ok(CheckoutConfig::new(
            options,
            SessionSource::endpoint("/api/checkout"),
        ))
    }

    fn news(n: ConfigNews) -> &'static str {
        match n {
            ConfigNews::None => "none",
            ConfigNews::Invalid(_) => "invalid",
            ConfigNews::Fixed => "fixed",
        }
    }

    /// Each distinct error is news once; the same error again is not; a valid configuration
    /// after an invalid one is `Fixed` once, and makes the same error news again.
    #[test]
    fn each_error_is_news_once_and_a_fix_once() {
        let a = || Err(OptionsError::SecretKey);
        let b = || Err(OptionsError::ConflictingTokens);
        let mut rule = InvalidConfig::default();
        let seen: Vec<&str> = [valid(), a(), a(), b(), valid(), valid(), a()]
            .iter()
            .map(|built| news(rule.record(built)))
            .collect();
        assert_eq!(
            seen,
            ["none", "invalid", "none", "invalid", "fixed", "none", "invalid"]
        );
    }
}
