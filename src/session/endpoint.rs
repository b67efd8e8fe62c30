//! The merchant backend route that creates the Checkout Session, called with `fetch`.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

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
    fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
        }
    }
}

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
/// assert_eq!(endpoint.url(), "/api/checkout");
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

    /// The endpoint URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The HTTP method (default `POST`).
    pub fn method(mut self, method: HttpMethod) -> Self {
        self.method = method;
        self
    }

    /// Sends `body` as JSON (`Content-Type: application/json`). A value that cannot be
    /// serialized makes [`fetch`](Self::fetch) fail with [`SessionError::InvalidRequest`].
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        // The error's text is dropped on purpose: formatting serde_json errors would pull all of
        // serde_json's messages into every wasm bundle for a case derived types never hit.
        self.body = Some(serde_json::to_string(body).map_err(drop));
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
        let window = browser::window().ok_or(SessionError::NotInBrowser)?;
        let invalid = |message: String| SessionError::InvalidRequest { message };
        let js_invalid = |e: JsValue| invalid(browser::js_message(&e));
        let body = match &self.body {
            None => None,
            Some(Ok(json)) => Some(json),
            Some(Err(())) => {
                return Err(invalid(
                    "the JSON body could not be serialized (e.g. a map with non-string keys)"
                        .to_owned(),
                ))
            }
        };
        let headers = web_sys::Headers::new().map_err(js_invalid)?;
        headers
            .append("Accept", "application/json")
            .map_err(js_invalid)?;
        let has_content_type = self
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if body.is_some() && !has_content_type {
            headers
                .append("Content-Type", "application/json")
                .map_err(js_invalid)?;
        }
        for (name, value) in &self.headers {
            headers.append(name, value).map_err(js_invalid)?;
        }
        let controller = AbortOnDrop::new().map_err(js_invalid)?;
        let init = web_sys::RequestInit::new();
        init.set_method(self.method.as_str());
        init.set_headers(&headers);
        init.set_credentials(match self.credentials {
            CredentialsMode::Omit => web_sys::RequestCredentials::Omit,
            CredentialsMode::SameOrigin => web_sys::RequestCredentials::SameOrigin,
            CredentialsMode::Include => web_sys::RequestCredentials::Include,
        });
        init.set_signal(Some(&controller.0.signal()));
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(body));
        }

        // The timeout aborts the request; the abort error then reads as `Timeout`.
        let after_ms = browser::timer_ms(self.timeout);
        let timed_out = Rc::new(Cell::new(false));
        let _timer = gloo_timers::callback::Timeout::new(after_ms, {
            let (controller, timed_out) = (controller.0.clone(), timed_out.clone());
            move || {
                timed_out.set(true);
                controller.abort();
            }
        });
        let failed = |e: JsValue| {
            if timed_out.get() {
                SessionError::Timeout { after_ms }
            } else {
                SessionError::Network {
                    url: self.url.clone(),
                    message: browser::js_message(&e),
                }
            }
        };
        let response =
            wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&self.url, &init))
                .await
                .map_err(failed)?;
        let response: web_sys::Response = response.dyn_into().map_err(failed)?;
        let status = response.status();
        let text = wasm_bindgen_futures::JsFuture::from(response.text().map_err(failed)?)
            .await
            .map_err(failed)?
            .as_string()
            .unwrap_or_default();
        controller.disarm();
        if !(200..300).contains(&status) {
            return Err(SessionError::Status {
                status,
                body_excerpt: excerpt(&text, 120),
            });
        }
        parse_session_response(&text, browser::now_ms())
    }
}

/// Aborts the fetch when dropped (the caller dropped the future) unless disarmed.
struct AbortOnDrop(web_sys::AbortController, bool);

impl AbortOnDrop {
    fn new() -> Result<Self, JsValue> {
        web_sys::AbortController::new().map(|c| AbortOnDrop(c, true))
    }

    fn disarm(mut self) {
        self.1 = false;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if self.1 {
            self.0.abort();
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
