//! The JavaScript API's value-table hygiene, alone in its page: the count it checks is the
//! wasm's, shared by everything in the page, so no other test may run (or leave work running)
//! beside it.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use fintoc_wasm::js::{confirm_order, create_checkout};
use fintoc_wasm::testing::Sandbox;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn checkout(options: &str) -> JsValue {
    create_checkout(js(&format!("({options})"))).unwrap()
}

/// `handle.name()`, as page code would call it.
fn call(handle: &JsValue, name: &str) -> JsValue {
    let f: js_sys::Function = js_sys::Reflect::get(handle, &name.into())
        .unwrap()
        .dyn_into()
        .expect("a method");
    f.call0(handle).unwrap()
}

async fn settle(promise: JsValue) -> Result<JsValue, JsValue> {
    let promise: js_sys::Promise = promise.dyn_into().expect("a Promise");
    within(10_000, "a promise", JsFuture::from(promise)).await
}

/// What a page may repeat leaves nothing in the wasm's value table: options refused in JS and in
/// Rust (a throwing getter too), session functions that throw, reject or resolve what JSON
/// cannot write, confirmations of orders that answer no JSON or whose reader throws. (A
/// wasm-bindgen `catch` import that returns a value leaks a slot each time it throws: the crate
/// uses none on these paths.)
#[wasm_bindgen_test]
async fn failures_a_page_repeats_leave_nothing_in_the_value_table() {
    let _sandbox = Sandbox::install().unwrap();
    async fn round() {
        // confirmOrder: refused options; an order answering what is not JSON; a reader and an
        // onStageChange that throw. Each settles at its deadline, then is freed (a confirmation
        // keeps its `done` promise until then).
        assert!(confirm_order(js("({ url: 'ftp://x' })")).is_err());
        let orders = [
            (format!("{}/status/200", server()), ""),
            (
                format!("{}/order?id={}&final=paid", server(), unique_id("leaks")),
                ", read() { throw new Error('r'); }, onStageChange() { throw new Error('s'); }",
            ),
        ];
        for (url, extra) in orders {
            let options = format!("({{ url: '{url}', deadlineMs: 1000{extra} }})");
            let confirmation = confirm_order(js(&options)).unwrap();
            let done = js_sys::Reflect::get(&confirmation, &"done".into()).unwrap();
            settle(done).await.unwrap();
            call(&confirmation, "free");
        }
        for bad in [
            "42",
            "({ publicKey: 'pk_test_a', session: { token: 't' }, typo: 1 })",
            "({ get publicKey() { throw new Error('getter'); }, session: { token: 't' } })",
            "({ publicKey: 'sk_live_x', session: { token: 't' } })",
        ] {
            assert!(create_checkout(js(bad)).is_err(), "{bad}");
        }
        for session in [
            "() => { throw new Error('sync'); }",
            "async () => { throw new Error('async'); }",
            "async () => ({ sessionToken: 1n })",
        ] {
            let c = checkout(&format!(
                "{{ publicKey: 'pk_test_js', session: {session} }}"
            ));
            let failed = settle(call(&c, "prepare")).await;
            assert!(failed.is_err(), "{session}");
            call(&c, "destroy");
        }
    }
    // Warm-up: Fintoc.js loaded once (a failed session leaves the load going on for the next
    // attempt, its waiters holding values until it ends), then a round.
    let ok = checkout("{ publicKey: 'pk_test_js', session: { token: 'cs_leaks_sec_1' } }");
    settle(call(&ok, "prepare")).await.unwrap();
    call(&ok, "destroy");
    round().await;
    let before = wasm_bindgen::externref_heap_live_count();
    for _ in 0..5 {
        round().await;
    }
    let after = wasm_bindgen::externref_heap_live_count();
    assert_eq!(after, before, "values left in the table by 5 rounds");
}
