//! `<FintocCheckout/>`: a pay button with progress, error, retry and fallback states, drawn from
//! the shared [`ui::view`](crate::ui::view) (the same as the Yew component).

use leptos::either::Either;
use leptos::prelude::*;

use super::hook::{use_fintoc_checkout, FintocCheckoutOptions};
use crate::checkout::{CheckoutMode, CheckoutState};
use crate::error::FintocError;
use crate::load::LoadOptions;
use crate::session::{SessionResponse, SessionSource};
use crate::ui::dom::{root_class, Drawing, Intent};
use crate::ui::{class, view as ui_view, Labels, Locale};
use crate::widget::{
    Country, HolderType, Payload, Product, Username, WidgetEvent, WidgetOptionsBuilder,
};

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
    /// The product (default payments). Fixed per checkout, like `country` and `holder_type`
    /// (for options that follow signals, see `widget`).
    #[prop(optional)]
    product: Option<Product>,
    /// The country (`cl` when unset). Fixed per checkout.
    #[prop(optional)]
    country: Option<Country>,
    /// The holder type. Fixed per checkout.
    #[prop(optional)]
    holder_type: Option<HolderType>,
    /// Preselected bank, e.g. `cl_banco_estado`. Fixed per checkout.
    #[prop(into, optional)]
    institution_id: Option<String>,
    /// Prefilled bank username. Fixed per checkout: for one the shopper types in your form, use
    /// `widget`.
    #[prop(into, optional)]
    username: Option<Username>,
    /// Widget options that follow signals, read inside the hook's tracked effect: a change
    /// reaches the next widget without recreating this one
    /// (`widget=move |w: WidgetOptionsBuilder| w.username(rut.get())`). Applied after the fixed
    /// props above.
    #[prop(into, optional)]
    widget: Option<Callback<WidgetOptionsBuilder, WidgetOptionsBuilder>>,
    /// Script URL, CSP nonce, timeout (default: the real Fintoc.js).
    #[prop(optional)]
    load: Option<LoadOptions>,
    /// Open on mount (and whenever the key or session source changes). In redirect mode this
    /// leaves for Fintoc's hosted page as soon as the session arrives: only for a page whose
    /// whole purpose is to pay.
    #[prop(into, optional)]
    auto_open: Signal<bool>,
    /// Start loading the script on mount (default `true`; nothing to load in redirect mode).
    #[prop(default = true)]
    preload: bool,
    /// The widget (default), Fintoc's hosted page, or the widget with the hosted page when its
    /// script is blocked (`CheckoutMode`). Fixed per checkout.
    #[prop(optional)]
    mode: CheckoutMode,
    /// Prepare on hover/focus (default `true`).
    #[prop(default = true)]
    prefetch: bool,
    /// The button text (children, when given, replace it).
    #[prop(into, optional)]
    label: Option<Signal<String>>,
    /// Language of the default texts (Spanish by default).
    #[prop(optional)]
    locale: Locale,
    /// Your own texts instead of the locale's (start from `Locale::Es.labels().clone()` and
    /// change the fields you want).
    #[prop(optional)]
    labels: Option<Labels>,
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
        .widget(move |mut w| {
            if let Some(product) = &product {
                w = w.product(product.clone());
            }
            if let Some(country) = country {
                w = w.country(country);
            }
            if let Some(holder_type) = holder_type {
                w = w.holder_type(holder_type);
            }
            if let Some(id) = &institution_id {
                w = w.institution_id(id.as_str());
            }
            if let Some(username) = &username {
                w = w.username(username.clone());
            }
            match widget {
                Some(f) => f.try_run(w.clone()).unwrap_or(w),
                None => w,
            }
        })
        .auto_open(auto_open)
        .preload(preload)
        .mode(mode)
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
    let labels = labels.unwrap_or_else(|| locale.labels().clone());
    let extra = class.unwrap_or_default();
    let pay_text = move || {
        label
            .map(|l| l.get())
            .unwrap_or_else(|| labels.pay.to_owned())
    };

    // The DOM after the first render is drawn by the shared `ui` drawing (src/ui.js), one
    // effect redrawing it on every state change, not a reactive node per attribute (size:
    // docs/size.md). The button keeps its focus.
    let root = NodeRef::<leptos::html::Div>::new();
    // Browser only (see the hook's slot): nothing thread-local is made on a server.
    let drawing: Option<StoredValue<Option<Drawing>, LocalStorage>> =
        crate::browser::IS_BROWSER_TARGET.then(|| StoredValue::new_local(None));
    let own_content = children.is_some();
    let draw_labels = labels.clone();
    let draw_extra = extra.clone();
    Effect::new(move || {
        let (Some(el), Some(drawing)) = (root.get(), drawing) else {
            return;
        };
        checkout.changed.track();
        let text = (!own_content).then(pay_text);
        let disabled_now = disabled.get();
        if drawing.with_value(Option::is_none) {
            let mounted = Drawing::mount(&el, move |intent| match intent {
                Intent::Pay => checkout.open(),
                Intent::Retry => checkout.retry(),
                // Not on a disabled button (an empty cart): its session request could only fail.
                // A `disabled` signal already disposed (its owner unmounted first) reads as disabled.
                Intent::Prefetch => {
                    if prefetch && !disabled.try_get_untracked().unwrap_or(true) {
                        checkout.prepare();
                    }
                }
            });
            drawing.set_value(mounted);
        }
        let state = checkout.state_now();
        let redirect = checkout.checkout().and_then(|c| c.redirect_url());
        let v = ui_view(&state, redirect.as_deref(), &draw_labels);
        // No arena borrow while the drawing calls JS: the value is taken out and put back.
        let taken = drawing.try_update_value(Option::take).flatten();
        if let Some(d) = &taken {
            d.draw(&v, &draw_extra, disabled_now, text.as_deref(), &draw_labels);
        }
        drawing.try_update_value(|slot| *slot = taken);
    });
    on_cleanup(move || {
        let taken = drawing.and_then(|d| d.try_update_value(Option::take).flatten());
        drop(taken);
    });

    // The first render, the same on the server and the client (hydration matches): the idle
    // button with its label span, which holds the shop's own content when given.
    let content = match &children {
        Some(children) => Either::Left(children()),
        None => Either::Right(untrack(pay_text)),
    };
    view! {
        <div node_ref=root class=root_class(ui_view(&CheckoutState::Idle, None, &labels).modifier, &extra) data-state="idle">
            <button
                type="button"
                class=class::BUTTON
                disabled=disabled.get_untracked()
                aria-busy="false"
            >
                <span class=class::LABEL>{content}</span>
            </button>
        </div>
    }
}
