//! Seeded randomized sequences against the Yew `<FintocCheckout>` (mount, prop changes,
//! re-renders, clicks, the shopper, unmount, remount), with the invariants of
//! `adapter_sequences` checked after every step. CI runs a fixed seed, bounded; a longer run by
//! hand: `FINTOC_FUZZ_SEQUENCES=200 FINTOC_FUZZ_SEED=7 cargo test --target
//! wasm32-unknown-unknown --features testing,yew --test yew_sequences` (read at compile time).
#![cfg(target_arch = "wasm32")]

#[path = "adapter_sequences/mod.rs"]
mod adapter_sequences;
mod common;

use adapter_sequences::{error_entry, push, run, state_entry, Props, Ui};
use common::*;
use fintoc_wasm::yew::{FintocCheckout, FintocCheckoutProps};
use fintoc_wasm::{CheckoutState, FintocError, Payload, WidgetEvent};
use wasm_bindgen_test::*;
use yew::prelude::*;
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

/// The Yew component in its own element of the page.
#[derive(Default)]
struct YewUi {
    handle: Option<AppHandle<FintocCheckout>>,
    root: Option<web_sys::Element>,
}

fn yew_props(p: &Props) -> FintocCheckoutProps {
    let m = p.mount.clone();
    let (s, e, ok, x, ev) = (m.clone(), m.clone(), m.clone(), m.clone(), m);
    yew::props!(FintocCheckoutProps {
        public_key: p.public_key(),
        session: p.source(),
        mode: p.mode(),
        auto_open: p.auto_open,
        on_state: Callback::from(move |state: CheckoutState| state_entry(&s, &state)),
        on_error: Callback::from(move |error: FintocError| error_entry(&e, &error)),
        on_success: Callback::from(move |_: Payload| push(&ok, "success")),
        on_exit: Callback::from(move |_: Payload| push(&x, "exit")),
        on_event: Callback::from(move |event: WidgetEvent| push(
            &ev,
            &format!("event:{:?}", event.kind)
        )),
    })
}

impl Ui for YewUi {
    const MODE_IS_LIVE: bool = true;

    fn mount(&mut self, props: &Props) {
        let root = document().create_element("div").unwrap();
        document().body().unwrap().append_child(&root).unwrap();
        self.handle = Some(
            yew::Renderer::<FintocCheckout>::with_root_and_props(root.clone(), yew_props(props))
                .render(),
        );
        self.root = Some(root);
    }

    fn update(&mut self, props: &Props) {
        if let Some(handle) = self.handle.as_mut() {
            handle.update(yew_props(props));
        }
    }

    fn unmount(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        if let Some(root) = self.root.take() {
            root.remove();
        }
    }

    fn root(&self) -> Option<web_sys::Element> {
        self.root.as_ref()?.first_element_child()
    }
}

#[wasm_bindgen_test]
async fn random_sequences_of_the_yew_component_keep_every_invariant() {
    run("yew_sequences", YewUi::default).await;
}
