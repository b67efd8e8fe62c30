//! The axum extractor `FintocWebhook` in a real app on a bound port: what it accepts (good and
//! rotated secrets, a Fintoc CLI relay message replayed byte for byte, signed bodies that are not
//! events), what it refuses and how (missing, malformed, wrong, stale signatures; oversize
//! bodies, declared or chunked), and that the handler never runs for a refused request.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use fintoc_wasm::server::axum::FintocWebhook;
use fintoc_wasm::server::testing::sign_event;
use fintoc_wasm::server::{PaymentOutcome, VerifiedWebhook, WebhookSecrets};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NEW: &str = "whsec_test_new";
const OLD: &str = "whsec_test_old";

#[derive(Clone)]
struct App {
    secrets: WebhookSecrets,
    /// What the handler was given, one entry per call.
    handled: Arc<Mutex<Vec<Value>>>,
}

impl FromRef<App> for WebhookSecrets {
    fn from_ref(app: &App) -> Self {
        app.secrets.clone()
    }
}

async fn handler(State(app): State<App>, webhook: FintocWebhook) -> (StatusCode, Json<Value>) {
    let seen = match &webhook.webhook {
        VerifiedWebhook::Event(event) => json!({
            "event": event.id,
            "paid": event.payment_outcome() == Some(PaymentOutcome::Paid),
            "nota": event.metadata("nota"),
            "raw_len": webhook.raw_body.len(),
        }),
        VerifiedWebhook::Unreadable { reason, raw } => json!({
            "unreadable": reason,
            "raw": String::from_utf8_lossy(raw),
            "same_bytes": raw[..] == webhook.raw_body[..],
        }),
        other => json!({ "other": format!("{other:?}") }),
    };
    app.handled.lock().unwrap().push(seen.clone());
    (StatusCode::OK, Json(seen))
}

/// The app on a free port, with `secrets`; its URL and what its handler saw.
async fn serve(secrets: WebhookSecrets) -> (String, Arc<Mutex<Vec<Value>>>) {
    let handled = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/webhooks/fintoc", post(handler))
        .with_state(App {
            secrets,
            handled: handled.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/fintoc", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, handled)
}

fn rotating() -> WebhookSecrets {
    WebhookSecrets::new(NEW).unwrap().and(OLD).unwrap()
}

async fn post_body(url: &str, body: &[u8], signature: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .timeout(Duration::from_secs(10))
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("fintoc-signature", signature);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn event_body() -> Vec<u8> {
    br#"{"id":"evt_1","object":"event","type":"checkout_session.finished","mode":"test",
"data":{"id":"cs_1","amount":2500,"currency":"CLP","status":"finished","metadata":{"order_id":"o1"},
"payment_resource":{"payment_intent":{"id":"pi_1","amount":2500,"currency":"CLP","status":"succeeded"}}}}"#
        .to_vec()
}

#[tokio::test]
async fn signed_events_reach_the_handler_with_either_secret_while_rotating() {
    let (url, handled) = serve(rotating()).await;
    let body = event_body();
    for secret in [NEW, OLD] {
        let header = sign_event(secret, &body, SystemTime::now());
        let (status, answer) = post_body(&url, &body, Some(&header)).await;
        assert_eq!(status, 200, "{secret}: {answer}");
        assert_eq!(answer["event"], "evt_1");
        assert_eq!(answer["paid"], true);
        assert_eq!(answer["raw_len"], body.len());
    }
    assert_eq!(handled.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_signatures_are_refused_with_typed_answers_and_never_reach_the_handler() {
    let (url, handled) = serve(rotating()).await;
    let body = event_body();
    let now = SystemTime::now();
    let minutes = |m: u64| Duration::from_secs(m * 60);
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("2500", "25000");
    /// (name, body, `Fintoc-Signature`, expected status, expected `error.code`)
    type Case = (&'static str, Vec<u8>, Option<String>, u16, &'static str);
    let cases: Vec<Case> = vec![
        ("no header", body.clone(), None, 400, "missing_signature"),
        (
            "empty header",
            body.clone(),
            Some(String::new()),
            400,
            "missing_signature",
        ),
        (
            "garbage",
            body.clone(),
            Some("nonsense".into()),
            400,
            "malformed_signature",
        ),
        (
            "no v1",
            body.clone(),
            Some("t=1700000000".into()),
            400,
            "malformed_signature",
        ),
        (
            "wrong secret",
            body.clone(),
            Some(sign_event("whsec_test_other", &body, now)),
            401,
            "invalid_signature",
        ),
        (
            "tampered body",
            tampered.into_bytes(),
            Some(sign_event(NEW, &body, now)),
            401,
            "invalid_signature",
        ),
        (
            "not JSON and a bad signature: the signature is checked first",
            b"not json".to_vec(),
            Some(sign_event("whsec_test_other", b"not json", now)),
            401,
            "invalid_signature",
        ),
        (
            "stale",
            body.clone(),
            Some(sign_event(NEW, &body, now - minutes(6))),
            401,
            "stale_signature",
        ),
        (
            "from the future",
            body.clone(),
            Some(sign_event(OLD, &body, now + minutes(6))),
            401,
            "stale_signature",
        ),
    ];
    for (name, body, header, status, code) in cases {
        let (got, answer) = post_body(&url, &body, header.as_deref()).await;
        assert_eq!(got, status, "{name}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{name}: {answer}");
        let text = answer.to_string();
        assert!(!text.contains("whsec"), "{name}: no secret in {text}");
    }
    assert!(handled.lock().unwrap().is_empty(), "the handler never ran");
}

#[tokio::test]
async fn a_signed_body_that_is_not_an_event_still_reaches_the_handler() {
    let (url, handled) = serve(rotating()).await;
    for body in [
        &br#"{"id":123,"type":"checkout_session.finished","data":{}}"#[..],
        br#"{"id":"evt_1","data":{}}"#,
        b"not json at all",
        b"",
    ] {
        let header = sign_event(NEW, body, SystemTime::now());
        let (status, answer) = post_body(&url, body, Some(&header)).await;
        assert_eq!(status, 200, "{answer}");
        assert!(
            answer["unreadable"].as_str().is_some_and(|r| !r.is_empty()),
            "{answer}"
        );
        assert_eq!(answer["raw"], String::from_utf8_lossy(body).as_ref());
        assert_eq!(answer["same_bytes"], true);
    }
    assert_eq!(handled.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn oversize_bodies_are_refused_declared_or_chunked() {
    let limit = 1024;
    let (url, handled) = serve(rotating().max_body_bytes(limit)).await;
    let pad = |n: usize| {
        let mut body = br#"{"id":"evt_big","type":"payout.created","data":{"pad":""#.to_vec();
        let closing = br#""}}"#;
        body.resize(n - closing.len(), b'x');
        body.extend_from_slice(closing);
        body
    };
    let at_limit = pad(limit);
    let header = sign_event(NEW, &at_limit, SystemTime::now());
    let (status, answer) = post_body(&url, &at_limit, Some(&header)).await;
    assert_eq!((status, &answer["event"]), (200, &json!("evt_big")));

    let over = pad(limit + 1);
    let header = sign_event(NEW, &over, SystemTime::now());
    let (status, answer) = post_body(&url, &over, Some(&header)).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error"]["code"], "body_too_large");

    // No Content-Length: chunks, refused once they pass the cap.
    let address = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /webhooks/fintoc HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         fintoc-signature: {header}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    for chunk in over.chunks(300) {
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.to_vec(),
            b"\r\n".to_vec(),
        ]
        .concat();
        if socket.write_all(&framed).await.is_err() {
            break; // the server may answer and close before the last chunk
        }
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_string(&mut answer))
        .await
        .expect("an answer within 10 s")
        .ok();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("body_too_large"), "{answer}");
    assert_eq!(handled.lock().unwrap().len(), 1, "only the body at the cap");
}

/// What `fintoc webhooks listen` receives over its WebSocket (fintoc-com/fintoc-cli,
/// src/lib/webhooks/handlers.ts: `{type: "webhook_event", event: <raw JSON string>, signature,
/// event_type, timestamp}`); with `--forward-to URL` it POSTs `event` byte for byte with
/// `Fintoc-Signature: <signature>` and `Content-Type: application/json`.
fn relay(message: &Value) -> (Vec<u8>, String) {
    assert_eq!(message["type"], "webhook_event");
    let event = message["event"].as_str().unwrap().as_bytes().to_vec();
    let signature = message["signature"].as_str().unwrap().to_owned();
    (event, signature)
}

#[tokio::test]
async fn a_fintoc_cli_relay_message_forwarded_byte_for_byte_is_accepted() {
    // The fixture's signature was computed with Python's hmac for whsec_test_cli_fixture, at a
    // fixed time: replayed as a stored event (no tolerance check).
    let path = format!(
        "{}/tests/data/fintoc/cli-relay-message.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let message: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let secrets = WebhookSecrets::new("whsec_test_cli_fixture")
        .unwrap()
        .tolerance(None);
    let (url, handled) = serve(secrets).await;
    let (event, signature) = relay(&message);
    let (status, answer) = post_body(&url, &event, Some(&signature)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["event"], "evt_2wQk3cli");
    assert_eq!(answer["paid"], true);
    assert_eq!(answer["nota"], "café ñandú", "non-ASCII bytes as signed");
    // Re-serialized (what a relay must not do), the same event is refused.
    let reserialized =
        serde_json::to_vec(&serde_json::from_slice::<Value>(&event).unwrap()).unwrap();
    assert_ne!(reserialized, event);
    let (status, answer) = post_body(&url, &reserialized, Some(&signature)).await;
    assert_eq!(
        (status, &answer["error"]["code"]),
        (401, &json!("invalid_signature"))
    );
    assert_eq!(handled.lock().unwrap().len(), 1);

    // A relay message made now, with the default tolerance.
    let (url, _) = serve(rotating()).await;
    let raw = "{\"id\":\"evt_live\", \"type\":\"refund.succeeded\",\n\"data\":{\"id\":\"re_1\",\"amount\":100,\"currency\":\"CLP\",\"status\":\"succeeded\"}}";
    let message = json!({"type": "webhook_event", "event": raw,
        "signature": sign_event(NEW, raw.as_bytes(), SystemTime::now()),
        "event_type": "refund.succeeded", "timestamp": 1});
    // As it travels over the WebSocket: JSON text, parsed back by the CLI.
    let received: Value = serde_json::from_str(&message.to_string()).unwrap();
    let (event, signature) = relay(&received);
    assert_eq!(event, raw.as_bytes());
    let (status, answer) = post_body(&url, &event, Some(&signature)).await;
    assert_eq!(
        (status, &answer["event"]),
        (200, &json!("evt_live")),
        "{answer}"
    );
}
