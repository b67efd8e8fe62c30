//! Loading Fintoc.js, once per page.
//!
//! One registry entry per script URL: however many callers ask, concurrently or later, the page
//! gets exactly one `<script>` for that URL. An existing `window.Fintoc` is reused with no tag at
//! all, and a matching tag already in the page (a hand-written
//! `<script src="https://js.fintoc.com/v1">`, or one injected by `@fintoc/fintoc-js`) is reused,
//! but only trusted once `window.Fintoc` really exists. A script that defines the global a moment
//! after its `load` event is waited for, up to the timeout. Any failure clears the entry (and
//! removes the tag if this crate injected it), so the next call retries cleanly.
//!
//! Side effects (DOM, timers, listeners) live in `start` and `watch_script`; URL matching is a
//! pure function with table tests.
//!
//! ```no_run
//! use fintoc_wasm::load::{load_fintoc_with, LoadOptions};
//!
//! # async fn run() -> Result<(), fintoc_wasm::error::LoadError> {
//! let fintoc = load_fintoc_with(&LoadOptions::new().nonce("r4nd0m")).await?;
//! # Ok(()) }
//! ```

use std::cell::{Cell, RefCell};
use std::time::Duration;

use wasm_bindgen::{JsCast, JsValue};

use crate::browser;
use crate::error::LoadError;
use crate::task::Shared;

/// Where Fintoc serves its widget script.
pub const DEFAULT_SCRIPT_URL: &str = "https://js.fintoc.com/v1/";

/// How long a load may take before it fails with [`LoadError::Timeout`].
pub const DEFAULT_LOAD_TIMEOUT: Duration = Duration::from_secs(15);

/// How to load Fintoc.js: URL (self-hosting, a sandbox), CSP nonce, timeout.
///
/// The timeout is clamped to what browsers' timers honour (about 24.8 days), so
/// `Duration::MAX` means "no timeout".
///
/// ```
/// use std::time::Duration;
/// use fintoc_wasm::LoadOptions;
///
/// let options = LoadOptions::new()
///     .url("/sandbox/fintoc.js")
///     .nonce("r4nd0m")
///     .timeout(Duration::from_secs(8));
/// assert_eq!(options.script_url(), "/sandbox/fintoc.js");
/// assert_eq!(options.csp_nonce(), Some("r4nd0m"));
/// assert_eq!(options.load_timeout(), Duration::from_secs(8));
/// assert_eq!(LoadOptions::default().script_url(), "https://js.fintoc.com/v1/");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LoadOptions {
    url: String,
    nonce: Option<String>,
    timeout: Duration,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            url: DEFAULT_SCRIPT_URL.to_owned(),
            nonce: None,
            timeout: DEFAULT_LOAD_TIMEOUT,
        }
    }
}

impl LoadOptions {
    /// The defaults: `https://js.fintoc.com/v1/`, no nonce, 15 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads the script from `url` instead (relative URLs resolve against the page).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// Sets the `nonce` attribute on the injected `<script>`, for pages whose
    /// Content-Security-Policy allows scripts by nonce.
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// How long to wait for the script and its `window.Fintoc` (default 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The script URL.
    pub fn script_url(&self) -> &str {
        &self.url
    }

    /// The CSP nonce, if any.
    pub fn csp_nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The load timeout.
    pub fn load_timeout(&self) -> Duration {
        self.timeout
    }
}

/// The loaded `window.Fintoc` object. Create widgets with [`Fintoc::create`].
///
/// ```no_run
/// # async fn run() -> Result<(), fintoc_wasm::FintocError> {
/// use fintoc_wasm::{load, Callbacks, WidgetOptions};
///
/// let fintoc = load::load_fintoc().await?;
/// let options = WidgetOptions::builder("pk_test_abc").session_token("cs_1_sec_2").build()?;
/// let widget = fintoc.create(&options, Callbacks::new())?;
/// widget.open()?;
/// let raw: &wasm_bindgen::JsValue = fintoc.as_js(); // for calls this crate does not wrap
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Fintoc {
    js: JsValue,
}

impl Fintoc {
    /// The `window.Fintoc` object itself, for calls this crate does not wrap.
    pub fn as_js(&self) -> &JsValue {
        &self.js
    }

    /// `window.Fintoc` if it exists and has a `create` function.
    fn from_window(window: &web_sys::Window) -> Option<Fintoc> {
        let js = js_sys::Reflect::get(window, &JsValue::from_str("Fintoc")).ok()?;
        browser::method(&js, "create")?;
        Some(Fintoc { js })
    }
}

/// Loads Fintoc.js from `https://js.fintoc.com/v1/` (once per page) and returns `window.Fintoc`.
///
/// # Errors
/// [`LoadError`]: `NotInBrowser` (SSR, native), `Network`, `Timeout`, `GlobalMissing`. After an
/// error, calling again retries with a fresh `<script>`.
pub async fn load_fintoc() -> Result<Fintoc, LoadError> {
    load_fintoc_with(&LoadOptions::default()).await
}

/// [`load_fintoc`] with a custom URL, CSP nonce or timeout.
///
/// # Errors
/// As [`load_fintoc`], plus [`LoadError::InvalidUrl`].
pub async fn load_fintoc_with(options: &LoadOptions) -> Result<Fintoc, LoadError> {
    match start(options)? {
        Started::Ready(fintoc) => Ok(fintoc),
        Started::Pending(result) => result.wait().await,
    }
}

/// Starts loading Fintoc.js in the background and returns at once (e.g. when the checkout page
/// mounts, so the script is there by the time the user clicks "Pay"). Off-browser it does
/// nothing. Errors surface at the next [`load_fintoc`].
///
/// ```no_run
/// fintoc_wasm::load::preload(&fintoc_wasm::LoadOptions::new().nonce("r4nd0m"));
/// ```
pub fn preload(options: &LoadOptions) {
    let _ = start(options);
}

type LoadResult = Shared<Result<Fintoc, LoadError>>;

struct Entry {
    key: String,
    id: u64,
    result: LoadResult,
}

thread_local! {
    /// One entry per script URL identity. A page loads one or two scripts at most, so a `Vec`
    /// (no hashing code in the bundle) is the right map.
    static REGISTRY: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
    /// Script identities whose page-written tag already failed us once: the next attempt
    /// injects the crate's own tag instead of waiting on that one again.
    static DEAD_PAGE_TAGS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

enum Started {
    Ready(Fintoc),
    Pending(LoadResult),
}

/// The synchronous part of a load: reuse the global or a registry entry, else find or inject
/// the `<script>` tag and attach its listeners right away (so `preload()` puts the tag in the
/// page before it returns), register the load, and drive it with `spawn_local` (so it
/// completes, and cleans up, even if every caller drops its future).
fn start(options: &LoadOptions) -> Result<Started, LoadError> {
    let window = browser::window().ok_or(LoadError::NotInBrowser)?;
    if let Some(fintoc) = Fintoc::from_window(&window) {
        return Ok(Started::Ready(fintoc));
    }
    let requested = seam::route(&options.url);
    let url = absolute_url(&window, &requested)?;
    let key = script_key(&url);
    let existing = REGISTRY.with(|r| {
        r.borrow()
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.result.clone())
    });
    if let Some(result) = existing {
        return Ok(Started::Pending(result));
    }
    let document = window.document().ok_or(LoadError::NotInBrowser)?;
    let adoptable = !DEAD_PAGE_TAGS.with(|d| d.borrow().contains(&key));
    let found = adoptable.then(|| find_script(&document, &key)).flatten();
    let (script, foreign) = match found {
        Some(script) => (script, true),
        None => (
            inject_script(&document, &url, options.nonce.as_deref())
                .map_err(|_| LoadError::Network { url: url.clone() })?,
            false,
        ),
    };
    let after_ms = browser::timer_ms(options.timeout);
    let outcome = watch_script(&script, after_ms);
    let id = NEXT_ID.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let result = LoadResult::new();
    REGISTRY.with(|r| {
        r.borrow_mut().push(Entry {
            key,
            id,
            result: result.clone(),
        })
    });
    let done = result.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = outcome.await;
        let loaded = Fintoc::from_window(&window);
        let result = match (outcome, loaded) {
            (_, Some(fintoc)) => Ok(fintoc),
            (Outcome::Failed, None) => Err(LoadError::Network { url }),
            (Outcome::TimedOut, None) => Err(LoadError::Timeout { url, after_ms }),
            // The script ran but `window.Fintoc` never appeared within the timeout.
            (Outcome::Loaded | Outcome::LoadedWithoutGlobal, None) => {
                Err(LoadError::GlobalMissing { url })
            }
        };
        if result.is_err() {
            // Only a tag this crate injected is ours to remove: a tag the page author wrote
            // stays (removing it while it may still run could run Fintoc.js twice), but it is
            // not waited on again: the next attempt injects the crate's own.
            if foreign {
                let key = script_key(&script.src());
                DEAD_PAGE_TAGS.with(|d| d.borrow_mut().push(key));
            } else {
                script.remove();
            }
            REGISTRY.with(|r| r.borrow_mut().retain(|e| e.id != id));
        }
        seam::finished(&requested);
        done.set(result);
    });
    Ok(Started::Pending(result))
}

/// Clears every registry entry (testing: a fresh page state without a reload).
#[cfg(feature = "testing")]
pub(crate) fn clear_registry() {
    REGISTRY.with(|r| r.borrow_mut().clear());
    DEAD_PAGE_TAGS.with(|d| d.borrow_mut().clear());
}

/// Number of loads currently registered (pending or done).
#[cfg(feature = "testing")]
pub(crate) fn registry_len() -> usize {
    REGISTRY.with(|r| r.borrow().len())
}

/// The one place where the `testing` harness reaches into loading: it may route a requested
/// URL elsewhere (the sandbox, or a failing URL once) and hears when that load has finished.
/// Without the feature both are identities the compiler removes.
mod seam {
    #[cfg(feature = "testing")]
    pub(super) use crate::testing::{load_finished as finished, route_load as route};

    #[cfg(not(feature = "testing"))]
    pub(super) fn route(url: &str) -> String {
        url.to_owned()
    }

    #[cfg(not(feature = "testing"))]
    pub(super) fn finished(_url: &str) {}
}

fn absolute_url(window: &web_sys::Window, url: &str) -> Result<String, LoadError> {
    let invalid = |reason: String| LoadError::InvalidUrl {
        url: url.to_owned(),
        reason,
    };
    if url.trim().is_empty() {
        return Err(invalid("it is empty".into()));
    }
    let base = window
        .location()
        .href()
        .map_err(|e| invalid(browser::js_message(&e)))?;
    web_sys::Url::new_with_base(url, &base)
        .map(|u| u.href())
        .map_err(|e| invalid(browser::js_message(&e)))
}

/// The identity of a script URL: scheme and host lower-cased, path without trailing slash,
/// query and fragment dropped. `https://js.fintoc.com/v1/`, `…/v1` and `…/v1?x=1` are one
/// script. `data:` URLs are compared whole. Never panics, whatever the page's tags hold.
pub(crate) fn script_key(url: &str) -> String {
    let url = url.trim();
    // `.get`, not slicing: `src` of an invalid URL keeps its raw text, which may put a
    // multi-byte character across byte 5 (`//[aé`).
    if url
        .get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("data:"))
    {
        return url.to_owned();
    }
    let url = url.split(['#', '?']).next().unwrap_or_default();
    // `scheme://authority/path`: the scheme and authority are case-insensitive, the path is not.
    // (Char searches only: a substring search would link a whole string-matching engine.)
    let origin_end = url
        .find(':')
        .filter(|&i| url.get(i..i + 3) == Some("://"))
        .map(|i| {
            let authority = i + 3;
            url.get(authority..)
                .and_then(|rest| rest.find('/'))
                .map_or(url.len(), |j| authority + j)
        })
        .unwrap_or(0);
    let (origin, path) = url.split_at_checked(origin_end).unwrap_or(("", url));
    let mut key = origin.to_ascii_lowercase();
    key.push_str(path.trim_end_matches('/'));
    key
}

#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// `window.Fintoc` exists.
    Loaded,
    /// The tag's `error` event.
    Failed,
    /// The tag's `load` fired but `window.Fintoc` did not appear before the timeout.
    LoadedWithoutGlobal,
    /// Neither `load` nor `error` within the timeout.
    TimedOut,
}

/// Watches the tag from now on (`src/browser.js`): its `load`/`error`, the timeout, and
/// `window.Fintoc` (polled every 50 ms: a tag the page wrote may have fired `load` already, and
/// a script may define the global a moment after its `load`, so a `load` without the global
/// keeps waiting, bounded by the timeout, before it counts as `GlobalMissing`).
fn watch_script(
    script: &web_sys::HtmlScriptElement,
    after_ms: u32,
) -> impl std::future::Future<Output = Outcome> {
    let watching = wasm_bindgen_futures::JsFuture::from(browser::watch_script(script, after_ms));
    async move {
        match watching.await.ok().and_then(|code| code.as_f64()) {
            Some(0.0) => Outcome::Loaded,
            Some(1.0) => Outcome::Failed,
            Some(2.0) => Outcome::LoadedWithoutGlobal,
            _ => Outcome::TimedOut,
        }
    }
}

/// A tag in the page for the same script that can actually run (a classic or module script:
/// not `type="text/plain"` as consent managers leave them, not `nomodule`).
fn find_script(document: &web_sys::Document, key: &str) -> Option<web_sys::HtmlScriptElement> {
    let scripts = document.query_selector_all("script[src]").ok()?;
    (0..scripts.length())
        .filter_map(|i| scripts.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlScriptElement>().ok())
        .find(|script| {
            runnable(&script.type_(), script.has_attribute("nomodule"))
                && script_key(&script.src()) == key
        })
}

/// Whether a `<script type=…>` runs as JavaScript.
fn runnable(script_type: &str, nomodule: bool) -> bool {
    let t = script_type.trim();
    !nomodule
        && (t.is_empty()
            || t.eq_ignore_ascii_case("module")
            || t.eq_ignore_ascii_case("text/javascript")
            || t.eq_ignore_ascii_case("application/javascript"))
}

fn inject_script(
    document: &web_sys::Document,
    url: &str,
    nonce: Option<&str>,
) -> Result<web_sys::HtmlScriptElement, JsValue> {
    let script: web_sys::HtmlScriptElement = document.create_element("script")?.dyn_into()?;
    script.set_src(url);
    script.set_async(true);
    // Marks tags this crate injected (testing::reset removes them; handy when debugging).
    script.set_attribute("data-fintoc-wasm", "")?;
    if let Some(nonce) = nonce {
        script.set_attribute("nonce", nonce)?;
    }
    let parent: web_sys::Node = match document.head() {
        Some(head) => head.into(),
        None => document
            .body()
            .map(Into::into)
            .or_else(|| document.document_element().map(Into::into))
            .ok_or(JsValue::NULL)?,
    };
    parent.append_child(&script)?;
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_key_table() {
        let same = [
            "https://js.fintoc.com/v1/",
            "https://js.fintoc.com/v1",
            "https://js.fintoc.com/v1?foo=bar",
            "https://js.fintoc.com/v1/?foo=bar#x",
            "HTTPS://JS.FINTOC.COM/v1/",
            " https://js.fintoc.com/v1/ ",
        ];
        for url in same {
            assert_eq!(script_key(url), "https://js.fintoc.com/v1", "{url}");
        }
        let different = [
            "https://js.fintoc.com/v2/",
            "https://js.fintoc.com/V1/",
            "http://js.fintoc.com/v1/",
            "https://js.fintoc.com.evil.example/v1/",
            "https://evil.example/js.fintoc.com/v1/",
            "https://js.fintoc.com/",
        ];
        for url in different {
            assert_ne!(script_key(url), "https://js.fintoc.com/v1", "{url}");
        }
        assert_eq!(script_key("https://js.fintoc.com"), "https://js.fintoc.com");
        assert_eq!(
            script_key("https://js.fintoc.com/"),
            "https://js.fintoc.com"
        );
        assert_eq!(
            script_key("blob:http://127.0.0.1:8000/abc-123"),
            "blob:http://127.0.0.1:8000/abc-123"
        );
        assert_eq!(
            script_key("data:text/javascript,window.x=1?#"),
            "data:text/javascript,window.x=1?#"
        );
    }

    #[test]
    fn script_key_never_panics_on_raw_page_text() {
        for odd in [
            "//[aé",
            "daé",
            "é",
            "ñ://x/y",
            "https://[é]/v1",
            "http://",
            "data:",
            "",
        ] {
            let _ = script_key(odd);
        }
    }

    #[test]
    fn only_runnable_page_tags_are_adopted() {
        for t in ["", "module", "text/javascript", " Application/JavaScript "] {
            assert!(runnable(t, false), "{t:?}");
        }
        assert!(!runnable("", true), "nomodule");
        for t in ["text/plain", "application/json", "text/x-template"] {
            assert!(!runnable(t, false), "{t:?}");
        }
    }

    #[test]
    fn defaults_are_the_real_fintoc() {
        let o = LoadOptions::default();
        assert_eq!(o.script_url(), "https://js.fintoc.com/v1/");
        assert_eq!(o.load_timeout(), Duration::from_secs(15));
        assert_eq!(o.csp_nonce(), None);
    }

    #[test]
    fn loading_off_browser_is_a_typed_error() {
        let result = futures::executor::block_on(load_fintoc());
        assert!(matches!(result, Err(LoadError::NotInBrowser)));
        preload(&LoadOptions::new()); // must not panic
    }
}
