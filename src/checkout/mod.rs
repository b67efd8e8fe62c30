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
//!
//! One concept per file: this facade ([`Checkout`] and its public methods), `phase` (the
//! `Phase` enum and what it answers), `transitions` (the state machine's moves), `observers`
//! (subscriptions and their deferred publication).

use crate::prelude::*;
pub(crate) mod config;
mod observers;
mod phase;
pub mod return_url;
mod state;
mod transitions;

use alloc::rc::Rc;
use core::cell::{Cell, RefCell};
use core::fmt;

pub use config::{CheckoutConfig, CheckoutMode};
pub use observers::Subscription;
pub use return_url::{ReturnUrl, Returned};
pub use state::{CheckoutState, Outcome};

use crate::cell::{borrow, borrow_mut};
use crate::error::FintocError;
use crate::load;
use crate::session::{SessionResponse, SessionToken};
use crate::task::Shared;
use crate::widget::Callbacks;
use observers::Subscriber;
use phase::Phase;

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
        borrow(&self.inner.phase).state()
    }

    /// Calls `f` on every state change until the returned [`Subscription`] is dropped.
    pub fn subscribe(&self, f: impl Fn(&CheckoutState) + 'static) -> Subscription {
        self.listen(move |state, _| f(state))
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
        let early = match &*borrow(&self.inner.phase) {
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
        *borrow_mut(&self.inner.callbacks) = callbacks;
    }

    /// Updates the configuration. Another public key or session source (another
    /// [identity](CheckoutConfig)) destroys the widget and returns to `Idle`. Other widget
    /// options (a username the shopper typed after a hover prepared the widget) or another
    /// [`CheckoutMode`] replace a widget that is ready or was closed — never an open one —
    /// keeping its fresh token: the next `open()` uses them at once. The rest applies to the
    /// next widget.
    pub fn set_config(&self, config: CheckoutConfig) {
        let (same, options) = {
            let current = borrow(&self.inner.config);
            (
                current.same_identity(&config),
                current.options() == config.options() && current.mode() == config.mode(),
            )
        };
        *borrow_mut(&self.inner.config) = Rc::new(config);
        let prepared = matches!(
            &*borrow(&self.inner.phase),
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
        let same = borrow(&self.inner.config).same_identity(&config);
        if same {
            *borrow_mut(&self.inner.config) = Rc::new(config);
        }
        same
    }

    /// The current configuration.
    pub fn config(&self) -> CheckoutConfig {
        (**borrow(&self.inner.config)).clone()
    }

    /// Starts loading the script (no session request). Off-browser, and in redirect mode
    /// (nothing to load), it does nothing.
    pub fn preload(&self) {
        let config = borrow(&self.inner.config).clone();
        if config.mode() != CheckoutMode::Redirect {
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
        borrow(&self.inner.session)
            .as_ref()
            .and_then(|s| s.redirect_url.clone())
    }

    /// The current session token, if one was obtained.
    pub fn session_token(&self) -> Option<SessionToken> {
        borrow(&self.inner.session)
            .as_ref()
            .map(|s| s.token.clone())
    }

    /// The whole session response the token came from, e.g. to read your backend's own fields
    /// (an order id) with [`SessionResponse::get`].
    pub fn session(&self) -> Option<SessionResponse> {
        borrow(&self.inner.session).clone()
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        borrow_mut(&self.inner.subscribers).clear();
        // Dropped outside the borrow: destroying the widget calls into JS.
        let phase = core::mem::replace(&mut *borrow_mut(&self.inner.phase), Phase::Idle);
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

impl Inner {
    /// A new id: for subscriptions and preparations alike.
    fn next(&self) -> u64 {
        self.next_id.set(self.next_id.get() + 1);
        self.next_id.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionSource;
    use crate::widget::WidgetOptions;

    pub(super) fn checkout(session: SessionSource) -> Checkout {
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
}
