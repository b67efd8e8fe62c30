//! A page whose Content-Security-Policy does not allow Fintoc.js (issue 18, item 13): the load
//! fails as `csp_blocked`, naming the directive to add, never as a plain network error. This
//! file is its own page: the policy, once in the page, stays for every test here.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use fintoc_wasm::error::LoadError;
use fintoc_wasm::load::load_fintoc_with;
use fintoc_wasm::ui::{view, Locale};
use fintoc_wasm::{
    Callbacks, Checkout, CheckoutConfig, CheckoutState, LoadOptions, SessionSource, SessionToken,
    WidgetOptions,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The test page's own scripts ('self', its inline glue, its wasm) stay allowed; the fixture
/// server (another origin, where the "Fintoc.js" of these tests lives) is not.
fn install_policy() {
    if document()
        .query_selector("meta[http-equiv='Content-Security-Policy']")
        .unwrap()
        .is_none()
    {
        js("(() => {
              const meta = document.createElement('meta');
              meta.httpEquiv = 'Content-Security-Policy';
              meta.content = \"script-src 'self' 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval' blob:\";
              document.head.appendChild(meta);
            })()");
    }
}

#[wasm_bindgen_test]
async fn a_script_the_pages_policy_refuses_is_csp_blocked_with_the_directive_to_add() {
    fresh_page();
    install_policy();
    let id = unique_id("csp");
    let url = script_url(&id, 0);
    let error = within(
        5_000,
        "the blocked load",
        load_fintoc_with(&LoadOptions::new().with_url(url.clone())),
    )
    .await
    .expect_err("the policy blocks the script");
    match &error {
        LoadError::CspBlocked {
            url: blocked,
            directive,
        } => {
            assert_eq!(blocked, &url);
            assert!(directive.starts_with("script-src"), "{directive}");
        }
        other => panic!("not csp_blocked: {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("script-src"), "{message}");
    assert!(message.contains("https://js.fintoc.com"), "{message}");
    assert_eq!(fintoc_wasm::FintocError::from(error).code(), "csp_blocked");
    assert_eq!(scripts_matching(&id), 0, "the refused tag is removed");
}

#[wasm_bindgen_test]
async fn a_checkout_on_such_a_page_offers_the_hosted_page_and_no_retry() {
    fresh_page();
    install_policy();
    let id = unique_id("cspcheckout");
    let options = WidgetOptions::builder("pk_test_csp").build().unwrap();
    let token = SessionToken::new("cs_csp_sec_1").unwrap();
    let checkout = Checkout::new(
        CheckoutConfig::new(options, SessionSource::token(token))
            .with_load(LoadOptions::new().with_url(script_url(&id, 0))),
        Callbacks::new(),
    );
    checkout.open();
    let state = checkout
        .wait_until(|s| matches!(s, CheckoutState::Failed(_)))
        .await;
    let error = state.error().unwrap();
    assert_eq!(error.code(), "csp_blocked", "{error}");
    let shown = view(
        &state,
        Some("https://checkout.fintoc.com/cs_1"),
        Locale::Es.labels(),
    );
    assert!(
        !shown.retry,
        "retrying cannot help until the policy changes"
    );
    assert_eq!(shown.fallback, Some("https://checkout.fintoc.com/cs_1"));
    assert_eq!(shown.error, Some(Locale::Es.labels().load_failed));
}
