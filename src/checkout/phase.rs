//! The checkout's one state, `Phase`: each variant holds exactly what exists in it (a widget
//! only in the phases that have one, a preparation only while preparing), and what it answers —
//! the public [`CheckoutState`], the widget it holds, the outcome it carries.

use alloc::rc::Rc;

use super::{CheckoutState, Outcome};
use crate::browser;
use crate::error::{FintocError, LoadError, SessionError};
use crate::load::Fintoc;
use crate::session::SessionResponse;
use crate::task::Cancel;
use crate::widget::{Payload, Widget};

/// The one state. Each variant holds exactly what exists in it.
pub(super) enum Phase {
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

pub(super) struct Preparing {
    /// Which preparation: results of an older one are ignored.
    pub(super) id: u64,
    pub(super) want_open: bool,
    /// Redirect mode: no script is loaded, the session is all there is to wait for.
    pub(super) redirect: bool,
    pub(super) loaded: Option<Result<Fintoc, LoadError>>,
    pub(super) session: Option<Result<SessionResponse, SessionError>>,
    /// Aborts the session request in flight (when this preparation is dropped).
    pub(super) request: Option<Cancel>,
}

impl Drop for Preparing {
    fn drop(&mut self) {
        if let Some(request) = self.request.take() {
            request.cancel();
        }
    }
}

impl Phase {
    pub(super) fn state(&self) -> CheckoutState {
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

    pub(super) fn widget(&self) -> Option<Rc<Widget>> {
        match self {
            Phase::Ready(w) | Phase::Open(w) => Some(w.clone()),
            Phase::Succeeded { widget, .. } | Phase::Exited { widget, .. } => widget.clone(),
            _ => None,
        }
    }

    /// The outcome a `Succeeded`/`Exited` phase holds.
    pub(super) fn outcome(&self) -> Option<Outcome> {
        match self {
            Phase::Succeeded { payload, .. } => Some(Outcome::Succeeded(payload.clone())),
            Phase::Exited { payload, .. } => Some(Outcome::Exited(payload.clone())),
            _ => None,
        }
    }

    pub(super) fn holds(&self, widget: &Rc<Widget>) -> bool {
        self.widget().is_some_and(|w| Rc::ptr_eq(&w, widget))
    }
}
