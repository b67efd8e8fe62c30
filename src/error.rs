//! One error type for everything the crate does in the browser, and the per-step errors it wraps.
//!
//! Every message says what went wrong *and* what to do about it, because these strings end up in
//! shop consoles and bug reports. All errors are `Clone + PartialEq` so UI state (e.g. a Yew
//! `CheckoutState::Failed(err)`) can hold them.

use crate::prelude::*;
use core::fmt;

/// Any error from this crate: loading Fintoc.js, validating options, fetching the session token or
/// driving the widget.
///
/// ```
/// use fintoc_wasm::{FintocError, PublicKey};
/// use fintoc_wasm::error::OptionsError;
///
/// let err: FintocError = PublicKey::new("sk_test_123").unwrap_err().into();
/// assert!(matches!(err, FintocError::Options(OptionsError::SecretKey)));
/// assert!(err.to_string().contains("must never reach the browser"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FintocError {
    /// Fintoc.js could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The widget options are invalid (for example a secret key used as public key).
    #[error(transparent)]
    Options(#[from] OptionsError),
    /// The session token could not be obtained from the merchant backend.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The widget rejected a call (`Fintoc.create` threw, a method is missing, …).
    #[error(transparent)]
    Widget(#[from] WidgetError),
}

impl FintocError {
    /// True when the error only means "this code is not running in a browser" (SSR, native
    /// tests): callers usually render a placeholder instead of an error message.
    pub fn is_not_in_browser(&self) -> bool {
        matches!(
            self,
            FintocError::Load(LoadError::NotInBrowser)
                | FintocError::Session(SessionError::NotInBrowser)
        )
    }
}

/// Why Fintoc.js could not be loaded.
///
/// After any of these errors the loader's cache is cleared and a `<script>` tag this crate
/// injected is removed (a tag the page wrote stays, and the next attempt injects the crate's
/// own): calling [`load_fintoc`](crate::load::load_fintoc) again retries from scratch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// There is no `window` (server-side rendering, a worker, a native build).
    #[error(
        "Fintoc.js loads only in a browser (no `window`: server-side rendering, a native build); \
         call this on the client"
    )]
    NotInBrowser,
    /// The script URL could not be understood.
    #[error("the Fintoc.js URL `{url}` is not a valid URL: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What the browser said about it.
        reason: String,
    },
    /// The browser reported an `error` event for the script (offline, 404, DNS, blocked by an
    /// extension or a Content-Security-Policy).
    #[error(
        "could not load Fintoc.js from {url}: the request failed (offline, an ad blocker, a wrong \
         URL); loading again retries"
    )]
    Network {
        /// The script URL.
        url: String,
    },
    /// The script did not finish loading within the configured timeout.
    #[error(
        "Fintoc.js did not load from {url} within {after_ms} ms; the network may be slow: retry, or \
         raise `LoadOptions::with_timeout`"
    )]
    Timeout {
        /// The script URL.
        url: String,
        /// The timeout that expired, in milliseconds.
        after_ms: u32,
    },
    /// The page's Content-Security-Policy refused the script (a `securitypolicyviolation` for
    /// its URL): retrying cannot help until the policy allows it.
    #[error(
        "the page's Content-Security-Policy ({directive}) refused {url}: allow https://js.fintoc.com \
         in script-src, https://wizard.fintoc.com in frame-src and connect-src; or use \
         CheckoutMode::Redirect"
    )]
    CspBlocked {
        /// The script URL.
        url: String,
        /// The directive that refused it, as the browser reported it (`script-src-elem`, say).
        directive: String,
    },
    /// The script loaded but `window.Fintoc` was not defined afterwards.
    #[error(
        "{url} loaded but did not define `window.Fintoc`; check that the URL serves Fintoc.js \
         (https://js.fintoc.com/v1/)"
    )]
    GlobalMissing {
        /// The script URL.
        url: String,
    },
}

/// Invalid widget options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// A secret key (`sk_…`) was passed where the public key belongs.
    #[error(
        "a secret key (sk_…) was given as the public key: it must never reach the browser; use your \
         pk_test_…/pk_live_… key here and keep sk_… on your server"
    )]
    SecretKey,
    /// The public key does not look like a Fintoc public key.
    #[error("`{shown}` is not a Fintoc public key: it must start with pk_test_ or pk_live_")]
    InvalidPublicKey {
        /// The first characters of what was given (keys are never printed in full).
        shown: String,
    },
    /// The session token is empty.
    #[error(
        "the session token is empty: pass the `session_token` of a Checkout Session created by \
         your backend"
    )]
    EmptySessionToken,
    /// The session token contains whitespace, a control or a non-ASCII character (usually a
    /// copy-paste or templating mistake).
    #[error(
        "the session token contains whitespace or a non-ASCII character; pass the \
         `session_token` exactly as Fintoc returned it"
    )]
    SessionTokenWhitespace,
    /// The widget token (legacy Payment Intent flow) is empty or contains whitespace or a
    /// non-ASCII character.
    #[error(
        "the widget token is empty or has whitespace or a non-ASCII character; pass the Payment \
         Intent's `widget_token` exactly as Fintoc returned it"
    )]
    InvalidWidgetToken,
    /// A product that needs a token was configured without one.
    #[error(
        "product `{product}` needs a session token (from a Checkout Session your backend created) \
         or a widget token (legacy Payment Intent flow)"
    )]
    MissingToken {
        /// The product.
        product: String,
    },
    /// Both a session token and a widget token were given.
    #[error("give either a session token or a widget token, not both")]
    ConflictingTokens,
    /// An extra option uses a name the crate sets itself.
    #[error(
        "option `{name}` is set by the crate (use the typed builder method instead of `extra`)"
    )]
    ReservedOption {
        /// The option name.
        name: String,
    },
    /// An extra option has an empty name.
    #[error("an extra option needs a non-empty name")]
    EmptyOptionName,
}

/// Why the session token could not be obtained from the merchant backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// There is no `window` to fetch from (server-side rendering, a native build).
    #[error(
        "the session token is fetched only in a browser (no `window`); call this on the client"
    )]
    NotInBrowser,
    /// The request could not be built (bad URL, header or body).
    #[error("the session request is invalid: {message}")]
    InvalidRequest {
        /// What was wrong.
        message: String,
    },
    /// The request failed before an HTTP response arrived (offline, CORS, DNS).
    #[error(
        "could not reach the session endpoint {url}: {message} (offline, a CORS error, or a wrong URL)"
    )]
    Network {
        /// The endpoint URL.
        url: String,
        /// The browser's message.
        message: String,
    },
    /// The endpoint answered with a non-2xx status.
    #[error(
        "the session endpoint answered HTTP {status}{}",
        excerpt_suffix(body_excerpt)
    )]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The first characters of the response body.
        body_excerpt: String,
    },
    /// The endpoint answered 2xx but the body is not JSON.
    #[error(
        "the session endpoint did not answer JSON{}; it should return the Checkout Session \
         (or {{\"session_token\": …}})",
        excerpt_suffix(body_excerpt)
    )]
    NotJson {
        /// The first characters of the response body.
        body_excerpt: String,
    },
    /// The JSON has no usable `session_token`.
    #[error(
        "the session endpoint's JSON has no usable `session_token`{}; return the Checkout Session \
         your backend created with its secret key (or {{\"session_token\": …}})",
        excerpt_suffix(body_excerpt)
    )]
    MissingToken {
        /// The first characters of the response body.
        body_excerpt: String,
    },
    /// The endpoint did not answer within the configured timeout.
    #[error(
        "the session endpoint did not answer within {after_ms} ms; retry, or raise \
         `SessionEndpoint::timeout`"
    )]
    Timeout {
        /// The timeout that expired, in milliseconds.
        after_ms: u32,
    },
    /// A fixed session token has expired and cannot be refreshed.
    #[error(
        "the session token has expired (Checkout Session tokens are valid for 10 minutes); create \
         a new Checkout Session, or use `SessionSource::endpoint` so the crate fetches fresh ones"
    )]
    Expired,
    /// The token the session source produced is not a valid token.
    #[error("the session source returned an invalid token: {0}")]
    Token(#[from] OptionsError),
    /// Redirect mode, but the session has no hosted page to go to.
    #[error(
        "the session has no `redirect_url` (Fintoc's hosted page): create the Checkout Session with \
         `success_url` and `cancel_url`, and return its `redirect_url` too"
    )]
    NoRedirectUrl,
    /// The shop's own session function ([`SessionSource::from_fn`](crate::SessionSource::from_fn))
    /// failed.
    #[error("the shop's session function failed: {message}")]
    Custom {
        /// What the shop's code reported.
        message: String,
    },
}

impl FintocError {
    /// A stable code for the error, for JS and for logs: `network`, `timeout`,
    /// `global_missing`, `invalid_url`, `not_in_browser`, `secret_key`, `invalid_public_key`,
    /// `invalid_session_token`, `invalid_widget_token`, `missing_token`, `conflicting_tokens`,
    /// `invalid_option`, `session_invalid_request`, `session_network`, `session_http`,
    /// `session_not_json`, `session_missing_token`, `session_timeout`, `session_expired`,
    /// `session_invalid_token`, `session_no_redirect_url`, `session_source`, `widget_create`, `widget_call`,
    /// `widget_method_missing`, `widget_destroyed`, `already_succeeded`.
    ///
    /// ```
    /// use fintoc_wasm::error::{LoadError, OptionsError};
    /// use fintoc_wasm::FintocError;
    /// assert_eq!(FintocError::from(OptionsError::SecretKey).code(), "secret_key");
    /// assert_eq!(FintocError::from(LoadError::NotInBrowser).code(), "not_in_browser");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            FintocError::Load(e) => match e {
                LoadError::NotInBrowser => "not_in_browser",
                LoadError::InvalidUrl { .. } => "invalid_url",
                LoadError::Network { .. } => "network",
                LoadError::Timeout { .. } => "timeout",
                LoadError::GlobalMissing { .. } => "global_missing",
                LoadError::CspBlocked { .. } => "csp_blocked",
            },
            FintocError::Options(e) => e.code(),
            FintocError::Session(e) => match e {
                SessionError::NotInBrowser => "not_in_browser",
                SessionError::InvalidRequest { .. } => "session_invalid_request",
                SessionError::Network { .. } => "session_network",
                SessionError::Status { .. } => "session_http",
                SessionError::NotJson { .. } => "session_not_json",
                SessionError::MissingToken { .. } => "session_missing_token",
                SessionError::Timeout { .. } => "session_timeout",
                SessionError::Expired => "session_expired",
                SessionError::Token(_) => "session_invalid_token",
                SessionError::NoRedirectUrl => "session_no_redirect_url",
                SessionError::Custom { .. } => "session_source",
            },
            FintocError::Widget(e) => match e {
                WidgetError::Create { .. } => "widget_create",
                WidgetError::Call { .. } => "widget_call",
                WidgetError::MethodMissing { .. } => "widget_method_missing",
                WidgetError::AlreadySucceeded => "already_succeeded",
                WidgetError::Destroyed => "widget_destroyed",
            },
        }
    }
}

impl OptionsError {
    fn code(&self) -> &'static str {
        match self {
            OptionsError::SecretKey => "secret_key",
            OptionsError::InvalidPublicKey { .. } => "invalid_public_key",
            OptionsError::EmptySessionToken | OptionsError::SessionTokenWhitespace => {
                "invalid_session_token"
            }
            OptionsError::InvalidWidgetToken => "invalid_widget_token",
            OptionsError::MissingToken { .. } => "missing_token",
            OptionsError::ConflictingTokens => "conflicting_tokens",
            OptionsError::ReservedOption { .. } | OptionsError::EmptyOptionName => "invalid_option",
        }
    }
}

impl SessionError {
    /// An error from the shop's own session function, with a message for developers (shoppers
    /// see a friendly text instead).
    pub fn custom(message: impl Into<String>) -> Self {
        SessionError::Custom {
            message: message.into(),
        }
    }
}

impl From<core::convert::Infallible> for OptionsError {
    fn from(never: core::convert::Infallible) -> Self {
        match never {}
    }
}

/// A call on the Fintoc widget failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WidgetError {
    /// `Fintoc.create` threw.
    #[error("Fintoc.create rejected the options: {message}")]
    Create {
        /// The exception message.
        message: String,
    },
    /// A widget method threw.
    #[error("the Fintoc widget's `{method}()` failed: {message}")]
    Call {
        /// The method name.
        method: String,
        /// The exception message.
        message: String,
    },
    /// The widget object has no such method (an incompatible Fintoc.js version).
    #[error("the Fintoc widget has no `{method}()` method; is the script really Fintoc.js v1?")]
    MethodMissing {
        /// The method name.
        method: String,
    },
    /// [`Checkout::run`](crate::Checkout::run) on a checkout that already succeeded.
    #[error(
        "this checkout already succeeded; call `reset()` before taking another payment with it"
    )]
    AlreadySucceeded,
    /// The widget was destroyed; create a new one.
    #[error("this Fintoc widget was destroyed; create a new one with `Fintoc::create`")]
    Destroyed,
}

pub(crate) fn excerpt_suffix(excerpt: &str) -> ExcerptSuffix<'_> {
    ExcerptSuffix(excerpt)
}

pub(crate) struct ExcerptSuffix<'a>(&'a str);

impl fmt::Display for ExcerptSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, " (body: `{}`)", self.0)
        }
    }
}

/// The first `max` characters of `body`, ASCII whitespace collapsed, for error messages; what
/// looks like a Fintoc token (`…_sec_…`) or a secret key (`sk_live_…`, `sk_test_…`) reads
/// `[redacted]`, since these messages reach consoles, `on_error` and error trackers. In the
/// browser this is `excerpt` in `src/browser/page.js` (text work is a fraction of the bytes in JS);
/// natively the code below. `tests/data/session-fields.json` holds the cases both must agree on.
pub(crate) fn excerpt(body: &str, max: usize) -> String {
    #[cfg(fintoc_web)]
    {
        crate::browser::excerpt(body, u32::try_from(max).unwrap_or(u32::MAX))
    }
    #[cfg(not(fintoc_web))]
    {
        let words: Vec<String> = body.split_ascii_whitespace().map(redact).collect();
        let out = words.join(" ");
        match out.char_indices().nth(max) {
            Some((cut, _)) => format!("{}…", out.get(..cut).unwrap_or_default()),
            None => out,
        }
    }
}

/// `word` with every run of token characters (ASCII letters, digits, `_`, `-`) that looks like a
/// token or a secret key replaced by `[redacted]`.
#[cfg(not(fintoc_web))]
fn redact(word: &str) -> String {
    let (mut out, mut run) = (String::new(), String::new());
    // A trailing space (never inside a word) ends the last run.
    for ch in word.chars().chain(core::iter::once(' ')) {
        if ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' {
            run.push(ch);
            continue;
        }
        let secret =
            run.contains("_sec_") || run.starts_with("sk_live_") || run.starts_with("sk_test_");
        out.push_str(if secret { "[redacted]" } else { &run });
        run.clear();
        if ch != ' ' {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The codes `FintocError::code` can return, read from its source (and `OptionsError`'s):
    /// every string literal between `pub fn code(&self)` and `impl SessionError`.
    fn codes_in_source() -> std::collections::BTreeSet<&'static str> {
        let source = include_str!("error.rs");
        let body = source
            .split_once("pub fn code(&self)")
            .and_then(|(_, rest)| rest.split_once("\nimpl SessionError {"))
            .map(|(body, _)| body)
            .expect("FintocError::code, then OptionsError's, before `impl SessionError`");
        // Attributes (`#[cfg(feature = "js")]`) are not codes.
        body.lines()
            .filter(|line| !line.trim_start().starts_with("#["))
            .flat_map(|line| line.split('"').skip(1).step_by(2))
            .collect()
    }

    /// One value of every variant, and its code.
    pub(crate) fn every_variant() -> Vec<FintocError> {
        let text = String::new;
        let all: Vec<FintocError> = vec![
            LoadError::NotInBrowser.into(),
            LoadError::InvalidUrl {
                url: text(),
                reason: text(),
            }
            .into(),
            LoadError::Network { url: text() }.into(),
            LoadError::Timeout {
                url: text(),
                after_ms: 1,
            }
            .into(),
            LoadError::CspBlocked {
                url: text(),
                directive: text(),
            }
            .into(),
            LoadError::GlobalMissing { url: text() }.into(),
            OptionsError::SecretKey.into(),
            OptionsError::InvalidPublicKey { shown: text() }.into(),
            OptionsError::EmptySessionToken.into(),
            OptionsError::SessionTokenWhitespace.into(),
            OptionsError::InvalidWidgetToken.into(),
            OptionsError::MissingToken { product: text() }.into(),
            OptionsError::ConflictingTokens.into(),
            OptionsError::ReservedOption { name: text() }.into(),
            OptionsError::EmptyOptionName.into(),
            SessionError::NotInBrowser.into(),
            SessionError::InvalidRequest { message: text() }.into(),
            SessionError::Network {
                url: text(),
                message: text(),
            }
            .into(),
            SessionError::Status {
                status: 500,
                body_excerpt: text(),
            }
            .into(),
            SessionError::NotJson {
                body_excerpt: text(),
            }
            .into(),
            SessionError::MissingToken {
                body_excerpt: text(),
            }
            .into(),
            SessionError::Timeout { after_ms: 1 }.into(),
            SessionError::Expired.into(),
            SessionError::Token(OptionsError::SecretKey).into(),
            SessionError::NoRedirectUrl.into(),
            SessionError::Custom { message: text() }.into(),
            WidgetError::Create { message: text() }.into(),
            WidgetError::Call {
                method: text(),
                message: text(),
            }
            .into(),
            WidgetError::MethodMissing { method: text() }.into(),
            WidgetError::AlreadySucceeded.into(),
            WidgetError::Destroyed.into(),
        ];
        all
    }

    /// The `FintocErrorCode` union of the npm package's `.d.ts` (src/js/types.d.ts)
    /// is exactly the codes Rust emits plus the JS-only ones: a code added on one side only
    /// fails here.
    #[test]
    fn the_typescript_error_codes_are_the_ones_emitted() {
        use std::collections::BTreeSet;
        let emitted: BTreeSet<&str> = every_variant().iter().map(FintocError::code).collect();
        assert_eq!(
            emitted,
            codes_in_source(),
            "every code in FintocError::code has a variant in every_variant() (add the new one)"
        );
        // Thrown by JS-side code only: `destroyed` (src/js/checkout.rs, after destroy()), `cancelled`
        // (npm/react, an unmounted checkout), `not_initialized` (npm/init.js),
        // `wasm_load_failed` (npm/index.js).
        const JS_ONLY: [&str; 4] = [
            "destroyed",
            "cancelled",
            "not_initialized",
            "wasm_load_failed",
        ];
        let typed = crate::widget::values::tests::ts_union("export type FintocErrorCode =");
        let expected: BTreeSet<&str> = emitted.iter().copied().chain(JS_ONLY).collect();
        assert_eq!(
            typed, expected,
            "FintocErrorCode in src/js/types.d.ts vs the codes emitted"
        );
        assert!(emitted.is_disjoint(&JS_ONLY.into_iter().collect()));
    }

    /// The cases `excerpt` in src/browser/page.js is tested against too (node --test, and in the
    /// browser by tests/session.rs).
    #[test]
    fn excerpts_match_the_shared_cases() {
        let table: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/session-fields.json")).unwrap();
        let cases = table["excerpts"].as_array().unwrap();
        assert!(cases.len() >= 10);
        for case in cases {
            let (body, max, want) = (
                case[0].as_str().unwrap(),
                case[1].as_u64().unwrap(),
                case[2].as_str().unwrap(),
            );
            assert_eq!(excerpt(body, max as usize), want, "{body:?} max {max}");
        }
    }

    #[test]
    fn messages_with_values_read_as_sentences() {
        let cases: [(FintocError, &str); 5] = [
            (
                LoadError::Timeout { url: "https://js.fintoc.com/v1/".into(), after_ms: 15_000 }.into(),
                "Fintoc.js did not load from https://js.fintoc.com/v1/ within 15000 ms; the network \
                 may be slow: retry, or raise `LoadOptions::with_timeout`",
            ),
            (
                SessionError::NotJson { body_excerpt: "<html>".into() }.into(),
                "the session endpoint did not answer JSON (body: `<html>`); it should return the \
                 Checkout Session (or {\"session_token\": …})",
            ),
            (
                SessionError::MissingToken { body_excerpt: String::new() }.into(),
                "the session endpoint's JSON has no usable `session_token`; return the Checkout \
                 Session your backend created with its secret key (or {\"session_token\": …})",
            ),
            (
                SessionError::Token(OptionsError::EmptySessionToken).into(),
                "the session source returned an invalid token: the session token is empty: pass \
                 the `session_token` of a Checkout Session created by your backend",
            ),
            (
                WidgetError::Call { method: "open".into(), message: "boom".into() }.into(),
                "the Fintoc widget's `open()` failed: boom",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
        let token = FintocError::from(SessionError::Token(OptionsError::SecretKey));
        let source = core::error::Error::source(&token).map(ToString::to_string);
        assert_eq!(source, Some(OptionsError::SecretKey.to_string()));
    }

    #[test]
    fn status_message_includes_excerpt_only_when_present() {
        let with = SessionError::Status {
            status: 500,
            body_excerpt: "boom".into(),
        };
        assert_eq!(
            with.to_string(),
            "the session endpoint answered HTTP 500 (body: `boom`)"
        );
        let without = SessionError::Status {
            status: 502,
            body_excerpt: String::new(),
        };
        assert_eq!(
            without.to_string(),
            "the session endpoint answered HTTP 502"
        );
    }
}
