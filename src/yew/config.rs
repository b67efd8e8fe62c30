//! [`FintocCheckoutConfig`]: what the Yew hook needs.

use yew::Callback;

use crate::checkout::{CheckoutConfig, CheckoutMode, CheckoutState};
use crate::error::{FintocError, OptionsError};
use crate::load::LoadOptions;
use crate::session::{SessionResponse, SessionSource};
use crate::widget::{Payload, PublicKey, WidgetEvent, WidgetOptions, WidgetOptionsBuilder};

/// The Yew callbacks a checkout reports to.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct HookCallbacks {
    pub(crate) on_success: Option<Callback<Payload>>,
    pub(crate) on_exit: Option<Callback<Payload>>,
    pub(crate) on_event: Option<Callback<WidgetEvent>>,
    pub(crate) on_error: Option<Callback<FintocError>>,
    pub(crate) on_state: Option<Callback<CheckoutState>>,
    pub(crate) on_session: Option<Callback<SessionResponse>>,
}

/// What [`use_fintoc_checkout`](super::use_fintoc_checkout) needs: the widget options (public key and the rest, see
/// [`widget`](Self::widget)), the session source, and the callbacks.
///
/// ```
/// use fintoc_wasm::yew::FintocCheckoutConfig;
/// use fintoc_wasm::widget::Country;
/// use fintoc_wasm::{SessionSource, Payload};
///
/// let config = FintocCheckoutConfig::new("pk_test_abc", SessionSource::endpoint("/api/checkout"))
///     .widget(|w| w.country(Country::Cl).institution_id("cl_banco_estado"))
///     .on_success(|_: Payload| { /* show "confirming…" */ })
///     .preload(true);
/// ```
#[derive(Clone, Debug)]
#[must_use = "pass the config to use_fintoc_checkout"]
pub struct FintocCheckoutConfig {
    pub(crate) options: WidgetOptionsBuilder,
    pub(crate) session: SessionSource,
    pub(crate) load: LoadOptions,
    pub(crate) auto_open: bool,
    pub(crate) preload: bool,
    pub(crate) mode: CheckoutMode,
    pub(crate) callbacks: HookCallbacks,
}

impl FintocCheckoutConfig {
    /// A config for `public_key` (strings are validated; an invalid or secret key puts the
    /// checkout in the `Failed` state) and `session`. Preloads the script on mount; does not
    /// open by itself.
    pub fn new<K>(public_key: K, session: impl Into<SessionSource>) -> Self
    where
        K: TryInto<PublicKey>,
        K::Error: Into<OptionsError>,
    {
        Self::from_key(public_key.try_into().map_err(Into::into), session)
    }

    /// A config from an already validated key, or the error validating it.
    pub(crate) fn from_key(
        public_key: Result<PublicKey, OptionsError>,
        session: impl Into<SessionSource>,
    ) -> Self {
        FintocCheckoutConfig {
            options: WidgetOptions::builder_from(public_key),
            session: session.into(),
            load: LoadOptions::default(),
            auto_open: false,
            preload: true,
            mode: CheckoutMode::Widget,
            callbacks: HookCallbacks::default(),
        }
    }

    /// Sets widget options (product, country, holder type, bank, username, extras) on the
    /// [`WidgetOptionsBuilder`]; the session token is filled in by the checkout.
    pub fn widget(mut self, f: impl FnOnce(WidgetOptionsBuilder) -> WidgetOptionsBuilder) -> Self {
        self.options = f(self.options);
        self
    }

    /// How to load the script (URL, nonce, timeout).
    pub fn load(mut self, load: LoadOptions) -> Self {
        self.load = load;
        self
    }

    /// Opens the widget on mount (and again whenever the public key or session source
    /// changes) instead of waiting for `open()`. In redirect mode this leaves for Fintoc's
    /// hosted page as soon as the session arrives: only for a page whose whole purpose is to pay.
    pub fn auto_open(mut self, auto_open: bool) -> Self {
        self.auto_open = auto_open;
        self
    }

    /// The widget, Fintoc's hosted page, or the widget with the hosted page when its script is
    /// blocked (see [`CheckoutMode`]).
    pub fn mode(mut self, mode: CheckoutMode) -> Self {
        self.mode = mode;
        self
    }

    /// Starts loading the script on mount (default `true`).
    pub fn preload(mut self, preload: bool) -> Self {
        self.preload = preload;
        self
    }

    /// Called when the user finishes (not proof of payment: confirm it from the webhook).
    pub fn on_success(mut self, callback: impl Into<Callback<Payload>>) -> Self {
        self.callbacks.on_success = Some(callback.into());
        self
    }

    /// Called when the user closes the widget.
    pub fn on_exit(mut self, callback: impl Into<Callback<Payload>>) -> Self {
        self.callbacks.on_exit = Some(callback.into());
        self
    }

    /// Called for every widget event.
    pub fn on_event(mut self, callback: impl Into<Callback<WidgetEvent>>) -> Self {
        self.callbacks.on_event = Some(callback.into());
        self
    }

    /// Called whenever the checkout fails (also for an invalid public key).
    pub fn on_error(mut self, callback: impl Into<Callback<FintocError>>) -> Self {
        self.callbacks.on_error = Some(callback.into());
        self
    }

    /// Called on every state change.
    pub fn on_state(mut self, callback: impl Into<Callback<CheckoutState>>) -> Self {
        self.callbacks.on_state = Some(callback.into());
        self
    }

    /// Called with each new session response (e.g. to read your backend's order id from it
    /// with [`SessionResponse::get`]).
    pub fn on_session(mut self, callback: impl Into<Callback<SessionResponse>>) -> Self {
        self.callbacks.on_session = Some(callback.into());
        self
    }

    /// The core configuration, or why the options are invalid.
    pub(crate) fn checkout_config(&self) -> Result<CheckoutConfig, OptionsError> {
        let options = self.options.clone().build()?;
        Ok(CheckoutConfig::new(options, self.session.clone())
            .with_load(self.load.clone())
            .with_mode(self.mode))
    }
}
