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
//! - `refunds.payment_intent_id` is the primary key, written in the transaction that records the
//!   payment the shop cannot keep: one refund per payment intent, however many deliveries and
//!   instances; a request to Fintoc is made by whoever holds the row's lease (`claimed_until`,
//!   on the database's clock, released only by the holder of its `claim_token`), with the
//!   payment's deterministic idempotency key, renewed only after a 5xx (see [`crate::refunds`]);
//! - the unique partial index `one_pending_order_per_cart` (`orders (cart_id) WHERE status =
//!   'pending'`) allows one open order — so one payable session — per cart, even when two
//!   instances receive the same cart's checkout at once, and a new order is only inserted when
//!   no order of the cart is paid or held for a person (`INSERT … SELECT … WHERE NOT EXISTS`).
//!
//! On SQLite every write transaction starts with `BEGIN IMMEDIATE` (one writer at a time, the
//! others wait up to 5 s), readers run beside it (WAL).

use std::path::Path;
use std::time::Duration;

use fintoc_wasm::server::Refund;
use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::refunds::{merge_status, NOT_CREATED, REQUESTING};
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
    /// Why a person must look at this order (for the three statuses above), or at one of its
    /// refunds (one that failed or could not be made). For the shop's staff (its log, its
    /// database): never in `GET /api/orders/{id}`, which anyone holding the order id can read.
    #[serde(skip_serializing)]
    pub review_reason: Option<String>,
    /// The payment intent that paid it (`paid` orders).
    pub payment_intent_id: Option<String>,
    /// The payments of this order given back (see [`crate::refunds`]), oldest first: a
    /// `paid_after_close` or `amount_mismatch` order has one; a `paid` one, one per extra
    /// payment.
    pub refunds: Vec<OrderRefund>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A refund as `GET /api/orders/{id}` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrderRefund {
    /// Fintoc's refund id (`re_…`); `null` until Fintoc answered.
    pub id: Option<String>,
    /// The payment given back.
    pub payment_intent_id: String,
    /// `requesting` (being asked for), then Fintoc's: `created`, `in_progress`, `succeeded`,
    /// `failed`, `canceled` (any other kept as Fintoc wrote it); or `not_created` (Fintoc refused
    /// it: a person refunds by hand).
    pub status: String,
    /// What is given back: what the payment's event said was paid, then what Fintoc says it
    /// refunds.
    pub amount: u64,
    pub currency: String,
    /// Fintoc's `failure_code`, when it failed.
    pub failure_code: Option<String>,
    /// Why: `paid_after_close`, `amount_mismatch`, or `paid_twice` (a second payment of a paid
    /// order).
    pub reason: String,
}

/// A refund row (see [`Db::refunds`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RefundRow {
    pub payment_intent_id: String,
    pub order_id: String,
    pub reason: String,
    pub amount: u64,
    pub currency: String,
    /// The event that asked for it.
    pub event_id: String,
    pub status: String,
    pub refund_id: Option<String>,
    pub failure_code: Option<String>,
    /// Why the last request failed, or why it could not be made.
    pub error: Option<String>,
    /// Requests made to Fintoc.
    pub attempts: u32,
}

/// A refund this instance may now ask Fintoc for (see [`Db::claim_refund`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedRefund {
    pub payment_intent_id: String,
    pub order_id: String,
    pub reason: String,
    /// Requests made, this one included.
    pub attempts: u32,
    /// How many times the idempotency key was renewed (`0`: the payment's deterministic key;
    /// see [`crate::refunds::key`]).
    pub key_version: u32,
    /// This claim's own token: the lease is released only by its holder (another instance
    /// may have taken the row after this lease ran out).
    pub token: String,
}

/// What a refund's new status did (see [`Db::record_refund`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundChange {
    pub order_id: String,
    pub payment_intent_id: String,
    pub refund_id: Option<String>,
    /// The refund's status now.
    pub status: String,
    /// It failed, was canceled or could not be made: the order's `review_reason` says so and a
    /// person refunds by hand.
    pub flagged: bool,
}

/// The refund statuses that leave the money with the shop: a person must act.
pub const FLAGGED_REFUND_STATUSES: [&str; 3] = ["failed", "canceled", NOT_CREATED];

/// The statuses that need a person: never fulfilled automatically. (`paid_after_close` and
/// `amount_mismatch` are refunded automatically; their order says so in `refunds`.)
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
        /// A payment the shop does not keep: its refund row was just written (status
        /// `requesting`); ask Fintoc for it now ([`crate::refunds::request`]).
        refund_due: Option<String>,
        /// A `refund.*` event moved one of the shop's refunds.
        refund_change: Option<RefundChange>,
    },
}

/// The payment of a `Paid` effect: its payment intent and what it says was paid.
#[derive(Clone, Copy, Debug)]
pub struct Payment<'a> {
    pub intent: &'a str,
    pub amount: u64,
    pub currency: &'a str,
}

/// What a verified webhook says about its order.
#[derive(Clone, Copy, Debug)]
pub enum Effect<'a> {
    /// Nothing to change (a payment not final yet, an event about something else).
    None,
    /// The customer finished, the payment is not final yet (`intent`): the order keeps waiting,
    /// and remembers its payment intent, so that a later `payment_intent.*` event without the
    /// order in its metadata still finds it ([`OrderRef::Intent`]).
    Pending { intent: &'a str },
    /// The payment succeeded; `stated` is every (amount, currency) the event gives for it (the
    /// session's and the payment intent's). Fulfilled only when they all match the order and
    /// it is open; otherwise `payment` is refunded.
    Paid {
        stated: &'a [(u64, &'a str)],
        payment: Payment<'a>,
    },
    /// A `refund.*` event: the refund's new status.
    Refund { refund: &'a Refund },
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
    created_ns BIGINT NOT NULL DEFAULT 0,
    payment_intent_id TEXT
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
CREATE TABLE IF NOT EXISTS refunds (
    payment_intent_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    event_id TEXT NOT NULL,
    status TEXT NOT NULL,
    refund_id TEXT,
    failure_code TEXT,
    error TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    claimed_until BIGINT,
    created_at BIGINT NOT NULL,
    created_ns BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    key_version BIGINT NOT NULL DEFAULT 0,
    attention TEXT,
    claim_token TEXT
);
";

/// Columns added after the first release (table, column, how): added in place to older files.
const ADDED_COLUMNS: [(&str, &str, &str); 10] = [
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
    (
        "orders",
        "payment_intent_id",
        "ALTER TABLE orders ADD COLUMN payment_intent_id TEXT",
    ),
    (
        "refunds",
        "key_version",
        "ALTER TABLE refunds ADD COLUMN key_version BIGINT NOT NULL DEFAULT 0",
    ),
    (
        "refunds",
        "attention",
        "ALTER TABLE refunds ADD COLUMN attention TEXT",
    ),
    (
        "refunds",
        "claim_token",
        "ALTER TABLE refunds ADD COLUMN claim_token TEXT",
    ),
];

/// The indexes, created after the columns they use.
const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS orders_by_session ON orders (checkout_session_id);
CREATE INDEX IF NOT EXISTS orders_by_cart ON orders (cart_id, status);
CREATE UNIQUE INDEX IF NOT EXISTS one_pending_order_per_cart ON orders (cart_id)
    WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS refunds_by_order ON refunds (order_id);
CREATE INDEX IF NOT EXISTS refunds_by_refund_id ON refunds (refund_id);
CREATE INDEX IF NOT EXISTS refunds_by_status ON refunds (status);
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

    /// The order `id`, with its refunds.
    ///
    /// # Errors
    /// A database error.
    pub async fn order(&self, id: &str) -> Result<Option<Order>, DbError> {
        let Some(row) = sqlx::query(
            "SELECT id, status, amount, currency, items, checkout_session_id, failure_reason,
                    created_at, updated_at, review_reason, payment_intent_id
             FROM orders WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let refunds = self
            .refund_rows("WHERE order_id = $1", Some(id))
            .await?
            .into_iter()
            .map(|r| OrderRefund {
                id: r.refund_id,
                payment_intent_id: r.payment_intent_id,
                status: r.status,
                amount: r.amount,
                currency: r.currency,
                failure_code: r.failure_code,
                reason: r.reason,
            })
            .collect();
        Ok(Some(Order {
            id: row.try_get("id")?,
            status: row.try_get("status")?,
            amount: amount(&row, "amount")?,
            currency: row.try_get("currency")?,
            items: json(&row.try_get::<String, _>("items")?),
            checkout_session_id: row.try_get("checkout_session_id")?,
            failure_reason: row.try_get("failure_reason")?,
            review_reason: row.try_get("review_reason")?,
            payment_intent_id: row.try_get("payment_intent_id")?,
            refunds,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        }))
    }

    /// The refund rows `filter` (`WHERE …` on `refunds`, with `$1` bound to `value`) selects,
    /// oldest first.
    async fn refund_rows(
        &self,
        filter: &'static str,
        value: Option<&str>,
    ) -> Result<Vec<RefundRow>, DbError> {
        let sql = format!(
            "SELECT payment_intent_id, order_id, reason, amount, currency, event_id, status,
                    refund_id, failure_code, error, attempts
             FROM refunds {filter} ORDER BY created_at, created_ns"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(value) = value {
            query = query.bind(value.to_owned());
        }
        query
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|row| {
                Ok(RefundRow {
                    payment_intent_id: row.try_get("payment_intent_id")?,
                    order_id: row.try_get("order_id")?,
                    reason: row.try_get("reason")?,
                    amount: amount(&row, "amount")?,
                    currency: row.try_get("currency")?,
                    event_id: row.try_get("event_id")?,
                    status: row.try_get("status")?,
                    refund_id: row.try_get("refund_id")?,
                    failure_code: row.try_get("failure_code")?,
                    error: row.try_get("error")?,
                    attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Every refund row, oldest first.
    ///
    /// # Errors
    /// A database error.
    pub async fn refunds(&self) -> Result<Vec<RefundRow>, DbError> {
        self.refund_rows("", None).await
    }

    /// The database's clock, in Unix seconds: the one clock every instance's leases are read
    /// with (the instances' own clocks may disagree).
    ///
    /// # Errors
    /// A database error.
    pub async fn now(&self) -> Result<i64, DbError> {
        let query = match self.backend {
            Backend::Sqlite => "SELECT CAST(strftime('%s', 'now') AS INTEGER)",
            Backend::Postgres => "SELECT CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)",
        };
        sqlx::query_scalar(query).fetch_one(&self.pool).await
    }

    /// The payment intents whose refund must still be asked for (`requesting`, no lease held
    /// at `now`, the database's clock in the retrier: [`Db::now`]), oldest first.
    ///
    /// # Errors
    /// A database error.
    pub async fn pending_refunds(&self, now: i64) -> Result<Vec<String>, DbError> {
        sqlx::query_scalar(
            "SELECT payment_intent_id FROM refunds
             WHERE status = 'requesting' AND (claimed_until IS NULL OR claimed_until < $1)
             ORDER BY created_at, created_ns",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
    }

    /// Takes the lease on the refund of `payment_intent` for `lease_secs` seconds of the
    /// database's clock ([`Db::now`]), with a new token: `Some` when it is still to be asked
    /// for and nobody else holds a lease — then, and only then, this instance asks Fintoc.
    /// Counts the attempt.
    ///
    /// # Errors
    /// A database error.
    pub async fn claim_refund(
        &self,
        payment_intent: &str,
        lease_secs: i64,
    ) -> Result<Option<ClaimedRefund>, DbError> {
        let now = self.now().await?;
        let token = uuid::Uuid::new_v4().simple().to_string();
        sqlx::query(
            "UPDATE refunds SET claimed_until = $2, attempts = attempts + 1, updated_at = $3,
                 claim_token = $4
             WHERE payment_intent_id = $1 AND status = 'requesting'
                 AND (claimed_until IS NULL OR claimed_until < $3)
             RETURNING order_id, reason, attempts, key_version",
        )
        .bind(payment_intent)
        .bind(now.saturating_add(lease_secs))
        .bind(now)
        .bind(&token)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| {
            Ok(ClaimedRefund {
                payment_intent_id: payment_intent.to_owned(),
                order_id: row.try_get("order_id")?,
                reason: row.try_get("reason")?,
                attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(0),
                key_version: u32::try_from(row.try_get::<i64, _>("key_version")?).unwrap_or(0),
                token: token.clone(),
            })
        })
        .transpose()
    }

    /// Fintoc answered the refund request of `payment_intent` with `refund`: its id and status
    /// are recorded (a status a webhook already moved further is kept) and the lease released.
    ///
    /// # Errors
    /// A database error.
    pub async fn refund_answered(
        &self,
        payment_intent: &str,
        refund: &Refund,
        token: &str,
    ) -> Result<Option<RefundChange>, DbError> {
        let mut tx = self.begin().await?;
        let change = set_refund_status(
            &mut tx,
            payment_intent,
            RefundUpdate {
                status: refund.status.as_str(),
                refund_id: Some(&refund.id),
                amount: Some(refund.amount),
                failure_code: refund.failure_code.as_ref().map(|c| c.as_str()),
                error: None,
            },
        )
        .await?;
        sqlx::query(
            "UPDATE refunds SET claimed_until = NULL, claim_token = NULL, error = NULL
             WHERE payment_intent_id = $1 AND claim_token = $2",
        )
        .bind(payment_intent)
        .bind(token)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(change)
    }

    /// The outcome of the refund request of `payment_intent` is not known (`error`: a network
    /// error, a 409, a 5xx, an answer that could not be read): the lease is released, to be
    /// looked up then asked again — with the same idempotency key, or, when `new_key` (Fintoc
    /// answered a 5xx, which it replays for that key), with the next one — not before `wait`
    /// (zero: at once) on the database's clock. Only by the lease's holder (`token`).
    ///
    /// # Errors
    /// A database error.
    pub async fn refund_retry_later(
        &self,
        payment_intent: &str,
        token: &str,
        error: &str,
        new_key: bool,
        wait: std::time::Duration,
    ) -> Result<(), DbError> {
        // Not asked again before `wait` has passed (on the database's clock): the lease is
        // kept as a "not before", with no holder.
        let not_before = i64::try_from(wait.as_secs())
            .unwrap_or(i64::MAX)
            .saturating_add(self.now().await?);
        sqlx::query(
            "UPDATE refunds SET claimed_until = $6, claim_token = NULL, error = $2,
                 updated_at = $3, key_version = key_version + $4
             WHERE payment_intent_id = $1 AND status = 'requesting' AND claim_token = $5",
        )
        .bind(payment_intent)
        .bind(error)
        .bind(unix_now())
        .bind(i64::from(new_key))
        .bind(token)
        .bind(if wait.is_zero() {
            None
        } else {
            Some(not_before)
        })
        .execute(&self.pool)
        .await
        .map(drop)
    }

    /// Flags the refund of `payment_intent`, still `requesting`, for a person (`text` on its
    /// order) unless it is flagged already: the shop keeps asking. `true` when flagged now.
    ///
    /// # Errors
    /// A database error.
    pub async fn refund_needs_a_person(
        &self,
        payment_intent: &str,
        text: &str,
    ) -> Result<bool, DbError> {
        let mut tx = self.begin().await?;
        let order_id: Option<String> = sqlx::query_scalar(
            "UPDATE refunds SET attention = $2
             WHERE payment_intent_id = $1 AND status = 'requesting' AND attention IS NULL
             RETURNING order_id",
        )
        .bind(payment_intent)
        .bind(text)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(order_id) = order_id else {
            return Ok(false);
        };
        add_attention(&mut tx, &order_id, payment_intent, text, unix_now()).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Fintoc refused the refund of `payment_intent` (`error`, a validation error: nothing was
    /// made): it is `not_created` and its order says a person must refund it by hand.
    ///
    /// # Errors
    /// A database error.
    pub async fn refund_not_created(
        &self,
        payment_intent: &str,
        error: &str,
        token: &str,
    ) -> Result<Option<RefundChange>, DbError> {
        let mut tx = self.begin().await?;
        let change = set_refund_status(
            &mut tx,
            payment_intent,
            RefundUpdate {
                status: NOT_CREATED,
                refund_id: None,
                amount: None,
                failure_code: None,
                error: Some(error),
            },
        )
        .await?;
        sqlx::query(
            "UPDATE refunds SET claimed_until = NULL, claim_token = NULL
             WHERE payment_intent_id = $1 AND claim_token = $2",
        )
        .bind(payment_intent)
        .bind(token)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(change)
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
    /// `paid` fulfils the order exactly once. No payment is ever dropped: it is fulfilled, or
    /// refunded — a `refunds` row for its payment intent, written here (`requesting`,
    /// [`Applied::Recorded::refund_due`]): the payment of a `paid_after_close` or
    /// `amount_mismatch` order, or a second payment of a `paid` one (`paid_twice`) — or it leaves
    /// the order in a status a person must look at.
    ///
    /// A payment that matches no order (no `order_id` in its metadata, an id this database does
    /// not have) is kept in `unhandled_events` with the whole event (`raw_event`), like an event
    /// that could not be read: money received is never acknowledged and forgotten (nor refunded
    /// automatically: it may be another system's).
    ///
    /// A `refund.*` event moves the shop's refund of its payment intent (statuses only go
    /// forward); a refund the shop did not ask for, or in a status it does not know, is also
    /// kept in `unhandled_events`.
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
            OrderRef::Id(_) => Some(
                "SELECT id, status, amount, currency, payment_intent_id FROM orders WHERE id = $1",
            ),
            OrderRef::Session(_) => Some(
                "SELECT id, status, amount, currency, payment_intent_id FROM orders
                 WHERE checkout_session_id = $1
                 ORDER BY created_at, created_ns LIMIT 1",
            ),
            OrderRef::Intent(_) => Some(
                "SELECT id, status, amount, currency, payment_intent_id FROM orders
                 WHERE payment_intent_id = $1
                 ORDER BY created_at, created_ns LIMIT 1",
            ),
            OrderRef::None => None,
        };
        let value = match order_ref {
            OrderRef::Id(v) | OrderRef::Session(v) | OrderRef::Intent(v) => v,
            OrderRef::None => "",
        };
        let mut order = match select {
            Some(select) => sqlx::query(select)
                .bind(value)
                .fetch_optional(&mut *tx)
                .await?
                .map(read_order)
                .transpose()?,
            None => None,
        };
        let mut order_id = order.as_ref().map(|o| o.id.clone());
        if let Effect::Refund { refund } = effect {
            let applied =
                apply_refund_event(&mut tx, event_id, event_type, refund, raw_event, t).await?;
            if let Applied::Recorded {
                order_id: Some(of_refund),
                ..
            } = &applied
            {
                order_id = Some(of_refund.clone());
            }
            sqlx::query("UPDATE processed_events SET order_id = $2 WHERE id = $1")
                .bind(event_id)
                .bind(&order_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(applied);
        }
        if order_id.is_some() {
            sqlx::query("UPDATE processed_events SET order_id = $2 WHERE id = $1")
                .bind(event_id)
                .bind(&order_id)
                .execute(&mut *tx)
                .await?;
        }
        if let (Effect::Pending { intent }, Some(id)) = (effect, &order_id) {
            sqlx::query(
                "UPDATE orders SET payment_intent_id = COALESCE(payment_intent_id, $2)
                 WHERE id = $1",
            )
            .bind(id)
            .bind(intent)
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
            insert_unhandled(
                &mut tx,
                event_id,
                event_type,
                order_id.as_deref(),
                reason,
                data,
                t,
            )
            .await?;
        }
        let mut applied = (None, None);
        // The order moves only from the status it was read in; if another instance moved it
        // meanwhile, read it again and apply the event to what it is now (the statuses only go
        // forward, so this ends).
        for _ in 0..8 {
            let Some(o) = &order else {
                break;
            };
            let Some((status, reason, review)) =
                transition(event_id, &o.status, o.amount, &o.currency, effect)
            else {
                break;
            };
            let paid_with = match effect {
                Effect::Paid { payment, .. } if status == "paid" => Some(payment.intent),
                _ => None,
            };
            let changed = sqlx::query(
                "UPDATE orders SET status = $2, failure_reason = COALESCE($3, failure_reason),
                     review_reason = $4, updated_at = $5,
                     payment_intent_id = COALESCE($7, payment_intent_id)
                 WHERE id = $1 AND status = $6",
            )
            .bind(&o.id)
            .bind(status)
            .bind(&reason)
            .bind(&review)
            .bind(t)
            .bind(&o.status)
            .bind(paid_with)
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 1 {
                if status == "paid" {
                    sqlx::query(
                        "INSERT INTO fulfillments (order_id, fulfilled_at) VALUES ($1, $2)",
                    )
                    .bind(&o.id)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                }
                applied = (Some(status.to_owned()), review);
                break;
            }
            order = sqlx::query(
                "SELECT id, status, amount, currency, payment_intent_id FROM orders WHERE id = $1",
            )
            .bind(&o.id)
            .fetch_optional(&mut *tx)
            .await?
            .map(read_order)
            .transpose()?;
        }
        // A payment the shop does not keep is refunded: one row per payment intent, whoever
        // writes it first.
        let mut refund_due = None;
        if let (Effect::Paid { payment, .. }, Some(o)) = (effect, &order) {
            let reason = match applied.0.as_deref() {
                Some(moved @ ("paid_after_close" | "amount_mismatch")) => Some(moved),
                Some(_) => None,
                // Unchanged (`o` is what it is now): already flagged, or already paid.
                None => match o.status.as_str() {
                    kept @ ("paid_after_close" | "amount_mismatch") => Some(kept),
                    "paid"
                        if o.payment_intent_id
                            .as_deref()
                            .is_some_and(|paid_with| paid_with != payment.intent) =>
                    {
                        Some(PAID_TWICE)
                    }
                    _ => None,
                },
            };
            if let Some(reason) = reason {
                let inserted = sqlx::query(
                    "INSERT INTO refunds (payment_intent_id, order_id, reason, amount, currency,
                         event_id, status, attempts, created_at, created_ns, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $8)
                     ON CONFLICT DO NOTHING",
                )
                .bind(payment.intent)
                .bind(&o.id)
                .bind(reason)
                .bind(i64::try_from(payment.amount).unwrap_or(i64::MAX))
                .bind(payment.currency)
                .bind(event_id)
                .bind(REQUESTING)
                .bind(t)
                .bind(now_ns())
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 1 {
                    refund_due = Some(payment.intent.to_owned());
                }
            }
        }
        tx.commit().await?;
        Ok(Applied::Recorded {
            order_id,
            status: applied.0,
            review_reason: applied.1,
            refund_due,
            refund_change: None,
        })
    }
}

/// `refunds.reason` of a second payment of an order already paid.
pub const PAID_TWICE: &str = "paid_twice";

/// An order as [`Db::apply_event`] reads it.
struct OrderRow {
    id: String,
    status: String,
    amount: i64,
    currency: String,
    payment_intent_id: Option<String>,
}

fn read_order(row: AnyRow) -> Result<OrderRow, DbError> {
    Ok(OrderRow {
        id: row.try_get("id")?,
        status: row.try_get("status")?,
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        payment_intent_id: row.try_get("payment_intent_id")?,
    })
}

async fn insert_unhandled(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    event_id: &str,
    event_type: &str,
    order_id: Option<&str>,
    reason: &str,
    data: &serde_json::Value,
    t: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO unhandled_events
             (event_id, type, order_id, reason, data, received_at, received_ns)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event_id)
    .bind(event_type)
    .bind(order_id)
    .bind(reason)
    .bind(data.to_string())
    .bind(t)
    .bind(now_ns())
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// What to write on a refund row.
struct RefundUpdate<'a> {
    status: &'a str,
    refund_id: Option<&'a str>,
    /// What Fintoc says it refunds (the row starts with what the event said was paid).
    amount: Option<u64>,
    failure_code: Option<&'a str>,
    error: Option<&'a str>,
}

/// Moves the refund of `payment_intent` to `update.status` when that is further along
/// ([`merge_status`]; read again if another transaction moved it first), fills in its Fintoc id
/// and failure code, and, when it ends without the money given back, says so on its order.
/// `None` when there is no such refund.
async fn set_refund_status(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    payment_intent: &str,
    update: RefundUpdate<'_>,
) -> Result<Option<RefundChange>, DbError> {
    let t = unix_now();
    for _ in 0..8 {
        let Some(row) = sqlx::query(
            "SELECT order_id, status, refund_id, attention, amount, currency FROM refunds
             WHERE payment_intent_id = $1",
        )
        .bind(payment_intent)
        .fetch_optional(&mut **tx)
        .await?
        else {
            return Ok(None);
        };
        let order_id: String = row.try_get("order_id")?;
        let current: String = row.try_get("status")?;
        let attention: Option<String> = row.try_get("attention")?;
        let known_id = row.try_get::<Option<String>, _>("refund_id")?;
        // The first refund Fintoc reports for the payment (ours, or one made in the dashboard
        // and adopted): does it give back all that was paid? (`amount` is what was paid until
        // then; Fintoc's amount replaces it.)
        let paid = amount(&row, "amount")?;
        let short = match (&known_id, update.refund_id, update.amount) {
            (None, Some(id), Some(refunded)) if refunded < paid => {
                let currency: String = row.try_get("currency")?;
                Some(format!(
                    "the refund {id} of payment {payment_intent} gives back {refunded} of the \
                     {paid} {currency} paid: give back the rest by hand in Fintoc's dashboard \
                     (check its refunds first)"
                ))
            }
            _ => None,
        };
        let refund_id = known_id.or(update.refund_id.map(str::to_owned));
        let Some(next) = merge_status(&current, update.status) else {
            // Not further along: only an id it did not have yet, and Fintoc's amount.
            sqlx::query(
                "UPDATE refunds SET refund_id = COALESCE(refund_id, $2), amount = COALESCE($3, amount)
                 WHERE payment_intent_id = $1",
            )
            .bind(payment_intent)
            .bind(update.refund_id)
            .bind(update.amount.map(|a| i64::try_from(a).unwrap_or(i64::MAX)))
            .execute(&mut **tx)
            .await?;
            if let Some(text) = &short {
                add_attention(tx, &order_id, payment_intent, text, t).await?;
                eprintln!("ATTENTION: order {order_id}: {text}");
            }
            return Ok(Some(RefundChange {
                order_id,
                payment_intent_id: payment_intent.to_owned(),
                refund_id,
                status: current,
                flagged: false,
            }));
        };
        let changed = sqlx::query(
            "UPDATE refunds SET status = $2, refund_id = COALESCE(refund_id, $3),
                 failure_code = COALESCE($4, failure_code), error = COALESCE($5, error),
                 updated_at = $6, amount = COALESCE($8, amount)
             WHERE payment_intent_id = $1 AND status = $7",
        )
        .bind(payment_intent)
        .bind(next)
        .bind(update.refund_id)
        .bind(update.failure_code)
        .bind(update.error)
        .bind(t)
        .bind(&current)
        .bind(update.amount.map(|a| i64::try_from(a).unwrap_or(i64::MAX)))
        .execute(&mut **tx)
        .await?;
        if changed.rows_affected() == 0 {
            continue;
        }
        let flagged = FLAGGED_REFUND_STATUSES.contains(&next);
        // A flag put while the shop had no refund from Fintoc (`requesting`, `not_created`).
        let earlier_flag =
            attention.filter(|_| matches!(current.as_str(), REQUESTING | NOT_CREATED));
        if let (Some(earlier), false) = (&earlier_flag, flagged) {
            // Flagged earlier (Fintoc's answer was taken for a refusal, or the shop had stopped
            // hearing from it), and Fintoc now reports the refund: the note to refund by hand no
            // longer applies — left in place, a person would give the money back twice.
            let now_says = format!(
                "the automatic refund {} of payment {payment_intent} was made after all \
                 (status {next}): the earlier note to refund it by hand no longer applies",
                refund_id.as_deref().unwrap_or("(no id)")
            );
            clear_attention(tx, &order_id, payment_intent, earlier, &now_says, t).await?;
            eprintln!("refund of payment {payment_intent} (order {order_id}): {now_says}");
        }
        if flagged {
            let what = match (&refund_id, next) {
                (_, NOT_CREATED) => format!(
                    "the automatic refund of payment {payment_intent} could not be made ({})",
                    update.error.unwrap_or("refused")
                ),
                (id, status) => format!(
                    "the automatic refund {} of payment {payment_intent} {status}{}",
                    id.as_deref().unwrap_or("(no id)"),
                    update
                        .failure_code
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default()
                ),
            };
            let text = format!(
                "{what}: the money was not given back; refund it by hand in Fintoc's \
                     dashboard (check its refunds first)"
            );
            add_attention(tx, &order_id, payment_intent, &text, t).await?;
        }
        if let (Some(text), false) = (&short, flagged) {
            add_attention(tx, &order_id, payment_intent, text, t).await?;
            eprintln!("ATTENTION: order {order_id}: {text}");
        }
        return Ok(Some(RefundChange {
            order_id,
            payment_intent_id: payment_intent.to_owned(),
            refund_id,
            status: next.to_owned(),
            flagged,
        }));
    }
    Ok(None)
}

/// Says `text` on the order (after what it already says: why it is refunded) and keeps it on
/// the refund row, so that it can be taken back ([`clear_attention`]).
async fn add_attention(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    order_id: &str,
    payment_intent: &str,
    text: &str,
    t: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE orders SET updated_at = $3, review_reason = CASE
             WHEN review_reason IS NULL THEN $2 ELSE review_reason || '; ' || $2 END
         WHERE id = $1",
    )
    .bind(order_id)
    .bind(text)
    .bind(t)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE refunds SET attention = $2 WHERE payment_intent_id = $1")
        .bind(payment_intent)
        .bind(text)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces the refund's earlier `ATTENTION` text (`earlier`) on its order with `now_says`.
async fn clear_attention(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    order_id: &str,
    payment_intent: &str,
    earlier: &str,
    now_says: &str,
    t: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE orders SET updated_at = $4, review_reason = REPLACE(review_reason, $2, $3)
         WHERE id = $1",
    )
    .bind(order_id)
    .bind(earlier)
    .bind(now_says)
    .bind(t)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE refunds SET attention = NULL WHERE payment_intent_id = $1")
        .bind(payment_intent)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The `unhandled_events` reason of a refund the shop did not ask for.
pub const NOT_OUR_REFUND: &str =
    "a refund this shop did not ask for (made in Fintoc's dashboard?): check it";

/// A `refund.*` event: moves the shop's refund with its id — or of its payment intent, while the
/// shop has no answer yet (the webhook may come first). Another refund of the same payment (made
/// in the dashboard) is not the shop's.
async fn apply_refund_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    event_id: &str,
    event_type: &str,
    refund: &Refund,
    raw_event: &serde_json::Value,
    t: i64,
) -> Result<Applied, DbError> {
    let of_intent = match refund.resource_type.as_deref() {
        None | Some("payment_intent") => refund.resource_id.as_deref().unwrap_or_default(),
        Some(_) => "",
    };
    let ours: Option<String> = sqlx::query_scalar(
        "SELECT payment_intent_id FROM refunds
         WHERE refund_id = $1 OR (payment_intent_id = $2 AND refund_id IS NULL)
         ORDER BY CASE WHEN refund_id = $1 THEN 0 ELSE 1 END LIMIT 1",
    )
    .bind(&refund.id)
    .bind(of_intent)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(payment_intent) = ours else {
        insert_unhandled(tx, event_id, event_type, None, NOT_OUR_REFUND, raw_event, t).await?;
        return Ok(Applied::Recorded {
            order_id: None,
            status: None,
            review_reason: None,
            refund_due: None,
            refund_change: None,
        });
    };
    let change = set_refund_status(
        tx,
        &payment_intent,
        RefundUpdate {
            status: refund.status.as_str(),
            refund_id: Some(&refund.id),
            amount: Some(refund.amount),
            failure_code: refund.failure_code.as_ref().map(|c| c.as_str()),
            error: None,
        },
    )
    .await?;
    let order_id = change.as_ref().map(|c| c.order_id.clone());
    if let fintoc_wasm::server::RefundStatus::Unknown(status) = &refund.status {
        insert_unhandled(
            tx,
            event_id,
            event_type,
            order_id.as_deref(),
            &format!(
                "refund {} is in status `{status}`, which this shop does not know",
                refund.id
            ),
            raw_event,
            t,
        )
        .await?;
    }
    Ok(Applied::Recorded {
        order_id,
        status: None,
        review_reason: None,
        refund_due: None,
        refund_change: change,
    })
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
        Effect::Paid { stated, .. } => {
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
                         {currency}: not fulfilled, the payment is refunded automatically (see \
                         its refund)",
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
                        "event {event_id}: paid after the order was {current}: not fulfilled, the \
                         payment is refunded automatically (see its refund)"
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
    /// The payment intent stored with the order (when it was paid, or when its session
    /// finished with the payment still under way: [`Effect::Pending`]).
    Intent(&'a str),
    /// Nothing to go on.
    None,
}
