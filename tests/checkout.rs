//! The checkout state machine in a real page: the sandbox plays Fintoc, the fixture server plays
//! the merchant backend (and the script host, where a test needs to control load timing).
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use fintoc_wasm::error::{LoadError, SessionError};
use fintoc_wasm::testing::{LoadFailure, Sandbox};
use fintoc_wasm::{
    Callbacks, Checkout, CheckoutConfig, CheckoutState, FintocError, LoadOptions, Outcome,
    SessionEndpoint, SessionSource, SessionToken, WidgetOptions,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Preparation (background or opening) is over.
fn settled(s: &CheckoutState) -> bool {
    !matches!(s, CheckoutState::Preparing | CheckoutState::Opening)
}

fn options() -> WidgetOptions {
    WidgetOptions::builder("pk_test_checkout").build().unwrap()
}

fn record_states(checkout: &Checkout, rec: &Recorder) -> fintoc_wasm::checkout::Subscription {
    let rec = rec.clone();
    checkout.subscribe(move |s| {
        rec.push(match s {
            CheckoutState::Failed(e) => format!("Failed({e})"),
            other => format!("{other:?}"),
        })
    })
}

fn callbacks(rec: &Recorder) -> Callbacks {
    let (s, x) = (rec.clone(), rec.clone());
    Callbacks::new()
        .on_success(move |_| s.push("on_success"))
        .on_exit(move |_| x.push("on_exit"))
}

/// Sandbox script served by the fixture server (so its timing is controlled and logged).
fn served_sandbox(id: &str, delay_ms: u32) -> LoadOptions {
    LoadOptions::new()
        .with_url(script_url(id, delay_ms))
        .with_timeout(Duration::from_secs(10))
}

/// The control object of a sandbox loaded without the `Sandbox` harness.
fn create_count() -> usize {
    let control =
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"FintocSandbox".into()).unwrap();
    if control.is_undefined() {
        return 0;
    }
    js_sys::Reflect::get(&control, &"createCount".into())
        .unwrap()
        .as_f64()
        .unwrap() as usize
}

#[wasm_bindgen_test]
async fn full_flow_idle_preparing_ready_open_succeeded() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("flow");
    let rec = Recorder::default();
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        callbacks(&rec),
    );
    let _s = record_states(&checkout, &rec);
    assert_eq!(checkout.state(), CheckoutState::Idle);
    checkout.open();
    assert_eq!(checkout.state(), CheckoutState::Opening);
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    let token = checkout.session_token().unwrap();
    assert!(token.as_str().starts_with(&format!("cs_{id}_sec_")));
    assert_eq!(
        sandbox.last_options().unwrap().session_token.as_deref(),
        Some(token.as_str())
    );
    assert_eq!(
        checkout.redirect_url().as_deref(),
        Some(format!("https://checkout.fintoc.com/checkout_session_{id}").as_str())
    );
    sandbox.succeed().unwrap();
    assert_eq!(
        rec.take(),
        ["Opening", "Ready", "Open", "Succeeded", "on_success"]
    );
    // After success, open() does nothing until reset().
    checkout.open();
    assert_eq!(checkout.state(), CheckoutState::Succeeded);
    checkout.reset();
    assert_eq!(checkout.state(), CheckoutState::Idle);
    assert_eq!(checkout.session_token(), None);
    assert_eq!(sandbox.iframe_count(), 0);
}

#[wasm_bindgen_test]
async fn the_token_request_starts_before_the_script_has_loaded() {
    fresh_page();
    let id = unique_id("order");
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, "")))
            .with_load(served_sandbox(&id, 500)),
        Callbacks::new(),
    );
    checkout.prepare();
    let state = checkout.wait_until(settled).await;
    assert_eq!(state, CheckoutState::Ready);
    let log = server_log(&id).await;
    let pos = |event: &str| log.iter().position(|e| e.event == event).unwrap();
    assert!(
        pos("session-start") < pos("script-end"),
        "session request must go out while the script is loading: {log:?}"
    );
    assert!(pos("script-start") < pos("script-end"));
}

#[wasm_bindgen_test]
async fn concurrent_prepare_and_double_open_make_one_request_and_one_widget() {
    fresh_page();
    let id = unique_id("double");
    let rec = Recorder::default();
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::endpoint(session_url(&id, "&delay=200")),
        )
        .with_load(served_sandbox(&id, 100)),
        callbacks(&rec),
    );
    let _s = record_states(&checkout, &rec);
    checkout.prepare();
    checkout.prepare();
    checkout.open();
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    checkout.open();
    sleep(50).await;
    assert_eq!(count_events(&id, "session-start").await, 1);
    assert_eq!(create_count(), 1);
    // prepare() works in the background; open() while preparing asks to open (one request).
    assert_eq!(rec.take(), ["Preparing", "Opening", "Ready", "Open"]);
}

#[wasm_bindgen_test]
async fn cancel_while_preparing_creates_no_widget_and_fires_nothing() {
    fresh_page();
    let id = unique_id("cancel");
    let rec = Recorder::default();
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::endpoint(session_url(&id, "&delay=800")),
        )
        .with_load(served_sandbox(&id, 150)),
        callbacks(&rec),
    );
    let _s = record_states(&checkout, &rec);
    checkout.open();
    sleep(30).await;
    checkout.cancel();
    assert_eq!(checkout.state(), CheckoutState::Idle);
    sleep(1200).await; // both the script and the (aborted) session request are long done
    assert!(fintoc_global_exists(), "the script itself still loaded");
    assert_eq!(create_count(), 0, "no widget was ever created");
    assert_eq!(rec.take(), ["Opening", "Idle"]);
    assert_eq!(checkout.session_token(), None);
}

#[wasm_bindgen_test]
async fn dropping_while_preparing_creates_no_widget_and_fires_nothing() {
    fresh_page();
    let id = unique_id("drop");
    let rec = Recorder::default();
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::endpoint(session_url(&id, "&delay=1000")),
        )
        .with_load(served_sandbox(&id, 800)),
        callbacks(&rec),
    );
    let s = record_states(&checkout, &rec);
    checkout.open();
    assert_eq!(
        scripts_matching(&id),
        1,
        "open() puts the script in the page at once"
    );
    // The session request is in flight (the server answers only after 1 s).
    let mut in_flight = false;
    for _ in 0..25 {
        if count_events(&id, "session-start").await == 1 {
            in_flight = true;
            break;
        }
        sleep(20).await;
    }
    assert!(in_flight, "the session request went out");
    drop(checkout);
    drop(s);
    sleep(1500).await;
    assert!(fintoc_global_exists(), "the script itself still loaded");
    assert_eq!(create_count(), 0, "no widget was ever created");
    assert_eq!(rec.take(), ["Opening"]);
}

#[wasm_bindgen_test]
async fn a_stale_token_is_refetched_before_opening() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("stale");
    // Expires 31 s after creation: with the 30 s safety margin it is stale after 1 s.
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::endpoint(session_url(&id, "&expires_in=31")),
        ),
        Callbacks::new(),
    );
    checkout.prepare();
    checkout.wait_until(|s| *s == CheckoutState::Ready).await;
    let first = checkout.session_token().unwrap();
    assert!(!first.is_stale());
    sleep(1100).await;
    assert!(first.is_stale());
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    let second = checkout.session_token().unwrap();
    assert_ne!(first.as_str(), second.as_str());
    assert_eq!(count_events(&id, "session-start").await, 2);
    let widgets = sandbox.widgets();
    assert_eq!(widgets.len(), 2);
    assert_eq!(widgets[0].state, "destroyed", "the stale widget is gone");
    assert_eq!(widgets[1].state, "open");
    assert_eq!(
        widgets[1].options.session_token.as_deref(),
        Some(second.as_str())
    );
}

#[wasm_bindgen_test]
async fn a_fixed_token_is_used_as_is_and_a_stale_one_fails_clearly() {
    let sandbox = Sandbox::install().unwrap();
    let token = SessionToken::new("cs_fixed_sec_1").unwrap();
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::token(token)),
        Callbacks::new(),
    );
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    assert_eq!(
        sandbox.last_options().unwrap().session_token.as_deref(),
        Some("cs_fixed_sec_1")
    );
    let old =
        SessionToken::fetched_at("cs_old_sec_1", js_sys::Date::now() - 11.0 * 60_000.0).unwrap();
    let stale = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::token(old)),
        Callbacks::new(),
    );
    stale.open();
    let state = stale.wait_until(settled).await;
    assert_eq!(
        state,
        CheckoutState::Failed(FintocError::Session(SessionError::Expired))
    );
}

#[wasm_bindgen_test]
async fn a_failed_load_keeps_the_hosted_page_fallback_and_retry_recovers() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("fallback");
    let rec = Recorder::default();
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        callbacks(&rec),
    );
    let _s = record_states(&checkout, &rec);
    sandbox.fail_next_load(LoadFailure::Network).unwrap();
    checkout.open();
    let state = checkout.wait_until(settled).await;
    assert!(
        matches!(
            state,
            CheckoutState::Failed(FintocError::Load(LoadError::Network { .. }))
        ),
        "{state:?}"
    );
    assert_eq!(
        checkout.redirect_url().as_deref(),
        Some(format!("https://checkout.fintoc.com/checkout_session_{id}").as_str())
    );
    checkout.retry();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    assert_eq!(
        count_events(&id, "session-start").await,
        1,
        "the fresh token was reused"
    );
    let log = rec.take();
    assert_eq!(log.len(), 5, "{log:?}");
    assert!(
        log[1].starts_with("Failed(could not load Fintoc.js"),
        "{log:?}"
    );
    assert_eq!(log[2..], ["Opening", "Ready", "Open"]);
}

#[wasm_bindgen_test]
async fn session_errors_surface_as_failed_states() {
    let _sandbox = Sandbox::install().unwrap();
    let id = unique_id("s500");
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::endpoint(session_url(&id, "&status=502&mode=html")),
        ),
        Callbacks::new(),
    );
    checkout.open();
    let state = checkout.wait_until(settled).await;
    assert_eq!(
        state,
        CheckoutState::Failed(FintocError::Session(SessionError::Status {
            status: 502,
            body_excerpt: "<html><body>Bad gateway from proxy</body></html>".into()
        }))
    );
}

#[wasm_bindgen_test]
async fn exit_then_reopen_reuses_the_widget_and_callbacks_are_the_latest() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("reopen");
    let first = Recorder::default();
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        callbacks(&first),
    );
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    sandbox.exit().unwrap();
    assert_eq!(checkout.state(), CheckoutState::Exited);
    assert_eq!(first.take(), ["on_exit"]);
    // New callbacks while the widget lives: the widget is not recreated, the new ones are called.
    let second = Recorder::default();
    checkout.set_callbacks(callbacks(&second));
    checkout.open();
    assert_eq!(checkout.state(), CheckoutState::Open);
    sandbox.succeed().unwrap();
    assert_eq!(first.take(), Vec::<String>::new());
    assert_eq!(second.take(), ["on_success"]);
    assert_eq!(sandbox.create_count(), 1);
    assert_eq!(count_events(&id, "session-start").await, 1);
}

#[wasm_bindgen_test]
async fn hide_and_cancel_from_inside_callbacks_and_subscribers() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("reenter");
    let checkout = std::rc::Rc::new(Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        Callbacks::new(),
    ));
    let weak = std::rc::Rc::downgrade(&checkout);
    checkout.set_callbacks(Callbacks::new().on_success(move |_| {
        if let Some(c) = weak.upgrade() {
            c.reset(); // destroys the widget from inside its own callback
        }
    }));
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    sandbox.succeed().expect("no JS exception");
    assert_eq!(checkout.state(), CheckoutState::Idle);
    assert_eq!(sandbox.iframe_count(), 0);

    // A subscriber that hides the widget as soon as it opens.
    let weak = std::rc::Rc::downgrade(&checkout);
    let _s = checkout.subscribe(move |s| {
        if *s == CheckoutState::Open {
            if let Some(c) = weak.upgrade() {
                c.hide();
            }
        }
    });
    checkout.open();
    let state = checkout
        .wait_until(|s| matches!(s, CheckoutState::Ready | CheckoutState::Failed(_)))
        .await;
    sleep(20).await;
    assert_eq!(state, CheckoutState::Ready);
    assert_eq!(checkout.state(), CheckoutState::Ready);
    assert_eq!(sandbox.widgets().last().unwrap().state, "hidden");
}

#[wasm_bindgen_test]
async fn a_public_key_or_session_change_destroys_the_old_widget_first() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("identity");
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::endpoint(session_url(&id, "&cart=1")),
        ),
        Callbacks::new(),
    );
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    // Same identity, another country: nothing recreated.
    checkout.set_config(CheckoutConfig::new(
        WidgetOptions::builder("pk_test_checkout")
            .country(fintoc_wasm::widget::Country::Mx)
            .build()
            .unwrap(),
        SessionSource::endpoint(session_url(&id, "&cart=1")),
    ));
    assert_eq!(checkout.state(), CheckoutState::Open);
    assert_eq!(sandbox.create_count(), 1);
    // Another session source: the old widget is destroyed at once.
    checkout.set_config(CheckoutConfig::new(
        options(),
        SessionSource::endpoint(session_url(&id, "&cart=2")),
    ));
    assert_eq!(checkout.state(), CheckoutState::Idle);
    assert_eq!(sandbox.iframe_count(), 0);
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    assert_eq!(sandbox.create_count(), 2);
    assert_eq!(sandbox.iframe_count(), 1);
    assert_eq!(count_events(&id, "session-start").await, 2);
}

#[wasm_bindgen_test]
async fn prepare_or_open_while_open_never_replaces_the_widget_whose_token_aged() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("agedopen");
    // Stale 1 s after it was fetched (31 s lifetime, 30 s safety margin).
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::endpoint(session_url(&id, "&expires_in=31")),
        ),
        Callbacks::new(),
    );
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    sleep(1100).await;
    assert!(checkout.session_token().unwrap().is_stale());
    // The customer is mid-payment: neither call may touch the open widget.
    checkout.prepare();
    checkout.open();
    sleep(300).await;
    assert_eq!(checkout.state(), CheckoutState::Open);
    let widgets = sandbox.widgets();
    assert_eq!(widgets.len(), 1, "no second widget");
    assert_eq!(widgets[0].state, "open");
    assert_eq!(sandbox.iframe_count(), 1);
    assert_eq!(count_events(&id, "session-start").await, 1);
    sandbox.succeed().unwrap();
    assert_eq!(checkout.state(), CheckoutState::Succeeded);
}

/// A `window.Fintoc` whose first `create` throws (Fintoc refused the token); later ones work.
/// Every token it was given is in `window.__tokens`.
fn install_refusing_fintoc() {
    js("window.__tokens = [];
        window.Fintoc = { create: function (o) {
            window.__tokens.push(o.sessionToken);
            if (window.__tokens.length === 1) { throw new Error('invalid session token'); }
            return { open: function () {}, hide: function () {}, destroy: function () {} };
        } };");
}

#[wasm_bindgen_test]
async fn retry_after_the_widget_refused_the_token_fetches_a_new_one() {
    fresh_page();
    install_refusing_fintoc();
    let id = unique_id("refused");
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        Callbacks::new(),
    );
    checkout.open();
    let state = checkout.wait_until(settled).await;
    assert!(
        matches!(state, CheckoutState::Failed(FintocError::Widget(_))),
        "{state:?}"
    );
    // Whatever retries next (`open()` from the pay button, `retry()`, `run()`), the refused token
    // is not offered again.
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    assert_eq!(count_events(&id, "session-start").await, 2, "a new session");
    let tokens: Vec<String> = js_sys::Array::from(&js("window.__tokens"))
        .iter()
        .filter_map(|t| t.as_string())
        .collect();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_ne!(tokens[0], tokens[1], "the refused token is not reused");
    fresh_page();
}

/// A `window.Fintoc` whose `create` calls `onExit` before returning; counts destroys and opens.
fn install_synchronous_exit_fintoc() {
    js("window.__destroyed = 0; window.__opened = 0;
        window.Fintoc = { create: function (o) {
            o.onExit();
            return {
                open: function () { window.__opened += 1; },
                hide: function () {},
                destroy: function () { window.__destroyed += 1; }
            };
        } };");
}

fn js_number(source: &str) -> f64 {
    js(source).as_f64().unwrap_or(-1.0)
}

#[wasm_bindgen_test]
async fn cancel_from_a_callback_fired_inside_create_leaves_no_widget() {
    fresh_page();
    install_synchronous_exit_fintoc();
    let checkout = std::rc::Rc::new(Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::token(SessionToken::new("cs_sync_sec_1").unwrap()),
        ),
        Callbacks::new(),
    ));
    let weak = std::rc::Rc::downgrade(&checkout);
    checkout.set_callbacks(Callbacks::new().on_exit(move |_| {
        if let Some(c) = weak.upgrade() {
            c.cancel();
        }
    }));
    checkout.open();
    within(5_000, "the preparation to end", async {
        while !settled(&checkout.state()) {
            sleep(10).await;
        }
    })
    .await;
    sleep(50).await;
    assert_eq!(checkout.state(), CheckoutState::Idle);
    assert_eq!(
        js_number("window.__destroyed"),
        1.0,
        "the widget was destroyed"
    );
    assert_eq!(js_number("window.__opened"), 0.0, "and never opened");
    fresh_page();
}

#[wasm_bindgen_test]
async fn dropping_from_a_callback_fired_inside_create_leaves_no_widget() {
    fresh_page();
    install_synchronous_exit_fintoc();
    let holder: std::rc::Rc<std::cell::RefCell<Option<Checkout>>> = Default::default();
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::token(SessionToken::new("cs_sync_sec_2").unwrap()),
        ),
        Callbacks::new().on_exit({
            let holder = holder.clone();
            move |_| {
                let taken = holder.borrow_mut().take();
                drop(taken);
            }
        }),
    );
    checkout.open();
    *holder.borrow_mut() = Some(checkout);
    assert!(
        until(5_000, || js_number("window.__destroyed") == 1.0).await,
        "the widget was destroyed"
    );
    sleep(50).await;
    assert!(holder.borrow().is_none());
    assert_eq!(js_number("window.__destroyed"), 1.0);
    assert_eq!(js_number("window.__opened"), 0.0);
    fresh_page();
}

#[wasm_bindgen_test]
async fn only_https_redirect_urls_are_offered_as_the_fallback() {
    let _sandbox = Sandbox::install().unwrap();
    for (redirect, offered) in [
        ("javascript:alert(document.cookie)", false),
        ("http://evil.example/pay", false),
        ("https://checkout.fintoc.com/checkout_session_x", true),
    ] {
        let id = unique_id("redirect");
        let query = format!("&redirect={}", js_sys::encode_uri_component(redirect));
        let checkout = Checkout::new(
            CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, &query))),
            Callbacks::new(),
        );
        checkout.prepare();
        checkout.wait_until(settled).await;
        assert_eq!(
            checkout.redirect_url().is_some(),
            offered,
            "{redirect}: {:?}",
            checkout.redirect_url()
        );
    }
}

#[wasm_bindgen_test]
async fn a_public_key_with_surrounding_whitespace_is_trimmed() {
    let sandbox = Sandbox::install().unwrap();
    let options = WidgetOptions::builder("  pk_test_spaces\n")
        .build()
        .unwrap();
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options,
            SessionSource::token(SessionToken::new("cs_ws_sec_1").unwrap()),
        ),
        Callbacks::new(),
    );
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    assert_eq!(
        sandbox.last_options().unwrap().public_key.as_deref(),
        Some("pk_test_spaces")
    );
}

#[wasm_bindgen_test]
async fn the_shops_own_session_function_is_asked_again_when_its_token_goes_stale() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("ownfn");
    let calls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    // The shop's own code: here a bearer-authenticated call through its own fetch wrapper,
    // stood in for by the fixture server (its tokens are stale 1 s after they are fetched).
    let source = SessionSource::from_fn("cart-1", {
        let (calls, url) = (calls.clone(), session_url(&id, "&expires_in=31"));
        move || {
            calls.set(calls.get() + 1);
            let endpoint = SessionEndpoint::new(url.clone()).header("X-Test", "bearer-t0k3n");
            async move { endpoint.fetch().await }
        }
    });
    let checkout = Checkout::new(CheckoutConfig::new(options(), source), Callbacks::new());
    checkout.prepare();
    checkout.wait_until(|s| *s == CheckoutState::Ready).await;
    let first = checkout.session_token().unwrap();
    assert_eq!(calls.get(), 1);
    sleep(1100).await;
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    assert_eq!(calls.get(), 2, "asked again for a fresh token");
    let second = checkout.session_token().unwrap();
    assert_ne!(first.as_str(), second.as_str());
    assert_eq!(
        sandbox.last_options().unwrap().session_token.as_deref(),
        Some(second.as_str())
    );
    let starts: Vec<_> = server_log(&id)
        .await
        .into_iter()
        .filter(|e| e.event == "session-start")
        .collect();
    assert_eq!(starts.len(), 2);
    for start in starts {
        assert_eq!(
            start.detail.unwrap()["x-test"],
            "bearer-t0k3n",
            "the shop's header arrived"
        );
    }
}

#[wasm_bindgen_test]
async fn a_failing_session_function_is_a_failed_state_with_its_message() {
    let _sandbox = Sandbox::install().unwrap();
    let source = SessionSource::from_fn("cart-err", || async {
        Err::<SessionToken, _>(SessionError::custom("GraphQL: cart is empty"))
    });
    let checkout = Checkout::new(CheckoutConfig::new(options(), source), Callbacks::new());
    checkout.open();
    let state = checkout.wait_until(settled).await;
    assert_eq!(
        state,
        CheckoutState::Failed(FintocError::Session(SessionError::custom(
            "GraphQL: cart is empty"
        )))
    );
    // The failure was told before the script finished; let the load end before the next test.
    assert!(until(3_000, fintoc_global_exists).await);
}

#[wasm_bindgen_test]
async fn a_failed_session_is_told_at_once_not_after_the_script() {
    fresh_page();
    let id = unique_id("fastfail");
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::endpoint(session_url(&id, "&status=500")),
        )
        .with_load(served_sandbox(&id, 1_500)),
        Callbacks::new(),
    );
    let started = js_sys::Date::now();
    checkout.open();
    let state = within(5_000, "the failure", checkout.wait_until(settled)).await;
    let took = js_sys::Date::now() - started;
    assert!(
        matches!(
            state,
            CheckoutState::Failed(FintocError::Session(SessionError::Status {
                status: 500,
                ..
            }))
        ),
        "{state:?}"
    );
    assert!(
        took < 1_000.0,
        "the shopper waited {took} ms for a failure the backend gave at once"
    );
    // The script goes on loading for the next attempt: a retry needs only a new session.
    assert!(until(3_000, fintoc_global_exists).await);
    assert_eq!(count_events(&id, "script-start").await, 1);
}

#[wasm_bindgen_test]
async fn run_resolves_with_the_outcome_and_its_payload() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("run");
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        Callbacks::new(),
    );
    let shopper = async {
        assert!(until(5_000, || widget_open(&sandbox)).await);
        sandbox.succeed().unwrap();
    };
    let (outcome, ()) = within(10_000, "run()", async {
        futures::join!(checkout.run(), shopper)
    })
    .await;
    // Payments get no payload from the widget: `undefined`, kept as is.
    match &outcome {
        Ok(Outcome::Succeeded(payload)) => assert!(payload.raw().is_undefined(), "{payload:?}"),
        other => panic!("{other:?}"),
    }
    // Already succeeded: run() refuses at once (no payment is made by a second run()).
    let again = within(1_000, "run() after success", checkout.run()).await;
    assert!(
        matches!(
            again,
            Err(FintocError::Widget(
                fintoc_wasm::error::WidgetError::AlreadySucceeded
            ))
        ),
        "{again:?}"
    );

    checkout.reset();
    let shopper = async {
        assert!(until(5_000, || widget_open(&sandbox)).await);
        sandbox.exit().unwrap();
    };
    let (outcome, ()) = within(10_000, "run()", async {
        futures::join!(checkout.run(), shopper)
    })
    .await;
    assert!(matches!(outcome, Ok(Outcome::Exited(_))), "{outcome:?}");
}

#[wasm_bindgen_test]
async fn run_gives_the_error_and_cancel_resolves_it() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("runerr");
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        Callbacks::new(),
    );
    sandbox.fail_next_load(LoadFailure::Network).unwrap();
    let outcome = within(10_000, "run()", checkout.run()).await;
    assert!(
        matches!(outcome, Err(FintocError::Load(LoadError::Network { .. }))),
        "{outcome:?}"
    );
    let page = async {
        checkout.wait_until(|s| *s == CheckoutState::Open).await;
        checkout.cancel();
    };
    let (outcome, ()) = within(10_000, "run()", async {
        futures::join!(checkout.run(), page)
    })
    .await;
    assert!(matches!(outcome, Ok(Outcome::Cancelled)), "{outcome:?}");
    assert_eq!(sandbox.iframe_count(), 0);
}

#[wasm_bindgen_test]
async fn dropping_the_run_future_cancels_the_checkout() {
    fresh_page();
    let id = unique_id("rundrop");
    let rec = Recorder::default();
    let checkout = Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::endpoint(session_url(&id, "&delay=600")),
        )
        .with_load(served_sandbox(&id, 100)),
        callbacks(&rec),
    );
    {
        let run = checkout.run();
        // Poll it a little, then give up on it (the page navigated, a timeout…).
        let gave_up = futures::future::select(Box::pin(run), Box::pin(sleep(100))).await;
        assert!(matches!(gave_up, futures::future::Either::Right(_)));
    }
    assert_eq!(checkout.state(), CheckoutState::Idle);
    sleep(1000).await;
    assert_eq!(create_count(), 0, "no widget was ever created");
    assert_eq!(rec.take(), Vec::<String>::new());
}

#[wasm_bindgen_test]
async fn run_carries_the_widgets_payload() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("runpayload");
    // Movements (Link Intent) is the product whose onSuccess carries an object.
    let options = WidgetOptions::builder("pk_test_checkout")
        .product(fintoc_wasm::widget::Product::Movements)
        .build()
        .unwrap();
    let checkout = Checkout::new(
        CheckoutConfig::new(options, SessionSource::endpoint(session_url(&id, ""))),
        Callbacks::new(),
    );
    let shopper = async {
        assert!(until(5_000, || widget_open(&sandbox)).await);
        sandbox.succeed().unwrap();
    };
    let (outcome, ()) = within(10_000, "run()", async {
        futures::join!(checkout.run(), shopper)
    })
    .await;
    match outcome {
        Ok(Outcome::Succeeded(payload)) => {
            assert_eq!(payload.string("object").as_deref(), Some("link_intent"));
            assert_eq!(
                payload.exchange_token().as_deref(),
                Some("li_sandbox_1_sec_exchange")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_subscriber_that_resets_on_success_does_not_turn_the_payment_into_cancelled() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("resetonsuccess");
    let checkout = std::rc::Rc::new(Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        Callbacks::new(),
    ));
    // The page resets as soon as it hears of the success (to take the next order), and a
    // second subscriber records what it hears: every state, in order.
    let rec = Recorder::default();
    let _reset = checkout.subscribe({
        let checkout = std::rc::Rc::downgrade(&checkout);
        move |s| {
            if *s == CheckoutState::Succeeded {
                if let Some(c) = checkout.upgrade() {
                    c.reset();
                }
            }
        }
    });
    let _seen = record_states(&checkout, &rec);
    let shopper = async {
        assert!(until(5_000, || widget_open(&sandbox)).await);
        sandbox.succeed().unwrap();
    };
    let (outcome, ()) = within(10_000, "run()", async {
        futures::join!(checkout.run(), shopper)
    })
    .await;
    assert!(matches!(outcome, Ok(Outcome::Succeeded(_))), "{outcome:?}");
    assert_eq!(checkout.state(), CheckoutState::Idle);
    assert_eq!(
        rec.take(),
        ["Opening", "Ready", "Open", "Succeeded", "Idle"]
    );
}

/// Records that the future holding it was dropped.
struct DropFlag(std::rc::Rc<std::cell::Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[wasm_bindgen_test]
async fn cancel_or_drop_while_preparing_stops_the_session_request() {
    for drop_it in [false, true] {
        fresh_page();
        let id = unique_id("abort");
        let (asked, dropped) = (
            std::rc::Rc::new(std::cell::Cell::new(false)),
            std::rc::Rc::new(std::cell::Cell::new(false)),
        );
        let source = SessionSource::from_fn("slow-backend", {
            let (asked, dropped) = (asked.clone(), dropped.clone());
            move || {
                asked.set(true);
                let guard = DropFlag(dropped.clone());
                async move {
                    let _guard = guard;
                    sleep(5_000).await;
                    Err::<SessionToken, _>(SessionError::custom("answered after all"))
                }
            }
        });
        let checkout = Checkout::new(
            CheckoutConfig::new(options(), source).with_load(served_sandbox(&id, 0)),
            Callbacks::new(),
        );
        checkout.open();
        assert!(until(1_000, || asked.get()).await, "the request went out");
        sleep(50).await;
        assert!(!dropped.get(), "still in flight");
        if drop_it {
            drop(checkout);
        } else {
            checkout.cancel();
        }
        assert!(
            until(500, || dropped.get()).await,
            "the request is dropped (a fetch is aborted), drop: {drop_it}"
        );
        // The script load goes on (other checkouts share it): let it end before the next test.
        assert!(until(3_000, fintoc_global_exists).await);
    }
}

/// A Fintoc whose widget calls `onExit` from inside `hide()` (or `open()`), as a `close()` that
/// reports the close at once would.
fn install_exit_inside(method: &str) {
    js(&format!(
        "window.__opened = 0; window.__destroyed = 0;
         window.Fintoc = {{ create: function (o) {{
            var w = {{
                open: function () {{ window.__opened += 1; }},
                hide: function () {{}},
                destroy: function () {{ window.__destroyed += 1; }}
            }};
            var inner = w.{method};
            w.{method} = function () {{ inner(); o.onExit(); }};
            return w;
        }} }};"
    ));
}

#[wasm_bindgen_test]
async fn an_exit_fired_inside_hide_or_open_is_not_overwritten() {
    for method in ["hide", "open"] {
        fresh_page();
        install_exit_inside(method);
        let rec = Recorder::default();
        let checkout = Checkout::new(
            CheckoutConfig::new(
                options(),
                SessionSource::token(SessionToken::new("cs_inside_sec_1").unwrap()),
            ),
            callbacks(&rec),
        );
        let _s = record_states(&checkout, &rec);
        checkout.open();
        let want = if method == "hide" {
            CheckoutState::Open
        } else {
            CheckoutState::Exited
        };
        checkout.reach(want.clone(), 3_000).await;
        if method == "hide" {
            checkout.hide();
        }
        sleep(0).await;
        assert_eq!(
            checkout.state(),
            CheckoutState::Exited,
            "the exit the widget reported inside {method}() stands"
        );
        let seen = rec.take();
        let expected: &[&str] = if method == "hide" {
            &["Opening", "Ready", "Open", "Exited", "on_exit"]
        } else {
            &["Opening", "Ready", "Exited", "on_exit"]
        };
        assert_eq!(seen, expected, "{method}: nothing after the exit");
        fresh_page();
    }
}

#[wasm_bindgen_test]
async fn a_subscriber_that_hides_on_ready_is_not_overruled_by_the_pending_open() {
    fresh_page();
    install_exit_inside("destroy"); // a plain widget: nothing fires inside open() or hide()
    let checkout = std::rc::Rc::new(Checkout::new(
        CheckoutConfig::new(
            options(),
            SessionSource::token(SessionToken::new("cs_ready_sec_1").unwrap()),
        ),
        Callbacks::new(),
    ));
    let _s = checkout.subscribe({
        let weak = std::rc::Rc::downgrade(&checkout);
        move |s| {
            if *s == CheckoutState::Ready {
                if let Some(c) = weak.upgrade() {
                    c.cancel(); // the page changed its mind as the widget became ready
                }
            }
        }
    });
    checkout.open();
    checkout.reach(CheckoutState::Idle, 3_000).await;
    sleep(50).await;
    assert_eq!(checkout.state(), CheckoutState::Idle);
    assert_eq!(
        js_number("window.__opened"),
        0.0,
        "nobody's widget was opened"
    );
    assert_eq!(js_number("window.__destroyed"), 1.0);
    fresh_page();
}

fn redirect_checkout(
    session: &str,
    mode: fintoc_wasm::CheckoutMode,
    rec: &Recorder,
) -> (Checkout, fintoc_wasm::checkout::Subscription) {
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session)).with_mode(mode),
        Callbacks::new(),
    );
    let s = record_states(&checkout, rec);
    (checkout, s)
}

/// A checkout in redirect mode on a plain sandbox session for `id`.
fn hosted_checkout(id: &str, rec: &Recorder) -> (Checkout, fintoc_wasm::checkout::Subscription) {
    redirect_checkout(
        &session_url(id, ""),
        fintoc_wasm::CheckoutMode::Redirect,
        rec,
    )
}

#[wasm_bindgen_test]
async fn redirect_mode_goes_to_the_hosted_page_without_loading_the_script() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("redirect");
    let rec = Recorder::default();
    let (checkout, _s) = hosted_checkout(&id, &rec);
    checkout.open();
    checkout.reach(CheckoutState::Redirecting, 3_000).await;
    assert!(CheckoutState::Redirecting.is_busy());
    assert_eq!(
        sandbox.navigations(),
        [format!("https://checkout.fintoc.com/checkout_session_{id}")]
    );
    assert_eq!(rec.take(), ["Opening", "Redirecting"]);
    assert_eq!(testing_scripts(), 0, "no script for the hosted page");
    assert_eq!(sandbox.create_count(), 0, "no widget");
    // Leaving already: another click does not navigate twice, and a second run() says so at
    // once (it does not wait for a page that is leaving).
    checkout.open();
    assert_eq!(sandbox.navigations().len(), 1);
    let second = within(300, "run() while redirecting", checkout.run()).await;
    assert!(matches!(second, Ok(Outcome::Redirected)), "{second:?}");
    assert_eq!(sandbox.navigations().len(), 1);
    // run() says where the shopper went.
    let (again, _a) = hosted_checkout(&id, &rec);
    let outcome = within(3_000, "run()", again.run()).await;
    assert!(matches!(outcome, Ok(Outcome::Redirected)), "{outcome:?}");
    assert_eq!(sandbox.navigations().len(), 2);
}

fn testing_scripts() -> usize {
    fintoc_wasm::testing::injected_script_count()
}

#[wasm_bindgen_test]
async fn redirect_mode_prepares_the_session_ahead_and_the_click_goes_at_once() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("redirectprep");
    let rec = Recorder::default();
    let (checkout, _s) = hosted_checkout(&id, &rec);
    checkout.prepare();
    let state = within(3_000, "ready", checkout.wait_until(settled)).await;
    assert_eq!(state, CheckoutState::Ready);
    assert!(
        sandbox.navigations().is_empty(),
        "a hover never leaves the page"
    );
    checkout.open();
    assert_eq!(
        checkout.state(),
        CheckoutState::Redirecting,
        "in the click's own task"
    );
    assert_eq!(sandbox.navigations().len(), 1);
    assert_eq!(count_events(&id, "session-start").await, 1);
    assert_eq!(rec.take(), ["Preparing", "Ready", "Redirecting"]);
}

#[wasm_bindgen_test]
async fn redirect_mode_without_a_hosted_page_is_a_clear_error() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("noredirect");
    let rec = Recorder::default();
    let (checkout, _s) = redirect_checkout(
        &session_url(&id, "&redirect=javascript:void(0)"),
        fintoc_wasm::CheckoutMode::Redirect,
        &rec,
    );
    checkout.open();
    let state = within(3_000, "failed", checkout.wait_until(settled)).await;
    assert_eq!(
        state,
        CheckoutState::Failed(SessionError::NoRedirectUrl.into())
    );
    assert!(state.error().unwrap().to_string().contains("success_url"));
    assert!(sandbox.navigations().is_empty());
}

#[wasm_bindgen_test]
async fn a_blocked_script_takes_the_shopper_who_clicked_to_the_hosted_page_never_a_hover() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("fallbackgo");
    let rec = Recorder::default();
    let mode = fintoc_wasm::CheckoutMode::WidgetOrRedirect;
    let (checkout, _s) = redirect_checkout(&session_url(&id, ""), mode, &rec);
    // A hover while the script is blocked: no error before the click, no navigation either —
    // ready to go to the hosted page.
    sandbox.fail_next_load(LoadFailure::Network).unwrap();
    checkout.prepare();
    let state = within(3_000, "settled", checkout.wait_until(settled)).await;
    assert_eq!(state, CheckoutState::Ready);
    sleep(300).await;
    assert!(
        sandbox.navigations().is_empty(),
        "a hover never leaves the page"
    );
    // The click: to the hosted page at once, instead of a dead end.
    checkout.open();
    assert_eq!(checkout.state(), CheckoutState::Redirecting);
    assert_eq!(
        sandbox.navigations(),
        [format!("https://checkout.fintoc.com/checkout_session_{id}")]
    );
    assert_eq!(count_events(&id, "session-start").await, 1);
    // A click straight away (no hover), still blocked: the same.
    let (clicked, _c) = redirect_checkout(&session_url(&id, ""), mode, &rec);
    sandbox.fail_next_load(LoadFailure::Network).unwrap();
    clicked.open();
    clicked.reach(CheckoutState::Redirecting, 3_000).await;
    assert_eq!(sandbox.navigations().len(), 2);
    drop(clicked);
    // With the script there, the same mode is the widget.
    let (widget, _w) = redirect_checkout(&session_url(&id, ""), mode, &rec);
    widget.open();
    widget.reach(CheckoutState::Open, 3_000).await;
    assert_eq!(sandbox.navigations().len(), 2);
}

#[wasm_bindgen_test]
async fn coming_back_from_the_hosted_page_is_idle_again_and_can_go_again() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("redirectback");
    let rec = Recorder::default();
    let (checkout, _s) = hosted_checkout(&id, &rec);
    checkout.open();
    checkout.reach(CheckoutState::Redirecting, 3_000).await;
    // The browser shows this page again from its back-forward cache.
    js("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
    assert_eq!(checkout.state(), CheckoutState::Idle);
    // A plain (not restored) pageshow changes nothing later on.
    checkout.open();
    assert_eq!(
        checkout.state(),
        CheckoutState::Redirecting,
        "the kept session goes at once"
    );
    js("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }))");
    assert_eq!(checkout.state(), CheckoutState::Redirecting);
    assert_eq!(sandbox.navigations().len(), 2);
    assert_eq!(count_events(&id, "session-start").await, 1);
    drop(checkout);
    // Dropped: its listener is gone too (a restore now reaches nobody, and nothing throws).
    js(
        "window.__thrown = 0; window.__count = (e) => { window.__thrown += 1; }; \
        window.addEventListener('error', window.__count);",
    );
    js("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
    sleep(0).await;
    assert_eq!(
        js_number("window.__thrown"),
        0.0,
        "no listener calling a dropped closure"
    );
    js("window.removeEventListener('error', window.__count)");
}

#[wasm_bindgen_test]
async fn new_widget_options_replace_a_prepared_widget_keep_its_token_and_never_touch_an_open_one() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("newoptions");
    let source = SessionSource::endpoint(session_url(&id, ""));
    let config = |username: Option<&str>| {
        let mut w = WidgetOptions::builder("pk_test_checkout");
        if let Some(u) = username {
            w = w.username(u);
        }
        CheckoutConfig::new(w.build().unwrap(), source.clone())
    };
    let checkout = Checkout::new(config(None), Callbacks::new());
    // A hover prepared the widget; then the shopper typed their RUT.
    checkout.prepare();
    checkout.reach(CheckoutState::Ready, 3_000).await;
    assert_eq!(sandbox.create_count(), 1);
    checkout.set_config(config(Some("41614850-3")));
    assert_eq!(
        checkout.state(),
        CheckoutState::Idle,
        "the stale widget is gone"
    );
    checkout.open();
    checkout.reach(CheckoutState::Open, 3_000).await;
    assert_eq!(sandbox.create_count(), 2);
    let username =
        js_sys::Reflect::get(sandbox.last_options().unwrap().raw(), &"username".into()).unwrap();
    assert_eq!(username.as_string().as_deref(), Some("41614850-3"));
    assert_eq!(
        count_events(&id, "session-start").await,
        1,
        "the fresh token was kept"
    );
    // While the shopper pays, new options wait for the next widget.
    checkout.set_config(config(Some("40427672-7")));
    assert_eq!(checkout.state(), CheckoutState::Open);
    assert_eq!(sandbox.widgets()[1].state, "open");
    // Equal options change nothing either.
    checkout.hide();
    checkout.set_config(config(Some("40427672-7")));
    checkout.set_config(config(Some("40427672-7")));
    assert_eq!(sandbox.create_count(), 2);
}

#[wasm_bindgen_test]
async fn a_page_still_here_after_leaving_stops_saying_redirecting_unless_it_is_on_its_way() {
    let sandbox = Sandbox::install().unwrap();
    sandbox.stall_redirects_after(Duration::from_millis(300));
    let id = unique_id("stall");
    let rec = Recorder::default();
    let (checkout, _s) = hosted_checkout(&id, &rec);
    checkout.open();
    checkout.reach(CheckoutState::Redirecting, 3_000).await;
    // The page never left (the recorded navigation): after the stall it is idle again.
    checkout.reach(CheckoutState::Idle, 2_000).await;
    assert_eq!(rec.take(), ["Opening", "Redirecting", "Idle"]);
    // Pay again: the same session, straight to its hosted page.
    checkout.open();
    assert_eq!(checkout.state(), CheckoutState::Redirecting);
    let hosted = format!("https://checkout.fintoc.com/checkout_session_{id}");
    assert_eq!(sandbox.navigations(), [hosted.clone(), hosted]);
    assert_eq!(count_events(&id, "session-start").await, 1);
    // A page on its way out (`pagehide`) keeps saying so past the stall.
    js("window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }))");
    sleep(700).await;
    assert_eq!(checkout.state(), CheckoutState::Redirecting);
    assert_eq!(rec.take(), ["Redirecting"]);
}

// Issue 18, item 5 (core): `hide()` ends a run with `Hidden`, also when a subscriber hides the
// widget while the others are being told that it opened.
#[wasm_bindgen_test]
async fn hide_ends_a_run_with_hidden_and_the_widget_is_kept() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("runhide");
    let checkout = std::rc::Rc::new(Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        Callbacks::new(),
    ));
    let run = checkout.run();
    let hider = async {
        checkout.reach(CheckoutState::Open, 5_000).await;
        checkout.hide();
    };
    let (outcome, ()) = within(5_000, "the run", futures::future::join(run, hider)).await;
    assert!(matches!(outcome, Ok(Outcome::Hidden)), "{outcome:?}");
    assert_eq!(checkout.state(), CheckoutState::Ready);
    assert_eq!(sandbox.widgets().last().unwrap().state, "hidden");

    // A subscriber (registered before the run's own) hides as soon as the widget opens.
    let weak = std::rc::Rc::downgrade(&checkout);
    let _s = checkout.subscribe(move |s| {
        if *s == CheckoutState::Open {
            if let Some(c) = weak.upgrade() {
                c.hide();
            }
        }
    });
    let outcome = within(5_000, "the second run", checkout.run()).await;
    assert!(matches!(outcome, Ok(Outcome::Hidden)), "{outcome:?}");
    assert_eq!(sandbox.create_count(), 1, "the same widget throughout");
    assert_eq!(count_events(&id, "session-start").await, 1);
}

// Issue 18, item 9: after the bank rejected the payment (`payment_error`) and the shopper
// closed the widget, the next open gets a new session and a new widget: the finished session
// is never shown again (its pay button would report success on a session Fintoc refuses).
#[wasm_bindgen_test]
async fn a_session_that_ended_in_the_widget_is_not_reused_by_the_next_open() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("spent");
    let checkout = Checkout::new(
        CheckoutConfig::new(options(), SessionSource::endpoint(session_url(&id, ""))),
        Callbacks::new(),
    );
    checkout.open();
    checkout.reach(CheckoutState::Open, 5_000).await;
    let first = sandbox.last_options().unwrap().session_token;
    sandbox.fail_payment("insufficient_funds").unwrap();
    assert_eq!(
        checkout.state(),
        CheckoutState::Open,
        "the error screen stays"
    );
    sandbox.exit().unwrap();
    assert_eq!(checkout.state(), CheckoutState::Exited);
    checkout.open();
    checkout.reach(CheckoutState::Open, 5_000).await;
    assert_eq!(count_events(&id, "session-start").await, 2, "a new session");
    assert_eq!(sandbox.create_count(), 2, "a new widget");
    let second = sandbox.last_options().unwrap().session_token;
    assert_ne!(first, second);
    assert_eq!(sandbox.iframe_count(), 1, "the old widget is gone");
    // A plain close (no terminal event) still reopens the same widget and session.
    sandbox.exit().unwrap();
    checkout.open();
    checkout.reach(CheckoutState::Open, 5_000).await;
    assert_eq!(count_events(&id, "session-start").await, 2);
    assert_eq!(sandbox.create_count(), 2);
    sandbox.exit().unwrap();
}
