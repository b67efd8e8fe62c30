//! Orders, processed webhook events, fulfilments and unreadable events: one schema and one set of
//! queries on two backends, through sqlx's async drivers —
//!
//! - **SQLite** (the default): a file, created on first run, no set-up (`./scripts/demo`);
//! - **PostgreSQL** (`DATABASE_URL=postgres://…`): what several instances of the server share.
//!
//! Every money rule is kept by the database, not by a lock in one process, so it holds across
//! instances:
//!
//! - `processed_events.id` is the primary key and an event is recorded with
//!   `INSERT … ON CONFLICT DO NOTHING` in the same transaction as its effect: an event id is
//!   processed once, however many instances receive it at once;
//! - an order moves along its statuses with conditional updates (`… WHERE id = ? AND status =
//!   <the status it was read in>`); when another instance moved it first, the transaction
//!   reads it again and applies the event to the new status (a payment for an order that just
//!   expired becomes `paid_after_close`), so paid and expired applied at once leave one
//!   consistent result and no payment is lost;
//! - `fulfillments.order_id` is the primary key, written in the transaction that moves the order
//!   to `paid` (which only one can do): fulfilled exactly once;
//! - the unique partial index `one_pending_order_per_cart` (`orders (cart_id) WHERE status =
//!   'pending'`) allows one open order — so one payable session — per cart, even when two
//!   instances receive the same cart's checkout at once, and a new order is only inserted when
//!   no order of the cart is paid or held for a person (`INSERT … SELECT … WHERE NOT EXISTS`).
//!
//! On SQLite every write transaction starts with `BEGIN IMMEDIATE` (one writer at a time, the
//! others wait up to 5 s), readers run beside it (WAL).

use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::unix_now;

/// What a database call can fail with.
pub type DbError = sqlx::Error;

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

/// The open (`pending`) order of a cart (see `shop::checkout`).
#[derive(Clone, Debug, PartialEq)]
pub struct OpenOrder {
    pub id: String,
    pub amount: u64,
    pub items: serde_json::Value,
    pub checkout_session_id: Option<String>,
    /// Unix seconds after which its session token is no longer usable.
    pub token_expires_at: Option<i64>,
    /// The shop page its session returns to (`shop::RETURN_PAGES`).
    pub return_to: Option<String>,
}

/// A cart as the checkout sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cart {
    /// Its newest order that was paid or is held for a person (`id`, `status`): the cart is done.
    pub held: Option<(String, String)>,
    /// Its open order, if any (at most one: `one_pending_order_per_cart`).
    pub open: Option<OpenOrder>,
}

/// A new order (see [`Db::create_order`]).
#[derive(Clone, Copy, Debug)]
pub struct NewOrder<'a> {
    pub id: &'a str,
    pub amount: u64,
    pub currency: &'a str,
    pub items: &'a serde_json::Value,
    pub cart_id: Option<&'a str>,
    pub return_to: &'a str,
}

/// Which database a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The schema, the same on both backends (`CREATE … IF NOT EXISTS`: run at every start).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    items TEXT NOT NULL,
    checkout_session_id TEXT,
    failure_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    cart_id TEXT,
    token_expires_at BIGINT,
    review_reason TEXT,
    return_to TEXT,
    created_ns BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS processed_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    order_id TEXT,
    received_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS fulfillments (
    order_id TEXT PRIMARY KEY,
    fulfilled_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS unhandled_events (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    order_id TEXT,
    reason TEXT NOT NULL,
    data TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    received_ns BIGINT NOT NULL DEFAULT 0
);
";

/// Columns added after the first release (table, column, how): added in place to older files.
const ADDED_COLUMNS: [(&str, &str, &str); 6] = [
    (
        "orders",
        "cart_id",
        "ALTER TABLE orders ADD COLUMN cart_id TEXT",
    ),
    (
        "orders",
        "token_expires_at",
        "ALTER TABLE orders ADD COLUMN token_expires_at BIGINT",
    ),
    (
        "orders",
        "review_reason",
        "ALTER TABLE orders ADD COLUMN review_reason TEXT",
    ),
    (
        "orders",
        "return_to",
        "ALTER TABLE orders ADD COLUMN return_to TEXT",
    ),
    (
        "orders",
        "created_ns",
        "ALTER TABLE orders ADD COLUMN created_ns BIGINT NOT NULL DEFAULT 0",
    ),
    (
        "unhandled_events",
        "received_ns",
        "ALTER TABLE unhandled_events ADD COLUMN received_ns BIGINT NOT NULL DEFAULT 0",
    ),
];

/// The indexes, created after the columns they use.
const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS orders_by_session ON orders (checkout_session_id);
CREATE INDEX IF NOT EXISTS orders_by_cart ON orders (cart_id, status);
CREATE UNIQUE INDEX IF NOT EXISTS one_pending_order_per_cart ON orders (cart_id)
    WHERE status = 'pending';
";

/// Before `one_pending_order_per_cart`, a cart's replaced order stayed `pending` until its
/// expiry webhook (its session had been expired through the API): all but the newest are closed.
const CLOSE_REPLACED: &str = "
UPDATE orders SET status = 'expired', failure_reason = 'replaced by a newer order of its cart'
WHERE status = 'pending' AND cart_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM orders newer WHERE newer.cart_id = orders.cart_id
        AND newer.status = 'pending'
        AND (newer.created_at > orders.created_at
             OR (newer.created_at = orders.created_at AND newer.id > orders.id)))
";

/// Nanoseconds since 1970 (the order of rows created in one second).
fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

fn amount(row: &AnyRow, column: &str) -> Result<u64, DbError> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value).map_err(|_| DbError::Decode(format!("{column} {value} < 0").into()))
}

/// A `sqlite://` URL for a file path (`?`, `#` and `%` escaped).
fn sqlite_url(path: &Path) -> String {
    let mut escaped = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3F"),
            '#' => escaped.push_str("%23"),
            c => escaped.push(c),
        }
    }
    format!("sqlite://{escaped}?mode=rwc")
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

/// The SQL that lists a table's columns (`$1`: the table).
fn columns_query(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SELECT name FROM pragma_table_info($1)",
        Backend::Postgres => {
            "SELECT column_name::text AS name FROM information_schema.columns
             WHERE table_name = $1 AND table_schema = current_schema()"
        }
    }
}

impl Db {
    /// Opens (creating if needed) the SQLite file and its tables.
    ///
    /// # Errors
    /// The file cannot be opened or created, or its tables not brought up to date.
    pub async fn open(path: &Path) -> Result<Db, DbError> {
        Db::connect(&sqlite_url(path)).await
    }

    /// Connects to `url` — `postgres://…` (or `postgresql://…`) or `sqlite://…` — and brings
    /// its tables up to date (several instances starting at once take turns).
    ///
    /// # Errors
    /// Another scheme, or the database cannot be reached or migrated.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(DbError::Configuration(
                "DATABASE_URL must start with postgres:// (or sqlite:)".into(),
            ));
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let pool = match backend {
            Backend::Postgres => options.max_connections(16).connect(url).await?,
            Backend::Sqlite => options.max_connections(8).connect(url).await?,
        };
        let db = Db { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A write transaction: `BEGIN IMMEDIATE` on SQLite (see the module docs).
    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, DbError> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// The schema, columns added since older versions, replaced orders closed, the indexes: in
    /// one transaction (on PostgreSQL under an advisory lock, so instances starting together
    /// take turns).
    async fn migrate(&self) -> Result<(), DbError> {
        if self.backend == Backend::Sqlite {
            sqlx::raw_sql("PRAGMA journal_mode = WAL")
                .execute(&self.pool)
                .await?;
        }
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            // Any constant: the demo's migrations.
            sqlx::raw_sql("SELECT pg_advisory_xact_lock(7236512300918)")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::raw_sql(SCHEMA).execute(&mut *tx).await?;
        for (table, column, add) in ADDED_COLUMNS {
            let existing: Vec<String> = sqlx::query_scalar(columns_query(self.backend))
                .bind(table)
                .fetch_all(&mut *tx)
                .await?;
            if !existing.iter().any(|c| c == column) {
                sqlx::raw_sql(add).execute(&mut *tx).await?;
            }
        }
        sqlx::raw_sql(CLOSE_REPLACED).execute(&mut *tx).await?;
        sqlx::raw_sql(INDEXES).execute(&mut *tx).await?;
        tx.commit().await
    }

    /// A new `pending` order, of the purchase `cart_id` when the browser named one. `false` (and
    /// nothing written) when that cart already has an open order, or one that was paid or is
    /// held for a person: another instance or request got there first (see `shop::checkout`).
    ///
    /// # Errors
    /// A database error.
    pub async fn create_order(&self, order: NewOrder<'_>) -> Result<bool, DbError> {
        let t = unix_now();
        let inserted = sqlx::query(
            "INSERT INTO orders (id, status, amount, currency, items, cart_id, return_to,
                                 created_at, updated_at, created_ns)
             SELECT $1, 'pending', $2, $3, $4, $5, $6, $7, $7, $8
             WHERE NOT EXISTS (
                 SELECT 1 FROM orders WHERE cart_id = $5
                     AND status IN ('paid', 'paid_after_close', 'amount_mismatch', 'needs_review'))
             ON CONFLICT DO NOTHING",
        )
        .bind(order.id)
        .bind(order.amount as i64)
        .bind(order.currency)
        .bind(order.items.to_string())
        .bind(order.cart_id)
        .bind(order.return_to)
        .bind(t)
        .bind(now_ns())
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Records the order's Checkout Session and until when its token is usable (Unix seconds),
    /// while the order is open and has no other session. `false`: it was closed meanwhile.
    ///
    /// # Errors
    /// A database error.
    pub async fn attach_session(
        &self,
        order_id: &str,
        session_id: &str,
        token_expires_at: i64,
    ) -> Result<bool, DbError> {
        let changed = sqlx::query(
            "UPDATE orders SET checkout_session_id = $2, token_expires_at = $3, updated_at = $4
             WHERE id = $1 AND status = 'pending'
                 AND (checkout_session_id IS NULL OR checkout_session_id = $2)",
        )
        .bind(order_id)
        .bind(session_id)
        .bind(token_expires_at)
        .bind(unix_now())
        .execute(&self.pool)
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    /// What the checkout needs to know about `cart_id`.
    ///
    /// # Errors
    /// A database error.
    pub async fn cart(&self, cart_id: &str) -> Result<Cart, DbError> {
        let held = sqlx::query(
            "SELECT id, status FROM orders
             WHERE cart_id = $1
                 AND status IN ('paid', 'paid_after_close', 'amount_mismatch', 'needs_review')
             ORDER BY created_at DESC, created_ns DESC LIMIT 1",
        )
        .bind(cart_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| Ok::<_, DbError>((row.try_get("id")?, row.try_get("status")?)))
        .transpose()?;
        let open = sqlx::query(
            "SELECT id, amount, items, checkout_session_id, token_expires_at, return_to
             FROM orders WHERE cart_id = $1 AND status = 'pending'
             ORDER BY created_at DESC, created_ns DESC LIMIT 1",
        )
        .bind(cart_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| {
            Ok::<_, DbError>(OpenOrder {
                id: row.try_get("id")?,
                amount: amount(&row, "amount")?,
                items: json(&row.try_get::<String, _>("items")?),
                checkout_session_id: row.try_get("checkout_session_id")?,
                token_expires_at: row.try_get("token_expires_at")?,
                return_to: row.try_get("return_to")?,
            })
        })
        .transpose()?;
        Ok(Cart { held, open })
    }

    /// Closes an open order (`failed` or `expired`, with a reason); `false` when it was no longer
    /// `pending`.
    ///
    /// # Errors
    /// A database error.
    pub async fn close_order(
        &self,
        order_id: &str,
        status: &str,
        reason: Option<&str>,
    ) -> Result<bool, DbError> {
        let changed = sqlx::query(
            "UPDATE orders SET status = $2, failure_reason = $3, updated_at = $4
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(order_id)
        .bind(status)
        .bind(reason)
        .bind(unix_now())
        .execute(&self.pool)
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    /// Marks an open order `failed` with `reason`.
    ///
    /// # Errors
    /// A database error.
    pub async fn mark_error(&self, order_id: &str, reason: &str) -> Result<(), DbError> {
        self.close_order(order_id, "failed", Some(reason))
            .await
            .map(drop)
    }

    /// The order `id`.
    ///
    /// # Errors
    /// A database error.
    pub async fn order(&self, id: &str) -> Result<Option<Order>, DbError> {
        sqlx::query(
            "SELECT id, status, amount, currency, items, checkout_session_id, failure_reason,
                    created_at, updated_at, review_reason
             FROM orders WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| {
            Ok(Order {
                id: row.try_get("id")?,
                status: row.try_get("status")?,
                amount: amount(&row, "amount")?,
                currency: row.try_get("currency")?,
                items: json(&row.try_get::<String, _>("items")?),
                checkout_session_id: row.try_get("checkout_session_id")?,
                failure_reason: row.try_get("failure_reason")?,
                review_reason: row.try_get("review_reason")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .transpose()
    }

    /// The cart an order belongs to.
    ///
    /// # Errors
    /// A database error.
    pub async fn cart_of(&self, order_id: &str) -> Result<Option<String>, DbError> {
        Ok(
            sqlx::query_scalar::<_, Option<String>>("SELECT cart_id FROM orders WHERE id = $1")
                .bind(order_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    /// How many times an order was fulfilled (the demo's "ship it" side effect): 0 or 1.
    ///
    /// # Errors
    /// A database error.
    pub async fn fulfillments(&self, order_id: &str) -> Result<u32, DbError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM fulfillments WHERE order_id = $1")
            .bind(order_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Ids of the orders in `status`, newest first.
    ///
    /// # Errors
    /// A database error.
    pub async fn orders_with_status(&self, status: &str) -> Result<Vec<String>, DbError> {
        sqlx::query_scalar(
            "SELECT id FROM orders WHERE status = $1 ORDER BY created_at DESC, created_ns DESC",
        )
        .bind(status)
        .fetch_all(&self.pool)
        .await
    }

    /// How many events were processed.
    ///
    /// # Errors
    /// A database error.
    pub async fn processed_events(&self) -> Result<u32, DbError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processed_events")
            .fetch_one(&self.pool)
            .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// The ids of the processed events.
    ///
    /// # Errors
    /// A database error.
    pub async fn processed_event_ids(&self) -> Result<Vec<String>, DbError> {
        sqlx::query_scalar("SELECT id FROM processed_events")
            .fetch_all(&self.pool)
            .await
    }

    /// The verified webhooks the crate could not read, oldest first.
    ///
    /// # Errors
    /// A database error.
    pub async fn unhandled_events(&self) -> Result<Vec<UnhandledEvent>, DbError> {
        sqlx::query(
            "SELECT event_id, type, order_id, reason, data, received_at FROM unhandled_events
             ORDER BY received_at, received_ns",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| {
            Ok(UnhandledEvent {
                event_id: row.try_get("event_id")?,
                event_type: row.try_get("type")?,
                order_id: row.try_get("order_id")?,
                reason: row.try_get("reason")?,
                data: json(&row.try_get::<String, _>("data")?),
                received_at: row.try_get("received_at")?,
            })
        })
        .collect()
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
    ///
    /// # Errors
    /// A database error (nothing is recorded: answer 5xx so that Fintoc retries).
    pub async fn apply_event(
        &self,
        event_id: &str,
        event_type: &str,
        order_ref: OrderRef<'_>,
        effect: Effect<'_>,
        raw_event: &serde_json::Value,
    ) -> Result<Applied, DbError> {
        let mut tx = self.begin().await?;
        let t = unix_now();
        let inserted = sqlx::query(
            "INSERT INTO processed_events (id, type, order_id, received_at)
             VALUES ($1, $2, NULL, $3) ON CONFLICT DO NOTHING",
        )
        .bind(event_id)
        .bind(event_type)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(Applied::Duplicate);
        }
        let select = match order_ref {
            OrderRef::Id(_) => {
                Some("SELECT id, status, amount, currency FROM orders WHERE id = $1")
            }
            OrderRef::Session(_) => Some(
                "SELECT id, status, amount, currency FROM orders WHERE checkout_session_id = $1
                 ORDER BY created_at, created_ns LIMIT 1",
            ),
            OrderRef::None => None,
        };
        let value = match order_ref {
            OrderRef::Id(v) | OrderRef::Session(v) => v,
            OrderRef::None => "",
        };
        let read = |row: AnyRow| -> Result<(String, String, i64, String), DbError> {
            Ok((
                row.try_get("id")?,
                row.try_get("status")?,
                row.try_get("amount")?,
                row.try_get("currency")?,
            ))
        };
        let mut order = match select {
            Some(select) => sqlx::query(select)
                .bind(value)
                .fetch_optional(&mut *tx)
                .await?
                .map(read)
                .transpose()?,
            None => None,
        };
        let order_id = order.as_ref().map(|o| o.0.clone());
        if order_id.is_some() {
            sqlx::query("UPDATE processed_events SET order_id = $2 WHERE id = $1")
                .bind(event_id)
                .bind(&order_id)
                .execute(&mut *tx)
                .await?;
        }
        let unhandled = match effect {
            Effect::Unreadable { reason, data, .. } => Some((reason.to_owned(), data)),
            Effect::Paid { .. } if order.is_none() => {
                Some((UNMATCHED_PAYMENT.to_owned(), raw_event))
            }
            _ => None,
        };
        if let Some((reason, data)) = &unhandled {
            sqlx::query(
                "INSERT INTO unhandled_events
                     (event_id, type, order_id, reason, data, received_at, received_ns)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(event_id)
            .bind(event_type)
            .bind(&order_id)
            .bind(reason)
            .bind(data.to_string())
            .bind(t)
            .bind(now_ns())
            .execute(&mut *tx)
            .await?;
        }
        let mut applied = (None, None);
        // The order moves only from the status it was read in; if another instance moved it
        // meanwhile, read it again and apply the event to what it is now (the statuses only go
        // forward, so this ends).
        for _ in 0..8 {
            let Some((id, current, amount, currency)) = &order else {
                break;
            };
            let Some((status, reason, review)) =
                transition(event_id, current, *amount, currency, effect)
            else {
                break;
            };
            let changed = sqlx::query(
                "UPDATE orders SET status = $2, failure_reason = COALESCE($3, failure_reason),
                     review_reason = $4, updated_at = $5
                 WHERE id = $1 AND status = $6",
            )
            .bind(id)
            .bind(status)
            .bind(&reason)
            .bind(&review)
            .bind(t)
            .bind(current)
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 1 {
                if status == "paid" {
                    sqlx::query(
                        "INSERT INTO fulfillments (order_id, fulfilled_at) VALUES ($1, $2)",
                    )
                    .bind(id)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                }
                applied = (Some(status.to_owned()), review);
                break;
            }
            order = sqlx::query("SELECT id, status, amount, currency FROM orders WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .map(read)
                .transpose()?;
        }
        tx.commit().await?;
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
