//! The JavaScript API (`fintoc_wasm::js`, what the npm package exports), driven as a page would,
//! with options written as JS objects.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use fintoc_wasm::js::{create_checkout, JsCheckout};
use fintoc_wasm::testing::Sandbox;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &name.into()).unwrap()
}

/// The `code` of what `create_checkout` threw.
fn refused(options: &str) -> String {
    match create_checkout(js(&format!("({options})"))) {
        Ok(_) => panic!("accepted: {options}"),
        Err(e) => {
            assert!(e.is_instance_of::<js_sys::Error>(), "an Error: {e:?}");
            let message = get(&e, "message").as_string().unwrap();
            assert!(
                !message.contains("panicked") && !message.contains("unreachable"),
                "{message}"
            );
            get(&e, "code").as_string().unwrap()
        }
    }
}

#[wasm_bindgen_test]
fn every_bad_option_is_refused_synchronously_with_a_code() {
    let cases = [
        ("42", "invalid_option"),
        ("{}", "invalid_option"),
        (
            "{ publicKey: 'sk_live_oops', session: { token: 't' } }",
            "secret_key",
        ),
        (
            "{ publicKey: 'hello', session: { token: 't' } }",
            "invalid_public_key",
        ),
        (
            "{ publicKey: 42, session: { token: 't' } }",
            "invalid_option",
        ),
        ("{ publicKey: 'pk_test_a' }", "invalid_option"),
        (
            "{ publicKey: 'pk_test_a', session: 'cs_1' }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 'has space' } }",
            "invalid_session_token",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', method: 'DELETE' } }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', headers: { a: 1 } } }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', credentials: 'all' } }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', timeoutMs: -1 } }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 't' }, country: 'ar' }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 't' }, holderType: 'company' }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 't' }, product: 'loans' }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 't' }, username: 7 }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 't' }, onSuccess: 'yes' }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 't' }, timeoutMs: 'soon' }",
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 't' }, prefetchOnHover: 1 }",
            "invalid_option",
        ),
    ];
    for (options, code) in cases {
        assert_eq!(refused(options), code, "{options}");
    }
}

async fn settle(promise: js_sys::Promise) -> Result<JsValue, JsValue> {
    within(10_000, "a promise", JsFuture::from(promise)).await
}

fn checkout(options: &str) -> JsCheckout {
    create_checkout(js(&format!("({options})"))).unwrap()
}

#[wasm_bindgen_test]
async fn open_resolves_with_the_outcome_and_the_callbacks_fire() {
    let sandbox = Sandbox::install().unwrap();
    js("window.__states = []; window.__success = 0;");
    let c = checkout(
        "{ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_1' }, country: 'cl',
           onStateChange(s) { window.__states.push(s); }, onSuccess() { window.__success += 1; } }",
    );
    assert_eq!(c.state().unwrap(), "idle");
    let opened = c.open().unwrap();
    let shopper = async {
        assert!(
            until(5_000, || sandbox
                .widgets()
                .iter()
                .any(|w| w.state == "open"))
            .await
        );
        sandbox.succeed().unwrap();
    };
    let (outcome, ()) = futures::join!(settle(opened), shopper);
    let outcome = outcome.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("succeeded")
    );
    assert_eq!(c.state().unwrap(), "succeeded");
    let states: Vec<String> = js_sys::Array::from(&js("window.__states"))
        .iter()
        .filter_map(|s| s.as_string())
        .collect();
    assert_eq!(states, ["opening", "ready", "open", "succeeded"]);
    assert_eq!(js("window.__success").as_f64(), Some(1.0));
    assert_eq!(
        sandbox.last_options().unwrap().country.as_deref(),
        Some("cl")
    );
    // A second open() after success is refused with a code (reset() first).
    let again = settle(c.open().unwrap()).await.unwrap_err();
    assert_eq!(
        get(&again, "code").as_string().as_deref(),
        Some("already_succeeded")
    );
}

#[wasm_bindgen_test]
async fn an_endpoint_session_and_a_function_session_both_work() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("jsapi");
    let c = checkout(&format!(
        "{{ publicKey: 'pk_test_js', session: {{ endpoint: '{}', body: {{ items: [1, 2] }},
             headers: {{ 'X-Test': 'from-js' }} }} }}",
        session_url(&id, "")
    ));
    settle(c.prepare().unwrap()).await.unwrap();
    assert_eq!(c.state().unwrap(), "ready");
    let log = server_log(&id).await;
    let detail = log[0].detail.clone().unwrap();
    assert_eq!(detail["x-test"], "from-js");
    assert_eq!(detail["body"], r#"{"items":[1,2]}"#);
    assert_eq!(
        c.redirect_url().unwrap().as_deref(),
        Some(format!("https://checkout.fintoc.com/checkout_session_{id}").as_str())
    );
    c.destroy();

    let f = checkout(
        "{ publicKey: 'pk_test_js', session: async () => ({ sessionToken: 'cs_fn_sec_9', expiresIn: 300 }) }",
    );
    settle(f.prepare().unwrap()).await.unwrap();
    assert_eq!(
        sandbox.last_options().unwrap().session_token.as_deref(),
        Some("cs_fn_sec_9")
    );
    let failing = checkout(
        "{ publicKey: 'pk_test_js', session: async () => { throw new Error('GraphQL: no cart'); } }",
    );
    let err = settle(failing.prepare().unwrap()).await.unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("session_source")
    );
    assert!(get(&err, "message")
        .as_string()
        .unwrap()
        .contains("GraphQL: no cart"));
}

#[wasm_bindgen_test]
async fn destroy_cancels_a_pending_open_and_any_later_call_is_a_clear_error() {
    let sandbox = Sandbox::install().unwrap();
    let c = checkout("{ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_2' } }");
    let opened = c.open().unwrap();
    assert!(
        until(5_000, || sandbox
            .widgets()
            .iter()
            .any(|w| w.state == "open"))
        .await
    );
    c.destroy();
    let outcome = settle(opened).await.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("cancelled")
    );
    assert_eq!(sandbox.iframe_count(), 0, "the widget is gone");
    for result in [
        c.open().map(drop),
        c.prepare().map(drop),
        c.hide(),
        c.reset(),
    ] {
        let e = result.unwrap_err();
        assert_eq!(get(&e, "code").as_string().as_deref(), Some("destroyed"));
        assert!(get(&e, "message")
            .as_string()
            .unwrap()
            .contains("createCheckout"));
    }
    assert!(c.state().is_err());
    c.destroy(); // twice is fine
}

#[wasm_bindgen_test]
async fn an_attached_button_prepares_on_hover_and_opens_on_click() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("attach");
    let button: web_sys::HtmlElement = document()
        .create_element("button")
        .unwrap()
        .unchecked_into();
    document().body().unwrap().append_child(&button).unwrap();
    let c = checkout(&format!(
        "{{ publicKey: 'pk_test_js', session: {{ endpoint: '{}' }} }}",
        session_url(&id, "")
    ));
    c.attach(&button).unwrap();
    button
        .dispatch_event(&web_sys::Event::new("pointerenter").unwrap())
        .unwrap();
    assert!(
        until(3_000, || sandbox.create_count() == 1).await,
        "prepared on hover"
    );
    button.click();
    assert!(
        until(3_000, || sandbox
            .widgets()
            .iter()
            .any(|w| w.state == "open"))
        .await
    );
    assert_eq!(count_events(&id, "session-start").await, 1);
    c.destroy();
    button.click(); // listeners are gone with the checkout
    sleep(100).await;
    assert_eq!(sandbox.create_count(), 1);
    button.remove();
}

#[wasm_bindgen_test]
async fn a_dropped_handle_never_cancels_a_payment_in_progress() {
    let sandbox = Sandbox::install().unwrap();
    let c = checkout("{ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_3' } }");
    let opened = c.open().unwrap();
    // The page kept no reference: the handle is freed (what the garbage collector does).
    drop(c);
    assert!(
        until(5_000, || sandbox
            .widgets()
            .iter()
            .any(|w| w.state == "open"))
        .await,
        "the widget still opened"
    );
    sandbox.succeed().unwrap();
    let outcome = settle(opened).await.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("succeeded")
    );
}
