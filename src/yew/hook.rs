//! `use_fintoc_checkout`: the core [`Checkout`] as a Yew hook.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use super::config::{FintocCheckoutConfig, HookCallbacks};
use crate::checkout::{Checkout, CheckoutConfig, CheckoutState, Subscription};
use crate::load::LoadOptions;
use crate::ui::NewSessions;
use crate::widget::Callbacks;

/// The checkout a component holds, and its subscription (dropped together on unmount).
struct Held {
    checkout: Rc<Checkout>,
    _subscription: Subscription,
}

impl Held {
    fn new(
        config: CheckoutConfig,
        latest: &Rc<RefCell<HookCallbacks>>,
        rerender: impl Fn() + 'static,
    ) -> Held {
        // Each callback reads the latest props' callback when it fires: no stale closures, and
        // changing a callback never recreates the widget.
        let callbacks = Callbacks::new()
            .on_success(forward(latest, |c| c.on_success.clone()))
            .on_exit(forward(latest, |c| c.on_exit.clone()))
            .on_event(forward(latest, |c| c.on_event.clone()));
        let checkout = Rc::new(Checkout::new(config, callbacks));
        let subscription = checkout.subscribe({
            let latest = latest.clone();
            let checkout = Rc::downgrade(&checkout);
            let sessions = NewSessions::default();
            move |state| {
                rerender();
                let callbacks = latest.borrow().clone();
                if let Some(on_session) = &callbacks.on_session {
                    if let Some(session) = sessions.take(&checkout) {
                        on_session.emit(session);
                    }
                }
                if let Some(on_state) = callbacks.on_state {
                    on_state.emit(state.clone());
                }
                if let CheckoutState::Failed(error) = state {
                    crate::browser::debug_console_error(error);
                    if let Some(on_error) = callbacks.on_error {
                        on_error.emit(error.clone());
                    }
                }
            }
        });
        Held {
            checkout,
            _subscription: subscription,
        }
    }
}

/// A function that emits to the callback `pick` finds in the latest callbacks (the borrow ends
/// before the callback runs).
fn forward<T: 'static>(
    latest: &Rc<RefCell<HookCallbacks>>,
    pick: fn(&HookCallbacks) -> Option<Callback<T>>,
) -> impl Fn(T) + 'static {
    let latest = latest.clone();
    move |value| {
        let callback = pick(&latest.borrow());
        if let Some(callback) = callback {
            callback.emit(value);
        }
    }
}

type Slot = Rc<RefCell<Option<Held>>>;

/// A config compared by identity only (public key and session source): what auto-open follows,
/// so a closure rebuilt on every render does not reopen the widget.
struct Identity(CheckoutConfig);

impl PartialEq for Identity {
    fn eq(&self, other: &Self) -> bool {
        self.0.same_identity(&other.0)
    }
}

fn checkout_in(slot: &Slot) -> Option<Rc<Checkout>> {
    slot.borrow().as_ref().map(|held| held.checkout.clone())
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
/// Cheap to clone; the actions do nothing before the component is mounted or after it is
/// unmounted.
#[derive(Clone)]
pub struct UseFintocCheckout {
    state: CheckoutState,
    redirect_url: Option<String>,
    slot: Slot,
}

impl UseFintocCheckout {
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
        if let Some(checkout) = checkout_in(&self.slot) {
            checkout.open();
        }
    }

    /// Prepares ahead of the click (script and session token); see [`Checkout::prepare`].
    pub fn prepare(&self) {
        if let Some(checkout) = checkout_in(&self.slot) {
            checkout.prepare();
        }
    }

    /// Hides an open widget; see [`Checkout::hide`].
    pub fn hide(&self) {
        if let Some(checkout) = checkout_in(&self.slot) {
            checkout.hide();
        }
    }

    /// Tries again after a failure, and opens.
    pub fn retry(&self) {
        if let Some(checkout) = checkout_in(&self.slot) {
            checkout.retry();
        }
    }

    /// Forgets the session (e.g. after success, to pay for another order).
    pub fn reset(&self) {
        if let Some(checkout) = checkout_in(&self.slot) {
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
    let force_update = use_force_update();
    let built = config.checkout_config();
    let slot: Slot = use_mut_ref(|| None);

    // Created at the first render with a valid config (no browser call happens here).
    if slot.borrow().is_none() {
        if let Ok(checkout_config) = &built {
            let held = Held::new(checkout_config.clone(), &latest, move || {
                force_update.force_update()
            });
            *slot.borrow_mut() = Some(held);
        }
    }

    // The latest config of the same identity, at once: a `from_fn` source rebuilt on this render
    // carries the shop's newer closure (a new bearer token, the current cart), and the effects
    // below only run when the config compares unequal — which two `from_fn` sources with one key
    // never do. A new identity waits for the effect (it destroys the widget: a browser call).
    if let (Ok(config), Some(checkout)) = (&built, checkout_in(&slot)) {
        let _ = checkout.refresh_config(config.clone());
    }

    // Unmount: drop the checkout (cancels preparation, destroys the widget, silences callbacks).
    {
        let slot = slot.clone();
        use_effect_with((), move |_| {
            move || {
                let held = slot.borrow_mut().take();
                drop(held);
            }
        });
    }

    // One effect for what follows a config (each Yew effect costs about 0.6 kB of wasm):
    // - a new config: same identity keeps the widget; another key or session replaces it;
    // - an invalid config stops the checkout and is an error the shop hears about once per
    //   distinct error;
    // - preloading the script: once per script (load options), not again on every config
    //   change (after a failed load, preloading again would add another `<script>`).
    {
        let slot = slot.clone();
        let latest = latest.clone();
        let preloaded: Rc<RefCell<Option<LoadOptions>>> = use_mut_ref(|| None);
        // `preload` counts only for a valid config: toggling it never repeats an error.
        let preload = config.preload && built.is_ok();
        use_effect_with((built.clone(), preload), move |(built, preload)| {
            let checkout = checkout_in(&slot);
            match built {
                Ok(config) => {
                    if let Some(checkout) = &checkout {
                        checkout.set_config(config.clone());
                        let load = Some(config.load().clone());
                        // Redirect mode loads nothing: it does not count as preloaded, so a
                        // switch to the widget preloads then.
                        let loads = config.checkout_mode() != crate::CheckoutMode::Redirect;
                        if *preload && loads && *preloaded.borrow() != load {
                            *preloaded.borrow_mut() = load;
                            checkout.preload();
                        }
                    }
                }
                Err(error) => {
                    if let Some(checkout) = &checkout {
                        checkout.reset();
                    }
                    crate::browser::debug_console_error(error);
                    let on_error = latest.borrow().on_error.clone();
                    if let Some(on_error) = on_error {
                        on_error.emit(error.clone().into());
                    }
                }
            }
        });
    }

    {
        let slot = slot.clone();
        let identity = built.as_ref().ok().cloned().map(Identity);
        use_effect_with(
            (config.auto_open, identity),
            move |(auto_open, identity)| {
                if *auto_open && identity.is_some() {
                    if let Some(checkout) = checkout_in(&slot) {
                        checkout.open();
                    }
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
    }
}
