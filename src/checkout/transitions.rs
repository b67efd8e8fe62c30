//! The state machine's transitions: what `prepare`, `open`, `hide`, `cancel`/`reset` do in
//! each [`Phase`], the two concurrent arrivals (script, session) of a preparation, the widget's
//! creation and its callbacks, the hosted-page redirect.

use alloc::rc::Rc;

use super::phase::{Phase, Preparing};
use super::{CheckoutMode, CheckoutState, Inner};
use crate::browser;
use crate::cell::{borrow, borrow_mut};
use crate::error::{FintocError, LoadError, SessionError};
use crate::load::{self, Fintoc};
use crate::session::SessionResponse;
use crate::task::cancellable;
use crate::widget::{Callbacks, Payload, Widget, WidgetEvent};

enum Arrival {
    Script(Result<Fintoc, LoadError>),
    Session(Result<SessionResponse, SessionError>),
}

impl Inner {
    /// Moves to `phase`: the old one is dropped (destroying a widget it alone held, aborting a
    /// session request) and subscribers hear of a state change, all with no borrow held.
    pub(super) fn set_phase(&self, phase: Phase) {
        self.epoch.set(self.epoch.get() + 1);
        let (old, changed, after, outcome) = {
            let mut current = borrow_mut(&self.phase);
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

    /// The last session, if its token is still fresh.
    fn fresh_session(&self) -> Option<SessionResponse> {
        self.has_fresh_session()
            .then(|| borrow(&self.session).clone())
            .flatten()
    }

    /// Whether the last session's token is still fresh. The clock (a call into JS) is read
    /// before any borrow.
    fn has_fresh_session(&self) -> bool {
        let now = browser::now_ms();
        borrow(&self.session)
            .as_ref()
            .is_some_and(|s| !s.token.is_stale_at(now))
    }

    pub(super) fn prepare(self: &Rc<Self>) {
        let fresh = self.has_fresh_session();
        let start = match &*borrow(&self.phase) {
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

    pub(super) fn open(self: &Rc<Self>) {
        let fresh = self.has_fresh_session();
        let widget = {
            let mut phase = borrow_mut(&self.phase);
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

    pub(super) fn hide(&self) {
        let widget = {
            let mut phase = borrow_mut(&self.phase);
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

    pub(super) fn stop(&self, forget_session: bool) {
        let succeeded = matches!(&*borrow(&self.phase), Phase::Succeeded { .. });
        if forget_session || succeeded {
            *borrow_mut(&self.session) = None;
        }
        self.set_phase(Phase::Idle);
    }

    fn start_preparing(self: &Rc<Self>, want_open: bool) {
        if browser::window().is_none() {
            self.set_phase(Phase::Failed(LoadError::NotInBrowser.into()));
            return;
        }
        let id = self.next();
        let config = borrow(&self.config).clone();
        let (source, load) = (config.session().clone(), config.load().clone());
        // Redirect mode, or the hosted page already chosen for this session (`Prepared`: its
        // script was blocked in `WidgetOrRedirect`).
        let redirect = config.mode() == CheckoutMode::Redirect
            || matches!(&*borrow(&self.phase), Phase::Prepared);
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
            let mut phase = borrow_mut(&self.phase);
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
        *borrow_mut(&self.session) = Some(session.clone());
        let want_open = matches!(&*borrow(&self.phase), Phase::Preparing(p) if p.want_open);
        let fintoc = match loaded {
            Some(Ok(fintoc)) => fintoc,
            None => return self.hosted(want_open, &session),
            // The script is blocked: the shopper who clicked goes to the hosted page, and a hover
            // leaves it ready to go (the click then goes at once, no error shown before it).
            Some(Err(_))
                if session.redirect_url.is_some()
                    && borrow(&self.config).mode() == CheckoutMode::WidgetOrRedirect =>
            {
                return self.hosted(want_open, &session)
            }
            Some(Err(e)) => return self.set_phase(Phase::Failed(e.into())),
        };
        // No borrow is held while the JS object is built nor while `Fintoc.create` runs (a
        // page's setter on `Object.prototype`, or a callback fired inside `create`, may call back
        // into the checkout).
        let config = borrow(&self.config).clone();
        let created = config
            .options()
            .to_js_with(Some(&session.token))
            .map_err(FintocError::from)
            .and_then(|object| fintoc.create_from(object, self.widget_callbacks()));
        // A callback Fintoc fired synchronously inside `create` may have cancelled, reset or
        // dropped the checkout: then the new widget belongs to nobody and is destroyed here.
        let want_open = match &*borrow(&self.phase) {
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
                    matches!(&*borrow(&self.phase), Phase::Ready(w) if Rc::ptr_eq(w, &widget));
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
                if matches!(&*borrow(&inner.phase), Phase::Redirecting { .. }) {
                    inner.set_phase(Phase::Idle);
                }
            }
        });
        self.set_phase(Phase::Redirecting { _back: back });
        if matches!(&*borrow(&self.phase), Phase::Redirecting { .. }) {
            browser::navigate(&url);
        }
    }

    /// The widget refused to be created or shown: its token is not tried again (Fintoc may
    /// have refused it), whatever retries the checkout next.
    fn widget_failed(&self, error: FintocError) {
        *borrow_mut(&self.session) = None;
        self.set_phase(Phase::Failed(error));
    }

    /// Shows `widget`; publishes `Open` only if its own callbacks (an `onExit` or `onSuccess`
    /// fired inside `open()`) did not move the phase meanwhile.
    fn show(&self, widget: Rc<Widget>) {
        let before = self.epoch.get();
        match widget.open() {
            Ok(()) => {
                if self.epoch.get() == before && borrow(&self.phase).holds(&widget) {
                    self.set_phase(Phase::Open(widget));
                }
            }
            Err(e) => {
                if borrow(&self.phase).holds(&widget) {
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
                    let widget = borrow(&inner.phase).widget();
                    inner.set_phase(Phase::Succeeded {
                        widget,
                        payload: payload.clone(),
                    });
                    let callbacks = borrow(&inner.callbacks).clone();
                    callbacks.success(payload);
                }
            }
        };
        let on_exit = {
            let weak = weak.clone();
            move |payload: Payload| {
                if let Some(inner) = weak.upgrade() {
                    let phase = match &*borrow(&inner.phase) {
                        Phase::Ready(_) | Phase::Open(_) | Phase::Exited { .. } => Some(true),
                        // The widget closing after a success is not the shopper leaving: the
                        // shop's `on_exit` is not told (it would undo "confirming your payment").
                        Phase::Succeeded { .. } => None,
                        _ => Some(false),
                    };
                    let Some(moves) = phase else { return };
                    if moves {
                        let widget = borrow(&inner.phase).widget();
                        inner.set_phase(Phase::Exited {
                            widget,
                            payload: payload.clone(),
                        });
                    }
                    let callbacks = borrow(&inner.callbacks).clone();
                    callbacks.exit(payload);
                }
            }
        };
        let on_event = move |event: WidgetEvent| {
            if let Some(inner) = weak.upgrade() {
                // A payment created or refused: this session is spent. The widget stays (its
                // own screen says what happened); the next `open()` gets a new session.
                if event.kind.ends_session() {
                    *borrow_mut(&inner.session) = None;
                }
                let callbacks = borrow(&inner.callbacks).clone();
                callbacks.event(event);
            }
        };
        Callbacks::new()
            .on_success(on_success)
            .on_exit(on_exit)
            .on_event(on_event)
    }
}
