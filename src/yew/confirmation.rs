//! `<FintocConfirmation>`: the payment's real result, from the shop's own order endpoint (which
//! the webhook wrote), for after `on_success` or on the hosted page's return page.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use yew::prelude::*;

use crate::confirm::{Confirm, Confirmation, Stage, Verdict};
use crate::ui::{class, confirmation_view, Labels, Locale};
use crate::widget::Payload;

/// Props of [`FintocConfirmation`].
#[derive(Properties, Clone, PartialEq)]
pub struct FintocConfirmationProps {
    /// Your order endpoint, e.g. `/api/orders/ord_42` (GET, JSON, same-origin cookies): its
    /// `status` is what your webhook wrote — `paid` (or `succeeded`) confirms; `failed`,
    /// `rejected`, `expired` are not paid (`failure_reason` says why); anything else is still
    /// pending. A new URL starts over.
    pub url: AttrValue,
    /// How long to keep asking before telling the shopper the result will come later
    /// (default 2 minutes).
    #[prop_or_default]
    pub deadline: Option<Duration>,
    /// Called once with the result (the order as your endpoint answered, and a not-paid
    /// reason), e.g. to unlock the cart.
    #[prop_or_default]
    pub on_done: Option<Callback<Confirmation>>,
    /// Your endpoint's own shape: what an answer means (default: its `status`, as above). Read
    /// when the confirmation starts (a new `url`).
    #[prop_or_default]
    pub read: Option<Callback<Payload, Verdict>>,
    /// Language of the default texts (Spanish by default).
    #[prop_or_default]
    pub locale: Locale,
    /// Your own texts instead of the locale's.
    #[prop_or_default]
    pub labels: Option<Labels>,
    /// Extra classes on the root element.
    #[prop_or_default]
    pub class: Classes,
}

/// Shows the confirmation of a payment: "confirming…" while your order endpoint says pending,
/// then confirmed, not paid, or — at the deadline — that the result will come later (never
/// "try again": the money may be on its way). Polls with backoff
/// ([`Confirm`](crate::confirm::Confirm)); unmounting stops it at once (the request in flight is
/// aborted, `on_done` never called). `role="status"`, classes in [`crate::ui::class`]
/// (`fintoc-confirmation--{state}`), the text in [`Labels`].
///
/// ```no_run
/// use fintoc_wasm::confirm::Confirmation;
/// use fintoc_wasm::yew::FintocConfirmation;
/// use yew::prelude::*;
///
/// #[component]
/// fn Receipt(props: &ReceiptProps) -> Html {
///     let on_done = Callback::from(|result: Confirmation| {
///         if let Confirmation::NotPaid { reason, .. } = result { /* unlock the cart */ }
///     });
///     html! { <FintocConfirmation url={format!("/api/orders/{}", props.order_id)} {on_done} /> }
/// }
/// # #[derive(Properties, PartialEq)] struct ReceiptProps { order_id: String }
/// ```
#[component]
pub fn FintocConfirmation(props: &FintocConfirmationProps) -> Html {
    let done = use_state(|| None::<Confirmation>);
    // The latest `on_done`, read when the result arrives (changing it restarts nothing).
    let on_done: Rc<RefCell<Option<Callback<Confirmation>>>> = use_mut_ref(|| None);
    *on_done.borrow_mut() = props.on_done.clone();
    {
        let done = done.clone();
        let read = props.read.clone();
        use_effect_with(
            (props.url.clone(), props.deadline),
            move |(url, deadline)| {
                done.set(None);
                let mut confirm = Confirm::order(url.as_str());
                if let Some(deadline) = deadline {
                    confirm = confirm.deadline(*deadline);
                }
                if let Some(read) = read {
                    confirm = confirm.read(move |order| read.emit(order.clone()));
                }
                let confirming = confirm.spawn(move |result| {
                    done.set(Some(result.clone()));
                    let callback = on_done.borrow().clone();
                    if let Some(callback) = callback {
                        callback.emit(result);
                    }
                });
                // Unmount, or a new URL: the polling stops, no callback follows.
                move || drop(confirming)
            },
        );
    }
    let labels = props
        .labels
        .as_ref()
        .unwrap_or_else(|| props.locale.labels());
    let v = confirmation_view(
        done.as_ref().map_or(Stage::Confirming, Confirmation::stage),
        labels,
    );
    html! {
        <div
            class={classes!(class::CONFIRMATION, v.modifier, props.class.clone())}
            role="status"
            aria-busy={if v.busy { "true" } else { "false" }}
            data-state={v.state}>
            <p class={class::CONFIRMATION_TEXT}>{ v.text }</p>
        </div>
    }
}
