//! Benchmark (not a test: it asserts nothing about time): how long the shopper waits between
//! the click and an open widget, in headless Chromium, with the script and the session endpoint
//! each delayed 300 ms (a real network, roughly) and a fresh script URL per run (a cold page):
//!
//! - **cold click**: nothing before the click;
//! - **prefetch**: the pointer enters the button 250 ms before the click (a typical hover);
//! - **prepared**: `prepare()` long before the click.
//!
//! Run with `scripts/bench` (it starts the fixture server); prints medians.
#![cfg(target_arch = "wasm32")]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::*;
use fintoc_wasm::{
    Callbacks, Checkout, CheckoutConfig, CheckoutState, LoadOptions, SessionSource, WidgetOptions,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const RUNS: usize = 7;
const DELAY_MS: u32 = 300;
const HOVER_BEFORE_CLICK_MS: u32 = 250;

#[derive(Clone, Copy, Debug)]
enum Scenario {
    ColdClick,
    Prefetch,
    Prepared,
}

async fn click_to_open(scenario: Scenario) -> f64 {
    fresh_page();
    let id = unique_id("bench");
    let checkout = Checkout::new(
        CheckoutConfig::new(
            WidgetOptions::builder("pk_test_bench").build().unwrap(),
            SessionSource::endpoint(session_url(&id, &format!("&delay={DELAY_MS}"))),
        )
        .with_load(
            LoadOptions::new()
                .with_url(script_url(&id, DELAY_MS))
                .with_timeout(Duration::from_secs(10)),
        ),
        Callbacks::new(),
    );
    match scenario {
        Scenario::ColdClick => {}
        // What the adapters do on pointerenter/focus.
        Scenario::Prefetch => {
            checkout.prepare();
            sleep(HOVER_BEFORE_CLICK_MS).await;
        }
        Scenario::Prepared => {
            checkout.prepare();
            checkout.wait_until(|s| *s == CheckoutState::Ready).await;
        }
    }
    let clicked = js_sys::Date::now();
    checkout.open();
    checkout.wait_until(|s| *s == CheckoutState::Open).await;
    js_sys::Date::now() - clicked
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

#[wasm_bindgen_test]
#[ignore = "a benchmark: scripts/bench runs it"]
async fn click_to_open_cold_prefetched_and_prepared() {
    let mut report = Vec::new();
    for scenario in [Scenario::ColdClick, Scenario::Prefetch, Scenario::Prepared] {
        let mut times = Vec::new();
        for _ in 0..RUNS {
            times.push(click_to_open(scenario).await);
        }
        let runs = format!("{times:.0?}");
        report.push(format!(
            "{scenario:?}: median {:.0} ms click → open (runs: {runs})",
            median(times)
        ));
    }
    for line in report {
        web_sys::console::log_1(&line.into());
    }
}
