//! `FintocClient` against a local mock of Fintoc's API: what it sends, and how it reads
//! successes, Fintoc's error object and 5xx answers.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use fintoc_wasm::server::{
    ApiErrorType, BankAccount, CheckoutSessionCreate, CheckoutSessionStatus, ClientError,
    FintocClient, PaymentIntentStatus,
};
use fintoc_wasm::{Amount, Currency};
use serde_json::{json, Value};

#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<(HeaderMap, Value)>>>);

async fn mock(seen: Seen, answer: (StatusCode, String)) -> String {
    let app = Router::new()
        .route(
            "/v1/checkout_sessions",
            post({
                let seen = seen.clone();
                let answer = answer.clone();
                move |headers: HeaderMap, body: Json<Value>| async move {
                    seen.0.lock().unwrap().push((headers, body.0));
                    (answer.0, answer.1).into_response()
                }
            }),
        )
        .route(
            "/v1/payment_intents/{id}",
            get(|| async {
                Json(
                    json!({"id": "pi_1", "object": "payment_intent", "amount": 1029,
                    "currency": "MXN", "status": "requires_action", "error_reason": null}),
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

const SESSION: &str = r#"{"id":"cs_123","object":"checkout_session","amount":12990,"currency":"CLP",
  "status":"created","mode":"test","session_token":"cs_123_sec_abc","expires_at":"2026-11-25T00:00:00Z",
  "redirect_url":"https://checkout.fintoc.com/checkout_session_123","metadata":{"order_id":"ord_1"},
  "payment_resource":null,"customer_email":null,"created_at":"2026-11-24T00:00:00Z"}"#;

/// Creates a session against a mock answering `status` with `body`; the client's error.
async fn create_error(status: StatusCode, body: String) -> ClientError {
    let base = mock(Seen::default(), (status, body)).await;
    FintocClient::new("sk_test_1")
        .unwrap()
        .with_base_url(&base)
        .create_checkout_session(&create())
        .await
        .unwrap_err()
}

fn create() -> CheckoutSessionCreate {
    CheckoutSessionCreate::new(Amount::new(12_990, Currency::Clp).unwrap())
        .metadata("order_id", "ord_1")
        .customer_email("ana@example.cl")
        .success_url("https://shop.cl/ok")
        .cancel_url("https://shop.cl/cart")
}

#[tokio::test]
async fn creating_a_session_sends_fintocs_headers_and_reads_the_object() {
    let seen = Seen::default();
    let base = mock(seen.clone(), (StatusCode::CREATED, SESSION.to_owned())).await;
    let client = FintocClient::new("sk_test_secret123")
        .unwrap()
        .with_base_url(&base)
        .with_api_version("2023-11-15");
    let session = client.create_checkout_session(&create()).await.unwrap();
    assert_eq!(session.id, "cs_123");
    assert_eq!(session.status, CheckoutSessionStatus::Created);
    assert_eq!(session.session_token.as_deref(), Some("cs_123_sec_abc"));
    assert!(!session.is_paid());
    client.create_checkout_session(&create()).await.unwrap();

    let seen = seen.0.lock().unwrap();
    let (headers, body) = &seen[0];
    assert_eq!(
        headers["authorization"], "sk_test_secret123",
        "plain key, no Bearer"
    );
    assert_eq!(headers["fintoc-version"], "2023-11-15");
    let key = headers["idempotency-key"].to_str().unwrap();
    assert_eq!(key.len(), 36, "a UUID: {key}");
    assert_ne!(seen[1].0["idempotency-key"], key, "a fresh key per POST");
    assert_eq!(
        body,
        &json!({"amount": 12990, "currency": "CLP", "customer_email": "ana@example.cl",
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
        (Some("2026-02-01"), "bank_transfer"),
    ] {
        let seen = Seen::default();
        let base = mock(seen.clone(), (StatusCode::CREATED, SESSION.to_owned())).await;
        let mut client = FintocClient::new("sk_test_1").unwrap().with_base_url(&base);
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
        let seen = seen.0.lock().unwrap();
        assert_eq!(seen[0].0["idempotency-key"], "my-key");
        assert_eq!(
            seen[0].1["payment_method_options"][shape]["recipient_account"]["type"],
            "checking_account",
            "{version:?}"
        );
    }
}

#[tokio::test]
async fn fintocs_error_object_becomes_a_typed_error() {
    let error = json!({"error": {"type": "invalid_request_error", "code": "missing_parameter",
        "message": "Missing required param: currency.", "param": "currency",
        "doc_url": "https://docs.fintoc.com/reference/errors"}});
    let err = create_error(StatusCode::BAD_REQUEST, error.to_string()).await;
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
    let err = create_error(StatusCode::UNAUTHORIZED, auth.to_string()).await;
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
    let err = create_error(StatusCode::BAD_GATEWAY, "<html>upstream down</html>".into()).await;
    assert_eq!(
        err,
        ClientError::Http {
            status: 502,
            body_excerpt: "<html>upstream down</html>".into()
        }
    );
    assert!(err.is_retryable());

    let unavailable = json!({"error": {"type": "api_error", "message": "institution unavailable"}});
    let err = create_error(StatusCode::SERVICE_UNAVAILABLE, unavailable.to_string()).await;
    assert!(
        matches!(err, ClientError::Api { status: 503, .. }) && err.is_retryable(),
        "{err:?}"
    );

    let err = create_error(StatusCode::OK, "{\"not\":\"a session\"}".into()).await;
    assert!(matches!(err, ClientError::Decode(_)), "{err:?}");

    let closed = FintocClient::new("sk_test_1")
        .unwrap()
        .with_base_url("http://127.0.0.1:9");
    let err = closed.create_checkout_session(&create()).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Network(_)) && err.is_retryable(),
        "{err:?}"
    );
}

#[tokio::test]
async fn payment_intents_read_with_open_statuses() {
    let base = mock(Seen::default(), (StatusCode::OK, String::new())).await;
    let client = FintocClient::new("sk_test_1").unwrap().with_base_url(&base);
    let pi = client.get_payment_intent("pi_1").await.unwrap();
    assert_eq!(pi.status, PaymentIntentStatus::RequiresAction);
    assert_eq!(pi.currency, Currency::Mxn);
    let err = client.get_payment_intent("../../admin").await.unwrap_err();
    assert!(matches!(err, ClientError::Decode(_)));
}
