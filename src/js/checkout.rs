//! `createCheckout(options)` and its `Checkout` handle.

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::{api, next_handle, promise, to_js};
use crate::adapter::{Binding, Report};
use crate::checkout::{Checkout, CheckoutState, Outcome};
use crate::error::FintocError;
use crate::widget::Callbacks;

/// The page's callbacks (`onSuccess`, …), called with no borrow held; what they throw is
/// ignored (it is the page's). They stay in JS (`api.js` keeps them by handle), where the
/// collector sees them: one that refers to the attached button does not pin the button.
struct JsCallbacks {
    /// Cleared by `destroy()`: no page callback is called after it, not even the rest of the
    /// moment it was called in (`onSuccess` right after `onStateChange('succeeded')`).
    alive: core::cell::Cell<bool>,
    /// The handle whose callbacks these are.
    id: u32,
}

impl JsCallbacks {
    /// Calls the page's callback `name`, if it gave one, with `a` (and `b`: `onEvent`'s
    /// metadata) — never after `destroy()`.
    fn call(&self, name: &str, a: &JsValue, b: &JsValue) {
        if self.alive.get() {
            api::call_back(self.id, name, a, b);
        }
    }
}

/// The JS API's side of [`Report`]: `onStateChange` and `onError` (no console: the page
/// decides what to log).
struct JsReport(Rc<JsCallbacks>);

impl Report for JsReport {
    fn state(&self, state: &CheckoutState) {
        self.0
            .call("onStateChange", &state.name().into(), &JsValue::UNDEFINED);
    }

    fn error(&self, error: &FintocError) {
        self.0.call("onError", &to_js(error), &JsValue::UNDEFINED);
    }

    fn console(&self) -> bool {
        false
    }
}

fn outcome_js(outcome: Outcome) -> JsValue {
    let object = js_sys::Object::new();
    let (status, payload) = match outcome {
        Outcome::Succeeded(p) => ("succeeded", Some(p)),
        Outcome::Exited(p) => ("exited", Some(p)),
        Outcome::Cancelled => ("cancelled", None),
        Outcome::Redirected => ("redirected", None),
        Outcome::Hidden => ("hidden", None),
    };
    let _ = js_sys::Reflect::set(&object, &"status".into(), &status.into());
    if let Some(payload) = payload {
        let _ = js_sys::Reflect::set(&object, &"payload".into(), payload.raw());
    }
    object.into()
}

struct Live {
    binding: Binding,
    /// The page's callbacks, silenced by `destroy()`.
    page: Rc<JsCallbacks>,
    prefetch_on_hover: bool,
}

/// A checkout from JavaScript, made by `createCheckout(options)`.
///
/// Lifetime: a pending `open()`/`prepare()` and an attached button keep the checkout working
/// even if the page drops its reference (the garbage collector never cancels a payment);
/// `destroy()` — or `using` / `[Symbol.dispose]()` — stops everything at once. A checkout with
/// an attached button lives as long as the button does (`src/js/api.js`).
#[wasm_bindgen(js_name = Checkout)]
pub struct JsCheckout {
    id: u32,
    live: LiveSlot,
}

/// The live checkout (`None` once destroyed).
type LiveSlot = Rc<RefCell<Option<Live>>>;

fn checkout_in(live: &RefCell<Option<Live>>) -> Result<Rc<Checkout>, JsValue> {
    crate::cell::borrow(live)
        .as_ref()
        .map(|live| live.binding.checkout().clone())
        .ok_or_else(api::destroyed_error)
}

/// Creates a checkout. Nothing is loaded or fetched until `prepare()`, `open()` or an attached
/// button's hover/click.
///
/// # Errors
/// An `Error` with a `code` for invalid options (`secret_key`, `invalid_public_key`,
/// `invalid_option`, …), thrown synchronously.
#[wasm_bindgen(js_name = createCheckout, unchecked_return_type = "Checkout")]
pub fn create_checkout(
    #[wasm_bindgen(unchecked_param_type = "CheckoutOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let id = next_handle();
    let options = super::options::checkout_options(&options, id)?;
    let page = Rc::new(JsCallbacks {
        alive: core::cell::Cell::new(true),
        id,
    });
    let none = JsValue::UNDEFINED;
    let callbacks = Callbacks::new()
        .on_success({
            let (page, none) = (page.clone(), none.clone());
            move |p| page.call("onSuccess", p.raw(), &none)
        })
        .on_exit({
            let (page, none) = (page.clone(), none);
            move |p| page.call("onExit", p.raw(), &none)
        })
        .on_event({
            let page = page.clone();
            move |e| page.call("onEvent", &e.kind.as_str().into(), e.metadata.raw())
        });
    let binding = Binding::new(options.config, callbacks, JsReport(page.clone()));
    let handle: JsValue = JsCheckout {
        id,
        live: Rc::new(RefCell::new(Some(Live {
            binding,
            page,
            prefetch_on_hover: options.prefetch_on_hover,
        }))),
    }
    .into();
    api::register_handle(id, &handle, &options.checked);
    Ok(handle)
}

#[wasm_bindgen(js_class = Checkout)]
impl JsCheckout {
    fn checkout(&self) -> Result<Rc<Checkout>, JsValue> {
        checkout_in(&self.live)
    }

    /// The current state (`idle` after `destroy()`).
    #[wasm_bindgen(getter, unchecked_return_type = "CheckoutState")]
    pub fn state(&self) -> String {
        let state = crate::cell::borrow(&self.live)
            .as_ref()
            .map(|l| l.binding.checkout().state());
        state.unwrap_or(CheckoutState::Idle).name().to_owned()
    }

    /// Fintoc's hosted page for the current session, if the session had a safe one (none
    /// after `destroy()`).
    #[wasm_bindgen(getter, js_name = redirectUrl)]
    pub fn redirect_url(&self) -> Option<String> {
        self.checkout().ok()?.redirect_url()
    }

    /// Loads the script and gets the session token ahead of the click. Resolves (with nothing)
    /// when the widget is ready (at once if it already is), and also when `destroy()` or
    /// `reset()` cancels the preparation first (`state` is then `idle`): a hover prefetch
    /// nobody awaits is never an unhandled rejection for that.
    ///
    /// # Errors
    /// Rejects with the failure's `Error` (with `code`), which `onError` gets too; throws
    /// `destroyed` after `destroy()`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn prepare(&self) -> Result<js_sys::Promise, JsValue> {
        let checkout = self.checkout()?;
        checkout.prepare();
        // The JS handle stays reachable (never collected, so never destroyed) until this settles.
        let keep = api::handle(self.id);
        Ok(promise(Box::pin(async move {
            let _alive = keep;
            let state = checkout
                .wait_for(|s| !matches!(s, CheckoutState::Preparing | CheckoutState::Opening))
                .await;
            match state {
                CheckoutState::Failed(e) => Err(to_js(&e)),
                // Ready, or cancelled (`Idle`) by `destroy()`/`reset()`.
                _ => Ok(JsValue::UNDEFINED),
            }
        })))
    }

    /// Opens the widget (preparing first if needed) and resolves when the shopper is done.
    ///
    /// # Errors
    /// Rejects with the failure's `Error` (with `code`), `already_succeeded` after a success
    /// (call `reset()` first); throws `destroyed` after `destroy()`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Outcome>")]
    pub fn open(&self) -> Result<js_sys::Promise, JsValue> {
        let checkout = self.checkout()?;
        // Started now, not when the promise's future is first polled: a `destroy()` in the same
        // tick (React StrictMode's effect, cleanup, effect) then finds it and cancels it.
        let run = checkout.start_run();
        // The JS handle stays reachable (never collected mid-payment) until the shopper is done.
        let keep = api::handle(self.id);
        Ok(promise(Box::pin(async move {
            let _alive = keep;
            // The checkout outlives a `destroy()` called inside one of its callbacks until this
            // run has heard how it ended (dropping it mid-callback would silence the run).
            let _checkout = checkout;
            match run.outcome().await {
                Ok(outcome) => Ok(outcome_js(outcome)),
                Err(e) => Err(to_js(&e)),
            }
        })))
    }

    /// Hides the open widget; `open()` shows it again.
    ///
    /// # Errors
    /// `destroyed` after `destroy()`.
    pub fn hide(&self) -> Result<(), JsValue> {
        self.checkout()?.hide();
        Ok(())
    }

    /// Forgets the session (after a success, to take another payment; after the webhook said
    /// the payment failed, to let the shopper try again).
    ///
    /// # Errors
    /// `destroyed` after `destroy()`.
    pub fn reset(&self) -> Result<(), JsValue> {
        self.checkout()?.reset();
        Ok(())
    }

    /// Clicks on `button` open the widget; with `prefetchOnHover` (default), the pointer
    /// entering it or focus prepares (not while it is disabled). Replaces an earlier attached
    /// button. The button keeps the checkout alive as long as the button lives, whether or not
    /// the page keeps this handle; a button gone from the page takes its checkout with it when
    /// the page keeps neither (`destroy()` stops it at once). One checkout per button.
    ///
    /// # Errors
    /// `invalid_option` when `button` is not an element or another checkout is attached to it
    /// (`destroy()` that one first, or attach it elsewhere); `destroyed` after `destroy()`.
    pub fn attach(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HTMLElement")] button: JsValue,
    ) -> Result<(), JsValue> {
        self.checkout()?;
        let prefetch = crate::cell::borrow(&self.live)
            .as_ref()
            .is_some_and(|live| live.prefetch_on_hover);
        api::attach_button(&api::handle(self.id), &button, prefetch)
    }

    /// Stops everything now: no widget left, a pending `open()` resolves `cancelled` (a pending
    /// `prepare()` resolves), no callback later — even when called from inside one — the
    /// attached button released. Any later method call throws an `Error` with code `destroyed`
    /// (`state` reads `idle`). `using` / `[Symbol.dispose]()` call it too.
    pub fn destroy(&self) {
        let live = crate::cell::borrow_mut(&self.live).take();
        if let Some(live) = live {
            live.page.alive.set(false);
            // (Undefined when the collector freed the handle: its button went with it.)
            api::detach_button(&api::handle(self.id));
            // Dropping the binding unsubscribes first (destroying is not a state change the
            // page must hear about), then cancels the checkout — unless a pending `open()`
            // holds it: cancelled here, so that run ends `cancelled` at once.
            let checkout = live.binding.checkout().clone();
            drop(live.binding);
            checkout.cancel();
        }
    }
}

impl Drop for JsCheckout {
    /// What `free()` does (directly, through `using`, or when the garbage collector finds the
    /// handle unreachable, which cannot happen while a payment is pending or a button attached).
    fn drop(&mut self) {
        self.destroy();
    }
}
