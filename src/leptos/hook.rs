//! `use_fintoc_checkout`: the core [`Checkout`] as signals and actions.

use std::rc::Rc;

use leptos::prelude::*;

use crate::checkout::{Checkout, CheckoutConfig, CheckoutState, Subscription};
use crate::error::{FintocError, OptionsError};
use crate::load::LoadOptions;
use crate::session::{SessionResponse, SessionSource};
use crate::widget::{Callbacks, Payload, WidgetEvent, WidgetOptions, WidgetOptionsBuilder};

/// What [`use_fintoc_checkout`] needs. Inputs that change are signals: a new public key or
/// session source recreates the widget, nothing else does.
///
/// ```no_run
/// use fintoc_wasm::leptos::{use_fintoc_checkout, FintocCheckoutOptions};
/// use fintoc_wasm::{SessionEndpoint, SessionSource};
/// use leptos::prelude::*;
///
/// #[component]
/// fn PayButton() -> impl IntoView {
///     let session = Signal::derive_local(|| SessionSource::from(SessionEndpoint::new("/api/checkout")));
///     let checkout = use_fintoc_checkout(FintocCheckoutOptions::new("pk_test_abc", session));
///     view! {
///         <button on:click=move |_| checkout.open() disabled=move || checkout.state.get().is_busy()>
///             "Pagar"
///         </button>
///     }
/// }
/// ```
#[derive(Clone)]
pub struct FintocCheckoutOptions {
    pub(crate) public_key: Signal<String>,
    pub(crate) session: Signal<SessionSource, LocalStorage>,
    pub(crate) widget: Rc<dyn Fn(WidgetOptionsBuilder) -> WidgetOptionsBuilder>,
    pub(crate) load: Signal<LoadOptions>,
    pub(crate) auto_open: Signal<bool>,
    pub(crate) preload: bool,
    pub(crate) on_success: Option<Callback<Payload>>,
    pub(crate) on_exit: Option<Callback<Payload>>,
    pub(crate) on_event: Option<Callback<WidgetEvent>>,
    pub(crate) on_error: Option<Callback<FintocError>>,
    pub(crate) on_state: Option<Callback<CheckoutState>>,
    pub(crate) on_session: Option<Callback<SessionResponse>>,
}

impl FintocCheckoutOptions {
    /// A public key (`pk_test_…`/`pk_live_…`) and where the session comes from.
    pub fn new(
        public_key: impl Into<Signal<String>>,
        session: impl Into<Signal<SessionSource, LocalStorage>>,
    ) -> Self {
        FintocCheckoutOptions {
            public_key: public_key.into(),
            session: session.into(),
            widget: Rc::new(|w| w),
            load: Signal::from(LoadOptions::default()),
            auto_open: Signal::from(false),
            preload: true,
            on_success: None,
            on_exit: None,
            on_event: None,
            on_error: None,
            on_state: None,
            on_session: None,
        }
    }

    /// The other widget options (country, holder type, bank, username, product).
    pub fn widget(
        mut self,
        f: impl Fn(WidgetOptionsBuilder) -> WidgetOptionsBuilder + 'static,
    ) -> Self {
        self.widget = Rc::new(f);
        self
    }

    /// How to load Fintoc.js (URL, CSP nonce, timeout).
    pub fn load(mut self, load: impl Into<Signal<LoadOptions>>) -> Self {
        self.load = load.into();
        self
    }

    /// Open as soon as mounted (and whenever the key or session source changes).
    pub fn auto_open(mut self, auto_open: impl Into<Signal<bool>>) -> Self {
        self.auto_open = auto_open.into();
        self
    }

    /// Start loading the script on mount (default `true`).
    pub fn preload(mut self, preload: bool) -> Self {
        self.preload = preload;
        self
    }

    /// The widget reported success (not proof of payment: the webhook is).
    pub fn on_success(mut self, f: Option<Callback<Payload>>) -> Self {
        self.on_success = f;
        self
    }

    /// The shopper closed the widget.
    pub fn on_exit(mut self, f: Option<Callback<Payload>>) -> Self {
        self.on_exit = f;
        self
    }

    /// Every widget event.
    pub fn on_event(mut self, f: Option<Callback<WidgetEvent>>) -> Self {
        self.on_event = f;
        self
    }

    /// Any failure, with the technical message (never show it to shoppers as is).
    pub fn on_error(mut self, f: Option<Callback<FintocError>>) -> Self {
        self.on_error = f;
        self
    }

    /// Every state change.
    pub fn on_state(mut self, f: Option<Callback<CheckoutState>>) -> Self {
        self.on_state = f;
        self
    }

    /// Each new session response, once per token (e.g. to read your backend's order id).
    pub fn on_session(mut self, f: Option<Callback<SessionResponse>>) -> Self {
        self.on_session = f;
        self
    }

    fn config(&self) -> Result<CheckoutConfig, OptionsError> {
        let builder = (self.widget)(WidgetOptions::builder(self.public_key.get().as_str()));
        let options = builder.build()?;
        Ok(CheckoutConfig::new(options, self.session.get()).load_options(self.load.get()))
    }
}

/// What [`use_fintoc_checkout`] returns: signals to draw your own UI from, and the actions.
/// `Copy`; the actions do nothing once the owner is disposed.
#[derive(Clone, Copy)]
pub struct UseFintocCheckout {
    /// The checkout's state (an invalid public key reads as `Failed`).
    pub state: Signal<CheckoutState>,
    /// Fintoc's hosted page for the current session, when the session had a safe one.
    pub redirect_url: Signal<Option<String>>,
    held: StoredValue<Option<Held>, LocalStorage>,
}

struct Held {
    checkout: Rc<Checkout>,
    _subscription: Subscription,
}

impl UseFintocCheckout {
    fn with(&self, f: impl FnOnce(&Checkout)) {
        // The Rc is cloned out first: no arena borrow is held while the checkout calls JS.
        let checkout = self
            .held
            .try_with_value(|h| h.as_ref().map(|h| h.checkout.clone()))
            .flatten();
        if let Some(checkout) = checkout {
            f(&checkout);
        }
    }

    /// Opens the widget (preparing first if needed).
    pub fn open(&self) {
        self.with(Checkout::open);
    }

    /// Prepares ahead of the click (script and session token).
    pub fn prepare(&self) {
        self.with(Checkout::prepare);
    }

    /// Hides the open widget.
    pub fn hide(&self) {
        self.with(Checkout::hide);
    }

    /// Tries again after a failure, and opens.
    pub fn retry(&self) {
        self.with(Checkout::retry);
    }

    /// Forgets the session (e.g. after success, to pay for another order).
    pub fn reset(&self) {
        self.with(Checkout::reset);
    }
}

/// A Fintoc checkout for components that draw their own UI (the
/// [`FintocCheckout`](super::FintocCheckout) component is built on it).
///
/// Runs under the current reactive owner: the config is applied whenever its signals change
/// (a new public key or session source destroys the old widget first), the script preloads on
/// mount, and when the owner is disposed (unmount) the checkout is dropped — preparation
/// cancelled, widget destroyed, no callback after. **SSR**: everything that touches the browser
/// runs in effects, which do not run on the server, so the server renders the idle state.
pub fn use_fintoc_checkout(options: FintocCheckoutOptions) -> UseFintocCheckout {
    let state = RwSignal::new(CheckoutState::Idle);
    let redirect_url = RwSignal::new(None::<String>);
    let held: StoredValue<Option<Held>, LocalStorage> = StoredValue::new_local(None);
    let options = StoredValue::new_local(options);
    let report = move |s: &CheckoutState| {
        let (on_state, on_error) = options.with_value(|o| (o.on_state, o.on_error));
        if let Some(on_state) = on_state {
            let _ = on_state.try_run(s.clone());
        }
        if let CheckoutState::Failed(e) = s {
            crate::browser::debug_console_error(e);
            if let Some(on_error) = on_error {
                let _ = on_error.try_run(e.clone());
            }
        }
    };
    let build = move |config: CheckoutConfig| -> Held {
        let (on_success, on_exit, on_event) =
            options.with_value(|o| (o.on_success, o.on_exit, o.on_event));
        let callbacks = Callbacks::new()
            .on_success(move |p| {
                if let Some(f) = on_success {
                    let _ = f.try_run(p);
                }
            })
            .on_exit(move |p| {
                if let Some(f) = on_exit {
                    let _ = f.try_run(p);
                }
            })
            .on_event(move |e| {
                if let Some(f) = on_event {
                    let _ = f.try_run(e);
                }
            });
        let checkout = Rc::new(Checkout::new(config, callbacks));
        let weak = Rc::downgrade(&checkout);
        let on_session = options.with_value(|o| o.on_session);
        let last_token = std::cell::RefCell::new(None::<String>);
        let subscription = checkout.subscribe(move |s| {
            state.try_set(s.clone());
            let session = weak.upgrade().and_then(|c| c.session());
            redirect_url.try_set(session.as_ref().and_then(|r| r.redirect_url.clone()));
            // A session arrives with the move out of Preparing/Opening: each token once.
            if let (Some(session), Some(on_session)) = (session, on_session) {
                let token = session.token.as_str().to_owned();
                let new = last_token.borrow().as_deref() != Some(token.as_str());
                if new {
                    *last_token.borrow_mut() = Some(token);
                    let _ = on_session.try_run(session);
                }
            }
            report(s);
        });
        Held {
            checkout,
            _subscription: subscription,
        }
    };

    // One effect, so the order is fixed: the config (tracked) is applied to the checkout
    // (created on first use); then, when `auto_open` is on, the widget opens — on mount and on a
    // new identity only (an equal source re-evaluated by some other signal is not new). Its value
    // is what the next run compares with: the identity it opened for, and the config error it
    // reported (each distinct error is reported once).
    type Seen = (Option<(String, SessionSource)>, Option<OptionsError>);
    Effect::new(move |previous: Option<Seen>| -> Seen {
        let (opened_for, reported) = previous.unwrap_or((None, None));
        let config = options.with_value(FintocCheckoutOptions::config);
        let auto_open = options.with_value(|o| o.auto_open.get());
        match config {
            Ok(config) => {
                let identity = (
                    config.options().public_key().as_str().to_owned(),
                    config.session().clone(),
                );
                let existing = held
                    .try_with_value(|h| h.as_ref().map(|h| h.checkout.clone()))
                    .flatten();
                let checkout = match existing {
                    Some(checkout) => {
                        checkout.set_config(config);
                        checkout
                    }
                    None => {
                        let new = build(config);
                        let preload = options.with_value(|o| o.preload);
                        if preload {
                            new.checkout.preload();
                        }
                        state.set(new.checkout.state());
                        let checkout = new.checkout.clone();
                        held.set_value(Some(new));
                        checkout
                    }
                };
                let new_identity = opened_for.as_ref() != Some(&identity);
                if auto_open && new_identity {
                    checkout.open();
                    (Some(identity), None)
                } else {
                    (opened_for.filter(|_| auto_open), None)
                }
            }
            Err(e) => {
                let old = held.try_update_value(Option::take).flatten();
                drop(old); // stops whatever the last valid config started
                let failed = CheckoutState::Failed(e.clone().into());
                state.set(failed.clone());
                if reported.as_ref() != Some(&e) {
                    report(&failed);
                }
                (None, Some(e))
            }
        }
    });

    // Unmount: drop the checkout (preparation cancelled, widget destroyed, callbacks silent).
    on_cleanup(move || {
        let taken = held.try_update_value(Option::take).flatten();
        drop(taken);
    });

    UseFintocCheckout {
        state: state.into(),
        redirect_url: redirect_url.into(),
        held,
    }
}
