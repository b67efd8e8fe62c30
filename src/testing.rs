//! A fake Fintoc for your own tests (feature `testing`): installs the offline
//! [sandbox](crate::sandbox) in a wasm-bindgen-test page and drives it without clicks.
//!
//! While a [`Sandbox`] is installed, **every** Fintoc.js load on the page (the default URL or a
//! custom one) gets the sandbox script instead, so the code under test needs no changes. You can
//! read the options `Fintoc.create` received, make the user succeed, fail or exit, send any event,
//! and make the next load fail.
//!
//! ```no_run
//! use fintoc_wasm::testing::Sandbox;
//! use fintoc_wasm::{Callbacks, Checkout, CheckoutConfig, CheckoutState, SessionSource, SessionToken, WidgetOptions};
//!
//! // #[wasm_bindgen_test]
//! async fn my_checkout_reports_success() {
//!     let sandbox = Sandbox::install().expect("sandbox");
//!     let options = WidgetOptions::builder("pk_test_shop").build().unwrap();
//!     let token = SessionToken::new("cs_test_sec_1").unwrap();
//!     let checkout = Checkout::new(CheckoutConfig::new(options, SessionSource::token(token)), Callbacks::new());
//!     checkout.open();
//!     checkout.wait_for(|s| *s == CheckoutState::Open).await;
//!     assert_eq!(sandbox.last_options().unwrap().session_token.as_deref(), Some("cs_test_sec_1"));
//!     sandbox.succeed().unwrap();
//!     assert_eq!(checkout.state(), CheckoutState::Succeeded);
//! }
//! ```

use wasm_bindgen::{JsCast, JsValue};

use crate::browser::{self, overrides};
use crate::load::LoadOptions;

/// A failure of the testing harness itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The harness only works in a browser page (run your tests with wasm-bindgen-test in a
    /// browser).
    #[error(
        "the Fintoc sandbox needs a browser page; run the test with wasm-bindgen-test in a browser"
    )]
    NotInBrowser,
    /// The sandbox script is not loaded yet (nothing called `load_fintoc` since `install`).
    #[error("the sandbox script is not loaded yet: load Fintoc.js (or open a checkout) first")]
    NotLoaded,
    /// The sandbox refused the action (e.g. `succeed()` with no open widget).
    #[error("the sandbox refused: {0}")]
    Refused(String),
}

/// How [`Sandbox::fail_next_load`] makes the next load fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadFailure {
    /// The script request fails (like being offline or blocked): [`crate::error::LoadError::Network`].
    Network,
    /// The script loads but defines no `window.Fintoc`: [`crate::error::LoadError::GlobalMissing`].
    GlobalMissing,
}

/// The sandbox, installed in this page until dropped.
#[must_use = "the sandbox is uninstalled when dropped"]
#[derive(Debug)]
pub struct Sandbox {
    url: String,
}

impl Sandbox {
    /// Resets the page's Fintoc state (see [`reset`]) and routes every Fintoc.js load to the
    /// sandbox script (served from a `blob:` URL, no network).
    ///
    /// # Errors
    /// [`SandboxError::NotInBrowser`] outside a browser page.
    pub fn install() -> Result<Sandbox, SandboxError> {
        reset();
        let url = blob_url(crate::sandbox::SCRIPT)?;
        overrides::set(Some(overrides::Overrides {
            script: url.clone(),
            next_script: None,
            navigations: Vec::new(),
            stall_ms: 0,
        }));
        Ok(Sandbox { url })
    }

    /// The `blob:` URL the sandbox script is served from.
    pub fn script_url(&self) -> &str {
        &self.url
    }

    /// Load options pointing at the sandbox (not needed while installed: every load is
    /// rerouted anyway).
    pub fn load(&self) -> LoadOptions {
        LoadOptions::new().with_url(self.url.clone())
    }

    /// Makes the next Fintoc.js load fail (once), after clearing the page's Fintoc state so
    /// the load really happens. Later loads get the sandbox again.
    ///
    /// # Errors
    /// [`SandboxError::NotInBrowser`].
    pub fn fail_next_load(&self, failure: LoadFailure) -> Result<(), SandboxError> {
        reset();
        let url = match failure {
            LoadFailure::Network => {
                let url = blob_url("/* revoked before use */")?;
                web_sys::Url::revoke_object_url(&url).map_err(refused)?;
                url
            }
            LoadFailure::GlobalMissing => blob_url("/* loads fine, defines no window.Fintoc */")?,
        };
        overrides::with(|o| o.next_script = Some(url));
        Ok(())
    }

    /// Where the page would have gone since the sandbox was installed (Fintoc's hosted page, in
    /// redirect mode), oldest first: while installed, a checkout records its navigation instead
    /// of leaving the test page.
    pub fn navigations(&self) -> Vec<String> {
        overrides::with(|o| o.navigations.clone()).unwrap_or_default()
    }

    /// A recorded navigation is a page that never left: after `after`, a checkout stops saying
    /// "redirecting" and is idle again, as one is on a real page still there 10 s after leaving
    /// (unless the page fired `pagehide`: it is on its way). Without this call a recorded page
    /// keeps saying "redirecting".
    ///
    /// ```no_run
    /// # fn main() -> Result<(), fintoc_wasm::testing::SandboxError> {
    /// let sandbox = fintoc_wasm::testing::Sandbox::install()?;
    /// sandbox.stall_redirects_after(std::time::Duration::from_millis(300));
    /// # Ok(()) }
    /// ```
    pub fn stall_redirects_after(&self, after: std::time::Duration) {
        let ms = u32::try_from(after.as_millis()).unwrap_or(u32::MAX).max(1);
        overrides::with(|o| o.stall_ms = ms);
    }

    /// Every widget `Fintoc.create` made since the sandbox script loaded, oldest first.
    pub fn widgets(&self) -> Vec<SandboxWidget> {
        let Ok(control) = control() else {
            return Vec::new();
        };
        let Ok(list) = js_sys::Reflect::get(&control, &"widgets".into()) else {
            return Vec::new();
        };
        js_sys::Array::from(&list)
            .iter()
            .map(|w| SandboxWidget::from_js(&w))
            .collect()
    }

    /// The widgets' lifecycle in order: `create:1`, `open:1`, `hide:1`, `destroy:1`,
    /// `succeed:1`, `fail:1`, `exit:1` (the number is the widget id).
    pub fn log(&self) -> Vec<String> {
        let Ok(control) = control() else {
            return Vec::new();
        };
        js_sys::Reflect::get(&control, &"log".into())
            .map(|list| {
                js_sys::Array::from(&list)
                    .iter()
                    .filter_map(|v| v.as_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many times `Fintoc.create` succeeded.
    pub fn create_count(&self) -> usize {
        self.widgets().len()
    }

    /// The options the most recent `Fintoc.create` received.
    pub fn last_options(&self) -> Option<CreatedOptions> {
        self.widgets().pop().map(|w| w.options)
    }

    /// The user picks bank `institution_id` in the open widget.
    ///
    /// # Errors
    /// [`SandboxError::Refused`] when no widget is open.
    pub fn select_bank(&self, institution_id: &str) -> Result<(), SandboxError> {
        call(
            "selectBank",
            &[JsValue::from_str(institution_id), JsValue::UNDEFINED],
        )
    }

    /// The user pays: events `payment_in_progress`, `payment_created`, then `onSuccess`, all
    /// synchronously, on the most recent widget (which must be open).
    ///
    /// # Errors
    /// [`SandboxError::Refused`] when no widget is open (or a callback threw).
    pub fn succeed(&self) -> Result<(), SandboxError> {
        call("succeed", &[])
    }

    /// The bank rejects the payment: event `payment_error` with `reason`; the widget stays open
    /// on an error screen until [`exit`](Self::exit).
    ///
    /// # Errors
    /// [`SandboxError::Refused`] when no widget is open.
    pub fn fail_payment(&self, reason: &str) -> Result<(), SandboxError> {
        call("fail", &[JsValue::from_str(reason)])
    }

    /// The user closes the widget: event `closed`, then `onExit`.
    ///
    /// # Errors
    /// [`SandboxError::Refused`] when no widget is open.
    pub fn exit(&self) -> Result<(), SandboxError> {
        call("exit", &[])
    }

    /// Sends any event with `metadata` (a `timestamp` is added) to the most recent widget's
    /// `onEvent`.
    ///
    /// # Errors
    /// [`SandboxError::Refused`] when there is no widget.
    pub fn emit(&self, name: &str, metadata: &serde_json::Value) -> Result<(), SandboxError> {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let metadata = serde::Serialize::serialize(metadata, &serializer)
            .map_err(|e| SandboxError::Refused(e.to_string()))?;
        call("emit", &[JsValue::from_str(name), metadata])
    }

    /// Sandbox iframes currently in the page (destroyed widgets leave none).
    pub fn iframe_count(&self) -> usize {
        count("iframe[data-fintoc-sandbox]")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        overrides::set(None);
        reset();
        let _ = web_sys::Url::revoke_object_url(&self.url);
    }
}

/// One widget the sandbox created.
#[derive(Clone, Debug)]
pub struct SandboxWidget {
    /// Sandbox id (1, 2, …).
    pub id: u32,
    /// `created`, `open`, `hidden` or `destroyed`.
    pub state: String,
    /// The options `Fintoc.create` received.
    pub options: CreatedOptions,
}

impl SandboxWidget {
    fn from_js(w: &JsValue) -> Self {
        let options = js_sys::Reflect::get(w, &"options".into()).unwrap_or(JsValue::UNDEFINED);
        SandboxWidget {
            id: js_sys::Reflect::get(w, &"id".into())
                .ok()
                .and_then(|v| v.as_f64())
                .map_or(0, |v| v as u32),
            state: get_string(w, "state").unwrap_or_default(),
            options: CreatedOptions::from_js(options),
        }
    }
}

/// The options object `Fintoc.create` received, as the widget saw it.
#[derive(Clone, Debug)]
pub struct CreatedOptions {
    /// `publicKey`.
    pub public_key: Option<String>,
    /// `product`.
    pub product: Option<String>,
    /// `sessionToken`.
    pub session_token: Option<String>,
    /// `widgetToken`.
    pub widget_token: Option<String>,
    /// `country`.
    pub country: Option<String>,
    /// `holderType`.
    pub holder_type: Option<String>,
    /// `institutionId`.
    pub institution_id: Option<String>,
    /// Whether `onSuccess`, `onExit` and `onEvent` were functions.
    pub has_callbacks: bool,
    raw: JsValue,
}

impl CreatedOptions {
    fn from_js(raw: JsValue) -> Self {
        let is_fn = |name: &str| browser::method(&raw, name).is_some();
        CreatedOptions {
            public_key: get_string(&raw, "publicKey"),
            product: get_string(&raw, "product"),
            session_token: get_string(&raw, "sessionToken"),
            widget_token: get_string(&raw, "widgetToken"),
            country: get_string(&raw, "country"),
            holder_type: get_string(&raw, "holderType"),
            institution_id: get_string(&raw, "institutionId"),
            has_callbacks: is_fn("onSuccess") && is_fn("onExit") && is_fn("onEvent"),
            raw,
        }
    }

    /// The options object itself (for fields not listed above, such as `username`).
    pub fn raw(&self) -> &JsValue {
        &self.raw
    }
}

/// Removes every trace of Fintoc from the page without a reload: sandbox widgets (destroyed
/// without calling back), `window.Fintoc`, `window.FintocSandbox`, the `<script>` tags this crate
/// injected, and the loader's cache. Call it between tests that share a page.
///
/// ```no_run
/// fintoc_wasm::testing::reset();
/// ```
pub fn reset() {
    let Some(window) = browser::window() else {
        return;
    };
    if let Ok(control) = control() {
        if let Some(reset) = browser::method(&control, "reset") {
            let _ = reset.call0(&control);
        }
    }
    for name in ["Fintoc", "FintocSandbox"] {
        let _ = js_sys::Reflect::delete_property(&window, &JsValue::from_str(name));
    }
    remove_all("script[data-fintoc-wasm]");
    remove_all("iframe[data-fintoc-sandbox]");
    overrides::clear_loads();
}

/// Number of `<script>` tags this crate injected that are in the page.
///
/// ```no_run
/// assert_eq!(fintoc_wasm::testing::injected_script_count(), 0);
/// ```
pub fn injected_script_count() -> usize {
    count("script[data-fintoc-wasm]")
}

/// Loads the registry knows about (pending or done); 0 after [`reset`].
///
/// ```no_run
/// assert_eq!(fintoc_wasm::testing::pending_loads(), 0);
/// ```
pub fn pending_loads() -> usize {
    overrides::load_count() as usize
}

fn control() -> Result<JsValue, SandboxError> {
    let window = browser::window().ok_or(SandboxError::NotInBrowser)?;
    let control = js_sys::Reflect::get(&window, &"FintocSandbox".into()).map_err(refused)?;
    if control.is_object() {
        Ok(control)
    } else {
        Err(SandboxError::NotLoaded)
    }
}

fn call(method: &str, args: &[JsValue]) -> Result<(), SandboxError> {
    let control = control()?;
    let f = browser::method(&control, method).ok_or_else(|| {
        SandboxError::Refused(format!("window.FintocSandbox.{method} is missing"))
    })?;
    let args: js_sys::Array = args.iter().collect();
    f.apply(&control, &args).map(drop).map_err(refused)
}

fn refused(e: JsValue) -> SandboxError {
    SandboxError::Refused(browser::js_message(&e))
}

fn get_string(obj: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(obj, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
}

fn blob_url(source: &str) -> Result<String, SandboxError> {
    browser::window().ok_or(SandboxError::NotInBrowser)?;
    let parts = js_sys::Array::of1(&JsValue::from_str(source));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(refused)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(refused)
}

fn count(selector: &str) -> usize {
    browser::document()
        .and_then(|d| d.query_selector_all(selector).ok())
        .map_or(0, |list| list.length() as usize)
}

fn remove_all(selector: &str) {
    let Some(list) = browser::document().and_then(|d| d.query_selector_all(selector).ok()) else {
        return;
    };
    for i in 0..list.length() {
        if let Some(el) = list
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        {
            el.remove();
        }
    }
}
