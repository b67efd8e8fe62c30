//! Script loader, in a real browser page, against the fixture server.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use fintoc_wasm::error::LoadError;
use fintoc_wasm::load::{load_fintoc_with, preload};
use fintoc_wasm::testing;
use fintoc_wasm::LoadOptions;
use futures::future::join_all;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn options(url: &str) -> LoadOptions {
    LoadOptions::new()
        .with_url(url)
        .with_timeout(Duration::from_secs(10))
}

#[wasm_bindgen_test]
async fn twenty_concurrent_loads_inject_one_tag() {
    fresh_page();
    let id = unique_id("concurrent");
    let url = script_url(&id, 300);
    let loads = (0..20).map(|_| {
        let o = options(&url);
        async move { load_fintoc_with(&o).await }
    });
    let all = join_all(loads);
    // While they are all waiting: one tag.
    let results = {
        let check = async {
            sleep(50).await;
            assert_eq!(scripts_matching(&id), 1, "one tag while loading");
        };
        let (results, ()) = futures::join!(all, check);
        results
    };
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(scripts_matching(&id), 1);
    assert_eq!(count_events(&id, "script-start").await, 1, "one request");
    // Later callers reuse the loaded global: still one tag, no new request.
    load_fintoc_with(&options(&url)).await.unwrap();
    assert_eq!(scripts_matching(&id), 1);
    assert_eq!(count_events(&id, "script-start").await, 1);
}

#[wasm_bindgen_test]
async fn an_existing_window_fintoc_is_reused_without_a_tag() {
    fresh_page();
    js("window.Fintoc = { create: function () { return {}; }, mine: 42 };");
    let before = document().query_selector_all("script").unwrap().length();
    let fintoc = load_fintoc_with(&options(&script_url("unused", 0)))
        .await
        .unwrap();
    let mine = js_sys::Reflect::get(fintoc.as_js(), &"mine".into()).unwrap();
    assert_eq!(mine.as_f64(), Some(42.0));
    assert_eq!(
        document().query_selector_all("script").unwrap().length(),
        before
    );
    assert_eq!(count_events("unused", "script-start").await, 0);
}

#[wasm_bindgen_test]
async fn a_global_without_create_is_not_trusted() {
    fresh_page();
    js("window.Fintoc = { notCreate: true };");
    let id = unique_id("nocreate");
    let fintoc = load_fintoc_with(&options(&script_url(&id, 0)))
        .await
        .unwrap();
    assert!(fintoc_wasm_has_create(fintoc.as_js()));
    assert_eq!(scripts_matching(&id), 1);
}

fn fintoc_wasm_has_create(v: &wasm_bindgen::JsValue) -> bool {
    js_sys::Reflect::get(v, &"create".into())
        .map(|f| f.is_function())
        .unwrap_or(false)
}

#[wasm_bindgen_test]
async fn a_foreign_tag_is_reused_and_trusted_only_once_it_has_loaded() {
    fresh_page();
    let id = unique_id("foreign");
    // A hand-written tag (no trailing slash, a query) that takes a while to load.
    let foreign = document().create_element("script").unwrap();
    foreign
        .set_attribute("src", &format!("{}/script?id={id}&delay=400", server()))
        .unwrap();
    document().head().unwrap().append_child(&foreign).unwrap();
    // We ask for the same script with a trailing slash and another query.
    let ours = format!("{}/script/?id={id}&delay=0&other=1", server());
    let started = js_sys::Date::now();
    let fintoc = load_fintoc_with(&options(&ours)).await;
    assert!(fintoc.is_ok(), "{fintoc:?}");
    assert!(fintoc_global_exists());
    assert!(
        js_sys::Date::now() - started >= 300.0,
        "resolved before the foreign tag loaded"
    );
    assert_eq!(scripts_matching(&id), 1, "no second tag");
    assert_eq!(count_events(&id, "script-start").await, 1);
}

#[wasm_bindgen_test]
async fn a_foreign_tag_that_already_loaded_is_picked_up() {
    fresh_page();
    let id = unique_id("loaded");
    let foreign = document().create_element("script").unwrap();
    foreign.set_attribute("src", &script_url(&id, 0)).unwrap();
    document().head().unwrap().append_child(&foreign).unwrap();
    assert!(until(3000, fintoc_global_exists).await);
    // The global exists: nothing to load at all.
    load_fintoc_with(&options(&script_url(&id, 0)))
        .await
        .unwrap();
    assert_eq!(scripts_matching(&id), 1);
}

#[wasm_bindgen_test]
async fn a_404_is_a_network_error_then_a_retry_against_a_good_url_succeeds() {
    fresh_page();
    let bad = format!("{}/status/404?x={}", server(), unique_id("404"));
    let err = load_fintoc_with(&options(&bad)).await.unwrap_err();
    assert!(
        matches!(err, LoadError::Network { ref url } if url.contains("/status/404")),
        "{err:?}"
    );
    assert_eq!(scripts_matching("/status/404"), 0, "failed tag removed");
    assert_eq!(testing::pending_loads(), 0, "cache cleared");
    // Same URL again: a fresh attempt (a new tag, removed again), not a cached error.
    let again = load_fintoc_with(&options(&bad)).await.unwrap_err();
    assert!(matches!(again, LoadError::Network { .. }));
    let id = unique_id("good");
    load_fintoc_with(&options(&script_url(&id, 0)))
        .await
        .unwrap();
    assert!(fintoc_global_exists());
    assert_eq!(scripts_matching(&id), 1);
}

#[wasm_bindgen_test]
async fn a_closed_port_is_a_network_error() {
    fresh_page();
    let port = closed_port().await;
    let url = format!("http://127.0.0.1:{port}/fintoc.js");
    let err = load_fintoc_with(&options(&url)).await.unwrap_err();
    assert!(matches!(err, LoadError::Network { .. }), "{err:?}");
    assert_eq!(scripts_matching(&format!(":{port}/")), 0);
    assert!(err.to_string().contains("loading again retries"), "{err}");
}

#[wasm_bindgen_test]
async fn a_script_that_defines_no_global_is_global_missing() {
    fresh_page();
    let id = unique_id("noglobal");
    let url = format!("{}/script?id={id}&kind=noglobal", server());
    // The loader waits for the global up to the timeout before calling it missing.
    let err = load_fintoc_with(&options(&url).with_timeout(Duration::from_millis(1500)))
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::GlobalMissing { .. }), "{err:?}");
    assert_eq!(scripts_matching(&id), 0, "failed tag removed");
    assert_eq!(testing::pending_loads(), 0);
}

#[wasm_bindgen_test]
async fn a_slow_script_times_out_and_a_later_load_retries() {
    fresh_page();
    let id = unique_id("slow");
    // `noglobal`: when it finally arrives (the browser still runs a removed tag's script), it
    // must not define window.Fintoc under the later tests in this page.
    let url = format!("{}/script?id={id}&delay=3000&kind=noglobal", server());
    let err = load_fintoc_with(&options(&url).with_timeout(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        LoadError::Timeout {
            url: url.clone(),
            after_ms: 200
        }
    );
    assert_eq!(scripts_matching(&id), 0, "timed-out tag removed");
    let id2 = unique_id("fast");
    load_fintoc_with(&options(&script_url(&id2, 0)))
        .await
        .unwrap();
    assert!(fintoc_global_exists());
}

#[wasm_bindgen_test]
async fn a_caller_joining_a_load_is_told_the_timeout_that_ran() {
    fresh_page();
    let id = unique_id("joined");
    let url = format!("{}/script?id={id}&delay=3000&kind=noglobal", server());
    // A preload with a short timeout, then a caller with a long one: they share the first load.
    preload(&options(&url).with_timeout(Duration::from_millis(200)));
    let err = within(
        5_000,
        "the joined load",
        load_fintoc_with(&options(&url).with_timeout(Duration::from_secs(60))),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        LoadError::Timeout {
            url: url.clone(),
            after_ms: 200
        },
        "the message must name the timer that expired, not the caller's own"
    );
}

#[wasm_bindgen_test]
async fn a_page_that_lost_window_fintoc_after_a_load_gets_it_loaded_again() {
    fresh_page();
    let id = unique_id("lost");
    let url = script_url(&id, 0);
    load_fintoc_with(&options(&url)).await.unwrap();
    // A teardown (or another script) removes the global the load had brought.
    js("delete window.Fintoc;");
    let again = within(5_000, "the second load", load_fintoc_with(&options(&url))).await;
    assert!(again.is_ok(), "{again:?}");
    assert!(fintoc_global_exists());
    assert_eq!(
        count_events(&id, "script-start").await,
        2,
        "the script ran again"
    );
}

#[wasm_bindgen_test]
async fn the_nonce_is_set_on_the_injected_tag() {
    fresh_page();
    let id = unique_id("nonce");
    let url = script_url(&id, 200);
    let o = options(&url).with_nonce("n0nc3-abc");
    preload(&o);
    let list = document()
        .query_selector_all("script[data-fintoc-wasm]")
        .unwrap();
    assert_eq!(list.length(), 1);
    let tag: web_sys::Element = wasm_bindgen::JsCast::unchecked_into(list.item(0).unwrap());
    assert_eq!(tag.get_attribute("nonce").as_deref(), Some("n0nc3-abc"));
    let html: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(tag);
    assert_eq!(html.nonce(), "n0nc3-abc");
    load_fintoc_with(&o).await.unwrap();
}

#[wasm_bindgen_test]
async fn preload_starts_the_load_and_later_loads_join_it() {
    fresh_page();
    let id = unique_id("preload");
    let o = options(&script_url(&id, 200));
    preload(&o);
    preload(&o);
    assert_eq!(scripts_matching(&id), 1, "the tag is in the page at once");
    load_fintoc_with(&o).await.unwrap();
    assert_eq!(scripts_matching(&id), 1);
    assert_eq!(count_events(&id, "script-start").await, 1);
}

#[wasm_bindgen_test]
async fn relative_urls_resolve_against_the_page() {
    fresh_page();
    // The test page's own origin serves no such file: a relative URL must become absolute
    // and fail as a network error (not InvalidUrl).
    let err = load_fintoc_with(&options("/definitely-not-here.js"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoadError::Network { ref url } if url.starts_with("http")),
        "{err:?}"
    );
    let invalid = load_fintoc_with(&options("")).await.unwrap_err();
    assert!(
        matches!(invalid, LoadError::InvalidUrl { .. }),
        "{invalid:?}"
    );
}

#[wasm_bindgen_test]
async fn a_global_defined_just_after_load_is_waited_for() {
    fresh_page();
    let id = unique_id("late");
    // The script runs, fires `load`, and defines window.Fintoc 300 ms later.
    let url = format!("{}/script?id={id}&kind=late", server());
    let fintoc = load_fintoc_with(&options(&url)).await;
    assert!(fintoc.is_ok(), "{fintoc:?}");
    assert!(fintoc_global_exists());
    assert_eq!(scripts_matching(&id), 1, "our tag stays");
}

#[wasm_bindgen_test]
async fn a_page_tag_whose_global_appears_after_load_is_waited_for() {
    // (a) the page's tag is still downloading when the loader starts watching it: its `load`
    //     fires while we listen, the global comes 300 ms later;
    // (b) the page's tag already ran (its `load` is past) and the global is not there yet.
    for already_ran in [false, true] {
        fresh_page();
        js("delete window.__fintocLateRan;");
        let id = unique_id("latepage");
        let url = format!("{}/script?id={id}&kind=late&delay=200", server());
        let foreign = document().create_element("script").unwrap();
        foreign.set_attribute("src", &url).unwrap();
        document().head().unwrap().append_child(&foreign).unwrap();
        if already_ran {
            assert!(until(3000, || js("window.__fintocLateRan === true").is_truthy()).await);
            assert!(!fintoc_global_exists());
        }
        let fintoc = load_fintoc_with(&options(&url)).await;
        assert!(fintoc.is_ok(), "already ran: {already_ran}: {fintoc:?}");
        assert_eq!(scripts_matching(&id), 1, "no second tag");
        assert_eq!(count_events(&id, "script-start").await, 1);
    }
}

#[wasm_bindgen_test]
async fn odd_script_tags_in_the_page_never_panic_the_loader() {
    fresh_page();
    // Invalid URLs keep their raw text in `.src`: a multi-byte character across byte 5 once
    // panicked the module while the loader looked for an existing tag.
    let odd = [
        "//[aé",
        "da\u{e9}ta:x",
        "é",
        "https://[é]/v1",
        "http://",
        "data:",
        "ñ://x/y",
    ];
    for src in odd {
        // Runnable tags (no `type`): the loader compares their URLs with the one it wants.
        let tag = document().create_element("script").unwrap();
        tag.set_attribute("src", src).unwrap();
        tag.set_attribute("data-odd", "").unwrap();
        document().head().unwrap().append_child(&tag).unwrap();
    }
    let fintoc = load_fintoc_with(&options(&script_url(&unique_id("odd"), 0))).await;
    assert!(fintoc.is_ok(), "{fintoc:?}");
    // The module still works afterwards (a panic would poison every later call).
    testing::reset();
    let again = load_fintoc_with(&options(&script_url(&unique_id("odd2"), 0))).await;
    assert!(again.is_ok(), "{again:?}");
    let list = document().query_selector_all("script[data-odd]").unwrap();
    for i in 0..list.length() {
        let el: web_sys::Element = wasm_bindgen::JsCast::unchecked_into(list.item(i).unwrap());
        el.remove();
    }
}

#[wasm_bindgen_test]
async fn duration_max_means_no_timeout_not_an_immediate_one() {
    fresh_page();
    let o = options(&script_url(&unique_id("forever"), 400)).with_timeout(Duration::MAX);
    let fintoc = within(5_000, "a load with no timeout", load_fintoc_with(&o)).await;
    assert!(fintoc.is_ok(), "{fintoc:?}");
    fresh_page();
    let o =
        options(&script_url(&unique_id("long"), 0)).with_timeout(Duration::from_secs(40 * 86_400));
    let long = within(5_000, "a load with a 40-day timeout", load_fintoc_with(&o)).await;
    assert!(long.is_ok(), "{long:?}");
}

#[wasm_bindgen_test]
async fn a_timeout_never_removes_a_tag_the_page_author_wrote() {
    fresh_page();
    let id = unique_id("pagetag");
    let url = format!("{}/script?id={id}&delay=2000&kind=noglobal", server());
    let foreign = document().create_element("script").unwrap();
    foreign.set_attribute("src", &url).unwrap();
    document().head().unwrap().append_child(&foreign).unwrap();
    let err = load_fintoc_with(&options(&url).with_timeout(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::Timeout { .. }), "{err:?}");
    assert_eq!(
        scripts_matching(&id),
        1,
        "the page's own tag is still there"
    );
    assert_eq!(testing::pending_loads(), 0, "a later call retries");
    foreign.remove();
}

#[wasm_bindgen_test]
async fn a_page_tag_that_cannot_run_is_not_adopted() {
    fresh_page();
    // A consent manager parked the page's Fintoc tag as text/plain: it will never run.
    let id = unique_id("parked");
    let url = script_url(&id, 0);
    let parked = document().create_element("script").unwrap();
    parked.set_attribute("type", "text/plain").unwrap();
    parked.set_attribute("src", &url).unwrap();
    document().head().unwrap().append_child(&parked).unwrap();
    let fintoc = within(5_000, "the load", load_fintoc_with(&options(&url))).await;
    assert!(fintoc.is_ok(), "{fintoc:?}");
    assert_eq!(
        testing::injected_script_count(),
        1,
        "the crate's own tag ran"
    );
    parked.remove();
}

#[wasm_bindgen_test]
async fn after_a_page_tag_fails_the_next_attempt_injects_its_own() {
    fresh_page();
    let id = unique_id("deadtag");
    // The page's tag never finishes in time (a slow or broken host).
    let url = format!("{}/script?id={id}&delay=3000&kind=noglobal", server());
    let page_tag = document().create_element("script").unwrap();
    page_tag.set_attribute("src", &url).unwrap();
    document().head().unwrap().append_child(&page_tag).unwrap();
    let first = load_fintoc_with(&options(&url).with_timeout(Duration::from_millis(200))).await;
    assert!(matches!(first, Err(LoadError::Timeout { .. })), "{first:?}");
    // The retry does not wait on the same dead tag: it injects the crate's own.
    let retry = options(&url).with_timeout(Duration::from_millis(200));
    preload(&retry);
    assert_eq!(
        testing::injected_script_count(),
        1,
        "the crate's own tag this time"
    );
    let second = load_fintoc_with(&retry).await;
    assert!(
        matches!(second, Err(LoadError::Timeout { .. })),
        "{second:?}"
    );
    assert_eq!(
        testing::injected_script_count(),
        0,
        "removed after its own timeout"
    );
    page_tag.remove();
}

#[wasm_bindgen_test]
async fn a_page_tag_that_failed_before_the_loader_started_is_not_waited_on_for_the_timeout() {
    fresh_page();
    // The shop's HTML had the tag; an ad blocker (here: a 404) made it fail before the crate
    // ran, so no `error` event will ever reach the loader.
    let url = format!("{}/status/404", server());
    let page_tag = document().create_element("script").unwrap();
    page_tag.set_attribute("src", &url).unwrap();
    let failed = std::rc::Rc::new(std::cell::Cell::new(false));
    let on_error = wasm_bindgen::closure::Closure::<dyn Fn()>::new({
        let failed = failed.clone();
        move || failed.set(true)
    });
    page_tag
        .add_event_listener_with_callback(
            "error",
            wasm_bindgen::JsCast::unchecked_ref(on_error.as_ref()),
        )
        .unwrap();
    document().head().unwrap().append_child(&page_tag).unwrap();
    assert!(
        until(3000, || failed.get()).await,
        "the page's tag failed first"
    );
    let started = js_sys::Date::now();
    let result = load_fintoc_with(&options(&url).with_timeout(Duration::from_secs(10))).await;
    let took = js_sys::Date::now() - started;
    assert!(
        matches!(result, Err(LoadError::Network { .. })),
        "{result:?}"
    );
    assert!(
        took < 4000.0,
        "told after {took} ms, not after the 10 s timeout"
    );
    assert_eq!(
        testing::injected_script_count(),
        0,
        "its own attempt is cleaned up"
    );
    assert_eq!(scripts_matching("/status/404"), 1, "the page's tag stays");
    page_tag.remove();
}
