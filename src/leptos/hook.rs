//! `use_fintoc_checkout`: the core [`Checkout`] as signals and actions.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::checkout::{Checkout, CheckoutConfig, CheckoutMode, CheckoutState, Subscription};
use crate::error::{FintocError, OptionsError};
use crate::load::LoadOptions;
use crate::session::{SessionResponse, SessionSource};
use crate::ui::NewSessions;
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
            .load_options(self.load.clone())
            .mode(self.mode))
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

/// What the hook holds: the checkout of the last valid config, or why the config is invalid.
#[derive(Default)]
pub(crate) struct Slot {
    held: Option<Held>,
    invalid: Option<OptionsError>,
}

struct Held {
    checkout: Rc<Checkout>,
    _subscription: Subscription,
}

impl Slot {
    fn state(&self) -> CheckoutState {
        match (&self.invalid, &self.held) {
            (Some(e), _) => CheckoutState::Failed(e.clone().into()),
            (None, Some(held)) => held.checkout.state(),
            (None, None) => CheckoutState::Idle,
        }
    }
}

/// The state the slot holds (`Idle` off the browser, or once disposed).
fn state_in(slot: Option<StoredValue<Slot, LocalStorage>>) -> CheckoutState {
    slot.and_then(|slot| slot.try_with_value(Slot::state))
        .unwrap_or(CheckoutState::Idle)
}

impl UseFintocCheckout {
    /// The checkout, cloned out of the arena: no borrow is held while it calls JS.
    pub(crate) fn checkout(&self) -> Option<Rc<Checkout>> {
        self.slot?
            .try_with_value(|s| s.held.as_ref().map(|h| h.checkout.clone()))
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

    // Tells the shop (its callbacks run with no borrow of ours held).
    let report = {
        let options = options.clone();
        // Untracked: a signal the shop reads in its callback never becomes a dependency of the
        // hook's config effect, which some of these calls run inside.
        move |s: &CheckoutState| {
            untrack(|| {
                if let Some(on_state) = options.on_state {
                    let _ = on_state.try_run(s.clone());
                }
                if let CheckoutState::Failed(e) = s {
                    crate::browser::debug_console_error(e);
                    if let Some(on_error) = options.on_error {
                        let _ = on_error.try_run(e.clone());
                    }
                }
            })
        }
    };
    let report = Rc::new(report);

    // The effect's memory between runs: the identity auto-open last opened for.
    let opened_for: RefCell<Option<CheckoutConfig>> = RefCell::new(None);
    let effect_options = options.clone();
    let effect_report = report.clone();
    Effect::new(move || {
        let Some(slot) = slot else { return };
        let options = &effect_options;
        let config = options.config();
        let auto_open = options.auto_open.get();
        let config = match config {
            Ok(config) => config,
            Err(e) => {
                *opened_for.borrow_mut() = None;
                // Stops whatever the last valid config started; each distinct error once.
                let (old, repeated) = slot
                    .try_update_value(|s| {
                        let repeated = s.invalid.as_ref() == Some(&e);
                        s.invalid = Some(e.clone());
                        (s.held.take(), repeated)
                    })
                    .unwrap_or((None, true));
                drop(old);
                changed.notify();
                if !repeated {
                    effect_report(&CheckoutState::Failed(e.into()));
                }
                return;
            }
        };
        let identity = config.clone();
        let checkout = match slot.try_with_value(|s| s.held.as_ref().map(|h| h.checkout.clone())) {
            Some(Some(checkout)) => {
                checkout.set_config(config);
                checkout
            }
            Some(None) => {
                let held = hold(config, options, &effect_report, changed);
                let checkout = held.checkout.clone();
                slot.update_value(|s| {
                    s.held = Some(held);
                    s.invalid = None;
                });
                if options.preload {
                    checkout.preload(); // nothing to load in redirect mode
                }
                changed.notify();
                checkout
            }
            None => return, // disposed
        };
        // Auto-open on mount and on a new identity only (an equal source re-evaluated by some
        // other signal is not new); a widget the shopper closed stays closed.
        let new_identity = !opened_for
            .borrow()
            .as_ref()
            .is_some_and(|opened| opened.same_identity(&identity));
        if !auto_open {
            *opened_for.borrow_mut() = None;
        } else if new_identity {
            *opened_for.borrow_mut() = Some(identity);
            checkout.open();
        }
    });

    // Unmount: drop the checkout (preparation cancelled, widget destroyed, callbacks silent).
    on_cleanup(move || {
        let taken = slot.and_then(|slot| slot.try_update_value(|s| s.held.take()).flatten());
        drop(taken);
    });

    let state = Signal::derive(move || {
        changed.track();
        state_in(slot)
    });
    let redirect_url = Signal::derive(move || {
        changed.track();
        slot.and_then(|slot| {
            slot.try_with_value(|s| s.held.as_ref().and_then(|h| h.checkout.redirect_url()))
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

/// A checkout for `config` whose every state change notifies `changed` and reaches the shop's
/// callbacks (each session once, by its token).
fn hold(
    config: CheckoutConfig,
    options: &Rc<FintocCheckoutOptions>,
    report: &Rc<impl Fn(&CheckoutState) + 'static>,
    changed: Trigger,
) -> Held {
    let (on_success, on_exit, on_event) = (options.on_success, options.on_exit, options.on_event);
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
    let on_session = options.on_session;
    let sessions = NewSessions::default();
    let report = report.clone();
    let subscription = checkout.subscribe(move |s| {
        changed.notify();
        if let Some(on_session) = on_session {
            if let Some(session) = sessions.take(&weak) {
                untrack(|| {
                    let _ = on_session.try_run(session);
                });
            }
        }
        report(s);
    });
    Held {
        checkout,
        _subscription: subscription,
    }
}
