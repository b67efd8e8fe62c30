//! `fintoc-demo-server`: the demo shop, in sandbox or live mode ([`Mode::from_env`]).
//!
//! Environment:
//! - `FINTOC_MODE`: `live` or `sandbox`; without it, live when all three live variables are set,
//!   sandbox when none is (on a loopback `HOST` only), an error naming the missing ones otherwise
//! - `PORT` (default 8080), `HOST` (default 127.0.0.1)
//! - `DATABASE_URL` (`postgres://…`): keep orders in PostgreSQL (several instances may share it);
//!   otherwise SQLite in `DATABASE_PATH` (default `fintoc-demo.sqlite`, created on first run)
//! - `FINTOC_API_BASE`: live mode against another Fintoc API base (a test double, with a
//!   `sk_test_` key; a live key only with an `https://` loopback address); leave unset
//! - `STATIC_DIR` (default `examples/yew-checkout/dist`)
//! - `PUBLIC_URL`: where browsers reach this server; required in live mode (`https://…`: Fintoc's
//!   success/cancel URLs), `http://HOST:PORT` by default in the sandbox
//! - `SANDBOX_SESSION_LIFETIME_SECS` (default 600): when sandbox sessions expire
//! - `FINTOC_SANDBOX_SECRET_KEY` (`sk_test_…`): the key the sandbox's API takes (random otherwise),
//!   to call it by hand, e.g. its `events/trigger`
//! - live mode: `FINTOC_SECRET_KEY`, `FINTOC_PUBLIC_KEY`, `FINTOC_WEBHOOK_SECRET`
//! - `FINTOC_WEBHOOK_SECRET_PREVIOUS`: while the webhook secret is rotated, the old one, accepted
//!   too (unset it once every delivery signed with it has arrived)
//! - `REFUND_RETRY_SECS` (default 60): how often a refund whose request failed on the way (a
//!   network error, a 5xx) is asked again, with the same idempotency key

use std::path::PathBuf;

use fintoc_demo_server::{router_with, state, Mode, Settings};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("fintoc-demo-server: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let host = env("HOST").unwrap_or_else(|| "127.0.0.1".into());
    let port = env("PORT").unwrap_or_else(|| "8080".into());
    // Decided before anything else: a half-configured live server must not come up as sandbox.
    let mode = Mode::from_env(env, &host)?;
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}"))
        .await
        .map_err(|e| {
            format!("cannot listen on {host}:{port}: {e} (set PORT to use another port)")
        })?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let base = env(fintoc_demo_server::PUBLIC_URL).map_or_else(
        || format!("http://{address}"),
        |url| url.trim().trim_end_matches('/').to_owned(),
    );
    let settings = Settings {
        mode,
        secret_key: env("FINTOC_SECRET_KEY"),
        public_key: env("FINTOC_PUBLIC_KEY"),
        webhook_secret: env("FINTOC_WEBHOOK_SECRET"),
        webhook_secret_previous: env(fintoc_demo_server::PREVIOUS_WEBHOOK_SECRET),
        database: env("DATABASE_PATH")
            .map_or_else(|| PathBuf::from("fintoc-demo.sqlite"), PathBuf::from),
        database_url: env("DATABASE_URL"),
        api_base: match mode {
            Mode::Live => env("FINTOC_API_BASE"),
            Mode::Sandbox => None,
        },
        static_dir: env("STATIC_DIR").map_or_else(
            || PathBuf::from("examples/yew-checkout/dist"),
            PathBuf::from,
        ),
        mounts: vec![
            (
                "/www".into(),
                env("WWW_DIR").map_or_else(|| PathBuf::from("www"), PathBuf::from),
            ),
            (
                "/pkg".into(),
                env("PKG_DIR").map_or_else(|| PathBuf::from("pkg"), PathBuf::from),
            ),
            (
                "/leptos".into(),
                env("LEPTOS_DIR").map_or_else(
                    || PathBuf::from("examples/leptos-checkout/dist"),
                    PathBuf::from,
                ),
            ),
            (
                "/react".into(),
                env("REACT_DIR")
                    .map_or_else(|| PathBuf::from("examples/react-shop/dist"), PathBuf::from),
            ),
        ],
        sandbox_session_lifetime: env("SANDBOX_SESSION_LIFETIME_SECS")
            .map(|s| {
                s.parse().map(std::time::Duration::from_secs).map_err(|_| {
                    format!("SANDBOX_SESSION_LIFETIME_SECS={s} is not a number of seconds")
                })
            })
            .transpose()?,
        sandbox_secret_key: env("FINTOC_SANDBOX_SECRET_KEY"),
        checkout_mode: fintoc_demo_server::checkout_mode(env("CHECKOUT_MODE").as_deref())?,
        refund_retry_interval: Some(match env("REFUND_RETRY_SECS") {
            Some(s) => s
                .trim()
                .parse()
                .ok()
                .filter(|secs| *secs > 0)
                .map(std::time::Duration::from_secs)
                .ok_or_else(|| format!("REFUND_RETRY_SECS={s} is not a number of seconds"))?,
            None => fintoc_demo_server::refunds::RETRY_INTERVAL,
        }),
    };
    if !settings.static_dir.join("index.html").exists() {
        eprintln!(
            "warning: {} has no index.html; build the shop first (scripts/build-shop)",
            settings.static_dir.display()
        );
    }
    let state = state(&settings, &base).await?;
    let app = router_with(state, &settings.static_dir, &settings.mounts);
    match mode {
        Mode::Sandbox => println!(
            "Fintoc demo shop (sandbox mode: no Fintoc account, no real money) on {base}\n\
             The same shop in Leptos: {base}/leptos/, in plain JavaScript (the npm package): \
             {base}/www/ and in React (fintoc-wasm/react): {base}/react/\n\
             Orders are stored in {}. Set FINTOC_SECRET_KEY, FINTOC_PUBLIC_KEY and \
             FINTOC_WEBHOOK_SECRET to use real Fintoc.{}",
            if settings.database_url.is_some() {
                "PostgreSQL (DATABASE_URL)".to_owned()
            } else {
                settings.database.display().to_string()
            },
            if address.ip().is_loopback() {
                ""
            } else {
                "\nWARNING: FINTOC_MODE=sandbox on a public address: anyone who reaches it can \
                 \"pay\" with the fake widget."
            }
        ),
        Mode::Live => println!("Fintoc demo shop (LIVE Fintoc API) on {base}"),
    }
    // What scripts and tests read to find a server started on PORT=0.
    println!("listening on http://{address}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
