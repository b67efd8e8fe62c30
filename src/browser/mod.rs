//! The page: the only place that decides whether we are in a browser (everything browser-only
//! goes through [`window`] first, so native builds — SSR, the `server` feature, unit tests — get
//! a typed `NotInBrowser` error instead of a wasm-bindgen panic), and the bindings to the page
//! side in `src/browser/page.js` (loading Fintoc.js, fetching and reading the session, calls on JS
//! objects, navigation). With feature `testing`, one slot of
//! [`overrides`] is where a test harness changes what the page does; nothing else here knows
//! about tests.

use crate::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[cfg(feature = "testing")]
pub(crate) mod overrides;

// The page side lives in JavaScript, src/browser/page.js; the decisions stay in Rust (size:
// docs/size.md, "Page work in JavaScript").

// src/browser/page.js, section 1: the window, calls on JS objects, timers, leaving for the hosted
// page.
#[wasm_bindgen(module = "/src/browser/page.js")]
extern "C" {
    /// The page's `window`, or `undefined` (a worker, Node): one binding instead of web-sys's
    /// search of the global object.
    #[wasm_bindgen(js_name = pageWindow)]
    fn page_window() -> Option<web_sys::Window>;

    /// Calls `back` when this page is shown again from the back-forward cache, or when it is
    /// still here `stall_ms` after leaving began (0: no timer); returns the handle for
    /// `unwatch_back`.
    #[wasm_bindgen(js_name = watchBack)]
    fn watch_back(back: &Closure<dyn Fn(JsValue)>, stall_ms: u32) -> JsValue;

    #[wasm_bindgen(js_name = unwatchBack)]
    fn unwatch_back(listener: &JsValue);

    /// `location.assign(url)`.
    #[wasm_bindgen(js_name = go)]
    fn go(url: &str);

    /// `Fintoc.create(options)` with the callbacks set on `options`, reported like `invoke`.
    #[wasm_bindgen(js_name = createWidget)]
    fn create_widget(
        fintoc: &JsValue,
        options: &js_sys::Object,
        on_success: &JsValue,
        on_exit: &JsValue,
        on_event: &JsValue,
    ) -> js_sys::Array;

    /// `obj[name](arg)`: `[0, result]`, `[1]` (no such method) or `[2, message]` (it threw).
    #[wasm_bindgen(js_name = invoke)]
    fn invoke(obj: &JsValue, name: &str, arg: &JsValue) -> js_sys::Array;

    /// A promise that resolves after `ms` milliseconds.
    #[wasm_bindgen(js_name = sleep)]
    pub(crate) fn sleep(ms: u32) -> js_sys::Promise;

    /// An `Error`'s message, else the thrown value as a string.
    #[wasm_bindgen(js_name = thrownMessage)]
    fn thrown_message(value: &JsValue) -> String;
}

// src/browser/page.js, section 2: Fintoc.js, once per page.
#[wasm_bindgen(module = "/src/browser/page.js")]
extern "C" {
    /// `window.Fintoc` when it has `create`, else `undefined`.
    #[wasm_bindgen(js_name = fintocGlobal)]
    pub(crate) fn fintoc_global() -> JsValue;

    /// One load per script URL (see `loadScript`): resolves with `[code, text, timeoutMs]`
    /// (0 loaded, 1 network, 2 no global, 3 timed out, 4 invalid URL, 5 no document, 6 refused
    /// by the page's Content-Security-Policy with the directive fourth; `text` the absolute URL
    /// or why the URL is invalid; the timeout of the load that ran).
    #[wasm_bindgen(js_name = loadScript)]
    fn load_script_js(url: &str, nonce: Option<&str>, timeout_ms: u32) -> js_sys::Promise;
}

// src/browser/page.js, section 3: the session request, and reading its JSON.
#[wasm_bindgen(module = "/src/browser/page.js")]
extern "C" {
    /// A response body's first `max` characters for an error message, tokens and secret keys
    /// redacted (see `crate::error::excerpt`).
    #[cfg(fintoc_web)]
    pub(crate) fn excerpt(text: &str, max: u32) -> String;

    /// `[token, expiresInSeconds, expiresAtMs, redirectUrl]` of a session endpoint's JSON, or
    /// `null` when it is not JSON (see `session::response::read_fields`).
    #[wasm_bindgen(js_name = readSession)]
    pub(crate) fn read_session(text: &str) -> JsValue;

    /// `text` as JSON, or `undefined` when it is not JSON.
    #[wasm_bindgen(js_name = parseJson)]
    pub(crate) fn parse_json(text: &str) -> JsValue;

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
}

/// Where a script requested at `url` really loads from: `url` itself, unless a test harness
/// routes loads elsewhere (feature `testing`).
pub(crate) fn script_url(url: &str) -> String {
    #[cfg(feature = "testing")]
    return overrides::route_script(url);
    #[cfg(not(feature = "testing"))]
    url.to_owned()
}

/// Starts (or joins) the load of the script at `url` (already [`script_url`]).
pub(crate) fn load_script(url: &str, nonce: Option<&str>, timeout_ms: u32) -> js_sys::Promise {
    let reply = load_script_js(url, nonce, timeout_ms);
    #[cfg(feature = "testing")]
    overrides::watch_load(&reply, url);
    reply
}

/// The load of `url` answered (a test harness's one-shot route is spent).
pub(crate) fn script_settled(_url: &str) {
    #[cfg(feature = "testing")]
    overrides::settled(_url);
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
pub(crate) const IS_BROWSER_TARGET: bool = cfg!(fintoc_web);

/// The page's `window`, or `None` off-browser (native build, Node, a worker).
pub(crate) fn window() -> Option<web_sys::Window> {
    if IS_BROWSER_TARGET {
        page_window()
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
    #[cfg(feature = "std")]
    if !IS_BROWSER_TARGET {
        return std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
    }
    // (Without std, the only build is the npm package's: the browser.)
    js_sys::Date::now()
}

/// The longest delay `setTimeout` honours: 2^31 − 1 ms (~24.8 days). Browsers treat anything
/// longer as 0 and fire at once, so a `Duration::MAX` meant as "no timeout" must be clamped.
pub(crate) const MAX_TIMER_MS: u32 = i32::MAX as u32;

/// `duration` in whole milliseconds for a browser timer, clamped to [`MAX_TIMER_MS`].
pub(crate) fn timer_ms(duration: core::time::Duration) -> u32 {
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
pub(crate) fn debug_console_error(message: &dyn core::fmt::Display) {
    #[cfg(debug_assertions)]
    if window().is_some() {
        web_sys::console::error_1(&JsValue::from_str(&format!("fintoc-wasm: {message}")));
    }
    #[cfg(not(debug_assertions))]
    let _ = message;
}

/// A readable message for a thrown JS value (an `Error`'s message, else its string form).
#[cfg_attr(not(any(feature = "js", feature = "testing")), allow(dead_code))]
pub(crate) fn js_message(value: &JsValue) -> String {
    if IS_BROWSER_TARGET {
        thrown_message(value)
    } else {
        value
            .as_string()
            .unwrap_or_else(|| "unknown JavaScript error".to_owned())
    }
}

/// How a call into a JS object's method went.
pub(crate) enum Called {
    /// It ran and returned this.
    Ran(JsValue),
    /// There is no such method.
    Missing,
    /// It threw; what it said.
    Threw(String),
}

/// Calls `obj[name](arg)` (one binding for every method the crate calls on Fintoc's objects).
pub(crate) fn call(obj: &JsValue, name: &str, arg: &JsValue) -> Called {
    if !IS_BROWSER_TARGET {
        return Called::Missing;
    }
    called(invoke(obj, name, arg))
}

/// `fintoc.create(options)` with the widget's three callbacks set on `options` first.
pub(crate) fn create(
    fintoc: &JsValue,
    options: &js_sys::Object,
    callbacks: [&JsValue; 3],
) -> Called {
    if !IS_BROWSER_TARGET {
        return Called::Missing;
    }
    let [s, x, e] = callbacks;
    called(create_widget(fintoc, options, s, x, e))
}

fn called(reply: js_sys::Array) -> Called {
    match reply.get(0).as_f64() {
        Some(0.0) => Called::Ran(reply.get(1)),
        Some(2.0) => Called::Threw(reply.get(1).as_string().unwrap_or_default()),
        _ => Called::Missing,
    }
}

/// `obj[name]` if it is a function.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub(crate) fn method(obj: &JsValue, name: &str) -> Option<js_sys::Function> {
    js_sys::Reflect::get(obj, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
}

/// Listens for this page coming back from the back-forward cache (the shopper pressed "back" on
/// Fintoc's hosted page) while it is kept; dropping it stops listening.
pub(crate) struct BackListener {
    listener: Option<JsValue>,
    // The widget callbacks' signature: one closure shim (size: docs/size.md).
    _back: Closure<dyn Fn(JsValue)>,
}

/// How long a page may still be here after starting to leave for Fintoc's hosted page before
/// its checkout stops saying "redirecting".
pub(crate) const REDIRECT_STALL_MS: u32 = 10_000;

impl BackListener {
    pub(crate) fn new(stall_ms: u32, back: impl Fn() + 'static) -> Self {
        let back = Closure::<dyn Fn(JsValue)>::new(move |_: JsValue| back());
        // While a test harness records navigations, the page never leaves: no timer, unless
        // the test asks for one (`Sandbox::stall_redirects_after`).
        #[cfg(feature = "testing")]
        let stall_ms = overrides::redirect_stall_ms().unwrap_or(stall_ms);
        let listener = IS_BROWSER_TARGET.then(|| watch_back(&back, stall_ms));
        BackListener {
            listener,
            _back: back,
        }
    }
}

impl Drop for BackListener {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.take() {
            unwatch_back(&listener);
        }
    }
}

/// Sends the page to `url` (Fintoc's hosted checkout page) — unless a test harness records
/// navigations (feature `testing`), so a test page stays where it is.
pub(crate) fn navigate(url: &str) {
    #[cfg(feature = "testing")]
    if overrides::record_navigation(url) {
        return;
    }
    if IS_BROWSER_TARGET {
        go(url);
    }
}
