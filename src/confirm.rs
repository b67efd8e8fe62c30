//! Confirming a payment the way that counts: `onSuccess` is not proof, the webhook is. After the
//! widget's success (or on the hosted page's return page), poll the shop's own order endpoint
//! until the status its webhook handler wrote arrives.
//!
//! ```no_run
//! use std::time::Duration;
//! use fintoc_wasm::confirm::{Confirm, Confirmation};
//!
//! # async fn after_success(order_id: &str) {
//! let confirm = Confirm::order(format!("/api/orders/{order_id}"))
//!     .deadline(Duration::from_secs(120));
//! match confirm.run().await {
//!     Confirmation::Confirmed(_order) => { /* "¡Pago confirmado!" */ }
//!     Confirmation::NotPaid { reason, .. } => { /* "the bank rejected it", reason for support */ }
//!     Confirmation::StillPending => { /* "we'll email you the result" */ }
//! }
//! # }
//! ```
//!
//! In a component, [`Confirm::spawn`] runs it in the background and hands back a [`Confirming`]
//! handle: keep it in the component's state, and dropping it (the component unmounts, a new
//! payment starts) stops the polling at once, so no loop outlives the page that asked.

use crate::prelude::*;
use alloc::rc::Rc;
use core::time::Duration;

use crate::browser;
use crate::widget::Payload;

/// What one answer of the order endpoint says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The webhook confirmed the payment.
    Confirmed,
    /// The webhook said it was not paid (failed, rejected, expired), with a reason if known.
    NotPaid(Option<String>),
    /// Not decided yet: ask again.
    Pending,
}

/// How a confirmation ended.
#[derive(Clone, Debug)]
pub enum Confirmation {
    /// The webhook confirmed it; the order as the endpoint answered.
    Confirmed(Payload),
    /// The webhook said it was not paid.
    NotPaid {
        /// Why, when the order says.
        reason: Option<String>,
        /// The order as the endpoint answered.
        order: Payload,
    },
    /// The deadline passed with no decision: tell the customer the result will be emailed.
    StillPending,
}

/// Where a confirmation is, for a UI: [`Confirmation`] without its data, plus `Confirming`.
///
/// ```
/// use fintoc_wasm::confirm::{Confirmation, Stage};
/// assert_eq!(Confirmation::StillPending.stage(), Stage::StillPending);
/// assert_eq!(Stage::StillPending.as_str(), "still_pending");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Still asking the order endpoint.
    #[default]
    Confirming,
    /// [`Confirmation::Confirmed`].
    Confirmed,
    /// [`Confirmation::NotPaid`].
    NotPaid,
    /// [`Confirmation::StillPending`].
    StillPending,
}

impl Stage {
    /// `confirming`, `confirmed`, `not_paid` or `still_pending` (for `data-state` and JS).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Confirming => "confirming",
            Stage::Confirmed => "confirmed",
            Stage::NotPaid => "not_paid",
            Stage::StillPending => "still_pending",
        }
    }
}

impl Confirmation {
    /// Which [`Stage`] this result is.
    pub fn stage(&self) -> Stage {
        match self {
            Confirmation::Confirmed(_) => Stage::Confirmed,
            Confirmation::NotPaid { .. } => Stage::NotPaid,
            Confirmation::StillPending => Stage::StillPending,
        }
    }
}

/// Polls an order endpoint (GET, JSON, cookies same-origin) with backoff until the webhook's
/// decision arrives or the deadline passes. Dropping [`run`](Self::run)'s future stops it (the
/// request in flight is aborted): no loop outlives the page that asked.
#[derive(Clone)]
pub struct Confirm {
    url: String,
    first: Duration,
    max: Duration,
    deadline: Duration,
    read: Rc<dyn Fn(&Payload) -> Verdict>,
}

impl Confirm {
    /// Polls `url`, reading its `status`: `paid` (or `succeeded`) confirms; `failed`, `rejected`,
    /// `expired` are not paid (the reason from `failure_reason`, else the status); anything else
    /// is pending. Every second at first, backing off to 5 s; 2 minutes at most.
    pub fn order(url: impl Into<String>) -> Self {
        Confirm {
            url: url.into(),
            first: Duration::from_secs(1),
            max: Duration::from_secs(5),
            deadline: Duration::from_secs(120),
            read: Rc::new(default_read),
        }
    }

    /// Reads your endpoint's own shape instead.
    pub fn read(mut self, read: impl Fn(&Payload) -> Verdict + 'static) -> Self {
        self.read = Rc::new(read);
        self
    }

    /// The first wait and the longest one (the wait grows by half each time in between).
    pub fn interval(mut self, first: Duration, max: Duration) -> Self {
        self.first = first;
        self.max = max.max(first);
        self
    }

    /// How long to keep asking before [`Confirmation::StillPending`].
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Polls until decided or the deadline. Off-browser it answers `StillPending` at once.
    pub async fn run(&self) -> Confirmation {
        if browser::window().is_none() {
            return Confirmation::StillPending;
        }
        let started = browser::now_ms();
        let deadline_ms = self.deadline.as_secs_f64() * 1000.0;
        let mut wait = self.first;
        loop {
            if let Some(order) = self.ask().await {
                match (self.read)(&order) {
                    Verdict::Confirmed => return Confirmation::Confirmed(order),
                    Verdict::NotPaid(reason) => return Confirmation::NotPaid { reason, order },
                    Verdict::Pending => {}
                }
            }
            let left = deadline_ms - (browser::now_ms() - started);
            if left <= 0.0 {
                return Confirmation::StillPending;
            }
            sleep((wait.as_secs_f64() * 1000.0).min(left)).await;
            wait = (wait + wait / 2).min(self.max);
        }
    }

    /// Runs [`run`](Self::run) in the background and calls `done` with the result — unless the
    /// returned [`Confirming`] is dropped first: then (from the next microtask) the request in
    /// flight is aborted, no request follows, and `done` is never called. Bind the handle to a
    /// name that lives as long as the page: `let _ = confirm.spawn(…)` stops it at once.
    /// Off-browser (server-side rendering, native) nothing runs and `done` is never called.
    ///
    /// ```no_run
    /// use fintoc_wasm::confirm::{Confirm, Confirmation};
    ///
    /// # fn after_success(order_id: &str) {
    /// let confirming = Confirm::order(format!("/api/orders/{order_id}")).spawn(|result| {
    ///     if let Confirmation::Confirmed(_) = result { /* "¡Pago confirmado!" */ }
    /// });
    /// // Keep `confirming` with the component; dropping it stops the polling.
    /// drop(confirming);
    /// # }
    /// ```
    pub fn spawn(&self, done: impl FnOnce(Confirmation) + 'static) -> Confirming {
        let this = self.clone();
        let (run, cancel) = crate::task::cancellable(async move { this.run().await });
        if browser::window().is_some() {
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(result) = run.await {
                    done(result);
                }
            });
        }
        Confirming { cancel }
    }

    /// One request; `None` when it failed (offline a moment, a 5xx): the next round asks again.
    async fn ask(&self) -> Option<Payload> {
        let headers = js_sys::Array::of2(&"Accept".into(), &"application/json".into());
        let pending = browser::start_fetch(&self.url, "GET", headers, None, "same-origin", 15_000);
        let abort = browser::AbortOnDrop(Some(pending));
        let done = abort.0.as_ref()?.done();
        let settled = wasm_bindgen_futures::JsFuture::from(done).await;
        abort.disarm();
        let pair = js_sys::Array::from(&settled.ok()?);
        let status = pair.get(0).as_f64()?;
        if !(200.0..300.0).contains(&status) {
            return None;
        }
        let body = browser::parse_json(&pair.get(1).as_string()?);
        body.is_object().then(|| Payload::from_js(body))
    }
}

fn default_read(order: &Payload) -> Verdict {
    match order.string("status").as_deref() {
        Some("paid" | "succeeded") => Verdict::Confirmed,
        Some(status @ ("failed" | "rejected" | "expired")) => Verdict::NotPaid(
            order
                .string("failure_reason")
                .or_else(|| Some(status.to_owned())),
        ),
        _ => Verdict::Pending,
    }
}

/// A confirmation running in the background ([`Confirm::spawn`]); dropping it stops it.
///
/// ```no_run
/// # fn f(confirm: fintoc_wasm::confirm::Confirm) {
/// let confirming = confirm.spawn(|_| {});
/// drop(confirming); // no more requests, no callback
/// # }
/// ```
#[must_use = "dropping a Confirming stops the polling at once"]
pub struct Confirming {
    cancel: crate::task::Cancel,
}

impl Drop for Confirming {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl core::fmt::Debug for Confirming {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Confirming").finish_non_exhaustive()
    }
}

/// A timer future (`setTimeout`, in `src/browser/page.js`); dropping it leaves a timer that
/// resolves nothing.
async fn sleep(ms: f64) {
    let ms = ms.clamp(0.0, f64::from(browser::MAX_TIMER_MS)) as u32;
    let _ = wasm_bindgen_futures::JsFuture::from(browser::sleep(ms)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_browser_a_spawned_confirmation_does_nothing() {
        let called = Rc::new(core::cell::Cell::new(false));
        let confirming = Confirm::order("/api/orders/ord_1").spawn({
            let called = called.clone();
            move |_| called.set(true)
        });
        drop(confirming);
        assert!(!called.get());
    }

    #[test]
    fn off_browser_it_is_still_pending_at_once() {
        let c = Confirm::order("/api/orders/ord_1");
        assert!(matches!(
            futures::executor::block_on(c.run()),
            Confirmation::StillPending
        ));
    }
}
