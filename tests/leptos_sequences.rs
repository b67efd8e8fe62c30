//! Seeded randomized sequences against the Leptos `<FintocCheckout/>` (mount, signal changes,
//! equal values set again, clicks, the shopper, unmount, remount), with the invariants of
//! `adapter_sequences` checked after every step. The mode is fixed per mount in Leptos: a new
//! mode comes with a remount. CI runs a fixed seed, bounded; a longer run by hand:
//! `FINTOC_FUZZ_SEQUENCES=200 FINTOC_FUZZ_SEED=7 cargo test --target wasm32-unknown-unknown
//! --features testing,leptos --test leptos_sequences` (read at compile time).
#![cfg(target_arch = "wasm32")]

#[path = "adapter_sequences/mod.rs"]
mod adapter_sequences;
mod common;

use std::cell::RefCell;
use std::rc::Rc;

use adapter_sequences::{error_entry, push, run, state_entry, Props, Ui};
use common::document;
use fintoc_wasm::leptos::FintocCheckout;
use fintoc_wasm::{CheckoutState, FintocError, Payload, SessionSource, WidgetEvent};
use leptos::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The Leptos component in its own element; its props are one signal (`update` sets it, equal
/// values included: every derived prop re-evaluates).
#[derive(Default)]
struct LeptosUi {
    handle: Option<Box<dyn std::any::Any>>,
    props: Rc<RefCell<Option<RwSignal<Props>>>>,
    root: Option<web_sys::HtmlElement>,
}

impl Ui for LeptosUi {
    const MODE_IS_LIVE: bool = false;

    fn mount(&mut self, props: &Props) {
        use wasm_bindgen::JsCast;
        let root: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&root).unwrap();
        let (initial, slot) = (props.clone(), self.props.clone());
        let handle = leptos::mount::mount_to(root.clone(), move || {
            let p = RwSignal::new(initial.clone());
            *slot.borrow_mut() = Some(p);
            let m = initial.mount.clone();
            let (s, e, ok, x, ev) = (m.clone(), m.clone(), m.clone(), m.clone(), m);
            let public_key = Signal::derive(move || p.get().public_key());
            let session = Signal::derive_local(move || -> SessionSource { p.get().source() });
            let auto_open = Signal::derive(move || p.get().auto_open);
            view! {
                <FintocCheckout
                    public_key=public_key
                    session=session
                    auto_open=auto_open
                    mode=initial.mode()
                    on_state=move |state: CheckoutState| state_entry(&s, &state)
                    on_error=move |error: FintocError| error_entry(&e, &error)
                    on_success=move |_: Payload| push(&ok, "success")
                    on_exit=move |_: Payload| push(&x, "exit")
                    on_event=move |event: WidgetEvent| push(&ev, &format!("event:{:?}", event.kind)) />
            }
        });
        self.handle = Some(Box::new(handle));
        self.root = Some(root);
    }

    fn update(&mut self, props: &Props) {
        let signal = *self.props.borrow();
        if let Some(signal) = signal {
            signal.set(props.clone());
        }
    }

    fn unmount(&mut self) {
        self.props.borrow_mut().take();
        drop(self.handle.take());
        if let Some(root) = self.root.take() {
            root.remove();
        }
    }

    fn root(&self) -> Option<web_sys::Element> {
        self.root.as_ref()?.first_element_child()
    }
}

#[wasm_bindgen_test]
async fn random_sequences_of_the_leptos_component_keep_every_invariant() {
    run("leptos_sequences", LeptosUi::default).await;
}
