//! The offline Fintoc: what runs under `/sandbox` when no `FINTOC_SECRET_KEY` is set.
//!
//! Under `/sandbox/api` it answers the way Fintoc's API does — `Authorization: <secret key>`
//! (bare, or `Bearer <secret key>`), `Idempotency-Key` replay (the first answer for a key, for
//! the same request; another request with it is `idempotency_key_reused`), the
//! `{"error": {type, code, message, param}}` object, lists with `Link: <…>; rel="next"`:
//!
//! - `POST /v1/checkout_sessions`, `GET …/{id}`, `GET /v1/checkout_sessions` (`?page=N`),
//!   `POST …/{id}/expire`: Checkout Sessions, in the API 2023-11-15 shape, or the 2026-02-01
//!   one when the request sends `Fintoc-Version: 2026-02-01` (or later);
//! - `POST /v2/checkout_sessions`, `GET /v2/checkout_sessions[/{id}]` (`?starting_after=`): the
//!   2026-02-01 create body (`amount` or `line_items` with `price_data`, `customer` or
//!   `customer_data` but not both, `payment_method_types`, `expires_at` at least 10 minutes
//!   ahead) and shape;
//! - `POST /v1/refunds` (`resource_type: payment_intent`, `resource_id`, optional `amount`,
//!   `metadata`), `GET /v1/refunds[/{id}]`, `POST /v1/refunds/{id}/cancel`: a refund of a
//!   payment the sandbox made (or sent in a triggered event) is answered `created`, then settles
//!   at once with signed `refund.in_progress` and `refund.succeeded` webhooks — or
//!   `refund.failed` (`failure_code: insufficient_funds`) when its amount is
//!   [`REFUND_FAILS_AMOUNT`] or the refund's or the payment's metadata has
//!   `sandbox_refund: failed`; with `sandbox_refund: held` it stays `in_progress` (until
//!   canceled). A payment the sandbox does not know is 404, an amount over what is left 400;
//! - `POST /v1/events/trigger {type, overrides}` (what `fintoc trigger TYPE --override
//!   path=value` calls): a sample `checkout_session.*`, `payment_intent.*` or `refund.*` event,
//!   `overrides` deep-merged into its resource (`data`), signed and sent to the server's webhook
//!   route; the answer is the event. A `checkout_session.finished` payment intent takes the
//!   session's `amount`, `currency` and `metadata` unless overridden under
//!   `payment_resource.payment_intent`.
//!
//! And for the browser:
//!
//! - `GET /sandbox/fintoc.js`: the sandbox widget (`fintoc_wasm::sandbox::SCRIPT`, the crate's one
//!   copy);
//! - `POST /sandbox/outcome`: the widget reports what the shopper picked; a signed
//!   `checkout_session.finished` webhook (payment intent `succeeded` or `failed`) goes to the
//!   server's own `/webhooks/fintoc`, like Fintoc would send it. Sessions that reach their
//!   `expires_at` (or are expired through the API) send `checkout_session.expired`;
//! - `GET /sandbox/checkout/{id}`: Fintoc's hosted checkout page (each session's
//!   `redirect_url`): banks, then pay, be rejected by the bank, or cancel. Paying sends the same
//!   signed webhook and returns the shopper to the session's `success_url`; cancelling returns to
//!   its `cancel_url` with the session still open, as Fintoc does.
//!
//! Every time is written and read by the crate's one RFC 3339 implementation
//! ([`Timestamp`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use fintoc_wasm::server::{CheckoutSessionStatus, Timestamp};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{lock, unix_now};

/// The sandbox's public key (the widget only checks its shape).
pub const PUBLIC_KEY: &str = "pk_test_sandbox_demo";

/// How long a sandbox session lives (Fintoc's session tokens: 10 minutes).
pub const SESSION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// A refund of this amount fails (`refund.failed`, `insufficient_funds`), as does one whose
/// metadata, or whose payment's, has `sandbox_refund: failed`.
pub const REFUND_FAILS_AMOUNT: u64 = 4_040;

/// The first API version with the 2026-02-01 Checkout Session shape.
const V2_VERSION: &str = "2026-02-01";

/// The sandbox's list pages: 30 items, as Fintoc's.
const PAGE_SIZE: usize = 30;

/// `2026-11-24T12:00:00Z` for Unix seconds (the crate's RFC 3339).
fn rfc3339(secs: i64) -> String {
    Timestamp::from_unix_seconds(secs).to_string()
}

/// Which Checkout Session shape an answer is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// API 2023-11-15.
    V1,
    /// API 2026-02-01.
    V2,
}

impl Shape {
    /// The shape a request asks for with its `Fintoc-Version` header.
    fn of(headers: &HeaderMap) -> Shape {
        let version = headers
            .get("Fintoc-Version")
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        // Versions are dates: they compare as text.
        if version.is_some_and(|v| v >= V2_VERSION) {
            Shape::V2
        } else {
            Shape::V1
        }
    }
}

#[derive(Clone, Debug)]
struct Session {
    id: String,
    token: String,
    amount: u64,
    currency: String,
    status: CheckoutSessionStatus,
    metadata: Value,
    customer_email: Value,
    success_url: Value,
    cancel_url: Value,
    created_at: i64,
    /// The order sessions were made in (several are made in one second).
    seq: u64,
    expires_at: i64,
    payment_intent: Option<Value>,
    /// Where the hosted pages are (`{base}/sandbox/checkout`).
    hosted_base: String,
    /// The shape it was created in (its webhooks are sent in it).
    shape: Shape,
    /// 2026-02-01 fields, as given (or their defaults).
    payment_method_types: Value,
    customer: Value,
    line_items: Value,
}

impl Session {
    /// The Checkout Session object in `shape`; the token is `null` once final.
    fn to_json(&self, shape: Shape) -> Value {
        let mut object = json!({
            "id": self.id,
            "object": "checkout_session",
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "mode": "test",
            "created_at": rfc3339(self.created_at),
            "expires_at": rfc3339(self.expires_at),
            "customer_email": self.customer_email,
            "metadata": self.metadata,
            "success_url": self.success_url,
            "cancel_url": self.cancel_url,
            "business_profile": null,
            "customer": null,
            "payment_resource": self.payment_intent.as_ref().map(|pi| json!({ "payment_intent": pi })),
            "redirect_url": format!("{}/{}", self.hosted_base, self.id),
            "session_token": if self.status.is_final() { Value::Null } else { json!(self.token) },
        });
        let extra = match shape {
            Shape::V1 => json!({
                "payment_method_options": {},
                "payment_methods": ["payment_intent"],
            }),
            Shape::V2 => json!({
                "flow": "payment",
                "ui_mode": "hosted",
                "customer": self.customer,
                "line_items": self.line_items,
                "payment_method": null,
                "payment_method_types": self.payment_method_types,
                "payment_method_options": { "bank_transfer": {} },
            }),
        };
        merge(&mut object, &extra);
        object
    }
}

struct Replay {
    request: Value,
    status: StatusCode,
    body: Value,
}

/// A payment the sandbox can refund: one it made, or one a triggered event announced.
#[derive(Clone, Debug)]
struct Payment {
    amount: u64,
    currency: String,
    status: String,
    metadata: Value,
    /// How much of it is being or was given back.
    refunded: u64,
}

/// A refund, as the sandbox keeps it.
#[derive(Clone, Debug)]
struct RefundState {
    id: String,
    payment_intent: String,
    amount: u64,
    currency: String,
    status: String,
    failure_code: Option<&'static str>,
    metadata: Value,
    recipient_account: Value,
    created_at: i64,
    updated_at: i64,
}

impl RefundState {
    /// The Refund object.
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "refund",
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "failure_code": self.failure_code,
            "metadata": self.metadata,
            "mode": "test",
            "recipient_account": self.recipient_account,
            "resource_type": "payment_intent",
            "resource_id": self.payment_intent,
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.updated_at),
        })
    }
}

/// A refund as a test sees it (see [`Sandbox::refunds`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RefundView {
    pub id: String,
    pub payment_intent: String,
    pub amount: u64,
    pub status: String,
    pub metadata: Value,
}

/// One `POST /v1/refunds` as the sandbox received it (see [`Sandbox::refund_requests`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RefundRequest {
    pub idempotency_key: Option<String>,
    /// `resource_id`.
    pub payment_intent: String,
    /// `created` (a new refund), `replayed` (the first answer for its key), `refused` (a 4xx),
    /// `failed` (an injected 503, nothing done, stored for its key like Fintoc stores every
    /// first answer: [`Sandbox::fail_next_refund_requests`]), `lost`
    /// (the refund made, its answer lost: [`Sandbox::lose_next_refund_answers`]), `garbled`
    /// (the refund made, its answer unreadable: [`Sandbox::garble_next_refund_answers`]).
    pub outcome: &'static str,
}

/// The sandbox's state.
pub struct Sandbox {
    /// `{base}/sandbox/checkout`: the hosted pages.
    hosted_base: String,
    /// `{base}/sandbox/api`: where list links point.
    api_base: String,
    secret_key: String,
    webhook_secret: String,
    webhook_url: String,
    sessions: Mutex<HashMap<String, Session>>,
    idempotency: Mutex<HashMap<String, Replay>>,
    payments: Mutex<HashMap<String, Payment>>,
    refunds: Mutex<Vec<RefundState>>,
    refund_requests: Mutex<Vec<RefundRequest>>,
    fail_refund_requests: AtomicU32,
    lose_refund_answers: AtomicU32,
    garble_refund_answers: AtomicU32,
    sessions_made: AtomicU64,
    http: reqwest::Client,
    lifetime: Duration,
    /// `Some` when webhooks are kept for a test to deliver (see [`Sandbox::capture_webhooks`]).
    captured: Mutex<Option<Vec<Vec<u8>>>>,
}

/// A sandbox session as a test sees it (see [`Sandbox::sessions`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SessionView {
    pub id: String,
    /// `None` once final.
    pub token: Option<String>,
    pub status: CheckoutSessionStatus,
    /// `metadata.order_id`.
    pub order_id: Option<String>,
    pub amount: u64,
    /// The payment intent's id and status, once the shopper paid or was rejected.
    pub payment_intent: Option<(String, String)>,
    /// Unix seconds.
    pub created_at: i64,
}

fn random() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// `prefix` and 20 random characters.
fn new_id(prefix: &str) -> String {
    let mut id = random();
    id.truncate(20);
    format!("{prefix}{id}")
}

/// Merges `overrides` into `base`: objects key by key, recursively; anything else replaces.
fn merge(base: &mut Value, overrides: &Value) {
    match (base, overrides) {
        (Value::Object(base), Value::Object(overrides)) => {
            for (key, value) in overrides {
                match base.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value)
                    }
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overrides) => *base = overrides.clone(),
    }
}

fn fintoc_error(
    status: StatusCode,
    kind: &str,
    code: &str,
    message: &str,
    param: Option<&str>,
) -> Response {
    (status, Json(error_body(kind, code, message, param))).into_response()
}

fn error_body(kind: &str, code: &str, message: &str, param: Option<&str>) -> Value {
    json!({ "error": {
        "type": kind, "code": code, "message": message, "param": param,
        "doc_url": "https://docs.fintoc.com/reference/errors",
    }})
}

fn invalid(code: &str, message: &str, param: Option<&str>) -> Response {
    fintoc_error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        code,
        message,
        param,
    )
}

fn missing(what: &str, id: &str) -> Response {
    fintoc_error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "resource_missing",
        &format!("No such {what}: {id}"),
        Some("id"),
    )
}

/// A request to the sandbox's API that carries the secret key (bare, as Fintoc's docs show, or
/// as `Bearer <key>`): its headers. Without the key the route answers Fintoc's
/// `authentication_error` / `invalid_api_key` (401) and runs nothing. An axum extractor: put it
/// after the route's `Path`/`Query`, so a malformed path or query is refused first, as before.
struct Authorized(HeaderMap);

impl FromRequestParts<Arc<Sandbox>> for Authorized {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        sandbox: &Arc<Sandbox>,
    ) -> Result<Self, Response> {
        sandbox.authorized(&parts.headers)?;
        Ok(Authorized(parts.headers.clone()))
    }
}

/// An [`Authorized`] request and its JSON body (`{}` when empty); an unreadable body answers
/// `invalid_body`, one that is not JSON `invalid_json` (400), after the key is checked. The
/// handler's last argument (it reads the body).
struct AuthorizedJson {
    headers: HeaderMap,
    request: Value,
}

impl FromRequest<Arc<Sandbox>> for AuthorizedJson {
    type Rejection = Response;

    async fn from_request(request: Request, sandbox: &Arc<Sandbox>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Authorized(headers) = Authorized::from_request_parts(&mut parts, sandbox).await?;
        let body = Bytes::from_request(Request::from_parts(parts, body), sandbox).await;
        Ok(AuthorizedJson {
            headers,
            request: json_request(body)?,
        })
    }
}

/// A request body as JSON (`{}` when empty).
fn json_request(body: Result<Bytes, BytesRejection>) -> Result<Value, Response> {
    let Ok(body) = body else {
        return Err(invalid(
            "invalid_body",
            "The request body could not be read.",
            None,
        ));
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice::<Value>(&body)
        .map_err(|_| invalid("invalid_json", "The request body is not JSON.", None))
}

/// A page of `items` (newest first) with its `Link: <…>; rel="next"` header when there is more.
fn list_page(
    items: &[Value],
    start: usize,
    size: usize,
    next: impl FnOnce(usize) -> String,
) -> Response {
    let end = (start + size).min(items.len());
    let slice = items.get(start..end).unwrap_or_default().to_vec();
    let mut response = Json(Value::Array(slice)).into_response();
    if end < items.len() {
        if let Ok(link) = HeaderValue::from_str(&format!("<{}>; rel=\"next\"", next(end))) {
            response.headers_mut().insert(header::LINK, link);
        }
    }
    response
}

/// `?page=N&per_page=M` (v1 lists) and `?starting_after=id&limit=M` (v2 lists).
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    page: Option<usize>,
    per_page: Option<usize>,
    starting_after: Option<String>,
    limit: Option<usize>,
}

impl Sandbox {
    /// A sandbox for the server at `base` (webhooks go to `{base}/webhooks/fintoc`), whose
    /// sessions expire `lifetime` after creation.
    pub fn new(base: &str, webhook_secret: Option<String>, lifetime: Duration) -> Sandbox {
        Sandbox {
            hosted_base: format!("{base}/sandbox/checkout"),
            api_base: format!("{base}/sandbox/api"),
            secret_key: format!("sk_test_sandbox_{}", random()),
            webhook_secret: webhook_secret
                .unwrap_or_else(|| format!("whsec_test_sandbox_{}", random())),
            webhook_url: format!("{base}/webhooks/fintoc"),
            sessions: Mutex::new(HashMap::new()),
            idempotency: Mutex::new(HashMap::new()),
            payments: Mutex::new(HashMap::new()),
            refunds: Mutex::new(Vec::new()),
            refund_requests: Mutex::new(Vec::new()),
            fail_refund_requests: AtomicU32::new(0),
            lose_refund_answers: AtomicU32::new(0),
            garble_refund_answers: AtomicU32::new(0),
            sessions_made: AtomicU64::new(0),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            lifetime,
            captured: Mutex::new(None),
        }
    }

    /// The same sandbox with this secret key (`sk_test_…`) instead of a random one: a fake
    /// Fintoc that several servers in live mode share (tests, `scripts/load`).
    pub fn with_secret_key(mut self, secret_key: &str) -> Sandbox {
        secret_key.clone_into(&mut self.secret_key);
        self
    }

    /// From now on webhooks are kept, not sent: [`Sandbox::take_webhooks`] hands them to a test
    /// that delivers them itself (duplicated, reordered, late).
    pub fn capture_webhooks(&self) {
        lock(&self.captured).get_or_insert_with(Vec::new);
    }

    /// The webhooks kept since the last call (raw bodies, oldest first).
    pub fn take_webhooks(&self) -> Vec<Vec<u8>> {
        lock(&self.captured)
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Every session, oldest first.
    pub fn sessions(&self) -> Vec<SessionView> {
        let mut all: Vec<(u64, SessionView)> = lock(&self.sessions)
            .values()
            .map(|s| {
                (
                    s.seq,
                    SessionView {
                        id: s.id.clone(),
                        token: (!s.status.is_final()).then(|| s.token.clone()),
                        status: s.status.clone(),
                        order_id: s.metadata["order_id"].as_str().map(str::to_owned),
                        amount: s.amount,
                        payment_intent: s.payment_intent.as_ref().map(|pi| {
                            (
                                pi["id"].as_str().unwrap_or_default().to_owned(),
                                pi["status"].as_str().unwrap_or_default().to_owned(),
                            )
                        }),
                        created_at: s.created_at,
                    },
                )
            })
            .collect();
        all.sort_by_key(|(seq, _)| *seq);
        all.into_iter().map(|(_, view)| view).collect()
    }

    /// Every refund made, oldest first.
    pub fn refunds(&self) -> Vec<RefundView> {
        lock(&self.refunds)
            .iter()
            .map(|r| RefundView {
                id: r.id.clone(),
                payment_intent: r.payment_intent.clone(),
                amount: r.amount,
                status: r.status.clone(),
                metadata: r.metadata.clone(),
            })
            .collect()
    }

    /// Every `POST /v1/refunds` received, oldest first.
    pub fn refund_requests(&self) -> Vec<RefundRequest> {
        lock(&self.refund_requests).clone()
    }

    /// The next `n` refund requests with a new idempotency key get a 503 and change nothing
    /// (Fintoc unavailable); like every first answer, the 503 is replayed for that key.
    pub fn fail_next_refund_requests(&self, n: u32) {
        self.fail_refund_requests.store(n, Ordering::SeqCst);
    }

    /// The next `n` refund requests make their refund, then answer 500 as if the answer had
    /// been lost on the way (a crash, a timeout): the same key asked again gets the refund.
    pub fn lose_next_refund_answers(&self, n: u32) {
        self.lose_refund_answers.store(n, Ordering::SeqCst);
    }

    /// The next `n` refund requests make their refund, then answer 201 with a body the client
    /// cannot read (a proxy that mangled it, an API change): the refund exists all the same.
    pub fn garble_next_refund_answers(&self, n: u32) {
        self.garble_refund_answers.store(n, Ordering::SeqCst);
    }

    pub fn secret_key(&self) -> String {
        self.secret_key.clone()
    }

    pub fn webhook_secret(&self) -> &str {
        &self.webhook_secret
    }

    /// A new event of `event_type` about `data` (not sent).
    fn event(event_type: &str, data: Value) -> Value {
        json!({
            "id": format!("evt_{}", random()),
            "object": "event",
            "type": event_type,
            "mode": "test",
            "created_at": rfc3339(unix_now()),
            "data": data,
        })
    }

    /// Sends an event of `event_type` about `data` (see [`Sandbox::send`]).
    fn deliver(self: &Arc<Self>, event_type: &str, data: Value) {
        self.send(&Sandbox::event(event_type, data));
    }

    /// Signs and POSTs `event` to the server's webhook route, retrying like Fintoc (backoff)
    /// until a 2xx. Each delivery is signed with its own timestamp.
    fn send(self: &Arc<Self>, event: &Value) {
        let body = event.to_string().into_bytes();
        if let Some(kept) = lock(&self.captured).as_mut() {
            kept.push(body);
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(500);
            for _ in 0..8 {
                let signature = fintoc_wasm::server::testing::sign_event(
                    &this.webhook_secret,
                    &body,
                    std::time::SystemTime::now(),
                );
                let sent = this
                    .http
                    .post(&this.webhook_url)
                    .header("Content-Type", "application/json")
                    .header("Fintoc-Signature", signature)
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => return,
                    Ok(r) => eprintln!("sandbox: webhook answered {}; retrying", r.status()),
                    Err(e) => eprintln!("sandbox: webhook failed ({e}); retrying"),
                }
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        });
    }

    /// Expires sessions past `expires_at` (with the webhook); runs until the sandbox is dropped.
    fn spawn_sweeper(self: &Arc<Self>) {
        let weak: Weak<Sandbox> = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let Some(this) = weak.upgrade() else { return };
                let due: Vec<Value> = {
                    let mut sessions = lock(&this.sessions);
                    let t = unix_now();
                    sessions
                        .values_mut()
                        .filter(|s| !s.status.is_final() && s.expires_at <= t)
                        .map(|s| {
                            s.status = CheckoutSessionStatus::Expired;
                            s.to_json(s.shape)
                        })
                        .collect()
                };
                for data in due {
                    this.deliver("checkout_session.expired", data);
                }
            }
        });
    }

    /// The secret key, bare (as Fintoc's docs show) or as `Bearer <key>`.
    fn authorized(&self, headers: &HeaderMap) -> Result<(), Response> {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim());
        let given = given.map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim());
        if given == Some(self.secret_key.as_str()) {
            Ok(())
        } else {
            Err(fintoc_error(
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "invalid_api_key",
                "Invalid API Key provided (send the secret key in the Authorization header).",
                None,
            ))
        }
    }

    /// Answers a POST through the idempotency store: the first answer for the request's key
    /// again (the same request), `idempotency_key_reused` (another request), or `make`'s answer,
    /// recorded for the key. The store is held while `make` runs: two requests with one key
    /// make one thing.
    fn idempotent(
        &self,
        headers: &HeaderMap,
        request: &Value,
        make: impl FnOnce() -> (StatusCode, Value),
    ) -> (StatusCode, Value, bool) {
        let key = idempotency_key(headers);
        let mut store = lock(&self.idempotency);
        if let Some(replay) = key.as_ref().and_then(|k| store.get(k)) {
            if &replay.request != request {
                return (
                    StatusCode::BAD_REQUEST,
                    error_body(
                        "invalid_request_error",
                        "idempotency_key_reused",
                        "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                        None,
                    ),
                    false,
                );
            }
            return (replay.status, replay.body.clone(), true);
        }
        let (status, body) = make();
        if let Some(key) = key {
            store.insert(
                key,
                Replay {
                    request: request.clone(),
                    status,
                    body: body.clone(),
                },
            );
        }
        (status, body, false)
    }

    /// Records a payment the sandbox can refund (the first word on an id wins).
    fn record_payment(&self, intent: &Value) {
        let (Some(id), Some(amount), Some(currency)) = (
            intent["id"].as_str(),
            intent["amount"].as_u64(),
            intent["currency"].as_str(),
        ) else {
            return;
        };
        lock(&self.payments)
            .entry(id.to_owned())
            .or_insert_with(|| Payment {
                amount,
                currency: currency.to_owned(),
                status: intent["status"].as_str().unwrap_or_default().to_owned(),
                metadata: intent["metadata"].clone(),
                refunded: 0,
            });
    }
}

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The sandbox's routes, mounted under `/sandbox`.
pub fn router<S: Clone + Send + Sync + 'static>(sandbox: Arc<Sandbox>) -> Router<S> {
    sandbox.spawn_sweeper();
    Router::new()
        .route("/fintoc.js", get(script))
        .route(
            "/api/v1/checkout_sessions",
            post(create_session_v1).get(list_sessions_v1),
        )
        .route("/api/v1/checkout_sessions/{id}", get(get_session))
        .route(
            "/api/v1/checkout_sessions/{id}/expire",
            post(expire_session),
        )
        .route(
            "/api/v2/checkout_sessions",
            post(create_session_v2).get(list_sessions_v2),
        )
        .route("/api/v2/checkout_sessions/{id}", get(get_session_v2))
        .route("/api/v1/refunds", post(create_refund).get(list_refunds))
        .route("/api/v1/refunds/{id}", get(get_refund))
        .route("/api/v1/refunds/{id}/cancel", post(cancel_refund))
        .route("/api/v1/events/trigger", post(trigger))
        .route("/outcome", post(outcome))
        .route("/checkout/{id}", get(hosted_page).post(hosted_choice))
        .with_state(sandbox)
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        fintoc_wasm::sandbox::SCRIPT,
    )
        .into_response()
}

async fn create_session_v1(
    State(sandbox): State<Arc<Sandbox>>,
    AuthorizedJson { headers, request }: AuthorizedJson,
) -> Response {
    create_session(&sandbox, &headers, &request, Shape::V1, Shape::of)
}

async fn create_session_v2(
    State(sandbox): State<Arc<Sandbox>>,
    AuthorizedJson { headers, request }: AuthorizedJson,
) -> Response {
    create_session(&sandbox, &headers, &request, Shape::V2, |_| Shape::V2)
}

/// `POST /v1/checkout_sessions` (`body_shape` V1) or `/v2/checkout_sessions` (V2), answered in
/// the shape `answer_shape` picks from the headers.
fn create_session(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    request: &Value,
    body_shape: Shape,
    answer_shape: fn(&HeaderMap) -> Shape,
) -> Response {
    let shape = answer_shape(headers);
    let (status, body, _) = sandbox.idempotent(headers, request, || {
        match new_session(sandbox, request, body_shape, shape) {
            Ok(session) => (StatusCode::CREATED, session),
            Err((code, message, param)) => (
                StatusCode::BAD_REQUEST,
                error_body("invalid_request_error", code, &message, param),
            ),
        }
    });
    (status, Json(body)).into_response()
}

type Invalid = (&'static str, String, Option<&'static str>);

fn invalid_param(code: &'static str, message: impl Into<String>, param: &'static str) -> Invalid {
    (code, message.into(), Some(param))
}

/// A new session from a create body (`body` in the 2023-11-15 or 2026-02-01 form), answered in
/// `shape`.
fn new_session(
    sandbox: &Sandbox,
    request: &Value,
    body: Shape,
    shape: Shape,
) -> Result<Value, Invalid> {
    let amount = match (body, &request["amount"], &request["line_items"]) {
        (_, Value::Null, Value::Null) | (Shape::V1, Value::Null, _) => {
            return Err(invalid_param(
                "missing_parameter",
                "Missing required param: amount.",
                "amount",
            ))
        }
        (Shape::V2, Value::Null, items) => line_items_total(items)?,
        (_, v, _) => v.as_u64().filter(|a| *a > 0).ok_or(invalid_param(
            "invalid_amount",
            "amount must be a positive integer in the currency's smallest unit.",
            "amount",
        ))?,
    };
    let currency = match request["currency"].as_str() {
        None => {
            return Err(invalid_param(
                "missing_parameter",
                "Missing required param: currency.",
                "currency",
            ))
        }
        Some(c) => c
            .parse::<fintoc_wasm::Currency>()
            .map_err(|e| invalid_param("invalid_currency", e.to_string(), "currency"))?,
    };
    // The hosted page sends shoppers to these: http(s) URLs only, as Fintoc requires.
    for name in ["success_url", "cancel_url"] {
        match &request[name] {
            Value::Null => {}
            Value::String(url) if url.starts_with("https://") || url.starts_with("http://") => {}
            _ => {
                return Err(invalid_param(
                    "invalid_url",
                    format!("{name} must be an http(s) URL."),
                    if name == "success_url" {
                        "success_url"
                    } else {
                        "cancel_url"
                    },
                ))
            }
        }
    }
    let created_at = unix_now();
    let mut expires_at = created_at + sandbox.lifetime.as_secs() as i64;
    let mut customer = Value::Null;
    if body == Shape::V2 {
        match request["flow"].as_str() {
            None | Some("payment") => {}
            Some(other) => {
                return Err(invalid_param(
                    "invalid_flow",
                    format!("The sandbox only plays `flow: payment`, not `{other}`."),
                    "flow",
                ))
            }
        }
        customer = match (&request["customer"], &request["customer_data"]) {
            (Value::Null, Value::Null) => Value::Null,
            (Value::String(id), Value::Null) => json!({"id": id, "object": "customer"}),
            (Value::Null, data @ Value::Object(_)) => {
                let mut object = json!({"id": new_id("cus_sandbox_"), "object": "customer"});
                merge(&mut object, data);
                object
            }
            (Value::Null, _) | (_, Value::Null) => {
                return Err(invalid_param(
                    "invalid_customer",
                    "customer is a customer id (cus_…); customer_data an object.",
                    "customer",
                ))
            }
            _ => {
                return Err(invalid_param(
                    "invalid_customer",
                    "Give customer or customer_data, not both.",
                    "customer",
                ))
            }
        };
        if let Some(text) = request["expires_at"].as_str() {
            let at = Timestamp::parse_rfc3339(text).ok_or(invalid_param(
                "invalid_expires_at",
                format!("expires_at `{text}` is not an RFC 3339 time."),
                "expires_at",
            ))?;
            if at.unix_seconds() < created_at + 600 {
                return Err(invalid_param(
                    "invalid_expires_at",
                    "expires_at must be at least 10 minutes from now.",
                    "expires_at",
                ));
            }
            expires_at = at.unix_seconds();
        }
    }
    let id = new_id("cs_sandbox_");
    let session = Session {
        token: format!("{id}_sec_{}", new_id("")),
        id: id.clone(),
        amount,
        currency: currency.code().to_owned(),
        status: CheckoutSessionStatus::Created,
        metadata: request.get("metadata").cloned().unwrap_or(json!({})),
        customer_email: request
            .get("customer_email")
            .cloned()
            .unwrap_or(Value::Null),
        success_url: request.get("success_url").cloned().unwrap_or(Value::Null),
        cancel_url: request.get("cancel_url").cloned().unwrap_or(Value::Null),
        created_at,
        seq: sandbox.sessions_made.fetch_add(1, Ordering::SeqCst),
        expires_at,
        payment_intent: None,
        hosted_base: sandbox.hosted_base.clone(),
        shape,
        payment_method_types: match &request["payment_method_types"] {
            Value::Array(types) => Value::Array(types.clone()),
            _ => json!(["bank_transfer"]),
        },
        customer,
        line_items: request["line_items"].clone(),
    };
    let json = session.to_json(shape);
    lock(&sandbox.sessions).insert(id, session);
    Ok(json)
}

/// The total of 2026-02-01 `line_items` with `price_data.unit_amount` (the sandbox has no
/// prices: a `price` id is unknown).
fn line_items_total(items: &Value) -> Result<u64, Invalid> {
    let Some(items) = items.as_array().filter(|i| !i.is_empty()) else {
        return Err(invalid_param(
            "invalid_line_items",
            "line_items must be a non-empty list.",
            "line_items",
        ));
    };
    let mut total: u64 = 0;
    for item in items {
        if let Some(price) = item["price"].as_str() {
            return Err(invalid_param(
                "resource_missing",
                format!("No such price: {price} (the sandbox has none: use price_data)."),
                "line_items",
            ));
        }
        let (Some(unit), Some(quantity)) = (
            item["price_data"]["unit_amount"].as_u64(),
            item["quantity"].as_u64().filter(|q| *q > 0),
        ) else {
            return Err(invalid_param(
                "invalid_line_items",
                "Each line item needs price_data.unit_amount and a positive quantity.",
                "line_items",
            ));
        };
        total = unit
            .checked_mul(quantity)
            .and_then(|line| total.checked_add(line))
            .ok_or(invalid_param(
                "invalid_line_items",
                "The line items add up to too much.",
                "line_items",
            ))?;
    }
    Ok(total)
}

async fn get_session(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Authorized(headers): Authorized,
) -> Response {
    read_session(&sandbox, &id, Shape::of(&headers))
}

async fn get_session_v2(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    _: Authorized,
) -> Response {
    read_session(&sandbox, &id, Shape::V2)
}

fn read_session(sandbox: &Sandbox, id: &str, shape: Shape) -> Response {
    match lock(&sandbox.sessions).get(id) {
        Some(s) => Json(s.to_json(shape)).into_response(),
        None => missing("checkout session", id),
    }
}

/// Every session in `shape`, newest first.
fn sessions_newest_first(sandbox: &Sandbox, shape: Shape) -> Vec<(String, Value)> {
    let mut all: Vec<(u64, String, Value)> = lock(&sandbox.sessions)
        .values()
        .map(|s| (s.seq, s.id.clone(), s.to_json(shape)))
        .collect();
    all.sort_by_key(|(seq, _, _)| std::cmp::Reverse(*seq));
    all.into_iter().map(|(_, id, json)| (id, json)).collect()
}

/// `GET /v1/checkout_sessions?page=N`.
async fn list_sessions_v1(
    State(sandbox): State<Arc<Sandbox>>,
    Query(query): Query<ListQuery>,
    Authorized(headers): Authorized,
) -> Response {
    let items: Vec<Value> = sessions_newest_first(&sandbox, Shape::of(&headers))
        .into_iter()
        .map(|(_, json)| json)
        .collect();
    numbered_page(&sandbox, "/v1/checkout_sessions", &items, &query)
}

/// A `?page=N&per_page=M` page (N from 1), its next link to `path` on the sandbox's API.
fn numbered_page(sandbox: &Sandbox, path: &str, items: &[Value], query: &ListQuery) -> Response {
    let size = query.per_page.unwrap_or(PAGE_SIZE).clamp(1, 300);
    let number = query.page.unwrap_or(1).max(1);
    let start = (number - 1).saturating_mul(size);
    list_page(items, start, size, |_| {
        format!(
            "{}{path}?page={}&per_page={size}",
            sandbox.api_base,
            number + 1
        )
    })
}

/// `GET /v2/checkout_sessions?starting_after=cs_…`.
async fn list_sessions_v2(
    State(sandbox): State<Arc<Sandbox>>,
    Query(query): Query<ListQuery>,
    _: Authorized,
) -> Response {
    let all = sessions_newest_first(&sandbox, Shape::V2);
    let start = match &query.starting_after {
        None => 0,
        Some(after) => match all.iter().position(|(id, _)| id == after) {
            Some(i) => i + 1,
            None => return missing("checkout session", after),
        },
    };
    let size = query.limit.unwrap_or(PAGE_SIZE).clamp(1, 300);
    let ids: Vec<String> = all.iter().map(|(id, _)| id.clone()).collect();
    let items: Vec<Value> = all.into_iter().map(|(_, json)| json).collect();
    list_page(&items, start, size, |end| {
        format!(
            "{}/v2/checkout_sessions?starting_after={}&limit={size}",
            sandbox.api_base,
            ids.get(end - 1).map(String::as_str).unwrap_or_default()
        )
    })
}

async fn expire_session(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Authorized(headers): Authorized,
) -> Response {
    let (expired, webhook) = {
        let mut sessions = lock(&sandbox.sessions);
        let Some(session) = sessions.get_mut(&id) else {
            return missing("checkout session", &id);
        };
        if session.status.is_final() {
            return invalid(
                "invalid_status",
                &format!("The checkout session is already {}.", session.status),
                None,
            );
        }
        session.status = CheckoutSessionStatus::Expired;
        (
            session.to_json(Shape::of(&headers)),
            session.to_json(session.shape),
        )
    };
    sandbox.deliver("checkout_session.expired", webhook);
    Json(expired).into_response()
}

/// `POST /v1/refunds`.
async fn create_refund(
    State(sandbox): State<Arc<Sandbox>>,
    AuthorizedJson { headers, request }: AuthorizedJson,
) -> Response {
    let payment_intent = request["resource_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let note = |outcome| {
        lock(&sandbox.refund_requests).push(RefundRequest {
            idempotency_key: idempotency_key(&headers),
            payment_intent: payment_intent.clone(),
            outcome,
        })
    };
    let take = |counter: &AtomicU32| {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    };
    let mut made = None;
    let mut failed = false;
    // Like Fintoc, the store keeps the key's first answer, a 5xx included: the same key asked
    // again gets the same 503 back (https://docs.fintoc.com/api/fintoc-api/idempotent-requests).
    let (status, body, replayed) = sandbox.idempotent(&headers, &request, || {
        if take(&sandbox.fail_refund_requests) {
            failed = true;
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                error_body(
                    "api_error",
                    "service_unavailable",
                    "The sandbox plays Fintoc being unavailable; try again.",
                    None,
                ),
            );
        }
        match new_refund(&sandbox, &request) {
            Ok(refund) => {
                let answer = refund.to_json();
                made = Some(refund);
                (StatusCode::CREATED, answer)
            }
            Err((status, body)) => (status, body),
        }
    });
    if let Some(refund) = made {
        settle(&sandbox, refund);
    }
    let outcome = match (replayed, status.is_success()) {
        _ if failed => "failed",
        (true, _) => "replayed",
        (false, true) => "created",
        (false, false) => "refused",
    };
    if outcome == "created" && take(&sandbox.lose_refund_answers) {
        note("lost");
        return fintoc_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "internal_error",
            "The sandbox plays an answer lost on the way (the refund was made).",
            None,
        );
    }
    if outcome == "created" && take(&sandbox.garble_refund_answers) {
        note("garbled");
        return (status, Json(json!({ "object": "refund" }))).into_response();
    }
    note(outcome);
    (status, Json(body)).into_response()
}

/// A new refund (status `created`), its amount taken from what is left of the payment; or the
/// error answer.
fn new_refund(sandbox: &Sandbox, request: &Value) -> Result<RefundState, (StatusCode, Value)> {
    let bad = |code: &str, message: &str, param: Option<&str>| {
        (
            StatusCode::BAD_REQUEST,
            error_body("invalid_request_error", code, message, param),
        )
    };
    match request["resource_type"].as_str() {
        Some("payment_intent") => {}
        None => {
            return Err(bad(
                "missing_parameter",
                "Missing required param: resource_type.",
                Some("resource_type"),
            ))
        }
        Some(_) => {
            return Err(bad(
                "invalid_resource_type",
                "resource_type must be payment_intent.",
                Some("resource_type"),
            ))
        }
    }
    let Some(intent) = request["resource_id"].as_str() else {
        return Err(bad(
            "missing_parameter",
            "Missing required param: resource_id.",
            Some("resource_id"),
        ));
    };
    let mut payments = lock(&sandbox.payments);
    let Some(payment) = payments.get_mut(intent) else {
        return Err((
            StatusCode::NOT_FOUND,
            error_body(
                "invalid_request_error",
                "resource_missing",
                &format!("No such payment intent: {intent}"),
                Some("resource_id"),
            ),
        ));
    };
    if payment.status != "succeeded" {
        return Err(bad(
            "invalid_status",
            &format!(
                "The payment intent is {}: only a succeeded one can be refunded.",
                payment.status
            ),
            Some("resource_id"),
        ));
    }
    let left = payment.amount.saturating_sub(payment.refunded);
    let amount = match &request["amount"] {
        Value::Null => left,
        v => match v.as_u64().filter(|a| *a > 0) {
            Some(a) => a,
            None => {
                return Err(bad(
                    "invalid_amount",
                    "amount must be a positive integer.",
                    Some("amount"),
                ))
            }
        },
    };
    if left == 0 || amount > left {
        return Err(bad(
            "refund_exceeds_amount",
            &format!("Only {left} of this payment is left to refund."),
            Some("amount"),
        ));
    }
    payment.refunded += amount;
    let now = unix_now();
    let flag = |metadata: &Value| metadata["sandbox_refund"].as_str().map(str::to_owned);
    let outcome = flag(&request["metadata"]).or_else(|| flag(&payment.metadata));
    Ok(RefundState {
        id: new_id("re_sandbox_"),
        payment_intent: intent.to_owned(),
        amount,
        currency: payment.currency.clone(),
        status: "created".into(),
        failure_code: None,
        metadata: match &request["metadata"] {
            Value::Null => json!({}),
            m => m.clone(),
        },
        recipient_account: request["recipient_account"].clone(),
        created_at: now,
        updated_at: now,
    })
    .map(|mut refund| {
        // Decided now, settled in `settle`.
        refund.failure_code = (outcome.as_deref() == Some("failed")
            || amount == REFUND_FAILS_AMOUNT)
            .then_some("insufficient_funds");
        if outcome.as_deref() == Some("held") {
            refund.status = "held".into();
        }
        refund
    })
}

/// Records a new refund and plays what follows at once: `refund.in_progress`, then
/// `refund.succeeded` or `refund.failed` (the money goes back to the payment) — or, held, only
/// `in_progress`.
fn settle(sandbox: &Arc<Sandbox>, mut refund: RefundState) {
    let held = refund.status == "held";
    refund.status = "in_progress".into();
    let in_progress = refund.to_json();
    let final_event = (!held).then(|| {
        if refund.failure_code.is_some() {
            refund.status = "failed".into();
            give_back(sandbox, &refund.payment_intent, refund.amount);
        } else {
            refund.status = "succeeded".into();
        }
        refund.updated_at = unix_now();
        (format!("refund.{}", refund.status), refund.to_json())
    });
    lock(&sandbox.refunds).push(refund);
    sandbox.deliver("refund.in_progress", in_progress);
    if let Some((event_type, data)) = final_event {
        sandbox.deliver(&event_type, data);
    }
}

/// A refund that did not happen leaves its amount refundable again.
fn give_back(sandbox: &Sandbox, intent: &str, amount: u64) {
    if let Some(payment) = lock(&sandbox.payments).get_mut(intent) {
        payment.refunded = payment.refunded.saturating_sub(amount);
    }
}

async fn get_refund(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    _: Authorized,
) -> Response {
    match lock(&sandbox.refunds).iter().find(|r| r.id == id) {
        Some(refund) => Json(refund.to_json()).into_response(),
        None => missing("refund", &id),
    }
}

/// `GET /v1/refunds?page=N`, newest first.
async fn list_refunds(
    State(sandbox): State<Arc<Sandbox>>,
    Query(query): Query<ListQuery>,
    _: Authorized,
) -> Response {
    let items: Vec<Value> = lock(&sandbox.refunds)
        .iter()
        .rev()
        .map(RefundState::to_json)
        .collect();
    numbered_page(&sandbox, "/v1/refunds", &items, &query)
}

/// `POST /v1/refunds/{id}/cancel`: only before it was paid back.
async fn cancel_refund(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    _: Authorized,
) -> Response {
    let canceled = {
        let mut refunds = lock(&sandbox.refunds);
        let Some(refund) = refunds.iter_mut().find(|r| r.id == id) else {
            return missing("refund", &id);
        };
        if !matches!(refund.status.as_str(), "created" | "in_progress") {
            return invalid(
                "invalid_status",
                &format!("The refund is already {}.", refund.status),
                None,
            );
        }
        refund.status = "canceled".into();
        refund.updated_at = unix_now();
        refund.clone()
    };
    give_back(&sandbox, &canceled.payment_intent, canceled.amount);
    Json(canceled.to_json()).into_response()
}

/// `POST /v1/events/trigger {type, overrides}`.
async fn trigger(
    State(sandbox): State<Arc<Sandbox>>,
    AuthorizedJson { request, .. }: AuthorizedJson,
) -> Response {
    let Some(event_type) = request["type"].as_str() else {
        return invalid(
            "missing_parameter",
            "Missing required param: type.",
            Some("type"),
        );
    };
    let overrides = match &request["overrides"] {
        Value::Null => json!({}),
        o @ Value::Object(_) => o.clone(),
        _ => {
            return invalid(
                "invalid_overrides",
                "overrides must be an object (paths of the event's resource).",
                Some("overrides"),
            )
        }
    };
    let Some(data) = sample(event_type, &overrides) else {
        return invalid(
            "invalid_event_type",
            &format!(
                "The sandbox triggers checkout_session.finished / .expired, \
                 payment_intent.succeeded / .failed / .rejected / .expired / .pending and \
                 refund.* events, not `{event_type}`."
            ),
            Some("type"),
        );
    };
    // A payment the event announces can be refunded.
    match event_type {
        "checkout_session.finished" | "checkout_session.completed" => {
            sandbox.record_payment(&data["payment_resource"]["payment_intent"])
        }
        t if t.starts_with("payment_intent.") => sandbox.record_payment(&data),
        _ => {}
    }
    let event = Sandbox::event(event_type, data);
    sandbox.send(&event);
    (StatusCode::CREATED, Json(event)).into_response()
}

/// The resource of a triggered `event_type`, `overrides` merged in; `None` for a type the
/// sandbox does not play.
fn sample(event_type: &str, overrides: &Value) -> Option<Value> {
    let now = rfc3339(unix_now());
    let intent = |status: &str| {
        json!({
            "id": new_id("pi_sandbox_"),
            "object": "payment_intent",
            "amount": 2_500,
            "currency": "CLP",
            "status": status,
            "error_reason": if status == "failed" { json!("insufficient_funds") } else { Value::Null },
            "payment_type": "bank_transfer",
            "reference_id": null,
            "metadata": {},
            "created_at": now,
        })
    };
    let mut data = match event_type {
        "checkout_session.finished" | "checkout_session.completed" | "checkout_session.expired" => {
            let finished = event_type != "checkout_session.expired";
            let mut session = json!({
                "id": new_id("cs_sandbox_"),
                "object": "checkout_session",
                "amount": 2_500,
                "currency": "CLP",
                "status": if finished { "finished" } else { "expired" },
                "mode": "test",
                "metadata": {},
                "customer_email": null,
                "created_at": now,
                "expires_at": now,
                "session_token": null,
                "payment_resource": null,
            });
            merge(&mut session, overrides);
            // The payment follows the session unless told otherwise (`payment_resource` set to
            // something else than an object is kept as given).
            if finished
                && overrides
                    .get("payment_resource")
                    .is_none_or(Value::is_object)
            {
                let mut pi = intent("succeeded");
                merge(
                    &mut pi,
                    &json!({
                        "amount": session["amount"],
                        "currency": session["currency"],
                        "metadata": session["metadata"],
                    }),
                );
                if let Some(given) = overrides.pointer("/payment_resource/payment_intent") {
                    merge(&mut pi, given);
                }
                session["payment_resource"] = json!({ "payment_intent": pi });
            }
            return Some(session);
        }
        t => match t.strip_prefix("payment_intent.") {
            Some(status @ ("succeeded" | "failed" | "rejected" | "expired" | "pending")) => {
                intent(status)
            }
            Some(_) => return None,
            None => match t.strip_prefix("refund.") {
                Some(status) if !status.is_empty() => json!({
                    "id": new_id("re_sandbox_"),
                    "object": "refund",
                    "amount": 2_500,
                    "currency": "CLP",
                    "status": status,
                    "failure_code": if status == "failed" { json!("insufficient_funds") } else { Value::Null },
                    "metadata": {},
                    "mode": "test",
                    "recipient_account": null,
                    "resource_type": "payment_intent",
                    "resource_id": new_id("pi_sandbox_"),
                    "created_at": now,
                    "updated_at": now,
                }),
                _ => return None,
            },
        },
    };
    merge(&mut data, overrides);
    Some(data)
}

#[derive(Deserialize)]
struct Outcome {
    session_token: Option<String>,
    outcome: String,
    #[serde(default)]
    institution_id: Option<String>,
}

/// The sandbox widget reports what the shopper picked.
async fn outcome(
    State(sandbox): State<Arc<Sandbox>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(report) = body
        .ok()
        .and_then(|b| serde_json::from_slice::<Outcome>(&b).ok())
    else {
        return crate::shop::error(
            StatusCode::BAD_REQUEST,
            "invalid_outcome",
            "expected {session_token, outcome}",
        );
    };
    let (payment_status, error_reason) = match report.outcome.as_str() {
        "succeeded" => ("succeeded", None),
        "failed" => ("failed", Some("insufficient_funds")),
        "exited" => {
            // The shopper closed the widget: the session stays open until it expires.
            let mut sessions = lock(&sandbox.sessions);
            if let Some(s) = sessions.values_mut().find(|s| {
                Some(&s.token) == report.session_token.as_ref()
                    && s.status == CheckoutSessionStatus::Created
            }) {
                s.status = CheckoutSessionStatus::InProgress;
            }
            return StatusCode::NO_CONTENT.into_response();
        }
        _ => {
            return crate::shop::error(
                StatusCode::BAD_REQUEST,
                "invalid_outcome",
                "outcome must be succeeded, failed or exited",
            )
        }
    };
    let Some(token) = report.session_token else {
        return crate::shop::error(
            StatusCode::NOT_FOUND,
            "unknown_session",
            "no sandbox session has that token",
        );
    };
    match sandbox.finish(
        |s| s.token == token,
        payment_status,
        error_reason,
        report.institution_id,
    ) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(response) => response,
    }
}

impl Sandbox {
    /// Finishes the session `which` picks with a payment intent of `payment_status`, and sends
    /// `checkout_session.finished` (signed, to the server's webhook route).
    fn finish(
        self: &Arc<Self>,
        which: impl Fn(&Session) -> bool,
        payment_status: &str,
        error_reason: Option<&str>,
        institution_id: Option<String>,
    ) -> Result<(), Response> {
        let (finished, intent) = {
            let mut sessions = lock(&self.sessions);
            let Some(session) = sessions.values_mut().find(|s| which(s)) else {
                return Err(crate::shop::error(
                    StatusCode::NOT_FOUND,
                    "unknown_session",
                    "no sandbox session has that token",
                ));
            };
            if session.status.is_final() {
                return Err(crate::shop::error(
                    StatusCode::CONFLICT,
                    "session_final",
                    format!("the session is already {}", session.status),
                ));
            }
            session.status = CheckoutSessionStatus::Finished;
            let intent = json!({
                "id": new_id("pi_sandbox_"),
                "object": "payment_intent",
                "amount": session.amount,
                "currency": session.currency,
                "status": payment_status,
                "error_reason": error_reason,
                "payment_type": "bank_transfer",
                "reference_id": format!("{:08}", unix_now() % 100_000_000),
                "created_at": rfc3339(unix_now()),
                "metadata": session.metadata,
                "sender_account": { "institution_id": institution_id },
            });
            session.payment_intent = Some(intent.clone());
            (session.to_json(session.shape), intent)
        };
        self.record_payment(&intent);
        self.deliver("checkout_session.finished", finished);
        Ok(())
    }
}

/// The banks the hosted page offers (the same as the sandbox widget's Chilean ones).
const BANKS: [(&str, &str); 3] = [
    ("cl_banco_de_chile", "Banco de Chile"),
    ("cl_banco_estado", "BancoEstado"),
    ("cl_banco_santander", "Banco Santander"),
];

/// `&`, `<`, `>`, `"` and `'` as HTML entities.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page of the sandbox's hosted checkout.
fn page(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Fintoc sandbox · pago</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b3a}}\
         .badge{{display:inline-block;background:#fff3cd;padding:.2rem .5rem;border-radius:.3rem;font-size:.8rem}}\
         label{{display:block;margin:.4rem 0}}button{{margin:.3rem .3rem 0 0;padding:.5rem 1rem}}\
         </style></head><body><p class=\"badge\">Sandbox de Fintoc: sin dinero real</p>{body}</body></html>"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

/// `GET /sandbox/checkout/{id}`: the hosted checkout page of one session.
async fn hosted_page(State(sandbox): State<Arc<Sandbox>>, Path(id): Path<String>) -> Response {
    let Some(session) = lock(&sandbox.sessions).get(&id).cloned() else {
        return page(
            StatusCode::NOT_FOUND,
            "<h1>Este pago no existe</h1><p>El enlace no corresponde a ninguna sesión de pago.</p>",
        );
    };
    // A session that was paid leads back through success_url (the shop confirms the order),
    // any other through cancel_url: never "nothing was charged" for a paid one.
    let paid = session
        .payment_intent
        .as_ref()
        .is_some_and(|pi| pi["status"] == "succeeded");
    let back = if paid {
        &session.success_url
    } else {
        &session.cancel_url
    }
    .as_str()
    .map(escape);
    if session.status.is_final() {
        let link = back.map_or(String::new(), |url| {
            format!("<p><a id=\"back\" href=\"{url}\">Volver a la tienda</a></p>")
        });
        return page(
            StatusCode::OK,
            &format!(
                "<h1>Este pago ya terminó</h1><p id=\"final\" data-status=\"{}\">La sesión está {}.</p>{link}",
                session.status, session.status
            ),
        );
    }
    let banks: String = BANKS
        .iter()
        .enumerate()
        .map(|(i, (id, name))| {
            let checked = if i == 0 { " checked" } else { "" };
            format!(
                "<label><input type=\"radio\" name=\"institution_id\" value=\"{id}\"{checked}> {name}</label>"
            )
        })
        .collect();
    let amount = fintoc_wasm::Amount::new(
        session.amount,
        session
            .currency
            .parse()
            .unwrap_or(fintoc_wasm::Currency::Clp),
    )
    .map(|a| a.to_string())
    .unwrap_or_else(|_| session.amount.to_string());
    page(
        StatusCode::OK,
        &format!(
            "<h1>Pagar {amount}</h1><p>Elige tu banco:</p>\
             <form method=\"post\" action=\"{base}/{id}\">{banks}\
             <button id=\"fintoc-pay\" name=\"choice\" value=\"pay\">Pagar</button>\
             <button id=\"fintoc-reject\" name=\"choice\" value=\"reject\">El banco rechaza</button>\
             <button id=\"fintoc-cancel\" name=\"choice\" value=\"cancel\">Cancelar y volver a la tienda</button>\
             </form>",
            base = escape(&sandbox.hosted_base),
            id = escape(&session.id),
        ),
    )
}

/// `POST /sandbox/checkout/{id}`: what the shopper chose on the hosted page.
async fn hosted_choice(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form: HashMap<String, String> = body
        .ok()
        .and_then(|b| serde_urlencoded::from_bytes(&b).ok())
        .unwrap_or_default();
    let Some(session) = lock(&sandbox.sessions).get(&id).cloned() else {
        return page(StatusCode::NOT_FOUND, "<h1>Este pago no existe</h1>");
    };
    let go = |url: &Value| {
        match url.as_str() {
        Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_owned())]).into_response(),
        None => page(
            StatusCode::OK,
            "<h1>Listo</h1><p>La tienda no dio una dirección de vuelta (success_url / cancel_url).</p>",
        ),
    }
    };
    let institution = form
        .get("institution_id")
        .filter(|i| BANKS.iter().any(|(id, _)| id == i))
        .cloned();
    match form.get("choice").map(String::as_str) {
        Some("pay") => match sandbox.finish(|s| s.id == id, "succeeded", None, institution) {
            Ok(()) => go(&session.success_url),
            Err(_) => hosted_page(State(sandbox), Path(id)).await,
        },
        Some("reject") => match sandbox.finish(
            |s| s.id == id,
            "failed",
            Some("insufficient_funds"),
            institution,
        ) {
            Ok(()) => {
                let link = session
                    .cancel_url
                    .as_str()
                    .map(escape)
                    .map_or(String::new(), |url| {
                        format!("<p><a id=\"back\" href=\"{url}\">Volver a la tienda</a></p>")
                    });
                page(
                    StatusCode::OK,
                    &format!(
                        "<h1>El banco rechazó el pago</h1><p id=\"rejected\">No se hizo ningún cargo.</p>{link}"
                    ),
                )
            }
            Err(_) => hosted_page(State(sandbox), Path(id)).await,
        },
        // Back to the shop; the session stays open until it expires, as Fintoc's does. A
        // session already final (a stale form, another tab) shows how it ended instead.
        Some("cancel") if !session.status.is_final() => {
            if let Some(s) = lock(&sandbox.sessions).get_mut(&id) {
                if s.status == CheckoutSessionStatus::Created {
                    s.status = CheckoutSessionStatus::InProgress;
                }
            }
            go(&session.cancel_url)
        }
        _ => hosted_page(State(sandbox), Path(id)).await,
    }
}
