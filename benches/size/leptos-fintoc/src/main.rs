//! The same counter app plus one <FintocCheckout/>.
use fintoc_wasm::leptos::FintocCheckout;
use fintoc_wasm::SessionSource;
use leptos::prelude::*;

#[component]
fn App() -> impl IntoView {
    let count = RwSignal::new(0);
    let session = Signal::derive_local(|| SessionSource::endpoint("/api/checkout"));
    view! {
        <main>
            <button on:click=move |_| count.update(|c| *c += 1)>{move || count.get()}</button>
            <FintocCheckout public_key="pk_test_size" session=session />
        </main>
    }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
