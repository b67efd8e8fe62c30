//! [`Binding`]: a checkout, its subscription, and what the adapter is told.

use crate::prelude::*;
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use crate::cell::{borrow, borrow_mut};
use crate::checkout::{Checkout, CheckoutConfig, CheckoutState, Subscription};
use crate::error::FintocError;
use crate::session::SessionResponse;
use crate::widget::Callbacks;

/// What an adapter does when its checkout moves. [`Binding`] calls these in this order on
/// every state change, with no borrow of the checkout held (each may call back into it).
pub(crate) trait Report: 'static {
    /// Redraw, notify signals.
    fn changed(&self) {}

    /// Whether the shop listens for sessions (the session is cloned only then).
    fn wants_sessions(&self) -> bool {
        false
    }

    /// A session not told before (by its token).
    fn session(&self, _session: SessionResponse) {}

    /// Every state.
    fn state(&self, state: &CheckoutState);

    /// A failure (after the state). The technical message: never for shoppers' eyes.
    fn error(&self, error: &FintocError);

    /// Whether a failure is also printed to the console in debug builds (the Rust components'
    /// developers read it there; the JS API reports through `onError` only).
    fn console(&self) -> bool {
        true
    }
}

/// Tells `report` of `state` as every adapter does (also for an invalid configuration, which
/// has no checkout).
pub(crate) fn tell(report: &impl Report, state: &CheckoutState) {
    report.state(state);
    if let CheckoutState::Failed(error) = state {
        if report.console() {
            crate::browser::debug_console_error(error);
        }
        report.error(error);
    }
}

/// The checkout an adapter holds and its subscription: dropped together (unmount, `destroy()`),
/// which cancels a preparation, destroys the widget and silences every callback.
pub(crate) struct Binding {
    checkout: Rc<Checkout>,
    _subscription: Subscription,
}

impl Binding {
    /// A checkout for `config` with the shop's widget `callbacks`, telling `report` of every
    /// state change.
    pub(crate) fn new(config: CheckoutConfig, callbacks: Callbacks, report: impl Report) -> Self {
        let checkout = Rc::new(Checkout::new(config, callbacks));
        let weak = Rc::downgrade(&checkout);
        let told = RefCell::new(None::<String>);
        let subscription = checkout.subscribe(move |state| {
            report.changed();
            if report.wants_sessions() {
                if let Some(session) = new_session(&weak, &told) {
                    report.session(session);
                }
            }
            tell(&report, state);
        });
        Binding {
            checkout,
            _subscription: subscription,
        }
    }

    /// The checkout (cloned out, so no holder's borrow is kept while it calls JS).
    pub(crate) fn checkout(&self) -> &Rc<Checkout> {
        &self.checkout
    }
}

/// `checkout`'s session, unless its token is the last one told (a session arrives with the move
/// out of preparing; later state changes do not tell it again).
fn new_session(
    checkout: &Weak<Checkout>,
    told: &RefCell<Option<String>>,
) -> Option<SessionResponse> {
    let session = checkout.upgrade()?.session()?;
    if borrow(told).as_deref() == Some(session.token.as_str()) {
        return None;
    }
    *borrow_mut(told) = Some(session.token.as_str().to_owned());
    Some(session)
}
