//! The shop's API: catalogue, checkout (order + Checkout Session), order status.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use fintoc_wasm::server::{
    CheckoutSession, CheckoutSessionCreate, CheckoutSessionStatus, ClientError, PaymentIntentStatus,
};
use fintoc_wasm::{Amount, Currency};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::sandbox::{parse_rfc3339, rfc3339};
use crate::{unix_now, AppState, Mode};

/// A product the shop sells. The server's prices are the only ones that count.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Product {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// CLP (no decimals).
    pub price: u64,
}

pub const CATALOGUE: &[Product] = &[
    Product {
        id: "espresso",
        name: "Espresso",
        description: "Doble, de grano chileno tostado en Valparaíso",
        price: 2_500,
    },
    Product {
        id: "cortado",
        name: "Cortado",
        description: "Espresso con un poco de leche vaporizada",
        price: 2_900,
    },
    Product {
        id: "beans",
        name: "Café en grano 250 g",
        description: "Tueste medio, notas de chocolate",
        price: 8_990,
    },
];

/// Most units of one product per order.
pub const MAX_QUANTITY: u32 = 20;

/// A JSON error: `{"error": {"code", "message"}}` with a 4xx/5xx status.
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message.into() } })),
    )
        .into_response()
}

pub async fn config(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({
        "public_key": state.public_key,
        "script_url": state.script_url,
        "mode": match state.mode { Mode::Sandbox => "sandbox", Mode::Live => "live" },
        "checkout_mode": state.checkout_mode.as_str(),
    }))
}

pub async fn products() -> Json<serde_json::Value> {
    Json(json!({ "currency": "CLP", "products": CATALOGUE }))
}

pub async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such API route")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckoutRequest {
    items: Vec<CartLine>,
    /// Optional: one purchase in one browser (see [`checkout`]).
    #[serde(default)]
    cart_id: Option<String>,
    /// Which shop page the hosted checkout returns to (see [`return_page`]).
    #[serde(default)]
    return_to: Option<String>,
}

/// The shop pages the hosted checkout may return to (only these: a return URL is never a
/// place the request chose freely, or this server would send shoppers anywhere).
pub const RETURN_PAGES: [&str; 4] = ["/", "/leptos/", "/www/", "/react/"];

/// The page of [`RETURN_PAGES`] the request asked for (the Yew shop, `/`, otherwise).
pub fn return_page(asked: Option<&str>) -> &'static str {
    RETURN_PAGES
        .iter()
        .copied()
        .find(|page| Some(*page) == asked)
        .unwrap_or("/")
}

/// A `cart_id` is 16 to 64 of `A-Z a-z 0-9 _ -`: a random id (a UUID), not something a
/// stranger could guess, since a request with it gets that cart's session.
fn valid_cart_id(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// How long a Checkout Session token works after the session is created (Fintoc: 10 minutes;
/// the browser crate assumes the same).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// An open session is handed out again only while its token has at least this long to live:
/// time for the shopper to pay, and well over the browser crate's own margin (it fetches a new
/// token 30 s before the old one expires), so a refetch never gets back a token it deems stale.
pub const REUSE_MARGIN: Duration = Duration::from_secs(120);

/// What to do with the open session of a cart's pending order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// Same items, not final, token usable for more than [`REUSE_MARGIN`]: answer it again.
    Reuse,
    /// Not final but not reusable (the cart changed, the token is about to expire): expire it
    /// through the API before making a new one, so that only one can be paid.
    Expire,
    /// Expired, or finished without a payment: a new order and session.
    Replace,
    /// Finished with a payment that succeeded or may still succeed: do not start another.
    PaymentUnderway,
}

/// Decides [`Reuse`] for `session` (as Fintoc reports it now), whose token is usable until
/// `token_expires_at` (Unix seconds), at `now`.
pub fn decide(
    session: &CheckoutSession,
    same_items: bool,
    token_expires_at: Option<i64>,
    now: i64,
) -> Reuse {
    if session.status.is_final() {
        let settled_unpaid = match session.payment_intent() {
            None => true,
            Some(pi) => matches!(
                pi.status,
                PaymentIntentStatus::Failed
                    | PaymentIntentStatus::Rejected
                    | PaymentIntentStatus::Expired
            ),
        };
        if session.status == CheckoutSessionStatus::Finished && !settled_unpaid {
            Reuse::PaymentUnderway
        } else {
            Reuse::Replace
        }
    } else if same_items
        && session.session_token.is_some()
        && token_expires_at.is_some_and(|t| t - now >= REUSE_MARGIN.as_secs() as i64)
    {
        Reuse::Reuse
    } else {
        Reuse::Expire
    }
}

/// When a new session's token stops being usable (Unix seconds): [`TOKEN_LIFETIME`] after it
/// was made, or the session's `expires_at` if sooner.
fn token_expires_at(session: &CheckoutSession, now: i64) -> i64 {
    let issued = session
        .created_at
        .as_deref()
        .and_then(parse_rfc3339)
        .map_or(now, |created| created.min(now));
    let until = issued + TOKEN_LIFETIME.as_secs() as i64;
    session
        .expires_at
        .as_deref()
        .and_then(parse_rfc3339)
        .map_or(until, |expires| expires.min(until))
}

/// The same lines (product, quantity, price), in any order.
fn same_items(stored: &serde_json::Value, lines: &[serde_json::Value]) -> bool {
    let key = |v: &&serde_json::Value| {
        v.get("product_id")
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let mut a: Vec<&serde_json::Value> = stored
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut b: Vec<&serde_json::Value> = lines.iter().collect();
    a.sort_by_key(key);
    b.sort_by_key(key);
    a == b
}

/// One checkout at a time per `cart_id`, so that a double click cannot make two orders.
#[derive(Default)]
pub struct CartLocks(std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

/// Held while a cart's checkout runs; the last one out removes the cart's entry.
pub struct CartGuard<'a> {
    locks: &'a CartLocks,
    cart_id: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl CartLocks {
    /// Waits for the other checkouts of `cart_id` to finish.
    pub async fn lock(&self, cart_id: &str) -> CartGuard<'_> {
        let mutex = crate::lock(&self.0)
            .entry(cart_id.to_owned())
            .or_default()
            .clone();
        CartGuard {
            locks: self,
            cart_id: cart_id.to_owned(),
            guard: Some(mutex.lock_owned().await),
        }
    }
}

impl Drop for CartGuard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut map = crate::lock(&self.locks.0);
        if map
            .get(&self.cart_id)
            .is_some_and(|m| Arc::strong_count(m) == 1)
        {
            map.remove(&self.cart_id);
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CartLine {
    product_id: String,
    quantity: u32,
}

/// Reads a JSON body, answering 413 / 400 as JSON when it is too big or not the expected shape.
pub fn json_body<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Response> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "the request body is larger than {} bytes",
                    crate::BODY_LIMIT
                ),
            )
        } else {
            error(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                rejection.body_text(),
            )
        }
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() {
            "invalid_json"
        } else {
            "invalid_request"
        };
        error(
            StatusCode::BAD_REQUEST,
            code,
            format!("the request body is not valid: {e}"),
        )
    })
}

/// `POST /api/checkout {"items":[{"product_id","quantity"}], "cart_id"?}` → the order and its
/// session token: `{order_id, session_token, expires_at, redirect_url, amount, currency}`, where
/// `expires_at` is when the token stops being usable.
///
/// One payable session per purchase: with a `cart_id` (a random id the page keeps for the
/// purchase), a repeated request (a double click, a reload, a stale-token refetch) gets the same
/// order and session back while that session is open, for the same items, and its token has
/// more than [`REUSE_MARGIN`] left. Otherwise the old session is expired through Fintoc's API
/// before a new order and session are made (its order then expires by webhook), so at most one
/// can be paid; if it already holds a payment, the answer is 409 `payment_underway`. Without a
/// `cart_id` every request is a new purchase: the server cannot tell a double click from a
/// second order.
pub async fn checkout(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request: CheckoutRequest = match json_body(body) {
        Ok(r) => r,
        Err(response) => return response,
    };
    if request.items.is_empty() {
        return error(StatusCode::BAD_REQUEST, "empty_cart", "the cart is empty");
    }
    let mut total: u64 = 0;
    let mut lines = Vec::new();
    for line in &request.items {
        let Some(product) = CATALOGUE.iter().find(|p| p.id == line.product_id) else {
            return error(
                StatusCode::BAD_REQUEST,
                "unknown_product",
                format!("there is no product `{}`", line.product_id),
            );
        };
        if line.quantity == 0 || line.quantity > MAX_QUANTITY {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_quantity",
                format!("quantity must be between 1 and {MAX_QUANTITY}"),
            );
        }
        if lines
            .iter()
            .any(|l: &serde_json::Value| l["product_id"] == product.id)
        {
            return error(
                StatusCode::BAD_REQUEST,
                "duplicate_product",
                format!("`{}` appears twice in the cart", product.id),
            );
        }
        total += product.price * u64::from(line.quantity);
        lines.push(json!({
            "product_id": product.id,
            "name": product.name,
            "quantity": line.quantity,
            "unit_price": product.price,
        }));
    }
    let amount = match Amount::new(total, Currency::Clp) {
        Ok(a) => a,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_amount", e.to_string()),
    };
    let cart_id = request.cart_id.as_deref();
    if cart_id.is_some_and(|id| !valid_cart_id(id)) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_cart_id",
            "cart_id must be 16 to 64 letters, digits, `_` or `-` (a random id, e.g. a UUID)",
        );
    }
    // Held until the answer: the checkouts of one cart run one after the other.
    let _cart = match cart_id {
        Some(id) => Some(state.carts.lock(id).await),
        None => None,
    };
    if let Some(cart_id) = cart_id {
        match open_session(&state, cart_id, &lines, total).await {
            Ok(Some(answer)) => return answer,
            Ok(None) => {}
            Err(response) => return response,
        }
    }

    let order_id = format!("ord_{}", uuid::Uuid::new_v4().simple());
    if let Err(e) = state.db.create_order(
        &order_id,
        total,
        Currency::Clp.code(),
        &json!(lines),
        cart_id,
    ) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "database", e.to_string());
    }
    let create = CheckoutSessionCreate::new(amount)
        .metadata("order_id", &order_id)
        .return_to(
            &format!(
                "{}{}",
                state.public_url,
                return_page(request.return_to.as_deref())
            ),
            &order_id,
        );
    // The order id is the idempotency key: a retried request never creates a second session.
    let session = match state
        .fintoc
        .create_checkout_session_with_key(&create, &order_id)
        .await
    {
        Ok(session) => session,
        Err(e) => {
            let _ = state
                .db
                .mark_error(&order_id, "checkout session not created");
            eprintln!("fintoc: creating the checkout session for {order_id} failed: {e}");
            return unavailable();
        }
    };
    let token_expires_at = token_expires_at(&session, unix_now());
    if let Err(e) = state
        .db
        .attach_session(&order_id, &session.id, token_expires_at)
    {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "database", e.to_string());
    }
    let Some(token) = session.session_token else {
        return error(
            StatusCode::BAD_GATEWAY,
            "fintoc_unavailable",
            "the checkout session has no token",
        );
    };
    answer(
        &order_id,
        &token,
        token_expires_at,
        session.redirect_url.as_deref(),
        total,
    )
}

/// Only what the browser needs: never the secret key, never the whole session.
fn answer(
    order_id: &str,
    token: &str,
    token_expires_at: i64,
    redirect_url: Option<&str>,
    amount: u64,
) -> Response {
    Json(json!({
        "order_id": order_id,
        "session_token": token,
        "expires_at": rfc3339(token_expires_at),
        // Relative too: the browser cannot misread it when its clock is off.
        "expires_in": (token_expires_at - crate::unix_now()).max(0),
        "redirect_url": redirect_url,
        "amount": amount,
        "currency": "CLP",
    }))
    .into_response()
}

fn unavailable() -> Response {
    error(
        StatusCode::BAD_GATEWAY,
        "fintoc_unavailable",
        "the payment provider is not available; try again in a moment",
    )
}

/// The cart's open session, answered again (`Some`), or closed so that a new one may be made
/// (`None`); an error when it cannot be closed for sure.
async fn open_session(
    state: &AppState,
    cart_id: &str,
    lines: &[serde_json::Value],
    total: u64,
) -> Result<Option<Response>, Response> {
    let db_error =
        |e: rusqlite::Error| error(StatusCode::INTERNAL_SERVER_ERROR, "database", e.to_string());
    let Some(open) = state.db.open_order_for_cart(cart_id).map_err(db_error)? else {
        return Ok(None);
    };
    let Some(session_id) = open.checkout_session_id.as_deref() else {
        // Its session was never recorded (that request failed half-way): nothing to reuse.
        state
            .db
            .mark_error(&open.id, "checkout session not recorded")
            .map_err(db_error)?;
        return Ok(None);
    };
    let same = open.amount == total && same_items(&open.items, lines);
    let Some(mut session) = fetch_session(state, session_id).await? else {
        return Ok(None);
    };
    let mut decision = decide(&session, same, open.token_expires_at, unix_now());
    if decision == Reuse::Expire {
        if let Err(e) = state.fintoc.expire_checkout_session(session_id).await {
            // It may have just finished or expired: only a final session is safe to leave.
            let Some(now) = fetch_session(state, session_id).await? else {
                return Ok(None);
            };
            if !now.status.is_final() {
                eprintln!("fintoc: expiring checkout session {session_id} failed: {e}");
                return Err(unavailable());
            }
            session = now;
            decision = decide(&session, false, None, unix_now());
        } else {
            return Ok(None);
        }
    }
    match (decision, &session.session_token, open.token_expires_at) {
        (Reuse::Reuse, Some(token), Some(expires_at)) => Ok(Some(answer(
            &open.id,
            token,
            expires_at,
            session.redirect_url.as_deref(),
            total,
        ))),
        (Reuse::PaymentUnderway, _, _) => Err(error(
            StatusCode::CONFLICT,
            "payment_underway",
            format!(
                "this cart was paid, or its payment is being confirmed (order {}): wait for the \
                 confirmation before paying again",
                open.id
            ),
        )),
        _ => Ok(None),
    }
}

/// The session as Fintoc has it now; `None` when Fintoc does not know it (nothing to pay).
async fn fetch_session(state: &AppState, id: &str) -> Result<Option<CheckoutSession>, Response> {
    match state.fintoc.get_checkout_session(id).await {
        Ok(session) => Ok(Some(session)),
        Err(ClientError::Api { status: 404, .. }) => Ok(None),
        Err(e) => {
            eprintln!("fintoc: reading checkout session {id} failed: {e}");
            Err(unavailable())
        }
    }
}

/// `GET /api/orders/{id}`.
pub async fn order(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match state.db.order(&id) {
        Ok(Some(order)) => Json(order).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "order_not_found",
            format!("no order `{id}`"),
        ),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "database", e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(status: &str, token: bool, intent: Option<&str>) -> CheckoutSession {
        serde_json::from_value(json!({
            "id": "cs_1", "amount": 2500, "currency": "CLP", "status": status,
            "session_token": if token { json!("cs_1_sec_x") } else { json!(null) },
            "payment_resource": intent.map(|s| json!({"payment_intent": {
                "id": "pi_1", "amount": 2500, "currency": "CLP", "status": s}})),
        }))
        .unwrap()
    }

    #[test]
    fn an_open_session_is_reused_only_while_it_can_be_paid() {
        let now = 1_000_000;
        let plenty = Some(now + 500);
        let margin = REUSE_MARGIN.as_secs() as i64;
        let cases = [
            (
                "fresh",
                session("created", true, None),
                true,
                plenty,
                Reuse::Reuse,
            ),
            (
                "in the widget",
                session("in_progress", true, None),
                true,
                plenty,
                Reuse::Reuse,
            ),
            (
                "at the margin",
                session("created", true, None),
                true,
                Some(now + margin),
                Reuse::Reuse,
            ),
            (
                "inside the margin",
                session("created", true, None),
                true,
                Some(now + margin - 1),
                Reuse::Expire,
            ),
            (
                "token gone",
                session("created", true, None),
                true,
                Some(now - 1),
                Reuse::Expire,
            ),
            (
                "expiry unknown",
                session("created", true, None),
                true,
                None,
                Reuse::Expire,
            ),
            (
                "cart changed",
                session("created", true, None),
                false,
                plenty,
                Reuse::Expire,
            ),
            (
                "no token",
                session("created", false, None),
                true,
                plenty,
                Reuse::Expire,
            ),
            (
                "a status we do not know",
                session("paused", true, None),
                true,
                plenty,
                Reuse::Reuse,
            ),
            (
                "expired",
                session("expired", false, None),
                true,
                plenty,
                Reuse::Replace,
            ),
            (
                "finished, failed",
                session("finished", false, Some("failed")),
                true,
                plenty,
                Reuse::Replace,
            ),
            (
                "finished, rejected",
                session("finished", false, Some("rejected")),
                true,
                plenty,
                Reuse::Replace,
            ),
            (
                "finished, nothing",
                session("finished", false, None),
                true,
                plenty,
                Reuse::Replace,
            ),
            (
                "finished, paid",
                session("finished", false, Some("succeeded")),
                true,
                plenty,
                Reuse::PaymentUnderway,
            ),
            (
                "finished, pending",
                session("finished", false, Some("pending")),
                false,
                plenty,
                Reuse::PaymentUnderway,
            ),
            (
                "finished, unknown",
                session("finished", false, Some("settling")),
                true,
                plenty,
                Reuse::PaymentUnderway,
            ),
        ];
        for (name, session, same, expires, expected) in cases {
            assert_eq!(decide(&session, same, expires, now), expected, "{name}");
        }
    }

    #[test]
    fn a_token_is_usable_ten_minutes_or_until_the_session_expires() {
        let now = 1_767_225_600; // 2026-01-01T00:00:00Z
        let with = |created: Option<&str>, expires: Option<&str>| {
            let mut s = session("created", true, None);
            s.created_at = created.map(str::to_owned);
            s.expires_at = expires.map(str::to_owned);
            token_expires_at(&s, now)
        };
        assert_eq!(with(None, None), now + 600);
        assert_eq!(
            with(Some("2026-01-01T00:00:00Z"), Some("2026-01-02T00:00:00Z")),
            now + 600
        );
        assert_eq!(with(Some("2025-12-31T23:59:00Z"), None), now - 60 + 600);
        assert_eq!(
            with(Some("2026-01-01T00:05:00Z"), None),
            now + 600,
            "a clock ahead of ours"
        );
        assert_eq!(with(None, Some("2026-01-01T00:01:00Z")), now + 60);
        assert_eq!(with(None, Some("soon")), now + 600);
    }

    #[test]
    fn cart_ids_are_long_random_ids() {
        assert!(valid_cart_id("0b9f3c2e-5a4d-4c1b-9e8f-7a6b5c4d3e2f"));
        assert!(valid_cart_id("cart_0123456789ab"));
        for bad in [
            "",
            "short",
            "cart_0123456789",
            "with space 0123456789",
            "ñandú_0123456789ab",
            &"a".repeat(65),
        ] {
            assert!(!valid_cart_id(bad), "{bad}");
        }
    }
}
