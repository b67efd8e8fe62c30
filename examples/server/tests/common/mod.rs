//! Starts the demo server in-process on a free port, with its own database file.
#![allow(dead_code)]

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

pub async fn start_with(
    database: &Path,
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
        database: database.to_owned(),
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
    };
    let state = fintoc_demo_server::state(&settings, &base).unwrap();
    let app = router_with(state.clone(), static_dir, &settings.mounts);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Running { base, state, task }
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
