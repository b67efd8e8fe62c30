//! The checkout state machine every adapter (Yew, Leptos, the JS package) drives.
//!
//! - `prepare()` loads the script and gets the session token **concurrently**: it takes as
//!   long as the slower of the two, not their sum. The widget is created when both are there.
//! - `open()` prepares first if needed (a second `open()` while preparing joins the first: one
//!   session request, one widget) and gets a new token when the old one went stale — but never
//!   while the widget is open: a customer mid-payment keeps their widget.
//! - `cancel()`, `reset()` or dropping the [`Checkout`] while preparing means no widget is ever
//!   created and no callback fires later; the session request is aborted. The same holds when
//!   they are called from a callback Fintoc fires synchronously inside `Fintoc.create`.
//! - [`Checkout::run`] is the same flow as one `async` call that resolves with the [`Outcome`].
//! - State changes are published to [`Checkout::subscribe`]rs; no `RefCell` borrow is held while
//!   subscribers, callbacks or any JS run, so they may call back into the checkout.
//!
//! Internally the whole state is one enum (`Phase`), from which the public [`CheckoutState`] is
//! derived: a widget exists only in the phases that hold one, a preparation only while
//! preparing.

use crate::prelude::*;
mod config;
pub mod return_url;
mod state;

use alloc::rc::{Rc, Weak};
use core::cell::{Cell, RefCell};
use core::fmt;

pub use config::{CheckoutConfig, CheckoutMode};
pub use return_url::{ReturnUrl, Returned};
pub use state::{CheckoutState, Outcome};

use crate::browser;
use crate::error::{FintocError, LoadError, SessionError};
use crate::load::{self, Fintoc};
use crate::session::{SessionResponse, SessionToken};
use crate::task::{cancellable, read, write, Cancel, Shared};
use crate::widget::{Callbacks, Payload, Widget, WidgetEvent};

/// A checkout: prepares the widget, opens it, and tracks its [`CheckoutState`].
///
/// Dropping it cancels any preparation and destroys the widget; no callback fires afterwards.
///
/// ```no_run
/// use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, CheckoutState, SessionSource, WidgetOptions};
///
/// # fn run() -> Result<(), fintoc_wasm::error::OptionsError> {
/// let options = WidgetOptions::builder("pk_test_abc").build()?;
/// let checkout = Checkout::new(
///     CheckoutConfig::new(options, SessionSource::endpoint("/api/checkout")),
///     Callbacks::new().on_success(|_| { /* poll your order until the webhook confirms it */ }),
/// );
/// let _subscription = checkout.subscribe(|state| {
///     if let CheckoutState::Failed(err) = state {
///         let message = err.to_string(); // for developers; shoppers get a friendly text
///     }
/// });
/// checkout.preload(); // the script now
/// checkout.prepare(); // or on hover: the token too, so the click opens at once
/// checkout.open(); // on click
/// # Ok(()) }
/// ```
pub struct Checkout {
    inner: Rc<Inner>,
}

/// A subscriber hears each state with the outcome it carries (`Succeeded`/`Exited` only), so
/// `run()` never reads an outcome from a phase that has moved on since.
type Subscriber = Rc<dyn Fn(&CheckoutState, Option<&Outcome>)>;

struct Inner {
    /// In an `Rc` so that it is read without holding the borrow while JS runs.
    config: RefCell<Rc<CheckoutConfig>>,
    callbacks: RefCell<Callbacks>,
    phase: RefCell<Phase>,
    /// The last session obtained: its token is reused while fresh (after a failed script load,
    /// say), its `redirect_url` is the hosted-page fallback. Forgotten by `reset()`, after a
    /// success, and when the widget refused its token.
    session: RefCell<Option<SessionResponse>>,
    subscribers: RefCell<Vec<(u64, Subscriber)>>,
    next_id: Cell<u64>,
    /// Subscribers are being told of a state; `deferred`: one of them changed it meanwhile.
    publishing: Cell<bool>,
    deferred: Cell<bool>,
    /// Counts phase changes: a widget call that returns after its own callbacks moved the
    /// phase must not overwrite what they did.
    epoch: Cell<u64>,
    /// Counts `hide()`s that hid something: every run started before one ends `Hidden`.
    hides: Cell<u64>,
}

/// The one state. Each variant holds exactly what exists in it.
enum Phase {
    Idle,
    Preparing(Preparing),
    Ready(Rc<Widget>),
    Open(Rc<Widget>),
    Succeeded {
        widget: Option<Rc<Widget>>,
        payload: Payload,
    },
    Exited {
        widget: Option<Rc<Widget>>,
        payload: Payload,
    },
    /// Redirect mode: the session is there (prepared ahead of the click); no widget.
    Prepared,
    /// The page is going to Fintoc's hosted page; the listener notices the shopper coming back
    /// to this same page (back-forward cache).
    Redirecting {
        _back: browser::BackListener,
    },
    Failed(FintocError),
}

struct Preparing {
    /// Which preparation: results of an older one are ignored.
    id: u64,
    want_open: bool,
    /// Redirect mode: no script is loaded, the session is all there is to wait for.
    redirect: bool,
    loaded: Option<Result<Fintoc, LoadError>>,
    session: Option<Result<SessionResponse, SessionError>>,
    /// Aborts the session request in flight (when this preparation is dropped).
    request: Option<Cancel>,
}

impl Drop for Preparing {
    fn drop(&mut self) {
        if let Some(request) = self.request.take() {
            request.cancel();
        }
    }
}

impl Phase {
    fn state(&self) -> CheckoutState {
        match self {
            Phase::Idle => CheckoutState::Idle,
            Phase::Preparing(p) if p.want_open => CheckoutState::Opening,
            Phase::Preparing(_) => CheckoutState::Preparing,
            Phase::Ready(_) | Phase::Prepared => CheckoutState::Ready,
            Phase::Open(_) => CheckoutState::Open,
            Phase::Redirecting { .. } => CheckoutState::Redirecting,
            Phase::Succeeded { .. } => CheckoutState::Succeeded,
            Phase::Exited { .. } => CheckoutState::Exited,
            Phase::Failed(e) => CheckoutState::Failed(e.clone()),
        }
    }

    fn widget(&self) -> Option<Rc<Widget>> {
        match self {
            Phase::Ready(w) | Phase::Open(w) => Some(w.clone()),
            Phase::Succeeded { widget, .. } | Phase::Exited { widget, .. } => widget.clone(),
            _ => None,
        }
    }

    /// The outcome a `Succeeded`/`Exited` phase holds.
    fn outcome(&self) -> Option<Outcome> {
        match self {
            Phase::Succeeded { payload, .. } => Some(Outcome::Succeeded(payload.clone())),
            Phase::Exited { payload, .. } => Some(Outcome::Exited(payload.clone())),
            _ => None,
        }
    }

    fn holds(&self, widget: &Rc<Widget>) -> bool {
        self.widget().is_some_and(|w| Rc::ptr_eq(&w, widget))
    }
}

enum Arrival {
    Script(Result<Fintoc, LoadError>),
    Session(Result<SessionResponse, SessionError>),
}

impl Checkout {
    /// A checkout in `Idle`. Nothing happens until [`preload`](Self::preload),
    /// [`prepare`](Self::prepare) or [`open`](Self::open).
    pub fn new(config: CheckoutConfig, callbacks: Callbacks) -> Self {
        Checkout {
            inner: Rc::new(Inner {
                config: RefCell::new(Rc::new(config)),
                callbacks: RefCell::new(callbacks),
                phase: RefCell::new(Phase::Idle),
                session: RefCell::new(None),
                subscribers: RefCell::new(Vec::new()),
                next_id: Cell::new(0),
                publishing: Cell::new(false),
                deferred: Cell::new(false),
                epoch: Cell::new(0),
                hides: Cell::new(0),
            }),
        }
    }

    /// The current state.
    pub fn state(&self) -> CheckoutState {
        read(&self.inner.phase).state()
    }

    /// Calls `f` on every state change until the returned [`Subscription`] is dropped.
    pub fn subscribe(&self, f: impl Fn(&CheckoutState) + 'static) -> Subscription {
        self.listen(move |state, _| f(state))
    }

    /// [`subscribe`](Self::subscribe), with the outcome a `Succeeded`/`Exited` state carries.
    fn listen(&self, f: impl Fn(&CheckoutState, Option<&Outcome>) + 'static) -> Subscription {
        let id = self.inner.next();
        write(&self.inner.subscribers).push((id, Rc::new(f)));
        Subscription {
            inner: Rc::downgrade(&self.inner),
            id,
        }
    }

    /// Waits until the state satisfies `pred` (at once if it already does). Tests should bound
    /// it with a deadline.
    pub async fn wait_for(&self, pred: impl Fn(&CheckoutState) -> bool + 'static) -> CheckoutState {
        let current = self.state();
        if pred(&current) {
            return current;
        }
        let seen = Shared::new();
        let subscription = self.subscribe({
            let seen = seen.clone();
            move |state| {
                if pred(state) {
                    seen.set(state.clone());
                }
            }
        });
        let state = seen.wait().await;
        drop(subscription);
        state
    }

    /// Opens the widget and waits until the shopper finishes: the `async` form of the flow
    /// (like stripe-js's `confirmPayment`). Resolves with [`Outcome::Succeeded`] or
    /// [`Outcome::Exited`] (with the widget's payload), [`Outcome::Redirected`] when the page
    /// leaves for Fintoc's hosted page (at once when it already is), [`Outcome::Hidden`] when
    /// the page hides the widget ([`hide`](Self::hide)), or [`Outcome::Cancelled`] when
    /// something cancels or resets the checkout first. Dropping the future cancels the checkout
    /// (no widget left open, no callback later).
    ///
    /// # Errors
    /// The [`FintocError`] of the `Failed` state: script, session or widget; and
    /// [`WidgetError::AlreadySucceeded`](crate::error::WidgetError::AlreadySucceeded) when this
    /// checkout already succeeded (call [`reset`](Self::reset) to take another payment).
    pub async fn run(&self) -> Result<Outcome, FintocError> {
        self.start_run().outcome().await
    }

    /// [`run`](Self::run), started now rather than at the first poll: the widget is asked for
    /// before this returns, so a `cancel()` right after it (the JS API's `open()` then
    /// `destroy()` in one tick) ends the run as `Cancelled` with nothing started.
    pub(crate) fn start_run(&self) -> Run {
        let result: Shared<Result<Outcome, FintocError>> = Shared::new();
        let early = match &*read(&self.inner.phase) {
            Phase::Succeeded { .. } => {
                Some(Err(crate::error::WidgetError::AlreadySucceeded.into()))
            }
            // Already leaving for the hosted page (a second click, a second `run`): no wait.
            Phase::Redirecting { .. } => Some(Ok(Outcome::Redirected)),
            _ => None,
        };
        if let Some(early) = early {
            result.set(early);
            return Run {
                inner: self.inner.clone(),
                result,
                subscription: None,
                armed: false,
            };
        }
        let hides = self.inner.hides.get();
        let weak = Rc::downgrade(&self.inner);
        let subscription = self.listen({
            let result = result.clone();
            // The outcome comes with its state: a subscriber that resets the checkout on
            // `Succeeded` (the next state is `Idle`) cannot turn a payment into `Cancelled`.
            move |state, outcome| match (state, outcome) {
                (_, Some(outcome)) => result.set(Ok(outcome.clone())),
                (CheckoutState::Idle, _) => result.set(Ok(Outcome::Cancelled)),
                (CheckoutState::Redirecting, _) => result.set(Ok(Outcome::Redirected)),
                (CheckoutState::Failed(e), _) => result.set(Err(e.clone())),
                // `hide()` ran since this run started: a count, not an event, so a hide told
                // late (while other subscribers were being told) is not missed.
                _ if weak.upgrade().is_some_and(|i| i.hides.get() != hides) => {
                    result.set(Ok(Outcome::Hidden))
                }
                _ => {}
            }
        });
        self.open();
        Run {
            inner: self.inner.clone(),
            result,
            subscription: Some(subscription),
            armed: true,
        }
    }

    /// Replaces the user callbacks without recreating the widget (the widget always calls the
    /// current ones).
    pub fn set_callbacks(&self, callbacks: Callbacks) {
        *write(&self.inner.callbacks) = callbacks;
    }

    /// Updates the configuration. Another public key or session source (another
    /// [identity](CheckoutConfig)) destroys the widget and returns to `Idle`. Other widget
    /// options (a username the shopper typed after a hover prepared the widget) or another
    /// [`CheckoutMode`] replace a widget that is ready or was closed — never an open one —
    /// keeping its fresh token: the next `open()` uses them at once. The rest applies to the
    /// next widget.
    pub fn set_config(&self, config: CheckoutConfig) {
        let (same, options) = {
            let current = read(&self.inner.config);
            (
                current.same_identity(&config),
                current.options() == config.options()
                    && current.checkout_mode() == config.checkout_mode(),
            )
        };
        *write(&self.inner.config) = Rc::new(config);
        let prepared = matches!(
            &*read(&self.inner.phase),
            Phase::Ready(_) | Phase::Exited { .. } | Phase::Prepared
        );
        if !same {
            self.inner.stop(true);
        } else if !options && prepared {
            self.inner.stop(false);
        }
    }

    /// Replaces the configuration when it has the same identity — e.g. a `from_fn` source
    /// rebuilt with a newer closure — and returns `true`; otherwise changes nothing and returns
    /// `false` (use [`set_config`](Self::set_config)). Never calls into the browser, so an
    /// adapter may call it while rendering.
    #[cfg_attr(not(feature = "yew"), allow(dead_code))]
    pub(crate) fn refresh_config(&self, config: CheckoutConfig) -> bool {
        let same = read(&self.inner.config).same_identity(&config);
        if same {
            *write(&self.inner.config) = Rc::new(config);
        }
        same
    }

    /// The current configuration.
    pub fn config(&self) -> CheckoutConfig {
        (**read(&self.inner.config)).clone()
    }

    /// Starts loading the script (no session request). Off-browser, and in redirect mode
    /// (nothing to load), it does nothing.
    pub fn preload(&self) {
        let config = read(&self.inner.config).clone();
        if config.checkout_mode() != CheckoutMode::Redirect {
            load::preload(config.load());
        }
    }

    /// Loads the script and gets the token concurrently, then creates the (hidden) widget:
    /// `Idle → Preparing → Ready`. Does nothing while preparing, while open, or when a widget
    /// with a fresh token is ready. Call it when the shopper shows intent (the pointer enters
    /// the pay button, it gets focus) so the click opens at once.
    pub fn prepare(&self) {
        self.inner.prepare();
    }

    /// Opens the widget, preparing first if needed (joining a preparation in progress) and
    /// getting a new token when the old one went stale. No effect while open or after success
    /// (see [`reset`](Self::reset)).
    pub fn open(&self) {
        self.inner.open();
    }

    /// Hides an open widget (`Open → Ready`); `open()` shows it again. While preparing, the
    /// widget will not open by itself when ready.
    pub fn hide(&self) {
        self.inner.hide();
    }

    /// Stops everything: aborts a preparation (no widget will be created, no callback fires),
    /// destroys the widget, returns to `Idle`. A fresh token is kept for the next `open()`.
    pub fn cancel(&self) {
        self.inner.stop(false);
    }

    /// Like [`cancel`](Self::cancel), and forgets the token and fallback URL: the next `open()`
    /// starts a new session (e.g. after `Succeeded`, to pay for another order).
    pub fn reset(&self) {
        self.inner.stop(true);
    }

    /// After a failure: tries again and opens (like [`open`](Self::open)). A still-fresh token is
    /// reused after a script or session failure; a token the widget refused is never reused: a
    /// new session is fetched.
    pub fn retry(&self) {
        self.inner.open();
    }

    /// Fintoc's hosted checkout page for the current session, when the session response had a
    /// safe one: the fallback to offer when the widget cannot load.
    pub fn redirect_url(&self) -> Option<String> {
        read(&self.inner.session)
            .as_ref()
            .and_then(|s| s.redirect_url.clone())
    }

    /// The current session token, if one was obtained.
    pub fn session_token(&self) -> Option<SessionToken> {
        read(&self.inner.session).as_ref().map(|s| s.token.clone())
    }

    /// The whole session response the token came from, e.g. to read your backend's own fields
    /// (an order id) with [`SessionResponse::get`].
    pub fn session(&self) -> Option<SessionResponse> {
        read(&self.inner.session).clone()
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        write(&self.inner.subscribers).clear();
        // Dropped outside the borrow: destroying the widget calls into JS.
        let phase = core::mem::replace(&mut *write(&self.inner.phase), Phase::Idle);
        drop(phase);
    }
}

impl fmt::Debug for Checkout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkout")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// A run started by [`Checkout::start_run`]: its outcome, and the checkout cancelled when it is
/// dropped before the outcome arrived.
pub(crate) struct Run {
    inner: Rc<Inner>,
    result: Shared<Result<Outcome, FintocError>>,
    subscription: Option<Subscription>,
    armed: bool,
}

impl Run {
    /// Waits for the outcome.
    pub(crate) async fn outcome(mut self) -> Result<Outcome, FintocError> {
        let outcome = self.result.wait().await;
        self.armed = false;
        outcome
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        drop(self.subscription.take());
        if self.armed {
            self.inner.stop(false);
        }
    }
}

/// Keeps a [`Checkout::subscribe`] callback registered; drop it to unsubscribe.
///
/// ```no_run
/// # fn f(checkout: &fintoc_wasm::Checkout) {
/// let subscription = checkout.subscribe(|state| web_sys::console::log_1(&state.name().into()));
/// drop(subscription); // no more calls
/// # }
/// ```
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription {
    inner: Weak<Inner>,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            write(&inner.subscribers).retain(|(id, _)| *id != self.id);
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription").finish_non_exhaustive()
    }
}

impl Inner {
    fn next(&self) -> u64 {
        self.next_id.set(self.next_id.get() + 1);
        self.next_id.get()
    }

    /// Moves to `phase`: the old one is dropped (destroying a widget it alone held, aborting a
    /// session request) and subscribers hear of a state change, all with no borrow held.
    fn set_phase(&self, phase: Phase) {
        self.epoch.set(self.epoch.get() + 1);
        let (old, changed, after, outcome) = {
            let mut current = write(&self.phase);
            // What a subscriber can see: the state's name (an error is always news).
            let changed = match (&*current, &phase) {
                (_, Phase::Failed(_)) => true,
                (Phase::Preparing(a), Phase::Preparing(b)) => a.want_open != b.want_open,
                (a, b) => core::mem::discriminant(a) != core::mem::discriminant(b),
            };
            let (after, outcome) = (phase.state(), phase.outcome());
            (
                core::mem::replace(&mut *current, phase),
                changed,
                after,
                outcome,
            )
        };
        drop(old);
        if changed {
            self.publish(after, outcome);
        }
    }

    /// Tells every subscriber, with no borrow held while they run. A change a subscriber makes
    /// while the others are being told is told after them (the latest state, once they have all
    /// heard this one): every subscriber hears the states in the order they happened.
    fn publish(&self, state: CheckoutState, outcome: Option<Outcome>) {
        if self.publishing.replace(true) {
            self.deferred.set(true);
            return;
        }
        let (mut state, mut outcome) = (state, outcome);
        loop {
            // Subscribers in the order they came (ids only grow), each looked up afresh: one
            // that an earlier subscriber removed (by unsubscribing it or dropping the checkout)
            // is not called, and one added meanwhile waits for the next state.
            let (mut after, last) = (0, self.next_id.get());
            loop {
                let next = read(&self.subscribers)
                    .iter()
                    .find(|(id, _)| *id > after && *id <= last)
                    .map(|(id, f)| (*id, f.clone()));
                let Some((id, f)) = next else { break };
                after = id;
                f(&state, outcome.as_ref());
            }
            if !self.deferred.replace(false) {
                break;
            }
            let phase = read(&self.phase);
            (state, outcome) = (phase.state(), phase.outcome());
        }
        self.publishing.set(false);
    }

    /// The last session, if its token is still fresh.
    fn fresh_session(&self) -> Option<SessionResponse> {
        self.has_fresh_session()
            .then(|| read(&self.session).clone())
            .flatten()
    }

    /// Whether the last session's token is still fresh. The clock (a call into JS) is read
    /// before any borrow.
    fn has_fresh_session(&self) -> bool {
        let now = browser::now_ms();
        read(&self.session)
            .as_ref()
            .is_some_and(|s| !s.token.is_stale_at(now))
    }

    fn prepare(self: &Rc<Self>) {
        let fresh = self.has_fresh_session();
        let start = match &*read(&self.phase) {
            Phase::Idle | Phase::Failed(_) => true,
            Phase::Ready(_) | Phase::Exited { .. } | Phase::Prepared => !fresh,
            Phase::Preparing(_)
            | Phase::Open(_)
            | Phase::Succeeded { .. }
            | Phase::Redirecting { .. } => false,
        };
        if start {
            self.start_preparing(false);
        }
    }

    fn open(self: &Rc<Self>) {
        let fresh = self.has_fresh_session();
        let widget = {
            let mut phase = write(&self.phase);
            match &mut *phase {
                // A customer mid-payment keeps their widget, whatever its token's age.
                Phase::Open(_) | Phase::Succeeded { .. } | Phase::Redirecting { .. } => return,
                Phase::Preparing(p) => {
                    let was = core::mem::replace(&mut p.want_open, true);
                    drop(phase);
                    if !was {
                        self.publish(CheckoutState::Opening, None);
                    }
                    return;
                }
                Phase::Ready(w)
                | Phase::Exited {
                    widget: Some(w), ..
                } => fresh.then(|| w.clone()),
                Phase::Idle
                | Phase::Failed(_)
                | Phase::Exited { widget: None, .. }
                // Redirect mode: preparing with a fresh session goes at once.
                | Phase::Prepared => None,
            }
        };
        match widget {
            Some(widget) => self.show(widget),
            // No widget, or one whose token went stale (it is destroyed as the phase moves on).
            None => self.start_preparing(true),
        }
    }

    fn hide(&self) {
        let widget = {
            let mut phase = write(&self.phase);
            match &mut *phase {
                Phase::Open(w) => w.clone(),
                Phase::Preparing(p) => {
                    let was = core::mem::replace(&mut p.want_open, false);
                    drop(phase);
                    if was {
                        self.hides.set(self.hides.get() + 1);
                        self.publish(CheckoutState::Preparing, None);
                    }
                    return;
                }
                _ => return,
            }
        };
        self.hides.set(self.hides.get() + 1);
        let before = self.epoch.get();
        match widget.hide() {
            // Unless the widget's own callbacks (an `onExit` fired by `hide()`) moved the phase.
            Ok(()) if self.epoch.get() == before => self.set_phase(Phase::Ready(widget)),
            Ok(()) => {}
            Err(e) => self.set_phase(Phase::Failed(e.into())),
        }
    }

    fn stop(&self, forget_session: bool) {
        let succeeded = matches!(&*read(&self.phase), Phase::Succeeded { .. });
        if forget_session || succeeded {
            *write(&self.session) = None;
        }
        self.set_phase(Phase::Idle);
    }

    fn start_preparing(self: &Rc<Self>, want_open: bool) {
        if browser::window().is_none() {
            self.set_phase(Phase::Failed(LoadError::NotInBrowser.into()));
            return;
        }
        let id = self.next();
        let config = read(&self.config).clone();
        let (source, load) = (config.session().clone(), config.load().clone());
        // Redirect mode, or the hosted page already chosen for this session (`Prepared`: its
        // script was blocked in `WidgetOrRedirect`).
        let redirect = config.checkout_mode() == CheckoutMode::Redirect
            || matches!(&*read(&self.phase), Phase::Prepared);
        let fresh = self.fresh_session();
        if let (true, Some(session)) = (redirect, &fresh) {
            // The hosted page needs nothing but the session, and it is here.
            return self.hosted(want_open, session);
        }
        // The `<script>` goes into the page now; the task below joins that load.
        if !redirect {
            load::preload(&load);
        }
        let weak = Rc::downgrade(self);
        let (session, request) = match fresh {
            Some(session) => (Some(Ok(session)), None),
            None => {
                let (request, cancel) = cancellable(async move { source.get().await });
                let weak = weak.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let (Some(result), Some(inner)) = (request.await, weak.upgrade()) {
                        inner.arrived(id, Arrival::Session(result));
                    }
                });
                (None, Some(cancel))
            }
        };
        // Both requests are out in this same turn: the token request runs while the script
        // loads.
        if !redirect {
            wasm_bindgen_futures::spawn_local(async move {
                let result = load::load_fintoc_with(&load).await;
                if let Some(inner) = weak.upgrade() {
                    inner.arrived(id, Arrival::Script(result));
                }
            });
        }
        self.set_phase(Phase::Preparing(Preparing {
            id,
            want_open,
            redirect,
            loaded: None,
            session,
            request,
        }));
    }

    fn arrived(self: &Rc<Self>, id: u64, arrival: Arrival) {
        let done = {
            let mut phase = write(&self.phase);
            let Phase::Preparing(p) = &mut *phase else {
                return;
            };
            if p.id != id {
                return;
            }
            match arrival {
                Arrival::Script(result) => p.loaded = Some(result),
                Arrival::Session(result) => {
                    p.session = Some(result);
                    p.request = None;
                }
            }
            match (p.loaded.take(), p.session.take()) {
                // A failed session needs no script: the shopper hears of it at once (the load
                // goes on for the next attempt).
                (_, Some(Err(e))) => Some(Err(e.into())),
                (_, Some(Ok(session))) if p.redirect => Some(Ok((None, session))),
                (Some(loaded), Some(Ok(session))) => Some(Ok((Some(loaded), session))),
                (loaded, session) => {
                    p.loaded = loaded;
                    p.session = session;
                    None
                }
            }
        };
        match done {
            Some(Ok((loaded, session))) => self.finish(id, loaded, session),
            Some(Err(e)) => self.set_phase(Phase::Failed(e)),
            None => {}
        }
    }

    /// Both the script and the session are in (redirect mode: the session; `loaded` is
    /// `None`): create the widget (hidden), then open it if asked to meanwhile — or go to the
    /// hosted page.
    fn finish(
        self: &Rc<Self>,
        id: u64,
        loaded: Option<Result<Fintoc, LoadError>>,
        session: SessionResponse,
    ) {
        *write(&self.session) = Some(session.clone());
        let want_open = matches!(&*read(&self.phase), Phase::Preparing(p) if p.want_open);
        let fintoc = match loaded {
            Some(Ok(fintoc)) => fintoc,
            None => return self.hosted(want_open, &session),
            // The script is blocked: the shopper who clicked goes to the hosted page, and a hover
            // leaves it ready to go (the click then goes at once, no error shown before it).
            Some(Err(_))
                if session.redirect_url.is_some()
                    && read(&self.config).checkout_mode() == CheckoutMode::WidgetOrRedirect =>
            {
                return self.hosted(want_open, &session)
            }
            Some(Err(e)) => return self.set_phase(Phase::Failed(e.into())),
        };
        // No borrow is held while the JS object is built nor while `Fintoc.create` runs (a
        // page's setter on `Object.prototype`, or a callback fired inside `create`, may call back
        // into the checkout).
        let config = read(&self.config).clone();
        let created = config
            .options()
            .to_js_with(Some(&session.token))
            .map_err(FintocError::from)
            .and_then(|object| fintoc.create_from(object, self.widget_callbacks()));
        // A callback Fintoc fired synchronously inside `create` may have cancelled, reset or
        // dropped the checkout: then the new widget belongs to nobody and is destroyed here.
        let want_open = match &*read(&self.phase) {
            Phase::Preparing(p) if p.id == id => Some(p.want_open),
            _ => None,
        };
        let Some(want_open) = want_open else {
            drop(created);
            return;
        };
        match created {
            Ok(widget) => {
                let widget = Rc::new(widget);
                self.set_phase(Phase::Ready(widget.clone()));
                // Unless a subscriber told of `Ready` cancelled, hid or replaced it meanwhile.
                let still =
                    matches!(&*read(&self.phase), Phase::Ready(w) if Rc::ptr_eq(w, &widget));
                if want_open && still {
                    self.show(widget);
                }
            }
            Err(e) => self.widget_failed(e),
        }
    }

    /// Redirect mode, the session in hand: on the click, to the hosted page; ahead of it, ready
    /// to go.
    fn hosted(self: &Rc<Self>, want_open: bool, session: &SessionResponse) {
        if want_open {
            self.redirect(session)
        } else {
            self.set_phase(Phase::Prepared)
        }
    }

    /// Goes to the session's hosted page (`Redirecting`), or fails when it has none. The
    /// state is published before the page starts to leave.
    fn redirect(self: &Rc<Self>, session: &SessionResponse) {
        let Some(url) = session.redirect_url.clone() else {
            return self.set_phase(Phase::Failed(SessionError::NoRedirectUrl.into()));
        };
        // Back on this page from the back-forward cache (the shopper pressed back): no longer
        // redirecting; the session is kept for another try.
        // Also back to `Idle` when the page is still here after a while (the shopper stopped
        // the navigation, or the URL answered without a new page): never a stuck button.
        let weak = Rc::downgrade(self);
        let back = browser::BackListener::new(browser::REDIRECT_STALL_MS, move || {
            if let Some(inner) = weak.upgrade() {
                if matches!(&*read(&inner.phase), Phase::Redirecting { .. }) {
                    inner.set_phase(Phase::Idle);
                }
            }
        });
        self.set_phase(Phase::Redirecting { _back: back });
        if matches!(&*read(&self.phase), Phase::Redirecting { .. }) {
            browser::navigate(&url);
        }
    }

    /// The widget refused to be created or shown: its token is not tried again (Fintoc may
    /// have refused it), whatever retries the checkout next.
    fn widget_failed(&self, error: FintocError) {
        *write(&self.session) = None;
        self.set_phase(Phase::Failed(error));
    }

    /// Shows `widget`; publishes `Open` only if its own callbacks (an `onExit` or `onSuccess`
    /// fired inside `open()`) did not move the phase meanwhile.
    fn show(&self, widget: Rc<Widget>) {
        let before = self.epoch.get();
        match widget.open() {
            Ok(()) => {
                if self.epoch.get() == before && read(&self.phase).holds(&widget) {
                    self.set_phase(Phase::Open(widget));
                }
            }
            Err(e) => {
                if read(&self.phase).holds(&widget) {
                    self.widget_failed(e.into());
                }
            }
        }
    }

    /// Widget callbacks that move the phase, then call the *current* user callbacks.
    fn widget_callbacks(self: &Rc<Self>) -> Callbacks {
        let weak = Rc::downgrade(self);
        let on_success = {
            let weak = weak.clone();
            move |payload: Payload| {
                if let Some(inner) = weak.upgrade() {
                    let widget = read(&inner.phase).widget();
                    inner.set_phase(Phase::Succeeded {
                        widget,
                        payload: payload.clone(),
                    });
                    let callbacks = read(&inner.callbacks).clone();
                    callbacks.success(payload);
                }
            }
        };
        let on_exit = {
            let weak = weak.clone();
            move |payload: Payload| {
                if let Some(inner) = weak.upgrade() {
                    let phase = match &*read(&inner.phase) {
                        Phase::Ready(_) | Phase::Open(_) | Phase::Exited { .. } => Some(true),
                        // The widget closing after a success is not the shopper leaving: the
                        // shop's `on_exit` is not told (it would undo "confirming your payment").
                        Phase::Succeeded { .. } => None,
                        _ => Some(false),
                    };
                    let Some(moves) = phase else { return };
                    if moves {
                        let widget = read(&inner.phase).widget();
                        inner.set_phase(Phase::Exited {
                            widget,
                            payload: payload.clone(),
                        });
                    }
                    let callbacks = read(&inner.callbacks).clone();
                    callbacks.exit(payload);
                }
            }
        };
        let on_event = move |event: WidgetEvent| {
            if let Some(inner) = weak.upgrade() {
                // A payment created or refused: this session is spent. The widget stays (its
                // own screen says what happened); the next `open()` gets a new session.
                if event.kind.ends_session() {
                    *write(&inner.session) = None;
                }
                let callbacks = read(&inner.callbacks).clone();
                callbacks.event(event);
            }
        };
        Callbacks::new()
            .on_success(on_success)
            .on_exit(on_exit)
            .on_event(on_event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionSource;
    use crate::widget::WidgetOptions;

    fn checkout(session: SessionSource) -> Checkout {
        let options = WidgetOptions::builder("pk_test_abc").build().unwrap();
        Checkout::new(CheckoutConfig::new(options, session), Callbacks::new())
    }

    #[test]
    fn off_browser_prepare_fails_with_not_in_browser_and_publishes_it() {
        let c = checkout(SessionSource::endpoint("/api/checkout"));
        let seen = Rc::new(RefCell::new(Vec::new()));
        let _s = c.subscribe({
            let seen = seen.clone();
            move |s| seen.borrow_mut().push(s.clone())
        });
        c.open();
        let state = c.state();
        assert!(
            state.error().is_some_and(FintocError::is_not_in_browser),
            "{state:?}"
        );
        assert_eq!(seen.borrow().len(), 1);
    }

    #[test]
    fn run_off_browser_is_the_typed_error() {
        let c = checkout(SessionSource::endpoint("/api/checkout"));
        let result = futures::executor::block_on(c.run());
        assert!(
            matches!(result, Err(ref e) if e.is_not_in_browser()),
            "{result:?}"
        );
    }

    #[test]
    fn identity_change_returns_to_idle_other_changes_do_not() {
        let c = checkout(SessionSource::endpoint("/a"));
        c.open(); // Failed(NotInBrowser) natively
        assert!(c.state().error().is_some());
        let same = CheckoutConfig::new(
            WidgetOptions::builder("pk_test_abc")
                .country(crate::widget::Country::Mx)
                .build()
                .unwrap(),
            SessionSource::endpoint("/a"),
        );
        c.set_config(same);
        assert!(c.state().error().is_some(), "same identity keeps the state");
        let other = CheckoutConfig::new(
            WidgetOptions::builder("pk_test_abc").build().unwrap(),
            SessionSource::endpoint("/b"),
        );
        c.set_config(other);
        assert_eq!(c.state(), CheckoutState::Idle);
    }

    #[test]
    fn subscription_drop_unsubscribes_and_subscribers_may_reenter() {
        let c = Rc::new(checkout(SessionSource::endpoint("/a")));
        let calls = Rc::new(Cell::new(0));
        let sub = c.subscribe({
            let calls = calls.clone();
            let c = Rc::downgrade(&c);
            move |s| {
                calls.set(calls.get() + 1);
                if s.error().is_some() {
                    if let Some(c) = c.upgrade() {
                        c.cancel(); // re-entrant call from inside a notification
                    }
                }
            }
        });
        c.open();
        assert_eq!(c.state(), CheckoutState::Idle);
        assert_eq!(calls.get(), 2); // Failed, then Idle
        drop(sub);
        c.open();
        assert_eq!(calls.get(), 2);
    }
}
