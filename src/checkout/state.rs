//! Where a checkout is, as its adapters see it, and how a run ended.

use crate::error::FintocError;
use crate::widget::Payload;

/// Where a checkout is.
///
/// ```text
/// Idle ─prepare()─▶ Preparing ─open()─▶ Opening ─▶ Ready ─▶ Open ─▶ Succeeded
///   └──────────────open()──────────────────┘      ▲  └hide()┘ ├───▶ Exited ─open()─▶ Open …
///                                  Failed(err) ◀──┘ (any step)└ open()/retry() ─▶ Opening …
/// ```
///
/// With [`CheckoutMode::Redirect`](crate::CheckoutMode::Redirect) there is no widget: `Ready`
/// means the session is there, and `open()` leads to `Redirecting` (the page goes to Fintoc's
/// hosted checkout page; the shopper comes back to your `success_url` or `cancel_url`).
///
/// `Preparing` is work in the background (the shopper only pointed at the button): the button
/// stays usable. `Opening` means the shopper asked for the widget: show progress.
///
/// ```
/// use fintoc_wasm::CheckoutState;
/// assert!(CheckoutState::Opening.is_busy());
/// assert!(!CheckoutState::Preparing.is_busy());
/// assert!(!CheckoutState::Ready.is_busy());
/// assert_eq!(CheckoutState::Open.name(), "open");
/// assert!(CheckoutState::Failed(fintoc_wasm::error::LoadError::NotInBrowser.into()).error().is_some());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CheckoutState {
    /// Nothing started (or cancelled).
    Idle,
    /// Loading the script and getting the session token in the background ([`prepare`]).
    ///
    /// [`prepare`]: crate::Checkout::prepare
    Preparing,
    /// Like `Preparing`, and the shopper asked to open: the widget opens as soon as it exists.
    Opening,
    /// The widget exists, hidden; `open()` shows it at once.
    Ready,
    /// The widget is shown.
    Open,
    /// The widget reported success. Not proof of payment: the backend confirms it from the
    /// webhook.
    Succeeded,
    /// The user closed the widget; `open()` shows it again.
    Exited,
    /// The page is going to Fintoc's hosted checkout page (redirect mode, or the widget's
    /// script could not load and [`CheckoutMode::WidgetOrRedirect`](crate::CheckoutMode) was
    /// chosen).
    Redirecting,
    /// Something failed; `open()` or `retry()` tries again.
    Failed(FintocError),
}

impl CheckoutState {
    /// True while opening or redirecting (adapters show progress and disable the pay button).
    /// Background preparation is not busy: the button stays usable.
    pub fn is_busy(&self) -> bool {
        matches!(self, CheckoutState::Opening | CheckoutState::Redirecting)
    }

    /// The error, in the `Failed` state.
    pub fn error(&self) -> Option<&FintocError> {
        match self {
            CheckoutState::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// A stable lower-case name (`idle`, `preparing`, `opening`, `ready`, `open`, `succeeded`,
    /// `exited`, `redirecting`, `failed`), for CSS classes, `data-state` attributes and JS.
    pub fn name(&self) -> &'static str {
        match self {
            CheckoutState::Idle => "idle",
            CheckoutState::Preparing => "preparing",
            CheckoutState::Opening => "opening",
            CheckoutState::Ready => "ready",
            CheckoutState::Open => "open",
            CheckoutState::Succeeded => "succeeded",
            CheckoutState::Exited => "exited",
            CheckoutState::Redirecting => "redirecting",
            CheckoutState::Failed(_) => "failed",
        }
    }
}

/// How the widget finished, for [`Checkout::run`](crate::Checkout::run).
///
/// ```no_run
/// use fintoc_wasm::{Checkout, Outcome};
/// # async fn pay(checkout: &Checkout) -> Result<(), fintoc_wasm::FintocError> {
/// match checkout.run().await? {
///     Outcome::Succeeded(_payload) => { /* "confirming…": the webhook decides */ }
///     Outcome::Exited(_payload) => { /* the shopper closed the widget */ }
///     Outcome::Cancelled => { /* the page cancelled or reset the checkout */ }
///     Outcome::Redirected => { /* leaving for Fintoc's hosted page */ }
///     Outcome::Hidden => { /* your page called hide() */ }
///     _ => { /* non_exhaustive: a later version may add an outcome */ }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The widget's `onSuccess` (not proof of payment: the webhook is).
    Succeeded(Payload),
    /// The widget's `onExit`: the shopper closed it.
    Exited(Payload),
    /// The checkout was cancelled or reset (or its config's identity changed) before the widget
    /// finished.
    Cancelled,
    /// The page is going to Fintoc's hosted checkout page (redirect mode): the result comes on
    /// your return page, from your webhook.
    Redirected,
    /// The page hid the widget ([`Checkout::hide`](crate::Checkout::hide)) before the shopper
    /// finished: the run is over, the widget is kept (`Ready`), and `open()` or another
    /// [`run`](crate::Checkout::run) shows it again.
    Hidden,
}
