//! The demo server's routes over real HTTP: checkout, bad input, webhooks (idempotency,
//! signatures), the sandbox's Fintoc API and outcome webhooks, and restarts.

mod common;

use std::time::Duration;

use common::*;
use fintoc_demo_server::unix_now;
use fintoc_wasm::server::sign;
use serde_json::{json, Value};

fn temp_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite");
    (dir, path)
}

async fn start_fresh() -> (tempfile::TempDir, Running) {
    let (dir, db) = temp_db();
    let running = start(&db, dir.path()).await;
    (dir, running)
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post_json(url: &str, body: Value) -> (u16, Value) {
    let r = http().post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn checkout(server: &Running, items: Value) -> Value {
    let (status, body) = post_json(&server.url("/api/checkout"), json!({ "items": items })).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn order(server: &Running, id: &str) -> Value {
    http()
        .get(server.url(&format!("/api/orders/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A `checkout_session.finished` event for `order_id` with the payment intent in `status`.
fn finished_event(event_id: &str, order_id: &str, status: &str) -> Value {
    json!({
        "id": event_id, "object": "event", "type": "checkout_session.finished", "mode": "test",
        "created_at": "2026-11-24T00:00:00Z",
        "data": {
            "id": "cs_test_1", "object": "checkout_session", "amount": 5000, "currency": "CLP",
            "status": "finished", "metadata": { "order_id": order_id },
            "payment_resource": { "payment_intent": {
                "id": "pi_test_1", "object": "payment_intent", "amount": 5000, "currency": "CLP",
                "status": status,
                "error_reason": if status == "failed" { json!("insufficient_funds") } else { Value::Null },
                "metadata": { "order_id": order_id }
            }}
        }
    })
}

async fn deliver(server: &Running, body: &[u8], header: Option<String>) -> (u16, Value) {
    let mut request = http()
        .post(server.url("/webhooks/fintoc"))
        .header("Content-Type", "application/json")
        .body(body.to_vec());
    if let Some(header) = header {
        request = request.header("fintoc-signature", header); // header names are case-insensitive
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn signed(server: &Running, body: &[u8], t: i64) -> String {
    format!("t={t},v1={}", sign(body, t, &server.state.webhook_secret))
}

/// Delivers `body` signed now with the server's webhook secret.
async fn send_event(server: &Running, body: &str) -> (u16, Value) {
    deliver(
        server,
        body.as_bytes(),
        Some(signed(server, body.as_bytes(), unix_now())),
    )
    .await
}

/// A new pending order for `items`; its id.
async fn new_order(server: &Running, items: Value) -> String {
    checkout(server, items).await["order_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn checkout_creates_an_order_and_a_session_and_never_leaks_the_secret_key() {
    let (_dir, server) = start_fresh().await;
    let config: Value = http()
        .get(server.url("/api/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["mode"], "sandbox");
    assert!(config["public_key"]
        .as_str()
        .unwrap()
        .starts_with("pk_test_"));

    let response = http()
        .post(server.url("/api/checkout"))
        .json(&json!({ "items": [{ "product_id": "espresso", "quantity": 2 }, { "product_id": "beans", "quantity": 1 }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(!text.contains("sk_"), "a secret key in {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["amount"],
        2 * 2_500 + 8_990,
        "the server computes the amount"
    );
    assert!(body["session_token"].as_str().unwrap().contains("_sec_"));
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    let id = body["order_id"].as_str().unwrap();
    let stored = order(&server, id).await;
    assert_eq!(stored["status"], "pending");
    assert_eq!(stored["amount"], 13_990);
    assert!(stored["checkout_session_id"]
        .as_str()
        .unwrap()
        .starts_with("cs_"));
    for path in ["/api/config", "/api/products", &format!("/api/orders/{id}")] {
        let text = http()
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains("sk_"), "{path}: {text}");
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_json_error_never_a_500() {
    let (_dir, server) = start_fresh().await;
    let url = server.url("/api/checkout");
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        ("empty cart", http().post(&url).json(&json!({"items": []})), 400, "empty_cart"),
        ("unknown product", http().post(&url).json(&json!({"items": [{"product_id": "tea", "quantity": 1}]})), 400, "unknown_product"),
        ("zero quantity", http().post(&url).json(&json!({"items": [{"product_id": "espresso", "quantity": 0}]})), 400, "invalid_quantity"),
        ("too many", http().post(&url).json(&json!({"items": [{"product_id": "espresso", "quantity": 21}]})), 400, "invalid_quantity"),
        ("negative", http().post(&url).json(&json!({"items": [{"product_id": "espresso", "quantity": -1}]})), 400, "invalid_request"),
        ("duplicate line", http().post(&url).json(&json!({"items": [{"product_id": "espresso", "quantity": 1}, {"product_id": "espresso", "quantity": 1}]})), 400, "duplicate_product"),
        ("a client price", http().post(&url).json(&json!({"items": [{"product_id": "espresso", "quantity": 1, "price": 1}]})), 400, "invalid_request"),
        ("not JSON", http().post(&url).body("items=espresso"), 400, "invalid_json"),
        ("wrong shape", http().post(&url).json(&json!({"items": "espresso"})), 400, "invalid_request"),
        ("empty body", http().post(&url), 400, "invalid_json"),
        ("huge body", http().post(&url).body(vec![b' '; 200_000]), 413, "body_too_large"),
        ("unknown order", http().get(server.url("/api/orders/ord_nope")), 404, "order_not_found"),
        ("unknown route", http().get(server.url("/api/nope")), 404, "not_found"),
    ];
    for (name, request, status, code) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{name}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{name}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{name}: {body}");
        assert!(
            !body["error"]["message"].as_str().unwrap().is_empty(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_same_event_delivered_many_times_fulfils_the_order_once() {
    let (_dir, server) = start_fresh().await;
    let id = new_order(&server, json!([{"product_id": "cortado", "quantity": 1}])).await;
    let body = finished_event("evt_paid_1", &id, "succeeded").to_string();
    for attempt in 0..5 {
        let (status, answer) = send_event(&server, &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["duplicate"].as_bool().unwrap_or(false),
            attempt > 0,
            "{answer}"
        );
    }
    // Another event saying the same thing (a payment_intent.succeeded after the session event).
    let second = json!({"id": "evt_paid_2", "type": "payment_intent.succeeded", "data": {
        "id": "pi_test_1", "amount": 2900, "currency": "CLP", "status": "succeeded", "metadata": {"order_id": id}}})
    .to_string();
    let (status, _) = send_event(&server, &second).await;
    assert_eq!(status, 200);
    assert_eq!(order(&server, &id).await["status"], "paid");
    assert_eq!(server.state.db.fulfillments(&id).unwrap(), 1);
    assert_eq!(server.state.db.processed_events().unwrap(), 2);
}

#[tokio::test]
async fn bad_signatures_get_400_and_change_nothing() {
    let (_dir, server) = start_fresh().await;
    let id = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let body = finished_event("evt_forged", &id, "succeeded").to_string();
    let now = unix_now();
    let tampered = body.replace("succeeded", "succeeded ");
    let cases = vec![
        ("no header", body.clone(), None),
        ("garbage header", body.clone(), Some("nonsense".to_owned())),
        (
            "wrong secret",
            body.clone(),
            Some(format!(
                "t={now},v1={}",
                sign(body.as_bytes(), now, "whsec_wrong")
            )),
        ),
        (
            "tampered body",
            tampered.clone(),
            Some(signed(&server, body.as_bytes(), now)),
        ),
        (
            "stale",
            body.clone(),
            Some(signed(&server, body.as_bytes(), now - 301)),
        ),
        (
            "from the future",
            body.clone(),
            Some(signed(&server, body.as_bytes(), now + 301)),
        ),
    ];
    for (name, body, header) in cases {
        let (status, answer) = deliver(&server, body.as_bytes(), header).await;
        assert_eq!(status, 400, "{name}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_webhook", "{name}");
    }
    assert_eq!(order(&server, &id).await["status"], "pending");
    assert_eq!(server.state.db.processed_events().unwrap(), 0);
    assert_eq!(server.state.db.fulfillments(&id).unwrap(), 0);
}

#[tokio::test]
async fn finished_is_not_paid_and_final_states_do_not_change() {
    let (_dir, server) = start_fresh().await;
    let failed = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let body = finished_event("evt_failed", &failed, "failed").to_string();
    assert_eq!(send_event(&server, &body).await.0, 200);
    let stored = order(&server, &failed).await;
    assert_eq!(stored["status"], "failed");
    assert_eq!(stored["failure_reason"], "insufficient_funds");
    // A late "succeeded" for the same order never flips a final status.
    let late = finished_event("evt_late", &failed, "succeeded").to_string();
    assert_eq!(send_event(&server, &late).await.0, 200);
    assert_eq!(order(&server, &failed).await["status"], "failed");
    assert_eq!(server.state.db.fulfillments(&failed).unwrap(), 0);

    let expired = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let body = json!({"id": "evt_exp", "type": "checkout_session.expired", "data": {
        "id": "cs_x", "amount": 2500, "currency": "CLP", "status": "expired",
        "metadata": {"order_id": expired}, "payment_resource": null}})
    .to_string();
    assert_eq!(send_event(&server, &body).await.0, 200);
    assert_eq!(order(&server, &expired).await["status"], "expired");

    // Events about nothing we know are acknowledged (else Fintoc retries forever) and ignored.
    let other =
        json!({"id": "evt_payout", "type": "payout.created", "data": {"id": "po_1"}}).to_string();
    let (status, answer) = send_event(&server, &other).await;
    assert_eq!(status, 200);
    assert_eq!(answer["order_id"], Value::Null);
}

#[tokio::test]
async fn sandbox_outcomes_arrive_as_signed_webhooks() {
    let (_dir, server) = start_fresh().await;
    for (outcome, expected) in [("succeeded", "paid"), ("failed", "failed")] {
        let created = checkout(&server, json!([{"product_id": "beans", "quantity": 2}])).await;
        let id = created["order_id"].as_str().unwrap().to_owned();
        let (status, _) = post_json(
            &server.url("/sandbox/outcome"),
            json!({"session_token": created["session_token"], "outcome": outcome, "institution_id": "cl_banco_estado"}),
        )
        .await;
        assert_eq!(status, 204);
        let settled = eventually(10, || {
            let server = &server;
            let id = id.clone();
            async move {
                let o = order(server, &id).await;
                (o["status"] != "pending").then_some(o)
            }
        })
        .await
        .expect("the webhook arrived");
        assert_eq!(settled["status"], expected, "{outcome}");
        // Reporting again is refused: the session is final.
        let (status, _) = post_json(
            &server.url("/sandbox/outcome"),
            json!({"session_token": created["session_token"], "outcome": "succeeded"}),
        )
        .await;
        assert_eq!(status, 409);
    }
    // Closing the widget changes nothing.
    let created = checkout(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let (status, _) = post_json(
        &server.url("/sandbox/outcome"),
        json!({"session_token": created["session_token"], "outcome": "exited"}),
    )
    .await;
    assert_eq!(status, 204);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        order(&server, created["order_id"].as_str().unwrap()).await["status"],
        "pending"
    );
}

#[tokio::test]
async fn sandbox_sessions_expire_with_a_webhook() {
    let (dir, db) = temp_db();
    let server = start_with(&db, dir.path(), Some(Duration::from_secs(1))).await;
    let created = checkout(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let id = created["order_id"].as_str().unwrap().to_owned();
    let status = eventually(10, || {
        let server = &server;
        let id = id.clone();
        async move {
            let o = order(server, &id).await;
            (o["status"] != "pending").then(|| o["status"].clone())
        }
    })
    .await;
    assert_eq!(status, Some(json!("expired")));
}

#[tokio::test]
async fn the_sandbox_api_behaves_like_fintocs() {
    let (_dir, server) = start_fresh().await;
    let sandbox = server.state.sandbox.clone().unwrap();
    let url = server.url("/sandbox/api/v1/checkout_sessions");
    let create = json!({"amount": 5000, "currency": "CLP", "metadata": {"order_id": "ord_x"}});

    let unauthenticated = http().post(&url).json(&create).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let body: Value = unauthenticated.json().await.unwrap();
    assert_eq!(body["error"]["type"], "authentication_error");

    let send = |body: Value, key: &str| {
        http()
            .post(&url)
            .header("Authorization", sandbox.secret_key())
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first: Value = send(create.clone(), "key-1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let replay: Value = send(create.clone(), "key-1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["object"], "checkout_session");
    assert_eq!(first["id"], replay["id"], "same key, same session");
    let other: Value = send(create.clone(), "key-2")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(first["id"], other["id"]);
    let reused = send(json!({"amount": 1, "currency": "CLP"}), "key-1")
        .await
        .unwrap();
    assert_eq!(reused.status(), 400);
    let body: Value = reused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "idempotency_key_reused");

    for (body, code, param) in [
        (json!({"currency": "CLP"}), "missing_parameter", "amount"),
        (
            json!({"amount": 0, "currency": "CLP"}),
            "invalid_amount",
            "amount",
        ),
        (
            json!({"amount": 10, "currency": "USD"}),
            "invalid_currency",
            "currency",
        ),
    ] {
        let r = send(body, &uuid::Uuid::new_v4().to_string()).await.unwrap();
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["code"], code);
        assert_eq!(body["error"]["param"], param);
    }

    // The crate's client reads it all: get and expire.
    let id = first["id"].as_str().unwrap();
    let fetched = server.state.fintoc.get_checkout_session(id).await.unwrap();
    assert_eq!(fetched.amount, 5000);
    let expired = server
        .state
        .fintoc
        .expire_checkout_session(id)
        .await
        .unwrap();
    assert_eq!(
        expired.status,
        fintoc_wasm::server::CheckoutSessionStatus::Expired
    );
    assert_eq!(expired.session_token, None);
    let again = server
        .state
        .fintoc
        .expire_checkout_session(id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            again,
            fintoc_wasm::server::ClientError::Api { status: 400, .. }
        ),
        "{again:?}"
    );
}

#[tokio::test]
async fn orders_survive_a_restart() {
    let (dir, db) = temp_db();
    let first = start(&db, dir.path()).await;
    let id = new_order(&first, json!([{"product_id": "beans", "quantity": 1}])).await;
    let body = finished_event("evt_before_restart", &id, "succeeded").to_string();
    assert_eq!(send_event(&first, &body).await.0, 200);
    first.stop().await;

    let second = start(&db, dir.path()).await;
    let stored = order(&second, &id).await;
    assert_eq!(stored["status"], "paid");
    assert_eq!(stored["amount"], 8_990);
    // The processed event ids survive too: a redelivery after the restart is a duplicate.
    let (status, answer) = send_event(&second, &body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["duplicate"], true);
    assert_eq!(second.state.db.fulfillments(&id).unwrap(), 1);
}
