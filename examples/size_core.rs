//! A minimal page that uses the core API the way a shop would; built only to measure what the
//! core adds to a wasm bundle (`scripts/measure-size`). Not a demo.
use fintoc_wasm::{
    Callbacks, Checkout, CheckoutConfig, CheckoutState, SessionSource, WidgetOptions,
};
use wasm_bindgen::prelude::*;

/// Builds a checkout, subscribes to it and opens it.
#[wasm_bindgen]
pub fn pay(public_key: &str, endpoint: &str) -> Result<(), JsValue> {
    let options = WidgetOptions::builder(public_key)
        .build()
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let checkout = Checkout::new(
        CheckoutConfig::new(options, SessionSource::endpoint(endpoint)),
        Callbacks::new()
            .on_success(|_| web_log("success"))
            .on_exit(|_| web_log("exit"))
            .on_event(|e| web_log(e.kind.as_str())),
    );
    let subscription = checkout.subscribe(|state| {
        if let CheckoutState::Failed(err) = state {
            web_log(&err.to_string());
        }
    });
    checkout.open();
    // Keep both alive for the page's lifetime (a real shop stores them in its UI state).
    CHECKOUT.with(|c| *c.borrow_mut() = Some((checkout, subscription)));
    Ok(())
}

thread_local! {
    static CHECKOUT: std::cell::RefCell<Option<(Checkout, fintoc_wasm::checkout::Subscription)>> =
        const { std::cell::RefCell::new(None) };
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    fn web_log(s: &str);
}
