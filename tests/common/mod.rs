//! Helpers shared by the browser tests (each `tests/*.rs` file is its own page).
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

use wasm_bindgen::{JsCast, JsValue};

/// The fixture server started by `scripts/test` (`scripts/test-server.py`).
pub fn server() -> &'static str {
    option_env!("FINTOC_TEST_SERVER").unwrap_or("http://127.0.0.1:8791")
}

/// A page with no trace of Fintoc: `testing::reset()`, plus any tag a test wrote by hand
/// pointing at the fixture server (the loader treats `/script?id=a` and `/script?id=b` as the
/// same script, so a leftover tag would be reused).
pub fn fresh_page() {
    fintoc_wasm::testing::reset();
    let list = document()
        .query_selector_all(&format!("script[src^=\"{}\"]", server()))
        .unwrap();
    for i in 0..list.length() {
        let el: web_sys::Element = list.item(i).unwrap().dyn_into().unwrap();
        el.remove();
    }
}

/// A fresh id so each test's requests can be told apart in the server log.
pub fn unique_id(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}{n}x{}", js_sys::Date::now() as u64)
}

pub fn script_url(id: &str, delay_ms: u32) -> String {
    format!("{}/script?id={id}&delay={delay_ms}", server())
}

pub fn session_url(id: &str, query: &str) -> String {
    format!("{}/session?id={id}{query}", server())
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub event: String,
    pub detail: Option<serde_json::Value>,
}

/// The server's log of requests for `id`, in the order they happened.
pub async fn server_log(id: &str) -> Vec<LogEntry> {
    let url = format!("{}/log?id={id}", server());
    let response = within(
        5_000,
        "the fixture server's log",
        gloo_net::http::Request::get(&url).send(),
    )
    .await
    .expect("the test server runs (scripts/test starts it)");
    within(5_000, "the fixture server's log body", response.json())
        .await
        .expect("log is JSON")
}

pub async fn count_events(id: &str, event: &str) -> usize {
    server_log(id)
        .await
        .iter()
        .filter(|e| e.event == event)
        .count()
}

pub async fn closed_port() -> u16 {
    #[derive(serde::Deserialize)]
    struct Port {
        port: u16,
    }
    let url = format!("{}/closed-port", server());
    let r = within(
        5_000,
        "the fixture server",
        gloo_net::http::Request::get(&url).send(),
    )
    .await
    .unwrap();
    within(5_000, "the fixture server", r.json::<Port>())
        .await
        .unwrap()
        .port
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// `<script>` tags in the page whose `src` contains `needle`.
pub fn scripts_matching(needle: &str) -> usize {
    let list = document().query_selector_all("script[src]").unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlScriptElement>().ok())
        .filter(|s| s.src().contains(needle))
        .count()
}

pub fn fintoc_global_exists() -> bool {
    let w = web_sys::window().unwrap();
    js_sys::Reflect::get(&w, &"Fintoc".into())
        .map(|v| v.is_object())
        .unwrap_or(false)
}

/// A shared log the callbacks under test append to.
#[derive(Clone, Default)]
pub struct Recorder(Rc<RefCell<Vec<String>>>);

impl Recorder {
    pub fn push(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
    pub fn snapshot(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }
}

/// Waits until `pred` holds, polling every 10 ms, for at most `max_ms`.
pub async fn until(max_ms: u32, mut pred: impl FnMut() -> bool) -> bool {
    let mut waited = 0;
    while !pred() {
        if waited >= max_ms {
            return false;
        }
        sleep(10).await;
        waited += 10;
    }
    true
}

/// Runs `future` with a deadline: a broken behaviour fails the test with `what` instead of
/// hanging it.
pub async fn within<T>(max_ms: u32, what: &str, future: impl std::future::Future<Output = T>) -> T {
    use futures::future::{select, Either};
    let timer = gloo_timers::future::TimeoutFuture::new(max_ms);
    match select(Box::pin(future), timer).await {
        Either::Left((value, _)) => value,
        Either::Right(((), _)) => panic!("timed out after {max_ms} ms waiting for {what}"),
    }
}

/// How long a test waits for a checkout state before failing.
pub const STATE_DEADLINE_MS: u32 = 10_000;

/// [`fintoc_wasm::Checkout::wait_for`] with a deadline.
pub trait WaitWithDeadline {
    /// Waits (at most [`STATE_DEADLINE_MS`]) until `pred` holds for the state.
    fn wait_until(
        &self,
        pred: impl Fn(&fintoc_wasm::CheckoutState) -> bool + 'static,
    ) -> impl std::future::Future<Output = fintoc_wasm::CheckoutState>;

    /// Waits at most `max_ms` until the state is `state`; the failure names it.
    fn reach(
        &self,
        state: fintoc_wasm::CheckoutState,
        max_ms: u32,
    ) -> impl std::future::Future<Output = fintoc_wasm::CheckoutState>;
}

impl WaitWithDeadline for fintoc_wasm::Checkout {
    fn wait_until(
        &self,
        pred: impl Fn(&fintoc_wasm::CheckoutState) -> bool + 'static,
    ) -> impl std::future::Future<Output = fintoc_wasm::CheckoutState> {
        within(STATE_DEADLINE_MS, "a checkout state", self.wait_for(pred))
    }

    fn reach(
        &self,
        state: fintoc_wasm::CheckoutState,
        max_ms: u32,
    ) -> impl std::future::Future<Output = fintoc_wasm::CheckoutState> {
        let name = state.name();
        within(max_ms, name, self.wait_for(move |s| *s == state))
    }
}

pub fn js(source: &str) -> JsValue {
    js_sys::eval(source).expect("test JS evaluates")
}

/// Whether the sandbox shows an open widget, the moment a shopper can act on it.
pub fn widget_open(sandbox: &fintoc_wasm::testing::Sandbox) -> bool {
    sandbox.widgets().iter().any(|w| w.state == "open")
}

/// Where a state may go next (the diagram on `CheckoutState`, and what the state machine does):
/// the randomized sequence tests' transition check.
pub fn documented_transition(from: &str, to: &str) -> bool {
    match from {
        "idle" => matches!(
            to,
            "preparing" | "opening" | "ready" | "redirecting" | "failed"
        ),
        "preparing" => matches!(to, "opening" | "ready" | "failed" | "idle"),
        "opening" => matches!(
            to,
            "preparing" | "ready" | "failed" | "idle" | "redirecting" | "succeeded" | "exited"
        ),
        "ready" => matches!(
            to,
            "open"
                | "opening"
                | "preparing"
                | "idle"
                | "failed"
                | "redirecting"
                | "exited"
                | "succeeded"
        ),
        "open" => matches!(to, "ready" | "succeeded" | "exited" | "idle" | "failed"),
        "succeeded" => matches!(to, "idle"),
        "exited" => matches!(
            to,
            "open" | "opening" | "preparing" | "idle" | "failed" | "ready"
        ),
        "redirecting" => matches!(to, "idle"),
        "failed" => matches!(
            to,
            "preparing" | "opening" | "idle" | "ready" | "redirecting"
        ),
        _ => false,
    }
}
