//! What the demo's two Rust shops (`examples/yew-checkout`, `examples/leptos-checkout`) share,
//! so each thing is said once: the demo server's API (`examples/server`), what the shopper is
//! told about the payment, and the confirmation that asks the server until its **webhook**
//! handler has decided the order (the page never trusts `onSuccess` alone).
//!
//! - `GET /api/config` → [`ShopConfig`]; `GET /api/products` → [`Catalogue`];
//! - `POST /api/checkout` with a [`CheckoutRequest`] → `{order_id, session_token, …}`;
//! - `GET /api/orders/{id}` → the order, asked by [`confirm_order`].

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use fintoc_wasm::checkout::{ReturnUrl, Returned};
use fintoc_wasm::confirm::{Confirm, Confirmation, Confirming, Verdict};
use fintoc_wasm::{CheckoutMode, Currency, Payload};
use serde::{Deserialize, Serialize};

/// A product, as the server's catalogue describes it. The server's prices are the only ones
/// that count: it computes the amount itself.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Product {
    /// The id the cart sends.
    pub id: String,
    /// Its name.
    pub name: String,
    /// One line about it.
    pub description: String,
    /// In pesos (CLP has no decimals).
    pub price: u64,
}

/// `GET /api/products`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Catalogue {
    /// What the shop sells.
    pub products: Vec<Product>,
}

/// `GET /api/config`: what the page needs to pay.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ShopConfig {
    /// The public key (`pk_…`).
    pub public_key: String,
    /// Fintoc.js, or the offline sandbox standing in for it.
    pub script_url: String,
    /// `sandbox` or `live`.
    pub mode: String,
    /// `widget`, `redirect` or `widget_or_redirect` (the server's `CHECKOUT_MODE`).
    #[serde(default)]
    pub checkout_mode: String,
}

impl ShopConfig {
    /// How this page takes payment: the page's own `?mode=` (the demo's switch between the
    /// widget and Fintoc's hosted page; remembered for this tab, so the way back from the hosted
    /// page keeps it), else the server's.
    pub fn checkout_mode(&self) -> CheckoutMode {
        let asked = query_param("mode");
        if let (Some(mode), Some(s)) = (&asked, storage()) {
            let _ = s.set_item(MODE_KEY, mode);
        }
        let remembered =
            asked.or_else(|| storage().and_then(|s| s.get_item(MODE_KEY).ok().flatten()));
        CheckoutMode::from_name(remembered.as_deref().unwrap_or(&self.checkout_mode))
            .unwrap_or_default()
    }

    /// Where this page loads Fintoc.js from: the server's, or — with `?script=blocked`, the
    /// demo's stand-in for an ad blocker — a URL that answers 404.
    pub fn script_url(&self) -> String {
        if query_param("script").as_deref() == Some("blocked") {
            BLOCKED_SCRIPT.to_owned()
        } else {
            self.script_url.clone()
        }
    }
}

/// Where [`ShopConfig::checkout_mode`] remembers this tab's `?mode=`.
const MODE_KEY: &str = "fintoc-demo-mode";

/// What `?script=blocked` loads instead of Fintoc.js: an API route that does not exist (404).
pub const BLOCKED_SCRIPT: &str = "/api/blocked/fintoc.js";

/// A query parameter of this page's URL.
/// Letters, digits, `_` and `-` only (and not empty).
fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// The links of the demo's switch between the two flows, with the current one marked:
/// `(href, text, current)`.
pub fn mode_links(mode: CheckoutMode) -> [(&'static str, &'static str, bool); 2] {
    [
        (
            "?mode=widget",
            "Pagar aquí (widget)",
            mode != CheckoutMode::Redirect,
        ),
        (
            "?mode=redirect",
            "Pagar en la página de Fintoc",
            mode == CheckoutMode::Redirect,
        ),
    ]
}

/// Back from Fintoc's hosted page: what to show for the order in the URL (`None` when this
/// visit did not come from there) — `Confirming` it, or `Returning` to check it: neither way back
/// proves anything, the server's order says. The return parameters leave the URL (a reload does
/// not come back again); the demo's own `?mode=` and `?script=` stay.
pub fn returned_payment() -> Option<Payment> {
    let back = ReturnUrl::current()?;
    if let Some(window) = web_sys::window() {
        let path = window.location().pathname().unwrap_or_default();
        let kept: Vec<String> = ["mode", "script"]
            .iter()
            // The demo's own values are words (`redirect`, `blocked`): anything else is dropped
            // rather than put back into the URL undecoded.
            .filter_map(|name| {
                query_param(name)
                    .filter(|v| is_word(v))
                    .map(|v| format!("{name}={v}"))
            })
            .collect();
        let url = if kept.is_empty() {
            path
        } else {
            format!("{path}?{}", kept.join("&"))
        };
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
    // The server's order ids are words (`ord_…`); anything else is not one of ours.
    let id = back.order_id.filter(|id| is_word(id))?;
    Some(match back.returned {
        Returned::Success => Payment::Confirming(id),
        Returned::Cancel => Payment::Returning(id),
    })
}

/// This page's cart, kept in `sessionStorage` so a round trip to Fintoc's hosted page comes back
/// to the same cart (the same `cart_id`: the server then reuses or closes that cart's session
/// instead of leaving a second one payable): `(cart_id, quantities)`. A new cart is saved at once:
/// the starting cart can be paid as it is, and must come back as the same cart too.
pub fn saved_cart(products: usize) -> (String, Vec<u32>) {
    let saved = storage()
        .and_then(|s| s.get_item(&cart_key()).ok().flatten())
        .and_then(|text| {
            let (id, quantities) = text.split_once(':')?;
            let q: Option<Vec<u32>> = quantities.split(',').map(|q| q.parse().ok()).collect();
            Some((id.to_owned(), q?))
        })
        .filter(|(id, q)| id.len() == 32 && q.len() == products);
    saved.unwrap_or_else(|| {
        let (id, quantities) = (random_id(), starting_cart(products));
        save_cart(&id, &quantities);
        (id, quantities)
    })
}

/// Keeps the cart for [`saved_cart`].
pub fn save_cart(cart_id: &str, quantities: &[u32]) {
    let q: Vec<String> = quantities.iter().map(u32::to_string).collect();
    if let Some(s) = storage() {
        let _ = s.set_item(&cart_key(), &format!("{cart_id}:{}", q.join(",")));
    }
}

/// The cart was paid: the next visit starts a new one.
pub fn forget_cart() {
    if let Some(s) = storage() {
        let _ = s.remove_item(&cart_key());
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// One cart per shop page (`/`, `/leptos/`).
fn cart_key() -> String {
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    format!("fintoc-demo-cart:{path}")
}

/// One line of the cart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CartItem {
    /// A [`Product::id`].
    pub product_id: String,
    /// How many.
    pub quantity: u32,
}

/// `POST /api/checkout`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckoutRequest {
    /// One id per purchase (per page load): the server reuses the open session of this cart
    /// instead of leaving a second payable session for one order.
    pub cart_id: String,
    /// The cart.
    pub items: Vec<CartItem>,
    /// The shop page Fintoc's hosted page returns to (`/`, `/leptos/` or `/www/`).
    pub return_to: String,
}

impl CheckoutRequest {
    /// The JSON body (also the session source's key: another cart is another purchase).
    pub fn to_json(&self) -> String {
        // Strings and numbers: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The demo server's 409 codes for a cart that already has a payment (paid, held for a person,
/// or being confirmed): the page shows that order instead of starting another payment.
pub const CART_TAKEN: [&str; 2] = ["cart_paid", "payment_underway"];

#[derive(Deserialize)]
struct Refusal {
    error: RefusalError,
}

#[derive(Deserialize)]
struct RefusalError {
    code: String,
    #[serde(default)]
    order_id: Option<String>,
}

/// The order a 409 answer of `POST /api/checkout` names when the cart already has a payment
/// (one of [`CART_TAKEN`]); `None` for any other answer.
fn taken_by(refusal: Refusal) -> Option<String> {
    let RefusalError { code, order_id } = refusal.error;
    order_id.filter(|id| is_word(id) && CART_TAKEN.contains(&code.as_str()))
}

/// `POST /api/checkout` with `body` (a [`CheckoutRequest`] as JSON): the session for the widget.
/// When the server answers that this cart already has a payment (409, [`CART_TAKEN`]),
/// `on_taken` gets that order's id (show and confirm it: the cart is paid or being confirmed)
/// and the session is refused.
///
/// # Errors
/// The request failed, the server refused it, or the answer has no session token.
pub async fn post_checkout(
    body: String,
    on_taken: impl FnOnce(String),
) -> Result<fintoc_wasm::session::SessionResponse, fintoc_wasm::error::SessionError> {
    use fintoc_wasm::error::SessionError;
    let response = gloo_net::http::Request::post("/api/checkout")
        .header("Content-Type", "application/json")
        .body(body)
        .map_err(|e| SessionError::custom(e.to_string()))?
        .send()
        .await
        .map_err(|e| SessionError::custom(e.to_string()))?;
    if response.status() == 409 {
        let taken = response.json::<Refusal>().await.ok().and_then(taken_by);
        return Err(SessionError::custom(match taken {
            Some(order) => {
                on_taken(order.clone());
                format!("this cart already has a payment (order {order})")
            }
            None => "HTTP 409".to_owned(),
        }));
    }
    let text = response
        .text()
        .await
        .map_err(|e| SessionError::custom(e.to_string()))?;
    if !response.ok() {
        return Err(SessionError::custom(format!("HTTP {}", response.status())));
    }
    fintoc_wasm::session::parse_session_response(&text, js_sys::Date::now())
}

/// An order as `GET /api/orders/{id}` answers it.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    /// The shop's order id.
    pub id: String,
    /// What the server's webhook handler wrote: `pending`, `paid`, `failed`, `expired`,
    /// `paid_after_close`, `amount_mismatch`, `needs_review`.
    pub status: String,
    /// In pesos.
    pub amount: u64,
    /// The server is giving the payment back (a payment it could not keep: after the order
    /// closed, of another amount): see [`money_going_back`].
    pub refunded: bool,
}

impl Order {
    fn from_payload(order: &Payload, id: &str) -> Order {
        Order {
            id: order.string("id").unwrap_or_else(|| id.to_owned()),
            status: order.string("status").unwrap_or_default(),
            amount: order.number("amount").unwrap_or(0.0) as u64,
            refunded: money_going_back(&refund_statuses(order)),
        }
    }
}

/// The `status` of each of the order's `refunds` (`None` for one without a string status).
fn refund_statuses(order: &Payload) -> Vec<Option<String>> {
    use wasm_bindgen::JsCast;
    let refunds = js_sys::Reflect::get(order.raw(), &"refunds".into())
        .ok()
        .and_then(|r| r.dyn_into::<js_sys::Array>().ok());
    refunds
        .map(|list| {
            list.iter()
                .map(|r| {
                    js_sys::Reflect::get(&r, &"status".into())
                        .ok()
                        .and_then(|s| s.as_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the money is on its way back: the order has refunds (the server's
/// `GET /api/orders/{id}` lists them) and none failed, was canceled or could not be made (then
/// the shop looks at it and contacts the shopper).
pub fn money_going_back(statuses: &[Option<String>]) -> bool {
    !statuses.is_empty()
        && statuses.iter().all(|status| {
            !matches!(
                status.as_deref(),
                None | Some("failed" | "canceled" | "not_created")
            )
        })
}

/// What the page tells the shopper about the payment.
#[derive(Clone, Debug, PartialEq)]
pub enum Payment {
    /// Nothing yet.
    None,
    /// The widget said success; waiting for the webhook.
    Confirming(String),
    /// The webhook confirmed it.
    Paid(Order),
    /// The webhook said failed or expired.
    NotPaid(Order),
    /// Paid, but not kept (a payment after the order closed, another amount): the server gives
    /// it back ([`Order::refunded`]), or the shop looks at it and contacts the customer.
    Review(Order),
    /// The webhook had not decided by the deadline: the result goes out by email.
    StillPending(String),
    /// Back from Fintoc's hosted page through `cancel_url`: asking the server how the order
    /// stands (a payment may have gone through all the same).
    Returning(String),
    /// Back from Fintoc's hosted page, and the server's order is still open: nothing is paid.
    Cancelled(String),
}

/// One status line: `<p class role="status" data-order data-payment>text</p>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// CSS classes.
    pub class: &'static str,
    /// The order id (`data-order`).
    pub order: String,
    /// What the end-to-end tests look for (`data-payment`).
    pub state: String,
    /// What the shopper reads.
    pub text: String,
}

impl Payment {
    /// A payment is under way or done: the cart is locked and no pay button shows.
    pub fn locks_the_cart(&self) -> bool {
        matches!(
            self,
            Payment::Confirming(_)
                | Payment::Returning(_)
                | Payment::Paid(_)
                | Payment::Review(_)
                | Payment::StillPending(_)
        )
    }

    /// The status line, if there is one.
    pub fn notice(&self) -> Option<Notice> {
        let notice = |class, order: &str, state: &str, text: String| Notice {
            class,
            order: order.to_owned(),
            state: state.to_owned(),
            text,
        };
        Some(match self {
            Payment::None => return None,
            Payment::Confirming(id) => notice(
                "notice",
                id,
                "confirming",
                "Estamos confirmando tu pago con el banco…".into(),
            ),
            Payment::Paid(o) => notice(
                "notice notice--ok",
                &o.id,
                "paid",
                format!(
                    "¡Pago confirmado! Pedido {} por {}. Gracias.",
                    o.id,
                    clp(o.amount)
                ),
            ),
            Payment::Review(o) if o.refunded => notice(
                "notice",
                &o.id,
                "refunded",
                format!(
                    "Recibimos un pago para el pedido {} que no podemos aceptar: te lo \
                     devolvemos, el dinero va de vuelta a tu cuenta.",
                    o.id
                ),
            ),
            Payment::Review(o) => notice(
                "notice",
                &o.id,
                "review",
                format!(
                    "Recibimos un pago para el pedido {} que debemos revisar; te contactaremos.",
                    o.id
                ),
            ),
            Payment::NotPaid(o) => notice(
                "notice notice--error",
                &o.id,
                &o.status,
                if o.status == "expired" {
                    "La sesión de pago expiró sin un pago confirmado. Si tu banco muestra un \
                     cargo, escríbenos antes de pagar de nuevo."
                } else {
                    // `failed` is also the server's own errors: never "nothing was charged".
                    "El pago no se completó: el banco lo rechazó o no pudo procesarlo. Si tu \
                     banco muestra un cargo, escríbenos antes de pagar de nuevo; si no, puedes \
                     intentarlo otra vez."
                }
                .into(),
            ),
            Payment::Returning(id) => notice(
                "notice",
                id,
                "returning",
                format!("Volviste de Fintoc: revisamos el estado del pedido {id}…"),
            ),
            Payment::Cancelled(id) => notice(
                "notice",
                id,
                "cancelled",
                format!(
                    "Volviste de Fintoc sin pagar: el pedido {id} sigue pendiente, sin pago \
                     recibido. Puedes pagarlo cuando quieras."
                ),
            ),
            Payment::StillPending(id) => notice(
                "notice",
                id,
                "still_pending",
                format!(
                    "Tu banco aún no confirma el pago del pedido {id}. No pagues de nuevo: el \
                     pedido se actualiza solo cuando el banco responda."
                ),
            ),
        })
    }
}

/// Asks `GET /api/orders/{id}` (about every second, for at most `seconds`) until the server's
/// webhook handler has decided the order, then `show`s the answer — or `at_deadline`, if any.
/// Keep the handle with the page: dropping it (unmount, a new cart) stops the asking.
fn confirm_order(
    id: &str,
    seconds: u64,
    at_deadline: Option<Payment>,
    show: impl Fn(Payment) + 'static,
) -> Confirming {
    let known = id.to_owned();
    Confirm::order(format!("/api/orders/{id}"))
        .interval(Duration::from_secs(1), Duration::from_secs(1))
        .deadline(Duration::from_secs(seconds))
        .read(|order| verdict(order.string("status").as_deref()))
        .spawn(move |result| {
            let order = |o: &Payload| Order::from_payload(o, &known);
            let payment = match result {
                Confirmation::Confirmed(o) if o.string("status").as_deref() == Some("paid") => {
                    Payment::Paid(order(&o))
                }
                Confirmation::Confirmed(o) => Payment::Review(order(&o)),
                Confirmation::NotPaid { order: o, .. } => Payment::NotPaid(order(&o)),
                Confirmation::StillPending => match at_deadline {
                    Some(payment) => payment,
                    None => return,
                },
            };
            show(payment);
        })
}

/// The confirmation a shop page has under way, kept in the page's state (dropped with it).
///
/// One at a time, and a success's confirmation is never replaced by an exit's: the widget may
/// report both, and the exit's short ask must not end the wait for a payment that may land.
#[derive(Default)]
pub struct Confirmations {
    handle: Option<Confirming>,
    /// The success confirmation in `handle` has not answered yet.
    success_waiting: Rc<Cell<bool>>,
}

impl Confirmations {
    /// After the widget's `onSuccess`: asks for up to 10 minutes, then tells the shopper the
    /// order is still open ([`Payment::StillPending`]).
    pub fn after_success(&mut self, id: &str, show: impl Fn(Payment) + 'static) {
        let waiting = Rc::new(Cell::new(true));
        let answered = waiting.clone();
        let at_deadline = Payment::StillPending(id.to_owned());
        self.handle = Some(confirm_order(id, 600, Some(at_deadline), move |payment| {
            answered.set(false);
            show(payment)
        }));
        self.success_waiting = waiting;
    }

    /// After the widget's `onExit`: a bank rejection also closes the widget, so ask for 15 s
    /// what the webhook says (nothing is shown if it has not said). Ignored while a success is
    /// being confirmed.
    pub fn after_exit(&mut self, id: &str, show: impl Fn(Payment) + 'static) {
        if !self.success_waiting.get() {
            self.handle = Some(confirm_order(id, 15, None, show));
        }
    }

    /// Back through `cancel_url`: asks the server for a few seconds how the order stands (paid,
    /// failed, or still open — [`Payment::Cancelled`]) before the cart is offered again.
    pub fn after_return(&mut self, id: &str, show: impl Fn(Payment) + 'static) {
        let still_open = Payment::Cancelled(id.to_owned());
        self.handle = Some(confirm_order(id, 4, Some(still_open), show));
        self.success_waiting.set(false);
    }

    /// A new cart: whatever the last payment's webhook says no longer shows here.
    pub fn stop(&mut self) {
        self.handle = None;
        self.success_waiting.set(false);
    }
}

/// What an order status means for the asking. Paid orders the shop must look at
/// (`paid_after_close`, `amount_mismatch`) are decided; `needs_review` is not: a readable event
/// may still turn it into `paid`, so it is asked again like `pending`.
fn verdict(status: Option<&str>) -> Verdict {
    match status {
        Some("paid" | "paid_after_close" | "amount_mismatch") => Verdict::Confirmed,
        Some(status @ ("failed" | "expired")) => Verdict::NotPaid(Some(status.to_owned())),
        _ => Verdict::Pending,
    }
}

/// The shop's configuration and catalogue (`GET /api/config`, `GET /api/products`).
///
/// # Errors
/// Either request failed: the message says which (see [`get_json`]).
pub async fn load_shop() -> Result<(ShopConfig, Vec<Product>), String> {
    let config = get_json::<ShopConfig>("/api/config").await?;
    let catalogue = get_json::<Catalogue>("/api/products").await?;
    Ok((config, catalogue.products))
}

/// What the page says while [`load_shop`] runs.
pub const LOADING: &str = "Cargando la tienda…";

/// What the page says when [`load_shop`] failed.
pub fn unreachable(error: &str) -> String {
    format!(
        "No pudimos hablar con el servidor de la tienda ({error}). ¿Está corriendo scripts/demo?"
    )
}

/// The cart a visit starts with: one of the first and one of the last product.
pub fn starting_cart(products: usize) -> Vec<u32> {
    (0..products)
        .map(|i| u32::from(i == 0 || i + 1 == products))
        .collect()
}

/// The cart's lines (products with a quantity), as `POST /api/checkout` takes them.
pub fn cart_items(products: &[Product], quantities: &[u32]) -> Vec<CartItem> {
    products
        .iter()
        .zip(quantities)
        .filter(|(_, q)| **q > 0)
        .map(|(p, q)| CartItem {
            product_id: p.id.clone(),
            quantity: *q,
        })
        .collect()
}

/// What the page shows as the total (the server computes the amount it charges itself).
pub fn cart_total(products: &[Product], quantities: &[u32]) -> u64 {
    products
        .iter()
        .zip(quantities)
        .map(|(p, q)| p.price * u64::from(*q))
        .sum()
}

/// `$12.990`: CLP has no decimals and uses `.` for thousands.
pub fn clp(amount: u64) -> String {
    Currency::Clp.format(amount)
}

/// A GET of the shop's own JSON API.
///
/// # Errors
/// The request failed, answered non-2xx, or the JSON is not a `T`: the message says which.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    response.json::<T>().await.map_err(|e| e.to_string())
}

/// A random id (32 hex digits) from the browser's CSPRNG: one purchase.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No Web Crypto (very old browser): still unique enough for one cart.
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (js_sys::Math::random() * 256.0) as u8 ^ (i as u8);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_go_back_into_the_url_or_an_order_path() {
        assert!(is_word("ord_1f2e-3"));
        assert!(is_word("widget_or_redirect"));
        for bad in ["", "a&fintoc=success", "../checkout", "a b", "ord%2F1", "ñ"] {
            assert!(!is_word(bad), "{bad}");
        }
    }

    #[test]
    fn the_cart_starts_with_the_first_and_last_product_and_counts_what_is_in_it() {
        assert_eq!(starting_cart(3), vec![1, 0, 1]);
        assert_eq!(starting_cart(1), vec![1]);
        let product = |id: &str, price| Product {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            price,
        };
        let products = [product("a", 2_500), product("b", 990), product("c", 12_990)];
        let items = cart_items(&products, &[2, 0, 1]);
        let ids: Vec<_> = items
            .iter()
            .map(|i| (i.product_id.as_str(), i.quantity))
            .collect();
        assert_eq!(ids, [("a", 2), ("c", 1)]);
        assert_eq!(cart_total(&products, &[2, 0, 1]), 17_990);
    }

    #[test]
    fn clp_formatting() {
        assert_eq!(clp(0), "$0");
        assert_eq!(clp(990), "$990");
        assert_eq!(clp(2_500), "$2.500");
        assert_eq!(clp(12_990), "$12.990");
        assert_eq!(clp(1_234_567), "$1.234.567");
    }

    #[test]
    fn a_cart_that_already_has_a_payment_names_its_order() {
        let read = |body: &str| {
            serde_json::from_str::<Refusal>(body)
                .ok()
                .and_then(taken_by)
        };
        assert_eq!(
            read(
                r#"{"error":{"code":"cart_paid","message":"…","order_id":"ord_1","order_status":"paid"}}"#
            ),
            Some("ord_1".into())
        );
        assert_eq!(
            read(r#"{"error":{"code":"payment_underway","message":"…","order_id":"ord_2"}}"#),
            Some("ord_2".into())
        );
        for other in [
            r#"{"error":{"code":"fintoc_unavailable","message":"…"}}"#,
            r#"{"error":{"code":"cart_paid","message":"…"}}"#,
            r#"{"error":{"code":"cart_paid","order_id":"../x"}}"#,
            "<html>",
        ] {
            assert_eq!(read(other), None, "{other}");
        }
    }

    #[test]
    fn the_money_is_on_its_way_back_only_while_no_refund_failed() {
        let of = |statuses: &[Option<&str>]| {
            money_going_back(
                &statuses
                    .iter()
                    .map(|s| s.map(str::to_owned))
                    .collect::<Vec<_>>(),
            )
        };
        for going in [
            &[Some("requesting")][..],
            &[Some("created")],
            &[Some("in_progress"), Some("succeeded")],
            &[Some("succeeded")],
        ] {
            assert!(of(going), "{going:?}");
        }
        for not in [
            &[][..],
            &[Some("failed")],
            &[Some("succeeded"), Some("not_created")],
            &[Some("canceled")],
            &[None],
        ] {
            assert!(!of(not), "{not:?}");
        }
    }

    #[test]
    fn final_statuses_are_decided_and_open_ones_are_asked_again() {
        for paid in ["paid", "paid_after_close", "amount_mismatch"] {
            assert_eq!(verdict(Some(paid)), Verdict::Confirmed, "{paid}");
        }
        assert_eq!(
            verdict(Some("failed")),
            Verdict::NotPaid(Some("failed".into()))
        );
        assert_eq!(
            verdict(Some("expired")),
            Verdict::NotPaid(Some("expired".into()))
        );
        // The server may still move `needs_review` to `paid` when a readable event arrives.
        for open in [
            Some("pending"),
            Some("needs_review"),
            Some("something_new"),
            None,
        ] {
            assert_eq!(verdict(open), Verdict::Pending, "{open:?}");
        }
    }

    #[test]
    fn a_payment_under_way_or_done_locks_the_cart_and_a_refused_one_does_not() {
        let order = Order {
            id: "ord_1".into(),
            status: "paid".into(),
            amount: 990,
            refunded: false,
        };
        let locked = [
            Payment::Confirming("ord_1".into()),
            Payment::Paid(order.clone()),
            Payment::Review(Order {
                status: "amount_mismatch".into(),
                ..order.clone()
            }),
            Payment::StillPending("ord_1".into()),
        ];
        for payment in locked {
            assert!(payment.locks_the_cart(), "{payment:?}");
            assert!(payment.notice().is_some(), "{payment:?} says something");
        }
        let refused = Payment::NotPaid(Order {
            status: "failed".into(),
            ..order.clone()
        });
        assert!(!refused.locks_the_cart(), "the shopper may try again");
        assert!(!Payment::None.locks_the_cart());
        assert_eq!(Payment::None.notice(), None);
    }

    #[test]
    fn the_shopper_reads_the_order_and_what_to_do() {
        let order = Order {
            id: "ord_1".into(),
            status: "paid".into(),
            amount: 990,
            refunded: false,
        };
        let refunded = Order {
            status: "paid_after_close".into(),
            refunded: true,
            ..order.clone()
        };
        let told = Payment::Review(refunded.clone()).notice();
        assert_eq!(told.as_ref().map(|n| n.state.as_str()), Some("refunded"));
        assert!(told.is_some_and(|n| n.text.contains("va de vuelta a tu cuenta")));
        let review = Payment::Review(Order {
            refunded: false,
            ..refunded
        })
        .notice();
        assert_eq!(review.map(|n| n.state), Some("review".to_owned()));
        assert_eq!(
            Payment::Paid(order).notice().map(|n| n.text),
            Some("¡Pago confirmado! Pedido ord_1 por $990. Gracias.".into())
        );
        let still = Payment::StillPending("ord_1".into()).notice();
        assert_eq!(
            still.as_ref().map(|n| n.state.as_str()),
            Some("still_pending")
        );
        assert!(still.is_some_and(|n| n.text.contains("ord_1") && n.text.contains("No pagues")));
    }
}
