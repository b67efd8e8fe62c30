//! The offline Fintoc: what runs under `/sandbox` when no `FINTOC_SECRET_KEY` is set.
//!
//! - `POST /sandbox/api/v1/checkout_sessions`, `GET …/{id}`, `POST …/{id}/expire`: the Checkout
//!   Session API with Fintoc's shapes — `Authorization: <secret key>`, `Idempotency-Key` replay,
//!   the `{"error": {type, code, message, param}}` object;
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

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use fintoc_wasm::server::CheckoutSessionStatus;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{lock, unix_now};

/// The sandbox's public key (the widget only checks its shape).
pub const PUBLIC_KEY: &str = "pk_test_sandbox_demo";

/// How long a sandbox session lives (Fintoc's session tokens: 10 minutes).
pub const SESSION_LIFETIME: Duration = Duration::from_secs(10 * 60);

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
    expires_at: i64,
    payment_intent: Option<Value>,
    /// Where the hosted pages are (`{base}/sandbox/checkout`).
    hosted_base: String,
}

impl Session {
    /// The Checkout Session object (API 2023-11-15 shape); the token is `null` once final.
    fn to_json(&self) -> Value {
        json!({
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
            "payment_method_options": {},
            "payment_methods": ["payment_intent"],
            "payment_resource": self.payment_intent.as_ref().map(|pi| json!({ "payment_intent": pi })),
            "redirect_url": format!("{}/{}", self.hosted_base, self.id),
            "session_token": if self.status.is_final() { Value::Null } else { json!(self.token) },
        })
    }
}

struct Replay {
    request: Value,
    status: StatusCode,
    body: Value,
}

/// The sandbox's state.
pub struct Sandbox {
    /// `{base}/sandbox/checkout`: the hosted pages.
    hosted_base: String,
    secret_key: String,
    webhook_secret: String,
    webhook_url: String,
    sessions: Mutex<HashMap<String, Session>>,
    idempotency: Mutex<HashMap<String, Replay>>,
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

/// `2026-11-24T12:00:00Z` for Unix seconds.
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Unix seconds for an RFC 3339 time (`2026-11-24T12:00:00Z`, `…T12:00:00.123-03:00`); `None`
/// when it is not one.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut ymd = date.splitn(3, '-');
    let (year, month, day) = (ymd.next()?, ymd.next()?, ymd.next()?);
    let number = |t: &str, len: usize| -> Option<i64> {
        (t.len() == len && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (year, month, day) = (number(year, 4)?, number(month, 2)?, number(day, 2)?);
    let offset_at = time.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = time.split_at(offset_at);
    let clock = clock
        .split_once('.')
        .map_or(clock, |(whole, _fraction)| whole);
    let mut hms = clock.splitn(3, ':');
    let (h, m, sec) = (
        number(hms.next()?, 2)?,
        number(hms.next()?, 2)?,
        number(hms.next()?, 2)?,
    );
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (oh, om) = zone.get(1..)?.split_once(':')?;
            sign * (number(oh, 2)? * 3600 + number(om, 2)? * 60)
        }
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + sec - offset)
}

fn fintoc_error(
    status: StatusCode,
    kind: &str,
    code: &str,
    message: &str,
    param: Option<&str>,
) -> Response {
    (
        status,
        Json(json!({ "error": {
            "type": kind, "code": code, "message": message, "param": param,
            "doc_url": "https://docs.fintoc.com/reference/errors",
        }})),
    )
        .into_response()
}

impl Sandbox {
    /// A sandbox for the server at `base` (webhooks go to `{base}/webhooks/fintoc`), whose
    /// sessions expire `lifetime` after creation.
    pub fn new(base: &str, webhook_secret: Option<String>, lifetime: Duration) -> Sandbox {
        Sandbox {
            hosted_base: format!("{base}/sandbox/checkout"),
            secret_key: format!("sk_test_sandbox_{}", random()),
            webhook_secret: webhook_secret
                .unwrap_or_else(|| format!("whsec_test_sandbox_{}", random())),
            webhook_url: format!("{base}/webhooks/fintoc"),
            sessions: Mutex::new(HashMap::new()),
            idempotency: Mutex::new(HashMap::new()),
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
        let mut all: Vec<SessionView> = lock(&self.sessions)
            .values()
            .map(|s| SessionView {
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
            })
            .collect();
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        all
    }

    pub fn secret_key(&self) -> String {
        self.secret_key.clone()
    }

    pub fn webhook_secret(&self) -> &str {
        &self.webhook_secret
    }

    /// Signs and POSTs an event to the server's webhook route, retrying like Fintoc (backoff)
    /// until a 2xx. Each delivery is signed with its own timestamp.
    fn deliver(self: &Arc<Self>, event_type: &str, data: Value) {
        let event = json!({
            "id": format!("evt_{}", random()),
            "object": "event",
            "type": event_type,
            "mode": "test",
            "created_at": rfc3339(unix_now()),
            "data": data,
        });
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
                            s.to_json()
                        })
                        .collect()
                };
                for data in due {
                    this.deliver("checkout_session.expired", data);
                }
            }
        });
    }

    fn authorized(&self, headers: &HeaderMap) -> Result<(), Response> {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
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
}

/// The sandbox's routes, mounted under `/sandbox`.
pub fn router<S: Clone + Send + Sync + 'static>(sandbox: Arc<Sandbox>) -> Router<S> {
    sandbox.spawn_sweeper();
    Router::new()
        .route("/fintoc.js", get(script))
        .route("/api/v1/checkout_sessions", post(create_session))
        .route("/api/v1/checkout_sessions/{id}", get(get_session))
        .route(
            "/api/v1/checkout_sessions/{id}/expire",
            post(expire_session),
        )
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

async fn create_session(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = sandbox.authorized(&headers) {
        return r;
    }
    let invalid = |code: &str, message: &str, param: Option<&str>| {
        fintoc_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            code,
            message,
            param,
        )
    };
    let Ok(body) = body else {
        return invalid("invalid_body", "The request body could not be read.", None);
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return invalid("invalid_json", "The request body is not JSON.", None);
    };
    let key = headers
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Held until the answer is recorded: two requests with one key make one session.
    let mut idempotency = lock(&sandbox.idempotency);
    if let Some(key) = &key {
        if let Some(replay) = idempotency.get(key) {
            if replay.request != request {
                return invalid(
                    "idempotency_key_reused",
                    "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                    None,
                );
            }
            return (replay.status, Json(replay.body.clone())).into_response();
        }
    }
    let (status, body) = match new_session(&sandbox, &request) {
        Ok(session) => (StatusCode::CREATED, session),
        Err((code, message, param)) => (
            StatusCode::BAD_REQUEST,
            json!({ "error": { "type": "invalid_request_error", "code": code, "message": message, "param": param }}),
        ),
    };
    if let Some(key) = key {
        idempotency.insert(
            key,
            Replay {
                request,
                status,
                body: body.clone(),
            },
        );
    }
    (status, Json(body)).into_response()
}

type Invalid = (&'static str, String, Option<&'static str>);

fn new_session(sandbox: &Sandbox, request: &Value) -> Result<Value, Invalid> {
    let amount = match &request["amount"] {
        Value::Null => {
            return Err((
                "missing_parameter",
                "Missing required param: amount.".into(),
                Some("amount"),
            ))
        }
        v => v.as_u64().filter(|a| *a > 0).ok_or((
            "invalid_amount",
            "amount must be a positive integer in the currency's smallest unit.".into(),
            Some("amount"),
        ))?,
    };
    let currency = match request["currency"].as_str() {
        None => {
            return Err((
                "missing_parameter",
                "Missing required param: currency.".into(),
                Some("currency"),
            ))
        }
        Some(c) => c
            .parse::<fintoc_wasm::Currency>()
            .map_err(|e| ("invalid_currency", e.to_string(), Some("currency")))?,
    };
    // The hosted page sends shoppers to these: http(s) URLs only, as Fintoc requires.
    for name in ["success_url", "cancel_url"] {
        match &request[name] {
            Value::Null => {}
            Value::String(url) if url.starts_with("https://") || url.starts_with("http://") => {}
            _ => {
                return Err((
                    "invalid_url",
                    format!("{name} must be an http(s) URL."),
                    Some(if name == "success_url" {
                        "success_url"
                    } else {
                        "cancel_url"
                    }),
                ))
            }
        }
    }
    let created_at = unix_now();
    let id = format!("cs_sandbox_{}", &random()[..20]);
    let session = Session {
        token: format!("{id}_sec_{}", &random()[..24]),
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
        expires_at: created_at + sandbox.lifetime.as_secs() as i64,
        payment_intent: None,
        hosted_base: sandbox.hosted_base.clone(),
    };
    let json = session.to_json();
    lock(&sandbox.sessions).insert(id, session);
    Ok(json)
}

async fn get_session(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = sandbox.authorized(&headers) {
        return r;
    }
    match lock(&sandbox.sessions).get(&id) {
        Some(s) => Json(s.to_json()).into_response(),
        None => not_found(&id),
    }
}

fn not_found(id: &str) -> Response {
    fintoc_error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "resource_missing",
        &format!("No such checkout session: {id}"),
        Some("id"),
    )
}

async fn expire_session(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = sandbox.authorized(&headers) {
        return r;
    }
    let expired = {
        let mut sessions = lock(&sandbox.sessions);
        let Some(session) = sessions.get_mut(&id) else {
            return not_found(&id);
        };
        if session.status.is_final() {
            return fintoc_error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "invalid_status",
                &format!("The checkout session is already {}.", session.status),
                None,
            );
        }
        session.status = CheckoutSessionStatus::Expired;
        session.to_json()
    };
    sandbox.deliver("checkout_session.expired", expired.clone());
    Json(expired).into_response()
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
        let finished = {
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
            session.payment_intent = Some(json!({
                "id": format!("pi_sandbox_{}", &random()[..20]),
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
            }));
            session.to_json()
        };
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

#[cfg(test)]
mod tests {
    use super::{parse_rfc3339, rfc3339};

    #[test]
    fn rfc3339_parses_what_it_formats_and_fintocs_variants() {
        for secs in [
            0,
            1_709_208_000,
            1_767_225_600,
            1_795_483_003,
            4_102_444_799,
        ] {
            assert_eq!(parse_rfc3339(&rfc3339(secs)), Some(secs));
        }
        assert_eq!(
            parse_rfc3339("2025-04-05T21:57:31.834Z"),
            Some(1_743_890_251)
        );
        assert_eq!(
            parse_rfc3339("2026-01-01T00:00:00-03:00"),
            Some(1_767_225_600 + 3 * 3600)
        );
        for bad in [
            "",
            "2026-01-01",
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00:00",
            "x-y-zT::Z",
            "2026-01-01T0:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_208_000), "2024-02-29T12:00:00Z");
        assert_eq!(rfc3339(1_795_483_003), "2026-11-24T01:16:43Z"); // python: datetime.fromtimestamp(…, utc)
    }
}
