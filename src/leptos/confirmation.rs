//! `<FintocConfirmation/>`: the payment's real result, from the shop's own order endpoint (which
//! the webhook wrote), for after `on_success` or on the hosted page's return page.

use std::time::Duration;

use leptos::prelude::*;

use crate::confirm::{Confirm, Confirmation, Stage, Verdict};
use crate::ui::{class, confirmation_view, Labels, Locale};
use crate::widget::Payload;

/// Shows the confirmation of a payment: "confirming…" while your order endpoint says pending,
/// then confirmed, not paid, or — at the deadline — that the result will come later (never
/// "try again": the money may be on its way). Polls with backoff
/// ([`Confirm`](crate::confirm::Confirm)); a new `url` starts over, and unmounting stops it at
/// once (the request in flight is aborted, `on_done` never called). `role="status"`, classes in
/// [`crate::ui::class`] (`fintoc-confirmation--{state}`), the text in [`Labels`].
///
/// **SSR**: renders "confirming" and polls nothing (the polling starts in an effect).
///
/// ```no_run
/// use fintoc_wasm::confirm::Confirmation;
/// use fintoc_wasm::leptos::FintocConfirmation;
/// use leptos::prelude::*;
///
/// #[component]
/// fn Receipt(order_id: String) -> impl IntoView {
///     view! {
///         <FintocConfirmation
///             url=format!("/api/orders/{order_id}")
///             on_done=move |result: Confirmation| { /* e.g. unlock the cart if not paid */ } />
///     }
/// }
/// ```
#[component]
pub fn FintocConfirmation(
    /// Your order endpoint, e.g. `/api/orders/ord_42` (GET, JSON, same-origin cookies): its
    /// `status` is what your webhook wrote — `paid` (or `succeeded`) confirms; `failed`,
    /// `rejected`, `expired` are not paid (`failure_reason` says why); anything else is pending.
    #[prop(into)]
    url: Signal<String>,
    /// How long to keep asking before telling the shopper the result will come later
    /// (default 2 minutes).
    #[prop(optional)]
    deadline: Option<Duration>,
    /// Called once with the result (the order as your endpoint answered, and a not-paid
    /// reason), e.g. to unlock the cart.
    #[prop(into, optional)]
    on_done: Option<Callback<Confirmation>>,
    /// Your endpoint's own shape: what an answer means (default: its `status`, as above).
    #[prop(into, optional)]
    read: Option<Callback<Payload, Verdict>>,
    /// Language of the default texts (Spanish by default).
    #[prop(optional)]
    locale: Locale,
    /// Your own texts instead of the locale's.
    #[prop(optional)]
    labels: Option<Labels>,
    /// Extra classes on the root element.
    #[prop(into, optional)]
    class: Option<String>,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Confirming);
    Effect::new(move || {
        let url = url.get();
        stage.set(Stage::Confirming);
        let mut confirm = Confirm::order(url);
        if let Some(deadline) = deadline {
            confirm = confirm.deadline(deadline);
        }
        if let Some(read) = read {
            confirm = confirm.read(move |order| {
                untrack(|| read.try_run(order.clone())).unwrap_or(Verdict::Pending)
            });
        }
        let confirming = confirm.spawn(move |result| {
            stage.try_set(result.stage());
            if let Some(on_done) = on_done {
                // Untracked: the shop's callback never becomes this effect's dependency.
                untrack(|| {
                    let _ = on_done.try_run(result);
                });
            }
        });
        // Held by this run of the effect (browser only): a new URL, or unmounting, drops it and
        // the polling stops.
        let held = StoredValue::new_local(Some(confirming));
        on_cleanup(move || drop(held.try_update_value(Option::take).flatten()));
    });
    let labels = labels.unwrap_or_else(|| locale.labels().clone());
    let extra = class.unwrap_or_default();
    let shown = move || confirmation_view(stage.get(), &labels);
    let shown = Memo::new(move |_| shown());
    view! {
        <div
            class=move || format!("{} {} {extra}", class::CONFIRMATION, shown.get().modifier).trim_end().to_owned()
            role="status"
            aria-busy=move || if shown.get().busy { "true" } else { "false" }
            data-state=move || shown.get().state
        >
            <p class=class::CONFIRMATION_TEXT>{move || shown.get().text}</p>
        </div>
    }
}
