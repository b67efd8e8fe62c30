//! What a checkout needs.

use crate::load::LoadOptions;
use crate::session::SessionSource;
use crate::widget::WidgetOptions;

/// What a checkout needs: widget options (without token), where the session token comes from,
/// and how to load the script.
///
/// Its *identity* is the public key and the session source: a config with another identity
/// makes [`Checkout::set_config`](crate::Checkout::set_config) destroy the widget and start over;
/// other changes (country, load options) apply to the next widget without touching this one.
///
/// ```
/// use fintoc_wasm::widget::Country;
/// use fintoc_wasm::{CheckoutConfig, LoadOptions, SessionSource, WidgetOptions};
///
/// let options = WidgetOptions::builder("pk_test_abc").country(Country::Cl).build()?;
/// let config = CheckoutConfig::new(options, SessionSource::endpoint("/api/checkout"))
///     .load_options(LoadOptions::new().nonce("r4nd0m"));
/// assert_eq!(config.options().public_key().as_str(), "pk_test_abc");
/// assert_eq!(config.session(), &SessionSource::endpoint("/api/checkout"));
/// assert_eq!(config.load().csp_nonce(), Some("r4nd0m"));
/// # Ok::<(), fintoc_wasm::error::OptionsError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CheckoutConfig {
    options: WidgetOptions,
    session: SessionSource,
    load: LoadOptions,
}

impl CheckoutConfig {
    /// A configuration with default [`LoadOptions`] (the real Fintoc.js).
    pub fn new(options: WidgetOptions, session: impl Into<SessionSource>) -> Self {
        CheckoutConfig {
            options,
            session: session.into(),
            load: LoadOptions::default(),
        }
    }

    /// How to load the script (URL, nonce, timeout).
    pub fn load_options(mut self, load: LoadOptions) -> Self {
        self.load = load;
        self
    }

    /// The widget options.
    pub fn options(&self) -> &WidgetOptions {
        &self.options
    }

    /// The session source.
    pub fn session(&self) -> &SessionSource {
        &self.session
    }

    /// The load options.
    pub fn load(&self) -> &LoadOptions {
        &self.load
    }

    /// True when `other` needs the same widget: same public key and session source.
    pub fn same_identity(&self, other: &CheckoutConfig) -> bool {
        self.options.public_key() == other.options.public_key()
            && self.session.same_identity(&other.session)
    }
}
