//! `RefCell` borrows, from one place, for the whole crate: `RefCell::borrow` and `borrow_mut`
//! are `#[track_caller]`, so every call site would carry its own panic location in the bundle;
//! through these two helpers there is one each (see docs/size.md).
//!
//! Never hold what they return across a call into JS: the page may call back into the crate.

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
