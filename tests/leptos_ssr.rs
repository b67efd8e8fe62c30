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
