//! `confirmOrder(options)` and its `Confirmation` handle.

use crate::prelude::*;
use alloc::rc::Rc;

use wasm_bindgen::prelude::*;

use super::{api, next_handle, promise};
use crate::confirm::{Confirmation, Stage};

/// A confirmation from JavaScript, made by `confirmOrder(options)`: polls your order endpoint
/// until the webhook's decision. While it runs the garbage collector leaves it alone (the page
/// may only keep the `done` promise); `cancel()` — or `using` — stops it at once.
#[wasm_bindgen(js_name = Confirmation)]
pub struct JsConfirmation {
    stage: Rc<core::cell::Cell<Stage>>,
    done: js_sys::Promise,
    cancel: crate::task::Cancel,
}

fn confirmation_js(result: Option<Confirmation>) -> JsValue {
    let object = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = js_sys::Reflect::set(&object, &k.into(), v);
    };
    match result {
        None => set("status", &"cancelled".into()),
        Some(done) => {
            set("status", &done.stage().as_str().into());
            match done {
                Confirmation::Confirmed(order) => set("order", order.raw()),
                Confirmation::NotPaid { reason, order } => {
                    set("order", order.raw());
                    if let Some(reason) = reason {
                        set("reason", &reason.into());
                    }
                }
                Confirmation::StillPending => {}
            }
        }
    }
    object.into()
}

/// Starts confirming an order: asks `options.url` with backoff (every second at first, then up
/// to every 5 s) until the webhook-confirmed status arrives or `deadlineMs` (default 2 minutes)
/// passes.
///
/// # Errors
/// An `Error` with code `invalid_option` for options of the wrong type, thrown synchronously.
#[wasm_bindgen(js_name = confirmOrder, unchecked_return_type = "Confirmation")]
pub fn confirm_order(
    #[wasm_bindgen(unchecked_param_type = "ConfirmOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let super::options::ConfirmOptions { confirm, on_stage } =
        super::options::confirm_options(&options)?;
    let stage = Rc::new(core::cell::Cell::new(Stage::Confirming));
    let (run, cancel) = crate::task::cancellable({
        let stage = stage.clone();
        async move {
            let result = confirm.run().await;
            stage.set(result.stage());
            if let Some(f) = &on_stage {
                super::api::call_quietly(f, &result.stage().as_str().into());
            }
            result
        }
    });
    let id = next_handle();
    let done = promise(Box::pin(async move {
        // The JS handle stays reachable (never collected, so never cancelled) until done.
        let _alive = api::handle(id);
        Ok(confirmation_js(run.await))
    }));
    let handle: JsValue = JsConfirmation {
        stage,
        done,
        cancel,
    }
    .into();
    api::register_handle(id, &handle, &JsValue::UNDEFINED);
    Ok(handle)
}

#[wasm_bindgen(js_class = Confirmation)]
impl JsConfirmation {
    /// Where it is now.
    #[wasm_bindgen(getter, unchecked_return_type = "ConfirmationStage")]
    pub fn stage(&self) -> String {
        self.stage.get().as_str().to_owned()
    }

    /// Resolves once with the result (`cancelled` after `cancel()`); never rejects.
    #[wasm_bindgen(getter, unchecked_return_type = "Promise<ConfirmResult>")]
    pub fn done(&self) -> js_sys::Promise {
        self.done.clone()
    }

    /// Stops asking now (the request in flight is aborted); `done` resolves `cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The same as `cancel()` (what `using` / `[Symbol.dispose]()` call).
    pub fn destroy(&self) {
        self.cancel.cancel();
    }
}

impl Drop for JsConfirmation {
    /// `free()`, or `using`: stops asking.
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
