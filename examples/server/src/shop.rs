//! The shop's API: catalogue, checkout (order + Checkout Session), order status.

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

use crate::db::{NewOrder, OpenOrder};
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
    /// Finished with a payment that succeeded or may still succeed, or open and being paid
    /// (`in_progress`, a payment intent under way, a status this shop does not know) but not
    /// reusable: do not start another, and do not expire it.
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
        // A finished session whose payment cannot be read may hold money: not settled.
        let settled_unpaid = match session.payment_intent() {
            None => session.status != CheckoutSessionStatus::Finished,
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
    } else if payment_underway(session) {
        // The shopper may be paying right now: expiring the session could cut a payment in
        // half (money taken, session gone). Its outcome arrives as a webhook.
        Reuse::PaymentUnderway
    } else {
        Reuse::Expire
    }
}

/// An open session someone may be paying: `in_progress` (or a status this shop does not know),
/// or with a payment intent that is not settled unpaid.
fn payment_underway(session: &CheckoutSession) -> bool {
    let session_underway = !matches!(session.status, CheckoutSessionStatus::Created);
    let intent_underway = session.payment_intent().is_some_and(|pi| {
        !matches!(
            pi.status,
            PaymentIntentStatus::Created
                | PaymentIntentStatus::Failed
                | PaymentIntentStatus::Rejected
                | PaymentIntentStatus::Expired
        )
    });
    session_underway || intent_underway
}

/// When a new session's token stops being usable (Unix seconds): [`TOKEN_LIFETIME`] after it
/// was made, or the session's `expires_at` if sooner.
fn token_expires_at(session: &CheckoutSession, now: i64) -> i64 {
    let issued = session
        .created_at
        .map_or(now, |created| created.unix_seconds().min(now));
    let until = issued + TOKEN_LIFETIME.as_secs() as i64;
    session
        .expires_at
        .map_or(until, |expires| expires.unix_seconds().min(until))
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
/// more than [`REUSE_MARGIN`] left. Otherwise the old session is expired through Fintoc's API and
/// its order closed before a new order and session are made, so at most one can be paid; if it
/// already holds a payment, the answer is 409 `payment_underway`. A cart with an order that was
/// paid or is held for a person gets 409 `cart_paid` with that order (a paid cart is done: the
/// Back button or a stored cart must not pay it twice). Without a `cart_id` every request is a
/// new purchase: the server cannot tell a double click from a second order.
///
/// The database decides, not a lock in this process (several instances may serve one cart): a
/// cart has at most one open order (a unique index), so of two requests that both find none,
/// one inserts it and the other finds it and answers the same session. An open order without a
/// session yet (another request is creating it, or one failed half-way) gets it by the same
/// request to Fintoc, with the order id as idempotency key: Fintoc answers the one session.
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
    if let Err(e) = Amount::new(total, Currency::Clp) {
        return error(StatusCode::BAD_REQUEST, "invalid_amount", e.to_string());
    }
    let cart_id = request.cart_id.as_deref();
    if cart_id.is_some_and(|id| !valid_cart_id(id)) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_cart_id",
            "cart_id must be 16 to 64 letters, digits, `_` or `-` (a random id, e.g. a UUID)",
        );
    }
    let return_to = return_page(request.return_to.as_deref());
    let items = json!(lines);
    // Each round either answers, or sees another request (here or in another instance) change
    // the cart and looks again.
    for _ in 0..CHECKOUT_ROUNDS {
        let open = match cart_id {
            Some(cart_id) => match cart_state(&state, cart_id).await {
                Ok(open) => open,
                Err(response) => return response,
            },
            None => None,
        };
        if let Some(open) = open {
            match open_session(&state, &open, &lines, total).await {
                Ok(Some(answer)) => return answer,
                Ok(None) => continue,
                Err(response) => return response,
            }
        }
        let order_id = format!("ord_{}", uuid::Uuid::new_v4().simple());
        let new = NewOrder {
            id: &order_id,
            amount: total,
            currency: Currency::Clp.code(),
            items: &items,
            cart_id,
            return_to,
        };
        match state.db.create_order(new).await {
            Ok(true) => {}
            // The cart got an open (or paid) order meanwhile: look again.
            Ok(false) => continue,
            Err(e) => return db_error(e),
        }
        let order = OpenOrder {
            id: order_id,
            amount: total,
            items: items.clone(),
            checkout_session_id: None,
            token_expires_at: None,
            return_to: Some(return_to.to_owned()),
        };
        match session_for(&state, &order).await {
            Ok(Some((session, expires_at))) => {
                return answer_with(&order.id, &session, expires_at, total)
            }
            Ok(None) => continue,
            Err(response) => return response,
        }
    }
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "this cart is changing in another request; try again in a moment",
    )
}

/// How many times [`checkout`] looks at a cart that others keep changing before it gives up.
const CHECKOUT_ROUNDS: usize = 8;

fn db_error(e: crate::db::DbError) -> Response {
    eprintln!("database: {e}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "database",
        "the shop's database is not available; try again in a moment",
    )
}

/// The cart's open order (`Ok(None)`: none), or the 409 of a cart that was paid.
async fn cart_state(state: &AppState, cart_id: &str) -> Result<Option<OpenOrder>, Response> {
    let cart = state.db.cart(cart_id).await.map_err(db_error)?;
    // A paid cart (or one whose payment a person must look at) is done: the Back button, a
    // duplicated tab or a stored cart must never get a second payable session for it.
    if let Some((order_id, status)) = cart.held {
        return Err(cart_taken(
            CART_PAID,
            &order_id,
            &status,
            format!(
                "this cart was already paid (order {order_id}, {status}): it cannot be paid again; \
                 start a new cart for another purchase"
            ),
        ));
    }
    Ok(cart.open)
}

/// The session of `order` (open, in the database), created with the order id as idempotency
/// key — the one Fintoc made for an earlier request with that key, if any — and recorded with
/// the order: `Some((session, token_expires_at))`. `None` when the order was closed meanwhile
/// (the session is then expired, so it cannot be paid: look at the cart again).
async fn session_for(
    state: &AppState,
    order: &OpenOrder,
) -> Result<Option<(CheckoutSession, i64)>, Response> {
    let amount = Amount::new(order.amount, Currency::Clp)
        .map_err(|e| error(StatusCode::BAD_REQUEST, "invalid_amount", e.to_string()))?;
    let page = return_page(order.return_to.as_deref());
    let create = CheckoutSessionCreate::new(amount)
        .metadata("order_id", &order.id)
        .return_to(&format!("{}{page}", state.public_url), &order.id);
    // The order id is the idempotency key: a retried request never creates a second session.
    let session = match state
        .fintoc
        .create_checkout_session_with_key(&create, &order.id)
        .await
    {
        Ok(session) => session,
        Err(e) => {
            eprintln!(
                "fintoc: creating the checkout session for {} failed: {e}",
                order.id
            );
            if !e.is_retryable() {
                // Fintoc refused it for good: this order cannot be paid.
                let _ = state
                    .db
                    .mark_error(&order.id, "checkout session not created")
                    .await;
            }
            // Otherwise it stays open without a session: the next request asks again with the
            // same key (Fintoc may have made it).
            return Err(unavailable());
        }
    };
    let expires_at = token_expires_at(&session, unix_now());
    match state
        .db
        .attach_session(&order.id, &session.id, expires_at)
        .await
    {
        Ok(true) => Ok(Some((session, expires_at))),
        Ok(false) => {
            // Closed meanwhile: this session must not stay payable.
            if !session.status.is_final() {
                if let Err(e) = state.fintoc.expire_checkout_session(&session.id).await {
                    eprintln!(
                        "ATTENTION: checkout session {} of the closed order {} could not be \
                         expired ({e}); a payment on it will be flagged paid_after_close",
                        session.id, order.id
                    );
                }
            }
            Ok(None)
        }
        Err(e) => Err(db_error(e)),
    }
}

fn answer_with(
    order_id: &str,
    session: &CheckoutSession,
    expires_at: i64,
    amount: u64,
) -> Response {
    match &session.session_token {
        Some(token) => answer(
            order_id,
            token,
            expires_at,
            session.redirect_url.as_deref(),
            amount,
        ),
        None => error(
            StatusCode::BAD_GATEWAY,
            "fintoc_unavailable",
            "the checkout session has no token",
        ),
    }
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
        "expires_at": fintoc_wasm::server::Timestamp::from_unix_seconds(token_expires_at).to_string(),
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

/// The cart's open order `open`: its session answered again (`Some`), or the order closed so
/// that a new one may be made (`None`); an error when it cannot be closed for sure.
async fn open_session(
    state: &AppState,
    open: &OpenOrder,
    lines: &[serde_json::Value],
    total: u64,
) -> Result<Option<Response>, Response> {
    let (session_id, mut token_expires_at, fetched) = match &open.checkout_session_id {
        Some(id) => (id.clone(), open.token_expires_at, None),
        // Its session is being made by another request, or a request failed half-way: the
        // same request to Fintoc (same idempotency key) gets that one session.
        None => match session_for(state, open).await? {
            Some((session, expires_at)) => (session.id.clone(), Some(expires_at), Some(session)),
            None => return Ok(None),
        },
    };
    let same = open.amount == total && same_items(&open.items, lines);
    let mut session = match fetched {
        Some(session) => session,
        None => match fetch_session(state, &session_id).await? {
            Some(session) => session,
            None => {
                // Fintoc does not know it: nothing can be paid on it.
                close(
                    state,
                    &open.id,
                    "failed",
                    Some("checkout session not found"),
                )
                .await?;
                return Ok(None);
            }
        },
    };
    let mut decision = decide(&session, same, token_expires_at, unix_now());
    if decision == Reuse::Expire {
        match state.fintoc.expire_checkout_session(&session_id).await {
            Ok(_) => {
                close(state, &open.id, "expired", None).await?;
                return Ok(None);
            }
            Err(e) => {
                // It may have just finished or expired: only a final session is safe to leave.
                let Some(now) = fetch_session(state, &session_id).await? else {
                    close(
                        state,
                        &open.id,
                        "failed",
                        Some("checkout session not found"),
                    )
                    .await?;
                    return Ok(None);
                };
                if !now.status.is_final() {
                    eprintln!("fintoc: expiring checkout session {session_id} failed: {e}");
                    return Err(unavailable());
                }
                session = now;
                token_expires_at = None;
                decision = decide(&session, false, None, unix_now());
            }
        }
    }
    match (decision, &session.session_token, token_expires_at) {
        (Reuse::Reuse, Some(token), Some(expires_at)) => Ok(Some(answer(
            &open.id,
            token,
            expires_at,
            session.redirect_url.as_deref(),
            total,
        ))),
        (Reuse::PaymentUnderway, _, _) => Err(cart_taken(
            PAYMENT_UNDERWAY,
            &open.id,
            "pending",
            format!(
                "this cart was paid, or its payment is being confirmed (order {}): wait for the \
                 confirmation before paying again",
                open.id
            ),
        )),
        _ => {
            // Final without a payment (expired, failed): closed here as its webhook will.
            let failed = session.payment_intent().and_then(|pi| {
                matches!(
                    pi.status,
                    PaymentIntentStatus::Failed | PaymentIntentStatus::Rejected
                )
                .then(|| {
                    pi.error_reason
                        .clone()
                        .unwrap_or_else(|| "payment_failed".into())
                })
            });
            match failed {
                Some(reason) => close(state, &open.id, "failed", Some(&reason)).await?,
                None => close(state, &open.id, "expired", None).await?,
            }
            Ok(None)
        }
    }
}

/// Closes an open order (see [`crate::db::Db::close_order`]); whoever closed it first wins.
async fn close(
    state: &AppState,
    order_id: &str,
    status: &str,
    reason: Option<&str>,
) -> Result<(), Response> {
    state
        .db
        .close_order(order_id, status, reason)
        .await
        .map(drop)
        .map_err(db_error)
}

/// `409` code: the cart has an order that was paid or is held for a person.
pub const CART_PAID: &str = "cart_paid";
/// `409` code: the cart's open order has a payment that succeeded or may still succeed.
pub const PAYMENT_UNDERWAY: &str = "payment_underway";

/// 409 `{"error": {code, message, order_id, order_status}}`: this cart already has a payment
/// (see [`CART_PAID`], [`PAYMENT_UNDERWAY`]); the page shows that order instead of a new one.
fn cart_taken(code: &str, order_id: &str, status: &str, message: String) -> Response {
    (
        StatusCode::CONFLICT,
        Json(json!({ "error": {
            "code": code,
            "message": message,
            "order_id": order_id,
            "order_status": status,
        }})),
    )
        .into_response()
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
    match state.db.order(&id).await {
        Ok(Some(order)) => Json(order).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "order_not_found",
            format!("no order `{id}`"),
        ),
        Err(e) => db_error(e),
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
            // Review finding: these were expired, possibly in the middle of a payment.
            (
                "in the widget, cart changed",
                session("in_progress", true, None),
                false,
                plenty,
                Reuse::PaymentUnderway,
            ),
            (
                "in the widget, token about to go",
                session("in_progress", true, None),
                true,
                Some(now + margin - 1),
                Reuse::PaymentUnderway,
            ),
            (
                "open, its payment in progress",
                session("created", true, Some("in_progress")),
                false,
                plenty,
                Reuse::PaymentUnderway,
            ),
            (
                "open, its payment pending",
                session("created", false, Some("pending")),
                true,
                plenty,
                Reuse::PaymentUnderway,
            ),
            (
                "a status we do not know, cart changed",
                session("paused", true, None),
                false,
                plenty,
                Reuse::PaymentUnderway,
            ),
            (
                "open, its payment failed: a new one may start",
                session("created", true, Some("failed")),
                false,
                plenty,
                Reuse::Expire,
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
                "finished, no payment we can read",
                session("finished", false, None),
                true,
                plenty,
                Reuse::PaymentUnderway,
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
            s.created_at = created.and_then(fintoc_wasm::server::Timestamp::parse_rfc3339);
            s.expires_at = expires.and_then(fintoc_wasm::server::Timestamp::parse_rfc3339);
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
