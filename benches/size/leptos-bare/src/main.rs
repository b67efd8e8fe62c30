//! A bare Leptos 0.8 CSR app (a counter): what every Leptos shop pays anyway.
use leptos::prelude::*;

#[component]
fn App() -> impl IntoView {
    let count = RwSignal::new(0);
    view! {
        <main>
            <button on:click=move |_| count.update(|c| *c += 1)>{move || count.get()}</button>
        </main>
    }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
