//! The only place that decides whether we are in a browser. Everything browser-only goes through
//! [`window`] first, so native builds (SSR, the `server` feature, unit tests) get a typed
//! `NotInBrowser` error instead of a wasm-bindgen panic.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

// `src/browser.js`: loading the script once per page and fetching with a timeout, where doing it through
// web-sys would cost a binding per call in every bundle.
#[wasm_bindgen(module = "/src/browser.js")]
extern "C" {
    /// One load per script URL (see `loadScript`): resolves with `[code, text, timeoutMs]`
    /// (0 loaded, 1 network, 2 no global, 3 timed out, 4 invalid URL; `text` the absolute URL or
    /// why the URL is invalid; the timeout of the load that ran).
    #[wasm_bindgen(js_name = loadScript)]
    pub(crate) fn load_script(url: &str, nonce: Option<&str>, timeout_ms: u32) -> js_sys::Promise;

    #[cfg(feature = "testing")]
    #[wasm_bindgen(js_name = clearLoads)]
    pub(crate) fn clear_loads();

    #[cfg(feature = "testing")]
    #[wasm_bindgen(js_name = loadCount)]
    pub(crate) fn load_count() -> u32;

    /// A response body's first `max` characters for an error message, tokens and secret keys
    /// redacted (see `crate::error::excerpt`).
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    pub(crate) fn excerpt(text: &str, max: u32) -> String;

    /// `[token, expiresInSeconds, expiresAtMs, redirectUrl]` of a session endpoint's JSON, or
    /// `null` when it is not JSON (see `session::response::read_fields`).
    #[wasm_bindgen(js_name = readSession)]
    pub(crate) fn read_session(text: &str) -> JsValue;

    /// A fetch in flight: `done` resolves with `[status, text]` or rejects with
    /// `[kind, message]` (0 invalid request, 1 network, 2 timeout).
    pub(crate) type PendingFetch;

    #[wasm_bindgen(js_name = startFetch)]
    pub(crate) fn start_fetch(
        url: &str,
        method: &str,
        headers: js_sys::Array,
        body: Option<String>,
        credentials: &str,
        timeout_ms: u32,
    ) -> PendingFetch;

    #[wasm_bindgen(method, getter)]
    pub(crate) fn done(this: &PendingFetch) -> js_sys::Promise;

    #[wasm_bindgen(method)]
    pub(crate) fn abort(this: &PendingFetch);

    /// Remembers a JS `Checkout` handle weakly, and makes `[Symbol.dispose]` destroy it.
    #[cfg(feature = "js")]
    #[wasm_bindgen(js_name = registerHandle)]
    pub(crate) fn register_handle(id: u32, handle: &JsValue);

    /// The handle (a strong reference), while it lives.
    #[cfg(feature = "js")]
    #[wasm_bindgen(js_name = handle)]
    pub(crate) fn handle(id: u32) -> JsValue;

    /// `button` keeps the handle alive.
    #[cfg(feature = "js")]
    #[wasm_bindgen(js_name = pinHandle)]
    pub(crate) fn pin_handle(button: &web_sys::HtmlElement, id: u32);

    #[cfg(feature = "js")]
    #[wasm_bindgen(js_name = unpinHandle)]
    pub(crate) fn unpin_handle(button: &web_sys::HtmlElement);
}

/// A [`start_fetch`] request that is aborted when this is dropped (the future awaiting it was
/// dropped: a cancelled checkout, a stopped confirmation), unless disarmed once it settled.
pub(crate) struct AbortOnDrop(pub(crate) Option<PendingFetch>);

impl AbortOnDrop {
    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(pending) = &self.0 {
            pending.abort();
        }
    }
}

/// True when `s` has nothing but spaces and C0 control characters (what a URL parser strips
/// from both ends): a URL option left blank.
pub(crate) fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| b <= b' ')
}

/// True when compiled for the browser target (`wasm32-unknown-unknown`).
pub(crate) const IS_BROWSER_TARGET: bool = cfg!(all(target_arch = "wasm32", target_os = "unknown"));

/// The page's `window`, or `None` off-browser (native build, Node, a worker).
pub(crate) fn window() -> Option<web_sys::Window> {
    if IS_BROWSER_TARGET {
        web_sys::window()
    } else {
        None
    }
}

/// The page's `document`, or `None` off-browser.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub(crate) fn document() -> Option<web_sys::Document> {
    window().and_then(|w| w.document())
}

/// Milliseconds since the Unix epoch (the browser clock on wasm, the system clock natively).
pub(crate) fn now_ms() -> f64 {
    if IS_BROWSER_TARGET {
        js_sys::Date::now()
    } else {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    }
}

/// The longest delay `setTimeout` honours: 2^31 − 1 ms (~24.8 days). Browsers treat anything
/// longer as 0 and fire at once, so a `Duration::MAX` meant as "no timeout" must be clamped.
pub(crate) const MAX_TIMER_MS: u32 = i32::MAX as u32;

/// `duration` in whole milliseconds for a browser timer, clamped to [`MAX_TIMER_MS`].
pub(crate) fn timer_ms(duration: std::time::Duration) -> u32 {
    // In u64 (no 128-bit arithmetic in the bundle): seconds beyond the cap saturate.
    let ms = duration
        .as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(duration.subsec_millis()));
    u32::try_from(ms).unwrap_or(MAX_TIMER_MS).min(MAX_TIMER_MS)
}

/// In debug builds, prints a technical error message to the browser console (the details a
/// developer needs, which shoppers never see); in release builds, nothing.
#[cfg_attr(not(feature = "yew"), allow(dead_code))]
pub(crate) fn debug_console_error(message: &dyn std::fmt::Display) {
    #[cfg(debug_assertions)]
    if window().is_some() {
        web_sys::console::error_1(&JsValue::from_str(&format!("fintoc-wasm: {message}")));
    }
    #[cfg(not(debug_assertions))]
    let _ = message;
}

/// A readable message for a thrown JS value (an `Error`'s message, else its string form).
pub(crate) fn js_message(value: &JsValue) -> String {
    if let Some(err) = value.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    if let Some(s) = value.as_string() {
        return s;
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "unknown JavaScript error".to_owned())
}

/// `obj[name]` if it is a function.
pub(crate) fn method(obj: &JsValue, name: &str) -> Option<js_sys::Function> {
    js_sys::Reflect::get(obj, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
}
