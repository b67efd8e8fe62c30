//! The merchant backend route that creates the Checkout Session, called with `fetch`.

use crate::prelude::*;
use core::fmt;
use core::time::Duration;

use wasm_bindgen::{JsCast, JsValue};

use crate::browser;
use crate::error::{excerpt, SessionError};
use crate::session::response::{parse_session_response, SessionResponse};

/// HTTP method for the session endpoint (default `POST`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `POST` (default).
    #[default]
    Post,
    /// `PUT`.
    Put,
}

impl HttpMethod {
    /// The method's name, as `fetch` and the JS API's `session.method` spell it.
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
        }
    }

    /// The method [`as_str`](Self::as_str) spells `name`, if any.
    #[cfg_attr(not(any(test, feature = "js")), allow(dead_code))] // the JS API reads options by name
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        ALL_METHODS.into_iter().find(|m| m.as_str() == name)
    }
}

// Every variant, for `from_name`. A new variant stops the matches below from compiling: add it
// to the match *and* to its list (and the list's length), so `from_name` never misses one.
pub(crate) const ALL_METHODS: [HttpMethod; 3] =
    [HttpMethod::Get, HttpMethod::Post, HttpMethod::Put];
const _: () = match ALL_METHODS[0] {
    HttpMethod::Get | HttpMethod::Post | HttpMethod::Put => (),
};
pub(crate) const ALL_CREDENTIALS: [CredentialsMode; 3] = [
    CredentialsMode::Omit,
    CredentialsMode::SameOrigin,
    CredentialsMode::Include,
];
const _: () = match ALL_CREDENTIALS[0] {
    CredentialsMode::Omit | CredentialsMode::SameOrigin | CredentialsMode::Include => (),
};

/// Whether the browser sends cookies with the session request (fetch's `credentials`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialsMode {
    /// Never send cookies.
    Omit,
    /// Send cookies to the page's own origin only (default, like `fetch`).
    #[default]
    SameOrigin,
    /// Send cookies cross-origin too (the endpoint must allow credentials in CORS).
    Include,
}

impl CredentialsMode {
    /// The mode's name, as `fetch` and the JS API's `session.credentials` spell it.
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            CredentialsMode::Omit => "omit",
            CredentialsMode::SameOrigin => "same-origin",
            CredentialsMode::Include => "include",
        }
    }

    /// The mode [`as_str`](Self::as_str) spells `name`, if any.
    #[cfg_attr(not(any(test, feature = "js")), allow(dead_code))] // the JS API reads options by name
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        ALL_CREDENTIALS.into_iter().find(|c| c.as_str() == name)
    }
}

/// The merchant backend route that creates a Checkout Session and returns it (or
/// `{"session_token": …}`). Relative URLs resolve against the page; the default is a `POST`
/// with cookies same-origin and a 15 s timeout. Dropping [`fetch`](Self::fetch)'s future aborts
/// the request. `Debug` shows header names but never their values (an `Authorization` bearer, a
/// CSRF token), nor the body (which may hold the shopper's data).
///
/// ```no_run
/// use std::time::Duration;
/// use fintoc_wasm::session::{CredentialsMode, HttpMethod};
/// use fintoc_wasm::SessionEndpoint;
///
/// #[derive(serde::Serialize)]
/// struct Order { product_id: &'static str, quantity: u32 }
///
/// # async fn run() -> Result<(), fintoc_wasm::error::SessionError> {
/// let endpoint = SessionEndpoint::new("/api/checkout")
///     .method(HttpMethod::Post)
///     .json(&Order { product_id: "coffee", quantity: 2 })
///     .header("X-CSRF-Token", "abc")
///     .credentials(CredentialsMode::SameOrigin)
///     .timeout(Duration::from_secs(10));
/// let response = endpoint.fetch().await?;
/// println!("token valid until {}", response.token.expires_at_ms());
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq)]
pub struct SessionEndpoint {
    url: String,
    method: HttpMethod,
    body: Option<Result<String, ()>>,
    headers: Vec<(String, String)>,
    credentials: CredentialsMode,
    timeout: Duration,
}

impl fmt::Debug for SessionEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("SessionEndpoint")
            .field("url", &self.url)
            .field("method", &self.method)
            .field("has_body", &self.body.is_some())
            .field("header_names", &names)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SessionEndpoint {
    /// Default request timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

    /// A `POST` to `url`, cookies same-origin, 15 s timeout, no body.
    pub fn new(url: impl Into<String>) -> Self {
        SessionEndpoint {
            url: url.into(),
            method: HttpMethod::Post,
            body: None,
            headers: Vec::new(),
            credentials: CredentialsMode::SameOrigin,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// The HTTP method (default `POST`).
    pub fn method(mut self, method: HttpMethod) -> Self {
        self.method = method;
        self
    }

    /// Sends `body` as JSON (`Content-Type: application/json`). A value that cannot be
    /// serialized makes [`fetch`](Self::fetch) fail with [`SessionError::InvalidRequest`].
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        // The error's text is dropped on purpose (size: docs/size.md, "No serde … on browser paths").
        self.body = Some(serde_json::to_string(body).map_err(drop));
        self
    }

    /// Sends `json` (already serialized, e.g. by `JSON.stringify`) as the JSON body.
    pub fn json_text(mut self, json: impl Into<String>) -> Self {
        self.body = Some(Ok(json.into()));
        self
    }

    /// Adds a request header (e.g. a CSRF token or an `Authorization` bearer).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Whether cookies are sent (default [`CredentialsMode::SameOrigin`]).
    pub fn credentials(mut self, credentials: CredentialsMode) -> Self {
        self.credentials = credentials;
        self
    }

    /// How long to wait for the response (default 15 s; clamped to what browser timers
    /// honour, so `Duration::MAX` means none); the request is aborted after it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Calls the endpoint and parses the token. Dropping the future aborts the request.
    ///
    /// # Errors
    /// [`SessionError`]: not in a browser, invalid request, network, HTTP status, not JSON,
    /// missing token, timeout.
    pub async fn fetch(&self) -> Result<SessionResponse, SessionError> {
        browser::window().ok_or(SessionError::NotInBrowser)?;
        let body = match &self.body {
            None => None,
            Some(Ok(json)) => Some(json.clone()),
            Some(Err(())) => {
                return Err(SessionError::InvalidRequest {
                    message: "the JSON body could not be serialized (e.g. a map with non-string \
                              keys)"
                        .to_owned(),
                })
            }
        };
        let headers = js_sys::Array::new();
        let add = |name: &str, value: &str| {
            headers.push(&JsValue::from_str(name));
            headers.push(&JsValue::from_str(value));
        };
        add("Accept", "application/json");
        let has_content_type = self
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if body.is_some() && !has_content_type {
            add("Content-Type", "application/json");
        }
        for (name, value) in &self.headers {
            add(name, value);
        }
        let after_ms = browser::timer_ms(self.timeout);
        let pending = browser::start_fetch(
            &self.url,
            self.method.as_str(),
            headers,
            body,
            self.credentials.as_str(),
            after_ms,
        );
        // Dropping this future (a cancelled checkout) aborts the request.
        let abort = browser::AbortOnDrop(Some(pending));
        let settled = match &abort.0 {
            Some(pending) => wasm_bindgen_futures::JsFuture::from(pending.done()).await,
            None => Err(JsValue::NULL),
        };
        abort.disarm();
        let pair = |v: &JsValue| {
            // `startFetch` settles with an array; anything else reads as a network failure.
            if !v.is_object() {
                return (None, String::new());
            }
            let v: &js_sys::Array = v.unchecked_ref();
            (v.get(0).as_f64(), v.get(1).as_string().unwrap_or_default())
        };
        let (status, text) = match settled {
            Ok(ok) => match pair(&ok) {
                (Some(status), text) => (status as u16, text),
                (None, text) => return Err(self.network(text)),
            },
            Err(e) => {
                return Err(match pair(&e) {
                    (Some(0.0), message) => SessionError::InvalidRequest { message },
                    (Some(2.0), _) => SessionError::Timeout { after_ms },
                    (_, message) => self.network(message),
                })
            }
        };
        if !(200..300).contains(&status) {
            return Err(SessionError::Status {
                status,
                body_excerpt: excerpt(&text, 120),
            });
        }
        parse_session_response(&text, browser::now_ms())
    }

    fn network(&self, message: String) -> SessionError {
        SessionError::Network {
            url: self.url.clone(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_off_browser_is_a_typed_error() {
        let e = SessionEndpoint::new("/api/checkout");
        assert_eq!(
            futures::executor::block_on(e.fetch()),
            Err(SessionError::NotInBrowser)
        );
    }

    #[test]
    fn debug_shows_header_names_never_values_nor_the_body() {
        let e = SessionEndpoint::new("/api/checkout")
            .header("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.secret")
            .json(&serde_json::json!({"email": "ana@example.cl"}));
        let shown = format!("{e:?}");
        assert!(!shown.contains("eyJ"), "{shown}");
        assert!(!shown.contains("ana@example.cl"), "{shown}");
        assert!(shown.contains("Authorization"), "{shown}");
    }
}
