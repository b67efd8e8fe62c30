//! Café Fintoc: a small Yew shop that takes payment with `<FintocCheckout>`.
//!
//! It talks to the demo server (`examples/server`):
//! - `GET /api/config` → the public key and the Fintoc.js URL (the offline sandbox in sandbox mode);
//! - `POST /api/checkout` with the cart → `{order_id, session_token, expires_at}` (the server
//!   computes the amount and creates the Checkout Session with its secret key);
//! - `GET /api/orders/{id}` → the order, polled after `onSuccess` until the **webhook** has marked
//!   it paid, failed or expired. The page never trusts `onSuccess` alone.

use std::time::Duration;

use fintoc_wasm::confirm::{Confirm, Confirmation, Confirming, Verdict};
use fintoc_wasm::session::SessionResponse;
use fintoc_wasm::widget::Country;
use fintoc_wasm::yew::FintocCheckout;
use fintoc_wasm::{Currency, FintocError, LoadOptions, Payload, SessionEndpoint, SessionSource};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

/// A product, as the server's catalogue (`GET /api/products`) describes it. The server's
/// prices are the only ones that count: it computes the amount itself.
#[derive(Clone, Debug, PartialEq, Deserialize)]
struct Product {
    id: String,
    name: String,
    description: String,
    price: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
struct Catalogue {
    products: Vec<Product>,
}

/// `$12.990`: CLP has no decimals and uses `.` for thousands.
fn clp(amount: u64) -> String {
    Currency::Clp.format(amount)
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
struct ShopConfig {
    public_key: String,
    script_url: String,
    mode: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
struct CartItem {
    product_id: String,
    quantity: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
struct CheckoutRequest {
    /// One id per purchase (per page load): the server reuses the open session of this cart
    /// instead of leaving a second payable session for one order.
    cart_id: String,
    items: Vec<CartItem>,
}

#[derive(Clone, Debug, PartialEq)]
struct Order {
    id: String,
    status: String,
    amount: u64,
}

/// What the page tells the shopper about the payment.
#[derive(Clone, Debug, PartialEq)]
enum Payment {
    /// Nothing yet.
    None,
    /// The widget said success; waiting for the webhook.
    Confirming(String),
    /// The webhook confirmed it.
    Paid(Order),
    /// The webhook said failed / expired.
    NotPaid(Order),
    /// Paid, but the shop must look at it (a payment after the order closed, another amount):
    /// the shop contacts the customer.
    Review(Order),
    /// The webhook had not decided by the deadline: the result goes out by email.
    StillPending(String),
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    response.json::<T>().await.map_err(|e| e.to_string())
}

#[component]
fn App() -> Html {
    let loaded = use_state(|| None::<Result<(ShopConfig, Vec<Product>), String>>);
    {
        let loaded = loaded.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let result = async {
                    let config = get_json::<ShopConfig>("/api/config").await?;
                    let catalogue = get_json::<Catalogue>("/api/products").await?;
                    Ok((config, catalogue.products))
                };
                loaded.set(Some(result.await));
            });
        });
    }
    match &*loaded {
        None => html! { <main class="shop"><p class="muted">{ "Cargando la tienda…" }</p></main> },
        Some(Err(e)) => html! {
            <main class="shop">
                <p class="notice notice--error">
                    { format!("No pudimos hablar con el servidor de la tienda ({e}). ¿Está corriendo scripts/demo?") }
                </p>
            </main>
        },
        Some(Ok((config, products))) => html! {
            <Shop config={config.clone()} products={products.clone()} />
        },
    }
}

#[derive(Properties, PartialEq)]
struct ShopProps {
    config: ShopConfig,
    products: Vec<Product>,
}

#[component]
fn Shop(props: &ShopProps) -> Html {
    let products = &props.products;
    // Start with one of the first and last products in the cart.
    let quantities = {
        let n = products.len();
        use_state(move || {
            (0..n)
                .map(|i| u32::from(i == 0 || i + 1 == n))
                .collect::<Vec<_>>()
        })
    };
    let order_id = use_mut_ref(|| None::<String>);
    // The confirmation under way: replaced by the next one, dropped (stopped) on unmount.
    let confirming = use_mut_ref(|| None::<Confirming>);
    let cart_id = use_memo((), |_| random_id());
    let payment = use_state(|| Payment::None);

    let total: u64 = products
        .iter()
        .zip(quantities.iter())
        .map(|(p, q)| p.price * u64::from(*q))
        .sum();
    let items: Vec<CartItem> = products
        .iter()
        .zip(quantities.iter())
        .filter(|(_, q)| **q > 0)
        .map(|(p, q)| CartItem {
            product_id: p.id.clone(),
            quantity: *q,
        })
        .collect();
    let cart_empty = items.is_empty();
    let paying = matches!(
        *payment,
        Payment::Confirming(_) | Payment::Paid(_) | Payment::Review(_)
    );

    let change = |index: usize, delta: i32| {
        let quantities = quantities.clone();
        let payment = payment.clone();
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*quantities).clone();
            next[index] = next[index].saturating_add_signed(delta).min(20);
            quantities.set(next);
            payment.set(Payment::None);
            // A new cart: what the last payment's webhook says no longer shows here.
            confirming.borrow_mut().take();
        })
    };

    // The session body also carries our own order id: keep it to poll the order.
    let on_session = {
        let order_id = order_id.clone();
        Callback::from(move |session: SessionResponse| {
            *order_id.borrow_mut() = session.get::<String>("order_id");
        })
    };
    let on_success = {
        let (order_id, payment, confirming) =
            (order_id.clone(), payment.clone(), confirming.clone());
        Callback::from(move |_: Payload| {
            let Some(id) = order_id.borrow().clone() else {
                return;
            };
            payment.set(Payment::Confirming(id.clone()));
            let handle =
                confirm_order(&id, 600, payment.clone(), Payment::StillPending(id.clone()));
            *confirming.borrow_mut() = Some(handle);
        })
    };
    // After a rejected payment the widget also exits: ask a little while so the shopper sees
    // what the webhook says instead of just "closed".
    let on_exit = {
        let (order_id, payment, confirming) =
            (order_id.clone(), payment.clone(), confirming.clone());
        Callback::from(move |_: Payload| {
            if let Some(id) = order_id.borrow().clone() {
                let handle = confirm_order(&id, 15, payment.clone(), Payment::None);
                *confirming.borrow_mut() = Some(handle);
            }
        })
    };
    let on_error = Callback::from(|e: FintocError| {
        console_error(&format!("fintoc-wasm: {e}"));
    });
    let load = LoadOptions::new().url(props.config.script_url.clone());
    let session: SessionSource = SessionEndpoint::new("/api/checkout")
        .json(&CheckoutRequest {
            cart_id: (*cart_id).clone(),
            items,
        })
        .into();

    html! {
        <main class="shop">
            <header class="shop__header">
                <h1>{ "Café Fintoc" }</h1>
                if props.config.mode == "sandbox" {
                    <p class="badge">{ "Modo sandbox: sin cuenta Fintoc, sin dinero real" }</p>
                }
            </header>
            <ul class="products">
                { for products.iter().enumerate().map(|(i, p)| html! {
                    <li class="product" data-product={p.id.clone()}>
                        <div>
                            <h2>{ p.name.clone() }</h2>
                            <p class="muted">{ p.description.clone() }</p>
                            <p class="price">{ clp(p.price) }</p>
                        </div>
                        <div class="qty">
                            <button type="button" aria-label={format!("Quitar {}", p.name)}
                                disabled={paying} onclick={change(i, -1)}>{ "−" }</button>
                            <span class="qty__value" data-qty={p.id.clone()}>{ quantities[i] }</span>
                            <button type="button" aria-label={format!("Agregar {}", p.name)}
                                disabled={paying} onclick={change(i, 1)}>{ "+" }</button>
                        </div>
                    </li>
                }) }
            </ul>
            <section class="checkout">
                <p class="total">{ "Total: " }<strong data-total={total.to_string()}>{ clp(total) }</strong></p>
                if !paying {
                    <FintocCheckout
                        public_key={props.config.public_key.clone()}
                        {session}
                        {load}
                        country={Country::Cl}
                        {on_session}
                        {on_success}
                        {on_exit}
                        {on_error}
                        disabled={cart_empty}
                        label={format!("Pagar {} con Fintoc", clp(total))} />
                }
                <PaymentStatus payment={(*payment).clone()} />
            </section>
            <footer class="muted small">
                { "Pago con " }<a href="https://fintoc.com">{ "Fintoc" }</a>
                { " vía fintoc-wasm. El pago se confirma con el webhook del servidor, no en el navegador." }
            </footer>
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct PaymentStatusProps {
    payment: Payment,
}

#[component]
fn PaymentStatus(props: &PaymentStatusProps) -> Html {
    match &props.payment {
        Payment::None => html! {},
        Payment::Confirming(id) => html! {
            <p class="notice" role="status" data-order={id.clone()} data-payment="confirming">
                { "Estamos confirmando tu pago con el banco…" }
            </p>
        },
        Payment::Paid(order) => html! {
            <p class="notice notice--ok" role="status" data-order={order.id.clone()} data-payment="paid">
                { format!("¡Pago confirmado! Pedido {} por {}. Gracias.", order.id, clp(order.amount)) }
            </p>
        },
        Payment::Review(order) => html! {
            <p class="notice" role="status" data-order={order.id.clone()} data-payment="review">
                { format!("Recibimos un pago para el pedido {} que debemos revisar; te contactaremos.", order.id) }
            </p>
        },
        Payment::StillPending(id) => html! {
            <p class="notice" role="status" data-order={id.clone()} data-payment="still_pending">
                { "Tu banco aún no confirma el pago. Te enviaremos el resultado por correo; no pagues de nuevo." }
            </p>
        },
        Payment::NotPaid(order) => html! {
            <p class="notice notice--error" role="status" data-order={order.id.clone()} data-payment={order.status.clone()}>
                { if order.status == "expired" {
                    "La sesión de pago expiró; no se cobró nada. Puedes intentarlo de nuevo."
                } else {
                    "El banco rechazó el pago; no se cobró nada. Puedes intentarlo de nuevo."
                } }
            </p>
        },
    }
}

/// Asks the shop's order endpoint (about every second, for at most `seconds`) until its webhook
/// handler has decided the order; shows the answer, or `at_deadline`. Dropping the handle stops it.
fn confirm_order(
    id: &str,
    seconds: u64,
    payment: UseStateHandle<Payment>,
    at_deadline: Payment,
) -> Confirming {
    Confirm::order(format!("/api/orders/{id}"))
        .interval(Duration::from_secs(1), Duration::from_secs(1))
        .deadline(Duration::from_secs(seconds))
        // Paid orders the shop must look at are decided too: they are not "still pending".
        .read(|order| match order.string("status").as_deref() {
            Some("paid" | "paid_after_close" | "amount_mismatch" | "needs_review") => {
                Verdict::Confirmed
            }
            Some(status @ ("failed" | "expired")) => Verdict::NotPaid(Some(status.to_owned())),
            _ => Verdict::Pending,
        })
        .spawn(move |result| {
            let order = |o: &Payload| Order {
                id: o.string("id").unwrap_or_default(),
                status: o.string("status").unwrap_or_default(),
                amount: o.number("amount").unwrap_or(0.0) as u64,
            };
            payment.set(match result {
                Confirmation::Confirmed(o) if o.string("status").as_deref() == Some("paid") => {
                    Payment::Paid(order(&o))
                }
                Confirmation::Confirmed(o) => Payment::Review(order(&o)),
                Confirmation::NotPaid { order: o, .. } => Payment::NotPaid(order(&o)),
                Confirmation::StillPending => at_deadline,
            })
        })
}

/// A random id (32 hex digits) from the browser's CSPRNG.
fn random_id() -> String {
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

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

fn main() {
    yew::Renderer::<App>::new().render();
}

#[cfg(test)]
mod tests {
    use super::clp;

    #[test]
    fn clp_formatting() {
        assert_eq!(clp(0), "$0");
        assert_eq!(clp(990), "$990");
        assert_eq!(clp(2_500), "$2.500");
        assert_eq!(clp(12_990), "$12.990");
        assert_eq!(clp(1_234_567), "$1.234.567");
    }
}
