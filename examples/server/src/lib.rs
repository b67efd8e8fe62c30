//! The fintoc-wasm demo shop server.
//!
//! - serves the Yew shop (`examples/yew-checkout/dist`) and `GET /api/config`, `GET /api/products`;
//! - `POST /api/checkout` creates an order and a Checkout Session for it (secret key stays here);
//! - `POST /webhooks/fintoc` verifies `Fintoc-Signature`, records each event id once and marks
//!   the order paid / failed / expired;
//! - `GET /api/orders/{id}` is what the page polls after `onSuccess`.
//!
//! In **sandbox mode** (no `FINTOC_SECRET_KEY`) it also plays Fintoc under `/sandbox`: the
//! Checkout Session API with Fintoc's request/response shapes, the sandbox widget script, and
//! signed webhooks when the shopper picks an outcome in the widget.

// Handlers return `Result<_, Response>` (axum's idiom); boxing the response would buy nothing.
#![allow(clippy::result_large_err)]

pub mod db;
pub mod sandbox;
pub mod shop;
pub mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use fintoc_wasm::server::FintocClient;
use tower_http::services::{ServeDir, ServeFile};

pub use db::Db;

/// Unix time in seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Locks `mutex`; a poisoned lock is still used (every critical section here leaves its data
/// consistent, and SQLite rolls back unfinished transactions).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Largest request body accepted (a cart is a few hundred bytes; webhooks a few kB).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Live Fintoc or the built-in sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sandbox,
    Live,
}

/// Everything the handlers share.
pub struct AppState {
    pub db: Db,
    pub fintoc: FintocClient,
    pub mode: Mode,
    pub public_key: String,
    pub script_url: String,
    pub webhook_secret: String,
    /// Where the shopper's browser reaches this server (for success/cancel URLs).
    pub public_url: String,
    pub sandbox: Option<Arc<sandbox::Sandbox>>,
}

/// Settings read from the environment by `main`, or built by tests.
#[derive(Clone, Debug)]
pub struct Settings {
    pub secret_key: Option<String>,
    pub public_key: Option<String>,
    pub webhook_secret: Option<String>,
    pub database: PathBuf,
    pub static_dir: PathBuf,
    /// Sandbox sessions expire this long after creation (default 10 minutes).
    pub sandbox_session_lifetime: Option<std::time::Duration>,
}

/// Builds the state for a server listening at `base` (e.g. `http://127.0.0.1:8080`).
pub fn state(settings: &Settings, base: &str) -> Result<Arc<AppState>, String> {
    let db = Db::open(&settings.database).map_err(|e| {
        format!(
            "cannot open the database {}: {e}",
            settings.database.display()
        )
    })?;
    let state = match &settings.secret_key {
        Some(secret_key) => {
            let public_key = settings
                .public_key
                .clone()
                .ok_or("FINTOC_PUBLIC_KEY is required with FINTOC_SECRET_KEY")?;
            let webhook_secret = settings
                .webhook_secret
                .clone()
                .ok_or("FINTOC_WEBHOOK_SECRET is required with FINTOC_SECRET_KEY")?;
            AppState {
                db,
                fintoc: FintocClient::new(secret_key.clone()).map_err(|e| e.to_string())?,
                mode: Mode::Live,
                public_key,
                script_url: fintoc_wasm::DEFAULT_SCRIPT_URL.to_owned(),
                webhook_secret,
                public_url: base.to_owned(),
                sandbox: None,
            }
        }
        None => {
            let sandbox = Arc::new(sandbox::Sandbox::new(
                base,
                settings.webhook_secret.clone(),
                settings
                    .sandbox_session_lifetime
                    .unwrap_or(sandbox::SESSION_LIFETIME),
            ));
            AppState {
                db,
                fintoc: FintocClient::new(sandbox.secret_key())
                    .map_err(|e| e.to_string())?
                    .with_base_url(format!("{base}/sandbox/api")),
                mode: Mode::Sandbox,
                public_key: sandbox::PUBLIC_KEY.to_owned(),
                script_url: "/sandbox/fintoc.js?report=/sandbox/outcome".to_owned(),
                webhook_secret: sandbox.webhook_secret().to_owned(),
                public_url: base.to_owned(),
                sandbox: Some(sandbox),
            }
        }
    };
    Ok(Arc::new(state))
}

/// The whole app: API, webhooks, sandbox (in sandbox mode) and the static shop.
pub fn router(state: Arc<AppState>, static_dir: &std::path::Path) -> Router {
    let mut app = Router::new()
        .route("/api/config", get(shop::config))
        .route("/api/products", get(shop::products))
        .route("/api/checkout", post(shop::checkout))
        .route("/api/orders/{id}", get(shop::order))
        .route("/api/{*rest}", axum::routing::any(shop::not_found))
        .route("/webhooks/fintoc", post(webhooks::receive));
    if let Some(sandbox) = &state.sandbox {
        app = app.nest("/sandbox", sandbox::router(sandbox.clone()));
    }
    let index = static_dir.join("index.html");
    app.fallback_service(ServeDir::new(static_dir).not_found_service(ServeFile::new(index)))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}
