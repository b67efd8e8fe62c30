//! Café Fintoc: a small Yew shop that takes payment with `<FintocCheckout>`.
//!
//! It talks to the demo server (`examples/server`):
//! - `GET /api/config` → the public key and the Fintoc.js URL (the offline sandbox in sandbox mode);
//! - `POST /api/checkout` with the cart → `{order_id, session_token, expires_at}` (the server
//!   computes the amount and creates the Checkout Session with its secret key);
//! - `GET /api/orders/{id}` → the order, asked after `onSuccess` (`shop_common::Confirmations`,
//!   on `Confirm::spawn`) until the **webhook** has decided it. The page never trusts `onSuccess`
//!   alone.

use fintoc_wasm::session::SessionResponse;
use fintoc_wasm::widget::Country;
use fintoc_wasm::yew::FintocCheckout;
use fintoc_wasm::{FintocError, LoadOptions, Payload, SessionSource};
use shop_common::{
    cart_items, cart_total, clp, forget_cart, load_shop, mode_links, post_checkout,
    returned_payment, save_cart, saved_cart, unreachable, CheckoutRequest, Confirmations, Payment,
    Product, ShopConfig, LOADING,
};
use yew::prelude::*;

#[component]
fn App() -> Html {
    let loaded = use_state(|| None::<Result<(ShopConfig, Vec<Product>), String>>);
    {
        let loaded = loaded.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                loaded.set(Some(load_shop().await));
            });
        });
    }
    match &*loaded {
        None => html! { <main class="shop"><p class="muted">{ LOADING }</p></main> },
        Some(Err(e)) => html! {
            <main class="shop">
                <p class="notice notice--error">
                    { unreachable(e) }
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
    // The cart survives a round trip to Fintoc's hosted page (sessionStorage).
    let saved = {
        let n = products.len();
        use_memo((), move |_| saved_cart(n))
    };
    let quantities = {
        let saved = saved.clone();
        use_state(move || saved.1.clone())
    };
    let order_id = use_mut_ref(|| None::<String>);
    // The confirmation under way, dropped (stopped) with the shop.
    let confirming = use_mut_ref(Confirmations::default);
    let cart_id = use_memo((), move |_| saved.0.clone());
    let payment = use_state(|| Payment::None);

    // Back from Fintoc's hosted page: confirm that order (success), or say it is still open.
    {
        let (payment, confirming) = (payment.clone(), confirming.clone());
        use_effect_with((), move |_| {
            if let Some(back) = returned_payment() {
                let show = payment.setter();
                match &back {
                    Payment::Confirming(id) => confirming
                        .borrow_mut()
                        .after_success(id, move |p| show.set(p)),
                    Payment::Returning(id) => confirming
                        .borrow_mut()
                        .after_return(id, move |p| show.set(p)),
                    _ => {}
                }
                payment.set(back);
            }
        });
    }
    let mode = props.config.checkout_mode();

    let total = cart_total(products, &quantities);
    let items = cart_items(products, &quantities);
    let cart_empty = items.is_empty();
    let paying = payment.locks_the_cart();

    // A paid cart is done: the next visit starts a new one.
    use_effect_with((*payment).clone(), |payment| {
        if matches!(payment, Payment::Paid(_) | Payment::Review(_)) {
            forget_cart();
        }
    });
    let change = |index: usize, delta: i32| {
        let quantities = quantities.clone();
        let payment = payment.clone();
        let confirming = confirming.clone();
        let cart_id = cart_id.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*quantities).clone();
            next[index] = next[index].saturating_add_signed(delta).min(20);
            save_cart(&cart_id, &next);
            quantities.set(next);
            payment.set(Payment::None);
            confirming.borrow_mut().stop();
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
            let show = payment.setter();
            confirming
                .borrow_mut()
                .after_success(&id, move |p| show.set(p));
        })
    };
    let on_exit = {
        let (order_id, payment, confirming) =
            (order_id.clone(), payment.clone(), confirming.clone());
        Callback::from(move |_: Payload| {
            if let Some(id) = order_id.borrow().clone() {
                let show = payment.setter();
                confirming
                    .borrow_mut()
                    .after_exit(&id, move |p| show.set(p));
            }
        })
    };
    let on_error = Callback::from(|e: FintocError| {
        console_error(&format!("fintoc-wasm: {e}"));
    });
    let load = LoadOptions::new().with_url(props.config.script_url());
    let session = {
        let request = CheckoutRequest {
            cart_id: (*cart_id).clone(),
            items,
            return_to: "/".into(),
        };
        let body = request.to_json();
        let (payment, confirming) = (payment.clone(), confirming.clone());
        SessionSource::from_fn(body.clone(), move || {
            let (body, payment, confirming) = (body.clone(), payment.clone(), confirming.clone());
            // This cart already has a payment (the Back button, another tab): show that order,
            // never a second payment.
            post_checkout(body, move |id| {
                let show = payment.setter();
                payment.set(Payment::Confirming(id.clone()));
                confirming
                    .borrow_mut()
                    .after_success(&id, move |p| show.set(p));
            })
        })
    };

    html! {
        <main class="shop">
            <header class="shop__header">
                <h1>{ "Café Fintoc" }</h1>
                if props.config.mode == "sandbox" {
                    <p class="badge">{ "Modo sandbox: sin cuenta Fintoc, sin dinero real" }</p>
                }
                <nav class="modes">
                    { for mode_links(mode).into_iter().map(|(href, text, current)| html! {
                        <a {href} aria-current={current.then_some("true")}>{ text }</a>
                    }) }
                </nav>
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
                        {mode}
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
    match props.payment.notice() {
        None => html! {},
        Some(n) => html! {
            <p class={n.class} role="status" data-order={n.order} data-payment={n.state}>{ n.text }</p>
        },
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

fn main() {
    yew::Renderer::<App>::new().render();
}
