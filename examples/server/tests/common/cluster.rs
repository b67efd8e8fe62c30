//! Several real demo servers (`fintoc-demo-server` processes) in live mode against one fake
//! Fintoc: the sandbox's API served by the test, with a fixed secret key, its webhooks kept for
//! the test to deliver (to any instance, any number of times).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use fintoc_demo_server::sandbox::{self, Sandbox};
use fintoc_wasm::server::testing::sign_event;

/// The fake Fintoc's secret key (what the instances send).
pub const SECRET_KEY: &str = "sk_test_fake_fintoc_for_several_instances";
/// The webhook secret the instances verify with.
pub const WEBHOOK_SECRET: &str = "whsec_test_fake_fintoc_for_several_instances";

/// The sandbox's Checkout Session API on a port of its own.
pub struct FakeFintoc {
    pub base: String,
    pub sandbox: Arc<Sandbox>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeFintoc {
    pub async fn start() -> FakeFintoc {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let sandbox = Arc::new(
            Sandbox::new(
                &base,
                Some(WEBHOOK_SECRET.to_owned()),
                Duration::from_secs(3600),
            )
            .with_secret_key(SECRET_KEY),
        );
        sandbox.capture_webhooks();
        let app = axum::Router::new().nest("/sandbox", sandbox::router(sandbox.clone()));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeFintoc {
            base,
            sandbox,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for FakeFintoc {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where an instance keeps its orders.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(PathBuf),
    Postgres(String),
}

/// A `fintoc-demo-server` process.
pub struct Instance {
    pub base: String,
    child: Child,
    pub log: PathBuf,
}

impl Instance {
    /// Starts the binary (live mode, the fake Fintoc's API, `store`) on a free port; waits (30 s
    /// at most) until it listens.
    pub async fn spawn(fintoc: &FakeFintoc, store: &Store, log: PathBuf) -> Instance {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fintoc-demo-server"));
        command
            .env_clear()
            .env("FINTOC_MODE", "live")
            .env("FINTOC_SECRET_KEY", SECRET_KEY)
            .env("FINTOC_PUBLIC_KEY", "pk_test_fake_fintoc")
            .env("FINTOC_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("FINTOC_API_BASE", fintoc.url("/sandbox/api"))
            .env("PUBLIC_URL", "https://shop.example.test")
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("STATIC_DIR", std::env::temp_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
        match store {
            Store::Sqlite(path) => command.env("DATABASE_PATH", path),
            Store::Postgres(url) => command.env("DATABASE_URL", url),
        };
        let mut child = command.spawn().expect("the demo server binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = line.strip_prefix("listening on ") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(address.to_owned());
                    }
                }
            }
        });
        let base = match tokio::time::timeout(Duration::from_secs(30), rx).await {
            Ok(Ok(base)) => base,
            _ => {
                let _ = child.kill();
                panic!(
                    "the instance did not listen within 30 s: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        Instance { base, child, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `Fintoc-Signature` for `body`, signed now.
pub fn signature(body: &[u8]) -> String {
    sign_event(WEBHOOK_SECRET, body, std::time::SystemTime::now())
}

/// SplitMix64: small, seedable, no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// The PostgreSQL server of `DATABASE_URL`, or `None` with a loud message — unless this runs under
/// `scripts/test` (`FINTOC_SCRIPTS_TEST=1`), which always sets it: then its absence fails.
pub fn postgres_or_skip(test: &str) -> bool {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => true,
        _ if std::env::var("FINTOC_SCRIPTS_TEST").is_ok() => {
            panic!(
                "{test}: scripts/test must set DATABASE_URL=postgres://… (scripts/with-postgres)"
            )
        }
        _ => {
            // Straight to stderr: the test harness would hide an eprintln! of a passing test.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!(
                    "\n*** SKIPPED {test}: it needs PostgreSQL. Run it with\n***   \
                     scripts/with-postgres cargo test -p fintoc-demo-server --test \
                     multi_instance\n***   (or set DATABASE_URL=postgres://…; scripts/test \
                     always does)\n\n"
                )
                .as_bytes(),
            );
            false
        }
    }
}

/// p-th percentile (0–100) of sorted durations, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}
