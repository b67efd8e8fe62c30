//! Session endpoint errors and successes, against the fixture server.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use fintoc_wasm::error::SessionError;
use fintoc_wasm::session::{CredentialsMode, HttpMethod};
use fintoc_wasm::SessionEndpoint;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_checkout_session_response_gives_token_expiry_and_fallback() {
    let id = unique_id("ok");
    let before = js_sys::Date::now();
    let r = SessionEndpoint::new(session_url(&id, "&expires_in=120"))
        .json(&serde_json::json!({"cart": [{"sku": "cafe", "qty": 2}]}))
        .header("X-Test", "hello")
        .fetch()
        .await
        .unwrap();
    assert!(r.token.as_str().starts_with(&format!("cs_{id}_sec_")));
    assert!(r.token.fetched_at_ms() >= before);
    let expires_in = r.token.expires_at_ms() - r.token.fetched_at_ms();
    assert!(
        (110_000.0..=121_000.0).contains(&expires_in),
        "{expires_in}"
    );
    assert_eq!(
        r.redirect_url.as_deref(),
        Some(format!("https://checkout.fintoc.com/checkout_session_{id}").as_str())
    );
    let log = server_log(&id).await;
    let detail = log[0].detail.clone().unwrap();
    assert_eq!(detail["method"], "POST");
    assert_eq!(detail["x-test"], "hello");
    let body: serde_json::Value = serde_json::from_str(detail["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["cart"][0]["qty"], 2);
}

#[wasm_bindgen_test]
async fn get_without_body_works_too() {
    let id = unique_id("get");
    let r = SessionEndpoint::new(session_url(&id, ""))
        .method(HttpMethod::Get)
        .credentials(CredentialsMode::Include)
        .fetch()
        .await
        .unwrap();
    assert!(r.token.as_str().starts_with("cs_"));
    assert_eq!(
        server_log(&id).await[0].detail.as_ref().unwrap()["method"],
        "GET"
    );
}

#[wasm_bindgen_test]
async fn http_errors_carry_status_and_a_short_excerpt() {
    let id = unique_id("500");
    let err = SessionEndpoint::new(session_url(&id, "&status=500&mode=html"))
        .fetch()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SessionError::Status {
            status: 500,
            body_excerpt: "<html><body>Bad gateway from proxy</body></html>".into()
        }
    );
}

#[wasm_bindgen_test]
async fn a_2xx_that_is_not_json_is_not_json() {
    let id = unique_id("html");
    let err = SessionEndpoint::new(session_url(&id, "&mode=html"))
        .fetch()
        .await
        .unwrap_err();
    assert!(matches!(err, SessionError::NotJson { .. }), "{err:?}");
}

#[wasm_bindgen_test]
async fn json_without_a_token_is_missing_token() {
    let id = unique_id("missing");
    let err = SessionEndpoint::new(session_url(&id, "&mode=missing"))
        .fetch()
        .await
        .unwrap_err();
    assert!(
        matches!(err, SessionError::MissingToken { ref body_excerpt } if body_excerpt.contains("checkout_session")),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn a_slow_endpoint_times_out() {
    let id = unique_id("slow");
    let started = js_sys::Date::now();
    let err = SessionEndpoint::new(session_url(&id, "&delay=3000"))
        .timeout(Duration::from_millis(200))
        .fetch()
        .await
        .unwrap_err();
    assert_eq!(err, SessionError::Timeout { after_ms: 200 });
    assert!(js_sys::Date::now() - started < 2500.0);
}

#[wasm_bindgen_test]
async fn an_unreachable_endpoint_is_a_network_error() {
    let port = closed_port().await;
    let url = format!("http://127.0.0.1:{port}/api/checkout");
    let err = SessionEndpoint::new(url.clone()).fetch().await.unwrap_err();
    assert!(
        matches!(err, SessionError::Network { url: ref u, .. } if *u == url),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn a_body_that_cannot_be_serialized_is_an_invalid_request() {
    let mut map = std::collections::HashMap::new();
    map.insert((1, 2), "tuple keys are not JSON");
    let err = SessionEndpoint::new(session_url("never", ""))
        .json(&map)
        .fetch()
        .await
        .unwrap_err();
    assert!(
        matches!(err, SessionError::InvalidRequest { .. }),
        "{err:?}"
    );
    assert_eq!(count_events("never", "session-start").await, 0);
}

/// The shared cases of tests/data/session-fields.json, through the browser's reader (`readSession`
/// in src/browser/page.js) and the Rust checks after it, in a real browser.
#[wasm_bindgen_test]
fn the_shared_session_cases_parse_in_the_browser_as_natively() {
    const NEW_YEAR_2026: f64 = 1_767_225_600_000.0;
    use fintoc_wasm::session::parse_session_response;
    let shared: serde_json::Value =
        serde_json::from_str(include_str!("data/session-fields.json")).unwrap();
    let ten_minutes = 600_000.0;
    for case in shared["rfc3339"].as_array().unwrap() {
        let input = case[0].as_str().unwrap();
        let body = serde_json::json!({ "session_token": "t", "expires_at": input }).to_string();
        // Fetched five minutes before the time (or, for a refused one, before 2026-01-01, which
        // most refused cases almost spell): a time read where it should be refused would land
        // within the ten minutes and show.
        let expected = case[1].as_f64();
        let fetched_at = expected.unwrap_or(NEW_YEAR_2026) - 300_000.0;
        let token = parse_session_response(&body, fetched_at).unwrap().token;
        assert_eq!(
            token.expires_at_ms(),
            expected.unwrap_or(fetched_at + ten_minutes),
            "{input:?}"
        );
    }
    for case in shared["responses"].as_array().unwrap() {
        let body = case[0].as_str().unwrap();
        let fetched_at = NEW_YEAR_2026 - 300_000.0;
        let parsed = parse_session_response(body, fetched_at);
        match case[1].as_array() {
            None => assert!(
                matches!(parsed, Err(SessionError::NotJson { .. })),
                "{body}"
            ),
            Some(fields) => match fields[0].as_str() {
                None => assert!(
                    matches!(parsed, Err(SessionError::MissingToken { .. })),
                    "{body}"
                ),
                Some(token) => {
                    let parsed = parsed.unwrap();
                    assert_eq!(parsed.token.as_str(), token, "{body}");
                    assert_eq!(parsed.redirect_url.as_deref(), fields[3].as_str(), "{body}");
                    let cap = fetched_at + ten_minutes;
                    let expiry = fields[1]
                        .as_f64()
                        .map(|s| fetched_at + s * 1000.0)
                        .or(fields[2].as_f64().filter(|ms| *ms > fetched_at + 30_000.0))
                        .map_or(cap, |ms| ms.min(cap));
                    assert_eq!(parsed.token.expires_at_ms(), expiry, "{body}");
                }
            },
        }
    }
}

/// The shared excerpt cases of tests/data/session-fields.json through the browser's `excerpt`
/// (src/browser/page.js): what a body that is not a session reads like in the error, redacted.
#[wasm_bindgen_test]
fn error_excerpts_in_the_browser_match_the_shared_cases_and_hide_tokens() {
    use fintoc_wasm::session::parse_session_response;
    let shared: serde_json::Value =
        serde_json::from_str(include_str!("data/session-fields.json")).unwrap();
    let mut checked = 0;
    for case in shared["excerpts"].as_array().unwrap() {
        let (body, max, want) = (
            case[0].as_str().unwrap(),
            case[1].as_u64().unwrap(),
            case[2].as_str().unwrap(),
        );
        if max != 120 || body.trim().is_empty() {
            continue; // the session reader cuts at 120 characters
        }
        let excerpt = match parse_session_response(body, 0.0) {
            Err(SessionError::NotJson { body_excerpt })
            | Err(SessionError::MissingToken { body_excerpt }) => body_excerpt,
            other => panic!("{body:?}: {other:?}"),
        };
        assert_eq!(excerpt, want, "{body:?}");
        checked += 1;
    }
    assert!(checked >= 4, "{checked}");
    let nested =
        parse_session_response(r#"{"data":{"session_token":"cs_9_sec_secret"}}"#, 0.0).unwrap_err();
    assert!(!nested.to_string().contains("cs_9_sec_secret"), "{nested}");
    assert!(
        !format!("{nested:?}").contains("cs_9_sec_secret"),
        "{nested:?}"
    );
}
