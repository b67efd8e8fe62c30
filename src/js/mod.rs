//! The JavaScript API (feature `js`): the only `#[wasm_bindgen]` exports of the crate, published
//! to npm as `fintoc-wasm` (`scripts/build-npm`).
//!
//! ```js
//! import { createCheckout } from 'fintoc-wasm';   // initialises itself
//! const checkout = createCheckout({
//!   publicKey: 'pk_test_…',
//!   session: { endpoint: '/api/checkout', method: 'POST', body: { items } },
//!   onStateChange(state) { button.setAttribute('aria-busy', String(state === 'opening')); },
//! });
//! checkout.attach(button);                 // click opens; hover/focus prepares
//! const outcome = await checkout.open();
//! // { status: 'succeeded' | 'exited' | 'hidden' | 'cancelled' | 'redirected', payload? }
//! checkout.destroy();
//! ```
//!
//! Every error reaching JS is an `Error` with a stable `code` ([`crate::FintocError::code`], plus
//! `invalid_option` for options of the wrong type and `destroyed` after `destroy()`). Invalid
//! options are refused synchronously by `createCheckout`. The `.d.ts` types every option,
//! payload, state and code.
//!
//! Where to find what:
//! - `types.d.ts`: the TypeScript declarations, appended to the generated `.d.ts`;
//! - `api.js`: the JS side — the options checked and handed over as plain values (a JS object is
//!   read most cheaply in JS; the `invalid_option` texts live there), and the handles' lifetime;
//! - `options.rs`: those values turned into the core's configuration;
//! - `checkout.rs`: `createCheckout` and the `Checkout` handle (callbacks, `attach`);
//! - `confirm.rs`: `confirmOrder` and the `Confirmation` handle.

use crate::prelude::*;

use wasm_bindgen::prelude::*;

mod checkout;
mod confirm;
mod errors;
mod options;

use errors::to_js;

pub use checkout::{create_checkout, JsCheckout};
pub use confirm::{confirm_order, JsConfirmation};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("types.d.ts");

/// src/js/api.js, parts 2 and 3: the handles' lifetime, attached buttons.
mod api {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/js/api.js")]
    extern "C" {
        /// The `destroyed` error: the checkout was destroyed.
        #[wasm_bindgen(js_name = destroyedError)]
        pub(super) fn destroyed_error() -> JsValue;

        /// The `invalid_option` error for a value `api.js` accepted that this wasm does not
        /// know (a JS glue and a wasm of different builds).
        #[wasm_bindgen(js_name = unknownValueError)]
        pub(super) fn unknown_value_error(option: &str) -> JsValue;

        /// Remembers a JS handle weakly (with its checked options: the callbacks and the
        /// session function, kept by the handle), and makes `[Symbol.dispose]` destroy it.
        #[wasm_bindgen(js_name = registerHandle)]
        pub(super) fn register_handle(id: u32, handle: &JsValue, options: &JsValue);

        /// Calls handle `id`'s callback `name`, if it has one (what it throws is ignored).
        #[wasm_bindgen(js_name = callBack)]
        pub(super) fn call_back(id: u32, name: &str, a: &JsValue, b: &JsValue);

        /// Calls handle `id`'s session function: a promise of its result (rejected with what
        /// it threw).
        #[wasm_bindgen(js_name = callSession)]
        pub(super) fn call_session(id: u32) -> js_sys::Promise;

        /// `JSON.stringify(value)`, or `undefined` when it throws.
        #[wasm_bindgen(js_name = jsonText)]
        pub(super) fn json_text(value: &JsValue) -> JsValue;

        /// The page's `f(a)`, or `undefined` when it threw.
        #[wasm_bindgen(js_name = callQuietly)]
        pub(super) fn call_quietly(f: &js_sys::Function, a: &JsValue) -> JsValue;

        /// The handle (a strong reference), while it lives.
        #[wasm_bindgen(js_name = handle)]
        pub(super) fn handle(id: u32) -> JsValue;

        /// What an attached button does (src/js/api.js, part 3).
        #[wasm_bindgen(catch, js_name = attachButton)]
        pub(super) fn attach_button(
            checkout: &JsValue,
            button: &JsValue,
            prefetch: bool,
        ) -> Result<(), JsValue>;

        /// Removes the attached button's listeners and releases it.
        #[wasm_bindgen(js_name = detachButton)]
        pub(super) fn detach_button(checkout: &JsValue);
    }
}

/// The last handle given out (an atomic only to be a plain `static` without std: the package's
/// target is single-threaded, where it compiles to a load and a store).
static NEXT_HANDLE: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// The promise of every async export: one `future_to_promise` for all of them (a boxed
/// future, so its machinery is in the package once rather than once per export).
fn promise(
    future: core::pin::Pin<Box<dyn core::future::Future<Output = Result<JsValue, JsValue>>>>,
) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(future)
}

/// A new id for a JS handle (`api::register_handle`), for checkouts and confirmations alike.
fn next_handle() -> u32 {
    // `fetch_add` wraps on overflow and returns the previous value.
    NEXT_HANDLE
        .fetch_add(1, core::sync::atomic::Ordering::Relaxed)
        .wrapping_add(1)
}
