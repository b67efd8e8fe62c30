//! The shop's API: catalogue, checkout (order + Checkout Session), order status.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use fintoc_wasm::server::CheckoutSessionCreate;
use fintoc_wasm::{Amount, Currency};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{AppState, Mode};

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

/// `POST /api/checkout {"items":[{"product_id","quantity"}]}` → the order and its session token.
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
    let order_id = format!("ord_{}", uuid::Uuid::new_v4().simple());
    if let Err(e) = state
        .db
        .create_order(&order_id, total, Currency::Clp.code(), &json!(lines))
    {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "database", e.to_string());
    }
    let create = CheckoutSessionCreate::new(amount)
        .metadata("order_id", &order_id)
        .success_url(format!("{}/?order={order_id}", state.public_url))
        .cancel_url(format!("{}/", state.public_url));
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
            return error(
                StatusCode::BAD_GATEWAY,
                "fintoc_unavailable",
                "the payment provider is not available; try again in a moment",
            );
        }
    };
    if let Err(e) = state.db.attach_session(&order_id, &session.id) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "database", e.to_string());
    }
    let Some(token) = session.session_token else {
        return error(
            StatusCode::BAD_GATEWAY,
            "fintoc_unavailable",
            "the checkout session has no token",
        );
    };
    // Only what the browser needs: never the secret key, never the whole session.
    Json(json!({
        "order_id": order_id,
        "session_token": token,
        "expires_at": session.expires_at,
        "redirect_url": session.redirect_url,
        "amount": total,
        "currency": "CLP",
    }))
    .into_response()
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
