//! Starts the demo server in-process on a free port, with its own database file.
#![allow(dead_code)]

pub mod cluster;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use fintoc_demo_server::{router_with, AppState, Mode, Settings};

pub struct Running {
    pub base: String,
    pub state: Arc<AppState>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The sandbox (sandbox mode).
    pub fn sandbox(&self) -> &fintoc_demo_server::sandbox::Sandbox {
        self.state
            .sandbox
            .as_deref()
            .expect("a sandbox-mode server")
    }

    /// The secret the sandbox signs its webhooks with.
    pub fn webhook_secret(&self) -> String {
        self.sandbox().webhook_secret().to_owned()
    }

    /// Stops serving (the database file stays).
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A sandbox-mode server using `database`, serving `static_dir`.
pub async fn start(database: &Path, static_dir: &Path) -> Running {
    start_with(database, static_dir, None).await
}

/// A sandbox-mode server on the SQLite file `database`, whatever `FINTOC_TEST_BACKEND` says.
pub async fn start_sqlite(database: &Path, static_dir: &Path) -> Running {
    start_on(database, None, static_dir, None).await
}

pub async fn start_with(
    database: &Path,
    static_dir: &Path,
    sandbox_session_lifetime: Option<Duration>,
) -> Running {
    let url = database_url(database).await;
    start_on(database, url, static_dir, sandbox_session_lifetime).await
}

async fn start_on(
    database: &Path,
    database_url: Option<String>,
    static_dir: &Path,
    sandbox_session_lifetime: Option<Duration>,
) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let settings = Settings {
        checkout_mode: fintoc_wasm::CheckoutMode::Widget,
        mode: Mode::Sandbox,
        secret_key: None,
        public_key: None,
        webhook_secret: None,
        webhook_secret_previous: None,
        database: database.to_owned(),
        database_url,
        api_base: None,
        static_dir: static_dir.to_owned(),
        mounts: vec![
            ("/www".into(), workspace_root().join("www")),
            ("/pkg".into(), workspace_root().join("pkg")),
            (
                "/leptos".into(),
                workspace_root().join("examples/leptos-checkout/dist"),
            ),
            (
                "/react".into(),
                workspace_root().join("examples/react-shop/dist"),
            ),
        ],
        sandbox_session_lifetime,
        sandbox_secret_key: None,
        refund_retry_interval: None,
    };
    start_settings(listener, base, settings).await
}

/// A server on `listener` (at `base`) with `settings`.
pub async fn start_settings(
    listener: tokio::net::TcpListener,
    base: String,
    settings: Settings,
) -> Running {
    let state = fintoc_demo_server::state(&settings, &base).await.unwrap();
    let app = router_with(state.clone(), &settings.static_dir, &settings.mounts);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Running { base, state, task }
}

/// `FINTOC_TEST_BACKEND=postgres` runs the server tests on PostgreSQL (`DATABASE_URL`, which
/// `scripts/test` starts); otherwise SQLite.
pub fn on_postgres() -> bool {
    match std::env::var("FINTOC_TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("FINTOC_TEST_BACKEND must be sqlite or postgres, not {other}"),
    }
}

/// `DATABASE_URL`, the PostgreSQL server the tests may create databases in.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "FINTOC_TEST_BACKEND=postgres needs DATABASE_URL=postgres://… (scripts/with-postgres \
             starts a throwaway server and sets it)"
        )
    })
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let host_at = base.find("://").map_or(0, |i| i + 3);
    let server = match base[host_at..].find('/') {
        Some(i) => &base[..host_at + i],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

/// A database of its own on the PostgreSQL server (created if new): its URL.
pub async fn postgres_database(name: &str) -> String {
    use sqlx::Connection;
    let admin = admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot reach DATABASE_URL: {e}"));
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    if exists.is_none() {
        // Names are ours ([a-z0-9_]): no quoting needed.
        let create = format!("CREATE DATABASE {name}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(create))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let _ = conn.close().await;
    with_database(&admin, name)
}

/// On PostgreSQL, the database standing for the SQLite file `path` (the same path, the same
/// database: a restart finds its orders); `None` on SQLite.
async fn database_url(path: &Path) -> Option<String> {
    if !on_postgres() {
        return None;
    }
    // FNV-1a of the path: a name per test database.
    let hash = path
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    Some(postgres_database(&format!("fintoc_demo_test_{hash:016x}")).await)
}

/// Polls `f` every 50 ms until it returns `Some`, for at most `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
