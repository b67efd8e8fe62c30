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
///     .with_load(LoadOptions::new().with_nonce("r4nd0m"));
/// assert_eq!(config.options().public_key().as_str(), "pk_test_abc");
/// assert_eq!(config.session(), &SessionSource::endpoint("/api/checkout"));
/// assert_eq!(config.load().nonce(), Some("r4nd0m"));
/// # Ok::<(), fintoc_wasm::error::OptionsError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CheckoutConfig {
    options: WidgetOptions,
    session: SessionSource,
    load: LoadOptions,
    mode: CheckoutMode,
}

/// How the shopper pays: Fintoc's widget in your page, or Fintoc's hosted checkout page.
///
/// The hosted page needs a Checkout Session created with `success_url` and `cancel_url`: its
/// `redirect_url` is where the shopper goes (`fintoc_wasm::server::CheckoutSessionCreate`
/// sets them). Either way the payment is confirmed by your webhook, never by the browser.
///
/// ```
/// use fintoc_wasm::{CheckoutConfig, CheckoutMode, SessionSource, WidgetOptions};
///
/// let options = WidgetOptions::builder("pk_test_abc").build()?;
/// let config = CheckoutConfig::new(options, SessionSource::endpoint("/api/checkout"))
///     .with_mode(CheckoutMode::Redirect);
/// assert_eq!(config.mode(), CheckoutMode::Redirect);
/// assert_eq!(CheckoutMode::default(), CheckoutMode::Widget);
/// # Ok::<(), fintoc_wasm::error::OptionsError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckoutMode {
    /// The widget in the page (default). When its script cannot load and the session has a
    /// hosted page, the components offer a link to it.
    #[default]
    Widget,
    /// The widget, but when its script cannot load (an ad blocker, a network that blocks
    /// js.fintoc.com) and the session has a hosted page, the shopper who clicked "pay" is taken
    /// there instead of reading an error. Never on a background prepare (a hover).
    WidgetOrRedirect,
    /// Fintoc's hosted checkout page: the session is fetched, then the page goes to its
    /// `redirect_url`. No script is loaded. The answer still needs the session's
    /// `session_token` next to its `redirect_url` (return the Checkout Session as Fintoc created
    /// it): the token is what the session is dated and reused by.
    Redirect,
}

impl CheckoutMode {
    /// `widget`, `widget_or_redirect` or `redirect` (for JS and config files).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckoutMode::Widget => "widget",
            CheckoutMode::WidgetOrRedirect => "widget_or_redirect",
            CheckoutMode::Redirect => "redirect",
        }
    }

    /// The mode [`as_str`](Self::as_str) spells `name`, if any.
    ///
    /// ```
    /// use fintoc_wasm::CheckoutMode;
    /// assert_eq!(CheckoutMode::from_name("redirect"), Some(CheckoutMode::Redirect));
    /// assert_eq!(CheckoutMode::from_name("hosted"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<CheckoutMode> {
        ALL_MODES.into_iter().find(|mode| mode.as_str() == name)
    }
}

/// Every [`CheckoutMode`], for [`CheckoutMode::from_name`].
pub(crate) const ALL_MODES: [CheckoutMode; 3] = [
    CheckoutMode::Widget,
    CheckoutMode::WidgetOrRedirect,
    CheckoutMode::Redirect,
];

// A new mode stops this match from compiling: add it here and to `ALL_MODES` (its length too),
// so `from_name` never silently misses one.
const _: () = match ALL_MODES[0] {
    CheckoutMode::Widget | CheckoutMode::WidgetOrRedirect | CheckoutMode::Redirect => (),
};

impl CheckoutConfig {
    /// A configuration with default [`LoadOptions`] (the real Fintoc.js).
    pub fn new(options: WidgetOptions, session: impl Into<SessionSource>) -> Self {
        CheckoutConfig {
            options,
            session: session.into(),
            load: LoadOptions::default(),
            mode: CheckoutMode::Widget,
        }
    }

    /// Widget or hosted page (default: [`CheckoutMode::Widget`]). Not part of the identity: a
    /// new mode applies to the next `open()`.
    pub fn with_mode(mut self, mode: CheckoutMode) -> Self {
        self.mode = mode;
        self
    }

    /// The checkout mode.
    pub fn mode(&self) -> CheckoutMode {
        self.mode
    }

    /// How to load the script (URL, nonce, timeout).
    pub fn with_load(mut self, load: LoadOptions) -> Self {
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
