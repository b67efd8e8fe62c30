//! The same counter app plus one <FintocCheckout>.
use fintoc_wasm::yew::FintocCheckout;
use fintoc_wasm::SessionSource;
use yew::prelude::*;

#[component]
fn App() -> Html {
    let count = use_state(|| 0);
    let onclick = {
        let count = count.clone();
        Callback::from(move |_| count.set(*count + 1))
    };
    html! {
        <main>
            <button {onclick}>{ *count }</button>
            <FintocCheckout public_key="pk_test_size" session={SessionSource::endpoint("/api/checkout")} />
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
