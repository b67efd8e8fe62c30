//! `<FintocCheckout/>`: a pay button with progress, error, retry and fallback states, drawn from
//! the shared [`ui::view`](crate::ui::view) (the same as the Yew component).

use leptos::prelude::*;

use super::hook::{use_fintoc_checkout, FintocCheckoutOptions};
use crate::checkout::CheckoutState;
use crate::error::FintocError;
use crate::load::LoadOptions;
use crate::session::{SessionResponse, SessionSource};
use crate::ui::{class, view as ui_view, Locale};
use crate::widget::{Country, HolderType, Payload, Product, Username, WidgetEvent};

/// A "Pay with Fintoc" button that runs the whole checkout.
///
/// A real `<button type="button">`; while opening it is disabled with `aria-busy="true"` and a
/// spinner; on failure the shopper gets a friendly message (the technical one goes to
/// `on_error`, and to the console in debug builds), a retry button, and — when the script
/// cannot load but the session carried an `https:` `redirect_url` — a link to Fintoc's hosted
/// page. The pointer entering the button, or focus, prepares (`prefetch`, default on; not on a
/// disabled button). Class names are in [`crate::ui::class`]; no inline styles.
///
/// **SSR** (leptos `ssr`): renders the idle button and touches no browser API; loading happens
/// in effects, on the client. With `hydrate` it picks up on the client from the same markup.
///
/// ```no_run
/// use fintoc_wasm::leptos::FintocCheckout;
/// use fintoc_wasm::{Payload, SessionEndpoint, SessionSource};
/// use leptos::prelude::*;
///
/// #[component]
/// fn Cart() -> impl IntoView {
///     let items = RwSignal::new(vec![("cafe", 2)]);
///     let session = Signal::derive_local(move || {
///         SessionSource::from(SessionEndpoint::new("/api/checkout").json(&items.get()))
///     });
///     view! {
///         <FintocCheckout
///             public_key="pk_test_abc123"
///             session=session
///             on_success=move |_: Payload| { /* "confirming…": the webhook decides */ }
///             label="Pagar $12.990" />
///     }
/// }
/// ```
#[component]
pub fn FintocCheckout(
    /// `pk_test_…` / `pk_live_…`; an `sk_…` key renders a configuration error.
    #[prop(into)]
    public_key: Signal<String>,
    /// Where the session token comes from: a `SessionEndpoint`, a `SessionToken`, or
    /// `SessionSource::from_fn(key, …)`; a new source (a new cart) recreates the widget.
    #[prop(into)]
    session: Signal<SessionSource, LocalStorage>,
    /// The widget reported success (not proof of payment: the webhook is).
    #[prop(into, optional)]
    on_success: Option<Callback<Payload>>,
    /// The shopper closed the widget.
    #[prop(into, optional)]
    on_exit: Option<Callback<Payload>>,
    /// Every widget event.
    #[prop(into, optional)]
    on_event: Option<Callback<WidgetEvent>>,
    /// Any failure, with the technical message.
    #[prop(into, optional)]
    on_error: Option<Callback<FintocError>>,
    /// Every state change.
    #[prop(into, optional)]
    on_state: Option<Callback<CheckoutState>>,
    /// Each new session response (read your backend's fields, e.g. an order id, with
    /// `SessionResponse::get`).
    #[prop(into, optional)]
    on_session: Option<Callback<SessionResponse>>,
    /// The product (default payments). Reactive, like the next four: a change reaches the next
    /// widget without recreating this one.
    #[prop(into, optional)]
    product: MaybeProp<Product>,
    /// The country (`cl` when unset).
    #[prop(into, optional)]
    country: MaybeProp<Country>,
    /// The holder type.
    #[prop(into, optional)]
    holder_type: MaybeProp<HolderType>,
    /// Preselected bank, e.g. `cl_banco_estado`.
    #[prop(into, optional)]
    institution_id: MaybeProp<String>,
    /// Prefilled bank username.
    #[prop(into, optional)]
    username: MaybeProp<Username>,
    /// Script URL, CSP nonce, timeout (default: the real Fintoc.js).
    #[prop(into, optional)]
    load: Option<Signal<LoadOptions>>,
    /// Open on mount (and whenever the key or session source changes).
    #[prop(into, optional)]
    auto_open: Signal<bool>,
    /// Start loading the script on mount (default `true`).
    #[prop(default = true)]
    preload: bool,
    /// Prepare on hover/focus (default `true`).
    #[prop(default = true)]
    prefetch: bool,
    /// The button text (children, when given, replace it).
    #[prop(into, optional)]
    label: Option<Signal<String>>,
    /// Language of the default texts (Spanish by default).
    #[prop(optional)]
    locale: Locale,
    /// Extra classes on the root element.
    #[prop(into, optional)]
    class: Option<String>,
    /// Disables the button (e.g. an empty cart).
    #[prop(into, optional)]
    disabled: Signal<bool>,
    /// Button content instead of the label.
    #[prop(optional)]
    children: Option<ChildrenFn>,
) -> impl IntoView {
    let mut options = FintocCheckoutOptions::new(public_key, session)
        // Read inside the tracked config effect: these props are reactive.
        .widget(move |mut w| {
            if let Some(product) = product.get() {
                w = w.product(product);
            }
            if let Some(country) = country.get() {
                w = w.country(country);
            }
            if let Some(holder_type) = holder_type.get() {
                w = w.holder_type(holder_type);
            }
            if let Some(id) = institution_id.get() {
                w = w.institution_id(id);
            }
            if let Some(username) = username.get() {
                w = w.username(username);
            }
            w
        })
        .auto_open(auto_open)
        .preload(preload)
        .on_success(on_success)
        .on_exit(on_exit)
        .on_event(on_event)
        .on_error(on_error)
        .on_state(on_state)
        .on_session(on_session);
    if let Some(load) = load {
        options = options.load(load);
    }
    let checkout = use_fintoc_checkout(options);
    let labels = locale.labels();
    let shown = move || {
        let state = checkout.state.get();
        let redirect = checkout.redirect_url.get();
        let v = ui_view(&state, redirect.as_deref(), labels);
        (
            (v.state, v.modifier),
            v.button,
            v.busy,
            v.status,
            v.error,
            v.retry,
            v.fallback.map(str::to_owned),
        )
    };
    let shown = Memo::new(move |_| shown());
    let busy = move || shown.get().2;
    let intent = move || {
        if prefetch && !disabled.get_untracked() {
            checkout.prepare();
        }
    };
    let root_class = move || {
        let modifier = shown.get().0 .1;
        match &class {
            Some(extra) => format!("{} {modifier} {extra}", class::ROOT),
            None => format!("{} {modifier}", class::ROOT),
        }
    };
    let content = move || {
        if busy() {
            view! {
                <span class=class::SPINNER aria-hidden="true"></span>
                <span class=class::LABEL>{labels.preparing}</span>
            }
            .into_any()
        } else if let Some(children) = &children {
            children().into_any()
        } else {
            let text = move || {
                label
                    .map(|l| l.get())
                    .unwrap_or_else(|| labels.pay.to_owned())
            };
            view! { <span class=class::LABEL>{text}</span> }.into_any()
        }
    };
    view! {
        <div class=root_class data-state=move || shown.get().0 .0>
            {move || shown.get().4.map(|text| {
                let (retry, fallback) = (shown.get().5, shown.get().6);
                view! {
                    <div class=class::ERROR role="alert">
                        <p class=class::ERROR_MESSAGE>{text}</p>
                        {retry.then(|| view! {
                            <button type="button" class=class::RETRY on:click=move |_| checkout.retry()>
                                {labels.retry}
                            </button>
                        })}
                        {fallback.map(|url| view! {
                            <a class=class::FALLBACK href=url rel="noopener">{labels.continue_on_fintoc}</a>
                        })}
                    </div>
                }
            })}
            <Show when=move || shown.get().1>
                <button
                    type="button"
                    class=class::BUTTON
                    disabled=move || busy() || disabled.get()
                    aria-busy=move || if busy() { "true" } else { "false" }
                    on:pointerenter=move |_| intent()
                    on:focus=move |_| intent()
                    on:click=move |_| checkout.open()
                >
                    {content.clone()}
                </button>
            </Show>
            {move || shown.get().3.map(|text| view! {
                <p class=class::STATUS role="status">{text}</p>
            })}
        </div>
    }
}
