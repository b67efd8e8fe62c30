//! Server-side rendering (native, yew's `ssr` feature): the component renders its button and
//! touches no browser API.
#![cfg(not(target_arch = "wasm32"))]

use fintoc_wasm::yew::{FintocCheckout, FintocCheckoutProps, Locale};
use fintoc_wasm::SessionSource;

/// Props are built on the renderer's thread (they hold `Rc`s, so they are not `Send`).
fn render(props: impl FnOnce() -> FintocCheckoutProps + Send + 'static) -> String {
    let renderer = yew::ServerRenderer::<FintocCheckout>::with_props(props).hydratable(false);
    futures::executor::block_on(renderer.render())
}

#[test]
fn ssr_renders_the_idle_button() {
    let html = render(|| {
        yew::props!(FintocCheckoutProps {
            public_key: "pk_test_ssr",
            session: SessionSource::endpoint("/api/checkout"),
            auto_open: true,
        })
    });
    assert_eq!(
        html,
        concat!(
            r#"<div data-state="idle" class="fintoc-checkout fintoc-checkout--idle">"#,
            r#"<button type="button" aria-busy="false" class="fintoc-checkout__button">"#,
            r#"<span class="fintoc-checkout__label">Pagar con Fintoc</span></button></div>"#
        )
    );
}

#[test]
fn ssr_renders_english_and_configuration_errors() {
    let html = render(|| {
        yew::props!(FintocCheckoutProps {
            public_key: "pk_test_ssr",
            session: SessionSource::endpoint("/api/checkout"),
            locale: Locale::En,
        })
    });
    assert!(html.contains("Pay with Fintoc"), "{html}");

    let html = render(|| {
        yew::props!(FintocCheckoutProps {
            public_key: "sk_test_oops",
            session: SessionSource::endpoint("/api/checkout"),
        })
    });
    assert!(html.contains(r#"data-state="failed""#), "{html}");
    assert!(
        html.contains("Este medio de pago no está bien configurado"),
        "{html}"
    );
}
