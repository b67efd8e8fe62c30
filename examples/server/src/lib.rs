//! The fintoc-wasm demo shop server.
//!
//! - serves the Yew shop (`examples/yew-checkout/dist`) and `GET /api/config`, `GET /api/products`;
//! - `POST /api/checkout` creates an order and a Checkout Session for it (secret key stays here),
//!   or answers the open one again for the same `cart_id` (see [`shop::checkout`]);
//! - `POST /webhooks/fintoc` takes the webhook through the crate's axum extractor
//!   (`fintoc_wasm::server::axum::FintocWebhook`: the signature against the current secret and,
//!   while it is rotated, the previous one), records each event id once and marks the order paid
//!   / failed / expired; a payment it cannot keep (after the order closed, of another amount) is
//!   refunded automatically, once per payment intent ([`refunds`]); what it cannot read is kept
//!   for a person (see [`db::Db::apply_event`]);
//! - `GET /api/orders/{id}` is what the page polls after `onSuccess` (with the order's refunds).
//!
//! In **sandbox mode** (none of the live variables set, see [`Mode::from_env`]) it also plays
//! Fintoc under `/sandbox`: the Checkout Session API (2023-11-15 and 2026-02-01 shapes) and the
//! Refunds API with Fintoc's request/response shapes, `POST …/v1/events/trigger`, the sandbox
//! widget script, and signed webhooks when the shopper picks an outcome or a refund settles.

// Handlers return `Result<_, Response>` (axum's idiom); boxing the response would buy nothing.
#![allow(clippy::result_large_err)]

pub mod db;
pub mod refunds;
pub mod sandbox;
pub mod shop;
pub mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post};
use axum::Router;
use fintoc_wasm::server::{FintocClient, Timestamp, WebhookSecrets};
use tower_http::services::{ServeDir, ServeFile};

pub use db::Db;

/// Unix time in seconds.
pub fn unix_now() -> i64 {
    Timestamp::now().unix_seconds()
}

/// Locks `mutex`; a poisoned lock is still used (every critical section here leaves its data
/// consistent, and SQLite rolls back unfinished transactions).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Largest request body the shop's own routes accept (a cart is a few hundred bytes). Not the
/// webhook's: a signed event is never refused for its size below the crate's cap
/// ([`fintoc_wasm::server::DEFAULT_MAX_BODY_BYTES`], 256 KiB), which its extractor enforces.
pub const BODY_LIMIT: usize = 64 * 1024;

/// `https://localhost`, `https://127.0.0.1` or `https://[::1]` (with a port or a path, or not):
/// where `FINTOC_API_BASE` may point with a live key.
fn https_loopback(url: &str) -> bool {
    ["https://localhost", "https://127.0.0.1", "https://[::1]"]
        .iter()
        .any(|host| {
            url.strip_prefix(host)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        })
}

/// The client for `FINTOC_API_BASE` (`api_base`), when set: refused with a live secret key,
/// unless it is an https:// loopback address.
fn api_client(fintoc: FintocClient, api_base: Option<&str>) -> Result<FintocClient, String> {
    match api_base {
        Some(api) if fintoc.is_live() && !https_loopback(api) => Err(
            "FINTOC_API_BASE is set with a live secret key (sk_live_…): refused, a live key is \
             only sent to Fintoc (or to an https:// loopback address); use a test key \
             (sk_test_…) with a test double, or unset FINTOC_API_BASE"
                .to_owned(),
        ),
        Some(api) => Ok(fintoc.with_base_url(api)),
        None => Ok(fintoc),
    }
}

/// The previous webhook secret, accepted beside `FINTOC_WEBHOOK_SECRET` while it is rotated.
pub const PREVIOUS_WEBHOOK_SECRET: &str = "FINTOC_WEBHOOK_SECRET_PREVIOUS";

/// Live Fintoc or the built-in sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The offline Fintoc under `/sandbox`: no account, no real money.
    Sandbox,
    /// The real Fintoc API, with [`LIVE_VARIABLES`].
    Live,
}

/// Where browsers reach the shop (`https://…` in live mode: Fintoc's `success_url` and
/// `cancel_url` are built from it).
pub const PUBLIC_URL: &str = "PUBLIC_URL";

/// The keys of live mode, all three (and [`PUBLIC_URL`]): a missing one is an error, never a
/// quiet sandbox.
pub const LIVE_VARIABLES: [&str; 3] = [
    "FINTOC_SECRET_KEY",
    "FINTOC_PUBLIC_KEY",
    "FINTOC_WEBHOOK_SECRET",
];

impl Mode {
    /// Decides the mode from the environment (`var` reads a variable; blank counts as unset)
    /// and the address the server will listen on. Errors name variables, never their values.
    ///
    /// - `FINTOC_MODE=live`: all of [`LIVE_VARIABLES`] and an `https://` [`PUBLIC_URL`] are
    ///   required (without it Fintoc would send shoppers back to `http://0.0.0.0:8080/…`).
    /// - `FINTOC_MODE=sandbox`: sandbox on any address; `FINTOC_SECRET_KEY` and
    ///   `FINTOC_PUBLIC_KEY` must not be set (`FINTOC_WEBHOOK_SECRET` may be: the sandbox signs
    ///   its webhooks with it).
    /// - no `FINTOC_MODE`: all three set is live (with [`PUBLIC_URL`] as above), none set is
    ///   sandbox — but only on a loopback
    ///   `host` (`127.0.0.1`, `::1`, `localhost`); some set is an error naming the missing ones.
    pub fn from_env(var: impl Fn(&str) -> Option<String>, host: &str) -> Result<Mode, String> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let (set, mut missing): (Vec<&str>, Vec<&str>) =
            LIVE_VARIABLES.iter().partition(|name| var(name).is_some());
        let public_url = var(PUBLIC_URL);
        let keys_missing = missing.len();
        if public_url.is_none() {
            missing.push(PUBLIC_URL);
        }
        let all = "FINTOC_SECRET_KEY, FINTOC_PUBLIC_KEY and FINTOC_WEBHOOK_SECRET, and PUBLIC_URL \
                   (the https:// address where shoppers reach this shop: Fintoc sends them back \
                   there)";
        let requested = var("FINTOC_MODE").map(|m| m.trim().to_ascii_lowercase());
        let live = || match public_url.as_deref().map(str::trim) {
            Some(url) if url.starts_with("https://") && url.len() > "https://".len() => {
                Ok(Mode::Live)
            }
            Some(url) => Err(format!(
                "PUBLIC_URL must be an https:// URL in live mode (Fintoc's success_url and \
                 cancel_url are built from it), not `{url}`."
            )),
            None => Err(format!("live mode needs {all}; not set: {PUBLIC_URL}.")),
        };
        match requested.as_deref() {
            Some("live") if missing.is_empty() => live(),
            Some("live") => Err(format!(
                "FINTOC_MODE=live needs {all}; not set: {}.",
                missing.join(", ")
            )),
            Some("sandbox") => {
                let keys: Vec<&str> = set
                    .iter()
                    .copied()
                    .filter(|name| *name != "FINTOC_WEBHOOK_SECRET")
                    .collect();
                if keys.is_empty() {
                    Ok(Mode::Sandbox)
                } else {
                    Err(format!(
                        "FINTOC_MODE=sandbox, but {} set: the sandbox never uses live keys. Unset \
                         them for the sandbox, or use FINTOC_MODE=live.",
                        keys.join(" and ")
                    ))
                }
            }
            Some(other) => Err(format!(
                "FINTOC_MODE must be `live` or `sandbox`, not `{other}`."
            )),
            None if keys_missing == 0 => live(),
            None if !set.is_empty() => Err(format!(
                "{} set, so this looks like live mode, which needs {all}; not set: {}. Set them \
                 all for real Fintoc, or none of them for the offline sandbox.",
                set.join(" and "),
                missing.join(", ")
            )),
            None if !is_loopback(host) => Err(format!(
                "refusing to run the sandbox on HOST={host}: other machines could reach a shop \
                 that takes fake payments. Set FINTOC_MODE=sandbox to do it on purpose, or {all} \
                 for real Fintoc."
            )),
            None => Ok(Mode::Sandbox),
        }
    }
}

/// `127.0.0.1` (any `127.x`), `::1`, `[::1]` or `localhost`.
fn is_loopback(host: &str) -> bool {
    let host = host.trim();
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Everything the handlers share.
pub struct AppState {
    pub db: Db,
    pub fintoc: FintocClient,
    pub mode: Mode,
    pub public_key: String,
    pub script_url: String,
    /// What `POST /webhooks/fintoc` verifies with: the endpoint's secret, and the previous one
    /// while it is rotated ([`PREVIOUS_WEBHOOK_SECRET`]); bodies up to the crate's
    /// [`fintoc_wasm::server::DEFAULT_MAX_BODY_BYTES`].
    pub webhook_secrets: WebhookSecrets,
    /// Where the shopper's browser reaches this server (for success/cancel URLs).
    pub public_url: String,
    /// How the shops take payment (see [`Settings::checkout_mode`]).
    pub checkout_mode: fintoc_wasm::CheckoutMode,
    pub sandbox: Option<Arc<sandbox::Sandbox>>,
    /// The first wait before a refund with no answer is asked again; it doubles with every
    /// request, up to [`refunds::MAX_BACKOFF`] ([`refunds::backoff`]). The retrier's interval
    /// ([`Settings::refund_retry_interval`]); zero without a retrier (asked whenever
    /// [`refunds::retry_pending`] runs).
    pub refund_backoff: Duration,
}

/// The router's state: the shared [`AppState`]. The handlers take `State<Arc<AppState>>`, the
/// webhook extractor its [`WebhookSecrets`] (both through `FromRef`).
#[derive(Clone)]
pub struct SharedState(pub Arc<AppState>);

impl FromRef<SharedState> for Arc<AppState> {
    fn from_ref(state: &SharedState) -> Self {
        state.0.clone()
    }
}

impl FromRef<SharedState> for WebhookSecrets {
    fn from_ref(state: &SharedState) -> Self {
        state.0.webhook_secrets.clone()
    }
}

/// Settings read from the environment by `main`, or built by tests.
#[derive(Clone)]
pub struct Settings {
    /// From [`Mode::from_env`].
    pub mode: Mode,
    pub secret_key: Option<String>,
    pub public_key: Option<String>,
    pub webhook_secret: Option<String>,
    /// [`PREVIOUS_WEBHOOK_SECRET`]: also accepted while the webhook secret is rotated.
    pub webhook_secret_previous: Option<String>,
    /// The SQLite file (`DATABASE_PATH`), unless [`Settings::database_url`] is set.
    pub database: PathBuf,
    /// `DATABASE_URL` (`postgres://…`): PostgreSQL, which several instances can share.
    pub database_url: Option<String>,
    /// `FINTOC_API_BASE`: live mode against another Fintoc API base (a test double, as the
    /// multi-instance test and `scripts/load` use); `https://api.fintoc.com` when unset. Only
    /// with a test secret key (`sk_test_…`), or an `https://` loopback address: a live key is
    /// never sent anywhere else.
    pub api_base: Option<String>,
    pub static_dir: PathBuf,
    /// More static folders, by path prefix: the plain-JS shop (`/www` → `www/`), the npm
    /// package it imports (`/pkg` → `pkg/`, built by `scripts/build-npm`), the Leptos shop
    /// (`/leptos` → `examples/leptos-checkout/dist`, built by `scripts/build-shop`), the React
    /// shop (`/react` → `examples/react-shop/dist`, built by `scripts/build-react-shop`).
    pub mounts: Vec<(String, PathBuf)>,
    /// Sandbox sessions expire this long after creation (default 10 minutes).
    pub sandbox_session_lifetime: Option<std::time::Duration>,
    /// `FINTOC_SANDBOX_SECRET_KEY` (`sk_test_…`): the key the sandbox's API takes, so that a
    /// person can call it (`curl …/sandbox/api/v1/events/trigger`); a random one otherwise.
    pub sandbox_secret_key: Option<String>,
    /// How the shops take payment (`CHECKOUT_MODE`): the widget (default), Fintoc's hosted
    /// page, or the widget with the hosted page when its script is blocked. A shop page may
    /// override it with `?mode=` to show both flows.
    pub checkout_mode: fintoc_wasm::CheckoutMode,
    /// How often refunds whose request failed on the way (a network error, a 5xx) are asked
    /// again (`REFUND_RETRY_SECS`, default [`refunds::RETRY_INTERVAL`]); `None`: never by
    /// itself (tests call [`refunds::retry_pending`]).
    pub refund_retry_interval: Option<Duration>,
}

/// `CHECKOUT_MODE`: `widget`, `redirect` or `widget_or_redirect` (unset or blank: `widget`).
///
/// # Errors
/// Any other value, named.
pub fn checkout_mode(value: Option<&str>) -> Result<fintoc_wasm::CheckoutMode, String> {
    use fintoc_wasm::CheckoutMode;
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(CheckoutMode::Widget),
        Some(name) => CheckoutMode::from_name(name).ok_or_else(|| {
            format!("CHECKOUT_MODE must be widget, redirect or widget_or_redirect, not `{name}`")
        }),
    }
}

/// Secrets show as set or not, never their values.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "<set>" } else { "<not set>" };
        f.debug_struct("Settings")
            .field("mode", &self.mode)
            .field("secret_key", &set(&self.secret_key))
            .field("public_key", &self.public_key)
            .field("webhook_secret", &set(&self.webhook_secret))
            .field(
                "webhook_secret_previous",
                &set(&self.webhook_secret_previous),
            )
            .field("database", &self.database)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("api_base", &self.api_base)
            .field("static_dir", &self.static_dir)
            .field("mounts", &self.mounts)
            .field("sandbox_session_lifetime", &self.sandbox_session_lifetime)
            .field("sandbox_secret_key", &set(&self.sandbox_secret_key))
            .field("checkout_mode", &self.checkout_mode)
            .field("refund_retry_interval", &self.refund_retry_interval)
            .finish()
    }
}

/// Builds the state for a server listening at `base` (e.g. `http://127.0.0.1:8080`).
///
/// # Errors
/// The database cannot be opened, or a setting is missing; the message says which.
pub async fn state(settings: &Settings, base: &str) -> Result<Arc<AppState>, String> {
    let db = match &settings.database_url {
        // The URL may hold a password: never in a message.
        Some(url) => Db::connect(url)
            .await
            .map_err(|e| format!("cannot use the database at DATABASE_URL: {e}"))?,
        None => Db::open(&settings.database).await.map_err(|e| {
            format!(
                "cannot open the database {}: {e}",
                settings.database.display()
            )
        })?,
    };
    let required = |value: &Option<String>, name: &str| {
        value
            .clone()
            .ok_or_else(|| format!("live mode needs {name}"))
    };
    // The errors name the variable, never its value.
    let secrets = |current: &str, name: &str| {
        let secrets = WebhookSecrets::new(current).map_err(|e| format!("{name}: {e}"))?;
        match &settings.webhook_secret_previous {
            Some(previous) => secrets
                .and(previous.as_str())
                .map_err(|e| format!("{PREVIOUS_WEBHOOK_SECRET}: {e}")),
            None => Ok(secrets),
        }
    };
    let state = match settings.mode {
        Mode::Live => {
            let secret_key = required(&settings.secret_key, "FINTOC_SECRET_KEY")?;
            let public_key = required(&settings.public_key, "FINTOC_PUBLIC_KEY")?;
            let webhook_secret = required(&settings.webhook_secret, "FINTOC_WEBHOOK_SECRET")?;
            let fintoc = FintocClient::new(secret_key).map_err(|e| e.to_string())?;
            AppState {
                db,
                fintoc: api_client(fintoc, settings.api_base.as_deref())?,
                mode: Mode::Live,
                public_key,
                script_url: fintoc_wasm::load::DEFAULT_SCRIPT_URL.to_owned(),
                webhook_secrets: secrets(&webhook_secret, "FINTOC_WEBHOOK_SECRET")?,
                public_url: base.to_owned(),
                checkout_mode: settings.checkout_mode,
                sandbox: None,
                refund_backoff: settings.refund_retry_interval.unwrap_or_default(),
            }
        }
        Mode::Sandbox => {
            let mut sandbox = sandbox::Sandbox::new(
                base,
                settings.webhook_secret.clone(),
                settings
                    .sandbox_session_lifetime
                    .unwrap_or(sandbox::SESSION_LIFETIME),
            );
            if let Some(key) = &settings.sandbox_secret_key {
                if !key.starts_with("sk_test_") || key.len() <= "sk_test_".len() {
                    return Err(
                        "FINTOC_SANDBOX_SECRET_KEY must be a test key (sk_test_…)".to_owned()
                    );
                }
                sandbox = sandbox.with_secret_key(key);
            }
            let sandbox = Arc::new(sandbox);
            AppState {
                db,
                fintoc: FintocClient::new(sandbox.secret_key())
                    .map_err(|e| e.to_string())?
                    .with_base_url(format!("{base}/sandbox/api")),
                mode: Mode::Sandbox,
                public_key: sandbox::PUBLIC_KEY.to_owned(),
                script_url: "/sandbox/fintoc.js?report=/sandbox/outcome".to_owned(),
                webhook_secrets: secrets(sandbox.webhook_secret(), "FINTOC_WEBHOOK_SECRET")?,
                public_url: base.to_owned(),
                checkout_mode: settings.checkout_mode,
                sandbox: Some(sandbox),
                refund_backoff: settings.refund_retry_interval.unwrap_or_default(),
            }
        }
    };
    let state = Arc::new(state);
    if let Some(interval) = settings.refund_retry_interval {
        refunds::spawn_retrier(&state, interval);
    }
    Ok(state)
}

/// The whole app: API, webhooks, sandbox (in sandbox mode) and the static shop.
pub fn router(state: Arc<AppState>, static_dir: &std::path::Path) -> Router {
    router_with(state, static_dir, &[])
}

/// [`router`], plus static folders by path prefix (see [`Settings::mounts`]).
pub fn router_with(
    state: Arc<AppState>,
    static_dir: &std::path::Path,
    mounts: &[(String, PathBuf)],
) -> Router {
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
    for (prefix, dir) in mounts {
        app = app.nest_service(prefix, ServeDir::new(dir));
    }
    let index = static_dir.join("index.html");
    app.fallback_service(ServeDir::new(static_dir).not_found_service(ServeFile::new(index)))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(SharedState(state))
}
