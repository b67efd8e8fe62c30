//! `use_fintoc_checkout`: the core [`Checkout`] as signals and actions.

use std::rc::Rc;

use leptos::prelude::*;

use crate::adapter::{tell, AutoOpen, Binding, ConfigNews, InvalidConfig, Preload, Report};
use crate::checkout::{Checkout, CheckoutConfig, CheckoutMode, CheckoutState};
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
    pub(crate) load: LoadOptions,
    pub(crate) auto_open: Signal<bool>,
    pub(crate) preload: bool,
    pub(crate) mode: CheckoutMode,
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
            load: LoadOptions::default(),
            auto_open: Signal::from(false),
            preload: true,
            mode: CheckoutMode::Widget,
            on_success: None,
            on_exit: None,
            on_event: None,
            on_error: None,
            on_state: None,
            on_session: None,
        }
    }

    /// The other widget options (country, holder type, bank, username, product), read inside
    /// the hook's tracked effect: signals read here are followed (a change reaches the next
    /// widget without recreating this one).
    /// Calls add up, in order (as in the Yew config).
    pub fn widget(
        mut self,
        f: impl Fn(WidgetOptionsBuilder) -> WidgetOptionsBuilder + 'static,
    ) -> Self {
        let earlier = self.widget.clone();
        self.widget = Rc::new(move |w| f(earlier(w)));
        self
    }

    /// How to load Fintoc.js (URL, CSP nonce, timeout).
    pub fn load(mut self, load: LoadOptions) -> Self {
        self.load = load;
        self
    }

    /// Open as soon as mounted (and whenever the key or session source changes). In redirect
    /// mode this leaves for Fintoc's hosted page as soon as the session arrives.
    pub fn auto_open(mut self, auto_open: impl Into<Signal<bool>>) -> Self {
        self.auto_open = auto_open.into();
        self
    }

    /// The widget, Fintoc's hosted page, or the widget with the hosted page when its script is
    /// blocked (see [`CheckoutMode`]).
    pub fn mode(mut self, mode: CheckoutMode) -> Self {
        self.mode = mode;
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

    /// The config its signals describe now (read tracked, inside the hook's effect).
    fn config(&self) -> Result<CheckoutConfig, OptionsError> {
        let builder = (self.widget)(WidgetOptions::builder(self.public_key.get().as_str()));
        let options = builder.build()?;
        Ok(CheckoutConfig::new(options, self.session.get())
            .with_load(self.load.clone())
            .with_mode(self.mode))
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
    /// `None` off the browser (server-side rendering): nothing thread-local is made there, so
    /// a multi-threaded server may drop the page's owner on any thread.
    pub(crate) slot: Option<StoredValue<Slot, LocalStorage>>,
    /// Notified on every state change (the signals above read through it).
    pub(crate) changed: Trigger,
}

/// What the hook holds: the checkout of the last valid config, and whether the config is
/// invalid now.
#[derive(Default)]
pub(crate) struct Slot {
    binding: Option<Binding>,
    invalid: InvalidConfig,
}

impl Slot {
    fn state(&self) -> CheckoutState {
        match (self.invalid.error(), &self.binding) {
            (Some(e), _) => CheckoutState::Failed(e.clone().into()),
            (None, Some(binding)) => binding.checkout().state(),
            (None, None) => CheckoutState::Idle,
        }
    }
}

/// The state the slot holds (`Idle` off the browser, or once disposed).
fn state_in(slot: Option<StoredValue<Slot, LocalStorage>>) -> CheckoutState {
    slot.and_then(|slot| slot.try_with_value(Slot::state))
        .unwrap_or(CheckoutState::Idle)
}

/// The Leptos side of [`Report`]: the `changed` trigger, and the shop's callbacks, run
/// untracked (a signal the shop reads in one never becomes a dependency of the hook's config
/// effect, which some of these calls run inside).
struct LeptosReport {
    options: Rc<FintocCheckoutOptions>,
    changed: Trigger,
}

impl Report for LeptosReport {
    fn changed(&self) {
        self.changed.notify();
    }

    fn wants_sessions(&self) -> bool {
        self.options.on_session.is_some()
    }

    fn session(&self, session: SessionResponse) {
        if let Some(f) = self.options.on_session {
            untrack(|| f.try_run(session));
        }
    }

    fn state(&self, state: &CheckoutState) {
        if let Some(f) = self.options.on_state {
            untrack(|| f.try_run(state.clone()));
        }
    }

    fn error(&self, error: &FintocError) {
        if let Some(f) = self.options.on_error {
            untrack(|| f.try_run(error.clone()));
        }
    }
}

impl UseFintocCheckout {
    /// The checkout, cloned out of the arena: no borrow is held while it calls JS.
    pub(crate) fn checkout(&self) -> Option<Rc<Checkout>> {
        self.slot?
            .try_with_value(|s| s.binding.as_ref().map(|b| b.checkout().clone()))
            .flatten()
    }

    /// The state now, untracked.
    pub(crate) fn state_now(&self) -> CheckoutState {
        state_in(self.slot)
    }

    fn with(&self, f: impl FnOnce(&Checkout)) {
        if let Some(checkout) = self.checkout() {
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
    let changed = Trigger::new();
    // Browser only: a thread-local value made while rendering on a multi-threaded server panics
    // when another thread drops it (effects, where it is used, never run there anyway).
    let slot: Option<StoredValue<Slot, LocalStorage>> =
        crate::browser::IS_BROWSER_TARGET.then(|| StoredValue::new_local(Slot::default()));
    let options = Rc::new(options);

    // The effect's memory between runs: the identity auto-open last opened for, the script
    // preloaded (`adapter::AutoOpen`, `adapter::Preload`).
    let auto = std::cell::RefCell::new(AutoOpen::default());
    let preloaded = std::cell::RefCell::new(Preload::default());
    let report = LeptosReport {
        options: options.clone(),
        changed,
    };
    Effect::new(move || {
        let Some(slot) = slot else { return };
        let built = report.options.config();
        let auto_open = report.options.auto_open.get();
        // Recorded in the slot (the state signal reads it); told after the arena borrow ends.
        let Some(news) = slot.try_update_value(|s| s.invalid.record(&built)) else {
            return; // disposed
        };
        let config = match built {
            Ok(config) => config,
            Err(_) => {
                // Stops whatever the last valid config started.
                let old = slot.try_update_value(|s| s.binding.take()).flatten();
                drop(old);
                let _ = auto.borrow_mut().due(false, None);
                changed.notify();
                if let ConfigNews::Invalid(error) = news {
                    tell(&report, &CheckoutState::Failed(error.into()));
                }
                return;
            }
        };
        let checkout =
            match slot.try_with_value(|s| s.binding.as_ref().map(|b| b.checkout().clone())) {
                Some(Some(checkout)) => {
                    checkout.set_config(config.clone());
                    checkout
                }
                Some(None) => {
                    let binding = Binding::new(
                        config.clone(),
                        widget_callbacks(&report.options),
                        LeptosReport {
                            options: report.options.clone(),
                            changed,
                        },
                    );
                    let checkout = binding.checkout().clone();
                    slot.update_value(|s| s.binding = Some(binding));
                    changed.notify();
                    checkout
                }
                None => return, // disposed
            };
        // Fixed after an invalid one: the shop hears the state shown again (its `on_state`
        // said `failed` last), before the states this configuration brings.
        if let ConfigNews::Fixed = news {
            tell(&report, &checkout.state());
        }
        let preload = preloaded.borrow_mut().due(report.options.preload, &config);
        if preload {
            checkout.preload();
        }
        // Auto-open on mount and on a new identity only (an equal source re-evaluated by some
        // other signal is not new); a widget the shopper closed stays closed.
        let due = auto.borrow_mut().due(auto_open, Some(&config));
        if due {
            checkout.open();
        }
    });

    // Unmount: drop the binding (preparation cancelled, widget destroyed, callbacks silent).
    on_cleanup(move || {
        let taken = slot.and_then(|slot| slot.try_update_value(|s| s.binding.take()).flatten());
        drop(taken);
    });

    let state = Signal::derive(move || {
        changed.track();
        state_in(slot)
    });
    let redirect_url = Signal::derive(move || {
        changed.track();
        slot.and_then(|slot| {
            slot.try_with_value(|s| s.binding.as_ref().and_then(|b| b.checkout().redirect_url()))
                .flatten()
        })
    });
    UseFintocCheckout {
        state,
        redirect_url,
        slot,
        changed,
    }
}

/// The shop's widget callbacks (Leptos callbacks are `Copy` and outlive nothing: a disposed
/// one is skipped).
fn widget_callbacks(options: &FintocCheckoutOptions) -> Callbacks {
    let (on_success, on_exit, on_event) = (options.on_success, options.on_exit, options.on_event);
    Callbacks::new()
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
        })
}
