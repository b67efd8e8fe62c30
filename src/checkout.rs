//! The checkout state machine every adapter (Yew, Leptos, the JS package) drives.
//!
//! ```text
//! Idle ─prepare()/open()─▶ Preparing ─▶ Ready ─open()─▶ Open ─▶ Succeeded
//!                              │          ▲               ├───▶ Exited ─open()─▶ Open …
//!                              ▼          └───hide()──────┘
//!                           Failed(err) ─open()/retry()─▶ Preparing …
//! ```
//!
//! - `prepare()` loads the script and fetches the session token **concurrently**: it takes as
//!   long as the slower of the two, not their sum. The widget is created when both are there.
//! - `open()` prepares first if needed (a second `open()` while preparing joins the first: one
//!   session request, one widget) and refetches a stale token before opening.
//! - `cancel()`, or dropping the [`Checkout`], while preparing means no widget is ever created
//!   and no callback fires later; the session request is aborted.
//! - State changes are published to [`Checkout::subscribe`]rs; no `RefCell` borrow is held while
//!   subscribers or callbacks run, so they may call back into the checkout.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};

use futures::future::{AbortHandle, FutureExt};

use crate::browser;
use crate::error::{FintocError, LoadError};
use crate::events::{ExitPayload, SuccessPayload, WidgetEvent};
use crate::loader::{load_fintoc_with, preload_with, LoadOptions};
use crate::options::WidgetOptions;
use crate::session::{SessionResponse, SessionSource, SessionToken};
use crate::widget::{Callbacks, Widget};

/// Where a checkout is.
///
/// ```
/// use fintoc_wasm::CheckoutState;
/// assert!(CheckoutState::Preparing.is_busy());
/// assert!(!CheckoutState::Ready.is_busy());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum CheckoutState {
    /// Nothing started (or cancelled).
    Idle,
    /// Loading the script and fetching the session token.
    Preparing,
    /// The widget exists, hidden; `open()` shows it at once.
    Ready,
    /// The widget is shown.
    Open,
    /// The widget reported success. Not proof of payment: the backend confirms it from the
    /// webhook.
    Succeeded,
    /// The user closed the widget; `open()` shows it again.
    Exited,
    /// Something failed; `open()` or `retry()` tries again.
    Failed(FintocError),
}

impl CheckoutState {
    /// True while preparing (adapters show progress and disable the pay button).
    ///
    /// ```
    /// # use fintoc_wasm::CheckoutState;
    /// assert!(!CheckoutState::Idle.is_busy());
    /// ```
    pub fn is_busy(&self) -> bool {
        matches!(self, CheckoutState::Preparing)
    }

    /// The error, in the `Failed` state.
    ///
    /// ```
    /// # use fintoc_wasm::{CheckoutState, FintocError, LoadError};
    /// let failed = CheckoutState::Failed(LoadError::NotInBrowser.into());
    /// assert!(failed.error().is_some());
    /// ```
    pub fn error(&self) -> Option<&FintocError> {
        match self {
            CheckoutState::Failed(e) => Some(e),
            _ => None,
        }
    }
}

/// What a checkout needs: widget options (without token), where the session token comes from,
/// and how to load the script.
///
/// ```
/// use fintoc_wasm::{CheckoutConfig, Country, LoadOptions, SessionSource, WidgetOptions};
///
/// let options = WidgetOptions::builder("pk_test_abc").country(Country::Cl).build()?;
/// let config = CheckoutConfig::new(options, SessionSource::endpoint("/api/checkout"))
///     .load_options(LoadOptions::new().nonce("r4nd0m"));
/// # Ok::<(), fintoc_wasm::OptionsError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CheckoutConfig {
    options: WidgetOptions,
    session: SessionSource,
    load: LoadOptions,
}

impl CheckoutConfig {
    /// A configuration with default [`LoadOptions`].
    ///
    /// ```
    /// # use fintoc_wasm::{CheckoutConfig, SessionSource, WidgetOptions};
    /// let config = CheckoutConfig::new(
    ///     WidgetOptions::builder("pk_test_abc").build()?,
    ///     SessionSource::endpoint("/api/checkout"),
    /// );
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn new(options: WidgetOptions, session: SessionSource) -> Self {
        CheckoutConfig {
            options,
            session,
            load: LoadOptions::default(),
        }
    }

    /// How to load the script (URL, nonce, timeout).
    ///
    /// ```
    /// # use fintoc_wasm::{CheckoutConfig, LoadOptions, SessionSource, WidgetOptions};
    /// let config = CheckoutConfig::new(
    ///     WidgetOptions::builder("pk_test_abc").build()?,
    ///     SessionSource::endpoint("/api/checkout"),
    /// )
    /// .load_options(LoadOptions::new().url("/sandbox/fintoc.js"));
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn load_options(mut self, load: LoadOptions) -> Self {
        self.load = load;
        self
    }

    /// The widget options.
    ///
    /// ```
    /// # use fintoc_wasm::{CheckoutConfig, SessionSource, WidgetOptions};
    /// # let config = CheckoutConfig::new(WidgetOptions::builder("pk_test_abc").build()?, SessionSource::endpoint("/x"));
    /// assert_eq!(config.options().public_key().as_str(), "pk_test_abc");
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn options(&self) -> &WidgetOptions {
        &self.options
    }

    /// The session source.
    ///
    /// ```
    /// # use fintoc_wasm::{CheckoutConfig, SessionSource, WidgetOptions};
    /// # let config = CheckoutConfig::new(WidgetOptions::builder("pk_test_abc").build()?, SessionSource::endpoint("/x"));
    /// assert_eq!(config.session(), &SessionSource::endpoint("/x"));
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn session(&self) -> &SessionSource {
        &self.session
    }

    /// The load options.
    ///
    /// ```
    /// # use fintoc_wasm::{CheckoutConfig, SessionSource, WidgetOptions};
    /// # let config = CheckoutConfig::new(WidgetOptions::builder("pk_test_abc").build()?, SessionSource::endpoint("/x"));
    /// assert_eq!(config.load().script_url(), "https://js.fintoc.com/v1/");
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn load(&self) -> &LoadOptions {
        &self.load
    }

    /// True when `other` needs a different widget: another public key or session source.
    /// Other changes (country, labels, load options) apply without recreating it.
    fn same_identity(&self, other: &CheckoutConfig) -> bool {
        self.options.public_key() == other.options.public_key() && self.session == other.session
    }
}

/// A checkout: prepares the widget, opens it, and tracks its [`CheckoutState`].
///
/// Dropping it cancels any preparation and destroys the widget; no callback fires afterwards.
///
/// ```no_run
/// use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, CheckoutState, SessionSource, WidgetOptions};
///
/// # fn run() -> Result<(), fintoc_wasm::OptionsError> {
/// let options = WidgetOptions::builder("pk_test_abc").build()?;
/// let checkout = Checkout::new(
///     CheckoutConfig::new(options, SessionSource::endpoint("/api/checkout")),
///     Callbacks::new().on_success(|_| { /* poll your order until the webhook confirms it */ }),
/// );
/// let _subscription = checkout.subscribe(|state| {
///     if let CheckoutState::Failed(err) = state {
///         let message = err.to_string(); // show it next to a retry button
///     }
/// });
/// checkout.preload(); // script now; session on click
/// // on click:
/// checkout.open();
/// # Ok(()) }
/// ```
pub struct Checkout {
    inner: Rc<Inner>,
}

type Subscriber = Rc<dyn Fn(&CheckoutState)>;

struct Inner {
    config: RefCell<CheckoutConfig>,
    callbacks: RefCell<Callbacks>,
    state: RefCell<CheckoutState>,
    /// The last session response (token, fallback URL, body), kept while its token is useful.
    session: RefCell<Option<SessionResponse>>,
    widget: RefCell<Option<Rc<Widget>>>,
    want_open: Cell<bool>,
    /// Bumped by cancel/reset/drop: results of older preparations are discarded.
    epoch: Cell<u64>,
    task: RefCell<Option<AbortHandle>>,
    subscribers: RefCell<Vec<(u64, Subscriber)>>,
    next_subscriber: Cell<u64>,
}

impl Checkout {
    /// A new, idle checkout. Nothing is loaded or fetched until [`preload`](Self::preload),
    /// [`prepare`](Self::prepare) or [`open`](Self::open).
    ///
    /// ```
    /// # use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, CheckoutState, SessionSource, WidgetOptions};
    /// let checkout = Checkout::new(
    ///     CheckoutConfig::new(WidgetOptions::builder("pk_test_abc").build()?, SessionSource::endpoint("/x")),
    ///     Callbacks::new(),
    /// );
    /// assert_eq!(checkout.state(), CheckoutState::Idle);
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn new(config: CheckoutConfig, callbacks: Callbacks) -> Self {
        Checkout {
            inner: Rc::new(Inner {
                config: RefCell::new(config),
                callbacks: RefCell::new(callbacks),
                state: RefCell::new(CheckoutState::Idle),
                session: RefCell::new(None),
                widget: RefCell::new(None),
                want_open: Cell::new(false),
                epoch: Cell::new(0),
                task: RefCell::new(None),
                subscribers: RefCell::new(Vec::new()),
                next_subscriber: Cell::new(0),
            }),
        }
    }

    /// The current state.
    ///
    /// ```
    /// # use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, CheckoutState, SessionSource, WidgetOptions};
    /// # let checkout = Checkout::new(CheckoutConfig::new(WidgetOptions::builder("pk_test_abc").build()?, SessionSource::endpoint("/x")), Callbacks::new());
    /// assert_eq!(checkout.state(), CheckoutState::Idle);
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn state(&self) -> CheckoutState {
        self.inner.state.borrow().clone()
    }

    /// Calls `f` on every state change until the returned [`Subscription`] is dropped.
    ///
    /// ```
    /// # use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, SessionSource, WidgetOptions};
    /// # let checkout = Checkout::new(CheckoutConfig::new(WidgetOptions::builder("pk_test_abc").build()?, SessionSource::endpoint("/x")), Callbacks::new());
    /// let subscription = checkout.subscribe(|state| println!("now {state:?}"));
    /// drop(subscription); // stop listening
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn subscribe(&self, f: impl Fn(&CheckoutState) + 'static) -> Subscription {
        let id = self.inner.next_subscriber.get() + 1;
        self.inner.next_subscriber.set(id);
        self.inner.subscribers.borrow_mut().push((id, Rc::new(f)));
        Subscription {
            inner: Rc::downgrade(&self.inner),
            id,
        }
    }

    /// Waits until the state satisfies `pred` (returns at once if it already does).
    ///
    /// ```no_run
    /// # async fn run(checkout: fintoc_wasm::Checkout) {
    /// use fintoc_wasm::CheckoutState;
    /// checkout.open();
    /// let state = checkout.wait_for(|s| !s.is_busy()).await;
    /// # }
    /// ```
    pub async fn wait_for(&self, pred: impl Fn(&CheckoutState) -> bool + 'static) -> CheckoutState {
        let current = self.state();
        if pred(&current) {
            return current;
        }
        let (tx, rx) = futures::channel::oneshot::channel();
        let tx = Cell::new(Some(tx));
        let subscription = self.subscribe(move |state| {
            if pred(state) {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(state.clone());
                }
            }
        });
        let result = rx.await;
        drop(subscription);
        result.unwrap_or_else(|_| self.state())
    }

    /// Replaces the callbacks. The widget keeps running: its next callback calls these (this is
    /// how adapters always call the latest props' callbacks).
    ///
    /// ```
    /// # use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, SessionSource, WidgetOptions};
    /// # let checkout = Checkout::new(CheckoutConfig::new(WidgetOptions::builder("pk_test_abc").build()?, SessionSource::endpoint("/x")), Callbacks::new());
    /// checkout.set_callbacks(Callbacks::new().on_exit(|_| {}));
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn set_callbacks(&self, callbacks: Callbacks) {
        *self.inner.callbacks.borrow_mut() = callbacks;
    }

    /// Replaces the configuration. A different public key or session source destroys the
    /// current widget (and drops its token) and returns to `Idle`; any other change is kept for
    /// the next widget without recreating the current one.
    ///
    /// ```
    /// # use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, SessionSource, WidgetOptions};
    /// # let checkout = Checkout::new(CheckoutConfig::new(WidgetOptions::builder("pk_test_abc").build()?, SessionSource::endpoint("/x")), Callbacks::new());
    /// checkout.set_config(CheckoutConfig::new(
    ///     WidgetOptions::builder("pk_test_abc").build()?,
    ///     SessionSource::endpoint("/api/other-cart"),
    /// ));
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn set_config(&self, config: CheckoutConfig) {
        let same = self.inner.config.borrow().same_identity(&config);
        *self.inner.config.borrow_mut() = config;
        if !same {
            self.inner.stop(true);
        }
    }

    /// The current configuration.
    ///
    /// ```
    /// # use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, SessionSource, WidgetOptions};
    /// # let checkout = Checkout::new(CheckoutConfig::new(WidgetOptions::builder("pk_test_abc").build()?, SessionSource::endpoint("/x")), Callbacks::new());
    /// assert_eq!(checkout.config().session(), &SessionSource::endpoint("/x"));
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn config(&self) -> CheckoutConfig {
        self.inner.config.borrow().clone()
    }

    /// Starts loading the script in the background (no session request). Off-browser it does
    /// nothing.
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// checkout.preload();
    /// # }
    /// ```
    pub fn preload(&self) {
        let load = self.inner.config.borrow().load.clone();
        preload_with(&load);
    }

    /// Loads the script and fetches the token concurrently, then creates the (hidden) widget:
    /// `Idle → Preparing → Ready`. Does nothing while preparing, or when a widget with a fresh
    /// token is ready.
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// checkout.prepare(); // e.g. when the cart is confirmed, so "Pay" opens instantly
    /// # }
    /// ```
    pub fn prepare(&self) {
        self.inner.ensure_prepared();
    }

    /// Opens the widget, preparing first if needed (joining a preparation in progress) and
    /// refetching a stale token. No effect while open or after success (see
    /// [`reset`](Self::reset)).
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// checkout.open();
    /// # }
    /// ```
    pub fn open(&self) {
        let inner = &self.inner;
        match inner.state() {
            CheckoutState::Open | CheckoutState::Succeeded => {}
            CheckoutState::Preparing => inner.want_open.set(true),
            _ => {
                inner.want_open.set(true);
                if inner.has_usable_widget() {
                    inner.open_now();
                } else {
                    inner.ensure_prepared();
                }
            }
        }
    }

    /// Hides an open widget (`Open → Ready`); `open()` shows it again.
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// checkout.hide();
    /// # }
    /// ```
    pub fn hide(&self) {
        let inner = &self.inner;
        inner.want_open.set(false);
        let widget = inner.widget.borrow().clone();
        if let Some(widget) = widget {
            match widget.hide() {
                Ok(()) if inner.state() == CheckoutState::Open => {
                    inner.set_state(CheckoutState::Ready)
                }
                Ok(()) => {}
                Err(e) => inner.fail(e.into()),
            }
        }
    }

    /// Stops everything: aborts a preparation (no widget will be created, no callback fires),
    /// destroys the widget, returns to `Idle`. A fresh token is kept for the next `open()`.
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// checkout.cancel();
    /// # }
    /// ```
    pub fn cancel(&self) {
        self.inner.stop(false);
    }

    /// Like [`cancel`](Self::cancel), and forgets the token and fallback URL: the next `open()`
    /// starts a new session (e.g. after `Succeeded`, to pay for another order).
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// checkout.reset();
    /// # }
    /// ```
    pub fn reset(&self) {
        self.inner.stop(true);
    }

    /// After a failure: tries again and opens. A still-fresh token is reused after a script or
    /// session failure; after a widget failure (Fintoc refused the token, say) a new session is
    /// fetched.
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// if checkout.state().error().is_some() { checkout.retry(); }
    /// # }
    /// ```
    pub fn retry(&self) {
        if let Some(error) = self.state().error() {
            // A token the widget refused (create threw, or a widget call failed) is not tried
            // again for its remaining lifetime: the retry fetches a new session.
            if matches!(error, FintocError::Widget(_)) {
                *self.inner.session.borrow_mut() = None;
            }
            self.inner.discard_widget();
        }
        self.open();
    }

    /// Fintoc's hosted checkout page for the current session, when the session response had one:
    /// the fallback to offer when the widget cannot load.
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// if let Some(url) = checkout.redirect_url() { /* render <a href={url}> */ }
    /// # }
    /// ```
    pub fn redirect_url(&self) -> Option<String> {
        self.inner
            .session
            .borrow()
            .as_ref()
            .and_then(|s| s.redirect_url.clone())
    }

    /// The current session token, if one was obtained.
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// let stale = checkout.session_token().map_or(true, |t| t.is_stale());
    /// # }
    /// ```
    pub fn session_token(&self) -> Option<SessionToken> {
        self.inner
            .session
            .borrow()
            .as_ref()
            .map(|s| s.token.clone())
    }

    /// The whole session response the token came from, e.g. to read your backend's own fields
    /// (an order id) with [`SessionResponse::get`].
    ///
    /// ```no_run
    /// # fn f(checkout: &fintoc_wasm::Checkout) {
    /// let order_id: Option<String> = checkout.session().and_then(|s| s.get("order_id"));
    /// # }
    /// ```
    pub fn session(&self) -> Option<SessionResponse> {
        self.inner.session.borrow().clone()
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        self.inner.subscribers.borrow_mut().clear();
        self.inner.shutdown();
    }
}

impl fmt::Debug for Checkout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkout")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// Keeps a [`Checkout::subscribe`] callback registered; drop it to unsubscribe.
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription {
    inner: Weak<Inner>,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            inner
                .subscribers
                .borrow_mut()
                .retain(|(id, _)| *id != self.id);
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish()
    }
}

impl Inner {
    fn state(&self) -> CheckoutState {
        self.state.borrow().clone()
    }

    /// Publishes a new state (no borrow held while subscribers run).
    fn set_state(&self, state: CheckoutState) {
        {
            let mut current = self.state.borrow_mut();
            if *current == state {
                return;
            }
            *current = state.clone();
        }
        let subscribers: Vec<Subscriber> = self
            .subscribers
            .borrow()
            .iter()
            .map(|(_, f)| f.clone())
            .collect();
        for f in subscribers {
            f(&state);
        }
    }

    fn fresh_session(&self) -> Option<SessionResponse> {
        self.session
            .borrow()
            .clone()
            .filter(|s| !s.token.is_stale())
    }

    fn has_usable_widget(&self) -> bool {
        self.widget.borrow().is_some() && self.fresh_session().is_some()
    }

    /// Destroys the widget (if any) without touching the state.
    fn discard_widget(&self) {
        let widget = self.widget.borrow_mut().take();
        if let Some(widget) = widget {
            let _ = widget.destroy();
        }
    }

    /// Cancels the preparation in flight, destroys the widget; no notification.
    fn shutdown(&self) {
        self.epoch.set(self.epoch.get() + 1);
        self.want_open.set(false);
        let task = self.task.borrow_mut().take();
        if let Some(task) = task {
            task.abort();
        }
        self.discard_widget();
    }

    fn stop(&self, forget_token: bool) {
        self.shutdown();
        if forget_token || self.state() == CheckoutState::Succeeded {
            *self.session.borrow_mut() = None;
        }
        self.set_state(CheckoutState::Idle);
    }

    fn fail(&self, error: FintocError) {
        self.want_open.set(false);
        self.discard_widget();
        self.set_state(CheckoutState::Failed(error));
    }

    fn ensure_prepared(self: &Rc<Self>) {
        // An open widget is a customer mid-payment: never replaced because its token aged.
        if self.task.borrow().is_some()
            || self.has_usable_widget()
            || self.state() == CheckoutState::Open
        {
            return;
        }
        // A widget whose token went stale cannot be reused: the new one gets a new token.
        self.discard_widget();
        if browser::window().is_none() {
            self.fail(LoadError::NotInBrowser.into());
            return;
        }
        let epoch = self.epoch.get();
        let config = self.config.borrow().clone();
        let fresh = self.fresh_session();
        // The `<script>` goes into the page now; the task below joins that load.
        preload_with(&config.load);
        let weak = Rc::downgrade(self);
        let task = async move {
            let session = async {
                match fresh {
                    Some(session) => Ok(session),
                    None => config.session.get().await,
                }
            };
            // Both start in this same poll: the token request goes out while the script loads.
            let (loaded, session) = futures::join!(load_fintoc_with(&config.load), session);
            let Some(inner) = weak.upgrade() else { return };
            if inner.epoch.get() != epoch {
                return;
            }
            inner.task.borrow_mut().take();
            inner.finish_preparing(epoch, &config.options, loaded, session);
        };
        let (task, handle) = futures::future::abortable(task);
        *self.task.borrow_mut() = Some(handle);
        wasm_bindgen_futures::spawn_local(task.map(drop));
        self.set_state(CheckoutState::Preparing);
    }

    fn finish_preparing(
        self: &Rc<Self>,
        epoch: u64,
        options: &WidgetOptions,
        loaded: Result<crate::Fintoc, LoadError>,
        session: Result<SessionResponse, crate::SessionError>,
    ) {
        let session = match session {
            Ok(session) => session,
            Err(e) => return self.fail(e.into()),
        };
        *self.session.borrow_mut() = Some(session.clone());
        let fintoc = match loaded {
            Ok(fintoc) => fintoc,
            Err(e) => return self.fail(e.into()),
        };
        let options = options.clone().with_session_token(session.token);
        let widget = match fintoc.create(&options, self.widget_callbacks()) {
            Ok(widget) => widget,
            Err(e) => return self.fail(e),
        };
        // A callback Fintoc fired synchronously inside `create` may have cancelled, reset or
        // dropped the checkout: then this widget belongs to nobody and is destroyed here.
        if self.epoch.get() != epoch {
            drop(widget);
            return;
        }
        *self.widget.borrow_mut() = Some(Rc::new(widget));
        self.set_state(CheckoutState::Ready);
        if self.epoch.get() == epoch && self.want_open.get() {
            self.open_now();
        }
    }

    fn open_now(&self) {
        let widget = self.widget.borrow().clone();
        let Some(widget) = widget else { return };
        self.want_open.set(false);
        let (epoch, before) = (self.epoch.get(), self.state());
        match widget.open() {
            // Publish `Open` only if the widget's own callbacks did not move the state meanwhile.
            Ok(()) if self.epoch.get() == epoch && self.state() == before => {
                self.set_state(CheckoutState::Open)
            }
            Ok(()) => {}
            Err(e) => self.fail(e.into()),
        }
    }

    /// Widget callbacks that update the state, then call the *current* user callbacks.
    fn widget_callbacks(self: &Rc<Self>) -> Callbacks {
        let weak = Rc::downgrade(self);
        let on_success = {
            let weak = weak.clone();
            move |payload: SuccessPayload| {
                if let Some(inner) = weak.upgrade() {
                    inner.want_open.set(false);
                    inner.set_state(CheckoutState::Succeeded);
                    let callbacks = inner.callbacks.borrow().clone();
                    callbacks.success(payload);
                }
            }
        };
        let on_exit = {
            let weak = weak.clone();
            move |payload: ExitPayload| {
                if let Some(inner) = weak.upgrade() {
                    inner.want_open.set(false);
                    if inner.state() != CheckoutState::Succeeded {
                        inner.set_state(CheckoutState::Exited);
                    }
                    let callbacks = inner.callbacks.borrow().clone();
                    callbacks.exit(payload);
                }
            }
        };
        let on_event = move |event: WidgetEvent| {
            if let Some(inner) = weak.upgrade() {
                let callbacks = inner.callbacks.borrow().clone();
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
    fn identity_change_returns_to_idle_other_changes_do_not() {
        let c = checkout(SessionSource::endpoint("/a"));
        c.open(); // Failed(NotInBrowser) natively
        assert!(c.state().error().is_some());
        let same = CheckoutConfig::new(
            WidgetOptions::builder("pk_test_abc")
                .country(crate::Country::Mx)
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
