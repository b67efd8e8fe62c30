//! The shop (browser only).

use fintoc_wasm::error::SessionError;
use fintoc_wasm::leptos::FintocCheckout;
use fintoc_wasm::widget::Country;
use fintoc_wasm::{FintocError, LoadOptions, Payload, SessionSource};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shop_common::{
    cart_items, cart_total, clp, forget_cart, load_shop, mode_links, post_checkout,
    returned_payment, save_cart, saved_cart, unreachable, CheckoutRequest, Confirmations, Payment,
    Product, ShopConfig, LOADING,
};

pub fn run() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<(ShopConfig, Vec<Product>), String>>);
    spawn_local(async move {
        loaded.try_set(Some(load_shop().await));
    });
    move || match loaded.get() {
        None => view! { <main class="shop"><p class="muted">{LOADING}</p></main> }.into_any(),
        Some(Err(e)) => view! {
            <main class="shop">
                <p class="notice notice--error">
                    {unreachable(&e)}
                </p>
            </main>
        }
        .into_any(),
        Some(Ok((config, products))) => {
            view! { <Shop config=config products=products /> }.into_any()
        }
    }
}

#[component]
fn Shop(config: ShopConfig, products: Vec<Product>) -> impl IntoView {
    let n = products.len();
    // The cart survives a round trip to Fintoc's hosted page (sessionStorage).
    let (cart_id, saved) = saved_cart(n);
    let kept_id = StoredValue::new(cart_id.clone());
    let quantities = RwSignal::new(saved);
    let payment = RwSignal::new(Payment::None);
    let order_id = RwSignal::new(None::<String>);
    let products = StoredValue::new(products);

    let items = move || quantities.with(|q| products.with_value(|ps| cart_items(ps, q)));
    let total = move || quantities.with(|q| products.with_value(|ps| cart_total(ps, q)));
    let paying = move || payment.with(Payment::locks_the_cart);
    // The confirmation under way, dropped (stopped) with the shop.
    let confirming = StoredValue::new_local(Confirmations::default());
    let show = move |p| {
        payment.try_set(p);
    };

    // The shop's own session function: it posts the cart and keeps the order id the server
    // answers with. Its key is the cart: another cart is another purchase (a new widget).
    let session = Signal::derive_local(move || {
        let request = CheckoutRequest {
            cart_id: cart_id.clone(),
            items: items(),
            return_to: "/leptos/".into(),
        };
        let body = request.to_json();
        SessionSource::from_fn(body.clone(), move || {
            let body = body.clone();
            async move {
                // This cart already has a payment (the Back button, another tab): show that
                // order, never a second payment.
                let session = post_checkout(body, |id| {
                    payment.try_set(Payment::Confirming(id.clone()));
                    confirming.update_value(|c| c.after_success(&id, show));
                })
                .await?;
                order_id.try_set(session.get::<String>("order_id"));
                Ok::<_, SessionError>(session)
            }
        })
    });
    let on_success = move |_: Payload| {
        if let Some(id) = order_id.get_untracked() {
            payment.set(Payment::Confirming(id.clone()));
            confirming.update_value(|c| c.after_success(&id, show));
        }
    };
    let on_exit = move |_: Payload| {
        if let Some(id) = order_id.get_untracked() {
            confirming.update_value(|c| c.after_exit(&id, show));
        }
    };
    let on_error = move |e: FintocError| {
        web_sys::console::error_1(&format!("fintoc-wasm: {e}").into());
    };
    // Back from Fintoc's hosted page: confirm that order (success), or say it is still open.
    if let Some(back) = returned_payment() {
        match &back {
            Payment::Confirming(id) => confirming.update_value(|c| c.after_success(id, show)),
            Payment::Returning(id) => confirming.update_value(|c| c.after_return(id, show)),
            _ => {}
        }
        payment.set(back);
    }
    // A paid cart is done: the next visit starts a new one.
    Effect::new(move || {
        if payment.with(|p| matches!(p, Payment::Paid(_) | Payment::Review(_))) {
            forget_cart();
        }
    });
    let mode = config.checkout_mode();
    let load = LoadOptions::new().with_url(config.script_url());
    let sandbox = config.mode == "sandbox";
    let public_key = config.public_key.clone();
    let change = move |index: usize, delta: i32| {
        quantities.update(|q| {
            if let Some(q) = q.get_mut(index) {
                *q = q.saturating_add_signed(delta).min(20);
            }
            kept_id.with_value(|id| save_cart(id, q));
        });
        confirming.update_value(Confirmations::stop);
        payment.set(Payment::None);
    };

    view! {
        <main class="shop">
            <header class="shop__header">
                <h1>"Café Fintoc " <small class="muted">"(Leptos)"</small></h1>
                <Show when=move || sandbox>
                    <p class="badge">"Modo sandbox: sin cuenta Fintoc, sin dinero real"</p>
                </Show>
                <nav class="modes">
                    {mode_links(mode).into_iter().map(|(href, text, current)| view! {
                        <a href=href aria-current=current.then_some("true")>{text}</a>
                    }).collect_view()}
                </nav>
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
                        mode=mode
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
    payment.notice().map(|n| {
        view! {
            <p class=n.class role="status" data-order=n.order data-payment=n.state>{n.text}</p>
        }
    })
}
