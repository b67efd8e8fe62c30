//! The demo server's routes over real HTTP: checkout, bad input, webhooks (idempotency,
//! signatures), the sandbox's Fintoc API and outcome webhooks, and restarts.

mod common;

use std::time::Duration;

use common::*;
use fintoc_demo_server::sandbox::parse_rfc3339;
use fintoc_demo_server::{unix_now, Mode};
use fintoc_wasm::server::testing::sign_event;
use fintoc_wasm::server::CheckoutSessionStatus;

/// The `v1` part of the `Fintoc-Signature` header for `body` signed at Unix second `t`.
fn sign(body: &[u8], t: i64, secret: &str) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.max(0) as u64);
    let header = sign_event(secret, body, at);
    header
        .rsplit_once("v1=")
        .map(|(_, v1)| v1.to_owned())
        .unwrap_or_default()
}
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

/// `GET path` on the server, as JSON.
async fn get_json(server: &Running, path: &str) -> Value {
    http()
        .get(server.url(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn order(server: &Running, id: &str) -> Value {
    get_json(server, &format!("/api/orders/{id}")).await
}

/// A `checkout_session.finished` event for `order_id` (of `amount` CLP) with the payment intent
/// in `status`.
fn finished_event(event_id: &str, order_id: &str, status: &str, amount: u64) -> Value {
    json!({
        "id": event_id, "object": "event", "type": "checkout_session.finished", "mode": "test",
        "created_at": "2026-11-24T00:00:00Z",
        "data": {
            "id": "cs_test_1", "object": "checkout_session", "amount": amount, "currency": "CLP",
            "status": "finished", "metadata": { "order_id": order_id },
            "payment_resource": { "payment_intent": {
                "id": "pi_test_1", "object": "payment_intent", "amount": amount, "currency": "CLP",
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
    let config: Value = get_json(&server, "/api/config").await;
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
        ("a short cart id", http().post(&url).json(&json!({"items": [{"product_id": "espresso", "quantity": 1}], "cart_id": "cart1"})), 400, "invalid_cart_id"),
        ("a cart id with spaces", http().post(&url).json(&json!({"items": [{"product_id": "espresso", "quantity": 1}], "cart_id": "my cart is the best cart"})), 400, "invalid_cart_id"),
        ("a cart id too long", http().post(&url).json(&json!({"items": [{"product_id": "espresso", "quantity": 1}], "cart_id": "c".repeat(65)})), 400, "invalid_cart_id"),
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
    let body = finished_event("evt_paid_1", &id, "succeeded", 2_900).to_string();
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
    assert_eq!(server.state.db.fulfillments(&id).await.unwrap(), 1);
    assert_eq!(server.state.db.processed_events().await.unwrap(), 2);
}

#[tokio::test]
async fn bad_signatures_get_400_and_change_nothing() {
    let (_dir, server) = start_fresh().await;
    let id = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let body = finished_event("evt_forged", &id, "succeeded", 2_500).to_string();
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
    assert_eq!(server.state.db.processed_events().await.unwrap(), 0);
    assert_eq!(server.state.db.fulfillments(&id).await.unwrap(), 0);
}

#[tokio::test]
async fn finished_is_not_paid_and_final_states_do_not_change() {
    let (_dir, server) = start_fresh().await;
    let failed = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let body = finished_event("evt_failed", &failed, "failed", 2_500).to_string();
    assert_eq!(send_event(&server, &body).await.0, 200);
    let stored = order(&server, &failed).await;
    assert_eq!(stored["status"], "failed");
    assert_eq!(stored["failure_reason"], "insufficient_funds");
    // Another failure for the same order changes nothing.
    let again = finished_event("evt_failed_again", &failed, "failed", 2_500).to_string();
    assert_eq!(send_event(&server, &again).await.0, 200);
    assert_eq!(order(&server, &failed).await["status"], "failed");
    assert_eq!(server.state.db.fulfillments(&failed).await.unwrap(), 0);

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
    let body = finished_event("evt_before_restart", &id, "succeeded", 8_990).to_string();
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
    assert_eq!(second.state.db.fulfillments(&id).await.unwrap(), 1);
}

/// A checkout for `items` in the purchase `cart_id`.
async fn checkout_cart(server: &Running, cart_id: &str, items: Value) -> Value {
    let (status, body) = post_json(
        &server.url("/api/checkout"),
        json!({ "items": items, "cart_id": cart_id }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Waits (10 s at most) until order `id` leaves `pending`; its status.
async fn settled(server: &Running, id: &str) -> Value {
    eventually(10, || async move {
        let o = order(server, id).await;
        (o["status"] != "pending").then(|| o["status"].clone())
    })
    .await
    .unwrap_or_else(|| panic!("order {id} is still pending"))
}

#[tokio::test]
async fn events_the_crate_cannot_read_are_acknowledged_recorded_and_flag_the_order() {
    let (_dir, server) = start_fresh().await;
    // A "paid" session in a currency the crate does not model: maybe money, certainly signed.
    let id = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let mut usd = finished_event("evt_usd", &id, "succeeded", 2_500);
    usd["data"]["currency"] = json!("USD");
    let body = usd.to_string();
    let (status, answer) = send_event(&server, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["order_id"], id.as_str());
    let stored = order(&server, &id).await;
    assert_eq!(stored["status"], "needs_review", "{stored}");
    assert!(
        stored["review_reason"].as_str().unwrap().contains("USD"),
        "{stored}"
    );
    assert_eq!(server.state.db.fulfillments(&id).await.unwrap(), 0);
    let unhandled = server.state.db.unhandled_events().await.unwrap();
    assert_eq!(unhandled.len(), 1);
    assert_eq!(unhandled[0].event_id, "evt_usd");
    assert_eq!(unhandled[0].order_id.as_deref(), Some(id.as_str()));
    assert_eq!(unhandled[0].data, usd["data"], "the raw JSON is kept");
    // Redelivered: a duplicate like any other event.
    let (status, answer) = send_event(&server, &body).await;
    assert_eq!((status, &answer["duplicate"]), (200, &json!(true)));
    assert_eq!(server.state.db.unhandled_events().await.unwrap().len(), 1);

    // No metadata and no amount: the order is found by its session id.
    let by_session = new_order(&server, json!([{"product_id": "cortado", "quantity": 1}])).await;
    let session_id = order(&server, &by_session).await["checkout_session_id"].clone();
    let no_amount = json!({"id": "evt_no_amount", "type": "checkout_session.finished",
        "data": {"object": {"id": session_id, "currency": "CLP", "status": "finished"}}});
    assert_eq!(send_event(&server, &no_amount.to_string()).await.0, 200);
    assert_eq!(order(&server, &by_session).await["status"], "needs_review");

    // Not a payment (an expiry we cannot read): recorded, the order keeps waiting.
    let waiting = new_order(&server, json!([{"product_id": "beans", "quantity": 1}])).await;
    let expiry = json!({"id": "evt_odd_expiry", "type": "checkout_session.expired",
        "data": {"id": "cs_x", "amount": "8990", "metadata": {"order_id": waiting}}});
    assert_eq!(send_event(&server, &expiry.to_string()).await.0, 200);
    assert_eq!(order(&server, &waiting).await["status"], "pending");

    // About no order we know: still 2xx, still recorded.
    let orphan = json!({"id": "evt_orphan", "type": "payment_intent.succeeded",
        "data": {"id": "pi_9", "currency": "CLP", "status": "succeeded"}});
    assert_eq!(send_event(&server, &orphan.to_string()).await.0, 200);
    let unhandled = server.state.db.unhandled_events().await.unwrap();
    let ids: Vec<_> = unhandled.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(
        ids,
        ["evt_usd", "evt_no_amount", "evt_odd_expiry", "evt_orphan"]
    );
    assert_eq!(unhandled[3].order_id, None);
    assert_eq!(server.state.db.processed_events().await.unwrap(), 4);

    // A readable payment of the right amount settles an order under review.
    let readable = finished_event("evt_readable", &id, "succeeded", 2_500).to_string();
    assert_eq!(send_event(&server, &readable).await.0, 200);
    let stored = order(&server, &id).await;
    assert_eq!(stored["status"], "paid", "{stored}");
    assert_eq!(stored["review_reason"], Value::Null);
    assert_eq!(server.state.db.fulfillments(&id).await.unwrap(), 1);
}

/// Issue 18 item 2: a `checkout_session.finished` whose payment cannot be read (no payment
/// intent, a payment status nobody knows) is not "the payment failed: try again" — it may be
/// money received. The order goes to `needs_review` (the event kept in `unhandled_events`), and
/// the cart is held, whatever the crate's `payment_outcome` says about such a session.
#[tokio::test]
async fn a_finished_session_whose_payment_cannot_be_read_is_held_for_review_not_failed() {
    let (_dir, server) = start_fresh().await;
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "no payment_resource",
            Box::new(|e| e["data"]["payment_resource"] = Value::Null),
        ),
        (
            "payment_resource without an intent",
            Box::new(|e| e["data"]["payment_resource"] = json!({})),
        ),
        (
            "no payment_resource field",
            Box::new(|e| {
                e["data"]
                    .as_object_mut()
                    .unwrap()
                    .remove("payment_resource");
            }),
        ),
        (
            "an unknown payment status",
            Box::new(|e| {
                e["data"]["payment_resource"]["payment_intent"]["status"] = json!("settling")
            }),
        ),
    ];
    for (name, edit) in cases {
        let cart = uuid::Uuid::new_v4().simple().to_string();
        let items = json!([{"product_id": "espresso", "quantity": 1}]);
        let id = checkout_cart(&server, &cart, items.clone()).await["order_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let event_id = format!("evt_{}", name.replace(' ', "_"));
        let mut event = finished_event(&event_id, &id, "succeeded", 2_500);
        edit(&mut event);
        let (status, answer) = send_event(&server, &event.to_string()).await;
        assert_eq!(status, 200, "{name}: {answer}");
        let stored = order(&server, &id).await;
        assert_eq!(stored["status"], "needs_review", "{name}: {stored}");
        assert!(
            stored["review_reason"].as_str().is_some(),
            "{name}: {stored}"
        );
        assert_eq!(
            server.state.db.fulfillments(&id).await.unwrap(),
            0,
            "{name}"
        );
        let kept = server.state.db.unhandled_events().await.unwrap();
        let row = kept.iter().find(|e| e.event_id == event_id);
        assert_eq!(
            row.map(|e| &e.data),
            Some(&event["data"]),
            "{name}: kept raw"
        );
        // Held: the same cart gets its order back, not a second payment.
        let (status, again) = post_json(
            &server.url("/api/checkout"),
            json!({ "items": items, "cart_id": cart }),
        )
        .await;
        assert_eq!(
            (status, &again["error"]["code"]),
            (409, &json!("cart_paid")),
            "{name}"
        );
        // A readable payment of the right amount still settles it.
        let readable = finished_event(&format!("{event_id}_ok"), &id, "succeeded", 2_500);
        assert_eq!(send_event(&server, &readable.to_string()).await.0, 200);
        assert_eq!(order(&server, &id).await["status"], "paid", "{name}");
    }
}

/// Issue 18 item 3: a signed body that is not an event (no string `id` or `type`, not even
/// JSON) is still Fintoc's: 2xx and kept in `unhandled_events`, never a 400 that Fintoc retries
/// and then drops with nothing recorded. Only the signature decides a refusal.
#[tokio::test]
async fn a_signed_body_that_is_not_an_event_is_acknowledged_and_kept() {
    let (_dir, server) = start_fresh().await;
    let id = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let mut numeric = finished_event("x", &id, "succeeded", 2_500);
    numeric["id"] = json!(123);
    let bodies = [
        numeric.to_string(),
        json!({"id": "evt_no_type", "data": {}}).to_string(),
        json!({"id": "evt_type_number", "type": 7}).to_string(),
        "[]".to_owned(),
        "not json at all".to_owned(),
    ];
    for body in &bodies {
        let (status, answer) = send_event(&server, body).await;
        assert_eq!(status, 200, "{body}: {answer}");
        assert_eq!(answer["unhandled"], true, "{body}: {answer}");
        // Redelivered (the same bytes): a duplicate, not a second row.
        let (status, answer) = send_event(&server, body).await;
        assert_eq!(
            (status, &answer["duplicate"]),
            (200, &json!(true)),
            "{body}"
        );
    }
    let kept = server.state.db.unhandled_events().await.unwrap();
    assert_eq!(kept.len(), bodies.len(), "{kept:?}");
    assert_eq!(kept[0].data, numeric, "the whole body is kept");
    assert_eq!(kept[4].data, json!("not json at all"));
    assert!(
        kept.iter().all(|e| e.event_id.starts_with("unparsed_")),
        "{kept:?}"
    );
    // The payment-shaped one names its order: a person must look at it, nothing is fulfilled.
    assert_eq!(kept[0].order_id.as_deref(), Some(id.as_str()));
    assert_eq!(order(&server, &id).await["status"], "needs_review");
    assert_eq!(server.state.db.fulfillments(&id).await.unwrap(), 0);
    // A bad signature is still refused, whatever the body.
    let now = unix_now();
    let (status, _) = deliver(
        &server,
        b"[]",
        Some(format!("t={now},v1={}", sign(b"[]", now, "whsec_wrong"))),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_payment_after_the_order_closed_is_kept_for_a_refund_not_dropped() {
    let (_dir, server) = start_fresh().await;
    let failed = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let body = finished_event("evt_failed", &failed, "failed", 2_500).to_string();
    assert_eq!(send_event(&server, &body).await.0, 200);
    let late = finished_event("evt_late", &failed, "succeeded", 2_500).to_string();
    let (status, answer) = send_event(&server, &late).await;
    assert_eq!(status, 200);
    assert_eq!(answer["status"], "paid_after_close");
    let stored = order(&server, &failed).await;
    assert_eq!(stored["status"], "paid_after_close", "{stored}");
    assert!(
        stored["review_reason"].as_str().unwrap().contains("refund"),
        "{stored}"
    );
    assert_eq!(
        server.state.db.fulfillments(&failed).await.unwrap(),
        0,
        "a person decides: refund or fulfil"
    );

    let expired = new_order(&server, json!([{"product_id": "cortado", "quantity": 2}])).await;
    let body = json!({"id": "evt_exp", "type": "checkout_session.expired", "data": {
        "id": "cs_x", "amount": 5800, "currency": "CLP", "status": "expired",
        "metadata": {"order_id": expired}, "payment_resource": null}})
    .to_string();
    assert_eq!(send_event(&server, &body).await.0, 200);
    assert_eq!(order(&server, &expired).await["status"], "expired");
    let late = json!({"id": "evt_late_pi", "type": "payment_intent.succeeded", "data": {
        "id": "pi_late", "amount": 5800, "currency": "CLP", "status": "succeeded",
        "metadata": {"order_id": expired}}})
    .to_string();
    assert_eq!(send_event(&server, &late).await.0, 200);
    assert_eq!(order(&server, &expired).await["status"], "paid_after_close");
    assert_eq!(server.state.db.fulfillments(&expired).await.unwrap(), 0);
    assert_eq!(
        server
            .state
            .db
            .orders_with_status("paid_after_close")
            .await
            .unwrap(),
        [expired, failed]
    );
}

#[tokio::test]
async fn a_payment_of_another_amount_or_currency_is_flagged_not_fulfilled() {
    let (_dir, server) = start_fresh().await;
    // The order: one espresso, 2 500 CLP.
    fn session_says(e: &mut Value, amount: u64, currency: &str) {
        e["data"]["amount"] = json!(amount);
        e["data"]["currency"] = json!(currency);
    }
    fn intent_says(e: &mut Value, amount: u64, currency: &str) {
        e["data"]["payment_resource"]["payment_intent"]["amount"] = json!(amount);
        e["data"]["payment_resource"]["payment_intent"]["currency"] = json!(currency);
    }
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "less",
            Box::new(|e| {
                session_says(e, 1, "CLP");
                intent_says(e, 1, "CLP")
            }),
        ),
        (
            "more",
            Box::new(|e| {
                session_says(e, 25_000, "CLP");
                intent_says(e, 25_000, "CLP")
            }),
        ),
        (
            "another currency",
            Box::new(|e| {
                session_says(e, 2_500, "MXN");
                intent_says(e, 2_500, "MXN")
            }),
        ),
        (
            "the intent differs",
            Box::new(|e| intent_says(e, 2_499, "CLP")),
        ),
        (
            "the session differs",
            Box::new(|e| session_says(e, 2_499, "CLP")),
        ),
    ];
    for (name, edit) in cases {
        let id = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
        let mut event = finished_event(
            &format!("evt_{}", name.replace(' ', "_")),
            &id,
            "succeeded",
            2_500,
        );
        edit(&mut event);
        let (status, answer) = send_event(&server, &event.to_string()).await;
        assert_eq!(status, 200, "{name}: {answer}");
        let stored = order(&server, &id).await;
        assert_eq!(stored["status"], "amount_mismatch", "{name}: {stored}");
        assert!(
            stored["review_reason"]
                .as_str()
                .unwrap()
                .contains("2500 CLP"),
            "{name}: {stored}"
        );
        assert_eq!(
            server.state.db.fulfillments(&id).await.unwrap(),
            0,
            "{name}"
        );
    }
    // A payment_intent event is checked too.
    let id = new_order(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let pi = json!({"id": "evt_pi_short", "type": "payment_intent.succeeded", "data": {
        "id": "pi_1", "amount": 250, "currency": "CLP", "status": "succeeded",
        "metadata": {"order_id": id}}})
    .to_string();
    assert_eq!(send_event(&server, &pi).await.0, 200);
    assert_eq!(order(&server, &id).await["status"], "amount_mismatch");
    assert_eq!(server.state.db.fulfillments(&id).await.unwrap(), 0);
}

#[tokio::test]
async fn repeated_checkouts_for_one_cart_share_one_payable_session() {
    let (_dir, server) = start_fresh().await;
    let cart = uuid::Uuid::new_v4().to_string();
    let items =
        json!([{"product_id": "espresso", "quantity": 2}, {"product_id": "beans", "quantity": 1}]);
    // A double (quintuple) click: concurrent requests.
    let clicks: Vec<_> = (0..5)
        .map(|_| {
            let url = server.url("/api/checkout");
            let body = json!({ "items": items, "cart_id": cart });
            tokio::spawn(async move { post_json(&url, body).await })
        })
        .collect();
    let mut answers = Vec::new();
    for click in clicks {
        let (status, body) = tokio::time::timeout(Duration::from_secs(10), click)
            .await
            .expect("the checkout answered within 10 s")
            .unwrap();
        assert_eq!(status, 200, "{body}");
        answers.push(body);
    }
    // A refetch later (a page reload, a stale token): the same again.
    answers.push(checkout_cart(&server, &cart, items.clone()).await);
    let first = &answers[0];
    for answer in &answers {
        for field in [
            "order_id",
            "session_token",
            "expires_at",
            "redirect_url",
            "amount",
            "currency",
        ] {
            assert_eq!(answer[field], first[field], "{field}");
        }
    }
    let first_order = first["order_id"].as_str().unwrap().to_owned();
    assert_eq!(
        server.state.db.orders_with_status("pending").await.unwrap(),
        [first_order.as_str()]
    );
    // `expires_at` is when the token stops working: at most ten minutes after it was made.
    let expires_at = parse_rfc3339(first["expires_at"].as_str().unwrap()).unwrap();
    assert!(expires_at <= unix_now() + 600, "{first}");

    // The shopper changes the cart: a new order; the old session can no longer be paid.
    let old_session = order(&server, &first_order).await["checkout_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let changed = checkout_cart(
        &server,
        &cart,
        json!([{"product_id": "espresso", "quantity": 3}]),
    )
    .await;
    assert_ne!(changed["order_id"], first["order_id"]);
    assert_ne!(changed["session_token"], first["session_token"]);
    assert_eq!(changed["amount"], 7_500);
    let old = server
        .state
        .fintoc
        .get_checkout_session(&old_session)
        .await
        .unwrap();
    assert_eq!(old.status, CheckoutSessionStatus::Expired);
    assert_eq!(settled(&server, &first_order).await, "expired");
    assert_eq!(
        server.state.db.orders_with_status("pending").await.unwrap(),
        [changed["order_id"].as_str().unwrap()]
    );

    // Once that order is paid, the cart is done (see a_paid_cart_never_gets_another_session).
    let paid = changed["order_id"].as_str().unwrap().to_owned();
    let body = finished_event("evt_cart_paid", &paid, "succeeded", 7_500).to_string();
    assert_eq!(send_event(&server, &body).await.0, 200);
    let (status, again) = post_json(
        &server.url("/api/checkout"),
        json!({ "items": [{"product_id": "espresso", "quantity": 3}], "cart_id": cart }),
    )
    .await;
    assert_eq!((status, &again["error"]["order_id"]), (409, &json!(paid)));

    // Without a cart id every request is its own purchase (the server cannot tell a double click
    // from a second order).
    let a = checkout(&server, json!([{"product_id": "cortado", "quantity": 1}])).await;
    let b = checkout(&server, json!([{"product_id": "cortado", "quantity": 1}])).await;
    assert_ne!(a["order_id"], b["order_id"]);
}

/// How many orders the server has made (every status).
async fn order_count(server: &Running) -> usize {
    let mut n = 0;
    for status in [
        "pending",
        "paid",
        "failed",
        "expired",
        "paid_after_close",
        "amount_mismatch",
        "needs_review",
    ] {
        n += server
            .state
            .db
            .orders_with_status(status)
            .await
            .unwrap()
            .len();
    }
    n
}

/// Issue 18 item 1: the Back button, a duplicated tab or a cart kept in sessionStorage send the
/// same `cart_id` after the webhook marked its order paid (or held it for a person): that must
/// never start a second payment for one cart.
#[tokio::test]
async fn a_paid_cart_never_gets_another_session() {
    let (_dir, server) = start_fresh().await;
    let items = json!([{"product_id": "beans", "quantity": 1}]);
    // (how the order ends, the status the shopper is told about)
    type Event = Box<dyn Fn(&str) -> Value>;
    let endings: [(&str, Event); 4] = [
        (
            "paid",
            Box::new(|id| finished_event(&format!("evt_p_{id}"), id, "succeeded", 8_990)),
        ),
        (
            "amount_mismatch",
            Box::new(|id| finished_event(&format!("evt_m_{id}"), id, "succeeded", 1)),
        ),
        (
            "needs_review",
            Box::new(|id| {
                let mut e = finished_event(&format!("evt_r_{id}"), id, "succeeded", 8_990);
                e["data"]["currency"] = json!("USD");
                e
            }),
        ),
        (
            "paid_after_close",
            Box::new(|id| {
                json!({"id": format!("evt_l_{id}"),
            "type": "payment_intent.succeeded", "data": {"id": "pi_l", "amount": 8_990,
            "currency": "CLP", "status": "succeeded", "metadata": {"order_id": id}}})
            }),
        ),
    ];
    for (expected, event) in endings {
        let cart = uuid::Uuid::new_v4().simple().to_string();
        let first = checkout_cart(&server, &cart, items.clone()).await;
        let id = first["order_id"].as_str().unwrap().to_owned();
        if expected == "paid_after_close" {
            let expiry = json!({"id": format!("evt_x_{id}"), "type": "checkout_session.expired",
                "data": {"id": "cs_x", "amount": 8_990, "currency": "CLP", "status": "expired",
                "metadata": {"order_id": id}, "payment_resource": null}});
            assert_eq!(send_event(&server, &expiry.to_string()).await.0, 200);
        }
        assert_eq!(send_event(&server, &event(&id).to_string()).await.0, 200);
        assert_eq!(order(&server, &id).await["status"], expected);
        let before = order_count(&server).await;
        // The same cart again: the same items (Back button), or changed ones (a stale tab).
        for items in [
            items.clone(),
            json!([{"product_id": "espresso", "quantity": 1}]),
        ] {
            let (status, answer) = post_json(
                &server.url("/api/checkout"),
                json!({ "items": items, "cart_id": cart }),
            )
            .await;
            assert_eq!(status, 409, "{expected}: {answer}");
            assert_eq!(answer["error"]["code"], "cart_paid", "{expected}: {answer}");
            assert_eq!(answer["error"]["order_id"], id.as_str(), "{answer}");
            assert_eq!(answer["error"]["order_status"], expected, "{answer}");
            assert!(answer.get("session_token").is_none(), "{answer}");
        }
        assert_eq!(
            order_count(&server).await,
            before,
            "{expected}: no new order"
        );
    }
}

#[tokio::test]
async fn a_session_near_its_end_is_expired_and_replaced_not_handed_out_again() {
    let (dir, db) = temp_db();
    // Sessions live one minute: less than the margin the server keeps for the shopper to pay.
    let server = start_with(&db, dir.path(), Some(Duration::from_secs(60))).await;
    let cart = uuid::Uuid::new_v4().simple().to_string();
    let items = json!([{"product_id": "cortado", "quantity": 1}]);
    let first = checkout_cart(&server, &cart, items.clone()).await;
    let first_order = first["order_id"].as_str().unwrap().to_owned();
    let old_session = order(&server, &first_order).await["checkout_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = checkout_cart(&server, &cart, items).await;
    assert_ne!(second["order_id"], first["order_id"]);
    assert_ne!(second["session_token"], first["session_token"]);
    let expires_at = parse_rfc3339(second["expires_at"].as_str().unwrap()).unwrap();
    assert!(expires_at <= unix_now() + 60, "{second}");
    let old = server
        .state
        .fintoc
        .get_checkout_session(&old_session)
        .await
        .unwrap();
    assert_eq!(
        old.status,
        CheckoutSessionStatus::Expired,
        "one payable session"
    );
    assert_eq!(settled(&server, &first_order).await, "expired");
    assert_eq!(
        server.state.db.orders_with_status("pending").await.unwrap(),
        [second["order_id"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn an_older_database_file_is_upgraded_in_place() {
    let (_dir, path) = temp_db();
    {
        // The schema before orders had a cart id, a token expiry, a review reason and a return
        // page; and a cart whose replaced order was still pending (before one_pending_order_per_cart).
        use sqlx::Connection;
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE orders (id TEXT PRIMARY KEY, status TEXT NOT NULL, amount INTEGER NOT NULL,
                 currency TEXT NOT NULL, items TEXT NOT NULL, checkout_session_id TEXT,
                 failure_reason TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
             INSERT INTO orders VALUES ('ord_old', 'pending', 2500, 'CLP', '[]', 'cs_old', NULL, 1, 1);
             CREATE TABLE processed_events (id TEXT PRIMARY KEY, type TEXT NOT NULL, order_id TEXT,
                 received_at INTEGER NOT NULL);
             CREATE TABLE fulfillments (order_id TEXT PRIMARY KEY, fulfilled_at INTEGER NOT NULL);
             CREATE TABLE unhandled_events (event_id TEXT PRIMARY KEY, type TEXT NOT NULL,
                 order_id TEXT, reason TEXT NOT NULL, data TEXT NOT NULL, received_at INTEGER NOT NULL);
             ALTER TABLE orders ADD COLUMN cart_id TEXT;
             INSERT INTO orders (id, status, amount, currency, items, created_at, updated_at, cart_id)
                 VALUES ('ord_replaced', 'pending', 2500, 'CLP', '[]', 5, 5, 'cart_0123456789abcdef'),
                        ('ord_newest', 'pending', 2500, 'CLP', '[]', 6, 6, 'cart_0123456789abcdef');",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    // Always SQLite: it is the file format that is upgraded.
    let dir = path.parent().unwrap().to_owned();
    let server = start_sqlite(&path, &dir).await;
    let body = finished_event("evt_old", "ord_old", "succeeded", 2_500).to_string();
    assert_eq!(send_event(&server, &body).await.0, 200);
    let stored = order(&server, "ord_old").await;
    assert_eq!(stored["status"], "paid", "{stored}");
    assert_eq!(server.state.db.fulfillments("ord_old").await.unwrap(), 1);
    assert_eq!(order(&server, "ord_replaced").await["status"], "expired");
    assert_eq!(order(&server, "ord_newest").await["status"], "pending");
    let unread = json!({"id": "evt_odd", "type": "payment_intent.succeeded", "data": {}});
    assert_eq!(send_event(&server, &unread.to_string()).await.0, 200);
    assert_eq!(server.state.db.unhandled_events().await.unwrap().len(), 1);
}

/// The environment as `Mode::from_env` sees it.
fn vars(pairs: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    let pairs = pairs.to_vec();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

const SECRET: (&str, &str) = ("FINTOC_SECRET_KEY", "sk_live_DoNotPrintMe");
const PUBLIC: (&str, &str) = ("FINTOC_PUBLIC_KEY", "pk_live_abc");
const WEBHOOK: (&str, &str) = ("FINTOC_WEBHOOK_SECRET", "whsec_live_DoNotPrintMe");
const SHOP: (&str, &str) = ("PUBLIC_URL", "https://shop.example.cl");

#[test]
fn sandbox_only_on_purpose_and_live_only_complete() {
    let ok = |pairs: &[(&'static str, &'static str)], host: &str| {
        Mode::from_env(vars(pairs), host).unwrap_or_else(|e| panic!("{pairs:?} {host}: {e}"))
    };
    assert_eq!(ok(&[], "127.0.0.1"), Mode::Sandbox);
    assert_eq!(ok(&[], "localhost"), Mode::Sandbox);
    assert_eq!(ok(&[], "::1"), Mode::Sandbox);
    assert_eq!(
        ok(&[("FINTOC_SECRET_KEY", "  ")], "127.0.0.1"),
        Mode::Sandbox,
        "blank is unset"
    );
    assert_eq!(ok(&[("FINTOC_MODE", "sandbox")], "0.0.0.0"), Mode::Sandbox);
    assert_eq!(
        ok(&[("FINTOC_MODE", "sandbox"), WEBHOOK], "127.0.0.1"),
        Mode::Sandbox,
        "the sandbox may sign with a given webhook secret"
    );
    assert_eq!(ok(&[SECRET, PUBLIC, WEBHOOK, SHOP], "0.0.0.0"), Mode::Live);
    assert_eq!(
        ok(
            &[("FINTOC_MODE", "live"), SECRET, PUBLIC, WEBHOOK, SHOP],
            "127.0.0.1"
        ),
        Mode::Live
    );
    assert_eq!(
        ok(&[("FINTOC_MODE", "sandbox"), SHOP], "0.0.0.0"),
        Mode::Sandbox,
        "PUBLIC_URL alone is not live mode"
    );

    // (environment, host, what the error must name as missing or wrong)
    type Case = (
        Vec<(&'static str, &'static str)>,
        &'static str,
        Vec<&'static str>,
    );
    let refused: Vec<Case> = vec![
        (
            vec![SECRET],
            "127.0.0.1",
            vec!["FINTOC_PUBLIC_KEY", "FINTOC_WEBHOOK_SECRET", "PUBLIC_URL"],
        ),
        (
            vec![PUBLIC],
            "127.0.0.1",
            vec!["FINTOC_SECRET_KEY", "FINTOC_WEBHOOK_SECRET", "PUBLIC_URL"],
        ),
        (
            vec![WEBHOOK],
            "127.0.0.1",
            vec!["FINTOC_SECRET_KEY", "FINTOC_PUBLIC_KEY", "PUBLIC_URL"],
        ),
        (
            vec![SECRET, PUBLIC, SHOP],
            "0.0.0.0",
            vec!["FINTOC_WEBHOOK_SECRET"],
        ),
        (
            vec![("FINTOC_MODE", "live")],
            "127.0.0.1",
            vec![
                "FINTOC_SECRET_KEY",
                "FINTOC_PUBLIC_KEY",
                "FINTOC_WEBHOOK_SECRET",
                "PUBLIC_URL",
            ],
        ),
        (
            vec![("FINTOC_MODE", "live"), SECRET, WEBHOOK, SHOP],
            "127.0.0.1",
            vec!["FINTOC_PUBLIC_KEY"],
        ),
        // Issue 18 item 11: the keys alone made success_url http://0.0.0.0:8080/….
        (vec![SECRET, PUBLIC, WEBHOOK], "0.0.0.0", vec!["PUBLIC_URL"]),
        (
            vec![("FINTOC_MODE", "live"), SECRET, PUBLIC, WEBHOOK],
            "0.0.0.0",
            vec!["PUBLIC_URL"],
        ),
        (
            vec![SECRET, PUBLIC, WEBHOOK, ("PUBLIC_URL", "  ")],
            "0.0.0.0",
            vec!["PUBLIC_URL"],
        ),
    ];
    for (env, host, missing) in refused {
        let err = Mode::from_env(vars(&env), host).expect_err(&format!("{env:?}"));
        let named = err
            .split_once("not set: ")
            .and_then(|(_, rest)| rest.split_once('.'))
            .map(|(list, _)| list.split(", ").collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("{env:?}: {err}"));
        assert_eq!(named, missing, "{err}");
        assert!(!err.contains("DoNotPrintMe"), "a secret in {err}");
    }
    for (env, host, named) in [
        (vec![], "0.0.0.0", "FINTOC_MODE=sandbox"),
        (vec![], "192.168.1.10", "FINTOC_MODE=sandbox"),
        (vec![], "", "FINTOC_MODE=sandbox"),
        (
            vec![("FINTOC_MODE", "sandbox"), SECRET],
            "127.0.0.1",
            "FINTOC_SECRET_KEY",
        ),
        (
            vec![("FINTOC_MODE", "sandbox"), PUBLIC],
            "127.0.0.1",
            "FINTOC_PUBLIC_KEY",
        ),
        (
            vec![("FINTOC_MODE", "production")],
            "127.0.0.1",
            "FINTOC_MODE",
        ),
        (
            vec![
                SECRET,
                PUBLIC,
                WEBHOOK,
                ("PUBLIC_URL", "http://shop.example.cl"),
            ],
            "0.0.0.0",
            "PUBLIC_URL must be an https:// URL",
        ),
        (
            vec![SECRET, PUBLIC, WEBHOOK, ("PUBLIC_URL", "shop.example.cl")],
            "0.0.0.0",
            "PUBLIC_URL must be an https:// URL",
        ),
    ] {
        let err = Mode::from_env(vars(&env), host).expect_err(&format!("{env:?} {host}"));
        assert!(err.contains(named), "{env:?} {host}: {err}");
        assert!(!err.contains("DoNotPrintMe"), "a secret in {err}");
    }
}

/// Runs the server binary with `env` only; its exit code and stderr, within 10 s.
fn run_binary(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fintoc-demo-server"))
        .env_clear()
        .env("PORT", "0")
        .env("STATIC_DIR", dir.path())
        .envs(env.iter().copied())
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (status.map(|s| s.code().unwrap_or(-1)), stderr)
}

#[test]
fn the_server_refuses_to_start_in_an_accidental_sandbox() {
    for (env, named) in [
        (vec![PUBLIC], "FINTOC_SECRET_KEY"),
        (vec![WEBHOOK, PUBLIC], "FINTOC_SECRET_KEY"),
        (vec![("HOST", "0.0.0.0")], "FINTOC_MODE=sandbox"),
        (vec![SECRET, PUBLIC, WEBHOOK], "PUBLIC_URL"),
    ] {
        let (code, stderr) = run_binary(&env);
        assert_eq!(
            code,
            Some(1),
            "{env:?} should refuse to start, not serve: {stderr}"
        );
        assert!(stderr.contains(named), "{env:?}: {stderr}");
        assert!(!stderr.contains("DoNotPrintMe"), "{stderr}");
    }
}

#[tokio::test]
async fn a_payment_that_matches_no_order_is_kept_for_a_person_not_forgotten() {
    let (_dir, server) = start_fresh().await;
    for (event_id, order_id) in [("evt_nobody_1", "ord_does_not_exist"), ("evt_nobody_2", "")] {
        let mut event = finished_event(event_id, order_id, "succeeded", 5000);
        if order_id.is_empty() {
            // No order id at all in the metadata, and a session id the shop never stored.
            event["data"]["metadata"] = json!({});
            event["data"]["payment_resource"]["payment_intent"]["metadata"] = json!({});
        }
        let (status, answer) = send_event(&server, &event.to_string()).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["unhandled"], true, "{answer}");
    }
    let kept = server.state.db.unhandled_events().await.unwrap();
    let ids: Vec<&str> = kept.iter().map(|e| e.event_id.as_str()).collect();
    assert!(
        ids.contains(&"evt_nobody_1") && ids.contains(&"evt_nobody_2"),
        "{ids:?}"
    );
    let one = kept.iter().find(|e| e.event_id == "evt_nobody_1").unwrap();
    assert_eq!(one.reason, fintoc_demo_server::db::UNMATCHED_PAYMENT);
    assert_eq!(one.data["data"]["amount"], 5000, "the whole event is kept");
    // A redelivery changes nothing.
    let again = finished_event("evt_nobody_1", "ord_does_not_exist", "succeeded", 5000);
    let (status, answer) = send_event(&server, &again.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(answer["duplicate"], true);
    assert_eq!(server.state.db.unhandled_events().await.unwrap().len(), 2);
}

/// A client that does not follow redirects (to see where the hosted page sends the shopper).
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn choose(
    server: &Running,
    redirect_url: &str,
    choice: &str,
) -> (u16, Option<String>, String) {
    let r = no_redirects()
        .post(redirect_url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("institution_id=cl_banco_estado&choice={choice}"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let _ = server;
    (status, location, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_hosted_page_pays_rejects_or_cancels_and_sends_the_shopper_back() {
    let (_dir, server) = start_fresh().await;
    let config: Value = get_json(&server, "/api/config").await;
    assert_eq!(config["checkout_mode"], "widget");

    // Pay: back to the shop page the checkout asked for, the order paid by the webhook.
    let (status, created) = post_json(
        &server.url("/api/checkout"),
        json!({"items": [{"product_id": "beans", "quantity": 1}], "return_to": "/leptos/"}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["order_id"].as_str().unwrap().to_owned();
    let hosted = created["redirect_url"].as_str().unwrap().to_owned();
    assert!(
        hosted.starts_with(&server.url("/sandbox/checkout/cs_sandbox_")),
        "{hosted}"
    );
    let page = http()
        .get(&hosted)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("fintoc-pay") && page.contains("cl_banco_estado"),
        "{page}"
    );
    let (status, location, _) = choose(&server, &hosted, "pay").await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(
            server
                .url(&format!("/leptos/?fintoc=success&order={id}"))
                .as_str()
        )
    );
    let paid = eventually(10, || {
        let (server, id) = (&server, id.clone());
        async move {
            let o = order(server, &id).await;
            (o["status"] != "pending").then_some(o)
        }
    })
    .await
    .expect("the webhook arrived");
    assert_eq!(paid["status"], "paid");
    // A finished session's page says so; choosing again changes nothing.
    let page = http()
        .get(&hosted)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("ya terminó"), "{page}");
    let (status, _, _) = choose(&server, &hosted, "pay").await;
    assert_eq!(status, 200);
    assert_eq!(server.state.db.fulfillments(&id).await.unwrap(), 1);

    // Cancel: back to the cart through cancel_url, the order still open.
    let created = checkout(&server, json!([{"product_id": "espresso", "quantity": 1}])).await;
    let id = created["order_id"].as_str().unwrap().to_owned();
    let (status, location, _) =
        choose(&server, created["redirect_url"].as_str().unwrap(), "cancel").await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(server.url(&format!("/?fintoc=cancel&order={id}")).as_str())
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(order(&server, &id).await["status"], "pending");

    // The bank rejects it: the page says so, the webhook marks the order failed.
    let (status, _, page) =
        choose(&server, created["redirect_url"].as_str().unwrap(), "reject").await;
    assert_eq!(status, 200);
    assert!(page.contains("rechazó"), "{page}");
    let failed = eventually(10, || {
        let (server, id) = (&server, id.clone());
        async move {
            let o = order(server, &id).await;
            (o["status"] != "pending").then_some(o)
        }
    })
    .await
    .expect("the webhook arrived");
    assert_eq!(failed["status"], "failed");

    // Unknown sessions are a 404 page.
    let missing = http()
        .get(server.url("/sandbox/checkout/cs_nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test]
async fn the_return_page_is_one_of_the_shops_never_a_place_the_request_chose() {
    let (_dir, server) = start_fresh().await;
    for asked in [
        "https://evil.example/",
        "//evil.example/",
        "/admin",
        "/leptos",
        "javascript:x",
    ] {
        let (status, created) = post_json(
            &server.url("/api/checkout"),
            json!({"items": [{"product_id": "beans", "quantity": 1}], "return_to": asked}),
        )
        .await;
        assert_eq!(status, 200, "{created}");
        let id = created["order_id"].as_str().unwrap();
        let (_, location, _) =
            choose(&server, created["redirect_url"].as_str().unwrap(), "cancel").await;
        assert_eq!(
            location.as_deref(),
            Some(server.url(&format!("/?fintoc=cancel&order={id}")).as_str()),
            "{asked}"
        );
    }
    assert_eq!(
        fintoc_demo_server::shop::return_page(Some("/www/")),
        "/www/"
    );
    assert_eq!(
        fintoc_demo_server::checkout_mode(Some("redirect")),
        Ok(fintoc_wasm::CheckoutMode::Redirect)
    );
    assert_eq!(
        fintoc_demo_server::checkout_mode(None),
        Ok(fintoc_wasm::CheckoutMode::Widget)
    );
    assert!(fintoc_demo_server::checkout_mode(Some("popup"))
        .unwrap_err()
        .contains("popup"));
}
