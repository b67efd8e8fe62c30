//! Subscriptions to a checkout's state, and their publication: subscribers are told with no
//! borrow held, and a change one of them makes while the others are being told is deferred
//! until they all heard the state before it.

use alloc::rc::{Rc, Weak};
use core::fmt;

use super::{Checkout, CheckoutState, Inner, Outcome};
use crate::cell::{borrow, borrow_mut};

/// A subscriber hears each state with the outcome it carries (`Succeeded`/`Exited` only), so
/// `run()` never reads an outcome from a phase that has moved on since.
pub(super) type Subscriber = Rc<dyn Fn(&CheckoutState, Option<&Outcome>)>;

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
            borrow_mut(&inner.subscribers).retain(|(id, _)| *id != self.id);
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription").finish_non_exhaustive()
    }
}

impl Checkout {
    /// [`subscribe`](Self::subscribe), with the outcome a `Succeeded`/`Exited` state carries.
    pub(super) fn listen(
        &self,
        f: impl Fn(&CheckoutState, Option<&Outcome>) + 'static,
    ) -> Subscription {
        let id = self.inner.next();
        borrow_mut(&self.inner.subscribers).push((id, Rc::new(f)));
        Subscription {
            inner: Rc::downgrade(&self.inner),
            id,
        }
    }
}

impl Inner {
    /// Tells every subscriber, with no borrow held while they run. A change a subscriber makes
    /// while the others are being told is told after them (the latest state, once they have all
    /// heard this one): every subscriber hears the states in the order they happened.
    pub(super) fn publish(&self, state: CheckoutState, outcome: Option<Outcome>) {
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
                let next = borrow(&self.subscribers)
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
            let phase = borrow(&self.phase);
            (state, outcome) = (phase.state(), phase.outcome());
        }
        self.publishing.set(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkout::tests::checkout;
    use crate::session::SessionSource;
    use core::cell::Cell;

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
