//! Two demo servers (real processes, different ports) on one PostgreSQL database, against one
//! fake Fintoc (issue 23): 200 orders; concurrent checkouts of the same carts to both; Fintoc's
//! outcomes; then every event of every order delivered ten times, in random order, to both
//! instances at once, mixed with more concurrent checkouts of the same carts; then late payments
//! of expired orders (issue 22 §3), and the refunds they cause, the same way. Afterwards: each
//! paid order fulfilled exactly once, no cart with two payable sessions (nor a paid cart with one),
//! no event lost, every signed delivery answered 2xx, each late payment refunded exactly once
//! (one refund request, one refund at Fintoc, `succeeded` on the order).
//!
//! Needs PostgreSQL: `scripts/with-postgres cargo test -p fintoc-demo-server --test
//! multi_instance` (`scripts/test` runs it so); skipped, loudly, without `DATABASE_URL`.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::cluster::*;
use common::postgres_database;
use fintoc_demo_server::Db;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

const ORDERS: usize = 200;
const COPIES: usize = 10;
const IN_FLIGHT: usize = 32;
const PRODUCTS: [&str; 3] = ["espresso", "cortado", "beans"];

/// What a request must be answered with.
#[derive(Clone, Copy, Debug)]
enum Job {
    Deliver(usize),
    Checkout(usize),
}

struct Counts {
    checkouts: HashMap<u16, usize>,
    deliveries: usize,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

async fn post_checkout(
    http: &reqwest::Client,
    url: &str,
    cart: &str,
    items: &Value,
) -> (u16, Value) {
    let r = http
        .post(url)
        .json(&json!({"items": items, "cart_id": cart}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("checkout {url}: {e}"));
    (r.status().as_u16(), r.json().await.unwrap_or_default())
}

fn items(product: usize, quantity: usize) -> Value {
    json!([{"product_id": PRODUCTS[product % PRODUCTS.len()], "quantity": quantity}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_keep_every_money_rule() {
    if !postgres_or_skip("two_instances_on_one_postgres_keep_every_money_rule") {
        return;
    }
    tokio::time::timeout(Duration::from_secs(300), run())
        .await
        .expect("the multi-instance test finishes within 5 minutes");
}

async fn run() {
    let started = Instant::now();
    let seed = std::env::var("FINTOC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x2323_2026_u64);
    // First thing: shown with the output of a failure or a timeout, whatever happens next.
    println!("multi_instance: seed {seed} (replay with FINTOC_FUZZ_SEED={seed})");
    let mut rng = Rng(seed);
    let name = format!("fintoc_multi_{}", uuid::Uuid::new_v4().simple());
    let url = postgres_database(&name).await;
    let fintoc = FakeFintoc::start().await;
    let logs = tempfile::tempdir().unwrap();
    // Both start (and migrate) at once.
    let store = Store::Postgres(url.clone());
    let (a, b) = tokio::join!(
        Instance::spawn(&fintoc, &store, logs.path().join("a.log")),
        Instance::spawn(&fintoc, &store, logs.path().join("b.log")),
    );
    let instances = Arc::new([a, b]);
    let http = client();
    let carts: Vec<String> = (0..ORDERS)
        .map(|_| format!("cart_{:016x}{:016x}", rng.next(), rng.next()))
        .collect();
    let mut cart_items: Vec<Value> = (0..ORDERS).map(|i| items(i, 1 + i % 3)).collect();
    let mut counts = Counts {
        checkouts: HashMap::new(),
        deliveries: 0,
    };

    // 1. Each cart's checkout: four requests at once, two to each instance: one order, one session.
    let gate = Arc::new(Semaphore::new(IN_FLIGHT / 4));
    let mut tasks = Vec::new();
    for (cart, items) in carts.iter().zip(&cart_items) {
        let (http, instances, gate) = (http.clone(), instances.clone(), gate.clone());
        let (cart, items) = (cart.clone(), items.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let requests = (0..4).map(|i| {
                let url = instances[i % 2].url("/api/checkout");
                let (http, cart, items) = (http.clone(), cart.clone(), items.clone());
                async move { post_checkout(&http, &url, &cart, &items).await }
            });
            futures_join_all(requests).await
        }));
    }
    let mut orders: Vec<String> = Vec::new();
    for (cart, task) in carts.iter().zip(tasks) {
        let answers = task.await.unwrap();
        for (status, body) in &answers {
            assert_eq!(*status, 200, "cart {cart}: {body}");
            *counts.checkouts.entry(*status).or_default() += 1;
        }
        let first = &answers[0].1;
        for (_, body) in &answers {
            assert_eq!(
                body["order_id"], first["order_id"],
                "cart {cart}: one order"
            );
            assert_eq!(
                body["session_token"], first["session_token"],
                "cart {cart}: one session"
            );
        }
        orders.push(first["order_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        fintoc.sandbox.sessions().len(),
        ORDERS,
        "one session per cart"
    );

    // 2. What Fintoc does: paid, rejected, expired, or still open.
    for (i, order) in orders.iter().enumerate() {
        let session = fintoc
            .sandbox
            .sessions()
            .into_iter()
            .find(|s| s.order_id.as_deref() == Some(order))
            .unwrap();
        match rng.below(100) {
            0..=54 => {
                let outcome = if i % 7 < 5 { "succeeded" } else { "failed" };
                let r = http
                    .post(fintoc.url("/sandbox/outcome"))
                    .json(&json!({"session_token": session.token, "outcome": outcome}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 204);
            }
            55..=69 => {
                let r = http
                    .post(fintoc.url(&format!(
                        "/sandbox/api/v1/checkout_sessions/{}/expire",
                        session.id
                    )))
                    .header("Authorization", SECRET_KEY)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
            }
            _ => {}
        }
    }
    // A quarter of the carts change (another quantity) in two tabs at once, one per instance.
    let mut tasks = Vec::new();
    for i in (0..ORDERS).filter(|i| i % 4 == 0) {
        cart_items[i] = items(i, 4);
        let (http, instances) = (http.clone(), instances.clone());
        let (cart, items) = (carts[i].clone(), cart_items[i].clone());
        tasks.push(tokio::spawn(async move {
            let (to_a, to_b) = (
                instances[0].url("/api/checkout"),
                instances[1].url("/api/checkout"),
            );
            let (x, y) = tokio::join!(
                post_checkout(&http, &to_a, &cart, &items),
                post_checkout(&http, &to_b, &cart, &items),
            );
            (cart, [x, y])
        }));
    }
    for task in tasks {
        let (cart, answers) = task.await.unwrap();
        for (status, body) in &answers {
            *counts.checkouts.entry(*status).or_default() += 1;
            let code = body["error"]["code"].as_str().unwrap_or_default();
            assert!(
                *status == 200 || (*status == 409 && code == "payment_underway"),
                "cart {cart}: {status} {body}"
            );
        }
        if answers.iter().all(|(status, _)| *status == 200) {
            assert_eq!(
                answers[0].1["order_id"], answers[1].1["order_id"],
                "cart {cart}"
            );
        }
    }

    // 3. Every event ten times, shuffled, to both instances at once, with more checkouts of the
    //    same carts mixed in; then whatever those produced, the same way.
    let mut events: Vec<Vec<u8>> = Vec::new();
    let mut delivered_ids: HashSet<String> = HashSet::new();
    let db = Db::connect(&url).await.unwrap();
    let mut late: Vec<(String, String)> = Vec::new();
    for round in 0..3 {
        if round == 1 {
            // Bank transfers that land after their order expired (Fintoc's
            // payment_intent.succeeded), delivered like the rest: ten times, to both at once.
            late = late_payments(&fintoc, &http, &db, LATE).await;
        }
        let new = fintoc.sandbox.take_webhooks();
        if new.is_empty() && round > 0 {
            break;
        }
        let first = events.len();
        events.extend(new);
        let mut jobs: Vec<Job> = (first..events.len())
            .flat_map(|e| std::iter::repeat_n(Job::Deliver(e), COPIES))
            .collect();
        if round == 0 {
            jobs.extend((0..ORDERS).flat_map(|c| [Job::Checkout(c), Job::Checkout(c)]));
        }
        rng.shuffle(&mut jobs);
        let events = Arc::new(events.clone());
        let gate = Arc::new(Semaphore::new(IN_FLIGHT));
        let mut tasks = Vec::new();
        for (n, job) in jobs.into_iter().enumerate() {
            let (http, instances, gate, events) = (
                http.clone(),
                instances.clone(),
                gate.clone(),
                events.clone(),
            );
            let instance = (n + rng.below(2)) % 2;
            let (cart, items) = match job {
                Job::Checkout(c) => (carts[c].clone(), cart_items[c].clone()),
                Job::Deliver(_) => (String::new(), Value::Null),
            };
            tasks.push(tokio::spawn(async move {
                let _permit = gate.acquire().await.unwrap();
                match job {
                    Job::Deliver(e) => {
                        let body = &events[e];
                        let r = http
                            .post(instances[instance].url("/webhooks/fintoc"))
                            .header("Content-Type", "application/json")
                            .header("Fintoc-Signature", signature(body))
                            .body(body.clone())
                            .send()
                            .await
                            .unwrap_or_else(|e| panic!("delivery: {e}"));
                        let status = r.status().as_u16();
                        let answer: Value = r.json().await.unwrap_or_default();
                        (job, status, answer)
                    }
                    Job::Checkout(_) => {
                        let url = instances[instance].url("/api/checkout");
                        let (status, body) = post_checkout(&http, &url, &cart, &items).await;
                        (job, status, body)
                    }
                }
            }));
        }
        for task in tasks {
            let (job, status, body) = task.await.unwrap();
            match job {
                Job::Deliver(e) => {
                    assert!(
                        (200..300).contains(&status),
                        "a signed delivery was answered {status}: {body}"
                    );
                    counts.deliveries += 1;
                    let event: Value = serde_json::from_slice(&events[e]).unwrap();
                    delivered_ids.insert(event["id"].as_str().unwrap().to_owned());
                }
                Job::Checkout(c) => {
                    *counts.checkouts.entry(status).or_default() += 1;
                    let code = body["error"]["code"].as_str().unwrap_or_default();
                    assert!(
                        status == 200
                            || (status == 409 && ["cart_paid", "payment_underway"].contains(&code)),
                        "cart {c}: {status} {body}"
                    );
                }
            }
        }
    }

    // 4. What the database and Fintoc say now.
    let sessions = fintoc.sandbox.sessions();
    let mut cart_of: HashMap<String, String> = HashMap::new();
    for s in &sessions {
        let order = s.order_id.clone().unwrap();
        let cart = db
            .cart_of(&order)
            .await
            .unwrap()
            .expect("every session's order is stored");
        cart_of.insert(order, cart);
    }
    let mut paid_sessions = 0;
    for s in &sessions {
        let order = s.order_id.as_deref().unwrap();
        let stored = db.order(order).await.unwrap().unwrap();
        let fulfilled = db.fulfillments(order).await.unwrap();
        let paid = s
            .payment_intent
            .as_ref()
            .is_some_and(|(_, st)| st == "succeeded");
        if paid {
            paid_sessions += 1;
            assert_eq!(
                (stored.status.as_str(), fulfilled),
                ("paid", 1),
                "order {order} was paid: fulfilled exactly once"
            );
        } else {
            assert_eq!(
                fulfilled, 0,
                "order {order} ({}) was not paid",
                stored.status
            );
        }
    }
    let paid_orders = db.orders_with_status("paid").await.unwrap();
    assert_eq!(
        paid_orders.len(),
        paid_sessions,
        "paid orders = paid sessions"
    );
    let mut payable: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in sessions.iter().filter(|s| !s.status.is_final()) {
        let cart = &cart_of[s.order_id.as_deref().unwrap()];
        payable.entry(cart).or_default().push(&s.id);
    }
    for (cart, ids) in &payable {
        assert!(
            ids.len() <= 1,
            "cart {cart} has two payable sessions: {ids:?}"
        );
    }
    for order in &paid_orders {
        let cart = &cart_of[order];
        assert!(
            !payable.contains_key(cart.as_str()),
            "cart {cart} was paid (order {order}) and still has a payable session"
        );
    }
    let processed: HashSet<String> = db
        .processed_event_ids()
        .await
        .unwrap()
        .into_iter()
        .collect();
    let lost: Vec<&String> = delivered_ids.difference(&processed).collect();
    assert!(
        lost.is_empty(),
        "events delivered but not recorded: {lost:?}"
    );
    assert_eq!(processed.len(), delivered_ids.len());
    assert!(
        late.len() >= LATE / 2,
        "only {} expired orders to pay late",
        late.len()
    );
    let requests = fintoc.sandbox.refund_requests();
    let refunds = fintoc.sandbox.refunds();
    for (order, intent) in &late {
        let stored = db.order(order).await.unwrap().unwrap();
        assert_eq!(stored.status, "paid_after_close", "order {order}");
        assert_eq!(db.fulfillments(order).await.unwrap(), 0, "order {order}");
        let asked: Vec<&str> = requests
            .iter()
            .filter(|r| &r.payment_intent == intent)
            .map(|r| r.outcome)
            .collect();
        assert_eq!(asked, ["created"], "payment {intent}: one refund request");
        let made: Vec<&str> = refunds
            .iter()
            .filter(|r| &r.payment_intent == intent)
            .map(|r| r.status.as_str())
            .collect();
        assert_eq!(made, ["succeeded"], "payment {intent}: one refund");
        let shown: Vec<&str> = stored.refunds.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(shown, ["succeeded"], "order {order}");
    }

    println!(
        "multi-instance: 2 instances, {} orders ({} carts, {} sessions, {paid_sessions} paid), \
         {} events delivered x{COPIES} = {} signed deliveries (all 2xx), checkouts by status \
         {:?}, {} payable sessions left (at most one per cart), {} late payments each refunded \
         once, in {:.1} s (seed {seed})",
        sessions.len(),
        ORDERS,
        sessions.len(),
        delivered_ids.len(),
        counts.deliveries,
        counts.checkouts,
        payable.len(),
        late.len(),
        started.elapsed().as_secs_f64()
    );
    drop(instances);
}

/// How many late payments the test sends.
const LATE: usize = 20;

/// Up to `n` late payments, each for an order that expired (its session too, without a payment),
/// through the fake Fintoc's `events/trigger` (kept with its other webhooks): (order, payment
/// intent).
async fn late_payments(
    fintoc: &FakeFintoc,
    http: &reqwest::Client,
    db: &Db,
    n: usize,
) -> Vec<(String, String)> {
    let mut late = Vec::new();
    for session in fintoc.sandbox.sessions() {
        if late.len() == n {
            break;
        }
        let Some(order) = session.order_id.clone() else {
            continue;
        };
        let expired = db
            .order(&order)
            .await
            .unwrap()
            .is_some_and(|o| o.status == "expired");
        if session.payment_intent.is_some() || !expired {
            continue;
        }
        let r = http
            .post(fintoc.url("/sandbox/api/v1/events/trigger"))
            .header("Authorization", SECRET_KEY)
            .json(&json!({"type": "payment_intent.succeeded",
                          "overrides": {"amount": session.amount, "metadata": {"order_id": order}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let event: Value = r.json().await.unwrap();
        late.push((order, event["data"]["id"].as_str().unwrap().to_owned()));
    }
    late
}

/// Runs futures at once and collects their outputs in order (tokio has no `join_all`).
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
