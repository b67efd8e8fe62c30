//! Two tiny async primitives, so the core needs no futures-util combinators (size:
//! docs/size.md): a value set once and awaited by any number of waiters, and a wrapper that
//! drops a future when cancelled. Also home of [`cell`], the crate's `RefCell` borrow helpers.

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};
use core::future::{poll_fn, Future};
use core::task::{Poll, Waker};

use cell::borrow_mut;

/// `RefCell` borrows, from one place, for the whole crate (reached as `crate::cell`): one panic
/// location each instead of one per call site, and in this file rather than one of their own
/// (size: docs/size.md, "Panic locations").
///
/// Never hold what they return across a call into JS: the page may call back into the crate.
pub(crate) mod cell {
    use core::cell::{Ref, RefCell, RefMut};

    /// `cell.borrow()`, from one place.
    #[inline(never)]
    pub(crate) fn borrow<T>(cell: &RefCell<T>) -> Ref<'_, T> {
        cell.borrow()
    }

    /// `cell.borrow_mut()`, from one place (see [`borrow`]).
    #[inline(never)]
    pub(crate) fn borrow_mut<T>(cell: &RefCell<T>) -> RefMut<'_, T> {
        cell.borrow_mut()
    }
}

/// A value set once, awaited by any number of waiters (a one-shot broadcast).
pub(crate) struct Shared<T>(Rc<RefCell<SharedState<T>>>);

struct SharedState<T> {
    value: Option<T>,
    wakers: Vec<Waker>,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T: Clone> Shared<T> {
    pub(crate) fn new() -> Self {
        Shared(Rc::new(RefCell::new(SharedState {
            value: None,
            wakers: Vec::new(),
        })))
    }

    /// Sets the value (the first call wins) and wakes every waiter.
    pub(crate) fn set(&self, value: T) {
        let wakers = {
            let mut state = borrow_mut(&self.0);
            if state.value.is_some() {
                return;
            }
            state.value = Some(value);
            core::mem::take(&mut state.wakers)
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Waits for the value.
    pub(crate) fn wait(&self) -> impl Future<Output = T> {
        let this = self.clone();
        poll_fn(move |cx| {
            let mut state = borrow_mut(&this.0);
            match &state.value {
                Some(value) => Poll::Ready(value.clone()),
                None => {
                    if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                        state.wakers.push(cx.waker().clone());
                    }
                    Poll::Pending
                }
            }
        })
    }
}

/// Cancels a future made [`cancellable`]: it is dropped at its next poll (woken at once).
#[derive(Clone)]
pub(crate) struct Cancel(Rc<CancelState>);

struct CancelState {
    cancelled: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Cancel {
    pub(crate) fn cancel(&self) {
        self.0.cancelled.set(true);
        let waker = borrow_mut(&self.0.waker).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// `future`, resolving to `None` (and dropping it, which aborts a fetch) once cancelled.
pub(crate) fn cancellable<F: Future>(
    future: F,
) -> (impl Future<Output = Option<F::Output>>, Cancel) {
    let cancel = Cancel(Rc::new(CancelState {
        cancelled: Cell::new(false),
        waker: RefCell::new(None),
    }));
    let state = cancel.0.clone();
    let wrapped = async move {
        let mut future = core::pin::pin!(future);
        poll_fn(move |cx| {
            if state.cancelled.get() {
                return Poll::Ready(None);
            }
            *borrow_mut(&state.waker) = Some(cx.waker().clone());
            future.as_mut().poll(cx).map(Some)
        })
        .await
    };
    (wrapped, cancel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn shared_wakes_every_waiter_with_the_first_value() {
        let shared = Shared::<u32>::new();
        let (a, b) = (shared.wait(), shared.wait());
        shared.set(7);
        shared.set(8);
        assert_eq!(block_on(async { (a.await, b.await) }), (7, 7));
        assert_eq!(block_on(shared.wait()), 7);
    }

    #[test]
    fn a_cancelled_future_is_dropped_unfinished() {
        struct Dropped(Rc<Cell<bool>>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let dropped = Rc::new(Cell::new(false));
        let guard = Dropped(dropped.clone());
        let never = async move {
            let _guard = guard;
            core::future::pending::<u32>().await
        };
        let (future, cancel) = cancellable(never);
        cancel.cancel();
        assert_eq!(block_on(future), None);
        assert!(dropped.get());
        let (ready, _cancel) = cancellable(async { 5 });
        assert_eq!(block_on(ready), Some(5));
    }
}
