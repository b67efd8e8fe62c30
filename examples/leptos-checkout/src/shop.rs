//! The shop (browser only).

use std::time::Duration;

use fintoc_wasm::confirm::{Confirm, Confirmation, Confirming, Verdict};
use fintoc_wasm::error::SessionError;
use fintoc_wasm::leptos::FintocCheckout;
use fintoc_wasm::session::parse_session_response;
use fintoc_wasm::widget::Country;
use fintoc_wasm::{Currency, FintocError, LoadOptions, Payload, SessionSource};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

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

#[derive(Clone, Debug, PartialEq)]
struct Order {
    id: String,
    status: String,
    amount: u64,
}

/// What the page tells the shopper about the payment.
#[derive(Clone, Debug, PartialEq)]
enum Payment {
    None,
    Confirming(String),
    Paid(Order),
    NotPaid(Order),
    Review(Order),
    /// The webhook had not decided by the deadline: the result goes out by email.
    StillPending(String),
}

fn clp(amount: u64) -> String {
    Currency::Clp.format(amount)
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

/// A random id (32 hex digits) from the browser's CSPRNG: one purchase.
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (js_sys::Math::random() * 256.0) as u8 ^ (i as u8);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn run() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<(ShopConfig, Vec<Product>), String>>);
    spawn_local(async move {
        let result = async {
            let config = get_json::<ShopConfig>("/api/config").await?;
            let catalogue = get_json::<Catalogue>("/api/products").await?;
            Ok((config, catalogue.products))
        };
        loaded.try_set(Some(result.await));
    });
    move || {
        match loaded.get() {
        None => view! { <main class="shop"><p class="muted">"Cargando la tienda…"</p></main> }.into_any(),
        Some(Err(e)) => view! {
            <main class="shop">
                <p class="notice notice--error">
                    {format!("No pudimos hablar con el servidor de la tienda ({e}). ¿Está corriendo scripts/demo?")}
                </p>
            </main>
        }
        .into_any(),
        Some(Ok((config, products))) => view! { <Shop config=config products=products /> }.into_any(),
    }
    }
}

#[component]
fn Shop(config: ShopConfig, products: Vec<Product>) -> impl IntoView {
    let n = products.len();
    let quantities = RwSignal::new(
        (0..n)
            .map(|i| u32::from(i == 0 || i + 1 == n))
            .collect::<Vec<_>>(),
    );
    let payment = RwSignal::new(Payment::None);
    let order_id = RwSignal::new(None::<String>);
    let cart_id = random_id();
    let products = StoredValue::new(products);

    let items = move || -> Vec<CartItem> {
        products.with_value(|ps| {
            ps.iter()
                .zip(quantities.get())
                .filter(|(_, q)| *q > 0)
                .map(|(p, q)| CartItem {
                    product_id: p.id.clone(),
                    quantity: q,
                })
                .collect()
        })
    };
    let total = move || -> u64 {
        products.with_value(|ps| {
            ps.iter()
                .zip(quantities.get())
                .map(|(p, q)| p.price * u64::from(q))
                .sum()
        })
    };
    let paying = move || {
        matches!(
            payment.get(),
            Payment::Confirming(_) | Payment::Paid(_) | Payment::Review(_)
        )
    };

    // The shop's own session function: it posts the cart and keeps the order id the server
    // answers with. Its key is the cart: another cart is another purchase (a new widget).
    let session = Signal::derive_local(move || {
        let body = serde_json::json!({ "cart_id": cart_id, "items": items() }).to_string();
        SessionSource::from_fn(body.clone(), move || {
            let body = body.clone();
            async move {
                let response = gloo_net::http::Request::post("/api/checkout")
                    .header("Content-Type", "application/json")
                    .body(body)
                    .map_err(|e| SessionError::custom(e.to_string()))?
                    .send()
                    .await
                    .map_err(|e| SessionError::custom(e.to_string()))?;
                let text = response
                    .text()
                    .await
                    .map_err(|e| SessionError::custom(e.to_string()))?;
                if !response.ok() {
                    return Err(SessionError::custom(format!("HTTP {}", response.status())));
                }
                let session = parse_session_response(&text, js_sys::Date::now())?;
                order_id.try_set(session.get::<String>("order_id"));
                Ok(session)
            }
        })
    });

    // The confirmation under way: replaced by the next one, dropped (stopped) by a cart change
    // or with the shop.
    let confirming = StoredValue::new_local(None::<Confirming>);
    let on_success = move |_: Payload| {
        if let Some(id) = order_id.get_untracked() {
            payment.set(Payment::Confirming(id.clone()));
            let at_deadline = Payment::StillPending(id.clone());
            confirming.set_value(Some(confirm_order(&id, 600, payment, at_deadline)));
        }
    };
    // After a rejected payment the widget also exits: ask a little while so the shopper sees
    // what the webhook says instead of just "closed".
    let on_exit = move |_: Payload| {
        if let Some(id) = order_id.get_untracked() {
            confirming.set_value(Some(confirm_order(&id, 15, payment, Payment::None)));
        }
    };
    let on_error = move |e: FintocError| {
        web_sys::console::error_1(&format!("fintoc-wasm: {e}").into());
    };
    let load = LoadOptions::new().url(config.script_url.clone());
    let sandbox = config.mode == "sandbox";
    let public_key = config.public_key.clone();
    let change = move |index: usize, delta: i32| {
        quantities.update(|q| {
            if let Some(q) = q.get_mut(index) {
                *q = q.saturating_add_signed(delta).min(20);
            }
        });
        confirming.set_value(None); // a new cart: the last payment's confirmation stops
        payment.set(Payment::None);
    };

    view! {
        <main class="shop">
            <header class="shop__header">
                <h1>"Café Fintoc " <small class="muted">"(Leptos)"</small></h1>
                <Show when=move || sandbox>
                    <p class="badge">"Modo sandbox: sin cuenta Fintoc, sin dinero real"</p>
                </Show>
            </header>
            <ul class="products">
                {products.with_value(|ps| ps.iter().enumerate().map(|(i, p)| {
                    let (minus, plus) = (format!("Quitar {}", p.name), format!("Agregar {}", p.name));
                    view! {
                        <li class="product" data-product=p.id.clone()>
                            <div>
                                <h2>{p.name.clone()}</h2>
                                <p class="muted">{p.description.clone()}</p>
                                <p class="price">{clp(p.price)}</p>
                            </div>
                            <div class="qty">
                                <button type="button" aria-label=minus disabled=paying on:click=move |_| change(i, -1)>"−"</button>
                                <span class="qty__value">{move || quantities.get().get(i).copied().unwrap_or(0)}</span>
                                <button type="button" aria-label=plus disabled=paying on:click=move |_| change(i, 1)>"+"</button>
                            </div>
                        </li>
                    }
                }).collect_view())}
            </ul>
            <section class="checkout">
                <p class="total">"Total: "<strong data-total=move || total().to_string()>{move || clp(total())}</strong></p>
                <Show when=move || !paying()>
                    <FintocCheckout
                        public_key=public_key.clone()
                        session=session
                        load=load.clone()
                        country=Country::Cl
                        on_success=on_success
                        on_exit=on_exit
                        on_error=on_error
                        disabled=Signal::derive(move || items().is_empty())
                        label=Signal::derive(move || format!("Pagar {} con Fintoc", clp(total()))) />
                </Show>
                {move || status(payment.get())}
            </section>
            <footer class="muted small">
                "Pago con " <a href="https://fintoc.com">"Fintoc"</a>
                " vía fintoc-wasm (Leptos). El pago se confirma con el webhook del servidor, no en el navegador."
            </footer>
        </main>
    }
}

fn status(payment: Payment) -> impl IntoView {
    match payment {
        Payment::None => ().into_any(),
        Payment::Confirming(id) => view! {
            <p class="notice" role="status" data-order=id data-payment="confirming">
                "Estamos confirmando tu pago con el banco…"
            </p>
        }
        .into_any(),
        Payment::Paid(order) => view! {
            <p class="notice notice--ok" role="status" data-order=order.id.clone() data-payment="paid">
                {format!("¡Pago confirmado! Pedido {} por {}. Gracias.", order.id, clp(order.amount))}
            </p>
        }
        .into_any(),
        Payment::Review(order) => view! {
            <p class="notice" role="status" data-order=order.id.clone() data-payment="review">
                {format!("Recibimos un pago para el pedido {} que debemos revisar; te contactaremos.", order.id)}
            </p>
        }
        .into_any(),
        Payment::StillPending(id) => view! {
            <p class="notice" role="status" data-order=id data-payment="still_pending">
                "Tu banco aún no confirma el pago. Te enviaremos el resultado por correo; no pagues de nuevo."
            </p>
        }
        .into_any(),
        Payment::NotPaid(order) => {
            let text = if order.status == "expired" {
                "La sesión de pago expiró; no se cobró nada. Puedes intentarlo de nuevo."
            } else {
                "El banco rechazó el pago; no se cobró nada. Puedes intentarlo de nuevo."
            };
            view! {
                <p class="notice notice--error" role="status" data-order=order.id.clone() data-payment=order.status.clone()>
                    {text}
                </p>
            }
            .into_any()
        }
    }
}

/// Asks the shop's order endpoint (about every second, for at most `seconds`) until its webhook
/// handler has decided the order; shows the answer, or `at_deadline`. Dropping the handle stops it.
fn confirm_order(
    id: &str,
    seconds: u64,
    payment: RwSignal<Payment>,
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
            payment.try_set(match result {
                Confirmation::Confirmed(o) if o.string("status").as_deref() == Some("paid") => {
                    Payment::Paid(order(&o))
                }
                Confirmation::Confirmed(o) => Payment::Review(order(&o)),
                Confirmation::NotPaid { order: o, .. } => Payment::NotPaid(order(&o)),
                Confirmation::StillPending => at_deadline,
            });
        })
}
