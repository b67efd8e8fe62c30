//! The JavaScript API (`fintoc_wasm::js`, what the npm package exports), driven as a page would:
//! options written as JS objects, methods called on the JS handle through the generated glue.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use fintoc_wasm::js::{confirm_order, create_checkout};
use fintoc_wasm::testing::Sandbox;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &name.into()).unwrap()
}

/// `handle.name(...args)`, as page code would call it.
fn call(handle: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = get(handle, name).dyn_into().expect("a method");
    f.apply(handle, &args.iter().copied().collect::<js_sys::Array>())
}

fn code(error: &JsValue) -> String {
    assert!(
        error.is_instance_of::<js_sys::Error>(),
        "an Error: {error:?}"
    );
    let message = get(error, "message").as_string().unwrap();
    assert!(
        !message.contains("panicked") && !message.contains("unreachable"),
        "{message}"
    );
    get(error, "code").as_string().unwrap_or_default()
}

/// The `code` of what `createCheckout` threw.
fn refused(options: &str) -> String {
    match create_checkout(js(&format!("({options})"))) {
        Ok(_) => panic!("accepted: {options}"),
        Err(e) => code(&e),
    }
}

#[wasm_bindgen_test]
fn every_bad_option_is_refused_synchronously_with_a_code() {
    let t = "session: { token: 't' }";
    let cases = [
        ("42".to_owned(), "invalid_option"),
        ("{}".to_owned(), "invalid_option"),
        (
            format!("{{ publicKey: 'sk_live_oops', {t} }}"),
            "secret_key",
        ),
        (
            format!("{{ publicKey: 'hello', {t} }}"),
            "invalid_public_key",
        ),
        (format!("{{ publicKey: 42, {t} }}"), "invalid_option"),
        ("{ publicKey: 'pk_test_a' }".to_owned(), "invalid_option"),
        (
            "{ publicKey: 'pk_test_a', session: 'cs_1' }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 'has space' } }".to_owned(),
            "invalid_session_token",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { token: 5 } }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: 5 } }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '' } }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: 'javascript:alert(1)' } }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: 'http://[bad' } }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', method: 'DELETE' } }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', headers: { a: 1 } } }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', headers: 'abc' } }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', credentials: 'all' } }"
                .to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', timeoutMs: -1 } }".to_owned(),
            "invalid_option",
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', body: 10n } }".to_owned(),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, country: 'ar' }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, holderType: 'company' }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, product: 'loans' }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, institutionId: 9 }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, username: 7 }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, username: {{ value: 5 }} }}"),
            "invalid_option",
        ),
        (
            format!(
                "{{ publicKey: 'pk_test_a', {t}, username: {{ value: 'u', editable: 'no' }} }}"
            ),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, scriptUrl: 'javascript:x' }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, nonce: 1 }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, timeoutMs: 'soon' }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, timeoutMs: 0 }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, prefetchOnHover: 1 }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, onSuccess: 'yes' }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, onExit: 1 }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, onEvent: {{}} }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, onError: [] }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, onStateChange: true }}"),
            "invalid_option",
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, mode: 'hosted' }}"),
            "invalid_option",
        ),
        // The page's own code throwing while its options are read: still an Error with a code.
        (
            format!("{{ get publicKey() {{ throw new Error('getter'); }}, {t} }}"),
            "invalid_option",
        ),
        (
            format!("new Proxy({{ publicKey: 'pk_test_a', {t} }}, {{ ownKeys() {{ throw 7; }} }})"),
            "invalid_option",
        ),
    ];
    for (options, expected) in cases {
        assert_eq!(refused(&options), expected, "{options}");
    }
}

async fn settle(promise: JsValue) -> Result<JsValue, JsValue> {
    settle_within(10_000, promise).await
}

/// [`settle`] with a tighter deadline.
async fn settle_within(max_ms: u32, promise: JsValue) -> Result<JsValue, JsValue> {
    let promise: js_sys::Promise = promise.dyn_into().expect("a Promise");
    within(max_ms, "a promise", JsFuture::from(promise)).await
}

fn checkout(options: &str) -> JsValue {
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
    assert_eq!(get(&c, "state").as_string().as_deref(), Some("idle"));
    let opened = call(&c, "open", &[]).unwrap();
    let shopper = async {
        assert!(until(5_000, || widget_open(&sandbox)).await);
        sandbox.succeed().unwrap();
    };
    let (outcome, ()) = futures::join!(settle(opened), shopper);
    let outcome = outcome.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("succeeded")
    );
    assert_eq!(get(&c, "state").as_string().as_deref(), Some("succeeded"));
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
    let again = settle(call(&c, "open", &[]).unwrap()).await.unwrap_err();
    assert_eq!(code(&again), "already_succeeded");
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
    settle(call(&c, "prepare", &[]).unwrap()).await.unwrap();
    assert_eq!(get(&c, "state").as_string().as_deref(), Some("ready"));
    let log = server_log(&id).await;
    let detail = log[0].detail.clone().unwrap();
    assert_eq!(detail["x-test"], "from-js");
    assert_eq!(detail["body"], r#"{"items":[1,2]}"#);
    assert_eq!(
        get(&c, "redirectUrl").as_string(),
        Some(format!("https://checkout.fintoc.com/checkout_session_{id}"))
    );
    call(&c, "destroy", &[]).unwrap();

    let f = checkout(
        "{ publicKey: 'pk_test_js', session: async () => ({ sessionToken: 'cs_fn_sec_9', expiresIn: 300 }) }",
    );
    settle(call(&f, "prepare", &[]).unwrap()).await.unwrap();
    assert_eq!(
        sandbox.last_options().unwrap().session_token.as_deref(),
        Some("cs_fn_sec_9")
    );
    // A function that rejects, and one that throws before returning a promise, fail the same way.
    for (session, said) in [
        (
            "async () => { throw new Error('GraphQL: no cart'); }",
            "GraphQL: no cart",
        ),
        (
            "() => { throw new Error('sync: no cart'); }",
            "sync: no cart",
        ),
    ] {
        let failing = checkout(&format!(
            "{{ publicKey: 'pk_test_js', session: {session} }}"
        ));
        let err = settle(call(&failing, "prepare", &[]).unwrap())
            .await
            .unwrap_err();
        assert_eq!(code(&err), "session_source", "{session}");
        assert!(
            get(&err, "message").as_string().unwrap().contains(said),
            "{session}"
        );
    }
}

/// Every option given a value other than its default reaches where it acts: the widget's
/// options, the script tag, the session request, the button. (The options are checked in JS and
/// read back by the wasm by name: a name one side spells differently would be lost silently.)
#[wasm_bindgen_test]
async fn every_option_reaches_where_it_acts() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("allopts");
    let c = checkout(&format!(
        "{{ publicKey: 'pk_test_all', product: 'payments', country: 'mx', holderType: 'business',
           institutionId: 'mx_bank', username: {{ value: '12345678-9', editable: false }},
           mode: 'widget', scriptUrl: 'https://js.fintoc.com/v1/?all={id}', nonce: 'n0nce-all',
           timeoutMs: 7000, prefetchOnHover: false,
           session: {{ endpoint: '{}', method: 'PUT', body: {{ a: 1 }}, headers: {{ 'X-Test': 'all' }},
                      credentials: 'include', timeoutMs: 9000 }} }}",
        session_url(&id, "")
    ));
    let button: web_sys::HtmlElement = document()
        .create_element("button")
        .unwrap()
        .unchecked_into();
    document().body().unwrap().append_child(&button).unwrap();
    call(&c, "attach", &[&button]).unwrap();
    button
        .dispatch_event(&web_sys::Event::new("pointerenter").unwrap())
        .unwrap();
    sleep(300).await;
    assert_eq!(
        count_events(&id, "session-start").await,
        0,
        "prefetchOnHover: false prepares nothing on hover"
    );
    button.click();
    assert!(
        until(5_000, || widget_open(&sandbox)).await,
        "a click opens"
    );
    let options = sandbox.last_options().unwrap();
    assert_eq!(options.public_key.as_deref(), Some("pk_test_all"));
    assert_eq!(options.product.as_deref(), Some("payments"));
    assert_eq!(options.country.as_deref(), Some("mx"));
    assert_eq!(options.holder_type.as_deref(), Some("business"));
    assert_eq!(options.institution_id.as_deref(), Some("mx_bank"));
    let username = get(options.raw(), "username");
    assert_eq!(
        get(&username, "value").as_string().as_deref(),
        Some("12345678-9")
    );
    assert_eq!(get(&username, "editable").as_bool(), Some(false));
    // (The sandbox routes every load to itself: the tag is the one the crate injected.)
    let tag = document()
        .query_selector("script[data-fintoc-wasm]")
        .unwrap()
        .expect("the injected script tag");
    assert_eq!(tag.get_attribute("nonce").as_deref(), Some("n0nce-all"));
    let log = server_log(&id).await;
    let detail = log[0].detail.clone().unwrap();
    assert_eq!(detail["method"], "PUT");
    assert_eq!(detail["x-test"], "all");
    assert_eq!(detail["body"], r#"{"a":1}"#);
    call(&c, "destroy", &[]).unwrap();
    button.remove();
}

#[wasm_bindgen_test]
async fn destroy_cancels_a_pending_open_quietly_and_any_later_call_is_a_clear_error() {
    let sandbox = Sandbox::install().unwrap();
    js("window.__after = [];");
    let c = checkout(
        "{ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_2' },
           onStateChange(s) { window.__after.push(s); } }",
    );
    let opened = call(&c, "open", &[]).unwrap();
    assert!(until(5_000, || widget_open(&sandbox)).await);
    js("window.__after = [];");
    call(&c, "destroy", &[]).unwrap();
    let outcome = settle(opened).await.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("cancelled")
    );
    assert_eq!(sandbox.iframe_count(), 0, "the widget is gone");
    assert_eq!(
        js_sys::Array::from(&js("window.__after")).length(),
        0,
        "no callback after destroy"
    );
    for method in ["open", "prepare", "hide", "reset"] {
        let e = call(&c, method, &[]).unwrap_err();
        assert_eq!(code(&e), "destroyed", "{method}");
        assert!(get(&e, "message")
            .as_string()
            .unwrap()
            .contains("createCheckout"));
    }
    // The getters answer quietly after destroy(): nothing runs, no session.
    assert_eq!(get(&c, "state").as_string().as_deref(), Some("idle"));
    assert!(get(&c, "redirectUrl").is_undefined());
    call(&c, "destroy", &[]).unwrap(); // twice is fine
}

#[wasm_bindgen_test]
async fn symbol_dispose_destroys_and_later_calls_say_destroyed() {
    let sandbox = Sandbox::install().unwrap();
    let c = checkout("{ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_4' } }");
    let opened = call(&c, "open", &[]).unwrap();
    assert!(until(5_000, || widget_open(&sandbox)).await);
    // What `using c = createCheckout(…)` calls at the end of its block.
    let dispose = js_sys::Reflect::get(&c, &js("Symbol.dispose")).unwrap();
    let dispose: js_sys::Function = dispose.dyn_into().expect("[Symbol.dispose] is a function");
    dispose.call0(&c).unwrap();
    assert_eq!(sandbox.iframe_count(), 0);
    let outcome = settle(opened).await.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("cancelled")
    );
    assert_eq!(code(&call(&c, "open", &[]).unwrap_err()), "destroyed");
}

#[wasm_bindgen_test]
async fn a_dropped_handle_never_cancels_a_payment_in_progress() {
    let sandbox = Sandbox::install().unwrap();
    expose();
    js("window.__gc_outcome = null;");
    // The page keeps no reference to the handle, and the collector runs: the payment goes on.
    js("(() => {
          const c = window.__fintocCreate({ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_3' } });
          c.open().then((o) => { window.__gc_outcome = o.status; });
        })()");
    assert!(
        until(5_000, || widget_open(&sandbox)).await,
        "the widget opened"
    );
    force_gc().await;
    assert_eq!(
        sandbox.widgets()[0].state,
        "open",
        "still open after a collection"
    );
    sandbox.succeed().unwrap();
    assert!(
        until(3_000, || js("window.__gc_outcome").as_string().as_deref()
            == Some("succeeded"))
        .await
    );
}

/// Makes `createCheckout` callable from page JS, as the npm package's users call it.
type Create = wasm_bindgen::closure::Closure<dyn Fn(JsValue) -> Result<JsValue, JsValue>>;

fn expose() {
    let f = Create::new(create_checkout);
    let window = web_sys::window().unwrap();
    js_sys::Reflect::set(&window, &"__fintocCreate".into(), f.as_ref()).unwrap();
    // Lives as long as the test page (one closure, kept in a static, never forgotten).
    EXPOSED.with(|e| *e.borrow_mut() = Some(f));
}

thread_local! {
    static EXPOSED: std::cell::RefCell<Option<Create>> = const { std::cell::RefCell::new(None) };
}

/// Runs the garbage collector (webdriver.json starts Chromium with `--expose-gc`) and lets
/// finalizers run.
async fn force_gc() {
    assert!(
        js("typeof window.gc === 'function'").as_bool() == Some(true),
        "webdriver.json must start Chromium with --js-flags=--expose-gc"
    );
    for _ in 0..3 {
        js("window.gc()");
        sleep(50).await;
    }
}

#[wasm_bindgen_test]
async fn an_attached_button_prepares_on_hover_opens_on_click_and_is_released_by_destroy() {
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
    assert_eq!(
        code(&call(&c, "attach", &[&JsValue::NULL]).unwrap_err()),
        "invalid_option"
    );
    call(&c, "attach", &[&button]).unwrap();
    assert!(
        !get(&button, "__fintocCheckout").is_undefined(),
        "the button keeps its checkout"
    );
    button
        .dispatch_event(&web_sys::Event::new("pointerenter").unwrap())
        .unwrap();
    assert!(
        until(3_000, || sandbox.create_count() == 1).await,
        "prepared on hover"
    );
    button.click();
    assert!(until(3_000, || widget_open(&sandbox)).await);
    assert_eq!(count_events(&id, "session-start").await, 1);
    call(&c, "destroy", &[]).unwrap();
    assert!(get(&button, "__fintocCheckout").is_undefined(), "released");
    button.remove();
}

/// The page keeps no handle. The checkout whose button left the page is collected with it —
/// also one whose callbacks and session function refer to that button; the one whose button is
/// still there is not, and its button still pays. (The attachment lived in the wasm until
/// destroy() before, and the callbacks still did after that: neither was ever collected.)
#[wasm_bindgen_test]
async fn a_button_gone_from_the_page_takes_its_checkout_with_it_a_button_on_it_keeps_it() {
    let sandbox = Sandbox::install().unwrap();
    expose();
    js("(function () {
        window.__gcFreed = [];
        const registry = new FinalizationRegistry(function (name) { window.__gcFreed.push(name); });
        for (const name of ['gone', 'goneWithCallbacks', 'kept']) {
            const button = document.createElement('button');
            button.id = '__gc_' + name;
            document.body.appendChild(button);
            const c = window.__fintocCreate(name === 'goneWithCallbacks' ? {
                publicKey: 'pk_test_js',
                session: async function () { button.dataset.asked = '1'; return 'cs_gc_sec_1'; },
                onStateChange: function (state) { button.setAttribute('aria-busy', String(state === 'opening')); },
                onError: function () { button.textContent = 'retry'; },
            } : { publicKey: 'pk_test_js', session: { token: 'cs_gc_sec_1' } });
            c.attach(button);
            registry.register(c, name);
        }
        window.__gcRegistry = registry;
        document.getElementById('__gc_gone').remove();
        document.getElementById('__gc_goneWithCallbacks').remove();
    })()");
    let freed = || {
        let mut freed: Vec<String> = js_sys::Array::from(&js("window.__gcFreed"))
            .iter()
            .filter_map(|n| n.as_string())
            .collect();
        freed.sort();
        freed
    };
    for _ in 0..100 {
        force_gc().await;
        if freed().len() >= 2 {
            break;
        }
    }
    assert_eq!(
        freed(),
        ["gone", "goneWithCallbacks"],
        "only the checkouts of the removed buttons are collected"
    );
    let kept: web_sys::HtmlElement = document()
        .get_element_by_id("__gc_kept")
        .unwrap()
        .unchecked_into();
    kept.click();
    assert!(
        until(3_000, || widget_open(&sandbox)).await,
        "the button still on the page opens its checkout"
    );
    force_gc().await;
    assert_eq!(freed().len(), 2, "the kept checkout is not collected");
    call(&get(&kept, "__fintocCheckout"), "destroy", &[]).unwrap();
    kept.remove();
}

/// A payment started by a click goes on when its button leaves the page and the page keeps
/// nothing, through a collection: the shopper pays, `onSuccess` is called.
#[wasm_bindgen_test]
async fn a_click_started_payment_survives_its_button_leaving_and_a_collection() {
    let sandbox = Sandbox::install().unwrap();
    expose();
    js("(function () {
        window.__clickPaid = 0;
        const button = document.createElement('button');
        document.body.appendChild(button);
        const c = window.__fintocCreate({
            publicKey: 'pk_test_js',
            session: { token: 'cs_click_sec_1' },
            onSuccess: function () { window.__clickPaid += 1; },
        });
        c.attach(button);
        button.click();
        button.remove();
    })()");
    assert!(
        until(5_000, || widget_open(&sandbox)).await,
        "the widget opened"
    );
    force_gc().await;
    force_gc().await;
    assert_eq!(
        sandbox.widgets()[0].state,
        "open",
        "still open after a collection"
    );
    sandbox.succeed().unwrap();
    assert!(
        until(3_000, || js("window.__clickPaid").as_f64() == Some(1.0)).await,
        "onSuccess was called once"
    );
}

#[wasm_bindgen_test]
async fn a_disabled_attached_button_prepares_nothing_on_hover() {
    let _sandbox = Sandbox::install().unwrap();
    let id = unique_id("attachdis");
    let button: web_sys::HtmlElement = document()
        .create_element("button")
        .unwrap()
        .unchecked_into();
    button.set_attribute("disabled", "").unwrap();
    document().body().unwrap().append_child(&button).unwrap();
    let c = checkout(&format!(
        "{{ publicKey: 'pk_test_js', session: {{ endpoint: '{}' }} }}",
        session_url(&id, "")
    ));
    call(&c, "attach", &[&button]).unwrap();
    button
        .dispatch_event(&web_sys::Event::new("pointerenter").unwrap())
        .unwrap();
    sleep(300).await;
    assert_eq!(count_events(&id, "session-start").await, 0);
    call(&c, "destroy", &[]).unwrap();
    button.remove();
}

#[wasm_bindgen_test]
async fn redirect_mode_sends_the_shopper_to_the_hosted_page() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("jsredirect");
    let states = js("[]");
    js_sys::Reflect::set(&js("window"), &"__jsStates".into(), &states).unwrap();
    let checkout = create_checkout(js(&format!(
        "({{ publicKey: 'pk_test_js', mode: 'redirect', session: {{ endpoint: '{}' }},
            onStateChange: (s) => window.__jsStates.push(s) }})",
        session_url(&id, "")
    )))
    .unwrap();
    let _pending = call(&checkout, "open", &[]).unwrap();
    assert!(until(3_000, || !sandbox.navigations().is_empty()).await);
    assert_eq!(
        sandbox.navigations(),
        [format!("https://checkout.fintoc.com/checkout_session_{id}")]
    );
    assert_eq!(
        get(&checkout, "state").as_string().as_deref(),
        Some("redirecting")
    );
    let seen: Vec<String> = js_sys::Array::from(&states)
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    assert_eq!(seen, ["opening", "redirecting"]);
    call(&checkout, "destroy", &[]).unwrap();
}

#[wasm_bindgen_test]
async fn confirm_order_resolves_with_the_webhooks_decision_and_cancel_stops_it() {
    let id = unique_id("jsconfirm");
    let stages = js("[]");
    js_sys::Reflect::set(&js("window"), &"__jsStages".into(), &stages).unwrap();
    let confirmation = confirm_order(js(&format!(
        "({{ url: '{}/order?id={id}&after=1&final=failed', onStageChange: (s) => window.__jsStages.push(s) }})",
        server()
    )))
    .unwrap();
    assert_eq!(
        get(&confirmation, "stage").as_string().as_deref(),
        Some("confirming")
    );
    let done = settle_within(6_000, get(&confirmation, "done"))
        .await
        .unwrap();
    assert_eq!(
        get(&done, "status").as_string().as_deref(),
        Some("not_paid")
    );
    assert_eq!(
        get(&get(&done, "order"), "status").as_string().as_deref(),
        Some("failed")
    );
    assert_eq!(
        get(&confirmation, "stage").as_string().as_deref(),
        Some("not_paid")
    );
    let seen: Vec<String> = js_sys::Array::from(&stages)
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    assert_eq!(seen, ["not_paid"]);

    // The shop's own reader, and cancel(): `cancelled`, and no poll after it.
    let id = unique_id("jscancel");
    let confirmation = confirm_order(js(&format!(
        "({{ url: '{}/order?id={id}&final=never', read: (o) => o.status === 'paid' ? 'confirmed' : 'pending' }})",
        server()
    )))
    .unwrap();
    sleep(1_200).await;
    call(&confirmation, "cancel", &[]).unwrap();
    let done = settle_within(2_000, get(&confirmation, "done"))
        .await
        .unwrap();
    assert_eq!(
        get(&done, "status").as_string().as_deref(),
        Some("cancelled")
    );
    let asked = count_events(&id, "order-poll").await;
    sleep(2_500).await;
    assert_eq!(count_events(&id, "order-poll").await, asked);

    // A reader that throws says "pending" (the next poll asks again), and a throwing
    // onStageChange is the page's: the confirmation still settles.
    let id = unique_id("jsthrows");
    let confirmation = confirm_order(js(&format!(
        "({{ url: '{}/order?id={id}&final=never', onStageChange() {{ throw new Error('page'); }},
             read: (() => {{ let n = 0; return () => {{ if (n++ === 0) throw new Error('first');
                                                         return 'confirmed'; }}; }})() }})",
        server()
    )))
    .unwrap();
    let done = settle_within(8_000, get(&confirmation, "done"))
        .await
        .unwrap();
    assert_eq!(
        get(&done, "status").as_string().as_deref(),
        Some("confirmed")
    );
    assert!(count_events(&id, "order-poll").await >= 2);

    for bad in [
        "42",
        "({})",
        "({ url: 5 })",
        "({ url: 'javascript:alert(1)' })",
        "({ url: '/o', deadlineMs: -1 })",
    ] {
        match confirm_order(js(bad)) {
            Ok(_) => panic!("accepted {bad}"),
            Err(e) => assert_eq!(code(&e), "invalid_option", "{bad}"),
        }
    }
}

// Issue 18, item 4: `open()` then `destroy()` in the same tick (React StrictMode's effect →
// cleanup → effect does exactly this): no session request, no widget, no callback, and the
// promise resolves `cancelled`.
#[wasm_bindgen_test]
async fn open_then_destroy_in_the_same_tick_starts_nothing_and_settles_cancelled() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("opendestroy");
    js("window.__odCalls = 0;");
    let c = checkout(&format!(
        "{{ publicKey: 'pk_test_js', session: {{ endpoint: '{}' }},
           onStateChange() {{ window.__odCalls += 1; }}, onError() {{ window.__odCalls += 1; }} }}",
        session_url(&id, "")
    ));
    let opened = call(&c, "open", &[]).unwrap();
    js("window.__odCalls = 0;");
    call(&c, "destroy", &[]).unwrap();
    let outcome = settle_within(3_000, opened).await.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("cancelled")
    );
    sleep(500).await;
    assert_eq!(sandbox.create_count(), 0, "no widget was created");
    assert_eq!(sandbox.iframe_count(), 0, "no iframe");
    assert_eq!(
        count_events(&id, "session-start").await,
        0,
        "no session request"
    );
    assert_eq!(js("window.__odCalls").as_f64(), Some(0.0), "no callback");
}

// The same through an attached button: a click then `destroy()` in the same tick.
#[wasm_bindgen_test]
async fn a_click_then_destroy_in_the_same_tick_starts_nothing() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("clickdestroy");
    let button: web_sys::HtmlElement = document()
        .create_element("button")
        .unwrap()
        .unchecked_into();
    document().body().unwrap().append_child(&button).unwrap();
    let c = checkout(&format!(
        "{{ publicKey: 'pk_test_js', session: {{ endpoint: '{}' }}, prefetchOnHover: false }}",
        session_url(&id, "")
    ));
    call(&c, "attach", &[&button]).unwrap();
    button.click();
    call(&c, "destroy", &[]).unwrap();
    sleep(500).await;
    assert_eq!(sandbox.create_count(), 0, "no widget was created");
    assert_eq!(
        count_events(&id, "session-start").await,
        0,
        "no session request"
    );
    button.remove();
}

// Issue 18, item 5: `hide()` ends a pending `open()`: it resolves `{ status: 'hidden' }`,
// whether the widget was open or still being prepared; `open()` shows it again.
#[wasm_bindgen_test]
async fn hide_settles_a_pending_open_with_hidden() {
    let sandbox = Sandbox::install().unwrap();
    let c = checkout("{ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_hide' } }");
    let opened = call(&c, "open", &[]).unwrap();
    assert!(until(5_000, || widget_open(&sandbox)).await);
    call(&c, "hide", &[]).unwrap();
    let outcome = settle_within(2_000, opened).await.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("hidden")
    );
    assert_eq!(get(&c, "state").as_string().as_deref(), Some("ready"));
    // Open again: the same widget, and this run ends with the shopper.
    let again = call(&c, "open", &[]).unwrap();
    assert!(until(3_000, || widget_open(&sandbox)).await);
    assert_eq!(sandbox.create_count(), 1, "the same widget");
    sandbox.exit().unwrap();
    let outcome = settle_within(2_000, again).await.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("exited")
    );
    call(&c, "destroy", &[]).unwrap();

    // Hidden while still preparing (a slow session): settles at once, opens nothing later.
    let id = unique_id("hideprep");
    let c = checkout(&format!(
        "{{ publicKey: 'pk_test_js', session: {{ endpoint: '{}' }} }}",
        session_url(&id, "&delay=300")
    ));
    let created = sandbox.create_count();
    let opened = call(&c, "open", &[]).unwrap();
    call(&c, "hide", &[]).unwrap();
    let outcome = settle_within(2_000, opened).await.unwrap();
    assert_eq!(
        get(&outcome, "status").as_string().as_deref(),
        Some("hidden")
    );
    sleep(800).await;
    assert!(!widget_open(&sandbox), "nothing opened by itself");
    assert_eq!(get(&c, "state").as_string().as_deref(), Some("ready"));
    assert_eq!(sandbox.create_count(), created + 1, "prepared, hidden");
    call(&c, "destroy", &[]).unwrap();
}

// Issue 18, item 6: attaching the same button twice keeps it pinned: after the page drops its
// reference and the collector runs, a click still opens the widget.
#[wasm_bindgen_test]
async fn attaching_the_same_button_twice_keeps_the_checkout_alive() {
    let sandbox = Sandbox::install().unwrap();
    expose();
    let button: web_sys::HtmlElement = document()
        .create_element("button")
        .unwrap()
        .unchecked_into();
    button.set_id("twice");
    document().body().unwrap().append_child(&button).unwrap();
    js("(() => {
          const c = window.__fintocCreate({ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_twice' } });
          const b = document.getElementById('twice');
          c.attach(b);
          c.attach(b);
        })()");
    assert!(
        !get(&button, "__fintocCheckout").is_undefined(),
        "the button keeps its checkout"
    );
    force_gc().await;
    button.click();
    assert!(
        until(3_000, || widget_open(&sandbox)).await,
        "the click still opens after a collection"
    );
    sandbox.exit().unwrap();
    button.remove();
}

// Issue 18, item 7: a misspelled option is refused, naming the key and the intended one.
#[wasm_bindgen_test]
fn unknown_options_are_refused_naming_the_key_and_the_intended_one() {
    let t = "session: { token: 't' }";
    for (options, key, hint) in [
        (
            format!("{{ publicKey: 'pk_test_a', {t}, onsuccess() {{}} }}"),
            "onsuccess",
            Some("onSuccess"),
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, autoOpen: true }}"),
            "autoOpen",
            None,
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, prefetch: true }}"),
            "prefetch",
            Some("prefetchOnHover"),
        ),
        (
            format!("{{ publickey: 'pk_test_a', {t} }}"),
            "publickey",
            Some("publicKey"),
        ),
        (
            format!("{{ publicKey: 'pk_test_a', {t}, onStateChanged() {{}} }}"),
            "onStateChanged",
            Some("onStateChange"),
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', url: '/y' } }".to_owned(),
            "session.url",
            None,
        ),
        (
            "{ publicKey: 'pk_test_a', session: { endpoint: '/x', timeout: 5 } }".to_owned(),
            "session.timeout",
            Some("timeoutMs"),
        ),
    ] {
        let error = match create_checkout(js(&format!("({options})"))) {
            Ok(_) => panic!("accepted: {options}"),
            Err(e) => e,
        };
        assert_eq!(code(&error), "invalid_option", "{options}");
        let message = get(&error, "message").as_string().unwrap();
        assert!(message.contains(&format!("`{key}`")), "{message}");
        if let Some(hint) = hint {
            assert!(
                message.contains(&format!("did you mean `{hint}`")),
                "{message}"
            );
        }
    }
    match confirm_order(js("({ url: '/o', deadline: 5 })")) {
        Ok(_) => panic!("accepted a misspelled confirmOrder option"),
        Err(e) => {
            assert_eq!(code(&e), "invalid_option");
            let message = get(&e, "message").as_string().unwrap();
            assert!(message.contains("did you mean `deadlineMs`"), "{message}");
        }
    }
}

// Review of issue 18, finding 1: `destroy()` called from inside a callback silences every
// callback after it, even those of the same moment: `onSuccess` after `onStateChange('succeeded')`,
// `onExit` after `'exited'`, `onError` after `'failed'`.
#[wasm_bindgen_test]
async fn destroy_inside_a_callback_silences_the_callbacks_after_it() {
    let sandbox = Sandbox::install().unwrap();
    let token = "{ token: 'cs_js_sec_inside' }";
    let throws = "async () => { throw new Error('no cart'); }";
    for (end, session) in [("succeeded", token), ("exited", token), ("failed", throws)] {
        js("window.__inside = [];");
        let c = checkout(&format!(
            "{{ publicKey: 'pk_test_js', session: {session},
               onStateChange(s) {{
                 window.__inside.push('state:' + s);
                 if (s === '{end}') window.__insideHandle.destroy();
               }},
               onSuccess() {{ window.__inside.push('success'); }},
               onExit() {{ window.__inside.push('exit'); }},
               onEvent(name) {{ window.__inside.push('event:' + name); }},
               onError(e) {{ window.__inside.push('error:' + e.code); }} }}"
        ));
        js_sys::Reflect::set(&js("window"), &"__insideHandle".into(), &c).unwrap();
        let opened = call(&c, "open", &[]).unwrap();
        if end != "failed" {
            assert!(until(5_000, || widget_open(&sandbox)).await, "{end}");
            if end == "succeeded" {
                sandbox.succeed().unwrap();
            } else {
                sandbox.exit().unwrap();
            }
        }
        let opened: js_sys::Promise = opened.dyn_into().unwrap();
        let what = format!("open() with destroy() in onStateChange('{end}')");
        let _ = within(3_000, &what, JsFuture::from(opened)).await;
        sleep(100).await;
        let seen: Vec<String> = js_sys::Array::from(&js("window.__inside"))
            .iter()
            .filter_map(|s| s.as_string())
            .collect();
        assert_eq!(
            seen.last().map(String::as_str),
            Some(format!("state:{end}").as_str()),
            "nothing after the destroy() in onStateChange('{end}'): {seen:?}"
        );
        assert_eq!(sandbox.iframe_count(), 0, "{end}: no widget left");
        assert_eq!(code(&call(&c, "open", &[]).unwrap_err()), "destroyed");
    }
    js("delete window.__insideHandle;");
}

// Review of issue 18, finding 2: a button another live checkout holds is refused by `attach()`
// (the other is neither unpinned nor doubled: one click opens one widget), and destroying one
// checkout never releases a button another holds.
#[wasm_bindgen_test]
async fn a_button_another_checkout_holds_is_refused_and_stays_pinned() {
    let sandbox = Sandbox::install().unwrap();
    expose();
    let button: web_sys::HtmlElement = document()
        .create_element("button")
        .unwrap()
        .unchecked_into();
    button.set_id("shared");
    document().body().unwrap().append_child(&button).unwrap();
    let a = checkout("{ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_a' } }");
    let b = checkout("{ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_b' } }");
    call(&a, "attach", &[&button]).unwrap();
    let refused = call(&b, "attach", &[&button]).expect_err("a button A holds");
    assert_eq!(code(&refused), "invalid_option");
    let message = get(&refused, "message").as_string().unwrap();
    assert!(message.contains("destroy()"), "{message}");
    button.click();
    assert!(until(3_000, || widget_open(&sandbox)).await);
    sleep(200).await;
    assert_eq!(sandbox.create_count(), 1, "one click, one checkout");
    assert_eq!(
        sandbox.last_options().unwrap().session_token.as_deref(),
        Some("cs_js_sec_a")
    );
    sandbox.exit().unwrap();
    // A's destroy() releases the button; B can take it, and B's destroy() releases it.
    call(&a, "destroy", &[]).unwrap();
    assert!(get(&button, "__fintocCheckout").is_undefined(), "released");
    call(&b, "attach", &[&button]).unwrap();
    call(&b, "destroy", &[]).unwrap();
    assert!(get(&button, "__fintocCheckout").is_undefined());

    // A checkout that moved to another button released this one; destroying it later leaves
    // the checkout holding the button now pinned, with no reference from the page (the
    // collector runs).
    js("(() => {
          const b = document.getElementById('shared');
          const first = window.__fintocCreate({ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_c' } });
          first.attach(b);
          first.attach(document.createElement('button'));
          window.__fintocCreate({ publicKey: 'pk_test_js', session: { token: 'cs_js_sec_d' } }).attach(b);
          first.destroy();
        })()");
    assert!(
        !get(&button, "__fintocCheckout").is_undefined(),
        "still pinned"
    );
    force_gc().await;
    let before = sandbox.create_count();
    button.click();
    assert!(
        until(3_000, || sandbox.create_count() == before + 1).await,
        "the click still opens the checkout that holds the button"
    );
    assert_eq!(
        sandbox.last_options().unwrap().session_token.as_deref(),
        Some("cs_js_sec_d")
    );
    button.remove();
}

// Review of issue 18, finding 4: a `prepare()` cancelled by `destroy()` or `reset()` resolves
// (with nothing, like a completed one; `state` says `idle`): a fire-and-forget hover prefetch
// is never an unhandled rejection.
#[wasm_bindgen_test]
async fn a_cancelled_prepare_resolves_and_is_never_an_unhandled_rejection() {
    let _sandbox = Sandbox::install().unwrap();
    js("window.__unhandled = [];
        window.addEventListener('unhandledrejection', (e) => {
          window.__unhandled.push(String((e.reason && e.reason.code) || e.reason));
        });");
    for end in ["destroy", "reset"] {
        let id = unique_id("prepcancel");
        let c = checkout(&format!(
            "{{ publicKey: 'pk_test_js', session: {{ endpoint: '{}' }} }}",
            session_url(&id, "&delay=300")
        ));
        js_sys::Reflect::set(&js("window"), &"__prep".into(), &c).unwrap();
        // Fire and forget, as a hover handler would; and one the page awaits.
        js("window.__prep.prepare();");
        let awaited = call(&c, "prepare", &[]).unwrap();
        call(&c, end, &[]).unwrap();
        let result = settle_within(2_000, awaited).await.expect(end);
        assert!(result.is_undefined(), "{end}: {result:?}");
        if end == "reset" {
            assert_eq!(get(&c, "state").as_string().as_deref(), Some("idle"));
        }
        sleep(200).await;
        assert_eq!(
            js_sys::Array::from(&js("window.__unhandled")).length(),
            0,
            "{end}: {:?}",
            js("window.__unhandled")
        );
        if end == "reset" {
            // A prepare() that completes resolves too, with the checkout ready.
            let ready = settle(call(&c, "prepare", &[]).unwrap()).await.unwrap();
            assert!(ready.is_undefined());
            assert_eq!(get(&c, "state").as_string().as_deref(), Some("ready"));
            call(&c, "destroy", &[]).unwrap();
        }
    }
    js("delete window.__prep;");
}

/// The package's error texts live in `api.js` (generated from the Rust ones, not in its wasm):
/// what the page reads is the Rust `Display` text, with its values (text, a number, a body
/// excerpt, text that looks like a slot) and an error inside another.
#[wasm_bindgen_test]
async fn the_page_reads_the_rust_error_texts() {
    use fintoc_wasm::error::{FintocError, SessionError};
    use fintoc_wasm::session::SessionToken;
    use fintoc_wasm::PublicKey;
    let _sandbox = Sandbox::install().unwrap();
    let message = |e: &JsValue| get(e, "message").as_string().unwrap();
    let text = |e: FintocError| e.to_string();
    let refused = |options: &str| create_checkout(js(&format!("({options})"))).unwrap_err();

    let secret = refused("{ publicKey: 'sk_live_oops', session: { token: 't' } }");
    let expected = text(PublicKey::new("sk_live_oops").unwrap_err().into());
    assert_eq!(message(&secret), expected);
    let invalid = refused("{ publicKey: 'hello', session: { token: 't' } }");
    assert_eq!(
        message(&invalid),
        text(PublicKey::new("hello").unwrap_err().into())
    );

    // An error inside another: the session function's token is refused.
    let c = checkout("{ publicKey: 'pk_test_js', session: async () => 'has space' }");
    let nested = settle(call(&c, "prepare", &[]).unwrap()).await.unwrap_err();
    let inner = SessionToken::new("has space").unwrap_err();
    assert_eq!(code(&nested), "session_invalid_token");
    assert_eq!(message(&nested), text(SessionError::Token(inner).into()));

    // Values that look like the table's slots or `replace` patterns stay as they are.
    let c = checkout(
        "{ publicKey: 'pk_test_js', session: async () => { throw new Error('{1} $& $1 {0}'); } }",
    );
    let awkward = settle(call(&c, "prepare", &[]).unwrap()).await.unwrap_err();
    assert_eq!(
        message(&awkward),
        text(SessionError::custom("{1} $& $1 {0}").into())
    );

    // A number and a body excerpt.
    let url = format!("{}/status/502", server());
    let c = checkout(&format!(
        "{{ publicKey: 'pk_test_js', session: {{ endpoint: '{url}' }} }}"
    ));
    let status = settle(call(&c, "prepare", &[]).unwrap()).await.unwrap_err();
    let expected = SessionError::Status {
        status: 502,
        body_excerpt: "status page".into(),
    };
    assert_eq!(code(&status), "session_http");
    assert_eq!(message(&status), text(expected.into()));
}
