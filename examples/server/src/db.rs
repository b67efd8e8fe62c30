//! Orders and processed webhook events, in SQLite (one file, created on first run).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::unix_now;

/// An order as the shop page sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Order {
    pub id: String,
    /// `pending`, then `paid` (fulfilled), `failed` or `expired`; or one that needs a person
    /// (see `review_reason`, nothing is fulfilled): `paid_after_close` (paid after it failed or
    /// expired: refund or fulfil by hand), `amount_mismatch` (paid, but not the order's amount
    /// or currency), `needs_review` (a webhook that may be its payment could not be read).
    pub status: String,
    pub amount: u64,
    pub currency: String,
    pub items: serde_json::Value,
    pub checkout_session_id: Option<String>,
    pub failure_reason: Option<String>,
    /// Why a person must look at this order (for the three statuses above).
    pub review_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The statuses that need a person: never fulfilled automatically.
pub const REVIEW_STATUSES: [&str; 3] = ["paid_after_close", "amount_mismatch", "needs_review"];

/// What a webhook did to the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Seen before: nothing changed.
    Duplicate,
    /// Recorded; the order (if any) moved to `status`, with `review_reason` when it needs a
    /// person.
    Recorded {
        order_id: Option<String>,
        status: Option<String>,
        review_reason: Option<String>,
    },
}

/// What a verified webhook says about its order.
#[derive(Clone, Copy, Debug)]
pub enum Effect<'a> {
    /// Nothing to change (a payment not final yet, an event about something else).
    None,
    /// The payment succeeded; `stated` is every (amount, currency) the event gives for it (the
    /// session's and the payment intent's). Fulfilled only when they all match the order.
    Paid { stated: &'a [(u64, &'a str)] },
    /// The payment failed or was rejected.
    Failed { reason: &'a str },
    /// The session or payment expired.
    Expired,
    /// A payment event the crate could not read: kept in `unhandled_events` with its raw
    /// `data`; when it `may_be_payment`, an open or closed (not paid) order moves to
    /// `needs_review`.
    Unreadable {
        reason: &'a str,
        data: &'a serde_json::Value,
        may_be_payment: bool,
    },
}

/// A verified webhook the crate could not read (`unhandled_events`): look at each one.
#[derive(Clone, Debug, PartialEq)]
pub struct UnhandledEvent {
    pub event_id: String,
    pub event_type: String,
    pub order_id: Option<String>,
    pub reason: String,
    /// The event's `data` as received (for an unreadable event), or the whole event (for a
    /// payment that matches no order).
    pub data: serde_json::Value,
    pub received_at: i64,
}

/// The newest `pending` order of a cart (see `shop::checkout`).
#[derive(Clone, Debug, PartialEq)]
pub struct OpenOrder {
    pub id: String,
    pub amount: u64,
    pub items: serde_json::Value,
    pub checkout_session_id: Option<String>,
    /// Unix seconds after which its session token is no longer usable.
    pub token_expires_at: Option<i64>,
}

/// Columns added to `orders` after the first release: added in place to older files.
const ADDED_ORDER_COLUMNS: [(&str, &str); 3] = [
    ("cart_id", "TEXT"),
    ("token_expires_at", "INTEGER"),
    ("review_reason", "TEXT"),
];

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the database file and its tables.
    pub fn open(path: &Path) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS orders (
                 id TEXT PRIMARY KEY,
                 status TEXT NOT NULL,
                 amount INTEGER NOT NULL,
                 currency TEXT NOT NULL,
                 items TEXT NOT NULL,
                 checkout_session_id TEXT,
                 failure_reason TEXT,
                 created_at INTEGER NOT NULL,
                 updated_at INTEGER NOT NULL,
                 cart_id TEXT,
                 token_expires_at INTEGER,
                 review_reason TEXT
             );
             CREATE INDEX IF NOT EXISTS orders_by_session ON orders (checkout_session_id);
             CREATE TABLE IF NOT EXISTS processed_events (
                 id TEXT PRIMARY KEY,
                 type TEXT NOT NULL,
                 order_id TEXT,
                 received_at INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS fulfillments (
                 order_id TEXT PRIMARY KEY,
                 fulfilled_at INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS unhandled_events (
                 event_id TEXT PRIMARY KEY,
                 type TEXT NOT NULL,
                 order_id TEXT,
                 reason TEXT NOT NULL,
                 data TEXT NOT NULL,
                 received_at INTEGER NOT NULL
             );",
        )?;
        let existing = conn
            .prepare("SELECT name FROM pragma_table_info('orders')")?
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        for (column, kind) in ADDED_ORDER_COLUMNS {
            if !existing.iter().any(|c| c == column) {
                conn.execute_batch(&format!("ALTER TABLE orders ADD COLUMN {column} {kind}"))?;
            }
        }
        conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS orders_by_cart ON orders (cart_id, status, created_at)",
        )?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        crate::lock(&self.conn)
    }

    /// A new `pending` order, of the purchase `cart_id` when the browser named one.
    pub fn create_order(
        &self,
        id: &str,
        amount: u64,
        currency: &str,
        items: &serde_json::Value,
        cart_id: Option<&str>,
    ) -> rusqlite::Result<()> {
        let t = unix_now();
        self.lock().execute(
            "INSERT INTO orders (id, status, amount, currency, items, cart_id, created_at, updated_at)
             VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6, ?6)",
            params![id, amount as i64, currency, items.to_string(), cart_id, t],
        )?;
        Ok(())
    }

    /// Records the order's Checkout Session and until when its token is usable (Unix seconds).
    pub fn attach_session(
        &self,
        order_id: &str,
        session_id: &str,
        token_expires_at: i64,
    ) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE orders SET checkout_session_id = ?2, token_expires_at = ?3, updated_at = ?4
             WHERE id = ?1",
            params![order_id, session_id, token_expires_at, unix_now()],
        )?;
        Ok(())
    }

    /// The newest `pending` order of `cart_id`, if any.
    pub fn open_order_for_cart(&self, cart_id: &str) -> rusqlite::Result<Option<OpenOrder>> {
        self.lock()
            .query_row(
                "SELECT id, amount, items, checkout_session_id, token_expires_at FROM orders
                 WHERE cart_id = ?1 AND status = 'pending'
                 ORDER BY created_at DESC, rowid DESC LIMIT 1",
                params![cart_id],
                |row| {
                    let items: String = row.get(2)?;
                    Ok(OpenOrder {
                        id: row.get(0)?,
                        amount: row.get::<_, i64>(1)? as u64,
                        items: serde_json::from_str(&items).unwrap_or(serde_json::Value::Null),
                        checkout_session_id: row.get(3)?,
                        token_expires_at: row.get(4)?,
                    })
                },
            )
            .optional()
    }

    /// The newest order of `cart_id` that was paid or is held for a person (`paid` or one of
    /// [`REVIEW_STATUSES`]): such a cart is done, it never gets another payable session.
    pub fn held_order_for_cart(&self, cart_id: &str) -> rusqlite::Result<Option<(String, String)>> {
        self.lock()
            .query_row(
                "SELECT id, status FROM orders
                 WHERE cart_id = ?1 AND status IN ('paid', ?2, ?3, ?4)
                 ORDER BY created_at DESC, rowid DESC LIMIT 1",
                params![
                    cart_id,
                    REVIEW_STATUSES[0],
                    REVIEW_STATUSES[1],
                    REVIEW_STATUSES[2]
                ],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
    }

    pub fn mark_error(&self, order_id: &str, reason: &str) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE orders SET status = 'failed', failure_reason = ?2, updated_at = ?3
             WHERE id = ?1 AND status = 'pending'",
            params![order_id, reason, unix_now()],
        )?;
        Ok(())
    }

    pub fn order(&self, id: &str) -> rusqlite::Result<Option<Order>> {
        self.lock()
            .query_row(
                "SELECT id, status, amount, currency, items, checkout_session_id, failure_reason,
                        created_at, updated_at, review_reason
                 FROM orders WHERE id = ?1",
                params![id],
                |row| {
                    let items: String = row.get(4)?;
                    Ok(Order {
                        id: row.get(0)?,
                        status: row.get(1)?,
                        amount: row.get::<_, i64>(2)? as u64,
                        currency: row.get(3)?,
                        items: serde_json::from_str(&items).unwrap_or(serde_json::Value::Null),
                        checkout_session_id: row.get(5)?,
                        failure_reason: row.get(6)?,
                        review_reason: row.get(9)?,
                        created_at: row.get(7)?,
                        updated_at: row.get(8)?,
                    })
                },
            )
            .optional()
    }

    /// How many times an order was fulfilled (the demo's "ship it" side effect): 0 or 1.
    pub fn fulfillments(&self, order_id: &str) -> rusqlite::Result<u32> {
        self.lock().query_row(
            "SELECT COUNT(*) FROM fulfillments WHERE order_id = ?1",
            params![order_id],
            |row| row.get(0),
        )
    }

    /// Ids of the orders in `status`, newest first.
    pub fn orders_with_status(&self, status: &str) -> rusqlite::Result<Vec<String>> {
        let conn = self.lock();
        let mut statement = conn.prepare(
            "SELECT id FROM orders WHERE status = ?1 ORDER BY created_at DESC, rowid DESC",
        )?;
        let ids = statement
            .query_map(params![status], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    pub fn processed_events(&self) -> rusqlite::Result<u32> {
        self.lock()
            .query_row("SELECT COUNT(*) FROM processed_events", [], |row| {
                row.get(0)
            })
    }

    /// The verified webhooks the crate could not read, oldest first.
    pub fn unhandled_events(&self) -> rusqlite::Result<Vec<UnhandledEvent>> {
        let conn = self.lock();
        let mut statement = conn.prepare(
            "SELECT event_id, type, order_id, reason, data, received_at FROM unhandled_events
             ORDER BY rowid",
        )?;
        let events = statement
            .query_map([], |row| {
                let data: String = row.get(4)?;
                Ok(UnhandledEvent {
                    event_id: row.get(0)?,
                    event_type: row.get(1)?,
                    order_id: row.get(2)?,
                    reason: row.get(3)?,
                    data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
                    received_at: row.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(events)
    }

    /// Records event `event_id` and applies its `effect` to the order, in one transaction: an
    /// event id seen before changes nothing; `paid`, `failed` and `expired` never change again,
    /// except that a payment for a failed or expired order becomes `paid_after_close`; a payment
    /// whose amount or currency differ from the order's becomes `amount_mismatch`; the move to
    /// `paid` fulfils the order exactly once. No payment is ever dropped: it is fulfilled or it
    /// leaves the order in a status a person must look at.
    ///
    /// A payment that matches no order (no `order_id` in its metadata, an id this database does
    /// not have) is kept in `unhandled_events` with the whole event (`raw_event`), like an event
    /// that could not be read: money received is never acknowledged and forgotten.
    pub fn apply_event(
        &self,
        event_id: &str,
        event_type: &str,
        order_ref: OrderRef<'_>,
        effect: Effect<'_>,
        raw_event: &serde_json::Value,
    ) -> rusqlite::Result<Applied> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let (column, value) = match order_ref {
            OrderRef::Id(id) => ("id", Some(id)),
            OrderRef::Session(session) => ("checkout_session_id", Some(session)),
            OrderRef::None => ("id", None),
        };
        let order: Option<(String, String, i64, String)> = match value {
            Some(value) => tx
                .query_row(
                    &format!("SELECT id, status, amount, currency FROM orders WHERE {column} = ?1"),
                    params![value],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?,
            None => None,
        };
        let order_id = order.as_ref().map(|o| o.0.clone());
        let t = unix_now();
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO processed_events (id, type, order_id, received_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![event_id, event_type, order_id, t],
        )?;
        if inserted == 0 {
            return Ok(Applied::Duplicate);
        }
        let unhandled = match effect {
            Effect::Unreadable { reason, data, .. } => Some((reason.to_owned(), data)),
            Effect::Paid { .. } if order.is_none() => {
                Some((UNMATCHED_PAYMENT.to_owned(), raw_event))
            }
            _ => None,
        };
        if let Some((reason, data)) = &unhandled {
            tx.execute(
                "INSERT INTO unhandled_events (event_id, type, order_id, reason, data, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![event_id, event_type, order_id, reason, data.to_string(), t],
            )?;
        }
        let mut applied = (None, None);
        if let Some((id, current, amount, currency)) = &order {
            if let Some((status, reason, review)) =
                transition(event_id, current, *amount, currency, effect)
            {
                let changed = tx.execute(
                    "UPDATE orders SET status = ?2, failure_reason = COALESCE(?3, failure_reason),
                         review_reason = ?4, updated_at = ?5
                     WHERE id = ?1 AND status = ?6",
                    params![id, status, reason, review, t, current],
                )?;
                if changed == 1 {
                    if status == "paid" {
                        tx.execute(
                            "INSERT INTO fulfillments (order_id, fulfilled_at) VALUES (?1, ?2)",
                            params![id, t],
                        )?;
                    }
                    applied = (Some(status.to_owned()), review);
                }
            }
        }
        tx.commit()?;
        Ok(Applied::Recorded {
            order_id,
            status: applied.0,
            review_reason: applied.1,
        })
    }
}

/// The order's next status, failure reason and review reason, or `None` to leave it as it is.
fn transition(
    event_id: &str,
    current: &str,
    amount: i64,
    currency: &str,
    effect: Effect<'_>,
) -> Option<(&'static str, Option<String>, Option<String>)> {
    let open = current == "pending";
    let closed = matches!(current, "failed" | "expired");
    match effect {
        Effect::Paid { stated } => {
            let mismatch = stated.is_empty()
                || stated
                    .iter()
                    .any(|(a, c)| i64::try_from(*a) != Ok(amount) || *c != currency);
            // An order under review is settled by a payment we can read.
            let awaiting = open || current == "needs_review";
            if mismatch && (awaiting || closed) {
                let said: Vec<String> = stated.iter().map(|(a, c)| format!("{a} {c}")).collect();
                Some((
                    "amount_mismatch",
                    None,
                    Some(format!(
                        "event {event_id} says the payment was {}, but the order is {amount} \
                         {currency}: check the payment in Fintoc's dashboard, then refund it or \
                         fulfil the order by hand",
                        said.join(" / ")
                    )),
                ))
            } else if awaiting {
                Some(("paid", None, None))
            } else if closed {
                Some((
                    "paid_after_close",
                    None,
                    Some(format!(
                        "event {event_id}: paid after the order was {current}: refund the \
                         payment or fulfil the order by hand"
                    )),
                ))
            } else {
                // Already paid or already flagged: the event is recorded, nothing changes.
                None
            }
        }
        Effect::Failed { reason } if open => Some(("failed", Some(reason.to_owned()), None)),
        Effect::Expired if open => Some(("expired", None, None)),
        Effect::Unreadable {
            reason,
            may_be_payment: true,
            ..
        } if open || closed => Some((
            "needs_review",
            None,
            Some(format!(
                "event {event_id} could not be read ({reason}); it may be this order's \
                 payment: check it in Fintoc's dashboard"
            )),
        )),
        _ => None,
    }
}

/// The `unhandled_events` reason of a payment that matches no order.
pub const UNMATCHED_PAYMENT: &str =
    "a payment that matches no order (no order_id in its metadata, or an unknown one)";

/// How a webhook points at an order.
#[derive(Clone, Copy, Debug)]
pub enum OrderRef<'a> {
    /// `metadata.order_id`.
    Id(&'a str),
    /// The checkout session id stored with the order.
    Session(&'a str),
    /// Nothing to go on.
    None,
}
