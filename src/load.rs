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
//! The page side (finding or injecting the tag, the registry, waiting) is `loadScript` in
//! `src/browser/page.js`, where it costs a fraction of its web-sys bindings; URL matching there has
//! table tests (`tests/js/browser.test.mjs`). What each outcome means for the caller (which
//! [`LoadError`], with the caller's timeout) is decided here.
//!
//! A page with a Content-Security-Policy must allow `https://js.fintoc.com` in `script-src`
//! (and `https://wizard.fintoc.com` in `frame-src` and `connect-src` for the widget's frame;
//! Fintoc's hosted page needs none of them). A script the policy refuses fails as
//! [`LoadError::CspBlocked`] (code `csp_blocked`), naming the directive — never as a network
//! error.
//!
//! ```no_run
//! use fintoc_wasm::load::{load_fintoc_with, LoadOptions};
//!
//! # async fn run() -> Result<(), fintoc_wasm::error::LoadError> {
//! let fintoc = load_fintoc_with(&LoadOptions::new().with_nonce("r4nd0m")).await?;
//! # Ok(()) }
//! ```

use crate::prelude::*;
use core::time::Duration;

use wasm_bindgen::{JsCast, JsValue};

use crate::browser;
use crate::error::LoadError;

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
///     .with_url("/sandbox/fintoc.js")
///     .with_nonce("r4nd0m")
///     .with_timeout(Duration::from_secs(8));
/// assert_eq!(options.url(), "/sandbox/fintoc.js");
/// assert_eq!(options.nonce(), Some("r4nd0m"));
/// assert_eq!(options.timeout(), Duration::from_secs(8));
/// assert_eq!(LoadOptions::default().url(), "https://js.fintoc.com/v1/");
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
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// Sets the `nonce` attribute on the injected `<script>`, for pages whose
    /// Content-Security-Policy allows scripts by nonce.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// How long to wait for the script and its `window.Fintoc` (default 15 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The script URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The CSP nonce, if any.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The load timeout.
    pub fn timeout(&self) -> Duration {
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
    fn from_page() -> Option<Fintoc> {
        let js = browser::fintoc_global();
        (!js.is_undefined()).then_some(Fintoc { js })
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
        Started::Pending(pending) => pending.wait().await,
    }
}

/// Starts loading Fintoc.js in the background and returns at once (e.g. when the checkout page
/// mounts, so the script is there by the time the user clicks "Pay"). Off-browser it does
/// nothing. Errors surface at the next [`load_fintoc`].
///
/// ```no_run
/// fintoc_wasm::load::preload(&fintoc_wasm::LoadOptions::new().with_nonce("r4nd0m"));
/// ```
pub fn preload(options: &LoadOptions) {
    let _ = start(options);
}

enum Started {
    Ready(Fintoc),
    Pending(Pending),
}

/// A load in flight (shared with every other caller of the same script in `src/browser/page.js`).
struct Pending {
    reply: js_sys::Promise,
    requested: String,
    after_ms: u32,
}

impl Pending {
    async fn wait(self) -> Result<Fintoc, LoadError> {
        // `loadScript` always resolves with an array; anything else (a throwing `window.Fintoc`
        // getter, say) reads as a network failure of the requested URL.
        let reply = wasm_bindgen_futures::JsFuture::from(self.reply).await;
        browser::script_settled(&self.requested);
        let reply: js_sys::Array = reply
            .ok()
            .filter(JsValue::is_object)
            .map(JsCast::unchecked_into)
            .unwrap_or_default();
        if let Some(fintoc) = Fintoc::from_page() {
            return Ok(fintoc);
        }
        let code = reply.get(0).as_f64().unwrap_or(1.0);
        let text = reply
            .get(1)
            .as_string()
            .unwrap_or_else(|| self.requested.clone());
        // The timer that ran: a caller joining a load already under way shares its timeout.
        let after_ms = reply.get(2).as_f64().map_or(self.after_ms, |ms| ms as u32);
        if code == 6.0 {
            return Err(LoadError::CspBlocked {
                url: text,
                directive: reply.get(3).as_string().unwrap_or_default(),
            });
        }
        Err(outcome_error(code, text, &self.requested, after_ms))
    }
}

/// What `loadScript` (src/browser/page.js) answered, as the caller's error.
fn outcome_error(code: f64, text: String, requested: &str, after_ms: u32) -> LoadError {
    match code as u8 {
        // No `document` (a worker-like global): nowhere to put a <script>.
        5 => LoadError::NotInBrowser,
        4 => LoadError::InvalidUrl {
            url: requested.to_owned(),
            reason: text,
        },
        3 => LoadError::Timeout {
            url: text,
            after_ms,
        },
        0 | 2 => LoadError::GlobalMissing { url: text },
        _ => LoadError::Network { url: text },
    }
}

fn start(options: &LoadOptions) -> Result<Started, LoadError> {
    browser::window().ok_or(LoadError::NotInBrowser)?;
    if let Some(fintoc) = Fintoc::from_page() {
        return Ok(Started::Ready(fintoc));
    }
    let requested = browser::script_url(&options.url);
    if crate::browser::is_blank(&requested) {
        return Err(LoadError::InvalidUrl {
            url: requested,
            reason: "it is empty".into(),
        });
    }
    let after_ms = browser::timer_ms(options.timeout);
    let reply = browser::load_script(&requested, options.nonce.as_deref(), after_ms);
    Ok(Started::Pending(Pending {
        reply,
        requested,
        after_ms,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_real_fintoc() {
        let o = LoadOptions::default();
        assert_eq!(o.url(), "https://js.fintoc.com/v1/");
        assert_eq!(o.timeout(), Duration::from_secs(15));
        assert_eq!(o.nonce(), None);
    }

    #[test]
    fn loading_off_browser_is_a_typed_error() {
        let result = futures::executor::block_on(load_fintoc());
        assert!(matches!(result, Err(LoadError::NotInBrowser)));
        preload(&LoadOptions::new()); // must not panic
    }
}
