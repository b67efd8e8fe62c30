//! `createCheckout`'s and `confirmOrder`'s options, as `src/js/api.js` hands them over: checked
//! there (types, names, URLs, unknown keys: `invalid_option`, with the texts), turned here into
//! the core's configuration. What only Rust knows — a key's or token's format, the widget
//! options' rules — the core checks, with its own codes.

use crate::prelude::*;
use core::time::Duration;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::to_js;
use crate::checkout::{CheckoutConfig, CheckoutMode};
use crate::confirm::{Confirm, Verdict};
use crate::error::SessionError;
use crate::load::LoadOptions;
use crate::session::{
    parse_session_response, CredentialsMode, HttpMethod, SessionEndpoint, SessionResponse,
    SessionSource, SessionToken,
};
use crate::widget::{Country, HolderType, Product, Username, WidgetOptions};

#[wasm_bindgen(module = "/src/js/api.js")]
extern "C" {
    /// The options checked, as plain values (`api.js` says which), or the `Error` saying what
    /// is wrong with them (returned, not thrown: see `reading` in api.js).
    #[wasm_bindgen(js_name = checkoutOptions)]
    fn checked_checkout_options(options: &JsValue) -> JsValue;

    #[wasm_bindgen(js_name = confirmOptions)]
    fn checked_confirm_options(options: &JsValue) -> JsValue;
}

/// What api.js's check gave: the plain values, or its `Error`.
fn checked(values: JsValue) -> Result<JsValue, JsValue> {
    if values.is_instance_of::<js_sys::Error>() {
        Err(values)
    } else {
        Ok(values)
    }
}

/// Field `name` of a checked options object (`None`: absent).
fn get(object: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined())
}

fn text(object: &JsValue, name: &str) -> Option<String> {
    get(object, name).and_then(|v| v.as_string())
}

fn function(object: &JsValue, name: &str) -> Option<js_sys::Function> {
    get(object, name).and_then(|v| v.dyn_into().ok())
}

fn millis(object: &JsValue, name: &str) -> Option<Duration> {
    get(object, name)
        .and_then(|v| v.as_f64())
        .map(|ms| Duration::from_millis(ms as u64))
}

/// The value `api.js` accepted by its name, read back with the type's `from_name` (the one
/// Rust spelling; tests tie api.js's lists and the `.d.ts` to it). A name it accepted that Rust
/// does not know can only come from a JS glue and a wasm of different builds.
fn named<T>(
    object: &JsValue,
    name: &str,
    from_name: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, JsValue> {
    let Some(given) = text(object, name) else {
        return Ok(None);
    };
    match from_name(&given) {
        Some(v) => Ok(Some(v)),
        None => Err(super::api::unknown_value_error(name)),
    }
}

/// What `createCheckout` was given, ready for the core.
pub(super) struct CheckoutOptions {
    pub(super) config: CheckoutConfig,
    pub(super) prefetch_on_hover: bool,
    /// The checked options object: `api.js` keeps it by handle, for its callbacks (`onSuccess`,
    /// …) and session function.
    pub(super) checked: JsValue,
}

/// Reads `createCheckout`'s options, for the handle `id` (whose session function `api.js`
/// keeps).
///
/// # Errors
/// `invalid_option` from `api.js`; the core's own codes (`secret_key`, `invalid_public_key`,
/// `invalid_session_token`, …).
pub(super) fn checkout_options(options: &JsValue, id: u32) -> Result<CheckoutOptions, JsValue> {
    let o = checked(checked_checkout_options(options))?;
    let widget = widget_options(&o)?;
    let session = session_source(&o, id)?;
    let mut load = LoadOptions::new();
    if let Some(url) = text(&o, "scriptUrl") {
        load = load.with_url(url);
    }
    if let Some(nonce) = text(&o, "nonce") {
        load = load.with_nonce(nonce);
    }
    if let Some(timeout) = millis(&o, "timeoutMs") {
        load = load.with_timeout(timeout);
    }
    let mode = named(&o, "mode", CheckoutMode::from_name)?.unwrap_or_default();
    Ok(CheckoutOptions {
        config: CheckoutConfig::new(widget, session)
            .with_load(load)
            .with_mode(mode),
        prefetch_on_hover: get(&o, "prefetchOnHover").and_then(|v| v.as_bool()) != Some(false),
        checked: o,
    })
}

fn widget_options(o: &JsValue) -> Result<WidgetOptions, JsValue> {
    let mut builder = WidgetOptions::builder(text(o, "publicKey").unwrap_or_default().as_str());
    if let Some(product) = named(o, "product", Product::from_name)? {
        builder = builder.product(product);
    }
    if let Some(country) = named(o, "country", Country::from_name)? {
        builder = builder.country(country);
    }
    if let Some(holder) = named(o, "holderType", HolderType::from_name)? {
        builder = builder.holder_type(holder);
    }
    if let Some(id) = text(o, "institutionId") {
        builder = builder.institution_id(id);
    }
    if let Some(value) = text(o, "username") {
        let username = Username::new(value);
        builder = builder.username(match get(o, "editable").and_then(|e| e.as_bool()) {
            Some(editable) => username.editable(editable),
            None => username,
        });
    }
    builder.build().map_err(|e| to_js(&e.into()))
}

/// `options.session`: `{ fn }`, `{ token }` or `{ endpoint, … }`. The function stays in JS
/// (`api.js` keeps it by handle `id`), where the collector sees what it refers to.
fn session_source(o: &JsValue, id: u32) -> Result<SessionSource, JsValue> {
    let session = get(o, "session").unwrap_or(JsValue::UNDEFINED);
    if function(&session, "fn").is_some() {
        return Ok(SessionSource::from_fn("js", move || {
            let called = super::api::call_session(id);
            async move { session_reply(called).await }
        }));
    }
    if let Some(token) = text(&session, "token") {
        return SessionToken::new(token)
            .map(SessionSource::from)
            .map_err(|e| to_js(&e.into()));
    }
    let mut endpoint = SessionEndpoint::new(text(&session, "endpoint").unwrap_or_default());
    if let Some(method) = named(&session, "method", HttpMethod::from_name)? {
        endpoint = endpoint.method(method);
    }
    if let Some(json) = text(&session, "body") {
        endpoint = endpoint.json_text(json);
    }
    if let Some(headers) = get(&session, "headers") {
        let headers: js_sys::Array = headers.unchecked_into();
        let mut pairs = headers.iter();
        while let (Some(name), Some(value)) = (pairs.next(), pairs.next()) {
            if let (Some(name), Some(value)) = (name.as_string(), value.as_string()) {
                endpoint = endpoint.header(name, value);
            }
        }
    }
    if let Some(credentials) = named(&session, "credentials", CredentialsMode::from_name)? {
        endpoint = endpoint.credentials(credentials);
    }
    if let Some(timeout) = millis(&session, "timeoutMs") {
        endpoint = endpoint.timeout(timeout);
    }
    Ok(endpoint.into())
}

/// What the shop's session function resolved with: a token string or `{ sessionToken, … }`.
async fn session_reply(called: js_sys::Promise) -> Result<SessionResponse, SessionError> {
    use crate::browser;
    let reply = wasm_bindgen_futures::JsFuture::from(called)
        .await
        .map_err(|e| SessionError::custom(browser::js_message(&e)))?;
    if let Some(token) = reply.as_string() {
        return Ok(SessionToken::new(token)?.into());
    }
    let json = super::api::json_text(&reply)
        .as_string()
        .unwrap_or_default();
    parse_session_response(&json, browser::now_ms())
}

/// What `confirmOrder` was given.
pub(super) struct ConfirmOptions {
    pub(super) confirm: Confirm,
    pub(super) on_stage: Option<js_sys::Function>,
}

/// Reads `confirmOrder`'s options.
///
/// # Errors
/// `invalid_option` from `api.js`.
pub(super) fn confirm_options(options: &JsValue) -> Result<ConfirmOptions, JsValue> {
    let o = checked(checked_confirm_options(options))?;
    let mut confirm = Confirm::order(text(&o, "url").unwrap_or_default());
    if let Some(deadline) = millis(&o, "deadlineMs") {
        confirm = confirm.deadline(deadline);
    }
    if let Some(read) = function(&o, "read") {
        confirm = confirm.read(move |order| {
            let said = super::api::call_quietly(&read, order.raw());
            match said.as_string().as_deref() {
                Some("confirmed") => Verdict::Confirmed,
                Some("not_paid") => Verdict::NotPaid(None),
                _ => Verdict::Pending,
            }
        });
    }
    Ok(ConfirmOptions {
        confirm,
        on_stage: function(&o, "onStageChange"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `const NAME = ['a', 'b'];` of src/js/api.js.
    fn js_list(name: &str) -> Vec<String> {
        let source = include_str!("api.js");
        let start = format!("const {name} = [");
        let (_, rest) = source
            .split_once(&start)
            .unwrap_or_else(|| panic!("`{start}` in src/js/api.js"));
        let (list, _) = rest.split_once("];").expect("the list's end");
        list.split(',')
            .map(|item| item.trim().trim_matches('\'').to_owned())
            .collect()
    }

    /// The members of the TypeScript object types in `source` at brace depth `depth` (outside
    /// parentheses and comments): `name: …`, `name?: …`, `name(…)`, `name?(…)`.
    fn ts_members(source: &str, depth: usize) -> Vec<String> {
        let mut text = String::new();
        let mut rest = source;
        while let Some((before, after)) = rest.split_once("/*") {
            text.push_str(before);
            rest = after.split_once("*/").map_or("", |(_, after)| after);
        }
        text.push_str(rest);
        let (mut braces, mut parens, mut members) = (0usize, 0usize, Vec::new());
        let mut word = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
                continue;
            }
            let next = if c == '?' {
                chars.peek().copied()
            } else {
                Some(c)
            };
            if !word.is_empty() && braces == depth && parens == 0 && matches!(next, Some(':' | '('))
            {
                members.push(std::mem::take(&mut word));
            }
            word.clear();
            match c {
                '{' => braces += 1,
                '}' => braces = braces.saturating_sub(1),
                '(' => parens += 1,
                ')' => parens = parens.saturating_sub(1),
                _ => {}
            }
        }
        members.sort();
        members
    }

    fn sorted(mut names: Vec<String>) -> Vec<String> {
        names.sort();
        names
    }

    /// The option names api.js accepts are the members the `.d.ts` documents: an option added
    /// to one only would be refused as unknown, or never typed.
    #[test]
    fn the_js_readers_option_names_are_the_typed_ones() {
        let types = include_str!("types.d.ts");
        let between = |start: &str, end: &str| {
            let (_, rest) = types.split_once(start).unwrap_or_else(|| panic!("{start}"));
            rest.split_once(end)
                .map_or(rest, |(block, _)| block)
                .to_owned()
        };
        let checkout = between("export interface CheckoutOptions", "\n}");
        let confirm = between("export interface ConfirmOptions", "\n}");
        let session = between(
            "export type SessionOption =",
            "export interface CheckoutOptions",
        );
        assert_eq!(ts_members(&checkout, 1), sorted(js_list("CHECKOUT")));
        assert_eq!(ts_members(&checkout, 2), sorted(js_list("USERNAME")));
        assert_eq!(ts_members(&confirm, 1), sorted(js_list("CONFIRM")));
        assert_eq!(ts_members(&session, 1), sorted(js_list("SESSION")));
    }

    /// The `.d.ts` spells the same names as api.js (and the `.d.ts` the names Rust's `as_str` /
    /// `from_name` spell: `widget::values`'s test): what api.js accepts, Rust reads.
    #[test]
    fn the_typescript_unions_match_the_js_reader() {
        use crate::widget::values::tests::ts_union;
        for (list, option) in [
            ("PRODUCTS", "product?:"),
            ("COUNTRIES", "country?:"),
            ("HOLDER_TYPES", "holderType?:"),
            ("METHODS", "method?:"),
            ("CREDENTIALS", "credentials?:"),
            ("MODES", "export type CheckoutMode ="),
        ] {
            let listed: std::collections::BTreeSet<String> = js_list(list).into_iter().collect();
            let typed = ts_union(option).into_iter().map(str::to_owned).collect();
            assert_eq!(listed, typed, "{option}");
        }
    }
}
