//! Server-side rendering with Leptos (native, leptos `ssr`): the component renders its button
//! and touches no browser API.
#![cfg(not(target_arch = "wasm32"))]

use fintoc_wasm::leptos::FintocCheckout;
use fintoc_wasm::ui::Locale;
use fintoc_wasm::SessionSource;
use leptos::prelude::*;

fn render(view: impl FnOnce() -> AnyView) -> String {
    let owner = Owner::new();
    owner.with(|| view().to_html())
}

#[test]
fn ssr_renders_the_idle_button() {
    let html = render(|| {
        let session = Signal::derive_local(|| SessionSource::endpoint("/api/checkout"));
        view! { <FintocCheckout public_key="pk_test_ssr" session=session auto_open=true /> }
            .into_any()
    });
    assert!(html.contains(r#"data-state="idle""#), "{html}");
    assert!(
        html.contains("fintoc-checkout fintoc-checkout--idle"),
        "{html}"
    );
    assert!(html.contains(r#"<button type="button""#), "{html}");
    assert!(html.contains("Pagar con Fintoc"), "{html}");
    assert!(html.contains(r#"aria-busy="false""#), "{html}");
}

#[test]
fn ssr_renders_english() {
    let html = render(|| {
        let session = Signal::derive_local(|| SessionSource::endpoint("/api/checkout"));
        view! { <FintocCheckout public_key="pk_test_ssr" session=session locale=Locale::En /> }
            .into_any()
    });
    assert!(html.contains("Pay with Fintoc"), "{html}");
}

/// A disabled checkout with the shop's own content in its label (rendered by the SSR test below
/// and kept as the hydration fixture `checkout-children.html`).
fn shop_content_checkout() -> AnyView {
    let session = Signal::derive_local(|| SessionSource::endpoint("/api/checkout"));
    view! {
        <FintocCheckout public_key="pk_test_ssr" session=session disabled=true class="shop">
            <strong>"Pagar $12.990"</strong>
        </FintocCheckout>
    }
    .into_any()
}

#[test]
fn ssr_renders_the_shops_content_in_the_label_and_a_disabled_button() {
    let html = render(shop_content_checkout);
    assert!(
        html.contains(
            r#"<span class="fintoc-checkout__label"><strong>Pagar $12.990</strong></span>"#
        ),
        "{html}"
    );
    let button = html
        .split("<button")
        .nth(1)
        .and_then(|b| b.split('>').next())
        .unwrap_or_default();
    assert!(
        button.contains("disabled"),
        "the button itself is disabled: {html}"
    );
    assert!(
        html.contains("fintoc-checkout fintoc-checkout--idle shop"),
        "{html}"
    );
}

#[test]
fn ssr_renders_the_shops_own_labels() {
    let mut labels = Locale::Es.labels().clone();
    labels.pay = "Pagar ahora";
    let html = render(move || {
        let session = Signal::derive_local(|| SessionSource::endpoint("/api/checkout"));
        view! { <FintocCheckout public_key="pk_test_ssr" session=session labels=labels /> }
            .into_any()
    });
    assert!(html.contains("Pagar ahora"), "{html}");
}

#[test]
fn the_components_make_nothing_a_server_thread_cannot_drop() {
    // The shop's session signal lives in an owner of its own, on this thread (a `SessionSource`
    // may hold the shop's closure: that signal is thread-local by nature). What the components
    // make while rendering is dropped on another thread, as a multi-threaded server may do.
    let shop = Owner::new();
    let session = shop.with(|| Signal::derive_local(|| SessionSource::endpoint("/api/checkout")));
    let page = Owner::new();
    let html = page.with(|| {
        view! {
            <FintocCheckout public_key="pk_test_ssr" session=session />
            <fintoc_wasm::leptos::FintocConfirmation url="/api/orders/ord_1" />
        }
        .to_html()
    });
    assert!(html.contains("fintoc-confirmation--confirming"), "{html}");
    std::thread::spawn(move || drop(page))
        .join()
        .expect("dropping the page's owner on another thread does not panic");
    drop(shop);
}

/// The server's markup, kept in `tests/data/leptos-hydrate/` for the browser test that hydrates
/// it (`tests/leptos_component.rs`): a change to what the server renders fails here until the
/// fixture is rewritten (`FINTOC_BLESS=1`), and the browser test then proves the client still
/// picks it up.
#[test]
fn the_server_markup_is_the_one_the_hydration_test_hydrates() {
    type Page = Box<dyn FnOnce() -> AnyView>;
    let cases: [(&str, Page); 3] = [
        (
            "checkout.html",
            Box::new(|| {
                let session = Signal::derive_local(|| SessionSource::endpoint("/api/checkout"));
                view! { <FintocCheckout public_key="pk_test_ssr" session=session /> }.into_any()
            }),
        ),
        ("checkout-children.html", Box::new(shop_content_checkout)),
        (
            "confirmation.html",
            Box::new(|| {
                view! { <fintoc_wasm::leptos::FintocConfirmation url="/api/orders/ord_1" /> }
                    .into_any()
            }),
        ),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/leptos-hydrate");
    let bless = std::env::var_os("FINTOC_BLESS").is_some();
    for (name, view) in cases {
        let html = render(view);
        let path = dir.join(name);
        if bless {
            std::fs::write(&path, &html).expect("write the fixture");
            continue;
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            kept.trim_end(),
            html,
            "the server renders {name} differently: rerun with FINTOC_BLESS=1 to rewrite \
             tests/data/leptos-hydrate/{name}, then run the browser tests (they hydrate it)"
        );
    }
}
