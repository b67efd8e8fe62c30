//! Seeded randomized sequences against the demo server (issue 18, "webhook deliveries to the
//! demo server"; issue 22 §3, refunds): checkouts for the same carts interleaved at random with
//! what Fintoc does (the shopper pays or is rejected, a session expires, a payment lands after
//! its order closed or for another amount — through the sandbox's `events/trigger` — the refunds
//! the shop asks for settle, or fail) and with webhook deliveries that are duplicated, reordered,
//! late, of a shape the crate cannot read, or of the wrong amount; refund requests that Fintoc
//! answers with a 5xx, or whose answer is lost, and the shop's retries. The sandbox keeps its
//! webhooks for the test, which delivers them itself, signed.
//!
//! After every step:
//! - every signed delivery was answered 2xx, and every delivered event is recorded;
//! - an order is fulfilled at most once, and exactly when it is `paid`;
//! - every delivered payment (a succeeded payment, a late one, one of another amount, one the
//!   crate cannot read) left its order fulfilled (`paid`) or flagged for a person — never
//!   `pending`, `failed` or `expired`;
//! - every delivered payment the crate can read is the one its order was fulfilled with, or has
//!   a refund (one row per payment intent);
//! - Fintoc (the sandbox) made at most one refund per payment intent, and was never asked for one
//!   again once it had answered: every request but a payment's last was a 5xx or a lost answer,
//!   with the payment's idempotency key, renewed (`…:full:2`, …) only after a 5xx, which Fintoc
//!   replays for its key; a refund the shop recorded is the one Fintoc
//!   made, and its status only moves forward; a refund still being asked for is one whose last
//!   request failed; a refund that failed or could not be made flags its order for a person;
//! - no cart has two sessions that can be paid;
//! - a cart with a paid (or held) order never gets another session, and its checkouts get 409.
//!
//! At the end, once every refund was asked for and every webhook delivered: each payment the shop
//! did not keep was refunded exactly once (its refund `succeeded`), or its refund `failed` and a
//! person is flagged.
//!
//! CI runs a fixed seed, bounded (a few seconds). A longer run by hand:
//! `FINTOC_FUZZ_SEQUENCES=5000 FINTOC_FUZZ_SEED=123 cargo test -p fintoc-demo-server --release
//! --test sequences -- --nocapture` (`FINTOC_FUZZ_STEPS` sets the steps per sequence). A failure
//! prints the sequence's seed and its last steps: replay it with `FINTOC_FUZZ_SEQUENCES=1
//! FINTOC_FUZZ_SEED=<seed>`. The whole run has one deadline, `FINTOC_FUZZ_DEADLINE_SECS`
//! (default 300; raise it for a long run), besides each step's.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::*;
use fintoc_demo_server::refunds::REQUESTING;
use fintoc_demo_server::sandbox::{SessionView, REFUND_FAILS_AMOUNT};
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
    /// Bodies the crate cannot read (no payment intent to refund).
    unreadable: HashSet<Vec<u8>>,
    /// Payments (payment intent → order, amount) delivered in an event the crate can read.
    payments_delivered: HashMap<String, (String, u64)>,
    /// Their payment intents, in the order first delivered (a replay picks the same ones).
    payments_in_order: Vec<String>,
    /// Each refund row's status when last seen.
    refund_seen: HashMap<String, String>,
    /// Faults injected in refund requests.
    faults: u64,
    retries: u64,
    /// Sessions already used for a synthesized late / wrong / unreadable event.
    synthesized: HashSet<(String, &'static str)>,
    /// Per cart: the sessions it had when it was first seen held.
    held_sessions: Vec<Option<usize>>,
    next_id: u64,
    log: Vec<String>,
    deliveries: u64,
    checkouts: u64,
    totals: Totals,
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
            unreadable: HashSet::new(),
            payments_delivered: HashMap::new(),
            payments_in_order: Vec::new(),
            refund_seen: HashMap::new(),
            faults: 0,
            retries: 0,
            synthesized: HashSet::new(),
            held_sessions: vec![None; CARTS],
            next_id: 0,
            log: Vec::new(),
            deliveries: 0,
            checkouts: 0,
            totals: Totals::default(),
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
            if let Some((_, order, _)) = payment_in(&body) {
                self.money.insert(body.clone(), order);
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

    /// `POST /sandbox/api/v1/events/trigger` (its event is kept with the other webhooks).
    async fn trigger(&mut self, event_type: &str, overrides: Value) -> Result<(), String> {
        let sandbox = self.server.state.sandbox.as_ref().unwrap();
        let response = self
            .http
            .post(self.server.url("/sandbox/api/v1/events/trigger"))
            .header("Authorization", sandbox.secret_key())
            .json(&json!({"type": event_type, "overrides": overrides}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        match response.status().as_u16() {
            201 => Ok(()),
            other => Err(format!(
                "the sandbox refused to trigger {event_type}: {other}"
            )),
        }
    }

    /// A payment Fintoc sends besides the sandbox's sessions (through its `events/trigger`): a
    /// late payment of an expired session (now and then of the amount whose refund fails), or a
    /// new payment of another amount for any order.
    async fn pay_aside(&mut self, rng: &mut Rng, kind: &'static str) -> Result<(), String> {
        let sessions = self.sessions();
        let candidates: Vec<&SessionView> = sessions
            .iter()
            .filter(|s| !self.synthesized.contains(&(s.id.clone(), kind)))
            .filter(|s| {
                kind != "late"
                    || (s.status == CheckoutSessionStatus::Expired && s.payment_intent.is_none())
            })
            .collect();
        let Some(session) = rng.pick(&candidates).map(|s| (*s).clone()) else {
            return Ok(());
        };
        let order = session.order_id.clone().unwrap_or_default();
        let amount = match (kind, rng.below(5)) {
            (_, 0) => REFUND_FAILS_AMOUNT,
            ("late", _) => session.amount,
            _ => session.amount + 1 + rng.below(5_000) as u64,
        };
        self.synthesized.insert((session.id.clone(), kind));
        self.log.push(format!(
            "fintoc sends a {kind} payment of {amount} for {order} ({})",
            session.id
        ));
        self.trigger(
            "payment_intent.succeeded",
            json!({"amount": amount, "metadata": {"order_id": order}}),
        )
        .await
    }

    /// A payment event Fintoc could send besides the sandbox's own: the same payment stated with
    /// another amount, or a shape the crate cannot read.
    fn synthesize(&mut self, rng: &mut Rng, kind: &'static str) {
        let sessions = self.sessions();
        let candidates: Vec<&SessionView> = sessions
            .iter()
            .filter(|s| !self.synthesized.contains(&(s.id.clone(), kind)))
            .filter(|s| {
                s.payment_intent
                    .as_ref()
                    .is_some_and(|(_, status)| status == "succeeded")
            })
            .collect();
        let Some(session) = rng.pick(&candidates).map(|s| (*s).clone()) else {
            return;
        };
        let order = session.order_id.clone().unwrap_or_default();
        let event_id = self.fresh("evt_fuzz");
        let intent_id = session
            .payment_intent
            .as_ref()
            .map(|(id, _)| id.clone())
            .unwrap_or_default();
        let intent = |amount: u64| {
            json!({"id": intent_id, "object": "payment_intent", "amount": amount,
                   "currency": "CLP", "status": "succeeded", "metadata": {"order_id": order}})
        };
        let body = match kind {
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
        if kind != "wrong_amount" {
            self.unreadable.insert(body.clone());
        }
        self.money.insert(body.clone(), order);
        self.queue.push(body);
    }

    /// A payment delivered before, told again in an event of its own (as Fintoc's
    /// `payment_intent.succeeded` follows its `checkout_session.finished`).
    fn again(&mut self, rng: &mut Rng) {
        let Some(intent) = rng.pick(&self.payments_in_order).cloned() else {
            return;
        };
        let Some((order, amount)) = self.payments_delivered.get(&intent).cloned() else {
            return;
        };
        let id = self.fresh("evt_again");
        let body = json!({"id": id, "object": "event", "type": "payment_intent.succeeded",
            "data": {"id": intent, "object": "payment_intent", "amount": amount,
                     "currency": "CLP", "status": "succeeded", "metadata": {"order_id": order}}});
        self.log.push(format!(
            "fintoc tells payment {intent} of {order} again ({id})"
        ));
        let body = body.to_string().into_bytes();
        self.money.insert(body.clone(), order);
        self.queue.push(body);
    }

    /// Fintoc answers the next refund request with a 5xx (nothing done), or makes the refund and
    /// its answer is lost on the way.
    fn refund_fault(&mut self, rng: &mut Rng) {
        let sandbox = self.server.state.sandbox.as_ref().unwrap();
        if rng.below(2) == 0 {
            sandbox.fail_next_refund_requests(1);
            self.log
                .push("fintoc will answer the next refund request 503".into());
        } else {
            sandbox.lose_next_refund_answers(1);
            self.log
                .push("the next refund's answer will be lost".into());
        }
        self.faults += 1;
    }

    /// The shop's retrier runs (as every `REFUND_RETRY_SECS`).
    async fn retry_refunds(&mut self) -> Result<(), String> {
        let asked = fintoc_demo_server::refunds::retry_pending(&self.server.state)
            .await
            .map_err(|e| e.to_string())?;
        self.retries += asked as u64;
        self.log
            .push(format!("the shop asks again for {asked} refunds"));
        Ok(())
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
            &self.server.webhook_secret(),
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
        if !self.unreadable.contains(&body) {
            if let Some((intent, order, amount)) = payment_in(&body) {
                if self
                    .payments_delivered
                    .insert(intent.clone(), (order, amount))
                    .is_none()
                {
                    self.payments_in_order.push(intent);
                }
            }
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
            84..=87 => self.pay_aside(rng, "late").await?,
            88..=89 => self.pay_aside(rng, "another_amount").await?,
            90 => self.synthesize(rng, "wrong_amount"),
            91..=92 => self.again(rng),
            93..=94 => self.synthesize(rng, "unreadable"),
            95 => self.refund_fault(rng),
            96..=97 => self.retry_refunds().await?,
            98 => {
                self.log
                    .push("fintoc sends a refund.succeeded not of this shop".into());
                self.trigger("refund.succeeded", json!({})).await?;
            }
            _ => self.unknown_type(),
        }
        self.collect();
        self.check().await
    }

    async fn check(&mut self) -> Result<(), String> {
        self.check_refunds().await?;
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

    /// The refund invariants (see the module's documentation).
    async fn check_refunds(&mut self) -> Result<(), String> {
        let db = &self.server.state.db;
        let sandbox = self.server.state.sandbox.as_ref().unwrap();
        let rows = db.refunds().await.map_err(|e| e.to_string())?;
        let made = sandbox.refunds();
        let requests = sandbox.refund_requests();
        let mut made_per_payment: HashMap<&str, usize> = HashMap::new();
        for refund in &made {
            *made_per_payment.entry(&refund.payment_intent).or_default() += 1;
        }
        if let Some((intent, n)) = made_per_payment.iter().find(|(_, n)| **n > 1) {
            return Err(format!("Fintoc made {n} refunds of payment {intent}"));
        }
        let mut asked: HashMap<&str, Vec<&fintoc_demo_server::sandbox::RefundRequest>> =
            HashMap::new();
        for request in &requests {
            asked
                .entry(&request.payment_intent)
                .or_default()
                .push(request);
        }
        for (intent, requests) in &asked {
            // The payment's key, then `…:full:2`, `…:full:3`: a new key only after Fintoc
            // answered the previous one with a 5xx (which it replays for that key).
            let base = format!("fintoc-wasm:refund:{intent}:full");
            let mut version = 0u32;
            let mut previous: Option<&str> = None;
            for r in requests {
                let key_of = |v: u32| match v {
                    0 => base.clone(),
                    v => format!("{base}:{}", v + 1),
                };
                let renewed = matches!(previous, Some("failed" | "lost"))
                    && r.idempotency_key.as_deref() == Some(key_of(version + 1).as_str());
                if renewed {
                    version += 1;
                } else if r.idempotency_key.as_deref() != Some(key_of(version).as_str()) {
                    return Err(format!(
                        "payment {intent} was refunded with another key: {r:?} in {requests:?}"
                    ));
                }
                previous = Some(r.outcome);
            }
            let answered_then_asked = requests
                .iter()
                .rev()
                .skip(1)
                .find(|r| !["failed", "lost"].contains(&r.outcome));
            if let Some(first) = answered_then_asked {
                return Err(format!(
                    "the refund of payment {intent} was asked for again after Fintoc answered \
                     ({}): {requests:?}",
                    first.outcome
                ));
            }
        }
        for row in &rows {
            let intent = row.payment_intent_id.as_str();
            if let Some(before) = self.refund_seen.get(intent) {
                if went_back(before, &row.status) {
                    return Err(format!(
                        "the refund of {intent} went back from {before} to {}",
                        row.status
                    ));
                }
            }
            self.refund_seen
                .insert(intent.to_owned(), row.status.clone());
            if let Some(id) = &row.refund_id {
                if !made
                    .iter()
                    .any(|r| &r.id == id && r.payment_intent == intent)
                {
                    return Err(format!(
                        "the shop records refund {id} of {intent}, which Fintoc did not make"
                    ));
                }
            }
            let last = asked.get(intent).and_then(|r| r.last()).map(|r| r.outcome);
            match row.status.as_str() {
                REQUESTING if !matches!(last, Some("failed" | "lost")) => {
                    return Err(format!(
                        "the refund of {intent} is still being asked for, yet its last request \
                         was {last:?}"
                    ))
                }
                "failed" | "canceled" | "not_created" => {
                    let order = db.order(&row.order_id).await.map_err(|e| e.to_string())?;
                    let review = order.and_then(|o| o.review_reason).unwrap_or_default();
                    if !review.contains("refund it by hand") {
                        return Err(format!(
                            "the refund of {intent} is {}, but its order does not flag a person: \
                             {review:?}",
                            row.status
                        ));
                    }
                }
                _ => {}
            }
        }
        for (intent, (order, _)) in &self.payments_delivered {
            if !self.cart_of.contains_key(order) {
                continue;
            }
            let stored = db
                .order(order)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("order {order} is gone"))?;
            let kept =
                stored.status == "paid" && stored.payment_intent_id.as_deref() == Some(intent);
            let refunded = rows.iter().any(|r| &r.payment_intent_id == intent);
            if !kept && !refunded {
                return Err(format!(
                    "payment {intent} of order {order} ({}) was neither kept nor refunded",
                    stored.status
                ));
            }
        }
        Ok(())
    }

    /// Delivers everything still queued (in random order) and lets the shop ask again for every
    /// refund it could not get, checking after each step; then every refund the shop did not
    /// keep the money of was made once and succeeded, or failed and flags a person.
    async fn drain(&mut self, rng: &mut Rng) -> Result<(), String> {
        loop {
            while !self.queue.is_empty() {
                let body = self.queue.swap_remove(rng.below(self.queue.len()));
                self.deliver(body, "finally deliver").await?;
                self.collect();
                self.check().await?;
            }
            let pending = self
                .server
                .state
                .db
                .pending_refunds(i64::MAX)
                .await
                .map_err(|e| e.to_string())?;
            if pending.is_empty() {
                break;
            }
            self.retry_refunds().await?;
            self.collect();
            self.check().await?;
        }
        let sandbox = self.server.state.sandbox.as_ref().unwrap();
        let made = sandbox.refunds();
        for row in self
            .server
            .state
            .db
            .refunds()
            .await
            .map_err(|e| e.to_string())?
        {
            let at_fintoc: Vec<_> = made
                .iter()
                .filter(|r| r.payment_intent == row.payment_intent_id)
                .collect();
            let fine = match (row.status.as_str(), at_fintoc.as_slice()) {
                ("succeeded", [one]) => one.status == "succeeded" && one.amount == row.amount,
                ("failed", [one]) => one.status == "failed",
                ("not_created", []) => true,
                _ => false,
            };
            if !fine {
                return Err(format!(
                    "at the end, the refund of {} is {} and Fintoc has {at_fintoc:?}",
                    row.payment_intent_id, row.status
                ));
            }
            self.totals.refunds += 1;
            if row.status != "succeeded" {
                self.totals.flagged += 1;
            }
        }
        Ok(())
    }
}

/// The payment (payment intent, order, amount) a webhook body says was received, if it says so
/// in a shape the crate reads: a finished session whose payment intent succeeded, or a succeeded
/// payment intent.
fn payment_in(body: &[u8]) -> Option<(String, String, u64)> {
    let event: Value = serde_json::from_slice(body).ok()?;
    let data = &event["data"];
    let intent = match event["type"].as_str()? {
        "checkout_session.finished" => &data["payment_resource"]["payment_intent"],
        "payment_intent.succeeded" => data,
        _ => return None,
    };
    (intent["status"] == "succeeded").then_some(())?;
    let order = data["metadata"]["order_id"]
        .as_str()
        .or(intent["metadata"]["order_id"].as_str())?;
    Some((
        intent["id"].as_str()?.to_owned(),
        order.to_owned(),
        intent["amount"].as_u64()?,
    ))
}

/// Whether a refund moved backwards from `before` to `now` (the test's own model of Fintoc's
/// `created → in_progress → succeeded | failed | canceled`, after the shop's `requesting`).
fn went_back(before: &str, now: &str) -> bool {
    let rank = |s: &str| match s {
        REQUESTING | "not_created" => 0,
        "created" => 1,
        "in_progress" => 2,
        _ => 3,
    };
    rank(now) < rank(before) || (rank(before) == 3 && before != now)
}

/// What a run's refunds came to.
#[derive(Default)]
struct Totals {
    refunds: u64,
    flagged: u64,
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
    // One deadline for the whole run (CI: 5 minutes for what takes under a minute; a long run by
    // hand sets its own), on top of each step's.
    let deadline = started + Duration::from_secs(env_number("FINTOC_FUZZ_DEADLINE_SECS", 300));
    let within = |limit: Duration| limit.min(deadline.saturating_duration_since(Instant::now()));
    let (mut total_steps, mut deliveries, mut checkouts) = (0, 0, 0);
    let (mut refunds, mut flagged, mut faults, mut retries) = (0, 0, 0, 0);
    for i in 0..sequences {
        let sequence_seed = seed.wrapping_add(i);
        let mut rng = Rng(sequence_seed);
        let (_dir, mut sequence) = Sequence::new(&mut rng).await;
        let mut result = Ok(());
        for _ in 0..steps {
            result = tokio::time::timeout(within(Duration::from_secs(20)), sequence.step(&mut rng))
                .await
                .unwrap_or_else(|_| {
                    Err("a step took over 20 s, or the run's deadline (FINTOC_FUZZ_DEADLINE_SECS) passed".into())
                });
            total_steps += 1;
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() {
            result =
                tokio::time::timeout(within(Duration::from_secs(60)), sequence.drain(&mut rng))
                    .await
                    .unwrap_or_else(|_| {
                        Err(
                            "delivering the rest took over 60 s, or the run's deadline passed"
                                .into(),
                        )
                    });
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
        refunds += sequence.totals.refunds;
        flagged += sequence.totals.flagged;
        faults += sequence.faults;
        retries += sequence.retries;
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
         deliveries; {refunds} payments refunded, {flagged} of them failed and flagged for a \
         person; {faults} refund requests failed or lost, {retries} asked again) from seed {seed} \
         in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
