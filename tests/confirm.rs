//! Confirming a payment from the shop's order endpoint (the fixture server plays it: the order's
//! webhook "lands" after a number of polls), in a real page.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use fintoc_wasm::confirm::{Confirm, Confirmation, Verdict};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn order(id: &str, query: &str) -> Confirm {
    Confirm::order(format!("{}/order?id={id}{query}", server()))
        .interval(Duration::from_millis(50), Duration::from_millis(100))
}

#[wasm_bindgen_test]
async fn it_waits_for_the_webhook_and_then_confirms() {
    let id = unique_id("paid");
    let result = within(5_000, "confirm", order(&id, "&after=3&final=paid").run()).await;
    match result {
        Confirmation::Confirmed(order) => {
            assert_eq!(order.string("status").as_deref(), Some("paid"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        count_events(&id, "order-poll").await,
        4,
        "pending three times, then paid"
    );
}

#[wasm_bindgen_test]
async fn a_rejected_payment_is_not_paid_with_its_reason_and_a_503_is_asked_again() {
    let id = unique_id("failed");
    let result = within(
        5_000,
        "confirm",
        order(&id, "&after=1&final=failed&fail_first=1").run(),
    )
    .await;
    match result {
        Confirmation::NotPaid { reason, order } => {
            assert_eq!(reason.as_deref(), Some("insufficient_funds"));
            assert_eq!(order.string("status").as_deref(), Some("failed"));
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn past_the_deadline_it_is_still_pending() {
    let id = unique_id("never");
    let started = js_sys::Date::now();
    let result = within(
        5_000,
        "confirm",
        order(&id, "&final=never")
            .deadline(Duration::from_millis(400))
            .run(),
    )
    .await;
    assert!(matches!(result, Confirmation::StillPending), "{result:?}");
    let took = js_sys::Date::now() - started;
    assert!(
        (380.0..2_000.0).contains(&took),
        "stopped at the deadline: {took} ms"
    );
}

#[wasm_bindgen_test]
async fn a_shops_own_shape_is_read_with_its_own_reader() {
    let id = unique_id("custom");
    let result = within(
        5_000,
        "confirm",
        order(&id, "&after=1&final=paid")
            .read(|o| match o.number("poll") {
                // This shop calls it done at the second answer, whatever the status says.
                Some(_) if o.string("status").as_deref() == Some("paid") => Verdict::Confirmed,
                _ => Verdict::Pending,
            })
            .run(),
    )
    .await;
    assert!(matches!(result, Confirmation::Confirmed(_)), "{result:?}");
}

#[wasm_bindgen_test]
async fn dropping_the_future_stops_the_polling() {
    let id = unique_id("dropped");
    {
        let confirm = order(&id, "&final=never");
        let run = confirm.run();
        // The page that asked went away after a moment.
        let _ = futures::future::select(Box::pin(run), Box::pin(sleep(300))).await;
    }
    let polls = count_events(&id, "order-poll").await;
    assert!(polls >= 2, "it was polling: {polls}");
    sleep(500).await;
    assert_eq!(
        count_events(&id, "order-poll").await,
        polls,
        "and stopped when dropped"
    );
}

#[wasm_bindgen_test]
async fn a_spawned_confirmation_calls_back_with_the_result() {
    let id = unique_id("spawned");
    let (tx, rx) = futures::channel::oneshot::channel();
    let _confirming = order(&id, "&final=paid&after=2").spawn(move |result| {
        let _ = tx.send(result);
    });
    let result = within(10_000, "the spawned confirmation", rx).await;
    assert!(
        matches!(result, Ok(Confirmation::Confirmed(_))),
        "{result:?}"
    );
}

#[wasm_bindgen_test]
async fn dropping_the_handle_stops_the_polling_and_never_calls_back() {
    let id = unique_id("handle");
    let called = std::rc::Rc::new(std::cell::Cell::new(false));
    let confirming = order(&id, "&final=paid&after=8").spawn({
        let called = called.clone();
        move |_| called.set(true)
    });
    sleep(300).await;
    // The component that asked unmounted before the webhook landed.
    drop(confirming);
    let polls = count_events(&id, "order-poll").await;
    assert!(polls >= 2, "it was polling: {polls}");
    // Undropped, it would have been answered `paid` within this wait (8 polls, ≤ 100 ms apart).
    sleep(1_500).await;
    assert!(
        count_events(&id, "order-poll").await <= polls + 1,
        "no request after the drop (one in flight may still be logged)"
    );
    assert!(!called.get(), "no callback after the drop");
}

#[wasm_bindgen_test]
async fn a_handle_dropped_at_once_never_asks() {
    let id = unique_id("at-once");
    drop(order(&id, "&final=paid").spawn(|_| {}));
    sleep(500).await;
    assert_eq!(count_events(&id, "order-poll").await, 0);
}
