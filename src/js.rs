//! The JavaScript API (feature `js`): the only `#[wasm_bindgen]` exports of the crate, published
//! to npm as `fintoc-wasm` by `wasm-pack` (`scripts/build-npm`).
//!
//! ```js
//! import { createCheckout } from 'fintoc-wasm';   // initialises itself
//! const checkout = createCheckout({
//!   publicKey: 'pk_test_…',
//!   session: { endpoint: '/api/checkout', method: 'POST', body: { items } },
//!   onStateChange(state) { button.setAttribute('aria-busy', String(state === 'opening')); },
//! });
//! checkout.attach(button);                 // click opens; hover/focus prepares
//! const outcome = await checkout.open();
//! // { status: 'succeeded' | 'exited' | 'hidden' | 'cancelled' | 'redirected', payload? }
//! checkout.destroy();
//! ```
//!
//! Every error reaching JS is an `Error` with a stable `code` ([`FintocError::code`], plus
//! `invalid_option` for options of the wrong type and `destroyed` after `destroy()`). Invalid
//! options are refused synchronously by `createCheckout`. The `.d.ts` types every option,
//! payload, state and code (the section below).

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::RefCell;
use core::time::Duration;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::adapter::{Binding, Report};
use crate::browser;
use crate::checkout::{Checkout, CheckoutConfig, CheckoutMode, CheckoutState, Outcome};
use crate::confirm::{Confirm, Confirmation, Stage};
use crate::error::{FintocError, OptionsError, SessionError};
use crate::load::LoadOptions;
use crate::session::{
    parse_session_response, CredentialsMode, HttpMethod, SessionEndpoint, SessionSource,
    SessionToken,
};
use crate::widget::{Callbacks, Country, HolderType, Product, Username, WidgetOptions};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Where a checkout is. `preparing`: loading in the background; `opening`: the shopper asked for the widget; `redirecting`: the page is going to Fintoc's hosted checkout page. */
export type CheckoutState = 'idle' | 'preparing' | 'opening' | 'ready' | 'open' | 'succeeded' | 'exited' | 'redirecting' | 'failed';

/** The widget in the page; Fintoc's hosted checkout page; or the widget, with the hosted page when its script is blocked. */
export type CheckoutMode = 'widget' | 'redirect' | 'widget_or_redirect';

/** The stable `code` of every error this package throws or rejects with. */
export type FintocErrorCode =
  | 'not_in_browser' | 'invalid_url' | 'network' | 'timeout' | 'global_missing' | 'csp_blocked'
  | 'secret_key' | 'invalid_public_key' | 'invalid_session_token' | 'invalid_widget_token'
  | 'missing_token' | 'conflicting_tokens' | 'invalid_option'
  | 'session_invalid_request' | 'session_network' | 'session_http' | 'session_not_json'
  | 'session_missing_token' | 'session_timeout' | 'session_expired' | 'session_invalid_token'
  | 'session_no_redirect_url' | 'session_source'
  | 'widget_create' | 'widget_call' | 'widget_method_missing' | 'widget_destroyed'
  | 'already_succeeded' | 'destroyed' | 'cancelled'
  | 'not_initialized' | 'wasm_load_failed';

/** An `Error` whose message says what to do, with a stable code. Never show it to shoppers as is. */
export interface FintocError extends Error {
  code: FintocErrorCode;
}

/** What a widget callback received (an object, or undefined when the widget passed nothing). */
export type WidgetPayload = { readonly [field: string]: unknown } | undefined;

/** What your own session function may resolve with. */
export interface SessionReply {
  sessionToken: string;
  /** Fintoc's hosted page, offered when the widget cannot load (https only). */
  redirectUrl?: string;
  /** Seconds the token stays valid (default and maximum: 600). */
  expiresIn?: number;
}

/** Where the session token comes from. */
export type SessionOption =
  | {
      /** Your backend route that creates the Checkout Session with the secret key. */
      endpoint: string;
      method?: 'GET' | 'POST' | 'PUT';
      /** Sent as JSON. */
      body?: unknown;
      headers?: { [name: string]: string };
      credentials?: 'omit' | 'same-origin' | 'include';
      timeoutMs?: number;
    }
  | { /** A session token the page already has (not refreshed when it goes stale). */ token: string }
  | (() => Promise<string | SessionReply>);

export interface CheckoutOptions {
  /** `pk_test_…` or `pk_live_…`; an `sk_…` key is refused. */
  publicKey: string;
  session: SessionOption;
  product?: 'payments' | 'movements' | 'subscriptions' | 'invoices';
  country?: 'cl' | 'mx';
  holderType?: 'individual' | 'business';
  institutionId?: string;
  username?: string | { value: string; editable?: boolean };
  /** The widget (default), Fintoc's hosted page (the session needs a `redirectUrl`), or the widget with the hosted page when its script is blocked. */
  mode?: CheckoutMode;
  /** Where to load Fintoc.js from (default https://js.fintoc.com/v1/). */
  scriptUrl?: string;
  /** CSP nonce for the injected script. */
  nonce?: string;
  /** Script load timeout (default 15000). */
  timeoutMs?: number;
  /** With `attach(button)`: prepare when the pointer enters the button or it gets focus (default true). */
  prefetchOnHover?: boolean;
  /** The widget reported success: not proof of payment (the webhook is). */
  onSuccess?(payload: WidgetPayload): void;
  onExit?(payload: WidgetPayload): void;
  onEvent?(name: string, metadata: WidgetPayload): void;
  onError?(error: FintocError): void;
  onStateChange?(state: CheckoutState): void;
}

/** Where a confirmation is. */
export type ConfirmationStage = 'confirming' | 'confirmed' | 'not_paid' | 'still_pending';

/** What `confirmOrder` needs: your order endpoint, which your webhook handler writes. */
export interface ConfirmOptions {
  /** e.g. `/api/orders/ord_42` (GET, JSON): `status` `paid`/`succeeded` confirms; `failed`, `rejected`, `expired` are not paid (`failure_reason` says why); anything else is pending. */
  url: string;
  /** How long to keep asking (default 120000). */
  deadlineMs?: number;
  /** Your endpoint's own shape: what an answer means (default: the `status` field as above). */
  read?(order: { readonly [field: string]: unknown }): 'confirmed' | 'not_paid' | 'pending';
  onStageChange?(stage: ConfirmationStage): void;
}

/** How a confirmation ended. `still_pending`: the deadline passed with no decision (tell the shopper the result comes later; never to pay again). */
export type ConfirmResult =
  | { status: 'confirmed'; order: { readonly [field: string]: unknown } }
  | { status: 'not_paid'; reason?: string; order: { readonly [field: string]: unknown } }
  | { status: 'still_pending' }
  | { status: 'cancelled' };

/** How a run of the widget ended. `redirected`: the page is going to Fintoc's hosted page (the result comes on your return page). `hidden`: your page called `hide()` (the widget is kept; `open()` shows it again). `cancelled`: `destroy()`, `reset()` or a new session ended it first. */
export type Outcome =
  | { status: 'succeeded'; payload: WidgetPayload }
  | { status: 'exited'; payload: WidgetPayload }
  | { status: 'hidden' }
  | { status: 'cancelled' }
  | { status: 'redirected' };
"#;

/// A JS `Error` with `code` set: what every failure looks like from JS.
fn js_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&error, &"code".into(), &JsValue::from_str(code));
    error.into()
}

fn to_js(error: &FintocError) -> JsValue {
    js_error(error.code(), &error.to_string())
}

fn invalid(option: &str, expected: &'static str) -> JsValue {
    to_js(
        &OptionsError::Invalid {
            option: option.to_owned(),
            expected,
        }
        .into(),
    )
}

/// Field `name` of `object`, `None` when missing, `null` or `undefined`.
fn field(object: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn string(object: &JsValue, name: &str, expected: &'static str) -> Result<Option<String>, JsValue> {
    match field(object, name) {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| invalid(name, expected)),
    }
}

fn boolean(object: &JsValue, name: &str) -> Result<Option<bool>, JsValue> {
    match field(object, name) {
        None => Ok(None),
        Some(v) => v
            .as_bool()
            .map(Some)
            .ok_or_else(|| invalid(name, "true or false")),
    }
}

fn millis(object: &JsValue, name: &str) -> Result<Option<Duration>, JsValue> {
    match field(object, name) {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(ms) if ms.is_finite() && ms >= 1.0 => Ok(Some(Duration::from_millis(ms as u64))),
            _ => Err(invalid(name, "a number of milliseconds (1 or more)")),
        },
    }
}

fn function(object: &JsValue, name: &str) -> Result<Option<js_sys::Function>, JsValue> {
    match field(object, name) {
        None => Ok(None),
        Some(v) => v
            .dyn_into::<js_sys::Function>()
            .map(Some)
            .map_err(|_| invalid(name, "a function")),
    }
}

/// An `http:`/`https:` URL, absolute or relative to the page: checked now, so a typo is refused
/// by `createCheckout` rather than at the first payment.
fn url(object: &JsValue, name: &str, label: &str) -> Result<Option<String>, JsValue> {
    const EXPECTED: &str = "an http(s) URL, absolute or relative to the page";
    let Some(url) = string(object, name, EXPECTED)? else {
        return Ok(None);
    };
    // No page (server rendering in Node): a relative URL is checked as the browser will resolve
    // it on an https page; nothing runs here anyway (`open()` rejects `not_in_browser`).
    let base = browser::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_else(|| "https://ssr.invalid/".to_owned());
    let resolved =
        web_sys::Url::new_with_base(&url, &base).map_err(|_| invalid(label, EXPECTED))?;
    match resolved.protocol().as_str() {
        "http:" | "https:" if !crate::browser::is_blank(&url) => Ok(Some(url)),
        _ => Err(invalid(label, EXPECTED)),
    }
}

/// One of `allowed` (by its JS name).
fn choice<T: Copy>(
    object: &JsValue,
    name: &str,
    label: &str,
    allowed: &[(&str, T)],
    expected: &'static str,
) -> Result<Option<T>, JsValue> {
    match field(object, name) {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .and_then(|s| allowed.iter().find(|(js, _)| *js == s).map(|(_, v)| *v))
            .map(Some)
            .ok_or_else(|| invalid(label, expected)),
    }
}

/// The option names `createCheckout` reads (one list: the `.d.ts` documents the same names).
const CHECKOUT_OPTIONS: &[&str] = &[
    "publicKey",
    "session",
    "product",
    "country",
    "holderType",
    "institutionId",
    "username",
    "mode",
    "scriptUrl",
    "nonce",
    "timeoutMs",
    "prefetchOnHover",
    "onSuccess",
    "onExit",
    "onEvent",
    "onError",
    "onStateChange",
];
const SESSION_OPTIONS: &[&str] = &[
    "endpoint",
    "method",
    "body",
    "headers",
    "credentials",
    "timeoutMs",
    "token",
];
const USERNAME_OPTIONS: &[&str] = &["value", "editable"];
const CONFIRM_OPTIONS: &[&str] = &["url", "deadlineMs", "read", "onStageChange"];

/// Refuses any own string key of `object` that is not in `known` (a misspelled `onSuccess`
/// would otherwise never be called), naming the closest known one.
fn known_keys(
    object: &JsValue,
    parent: &str,
    known: &'static [&'static str],
) -> Result<(), JsValue> {
    let Ok(keys) = js_sys::Reflect::own_keys(object.unchecked_ref()) else {
        return Ok(());
    };
    for key in keys.iter() {
        // Symbol keys (`Symbol.dispose` on a reused object, say) are not options.
        let Some(key) = key.as_string() else { continue };
        if !known.contains(&key.as_str()) {
            return Err(to_js(
                &OptionsError::Unknown {
                    option: format!("{parent}{key}"),
                    suggestion: crate::error::Suggestion(closest(&key, known)),
                }
                .into(),
            ));
        }
    }
    Ok(())
}

/// The known name `key` most likely meant: the same but for case, one that starts with it or
/// that it starts with (`prefetch`, `onStateChanged`), or one at most two edits away.
fn closest(key: &str, known: &'static [&'static str]) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    let by = |f: &dyn Fn(&str) -> bool| known.iter().copied().find(|k| f(&k.to_ascii_lowercase()));
    by(&|k| k == lower)
        .or_else(|| {
            (lower.len() >= 4)
                .then(|| by(&|k| k.starts_with(&lower) || lower.starts_with(k)))
                .flatten()
        })
        .or_else(|| by(&|k| edits(k.as_bytes(), lower.as_bytes()) <= 2))
}

/// Levenshtein distance (option names are short ASCII).
fn edits(a: &[u8], b: &[u8]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let value = (diagonal + usize::from(ca != cb))
                .min(above.saturating_add(1))
                .min(left.saturating_add(1));
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// `options.session`: an endpoint, a token, or an async function.
fn session_source(options: &JsValue) -> Result<SessionSource, JsValue> {
    const EXPECTED: &str =
        "{ endpoint, method?, body?, headers?, credentials?, timeoutMs? }, { token }, or an async function";
    let session = field(options, "session").ok_or_else(|| invalid("session", EXPECTED))?;
    if let Some(f) = session.dyn_ref::<js_sys::Function>() {
        let f = f.clone();
        return Ok(SessionSource::from_fn("js", move || {
            let called = f.call0(&JsValue::UNDEFINED);
            async move { session_reply(called).await }
        }));
    }
    if session.is_object() {
        known_keys(&session, "session.", SESSION_OPTIONS)?;
    }
    if let Some(token) =
        string(&session, "token", "a string").map_err(|_| invalid("session.token", "a string"))?
    {
        if field(&session, "endpoint").is_some() {
            return Err(invalid(
                "session",
                "either { token } or { endpoint, … }, not both",
            ));
        }
        return SessionToken::new(token)
            .map(SessionSource::from)
            .map_err(|e| to_js(&e.into()));
    }
    let url = url(&session, "endpoint", "session.endpoint")?
        .ok_or_else(|| invalid("session", EXPECTED))?;
    let mut endpoint = SessionEndpoint::new(url);
    if let Some(method) = choice(
        &session,
        "method",
        "session.method",
        &[
            ("GET", HttpMethod::Get),
            ("POST", HttpMethod::Post),
            ("PUT", HttpMethod::Put),
        ],
        "'GET', 'POST' or 'PUT'",
    )? {
        endpoint = endpoint.method(method);
    }
    if let Some(body) = field(&session, "body") {
        let json = js_sys::JSON::stringify(&body)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| invalid("session.body", "a value JSON.stringify can write"))?;
        endpoint = endpoint.json_text(json);
    }
    if let Some(headers) = field(&session, "headers") {
        if !headers.is_object() || js_sys::Array::is_array(&headers) {
            return Err(invalid("session.headers", "an object of string values"));
        }
        // Reflect, which reports a throwing getter as an error instead of throwing through us.
        let bad = || invalid("session.headers", "an object of string values");
        let names = js_sys::Reflect::own_keys(headers.unchecked_ref()).map_err(|_| bad())?;
        for name in names.iter() {
            let value = js_sys::Reflect::get(&headers, &name).map_err(|_| bad())?;
            match (name.as_string(), value.as_string()) {
                (Some(name), Some(value)) => endpoint = endpoint.header(name, value),
                _ => return Err(bad()),
            }
        }
    }
    if let Some(credentials) = choice(
        &session,
        "credentials",
        "session.credentials",
        &[
            ("omit", CredentialsMode::Omit),
            ("same-origin", CredentialsMode::SameOrigin),
            ("include", CredentialsMode::Include),
        ],
        "'omit', 'same-origin' or 'include'",
    )? {
        endpoint = endpoint.credentials(credentials);
    }
    if let Some(timeout) = millis(&session, "timeoutMs")
        .map_err(|_| invalid("session.timeoutMs", "a number of milliseconds (1 or more)"))?
    {
        endpoint = endpoint.timeout(timeout);
    }
    Ok(endpoint.into())
}

/// What the shop's session function resolved with: a token string or `{ sessionToken, … }`.
async fn session_reply(
    called: Result<JsValue, JsValue>,
) -> Result<crate::session::SessionResponse, SessionError> {
    let reply = match called {
        Ok(value) => wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&value))
            .await
            .map_err(|e| SessionError::custom(browser::js_message(&e)))?,
        Err(e) => return Err(SessionError::custom(browser::js_message(&e))),
    };
    if let Some(token) = reply.as_string() {
        return Ok(SessionToken::new(token)?.into());
    }
    let json = js_sys::JSON::stringify(&reply)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    parse_session_response(&json, browser::now_ms())
}

fn widget_options(options: &JsValue) -> Result<WidgetOptions, JsValue> {
    let key = string(options, "publicKey", "a string (pk_test_… or pk_live_…)")?
        .ok_or_else(|| invalid("publicKey", "a string (pk_test_… or pk_live_…)"))?;
    let mut builder = WidgetOptions::builder(key.as_str());
    if let Some(product) = choice(
        options,
        "product",
        "product",
        &[
            ("payments", 0u8),
            ("movements", 1),
            ("subscriptions", 2),
            ("invoices", 3),
        ],
        "'payments', 'movements', 'subscriptions' or 'invoices'",
    )? {
        builder = builder.product(match product {
            0 => Product::Payments,
            1 => Product::Movements,
            2 => Product::Subscriptions,
            _ => Product::Invoices,
        });
    }
    if let Some(country) = choice(
        options,
        "country",
        "country",
        &[("cl", Country::Cl), ("mx", Country::Mx)],
        "'cl' or 'mx'",
    )? {
        builder = builder.country(country);
    }
    if let Some(holder) = choice(
        options,
        "holderType",
        "holderType",
        &[
            ("individual", HolderType::Individual),
            ("business", HolderType::Business),
        ],
        "'individual' or 'business'",
    )? {
        builder = builder.holder_type(holder);
    }
    if let Some(id) = string(options, "institutionId", "a string")? {
        builder = builder.institution_id(id);
    }
    if let Some(username) = field(options, "username") {
        const EXPECTED: &str = "a string or { value: string, editable?: boolean }";
        let parsed = match username.as_string() {
            Some(value) => Username::new(value),
            None => {
                if username.is_object() {
                    known_keys(&username, "username.", USERNAME_OPTIONS)?;
                }
                let value = field(&username, "value")
                    .and_then(|v| v.as_string())
                    .ok_or_else(|| invalid("username", EXPECTED))?;
                match field(&username, "editable") {
                    None => Username::new(value),
                    Some(e) => Username::new(value).editable(
                        e.as_bool()
                            .ok_or_else(|| invalid("username.editable", "true or false"))?,
                    ),
                }
            }
        };
        builder = builder.username(parsed);
    }
    builder.build().map_err(|e| to_js(&e.into()))
}

fn load_options(options: &JsValue) -> Result<LoadOptions, JsValue> {
    let mut load = LoadOptions::new();
    if let Some(url) = url(options, "scriptUrl", "scriptUrl")? {
        load = load.with_url(url);
    }
    if let Some(nonce) = string(options, "nonce", "a string")? {
        load = load.with_nonce(nonce);
    }
    if let Some(timeout) = millis(options, "timeoutMs")? {
        load = load.with_timeout(timeout);
    }
    Ok(load)
}

/// The page's callbacks (`onSuccess`, …), called with no borrow held; what they throw is
/// ignored (it is the page's).
struct JsCallbacks {
    /// Cleared by `destroy()`: no page callback is called after it, not even the rest of the
    /// moment it was called in (`onSuccess` right after `onStateChange('succeeded')`).
    alive: core::cell::Cell<bool>,
    on_success: Option<js_sys::Function>,
    on_exit: Option<js_sys::Function>,
    on_event: Option<js_sys::Function>,
    on_error: Option<js_sys::Function>,
    on_state: Option<js_sys::Function>,
}

fn js_callbacks(options: &JsValue) -> Result<JsCallbacks, JsValue> {
    Ok(JsCallbacks {
        alive: core::cell::Cell::new(true),
        on_success: function(options, "onSuccess")?,
        on_exit: function(options, "onExit")?,
        on_event: function(options, "onEvent")?,
        on_error: function(options, "onError")?,
        on_state: function(options, "onStateChange")?,
    })
}

impl JsCallbacks {
    /// Calls the page's `f` (one of these), if any, with `args` — never after `destroy()`.
    fn call(&self, f: &Option<js_sys::Function>, args: &[&JsValue]) {
        if !self.alive.get() {
            return;
        }
        if let Some(f) = f {
            let _ = match args {
                [a] => f.call1(&JsValue::UNDEFINED, a),
                [a, b] => f.call2(&JsValue::UNDEFINED, a, b),
                _ => f.call0(&JsValue::UNDEFINED),
            };
        }
    }
}

/// The JS API's side of [`Report`]: `onStateChange` and `onError` (no console: the page
/// decides what to log).
struct JsReport(Rc<JsCallbacks>);

impl Report for JsReport {
    fn state(&self, state: &CheckoutState) {
        self.0.call(&self.0.on_state, &[&state.name().into()]);
    }

    fn error(&self, error: &FintocError) {
        self.0.call(&self.0.on_error, &[&to_js(error)]);
    }

    fn console(&self) -> bool {
        false
    }
}

fn outcome_js(outcome: Outcome) -> JsValue {
    let object = js_sys::Object::new();
    let (status, payload) = match outcome {
        Outcome::Succeeded(p) => ("succeeded", Some(p)),
        Outcome::Exited(p) => ("exited", Some(p)),
        Outcome::Cancelled => ("cancelled", None),
        Outcome::Redirected => ("redirected", None),
        Outcome::Hidden => ("hidden", None),
    };
    let _ = js_sys::Reflect::set(&object, &"status".into(), &status.into());
    if let Some(payload) = payload {
        let _ = js_sys::Reflect::set(&object, &"payload".into(), payload.raw());
    }
    object.into()
}

/// A listener on the attached button, removed when dropped.
struct Listener {
    target: web_sys::EventTarget,
    event: &'static str,
    closure: Closure<dyn Fn()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

struct Live {
    binding: Binding,
    /// The page's callbacks, silenced by `destroy()`.
    page: Rc<JsCallbacks>,
    listeners: Vec<Listener>,
    button: Option<web_sys::HtmlElement>,
    prefetch_on_hover: bool,
}

/// A checkout from JavaScript, made by `createCheckout(options)`.
///
/// Lifetime: a pending `open()`/`prepare()` and an attached button keep the checkout working
/// even if the page drops its reference (the garbage collector never cancels a payment);
/// `destroy()` — or `using` / `[Symbol.dispose]()` — stops everything at once. A checkout with
/// an attached button lives until `destroy()`, even after the button left the page (its
/// listeners hold the button): destroy it when the button goes.
#[wasm_bindgen(js_name = Checkout)]
pub struct JsCheckout {
    id: u32,
    live: LiveSlot,
}

/// The live checkout (`None` once destroyed). Listeners on the attached button hold it weakly
/// (no reference cycle): the button holds the JS handle instead, which owns this.
type LiveSlot = Rc<RefCell<Option<Live>>>;

fn checkout_in(live: &RefCell<Option<Live>>) -> Result<Rc<Checkout>, JsValue> {
    live.borrow()
        .as_ref()
        .map(|live| live.binding.checkout().clone())
        .ok_or_else(|| {
            js_error(
                "destroyed",
                "this checkout was destroyed; create a new one with createCheckout()",
            )
        })
}

/// The last handle given out (an atomic only to be a plain `static` without std: the package's
/// target is single-threaded, where it compiles to a load and a store).
static NEXT_HANDLE: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// The promise of every async export: one `future_to_promise` for all of them (a boxed
/// future, so its machinery is in the package once rather than once per export).
fn promise(
    future: core::pin::Pin<Box<dyn core::future::Future<Output = Result<JsValue, JsValue>>>>,
) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(future)
}

/// A new id for a JS handle (`browser::register_handle`), for checkouts and confirmations alike.
fn next_handle() -> u32 {
    // `fetch_add` wraps on overflow and returns the previous value.
    NEXT_HANDLE
        .fetch_add(1, core::sync::atomic::Ordering::Relaxed)
        .wrapping_add(1)
}

/// Creates a checkout. Nothing is loaded or fetched until `prepare()`, `open()` or an attached
/// button's hover/click.
///
/// # Errors
/// An `Error` with a `code` for invalid options (`secret_key`, `invalid_public_key`,
/// `invalid_option`, …), thrown synchronously.
#[wasm_bindgen(js_name = createCheckout, unchecked_return_type = "Checkout")]
pub fn create_checkout(
    #[wasm_bindgen(unchecked_param_type = "CheckoutOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    if !options.is_object() {
        return Err(invalid("options", "an object"));
    }
    known_keys(&options, "", CHECKOUT_OPTIONS)?;
    let widget = widget_options(&options)?;
    let session = session_source(&options)?;
    let load = load_options(&options)?;
    const MODES: &str = "'widget', 'redirect' or 'widget_or_redirect'";
    let mode = match string(&options, "mode", MODES)? {
        Some(name) => CheckoutMode::from_name(&name).ok_or_else(|| invalid("mode", MODES))?,
        None => CheckoutMode::default(),
    };
    let prefetch_on_hover = boolean(&options, "prefetchOnHover")?.unwrap_or(true);
    let page = Rc::new(js_callbacks(&options)?);
    let callbacks = Callbacks::new()
        .on_success({
            let page = page.clone();
            move |p| page.call(&page.on_success, &[p.raw()])
        })
        .on_exit({
            let page = page.clone();
            move |p| page.call(&page.on_exit, &[p.raw()])
        })
        .on_event({
            let page = page.clone();
            move |e| page.call(&page.on_event, &[&e.kind.as_str().into(), e.metadata.raw()])
        });
    let binding = Binding::new(
        CheckoutConfig::new(widget, session)
            .with_load(load)
            .with_mode(mode),
        callbacks,
        JsReport(page.clone()),
    );
    let id = next_handle();
    let handle: JsValue = JsCheckout {
        id,
        live: Rc::new(RefCell::new(Some(Live {
            binding,
            page,
            listeners: Vec::new(),
            button: None,
            prefetch_on_hover,
        }))),
    }
    .into();
    browser::register_handle(id, &handle);
    Ok(handle)
}

#[wasm_bindgen(js_class = Checkout)]
impl JsCheckout {
    fn checkout(&self) -> Result<Rc<Checkout>, JsValue> {
        checkout_in(&self.live)
    }

    /// The current state (`idle` after `destroy()`).
    #[wasm_bindgen(getter, unchecked_return_type = "CheckoutState")]
    pub fn state(&self) -> String {
        let state = self
            .live
            .borrow()
            .as_ref()
            .map(|l| l.binding.checkout().state());
        state.unwrap_or(CheckoutState::Idle).name().to_owned()
    }

    /// Fintoc's hosted page for the current session, if the session had a safe one (none
    /// after `destroy()`).
    #[wasm_bindgen(getter, js_name = redirectUrl)]
    pub fn redirect_url(&self) -> Option<String> {
        self.checkout().ok()?.redirect_url()
    }

    /// Loads the script and gets the session token ahead of the click. Resolves (with nothing)
    /// when the widget is ready (at once if it already is), and also when `destroy()` or
    /// `reset()` cancels the preparation first (`state` is then `idle`): a hover prefetch
    /// nobody awaits is never an unhandled rejection for that.
    ///
    /// # Errors
    /// Rejects with the failure's `Error` (with `code`), which `onError` gets too; throws
    /// `destroyed` after `destroy()`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn prepare(&self) -> Result<js_sys::Promise, JsValue> {
        let checkout = self.checkout()?;
        checkout.prepare();
        // The JS handle stays reachable (never collected, so never destroyed) until this settles.
        let keep = browser::handle(self.id);
        Ok(promise(Box::pin(async move {
            let _alive = keep;
            let state = checkout
                .wait_for(|s| !matches!(s, CheckoutState::Preparing | CheckoutState::Opening))
                .await;
            match state {
                CheckoutState::Failed(e) => Err(to_js(&e)),
                // Ready, or cancelled (`Idle`) by `destroy()`/`reset()`.
                _ => Ok(JsValue::UNDEFINED),
            }
        })))
    }

    /// Opens the widget (preparing first if needed) and resolves when the shopper is done.
    ///
    /// # Errors
    /// Rejects with the failure's `Error` (with `code`), `already_succeeded` after a success
    /// (call `reset()` first); throws `destroyed` after `destroy()`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Outcome>")]
    pub fn open(&self) -> Result<js_sys::Promise, JsValue> {
        let checkout = self.checkout()?;
        // Started now, not when the promise's future is first polled: a `destroy()` in the same
        // tick (React StrictMode's effect, cleanup, effect) then finds it and cancels it.
        let run = checkout.start_run();
        // The JS handle stays reachable (never collected mid-payment) until the shopper is done.
        let keep = browser::handle(self.id);
        Ok(promise(Box::pin(async move {
            let _alive = keep;
            // The checkout outlives a `destroy()` called inside one of its callbacks until this
            // run has heard how it ended (dropping it mid-callback would silence the run).
            let _checkout = checkout;
            match run.outcome().await {
                Ok(outcome) => Ok(outcome_js(outcome)),
                Err(e) => Err(to_js(&e)),
            }
        })))
    }

    /// Hides the open widget; `open()` shows it again.
    ///
    /// # Errors
    /// `destroyed` after `destroy()`.
    pub fn hide(&self) -> Result<(), JsValue> {
        self.checkout()?.hide();
        Ok(())
    }

    /// Forgets the session (after a success, to take another payment; after the webhook said
    /// the payment failed, to let the shopper try again).
    ///
    /// # Errors
    /// `destroyed` after `destroy()`.
    pub fn reset(&self) -> Result<(), JsValue> {
        self.checkout()?.reset();
        Ok(())
    }

    /// Clicks on `button` open the widget; with `prefetchOnHover` (default), the pointer
    /// entering it or focus prepares (not while it is disabled). Replaces an earlier attached
    /// button. The button keeps the checkout alive until `destroy()`, whether or not the page
    /// keeps this handle — also once the button has left the page: call `destroy()` when you
    /// remove the button (your framework's cleanup), or both stay in memory. One checkout per
    /// button.
    ///
    /// # Errors
    /// `invalid_option` when `button` is not an element or another checkout is attached to it
    /// (`destroy()` that one first, or attach it elsewhere); `destroyed` after `destroy()`.
    pub fn attach(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HTMLElement")] button: JsValue,
    ) -> Result<(), JsValue> {
        self.checkout()?;
        let button: web_sys::HtmlElement = button
            .dyn_into()
            .map_err(|_| invalid("attach(button)", "an HTML element"))?;
        if browser::pinned_by_other(&button, self.id) {
            // Two checkouts on one button: one click would start both.
            return Err(invalid(
                "attach(button)",
                "a button no other checkout is attached to: call destroy() on the checkout \
                 attached to it first (or attach that one to another button)",
            ));
        }
        let prefetch = self
            .live
            .borrow()
            .as_ref()
            .is_some_and(|live| live.prefetch_on_hover);
        let mut events: Vec<&'static str> = vec!["click"];
        if prefetch {
            events.extend(["pointerenter", "focus"]);
        }
        let weak = Rc::downgrade(&self.live);
        let listeners: Vec<Listener> = events
            .into_iter()
            .map(|event| {
                let (weak, element) = (weak.clone(), button.clone());
                let closure = Closure::<dyn Fn()>::new(move || {
                    let Some(checkout) = weak.upgrade().and_then(|live| checkout_in(&live).ok())
                    else {
                        return;
                    };
                    if event == "click" {
                        // After a success the click does nothing until `reset()`; the outcome
                        // of a run reaches the page through the callbacks.
                        if checkout.state() != CheckoutState::Succeeded {
                            // Started now (see `open`): a `destroy()` right after the click
                            // cancels it before anything is fetched.
                            let run = checkout.start_run();
                            wasm_bindgen_futures::spawn_local(async move {
                                let _checkout = checkout; // see `open`
                                let _ = run.outcome().await;
                            });
                        }
                    } else if !element.has_attribute("disabled")
                        && element.get_attribute("aria-disabled").as_deref() != Some("true")
                    {
                        checkout.prepare();
                    }
                });
                let target: web_sys::EventTarget = button.clone().into();
                let _ = target
                    .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
                Listener {
                    target,
                    event,
                    closure,
                }
            })
            .collect();
        // The old listeners are removed, and the old button unpinned (JS calls), after the
        // borrow ends; the new button is pinned last, so re-attaching the same button leaves
        // it pinned.
        let old = self.live.borrow_mut().as_mut().map(|live| {
            (
                core::mem::replace(&mut live.listeners, listeners),
                live.button.replace(button.clone()),
            )
        });
        if let Some((old_listeners, old_button)) = old {
            drop(old_listeners);
            if let Some(old_button) = old_button {
                browser::unpin_handle(&old_button, self.id);
            }
        }
        browser::pin_handle(&button, self.id);
        Ok(())
    }

    /// Stops everything now: no widget left, a pending `open()` resolves `cancelled` (a pending
    /// `prepare()` resolves), no callback later — even when called from inside one — the
    /// attached button released. Any later method call throws an `Error` with code `destroyed`
    /// (`state` reads `idle`). `using` / `[Symbol.dispose]()` call it too.
    pub fn destroy(&self) {
        let live = self.live.borrow_mut().take();
        if let Some(live) = live {
            live.page.alive.set(false);
            drop(live.listeners);
            if let Some(button) = &live.button {
                browser::unpin_handle(button, self.id);
            }
            // Dropping the binding unsubscribes first (destroying is not a state change the
            // page must hear about), then cancels the checkout — unless a pending `open()`
            // holds it: cancelled here, so that run ends `cancelled` at once.
            let checkout = live.binding.checkout().clone();
            drop(live.binding);
            checkout.cancel();
        }
    }
}

impl Drop for JsCheckout {
    /// What `free()` does (directly, through `using`, or when the garbage collector finds the
    /// handle unreachable, which cannot happen while a payment is pending or a button attached).
    fn drop(&mut self) {
        self.destroy();
    }
}

/// A confirmation from JavaScript, made by `confirmOrder(options)`: polls your order endpoint
/// until the webhook's decision. While it runs the garbage collector leaves it alone (the page
/// may only keep the `done` promise); `cancel()` — or `using` — stops it at once.
#[wasm_bindgen(js_name = Confirmation)]
pub struct JsConfirmation {
    stage: Rc<core::cell::Cell<Stage>>,
    done: js_sys::Promise,
    cancel: crate::task::Cancel,
}

fn confirmation_js(result: Option<Confirmation>) -> JsValue {
    let object = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = js_sys::Reflect::set(&object, &k.into(), v);
    };
    match result {
        None => set("status", &"cancelled".into()),
        Some(done) => {
            set("status", &done.stage().as_str().into());
            match done {
                Confirmation::Confirmed(order) => set("order", order.raw()),
                Confirmation::NotPaid { reason, order } => {
                    set("order", order.raw());
                    if let Some(reason) = reason {
                        set("reason", &reason.into());
                    }
                }
                Confirmation::StillPending => {}
            }
        }
    }
    object.into()
}

/// Starts confirming an order: asks `options.url` with backoff (every second at first, then up
/// to every 5 s) until the webhook-confirmed status arrives or `deadlineMs` (default 2 minutes)
/// passes.
///
/// # Errors
/// An `Error` with code `invalid_option` for options of the wrong type, thrown synchronously.
#[wasm_bindgen(js_name = confirmOrder, unchecked_return_type = "Confirmation")]
pub fn confirm_order(
    #[wasm_bindgen(unchecked_param_type = "ConfirmOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    if !options.is_object() {
        return Err(invalid("options", "an object"));
    }
    known_keys(&options, "", CONFIRM_OPTIONS)?;
    let url = url(&options, "url", "url")?
        .ok_or_else(|| invalid("url", "an http(s) URL, absolute or relative to the page"))?;
    let mut confirm = Confirm::order(url);
    if let Some(deadline) = millis(&options, "deadlineMs")? {
        confirm = confirm.deadline(deadline);
    }
    if let Some(read) = function(&options, "read")? {
        confirm = confirm.read(move |order| {
            let said = read.call1(&JsValue::UNDEFINED, order.raw()).ok();
            match said.and_then(|s| s.as_string()).as_deref() {
                Some("confirmed") => crate::confirm::Verdict::Confirmed,
                Some("not_paid") => crate::confirm::Verdict::NotPaid(None),
                _ => crate::confirm::Verdict::Pending,
            }
        });
    }
    let on_stage = function(&options, "onStageChange")?;
    let stage = Rc::new(core::cell::Cell::new(Stage::Confirming));
    let (run, cancel) = crate::task::cancellable({
        let stage = stage.clone();
        async move {
            let result = confirm.run().await;
            stage.set(result.stage());
            if let Some(f) = &on_stage {
                let _ = f.call1(&JsValue::UNDEFINED, &result.stage().as_str().into());
            }
            result
        }
    });
    let id = next_handle();
    let done = promise(Box::pin(async move {
        // The JS handle stays reachable (never collected, so never cancelled) until done.
        let _alive = browser::handle(id);
        Ok(confirmation_js(run.await))
    }));
    let handle: JsValue = JsConfirmation {
        stage,
        done,
        cancel,
    }
    .into();
    browser::register_handle(id, &handle);
    Ok(handle)
}

#[wasm_bindgen(js_class = Confirmation)]
impl JsConfirmation {
    /// Where it is now.
    #[wasm_bindgen(getter, unchecked_return_type = "ConfirmationStage")]
    pub fn stage(&self) -> String {
        self.stage.get().as_str().to_owned()
    }

    /// Resolves once with the result (`cancelled` after `cancel()`); never rejects.
    #[wasm_bindgen(getter, unchecked_return_type = "Promise<ConfirmResult>")]
    pub fn done(&self) -> js_sys::Promise {
        self.done.clone()
    }

    /// Stops asking now (the request in flight is aborted); `done` resolves `cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The same as `cancel()` (what `using` / `[Symbol.dispose]()` call).
    pub fn destroy(&self) {
        self.cancel.cancel();
    }
}

impl Drop for JsConfirmation {
    /// `free()`, or `using`: stops asking.
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
