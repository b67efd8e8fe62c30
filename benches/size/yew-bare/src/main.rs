//! A bare Yew 0.23 app (a counter): the baseline for what <FintocCheckout> adds.
use yew::prelude::*;

#[component]
fn App() -> Html {
    let count = use_state(|| 0);
    let onclick = {
        let count = count.clone();
        Callback::from(move |_| count.set(*count + 1))
    };
    html! { <main><button {onclick}>{ *count }</button></main> }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
