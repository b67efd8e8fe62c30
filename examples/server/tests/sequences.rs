//! Seeded randomized sequences against the demo server (issue 18, "webhook deliveries to the
//! demo server"): checkouts for the same carts interleaved at random with what Fintoc does (the
//! shopper pays or is rejected, a session expires) and with webhook deliveries that are
//! duplicated, reordered, late, of a shape the crate cannot read, or of the wrong amount. The
//! sandbox keeps its webhooks for the test, which delivers them itself, signed.
//!
//! After every step:
//! - every signed delivery was answered 2xx, and every delivered event is recorded;
//! - an order is fulfilled at most once, and exactly when it is `paid`;
//! - every delivered payment (a succeeded payment, a late one, one of another amount, one the
//!   crate cannot read) left its order fulfilled (`paid`) or flagged for a person — never
//!   `pending`, `failed` or `expired`;
//! - no cart has two sessions that can be paid;
//! - a cart with a paid (or held) order never gets another session, and its checkouts get 409.
//!
//! CI runs a fixed seed, bounded (a few seconds). A longer run by hand:
//! `FINTOC_FUZZ_SEQUENCES=5000 FINTOC_FUZZ_SEED=123 cargo test -p fintoc-demo-server --release
//! --test sequences -- --nocapture` (`FINTOC_FUZZ_STEPS` sets the steps per sequence). A failure
//! prints the sequence's seed and its last steps: replay it with `FINTOC_FUZZ_SEQUENCES=1
//! FINTOC_FUZZ_SEED=<seed>`.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::*;
use fintoc_demo_server::sandbox::SessionView;
use fintoc_wasm::server::testing::sign_event;
use fintoc_wasm::server::CheckoutSessionStatus;
use serde_json::{json, Value};

/// SplitMix64: small, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

const CARTS: usize = 3;
/// What a cart holds: one of these products (another one is "the cart changed").
const PRODUCTS: [(&str, u64); 2] = [("espresso", 2_500), ("beans", 8_990)];
/// The statuses of an order whose payment arrived: fulfilled, or flagged for a person.
const SETTLED: [&str; 4] = [
    "paid",
    "paid_after_close",
    "amount_mismatch",
    "needs_review",
];

struct Sequence {
    server: Running,
    http: reqwest::Client,
    carts: Vec<String>,
    /// Order id → cart index, from the checkout answers.
    cart_of: HashMap<String, usize>,
    /// Webhooks not delivered yet.
    queue: Vec<Vec<u8>>,
    /// Bodies delivered at least once.
    delivered: Vec<Vec<u8>>,
    distinct: HashSet<Vec<u8>>,
    /// Orders a delivered event says were paid (or may have been).
    money_delivered: HashSet<String>,
    /// Bodies that say money was received for an order.
    money: HashMap<Vec<u8>, String>,
    /// Sessions already used for a synthesized late / wrong / unreadable event.
    synthesized: HashSet<(String, &'static str)>,
    /// Per cart: the sessions it had when it was first seen held.
    held_sessions: Vec<Option<usize>>,
    next_id: u64,
    log: Vec<String>,
    deliveries: u64,
    checkouts: u64,
}

impl Sequence {
    async fn new(rng: &mut Rng) -> (tempfile::TempDir, Sequence) {
        let dir = tempfile::tempdir().unwrap();
        // SQLite, or PostgreSQL with FINTOC_TEST_BACKEND=postgres (see common).
        let server = start(&dir.path().join("shop.sqlite"), dir.path()).await;
        server.state.sandbox.as_ref().unwrap().capture_webhooks();
        let carts = (0..CARTS)
            .map(|_| format!("cart_{:016x}{:016x}", rng.next(), rng.next()))
            .collect();
        let sequence = Sequence {
            server,
            http: reqwest::Client::new(),
            carts,
            cart_of: HashMap::new(),
            queue: Vec::new(),
            delivered: Vec::new(),
            distinct: HashSet::new(),
            money_delivered: HashSet::new(),
            money: HashMap::new(),
            synthesized: HashSet::new(),
            held_sessions: vec![None; CARTS],
            next_id: 0,
            log: Vec::new(),
            deliveries: 0,
            checkouts: 0,
        };
        (dir, sequence)
    }

    fn sessions(&self) -> Vec<SessionView> {
        self.server.state.sandbox.as_ref().unwrap().sessions()
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_{}", self.next_id)
    }

    /// Takes what the sandbox sent, noting which webhooks carry a payment.
    fn collect(&mut self) {
        for body in self.server.state.sandbox.as_ref().unwrap().take_webhooks() {
            let event: Value = serde_json::from_slice(&body).unwrap_or_default();
            let data = &event["data"];
            if event["type"] == "checkout_session.finished"
                && data["payment_resource"]["payment_intent"]["status"] == "succeeded"
            {
                let order = data["metadata"]["order_id"].as_str().unwrap_or_default();
                self.money.insert(body.clone(), order.to_owned());
            }
            self.queue.push(body);
        }
    }

    async fn status(&self, order_id: &str) -> String {
        let order = self.server.state.db.order(order_id).await.unwrap();
        order.map(|o| o.status).unwrap_or_default()
    }

    async fn cart_held(&self, cart: usize) -> Option<String> {
        for (order, c) in &self.cart_of {
            if *c == cart && SETTLED.contains(&self.status(order).await.as_str()) {
                return Some(order.clone());
            }
        }
        None
    }

    async fn checkout(&mut self, rng: &mut Rng) -> Result<(), String> {
        let cart = rng.below(CARTS);
        let (product, _) = PRODUCTS[rng.below(PRODUCTS.len())];
        let held = self.cart_held(cart).await;
        let response = self
            .http
            .post(self.server.url("/api/checkout"))
            .json(&json!({"items": [{"product_id": product, "quantity": 1}], "cart_id": self.carts[cart]}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or_default();
        self.checkouts += 1;
        self.log.push(format!(
            "checkout cart {cart} {product}: {status} {}",
            body["order_id"]
                .as_str()
                .or(body["error"]["code"].as_str())
                .unwrap_or_default()
        ));
        match (status, &held) {
            (200, None) => {
                let order = body["order_id"].as_str().ok_or("200 without an order id")?;
                self.cart_of.insert(order.to_owned(), cart);
                Ok(())
            }
            (200, Some(paid)) => Err(format!(
                "cart {cart} has the paid order {paid}, yet a checkout got a session: {body}"
            )),
            (409, Some(_)) if body["error"]["code"] == "cart_paid" => Ok(()),
            (409, None)
                if ["cart_paid", "payment_underway"]
                    .contains(&body["error"]["code"].as_str().unwrap_or_default()) =>
            {
                Ok(())
            }
            _ => Err(format!("checkout answered {status}: {body}")),
        }
    }

    /// The shopper pays (`succeeded`) or the bank rejects (`failed`) an open session.
    async fn outcome(&mut self, rng: &mut Rng, outcome: &str) -> Result<(), String> {
        let open: Vec<SessionView> = self
            .sessions()
            .into_iter()
            .filter(|s| !s.status.is_final())
            .collect();
        let Some(session) = rng.pick(&open) else {
            return Ok(());
        };
        let response = self
            .http
            .post(self.server.url("/sandbox/outcome"))
            .json(&json!({"session_token": session.token, "outcome": outcome}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        self.log.push(format!(
            "shopper {outcome} {} ({:?}): {}",
            session.id,
            session.order_id,
            response.status()
        ));
        match response.status().as_u16() {
            204 => Ok(()),
            other => Err(format!(
                "the sandbox refused an open session's outcome: {other}"
            )),
        }
    }

    /// Fintoc expires an open session (its lifetime ran out).
    async fn expire(&mut self, rng: &mut Rng) -> Result<(), String> {
        let open: Vec<SessionView> = self
            .sessions()
            .into_iter()
            .filter(|s| !s.status.is_final())
            .collect();
        let Some(session) = rng.pick(&open) else {
            return Ok(());
        };
        let sandbox = self.server.state.sandbox.as_ref().unwrap();
        let response = self
            .http
            .post(self.server.url(&format!(
                "/sandbox/api/v1/checkout_sessions/{}/expire",
                session.id
            )))
            .header("Authorization", sandbox.secret_key())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        self.log.push(format!(
            "fintoc expires {}: {}",
            session.id,
            response.status()
        ));
        Ok(())
    }

    /// A payment event Fintoc could send besides the sandbox's own: a late payment of an expired
    /// session, the same payment stated with another amount, or a shape the crate cannot read.
    fn synthesize(&mut self, rng: &mut Rng, kind: &'static str) {
        let sessions = self.sessions();
        let candidates: Vec<&SessionView> = sessions
            .iter()
            .filter(|s| !self.synthesized.contains(&(s.id.clone(), kind)))
            .filter(|s| match kind {
                "late" => s.status == CheckoutSessionStatus::Expired && s.payment_intent.is_none(),
                _ => s
                    .payment_intent
                    .as_ref()
                    .is_some_and(|(_, status)| status == "succeeded"),
            })
            .collect();
        let Some(session) = rng.pick(&candidates).map(|s| (*s).clone()) else {
            return;
        };
        let order = session.order_id.clone().unwrap_or_default();
        let event_id = self.fresh("evt_fuzz");
        let intent_id = match (&session.payment_intent, kind) {
            (Some((id, _)), "wrong_amount" | "unreadable") => id.clone(),
            _ => self.fresh("pi_late"),
        };
        let intent = |amount: u64| {
            json!({"id": intent_id, "object": "payment_intent", "amount": amount,
                   "currency": "CLP", "status": "succeeded", "metadata": {"order_id": order}})
        };
        let body = match kind {
            "late" => json!({"id": event_id, "object": "event", "type": "payment_intent.succeeded",
                             "data": intent(session.amount)}),
            "wrong_amount" => {
                json!({"id": event_id, "object": "event", "type": "payment_intent.succeeded",
                       "data": intent(session.amount + 1 + rng.below(5_000) as u64)})
            }
            _ => {
                let mut finished = json!({"id": event_id, "object": "event",
                    "type": "checkout_session.finished",
                    "data": {"id": session.id, "object": "checkout_session",
                             "amount": session.amount, "currency": "CLP", "status": "finished",
                             "metadata": {"order_id": order},
                             "payment_resource": {"payment_intent": intent(session.amount)}}});
                match rng.below(4) {
                    0 => finished["data"]["currency"] = json!("USD"),
                    1 => finished["data"]["payment_resource"] = Value::Null,
                    2 => finished["id"] = json!(self.next_id),
                    _ => {
                        if let Some(data) = finished["data"].as_object_mut() {
                            data.remove("amount");
                        }
                    }
                }
                finished
            }
        };
        self.synthesized.insert((session.id.clone(), kind));
        self.log.push(format!(
            "fintoc sends a {kind} payment for {order} ({})",
            session.id
        ));
        let body = body.to_string().into_bytes();
        self.money.insert(body.clone(), order);
        self.queue.push(body);
    }

    /// An event of a type the shop does not act on.
    fn unknown_type(&mut self) {
        let id = self.fresh("evt_other");
        let body = json!({"id": id, "object": "event", "type": "payout.created",
                          "data": {"id": "po_1", "amount": 1}});
        self.log.push(format!("fintoc sends {id} (payout.created)"));
        self.queue.push(body.to_string().into_bytes());
    }

    async fn deliver(&mut self, body: Vec<u8>, what: &str) -> Result<(), String> {
        let signature = sign_event(
            &self.server.state.webhook_secret,
            &body,
            std::time::SystemTime::now(),
        );
        let response = self
            .http
            .post(self.server.url("/webhooks/fintoc"))
            .header("Content-Type", "application/json")
            .header("Fintoc-Signature", signature)
            .body(body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or_default();
        self.deliveries += 1;
        self.log.push(format!(
            "{what} {}: {status} {answer}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(90)
                .collect::<String>()
        ));
        if !status.is_success() {
            return Err(format!("a signed delivery was answered {status}: {answer}"));
        }
        if let Some(order) = self.money.get(&body) {
            self.money_delivered.insert(order.clone());
        }
        if self.distinct.insert(body.clone()) {
            self.delivered.push(body);
        }
        Ok(())
    }

    async fn step(&mut self, rng: &mut Rng) -> Result<(), String> {
        match rng.below(100) {
            0..=24 => self.checkout(rng).await?,
            25..=33 => self.outcome(rng, "succeeded").await?,
            34..=38 => self.outcome(rng, "failed").await?,
            39..=43 => self.expire(rng).await?,
            44..=71 => {
                if self.queue.is_empty() {
                    self.checkout(rng).await?;
                } else {
                    let body = self.queue.swap_remove(rng.below(self.queue.len()));
                    self.deliver(body, "deliver").await?;
                }
            }
            72..=83 => {
                if let Some(body) = rng.pick(&self.delivered).cloned() {
                    self.deliver(body, "redeliver").await?;
                }
            }
            84..=88 => self.synthesize(rng, "late"),
            89..=92 => self.synthesize(rng, "wrong_amount"),
            93..=97 => self.synthesize(rng, "unreadable"),
            _ => self.unknown_type(),
        }
        self.collect();
        self.check().await
    }

    async fn check(&mut self) -> Result<(), String> {
        let db = &self.server.state.db;
        for order in self.cart_of.keys() {
            let status = self.status(order).await;
            let fulfilled = db.fulfillments(order).await.map_err(|e| e.to_string())?;
            if fulfilled > 1 || (fulfilled == 1) != (status == "paid") {
                return Err(format!(
                    "order {order} is {status} and was fulfilled {fulfilled} times"
                ));
            }
        }
        for order in &self.money_delivered {
            let status = self.status(order).await;
            if !SETTLED.contains(&status.as_str()) {
                return Err(format!(
                    "a payment for order {order} was delivered, but the order is `{status}`: \
                     neither fulfilled nor flagged for a person"
                ));
            }
        }
        let recorded = db.processed_events().await.map_err(|e| e.to_string())? as usize;
        if recorded != self.distinct.len() {
            return Err(format!(
                "{} distinct events delivered, {recorded} recorded",
                self.distinct.len()
            ));
        }
        let sessions = self.sessions();
        for cart in 0..CARTS {
            let mine: Vec<&SessionView> = sessions
                .iter()
                .filter(|s| {
                    s.order_id
                        .as_ref()
                        .and_then(|o| self.cart_of.get(o))
                        .is_some_and(|c| *c == cart)
                })
                .collect();
            let payable: Vec<&str> = mine
                .iter()
                .filter(|s| !s.status.is_final())
                .map(|s| s.id.as_str())
                .collect();
            if payable.len() > 1 {
                return Err(format!("cart {cart} has two payable sessions: {payable:?}"));
            }
            if self.cart_held(cart).await.is_some() {
                let before = *self.held_sessions[cart].get_or_insert(mine.len());
                if mine.len() > before {
                    return Err(format!(
                        "cart {cart} was paid with {before} sessions and now has {}",
                        mine.len()
                    ));
                }
            }
        }
        if let Some(stray) = sessions.iter().find(|s| {
            s.order_id
                .as_ref()
                .is_none_or(|o| !self.cart_of.contains_key(o))
        }) {
            return Err(format!(
                "a session for an order no checkout answered: {stray:?}"
            ));
        }
        Ok(())
    }

    /// Delivers everything still queued (in random order), checking after each.
    async fn drain(&mut self, rng: &mut Rng) -> Result<(), String> {
        while !self.queue.is_empty() {
            let body = self.queue.swap_remove(rng.below(self.queue.len()));
            self.deliver(body, "finally deliver").await?;
            self.collect();
            self.check().await?;
        }
        Ok(())
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_deliveries_and_checkouts_keep_every_money_rule() {
    let sequences = env_number("FINTOC_FUZZ_SEQUENCES", 12);
    let steps = env_number("FINTOC_FUZZ_STEPS", 60) as usize;
    let seed = env_number("FINTOC_FUZZ_SEED", 0x5eed_2026_1203);
    let started = Instant::now();
    let (mut total_steps, mut deliveries, mut checkouts) = (0, 0, 0);
    for i in 0..sequences {
        let sequence_seed = seed.wrapping_add(i);
        let mut rng = Rng(sequence_seed);
        let (_dir, mut sequence) = Sequence::new(&mut rng).await;
        let mut result = Ok(());
        for _ in 0..steps {
            result = tokio::time::timeout(Duration::from_secs(20), sequence.step(&mut rng))
                .await
                .unwrap_or_else(|_| Err("a step took over 20 s".into()));
            total_steps += 1;
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() {
            result = tokio::time::timeout(Duration::from_secs(60), sequence.drain(&mut rng))
                .await
                .unwrap_or_else(|_| Err("delivering the rest took over 60 s".into()));
        }
        if let Err(e) = result {
            let tail = sequence.log.len().saturating_sub(40);
            panic!(
                "sequence {i} failed: {e}\nreplay: FINTOC_FUZZ_SEQUENCES=1 \
                 FINTOC_FUZZ_SEED={sequence_seed} FINTOC_FUZZ_STEPS={steps}\nlast steps:\n  {}",
                sequence.log[tail..].join("\n  ")
            );
        }
        deliveries += sequence.deliveries;
        checkouts += sequence.checkouts;
        sequence.server.stop().await;
        if (i + 1) % 250 == 0 {
            println!(
                "… {} sequences, {total_steps} steps, {:.0} s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "{sequences} sequences, {total_steps} steps ({checkouts} checkouts, {deliveries} signed \
         deliveries) from seed {seed} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
