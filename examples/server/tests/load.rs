//! A load figure for the demo server (issue 23), reported, not asserted: checkouts per second and
//! webhook deliveries per second, with p50/p99 latency, for one instance on SQLite, one on
//! PostgreSQL and two on one PostgreSQL. Real server processes in live mode against a fake Fintoc
//! (the sandbox's API, in this process), loopback only, bounded in count and time.
//!
//! `scripts/load` runs it on a release build against a throwaway PostgreSQL with fsync on;
//! `FINTOC_LOAD_CHECKOUTS` (default 1500), `FINTOC_LOAD_CONCURRENCY` (16) and
//! `FINTOC_LOAD_SECONDS` (20, per phase) bound it. Ignored by `cargo test`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::cluster::*;
use common::postgres_database;
use serde_json::json;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Requests per second and p50/p99 in ms.
struct Figure {
    done: usize,
    per_second: f64,
    p50: f64,
    p99: f64,
}

/// Runs `count` requests (at most `seconds`), `concurrency` at a time; each must succeed.
async fn measure<F, Fut>(count: usize, concurrency: usize, seconds: u64, request: F) -> Figure
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let request = Arc::new(request);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, latencies, request) = (next.clone(), latencies.clone(), request.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || Instant::now() > deadline {
                        return Ok::<(), String>(());
                    }
                    let t = Instant::now();
                    request(i).await?;
                    let took = t.elapsed();
                    latencies.lock().unwrap().push(took);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap().unwrap_or_else(|e| panic!("{e}"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    Figure {
        done: latencies.len(),
        per_second: latencies.len() as f64 / elapsed,
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
    }
}

async fn scenario(name: &str, store: Store, instances: usize) -> String {
    let count = env_number("FINTOC_LOAD_CHECKOUTS", 1500);
    let concurrency = env_number("FINTOC_LOAD_CONCURRENCY", 16);
    let seconds = env_number("FINTOC_LOAD_SECONDS", 20) as u64;
    let fintoc = FakeFintoc::start().await;
    let logs = tempfile::tempdir().unwrap();
    let mut servers = Vec::new();
    for i in 0..instances {
        servers.push(Instance::spawn(&fintoc, &store, logs.path().join(format!("{i}.log"))).await);
    }
    let urls: Arc<Vec<String>> = Arc::new(servers.iter().map(|s| s.base.clone()).collect());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();

    // Checkouts: a new cart each (an order and a session at the fake Fintoc).
    let (h, u) = (http.clone(), urls.clone());
    let checkouts = measure(count, concurrency, seconds, move |i| {
        let (http, urls) = (h.clone(), u.clone());
        async move {
            let body = json!({"items": [{"product_id": "beans", "quantity": 1 + i % 3}],
                              "cart_id": format!("load_cart_{i:012}_{:08x}", i * 2_654_435_761)});
            let r = http
                .post(format!("{}/api/checkout", urls[i % urls.len()]))
                .json(&body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            match r.status().as_u16() {
                200 => Ok(()),
                s => Err(format!(
                    "checkout answered {s}: {}",
                    r.text().await.unwrap_or_default()
                )),
            }
        }
    })
    .await;

    // Fintoc's side (not measured): every session paid, then its webhook.
    for session in fintoc.sandbox.sessions() {
        let r = http
            .post(fintoc.url("/sandbox/outcome"))
            .json(&json!({"session_token": session.token, "outcome": "succeeded"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
    // Each event twice (Fintoc redelivers): half the deliveries are duplicates.
    let events: Vec<Vec<u8>> = fintoc.sandbox.take_webhooks();
    let mut rng = Rng(0x10ad);
    let mut deliveries: Vec<usize> = (0..events.len()).chain(0..events.len()).collect();
    rng.shuffle(&mut deliveries);
    let (events, deliveries) = (Arc::new(events), Arc::new(deliveries));
    let total = deliveries.len();
    let (h, u) = (http.clone(), urls.clone());
    let webhooks = measure(total, concurrency, seconds, move |i| {
        let (http, urls, events, deliveries) =
            (h.clone(), u.clone(), events.clone(), deliveries.clone());
        async move {
            let body = events[deliveries[i]].clone();
            let r = http
                .post(format!("{}/webhooks/fintoc", urls[i % urls.len()]))
                .header("Content-Type", "application/json")
                .header("Fintoc-Signature", signature(&body))
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            match r.status().as_u16() {
                200..=299 => Ok(()),
                s => Err(format!("a signed delivery was answered {s}")),
            }
        }
    })
    .await;
    drop(servers);
    format!(
        "| {name} | {} | {:.0} | {:.1} | {:.1} | {} | {:.0} | {:.1} | {:.1} |",
        checkouts.done,
        checkouts.per_second,
        checkouts.p50,
        checkouts.p99,
        webhooks.done,
        webhooks.per_second,
        webhooks.p50,
        webhooks.p99
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a test: scripts/load runs it on a release build"]
async fn load_figures() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = vec![
        scenario(
            "1 instance, SQLite",
            Store::Sqlite(dir.path().join("load.sqlite")),
            1,
        )
        .await,
    ];
    if postgres_or_skip("load_figures (its PostgreSQL rows)") {
        for instances in [1, 2] {
            let name = format!("fintoc_load_{}", uuid::Uuid::new_v4().simple());
            let store = Store::Postgres(postgres_database(&name).await);
            let label = format!(
                "{instances} instance{}, PostgreSQL",
                if instances == 1 { "" } else { "s" }
            );
            rows.push(scenario(&label, store, instances).await);
        }
    }
    println!(
        "\n| Setup | checkouts | checkouts/s | p50 ms | p99 ms | deliveries | deliveries/s | p50 ms | \
         p99 ms |\n|---|---|---|---|---|---|---|---|---|\n{}\n\n(concurrency {}, release: {})",
        rows.join("\n"),
        env_number("FINTOC_LOAD_CONCURRENCY", 16),
        !cfg!(debug_assertions)
    );
}
