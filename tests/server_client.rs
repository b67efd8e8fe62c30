//! `FintocClient` against a local mock of Fintoc's API: what it sends (headers, bodies, paths,
//! versions, idempotency keys — the same on every retry), how it reads Fintoc's objects in both
//! API versions (fixtures in tests/data/fintoc/, sources in its README), its errors, its retry
//! policy and its pagination.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use fintoc_wasm::server::{
    ApiErrorType, BankAccount, CheckoutFlow, CheckoutSessionCreate, CheckoutSessionCreateV2,
    CheckoutSessionStatus, ClientError, CustomerData, FintocClient, PaymentIntentStatus,
    PaymentMethodType, RefundCreate, RefundStatus, RetryPolicy,
};
use fintoc_wasm::{Amount, Currency};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A request the mock received.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: Value,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An answer the mock gives, in order; `{base}` in a header is the mock's own URL.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: body.into(),
    }
}

impl Reply {
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

#[derive(Clone, Default)]
struct Mock {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    base: Arc<Mutex<String>>,
}

impl Mock {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn answer(
    State(mock): State<Mock>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mock.seen.lock().unwrap().push(Seen {
        method,
        uri: uri.to_string(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let Some(reply) = mock.script.lock().unwrap().pop_front() else {
        return (StatusCode::IM_A_TEAPOT, "the test's script is exhausted").into_response();
    };
    let base = mock.base.lock().unwrap().clone();
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .insert(name, value.replace("{base}", &base).parse().unwrap());
    }
    response
}

/// A mock answering `script` in order; its base URL.
async fn serve(script: Vec<Reply>) -> (Mock, String) {
    let mock = Mock::default();
    *mock.script.lock().unwrap() = script.into();
    let app = Router::new().fallback(answer).with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *mock.base.lock().unwrap() = base.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (mock, base)
}

fn client(base: &str) -> FintocClient {
    FintocClient::new("sk_test_secret123")
        .unwrap()
        .with_base_url(base)
}

/// Fintoc's schedule in milliseconds: a test never sleeps seconds.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_jitter(Duration::from_millis(1))
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/data/fintoc/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const SESSION: &str = r#"{"id":"cs_123","object":"checkout_session","amount":12990,"currency":"CLP",
  "status":"created","mode":"test","session_token":"cs_123_sec_abc","expires_at":"2026-11-25T00:00:00Z",
  "redirect_url":"https://checkout.fintoc.com/checkout_session_123","metadata":{"order_id":"ord_1"},
  "payment_resource":null,"customer_email":null,"created_at":"2026-11-24T00:00:00Z"}"#;

fn create() -> CheckoutSessionCreate {
    CheckoutSessionCreate::new(Amount::new(12_990, Currency::Clp).unwrap())
        .metadata("order_id", "ord_1")
        .customer_email("ana@example.cl")
        .success_url("https://shop.cl/ok")
        .cancel_url("https://shop.cl/cart")
}

/// Creates a session against a mock answering `status` with `body`; the client's error.
async fn create_error(status: u16, body: String) -> ClientError {
    let (_, base) = serve(vec![reply(status, body)]).await;
    client(&base)
        .create_checkout_session(&create())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn creating_a_session_sends_fintocs_headers_and_reads_the_object() {
    let (mock, base) = serve(vec![reply(201, SESSION), reply(201, SESSION)]).await;
    let client = client(&base).with_api_version("2023-11-15");
    let session = client.create_checkout_session(&create()).await.unwrap();
    assert_eq!(session.id, "cs_123");
    assert_eq!(session.status, CheckoutSessionStatus::Created);
    assert_eq!(session.session_token.as_deref(), Some("cs_123_sec_abc"));
    assert_eq!(
        session.expires_at.map(|t| t.to_string()).as_deref(),
        Some("2026-11-25T00:00:00Z")
    );
    assert!(!session.is_paid());
    client.create_checkout_session(&create()).await.unwrap();

    let seen = mock.seen();
    let first = &seen[0];
    assert_eq!(
        (first.method.as_str(), first.uri.as_str()),
        ("POST", "/v1/checkout_sessions")
    );
    assert_eq!(
        first.header("authorization"),
        Some("sk_test_secret123"),
        "plain key, no Bearer"
    );
    assert_eq!(first.header("fintoc-version"), Some("2023-11-15"));
    let key = first.header("idempotency-key").unwrap();
    assert_eq!(key.len(), 36, "a UUID: {key}");
    assert_ne!(
        seen[1].header("idempotency-key"),
        Some(key),
        "a fresh key per POST"
    );
    assert_eq!(
        first.body,
        json!({"amount": 12990, "currency": "CLP", "customer_email": "ana@example.cl",
            "metadata": {"order_id": "ord_1"}, "success_url": "https://shop.cl/ok",
            "cancel_url": "https://shop.cl/cart"})
    );
}

#[tokio::test]
async fn direct_payments_use_the_shape_of_the_pinned_api_version() {
    let account = BankAccount {
        holder_id: "771433855".into(),
        number: "123456".into(),
        account_type: "checking_account".into(),
        institution_id: "cl_banco_de_chile".into(),
    };
    for (version, shape) in [
        (None, "payment_intent"),
        (Some("2023-11-15"), "payment_intent"),
        (Some("2026-02-01"), "bank_transfer"),
    ] {
        let (mock, base) = serve(vec![reply(201, SESSION)]).await;
        let mut client = client(&base);
        if let Some(v) = version {
            client = client.with_api_version(v);
        }
        client
            .create_checkout_session_with_key(
                &create().recipient_account(account.clone()),
                "my-key",
            )
            .await
            .unwrap();
        let seen = mock.seen();
        assert_eq!(seen[0].header("idempotency-key"), Some("my-key"));
        assert_eq!(
            seen[0].body["payment_method_options"][shape]["recipient_account"]["type"],
            "checking_account",
            "{version:?}"
        );
    }
}

#[tokio::test]
async fn a_2026_session_is_created_on_v2_with_its_version_and_read_back() {
    let created = fixture("checkout-session-2026-02-01-created.json");
    let (mock, base) = serve(vec![reply(201, created.to_string())]).await;
    // Pinned to the old version: the /v2 endpoint is still sent the version it needs.
    let client = client(&base).with_api_version("2023-11-15");
    let create = CheckoutSessionCreateV2::new(Amount::new(12_990, Currency::Clp).unwrap())
        .customer_data(CustomerData::email("ana@example.cl"))
        .payment_method_types([PaymentMethodType::BankTransfer, PaymentMethodType::Card])
        .expires_at(SystemTime::now() + Duration::from_secs(3600))
        .return_to("https://shop.cl/cart", "ord_1")
        .metadata("order_id", "ord_1");
    let session = client
        .create_checkout_session_v2(&create, Some("ord_1"))
        .await
        .unwrap();
    assert_eq!(session.status, CheckoutSessionStatus::Created);
    assert_eq!(session.flow, Some(CheckoutFlow::Payment));
    assert_eq!(
        session.payment_method_types,
        [PaymentMethodType::BankTransfer, PaymentMethodType::Card]
    );
    assert!(session.redirect_url.is_some() && session.session_token.is_some());

    let seen = mock.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].uri.as_str()),
        ("POST", "/v2/checkout_sessions")
    );
    assert_eq!(seen[0].header("fintoc-version"), Some("2026-02-01"));
    assert_eq!(seen[0].header("idempotency-key"), Some("ord_1"));
    let body = &seen[0].body;
    assert_eq!(body["flow"], "payment");
    assert_eq!(body["currency"], "CLP");
    assert_eq!(body["customer_data"], json!({"email": "ana@example.cl"}));
    assert_eq!(
        body["payment_method_types"],
        json!(["bank_transfer", "card"])
    );
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        body["success_url"],
        "https://shop.cl/cart?fintoc=success&order=ord_1"
    );

    // Checked before sending: nothing reaches Fintoc.
    let both = create.clone().customer("cus_1");
    let soon = create.expires_at(SystemTime::now() + Duration::from_secs(300));
    for (bad, param) in [(both, "customer"), (soon, "expires_at")] {
        let err = client
            .create_checkout_session_v2(&bad, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ClientError::InvalidRequest { param: p, .. } if *p == param),
            "{err:?}"
        );
    }
    assert_eq!(mock.seen().len(), 1, "the refused requests were not sent");
}

#[tokio::test]
async fn sessions_of_both_versions_read_from_the_api() {
    let v1 = fixture("checkout-session-2023-11-15-finished.json");
    let v2 = fixture("checkout-session-2026-02-01-finished.json");
    let (_, base) = serve(vec![reply(200, v1.to_string()), reply(200, v2.to_string())]).await;
    let client = client(&base);
    for id in ["cs_li5531onlFDi235", "cs_38DNJh4rbvGUzKFvCGZ6dxR1Kyy"] {
        let session = client.get_checkout_session(id).await.unwrap();
        assert_eq!(session.status, CheckoutSessionStatus::Finished, "{id}");
        assert!(session.is_paid(), "{id}");
        assert_eq!(session.id, id);
    }
}

#[tokio::test]
async fn fintocs_error_object_becomes_a_typed_error() {
    let error = json!({"error": {"type": "invalid_request_error", "code": "missing_parameter",
        "message": "Missing required param: currency.", "param": "currency",
        "doc_url": "https://docs.fintoc.com/reference/errors"}});
    let err = create_error(400, error.to_string()).await;
    assert_eq!(
        err,
        ClientError::Api {
            status: 400,
            error_type: ApiErrorType::InvalidRequestError,
            code: Some("missing_parameter".into()),
            message: "Missing required param: currency.".into(),
            param: Some("currency".into()),
            doc_url: Some("https://docs.fintoc.com/reference/errors".into()),
        }
    );
    assert!(!err.is_retryable());

    let auth = json!({"error": {"type": "authentication_error", "message": "Invalid API Key"}});
    let err = create_error(401, auth.to_string()).await;
    assert!(matches!(
        err,
        ClientError::Api {
            status: 401,
            error_type: ApiErrorType::AuthenticationError,
            ..
        }
    ));
}

#[tokio::test]
async fn five_hundreds_and_garbage_are_typed_too() {
    let err = create_error(502, "<html>upstream down</html>".into()).await;
    assert_eq!(
        err,
        ClientError::Http {
            status: 502,
            body_excerpt: "<html>upstream down</html>".into()
        }
    );
    assert!(err.is_retryable());

    let unavailable = json!({"error": {"type": "api_error", "message": "institution unavailable"}});
    let err = create_error(503, unavailable.to_string()).await;
    assert!(
        matches!(err, ClientError::Api { status: 503, .. }) && err.is_retryable(),
        "{err:?}"
    );

    let err = create_error(200, "{\"not\":\"a session\"}".into()).await;
    assert!(matches!(err, ClientError::Decode(_)), "{err:?}");

    let closed = client("http://127.0.0.1:9");
    let err = closed.create_checkout_session(&create()).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Network(_)) && err.is_retryable(),
        "{err:?}"
    );
}

#[tokio::test]
async fn payment_intents_read_with_open_statuses() {
    let intent = json!({"id": "pi_1", "object": "payment_intent", "amount": 1029,
        "currency": "MXN", "status": "requires_action", "error_reason": null});
    let (mock, base) = serve(vec![reply(200, intent.to_string())]).await;
    let client = client(&base);
    let pi = client.get_payment_intent("pi_1").await.unwrap();
    assert_eq!(pi.status, PaymentIntentStatus::RequiresAction);
    assert_eq!(pi.currency, Currency::Mxn);
    let err = client.get_payment_intent("../../admin").await.unwrap_err();
    assert!(matches!(
        err,
        ClientError::InvalidRequest { param: "id", .. }
    ));
    assert_eq!(mock.seen().len(), 1, "a bad id is not sent");
}

// ---- Retries ----

#[tokio::test]
async fn retries_send_the_same_idempotency_key_until_an_answer() {
    let (mock, base) = serve(vec![
        reply(503, "<html>service unavailable</html>"),
        reply(
            429,
            r#"{"error":{"type":"api_error","message":"slow down"}}"#,
        )
        .header("retry-after", "0"),
        reply(502, "<html>bad gateway</html>"),
        reply(201, SESSION),
    ])
    .await;
    let started = Instant::now();
    let session = client(&base)
        .with_retries(fast_retries())
        .create_checkout_session(&create())
        .await
        .unwrap();
    assert_eq!(session.id, "cs_123");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let seen = mock.seen();
    assert_eq!(seen.len(), 4);
    let keys: Vec<_> = seen.iter().map(|s| s.header("idempotency-key")).collect();
    assert!(keys[0].is_some_and(|k| k.len() == 36), "{keys:?}");
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "one key for every try: {keys:?}"
    );
    assert!(
        seen.iter().all(|s| s.body == seen[0].body),
        "the same body every try"
    );
}

/// Review finding: Fintoc replays a key's first answer, a 5xx included, so retrying a POST's 5xx
/// with the same key got the stored 5xx back on every try (and waited 31 s for it). Against a
/// mock that stores answers per key as Fintoc does: the 5xx comes back at once, and a new key
/// makes the refund.
#[tokio::test]
async fn a_fintoc_5xx_to_a_post_is_not_retried_with_the_key_fintoc_replays_it_for() {
    #[derive(Clone, Default)]
    struct Replaying {
        stored: Arc<Mutex<std::collections::HashMap<String, (u16, String)>>>,
        requests: Arc<Mutex<Vec<String>>>,
        created: Arc<Mutex<String>>,
    }
    async fn replaying(State(mock): State<Replaying>, headers: HeaderMap) -> Response {
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        mock.requests.lock().unwrap().push(key.clone());
        let mut stored = mock.stored.lock().unwrap();
        let first = stored.is_empty();
        let (status, body) = stored
            .entry(key)
            .or_insert_with(|| {
                if first {
                    (
                        503,
                        r#"{"error":{"type":"api_error","message":"down"}}"#.to_owned(),
                    )
                } else {
                    (201, mock.created.lock().unwrap().clone())
                }
            })
            .clone();
        (StatusCode::from_u16(status).unwrap(), body).into_response()
    }
    let mut created = fixture("refund.json");
    created["status"] = "created".into();
    created["failure_code"] = Value::Null;
    let mock = Replaying::default();
    *mock.created.lock().unwrap() = created.to_string();
    let app = Router::new().fallback(replaying).with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = client(&base).with_retries(fast_retries());
    let full = RefundCreate::full("pi_38DNJo3rbvGUzKFvCGZ6dxR1Kxx");
    let started = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(10), client.create_refund(&full))
        .await
        .expect("answered within 10 s")
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Api { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(
        mock.requests.lock().unwrap().len(),
        1,
        "not retried with the key whose 503 Fintoc replays"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // Asked again with a new key (after looking for the refund): made.
    let again = format!("{}:2", full.idempotency_key());
    let refund = client.create_refund_with_key(&full, &again).await.unwrap();
    assert_eq!(refund.status, RefundStatus::Created);
    assert_eq!(
        *mock.requests.lock().unwrap(),
        [full.idempotency_key(), again]
    );
    // A GET carries no key: its 5xx are still retried (see `retries_stop_at_the_policys_count…`).
}

#[tokio::test]
async fn four_hundreds_are_never_retried_and_retries_are_opt_in() {
    for status in [400, 401, 404, 409, 422] {
        let (mock, base) = serve(vec![
            reply(
                status,
                r#"{"error":{"type":"invalid_request_error","message":"no"}}"#,
            ),
            reply(201, SESSION),
        ])
        .await;
        let err = client(&base)
            .with_retries(fast_retries())
            .create_checkout_session(&create())
            .await
            .unwrap_err();
        assert!(
            matches!(err, ClientError::Api { status: s, .. } if s == status),
            "{err:?}"
        );
        assert_eq!(mock.seen().len(), 1, "{status} is not retried");
    }
    let (mock, base) = serve(vec![reply(503, "down"), reply(201, SESSION)]).await;
    let err = client(&base)
        .create_checkout_session(&create())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Http { status: 503, .. }));
    assert_eq!(mock.seen().len(), 1, "no policy, no retry");
}

#[tokio::test]
async fn retries_stop_at_the_policys_count_and_at_a_long_retry_after() {
    let (mock, base) = serve(vec![reply(503, "down"); 5]).await;
    let err = client(&base)
        .with_retries(fast_retries().max_retries(2))
        .get_checkout_session("cs_1")
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Http { status: 503, .. }));
    assert_eq!(mock.seen().len(), 3, "the first try and 2 retries");

    let (mock, base) = serve(vec![
        reply(429, r#"{"error":{"type":"api_error","message":"later"}}"#)
            .header("retry-after", "120"),
        reply(201, SESSION),
    ])
    .await;
    let started = Instant::now();
    let err = client(&base)
        .with_retries(fast_retries())
        .create_checkout_session(&create())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Api { status: 429, .. }),
        "{err:?}"
    );
    assert_eq!(mock.seen().len(), 1, "Retry-After 120 s: not held for it");
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// A server that drops the first `drops` connections without answering, then answers 201 with
/// `SESSION`; the idempotency key of every request it read.
async fn flaky(drops: usize) -> (Arc<Mutex<Vec<String>>>, String) {
    let keys = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = keys.clone();
    tokio::spawn(async move {
        for n in 0.. {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // The head, then the body by its Content-Length.
            let (head, length) = loop {
                let Ok(read) = socket.read(&mut buf).await else {
                    break (String::new(), 0);
                };
                if read == 0 {
                    break (String::new(), 0);
                }
                request.extend_from_slice(&buf[..read]);
                if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&request[..end]).to_string();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while request.len() < end + 4 + length {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(read) => request.extend_from_slice(&buf[..read]),
                        }
                    }
                    break (head, length);
                }
            };
            let _ = length;
            if let Some(key) = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with("idempotency-key:")
                    .then(|| l[16..].trim().to_owned())
            }) {
                seen.lock().unwrap().push(key);
            }
            if n < drops {
                drop(socket); // no answer: a reset connection
                continue;
            }
            let answer = format!(
                "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SESSION}",
                SESSION.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (keys, base)
}

#[tokio::test]
async fn network_errors_are_retried_with_the_same_key() {
    let (keys, base) = flaky(2).await;
    let session = client(&base)
        .with_retries(fast_retries())
        .create_checkout_session(&create())
        .await
        .unwrap();
    assert_eq!(session.id, "cs_123");
    let keys = keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");

    let (_, base) = flaky(1).await;
    let err = client(&base)
        .create_checkout_session(&create())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Network(_)),
        "without a policy: {err:?}"
    );
}

// ---- Refunds ----

#[tokio::test]
async fn a_refund_asked_twice_carries_one_key_so_fintoc_refunds_once() {
    let refund = fixture("refund.json");
    let mut created = refund.clone();
    created["status"] = "created".into();
    created["failure_code"] = Value::Null;
    let (mock, base) = serve(vec![
        reply(503, "down"),
        reply(201, created.to_string()),
        reply(201, created.to_string()),
        reply(201, created.to_string()),
        reply(200, refund.to_string()),
        reply(200, created.to_string()),
    ])
    .await;
    let client = client(&base).with_retries(fast_retries());
    let full = RefundCreate::full("pi_38DNJo3rbvGUzKFvCGZ6dxR1Kxx").metadata("order_id", "ord_42");
    let first = client.create_refund(&full).await.unwrap();
    assert_eq!(first.status, RefundStatus::Created);
    // The same refund again (a webhook delivered twice, say): the same key.
    client.create_refund(&full).await.unwrap();
    let part = RefundCreate::partial(
        "pi_38DNJo3rbvGUzKFvCGZ6dxR1Kxx",
        Amount::new(1_000, Currency::Clp).unwrap(),
    );
    client.create_refund(&part).await.unwrap();
    let failed = client.get_refund("re_2xZ9hRkT8xLq3vWm").await.unwrap();
    assert_eq!(failed.status, RefundStatus::Failed);
    client.cancel_refund("re_2xZ9hRkT8xLq3vWm").await.unwrap();

    let seen = mock.seen();
    let keys: Vec<_> = seen.iter().map(|s| s.header("idempotency-key")).collect();
    let full_key = "fintoc-wasm:refund:pi_38DNJo3rbvGUzKFvCGZ6dxR1Kxx:full";
    assert_eq!(
        keys[..4],
        [
            Some(full_key),
            Some(full_key),
            Some(full_key),
            Some("fintoc-wasm:refund:pi_38DNJo3rbvGUzKFvCGZ6dxR1Kxx:1000")
        ],
        "retry and repeat reuse the refund's key; another amount has its own"
    );
    assert_eq!(seen[0].uri, "/v1/refunds");
    assert_eq!(
        seen[0].body,
        json!({"resource_type": "payment_intent", "resource_id": "pi_38DNJo3rbvGUzKFvCGZ6dxR1Kxx",
            "metadata": {"order_id": "ord_42"}})
    );
    assert_eq!(seen[3].body["amount"], 1000);
    assert_eq!(
        (seen[4].method.as_str(), seen[4].uri.as_str()),
        ("GET", "/v1/refunds/re_2xZ9hRkT8xLq3vWm")
    );
    assert_eq!(
        (seen[5].method.as_str(), seen[5].uri.as_str()),
        ("POST", "/v1/refunds/re_2xZ9hRkT8xLq3vWm/cancel")
    );
    let err = client
        .create_refund(&RefundCreate::full("pi 1"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        ClientError::InvalidRequest {
            param: "resource_id",
            ..
        }
    ));
    assert_eq!(mock.seen().len(), 6, "a bad id is not sent");
}

// ---- Pagination ----

/// Review finding: a `next` link pointing at the page just read (or an earlier one) made a
/// `while let Some(page) = pages.next_page().await?` loop for ever. It is refused, and the list
/// ends.
#[tokio::test]
async fn a_next_link_back_to_a_page_already_read_ends_the_list_with_an_error() {
    let page =
        || reply(200, json!([]).to_string()).header("link", r#"<{base}/v1/refunds>; rel="next""#);
    let (mock, base) = serve(vec![page(), page(), page()]).await;
    let mut pages = client(&base).list_refunds();
    let outcome = tokio::time::timeout(Duration::from_secs(10), async {
        let mut read = 0;
        loop {
            match pages.next_page().await {
                Ok(Some(_)) => read += 1,
                Ok(None) => return (read, None),
                Err(e) => return (read, Some(e)),
            }
        }
    })
    .await
    .expect("the list ends within 10 s");
    assert_eq!(outcome.0, 1, "the page itself is read: {outcome:?}");
    assert!(
        matches!(&outcome.1, Some(ClientError::Decode(m)) if m.contains("already read")),
        "{outcome:?}"
    );
    assert_eq!(pages.next_page().await.unwrap(), None);
    assert_eq!(mock.seen().len(), 1);
}

#[tokio::test]
async fn v1_lists_follow_the_page_links() {
    let v1 = fixture("checkout-session-2023-11-15-finished.json");
    let v2 = fixture("checkout-session-2026-02-01-finished.json");
    let (mock, base) = serve(vec![
        reply(200, json!([v1, v2]).to_string()).header(
            "link",
            r#"<{base}/v1/checkout_sessions?page=2>; rel="next", <{base}/v1/checkout_sessions?page=2>; rel="last""#,
        ),
        reply(200, json!([v2]).to_string())
            .header("link", r#"<{base}/v1/checkout_sessions?page=1>; rel="first""#),
    ])
    .await;
    let mut pages = client(&base).list_checkout_sessions();
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(
        first[1].payment_method_types,
        [PaymentMethodType::BankTransfer]
    );
    let second = pages.next_page().await.unwrap().unwrap();
    assert_eq!(second[0].id, "cs_38DNJh4rbvGUzKFvCGZ6dxR1Kyy");
    assert_eq!(pages.next_page().await.unwrap(), None);
    assert_eq!(pages.next_page().await.unwrap(), None);
    let uris: Vec<_> = mock.seen().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(
        uris,
        ["/v1/checkout_sessions", "/v1/checkout_sessions?page=2"]
    );
    assert!(mock
        .seen()
        .iter()
        .all(|s| s.header("fintoc-version").is_none()));
}

#[tokio::test]
async fn v2_lists_follow_the_cursors_with_their_version() {
    let v2 = fixture("checkout-session-2026-02-01-finished.json");
    let refund = fixture("refund.json");
    let (mock, base) = serve(vec![
        reply(200, json!([v2]).to_string()).header(
            "link",
            r#"</v2/checkout_sessions?starting_after=cs_38DNJh4rbvGUzKFvCGZ6dxR1Kyy>; rel="next""#,
        ),
        reply(200, "[]"),
        reply(200, json!([refund]).to_string()),
    ])
    .await;
    let client = client(&base);
    let mut pages = client.list_checkout_sessions_v2(Some("cs_0")).unwrap();
    assert_eq!(pages.next_page().await.unwrap().unwrap().len(), 1);
    assert_eq!(pages.next_page().await.unwrap(), Some(vec![]));
    assert_eq!(pages.next_page().await.unwrap(), None);
    let refunds = client.list_refunds().next_page().await.unwrap().unwrap();
    assert_eq!(refunds[0].id, "re_2xZ9hRkT8xLq3vWm");
    let seen = mock.seen();
    assert_eq!(seen[0].uri, "/v2/checkout_sessions?starting_after=cs_0");
    assert_eq!(
        seen[1].uri,
        "/v2/checkout_sessions?starting_after=cs_38DNJh4rbvGUzKFvCGZ6dxR1Kyy"
    );
    assert!(seen[..2]
        .iter()
        .all(|s| s.header("fintoc-version") == Some("2026-02-01")));
    assert_eq!(seen[2].uri, "/v1/refunds");
    assert!(client.list_checkout_sessions_v2(Some("cs_1&x=y")).is_err());
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_not_followed() {
    let (mock, base) = serve(vec![reply(200, "[]").header(
        "link",
        r#"<https://evil.example/v1/refunds?page=2>; rel="next""#,
    )])
    .await;
    let mut pages = client(&base).list_refunds();
    let err = pages.next_page().await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Decode(m) if m.contains("evil.example")),
        "{err:?}"
    );
    assert_eq!(mock.seen().len(), 1);
}
