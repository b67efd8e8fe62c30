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
    /// `pending`, `paid`, `failed`, `expired`.
    pub status: String,
    pub amount: u64,
    pub currency: String,
    pub items: serde_json::Value,
    pub checkout_session_id: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a webhook did to the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Seen before: nothing changed.
    Duplicate,
    /// Recorded; the order (if any) moved to this status.
    Recorded {
        order_id: Option<String>,
        status: Option<String>,
    },
}

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
                 updated_at INTEGER NOT NULL
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
             );",
        )?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        crate::lock(&self.conn)
    }

    pub fn create_order(
        &self,
        id: &str,
        amount: u64,
        currency: &str,
        items: &serde_json::Value,
    ) -> rusqlite::Result<()> {
        let t = unix_now();
        self.lock().execute(
            "INSERT INTO orders (id, status, amount, currency, items, created_at, updated_at)
             VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?5)",
            params![id, amount as i64, currency, items.to_string(), t],
        )?;
        Ok(())
    }

    pub fn attach_session(&self, order_id: &str, session_id: &str) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE orders SET checkout_session_id = ?2, updated_at = ?3 WHERE id = ?1",
            params![order_id, session_id, unix_now()],
        )?;
        Ok(())
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
                        created_at, updated_at
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

    /// Records event `event_id` and applies `status` to the order, in one transaction: an event
    /// id seen before changes nothing; a final order status never changes again; the move to
    /// `paid` fulfils the order exactly once.
    pub fn apply_event(
        &self,
        event_id: &str,
        event_type: &str,
        order_ref: OrderRef<'_>,
        status: Option<(&str, Option<&str>)>,
    ) -> rusqlite::Result<Applied> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let order_id: Option<String> = match order_ref {
            OrderRef::Id(id) => tx
                .query_row("SELECT id FROM orders WHERE id = ?1", params![id], |r| {
                    r.get(0)
                })
                .optional()?,
            OrderRef::Session(session) => tx
                .query_row(
                    "SELECT id FROM orders WHERE checkout_session_id = ?1",
                    params![session],
                    |r| r.get(0),
                )
                .optional()?,
            OrderRef::None => None,
        };
        let t = unix_now();
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO processed_events (id, type, order_id, received_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![event_id, event_type, order_id, t],
        )?;
        if inserted == 0 {
            return Ok(Applied::Duplicate);
        }
        let mut applied = None;
        if let (Some(order_id), Some((status, reason))) = (&order_id, status) {
            let changed = tx.execute(
                "UPDATE orders SET status = ?2, failure_reason = ?3, updated_at = ?4
                 WHERE id = ?1 AND status = 'pending'",
                params![order_id, status, reason, t],
            )?;
            if changed == 1 {
                applied = Some(status.to_owned());
                if status == "paid" {
                    tx.execute(
                        "INSERT INTO fulfillments (order_id, fulfilled_at) VALUES (?1, ?2)",
                        params![order_id, t],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(Applied::Recorded {
            order_id,
            status: applied,
        })
    }
}

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
