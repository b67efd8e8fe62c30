//! `use_fintoc_checkout`: the core [`Checkout`] as a Yew hook.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use super::config::{FintocCheckoutConfig, HookCallbacks};
use crate::adapter::{tell, AutoOpen, Binding, ConfigNews, InvalidConfig, Preload, Report};
use crate::checkout::{Checkout, CheckoutState};
use crate::error::FintocError;
use crate::session::SessionResponse;
use crate::widget::Callbacks;

/// The Yew side of [`Report`]: a re-render, and the latest props' callbacks (read when they
/// fire: no stale closures, and changing a callback never recreates the widget).
#[derive(Clone)]
struct YewReport {
    latest: Rc<RefCell<HookCallbacks>>,
    rerender: UseForceUpdateHandle,
}

impl YewReport {
    /// The latest callback `pick` finds, cloned out (no borrow held while it runs).
    fn emit<T>(&self, pick: fn(&HookCallbacks) -> Option<Callback<T>>, value: T) {
        let callback = pick(&self.latest.borrow());
        if let Some(callback) = callback {
            callback.emit(value);
        }
    }

    /// The widget callbacks, forwarding to the latest props.
    fn callbacks(&self) -> Callbacks {
        let (s, x, e) = (self.clone(), self.clone(), self.clone());
        Callbacks::new()
            .on_success(move |p| s.emit(|c| c.on_success.clone(), p))
            .on_exit(move |p| x.emit(|c| c.on_exit.clone(), p))
            .on_event(move |ev| e.emit(|c| c.on_event.clone(), ev))
    }
}

impl Report for YewReport {
    fn changed(&self) {
        self.rerender.force_update();
    }

    fn wants_sessions(&self) -> bool {
        self.latest.borrow().on_session.is_some()
    }

    fn session(&self, session: SessionResponse) {
        self.emit(|c| c.on_session.clone(), session);
    }

    fn state(&self, state: &CheckoutState) {
        self.emit(|c| c.on_state.clone(), state.clone());
    }

    fn error(&self, error: &FintocError) {
        self.emit(|c| c.on_error.clone(), error.clone());
    }
}

type Slot = Rc<RefCell<Option<Binding>>>;

/// The rules the component follows between renders (`adapter`), kept across them.
type Policy = Rc<RefCell<(InvalidConfig, Preload, AutoOpen)>>;

fn checkout_in(slot: &Slot) -> Option<Rc<Checkout>> {
    slot.borrow().as_ref().map(|b| b.checkout().clone())
}

/// What [`use_fintoc_checkout`] returns: the current state and the actions.
///
/// ```
/// # fn f(checkout: fintoc_wasm::yew::UseFintocCheckout) {
/// let busy = checkout.is_busy();
/// checkout.open();
/// # }
/// ```
///
/// Cheap to clone; the actions do nothing before the component is mounted, after it is
/// unmounted, or while its configuration is invalid (the state is then `Failed`).
#[derive(Clone)]
pub struct UseFintocCheckout {
    state: CheckoutState,
    redirect_url: Option<String>,
    slot: Slot,
    /// The component's policies, whose [`InvalidConfig`] says whether the latest configuration
    /// is invalid (a secret key, say): the actions then do nothing, or they would act with the
    /// last valid one while the state says `Failed`. Shared by every handle of the component,
    /// so a handle kept from an earlier render (a listener, a timer) follows it too.
    policy: Policy,
}

impl UseFintocCheckout {
    /// The checkout the actions act on: none before mount, after unmount, or while the
    /// configuration is invalid.
    fn checkout(&self) -> Option<Rc<Checkout>> {
        if crate::cell::borrow(&self.policy).0.is_invalid() {
            return None;
        }
        checkout_in(&self.slot)
    }

    /// The state at this render.
    pub fn state(&self) -> &CheckoutState {
        &self.state
    }

    /// True while opening: the shopper asked for the widget and it is not there yet (disable
    /// your button, show progress). A background prefetch is not busy.
    pub fn is_busy(&self) -> bool {
        self.state.is_busy()
    }

    /// Fintoc's hosted checkout page for the current session, if the session response had one.
    pub fn redirect_url(&self) -> Option<&str> {
        self.redirect_url.as_deref()
    }

    /// Opens the widget (preparing first if needed; a second call while preparing joins it).
    pub fn open(&self) {
        if let Some(checkout) = self.checkout() {
            checkout.open();
        }
    }

    /// Prepares ahead of the click (script and session token); see [`Checkout::prepare`].
    pub fn prepare(&self) {
        if let Some(checkout) = self.checkout() {
            checkout.prepare();
        }
    }

    /// Hides an open widget; see [`Checkout::hide`].
    pub fn hide(&self) {
        if let Some(checkout) = self.checkout() {
            checkout.hide();
        }
    }

    /// Tries again after a failure, and opens.
    pub fn retry(&self) {
        if let Some(checkout) = self.checkout() {
            checkout.retry();
        }
    }

    /// Forgets the session (e.g. after success, to pay for another order).
    pub fn reset(&self) {
        if let Some(checkout) = self.checkout() {
            checkout.reset();
        }
    }
}

impl std::fmt::Debug for UseFintocCheckout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UseFintocCheckout")
            .field("state", &self.state)
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

/// A Fintoc checkout for components that draw their own UI (the
/// [`FintocCheckout`](super::FintocCheckout) component is built on it).
///
/// The component re-renders on every state change. Effects (browser only, so SSR renders the
/// idle state and touches no browser API): the script preloads on mount, the config is applied
/// when it changes (a new public key or session source destroys the old widget first), and on
/// unmount the checkout is dropped: preparation cancelled, widget destroyed, no callback after.
///
/// ```no_run
/// use fintoc_wasm::yew::{use_fintoc_checkout, FintocCheckoutConfig};
/// use fintoc_wasm::{CheckoutState, SessionSource, Payload};
/// use yew::prelude::*;
///
/// #[component]
/// fn MyPayButton() -> Html {
///     let paid = use_state(|| false);
///     let checkout = use_fintoc_checkout(
///         FintocCheckoutConfig::new("pk_test_abc", SessionSource::endpoint("/api/checkout"))
///             .on_success({
///                 let paid = paid.clone();
///                 move |_: Payload| paid.set(true)
///             }),
///     );
///     let onclick = {
///         let checkout = checkout.clone();
///         Callback::from(move |_| checkout.open())
///     };
///     html! {
///         <div>
///             <button {onclick} disabled={checkout.is_busy()}>
///                 { if checkout.is_busy() { "…" } else { "Pay" } }
///             </button>
///             if let CheckoutState::Failed(err) = checkout.state() {
///                 <p>{ fintoc_wasm::ui::Locale::Es.labels().for_error(err) }</p>
///             }
///             if *paid { <p>{ "Confirming your payment…" }</p> }
///         </div>
///     }
/// }
/// ```
#[hook]
pub fn use_fintoc_checkout(config: FintocCheckoutConfig) -> UseFintocCheckout {
    let latest: Rc<RefCell<HookCallbacks>> = use_mut_ref(HookCallbacks::default);
    *latest.borrow_mut() = config.callbacks.clone();
    let report = YewReport {
        latest,
        rerender: use_force_update(),
    };
    let built = config.checkout_config();
    let slot: Slot = use_mut_ref(|| None);
    let policy: Policy = use_mut_ref(Default::default);

    // Created at the first render with a valid config (no browser call happens here).
    if slot.borrow().is_none() {
        if let Ok(checkout_config) = &built {
            let binding = Binding::new(checkout_config.clone(), report.callbacks(), report.clone());
            *slot.borrow_mut() = Some(binding);
        }
    }

    // The latest config of the same identity, at once: a `from_fn` source rebuilt on this render
    // carries the shop's newer closure (a new bearer token, the current cart), and the effects
    // below only run when the config compares unequal — which two `from_fn` sources with one key
    // never do. A new identity waits for the effect (it destroys the widget: a browser call).
    if let (Ok(config), Some(checkout)) = (&built, checkout_in(&slot)) {
        let _ = checkout.refresh_config(config.clone());
    }

    // Unmount: drop the binding (cancels preparation, destroys the widget, silences callbacks).
    {
        let slot = slot.clone();
        use_effect_with((), move |_| {
            move || {
                let held = slot.borrow_mut().take();
                drop(held);
            }
        });
    }

    // One effect for what follows a config (one per concern costs wasm: docs/size.md): a new
    // config (same identity keeps the widget; another key or session replaces it), an invalid
    // one (the checkout stops; `adapter::InvalidConfig` tells it once, and the state shown again
    // once fixed), preloading
    // (`adapter::Preload`: once per script) and auto-open (`adapter::AutoOpen`: once per
    // identity; a `from_fn` closure rebuilt by a render compares equal, so it reopens nothing).
    {
        let slot = slot.clone();
        let report = report.clone();
        let policy = policy.clone();
        use_effect_with(
            (built.clone(), config.preload, config.auto_open),
            move |(built, preload, auto_open)| {
                let checkout = checkout_in(&slot);
                // Decided with the policies borrowed, acted on with no borrow held.
                let (news, preload, open) = {
                    let (invalid, preloaded, auto) = &mut *policy.borrow_mut();
                    let ok = built.as_ref().ok();
                    (
                        invalid.record(built),
                        ok.is_some_and(|c| preloaded.due(*preload, c)),
                        auto.due(*auto_open, ok),
                    )
                };
                // A fixed configuration shows the checkout's state again: the shop hears it
                // before the states the new configuration brings.
                if let (ConfigNews::Fixed, Some(checkout)) = (&news, &checkout) {
                    tell(&report, &checkout.state());
                }
                if let Some(checkout) = checkout {
                    match built {
                        Ok(config) => {
                            checkout.set_config(config.clone());
                            if preload {
                                checkout.preload();
                            }
                            if open {
                                checkout.open();
                            }
                        }
                        Err(_) => checkout.reset(),
                    }
                }
                if let ConfigNews::Invalid(error) = news {
                    tell(&report, &CheckoutState::Failed(error.into()));
                }
            },
        );
    }

    let (state, redirect_url) = match (&built, checkout_in(&slot)) {
        (Err(error), _) => (CheckoutState::Failed(error.clone().into()), None),
        (Ok(_), Some(checkout)) => (checkout.state(), checkout.redirect_url()),
        (Ok(_), None) => (CheckoutState::Idle, None),
    };
    UseFintocCheckout {
        state,
        redirect_url,
        slot,
        policy,
    }
}
