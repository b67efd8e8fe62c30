//! The Checkout Session token, and fetching it from the merchant's backend.
//!
//! The backend creates the Checkout Session with its **secret** key and hands the browser only
//! the `session_token`. [`SessionEndpoint`] calls that backend route and accepts the Checkout
//! Session object itself (as Fintoc returns it) or any JSON holding `session_token`.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::browser;
use crate::error::{excerpt, OptionsError, SessionError};
use crate::lenient::lenient_string;

/// How long a Checkout Session token is valid after creation.
pub const SESSION_TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// A token is treated as stale this long before it really expires, so it does not run out
/// between `open()` and the widget's first request.
pub const STALE_MARGIN: Duration = Duration::from_secs(30);

/// A Checkout Session `session_token`, with when it was obtained and when it expires.
///
/// ```
/// use fintoc_wasm::SessionToken;
///
/// let token = SessionToken::new("cs_li5531onlFDi235_sec_a1b2c3")?;
/// assert!(!token.is_stale());
/// // Ten minutes after it was fetched it is stale:
/// assert!(token.is_stale_at(token.fetched_at_ms() + 10.0 * 60_000.0));
/// # Ok::<(), fintoc_wasm::OptionsError>(())
/// ```
///
/// Two tokens are equal when their strings (and explicit `expires_at`, if any) are: when the
/// Rust value was built is not part of a token's identity, so a page that rebuilds the same
/// token on every render does not look like a new session.
#[derive(Clone)]
pub struct SessionToken {
    value: String,
    fetched_at_ms: f64,
    expires_at_ms: Option<f64>,
}

impl SessionToken {
    /// Validates a token (non-empty, no whitespace), stamped as fetched now.
    ///
    /// ```
    /// # use fintoc_wasm::{OptionsError, SessionToken};
    /// assert_eq!(SessionToken::new("cs 1"), Err(OptionsError::SessionTokenWhitespace));
    /// ```
    ///
    /// # Errors
    /// [`OptionsError::EmptySessionToken`], [`OptionsError::SessionTokenWhitespace`].
    pub fn new(value: impl Into<String>) -> Result<Self, OptionsError> {
        Self::fetched_at(value, browser::now_ms())
    }

    /// Like [`new`](Self::new) with an explicit fetch time (Unix milliseconds).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    ///
    /// ```
    /// # use fintoc_wasm::SessionToken;
    /// let t = SessionToken::fetched_at("cs_1_sec_2", 1_700_000_000_000.0)?;
    /// assert_eq!(t.expires_at_ms(), 1_700_000_600_000.0);
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn fetched_at(value: impl Into<String>, fetched_at_ms: f64) -> Result<Self, OptionsError> {
        let value = value.into();
        if value.is_empty() {
            return Err(OptionsError::EmptySessionToken);
        }
        if value.chars().any(char::is_whitespace) {
            return Err(OptionsError::SessionTokenWhitespace);
        }
        Ok(SessionToken {
            value,
            fetched_at_ms,
            expires_at_ms: None,
        })
    }

    /// Records the session's own `expires_at` (Unix milliseconds); the earlier of it and
    /// fetch time + 10 minutes wins.
    ///
    /// ```
    /// # use fintoc_wasm::SessionToken;
    /// let t = SessionToken::fetched_at("cs_1", 0.0)?.with_expires_at_ms(60_000.0);
    /// assert_eq!(t.expires_at_ms(), 60_000.0);
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn with_expires_at_ms(mut self, expires_at_ms: f64) -> Self {
        self.expires_at_ms = Some(expires_at_ms);
        self
    }

    /// The token string passed to the widget as `sessionToken`.
    ///
    /// ```
    /// # use fintoc_wasm::SessionToken;
    /// assert_eq!(SessionToken::new("cs_1")?.as_str(), "cs_1");
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// When the token was obtained (Unix milliseconds).
    ///
    /// ```
    /// # use fintoc_wasm::SessionToken;
    /// assert_eq!(SessionToken::fetched_at("cs_1", 5.0)?.fetched_at_ms(), 5.0);
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn fetched_at_ms(&self) -> f64 {
        self.fetched_at_ms
    }

    /// When the token expires (Unix milliseconds): the earlier of the session's `expires_at` and
    /// fetch time + [`SESSION_TOKEN_LIFETIME`].
    ///
    /// ```
    /// # use fintoc_wasm::SessionToken;
    /// let t = SessionToken::fetched_at("cs_1", 0.0)?.with_expires_at_ms(1e12);
    /// assert_eq!(t.expires_at_ms(), 600_000.0);
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn expires_at_ms(&self) -> f64 {
        let lifetime = self.fetched_at_ms + SESSION_TOKEN_LIFETIME.as_millis() as f64;
        match self.expires_at_ms {
            Some(e) if e < lifetime => e,
            _ => lifetime,
        }
    }

    /// True when the token is expired, or will be within [`STALE_MARGIN`], at `now_ms`.
    ///
    /// ```
    /// # use fintoc_wasm::SessionToken;
    /// let t = SessionToken::fetched_at("cs_1", 0.0)?;
    /// assert!(!t.is_stale_at(569_999.0));
    /// assert!(t.is_stale_at(570_000.0));
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn is_stale_at(&self, now_ms: f64) -> bool {
        now_ms >= self.expires_at_ms() - STALE_MARGIN.as_millis() as f64
    }

    /// [`is_stale_at`](Self::is_stale_at) the current time.
    ///
    /// ```
    /// # use fintoc_wasm::SessionToken;
    /// assert!(!SessionToken::new("cs_1")?.is_stale());
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn is_stale(&self) -> bool {
        self.is_stale_at(browser::now_ms())
    }
}

impl PartialEq for SessionToken {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.expires_at_ms == other.expires_at_ms
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionToken")
            .field("value", &redact(&self.value))
            .field("fetched_at_ms", &self.fetched_at_ms)
            .field("expires_at_ms", &self.expires_at_ms())
            .finish()
    }
}

/// Shows the start of a token only, for `Debug` output that ends up in logs.
pub(crate) fn redact(token: &str) -> String {
    let shown: String = token.chars().take(6).collect();
    if shown.len() < token.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

/// Anything that can become a [`SessionToken`]: a `SessionToken`, or a string validated on the
/// way in.
///
/// ```
/// use fintoc_wasm::IntoSessionToken;
/// assert!("cs_1".into_session_token().is_ok());
/// assert!("".into_session_token().is_err());
/// ```
pub trait IntoSessionToken {
    /// Converts, validating strings.
    ///
    /// # Errors
    /// As [`SessionToken::new`].
    fn into_session_token(self) -> Result<SessionToken, OptionsError>;
}

impl IntoSessionToken for SessionToken {
    fn into_session_token(self) -> Result<SessionToken, OptionsError> {
        Ok(self)
    }
}
impl IntoSessionToken for &str {
    fn into_session_token(self) -> Result<SessionToken, OptionsError> {
        SessionToken::new(self)
    }
}
impl IntoSessionToken for String {
    fn into_session_token(self) -> Result<SessionToken, OptionsError> {
        SessionToken::new(self)
    }
}
impl IntoSessionToken for &String {
    fn into_session_token(self) -> Result<SessionToken, OptionsError> {
        SessionToken::new(self.as_str())
    }
}

/// What the session endpoint answered: the token and, when present, Fintoc's hosted checkout
/// page (`redirect_url`), the fallback when the widget cannot load. Your backend's own fields
/// (an order id, say) are read with [`get`](Self::get).
///
/// Its `Debug` output never shows the token in clear nor the body (which holds the token).
#[derive(Clone, PartialEq)]
pub struct SessionResponse {
    /// The session token (with `expires_at` when the response had it).
    pub token: SessionToken,
    /// Fintoc's hosted checkout page for this session, if the response had one.
    pub redirect_url: Option<String>,
    body: String,
}

impl fmt::Debug for SessionResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionResponse")
            .field("token", &self.token)
            .field("redirect_url", &self.redirect_url)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl SessionResponse {
    /// A response that is just a token (a [`SessionSource::Token`]).
    ///
    /// ```
    /// # use fintoc_wasm::{SessionResponse, SessionToken};
    /// let r = SessionResponse::from_token(SessionToken::new("cs_1")?);
    /// assert_eq!(r.get::<String>("order_id"), None);
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn from_token(token: SessionToken) -> Self {
        SessionResponse {
            token,
            redirect_url: None,
            body: String::new(),
        }
    }

    /// The response body as received.
    ///
    /// ```
    /// # use fintoc_wasm::parse_session_response;
    /// let r = parse_session_response(r#"{"session_token":"t"}"#, 0.0)?;
    /// assert_eq!(r.body(), r#"{"session_token":"t"}"#);
    /// # Ok::<(), fintoc_wasm::SessionError>(())
    /// ```
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Reads top-level field `name` of the response JSON as `T` (`None` when missing or of
    /// another shape).
    ///
    /// ```
    /// # use fintoc_wasm::parse_session_response;
    /// let r = parse_session_response(r#"{"session_token":"t","order_id":"ord_42","total":5000}"#, 0.0)?;
    /// assert_eq!(r.get::<String>("order_id").as_deref(), Some("ord_42"));
    /// assert_eq!(r.get::<u32>("total"), Some(5000));
    /// assert_eq!(r.get::<u32>("order_id"), None);
    /// # Ok::<(), fintoc_wasm::SessionError>(())
    /// ```
    pub fn get<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
        {
            // JSON.parse keeps serde_json's deserializer out of the wasm bundle.
            let value = js_sys::JSON::parse(&self.body).ok()?;
            if !value.is_object() {
                return None;
            }
            let field =
                js_sys::Reflect::get(&value, &wasm_bindgen::JsValue::from_str(name)).ok()?;
            if field.is_undefined() {
                return None;
            }
            serde_wasm_bindgen::from_value(field).ok()
        }
        #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
        {
            let mut value: serde_json::Value = serde_json::from_str(&self.body).ok()?;
            serde_json::from_value(value.get_mut(name)?.take()).ok()
        }
    }
}

/// Parses a session endpoint's JSON body (pure; used by [`SessionEndpoint::fetch`]).
///
/// Accepts the Checkout Session object or `{"session_token": …}`, with optional `expires_at`
/// (RFC 3339 string or Unix seconds) and `redirect_url`.
///
/// # Errors
/// [`SessionError::NotJson`], [`SessionError::MissingToken`].
///
/// ```
/// use fintoc_wasm::parse_session_response;
///
/// let body = r#"{"id":"cs_1","object":"checkout_session","session_token":"cs_1_sec_2",
///               "expires_at":"2026-01-01T00:05:00Z",
///               "redirect_url":"https://checkout.fintoc.com/checkout_session_1"}"#;
/// let fetched_at = 1_767_225_600_000.0; // 2026-01-01T00:00:00Z
/// let r = parse_session_response(body, fetched_at)?;
/// assert_eq!(r.token.as_str(), "cs_1_sec_2");
/// assert_eq!(r.token.expires_at_ms(), fetched_at + 300_000.0);
/// assert!(r.redirect_url.is_some());
/// # Ok::<(), fintoc_wasm::SessionError>(())
/// ```
pub fn parse_session_response(
    body: &str,
    fetched_at_ms: f64,
) -> Result<SessionResponse, SessionError> {
    if serde_json::from_str::<serde::de::IgnoredAny>(body).is_err() {
        return Err(SessionError::NotJson {
            body_excerpt: excerpt(body, 120),
        });
    }
    let fields = serde_json::from_str::<SessionBody>(body).ok();
    session_response_from(fields, body, fetched_at_ms)
}

/// The fields of a session response the crate reads; each one lenient (a field of an unexpected
/// type reads as missing).
#[derive(Deserialize)]
struct SessionBody {
    #[serde(default, alias = "sessionToken", deserialize_with = "lenient_string")]
    session_token: Option<String>,
    #[serde(default, alias = "expiresAt")]
    expires_at: Option<Expiry>,
    #[serde(default, alias = "redirectUrl", deserialize_with = "lenient_string")]
    redirect_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Expiry {
    Seconds(f64),
    Text(String),
    Other(serde::de::IgnoredAny),
}

/// Builds the response from parsed fields (`None`: the JSON was not an object of that shape).
/// Shared by the native parser (serde_json) and the browser one (`JSON.parse`, which keeps
/// serde_json's deserializer out of wasm bundles).
fn session_response_from(
    fields: Option<SessionBody>,
    body: &str,
    fetched_at_ms: f64,
) -> Result<SessionResponse, SessionError> {
    let missing = || SessionError::MissingToken {
        body_excerpt: excerpt(body, 120),
    };
    let fields = fields.ok_or_else(missing)?;
    let token = fields
        .session_token
        .and_then(|t| SessionToken::fetched_at(t, fetched_at_ms).ok())
        .ok_or_else(missing)?;
    let expires_at_ms = match fields.expires_at {
        Some(Expiry::Seconds(s)) => Some(s * 1000.0),
        Some(Expiry::Text(t)) => parse_rfc3339_ms(&t),
        _ => None,
    };
    let token = match expires_at_ms {
        Some(ms) => token.with_expires_at_ms(ms),
        None => token,
    };
    let redirect_url = fields.redirect_url.filter(|u| is_safe_redirect(u));
    Ok(SessionResponse {
        token,
        redirect_url,
        body: body.to_owned(),
    })
}

/// True for a URL the shopper may be sent to: `https:`, or `http:` on this machine
/// (`localhost`, `127.x.x.x`, `[::1]`, for local development). Anything else (`javascript:`,
/// `data:`, plain `http:` elsewhere, credentials in the URL) is refused.
pub(crate) fn is_safe_redirect(url: &str) -> bool {
    let scheme_is = |scheme: &str| {
        url.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    };
    let rest = if scheme_is("https://") {
        url.get(8..)
    } else if scheme_is("http://") {
        url.get(7..)
    } else {
        None
    };
    let Some(rest) = rest else { return false };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || authority.contains('\\') {
        return false;
    }
    if scheme_is("https://") {
        return true;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || (host.starts_with("127.")
            && host.split('.').count() == 4
            && host.split('.').all(|p| p.parse::<u8>().is_ok()))
}

/// The browser's parser for a session response body.
fn parse_in_browser(body: &str, fetched_at_ms: f64) -> Result<SessionResponse, SessionError> {
    let value = js_sys::JSON::parse(body).map_err(|_| SessionError::NotJson {
        body_excerpt: excerpt(body, 120),
    })?;
    let fields = value
        .is_object()
        .then(|| serde_wasm_bindgen::from_value::<SessionBody>(value).ok())
        .flatten();
    session_response_from(fields, body, fetched_at_ms)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` into Unix milliseconds.
fn parse_rfc3339_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    let at = |i: usize| s.as_bytes().get(i).copied();
    if at(4) != Some(b'-') || at(7) != Some(b'-') || !matches!(at(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    if at(13) != Some(b':') || at(16) != Some(b':') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = s.get(19..)?;
    let mut millis = 0.0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        millis = format!("0.{}", frac.get(..digits)?).parse::<f64>().ok()? * 1000.0;
        rest = frac.get(digits..)?;
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let tz = rest.get(1..)?;
            if tz.len() != 5 || tz.as_bytes().get(2) != Some(&b':') {
                return None;
            }
            let h: i64 = tz.get(..2)?.parse().ok()?;
            let m: i64 = tz.get(3..)?.parse().ok()?;
            sign * (h * 60 + m)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs as f64 * 1000.0 + millis)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// HTTP method for the session endpoint.
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

/// The merchant backend route that creates a Checkout Session and returns its token.
///
/// ```no_run
/// use std::time::Duration;
/// use fintoc_wasm::SessionEndpoint;
///
/// #[derive(serde::Serialize)]
/// struct Order { product_id: &'static str, quantity: u32 }
///
/// # async fn run() -> Result<(), fintoc_wasm::SessionError> {
/// let endpoint = SessionEndpoint::new("/api/checkout")
///     .json(&Order { product_id: "coffee", quantity: 2 })
///     .header("X-CSRF-Token", "abc")
///     .timeout(Duration::from_secs(10));
/// let response = endpoint.fetch().await?;
/// println!("token valid until {}", response.token.expires_at_ms());
/// # Ok(()) }
/// ```
///
/// Its `Debug` output shows header names but never their values (an `Authorization` bearer,
/// a CSRF token), nor the body (which may hold the shopper's data).
#[derive(Clone, PartialEq)]
pub struct SessionEndpoint {
    url: String,
    method: HttpMethod,
    body: Option<Result<String, String>>,
    headers: Vec<(String, String)>,
    credentials: CredentialsMode,
    timeout: Duration,
}

impl fmt::Debug for SessionEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Names<'a>(&'a [(String, String)]);
        impl fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Names only: values may be credentials.
                f.debug_list()
                    .entries(self.0.iter().map(|(name, _)| name))
                    .finish()
            }
        }
        f.debug_struct("SessionEndpoint")
            .field("url", &self.url)
            .field("method", &self.method)
            .field(
                "body",
                &match &self.body {
                    None => format_args!("none"),
                    Some(Ok(_)) => format_args!("<json>"),
                    Some(Err(_)) => format_args!("<invalid>"),
                },
            )
            .field("headers", &Names(&self.headers))
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SessionEndpoint {
    /// Default request timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

    /// A `POST` to `url` (relative URLs resolve against the page), cookies same-origin, 15 s
    /// timeout, no body.
    ///
    /// ```
    /// # use fintoc_wasm::SessionEndpoint;
    /// let e = SessionEndpoint::new("/api/checkout");
    /// assert_eq!(e.url(), "/api/checkout");
    /// ```
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
    ///
    /// ```
    /// # use fintoc_wasm::SessionEndpoint;
    /// assert_eq!(SessionEndpoint::new("/x").url(), "/x");
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The HTTP method (default `POST`).
    ///
    /// ```
    /// # use fintoc_wasm::{HttpMethod, SessionEndpoint};
    /// let e = SessionEndpoint::new("/api/session").method(HttpMethod::Get);
    /// ```
    pub fn method(mut self, method: HttpMethod) -> Self {
        self.method = method;
        self
    }

    /// Sends `body` as JSON (`Content-Type: application/json`). A value that cannot be
    /// serialized makes [`fetch`](Self::fetch) fail with [`SessionError::InvalidRequest`].
    ///
    /// ```
    /// # use fintoc_wasm::SessionEndpoint;
    /// let e = SessionEndpoint::new("/api/checkout").json(&serde_json::json!({"cart": [1, 2]}));
    /// ```
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        // The error's text is dropped on purpose: formatting serde_json errors would pull all of
        // serde_json's messages into every wasm bundle for a case derived types never hit.
        self.body = Some(serde_json::to_string(body).map_err(|_| {
            "the value cannot be written as JSON (e.g. a map with non-string keys)".to_owned()
        }));
        self
    }

    /// Adds a request header (e.g. a CSRF token).
    ///
    /// ```
    /// # use fintoc_wasm::SessionEndpoint;
    /// let e = SessionEndpoint::new("/api/checkout").header("X-CSRF-Token", "abc");
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Whether cookies are sent (default [`CredentialsMode::SameOrigin`]).
    ///
    /// ```
    /// # use fintoc_wasm::{CredentialsMode, SessionEndpoint};
    /// let e = SessionEndpoint::new("https://api.shop.cl/checkout").credentials(CredentialsMode::Include);
    /// ```
    pub fn credentials(mut self, credentials: CredentialsMode) -> Self {
        self.credentials = credentials;
        self
    }

    /// How long to wait for the response (default 15 s); the request is aborted after it.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use fintoc_wasm::SessionEndpoint;
    /// let e = SessionEndpoint::new("/api/checkout").timeout(Duration::from_secs(5));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Calls the endpoint and parses the token. Dropping the future aborts the request.
    ///
    /// # Errors
    /// [`SessionError`]: not in a browser, network, HTTP status, not JSON, missing token, timeout.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), fintoc_wasm::SessionError> {
    /// let response = fintoc_wasm::SessionEndpoint::new("/api/checkout").fetch().await?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch(&self) -> Result<SessionResponse, SessionError> {
        if browser::window().is_none() {
            return Err(SessionError::NotInBrowser);
        }
        self.fetch_in_browser().await
    }

    async fn fetch_in_browser(&self) -> Result<SessionResponse, SessionError> {
        use futures::future::{select, Either};
        use gloo_net::http::{Method, RequestBuilder};

        let invalid = |message: String| SessionError::InvalidRequest { message };
        let controller = AbortOnDrop::new().map_err(invalid)?;
        let method = match self.method {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
            HttpMethod::Put => Method::PUT,
        };
        let mut builder = RequestBuilder::new(&self.url)
            .method(method)
            .credentials(match self.credentials {
                CredentialsMode::Omit => web_sys::RequestCredentials::Omit,
                CredentialsMode::SameOrigin => web_sys::RequestCredentials::SameOrigin,
                CredentialsMode::Include => web_sys::RequestCredentials::Include,
            })
            .header("Accept", "application/json")
            .abort_signal(Some(&controller.signal()));
        let has_content_type = self
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if self.body.is_some() && !has_content_type {
            builder = builder.header("Content-Type", "application/json");
        }
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let request = match &self.body {
            Some(Ok(json)) => builder.body(json.as_str()),
            Some(Err(e)) => {
                return Err(invalid(format!(
                    "the JSON body could not be serialized: {e}"
                )))
            }
            None => builder.build(),
        }
        .map_err(|e| {
            invalid(format!(
                "{} {}: {}",
                self.method.as_str(),
                self.url,
                gloo_message(e)
            ))
        })?;

        let after_ms = browser::timer_ms(self.timeout);
        let exchange = Box::pin(async {
            let response = request.send().await.map_err(|e| SessionError::Network {
                url: self.url.clone(),
                message: gloo_message(e),
            })?;
            let status = response.status();
            let text = response.text().await.map_err(|e| SessionError::Network {
                url: self.url.clone(),
                message: gloo_message(e),
            })?;
            Ok::<_, SessionError>((status, text))
        });
        let timer = gloo_timers::future::TimeoutFuture::new(after_ms);
        let (status, text) = match select(exchange, timer).await {
            Either::Left((result, _)) => result?,
            Either::Right(((), _)) => return Err(SessionError::Timeout { after_ms }),
        };
        controller.disarm();
        if !(200..300).contains(&status) {
            return Err(SessionError::Status {
                status,
                body_excerpt: excerpt(&text, 120),
            });
        }
        parse_in_browser(&text, browser::now_ms())
    }
}

/// The browser's message for a gloo-net error. Not `to_string()`: with gloo-net's `json`
/// feature on (as in a Yew app) that would link serde_json's error texts into the bundle.
fn gloo_message(error: gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(e) => e.message,
        gloo_net::Error::GlooError(message) => message,
        #[allow(unreachable_patterns)]
        _ => "the response could not be read".to_owned(),
    }
}

/// Aborts the fetch when dropped (timeout, or the caller dropped the future) unless disarmed.
struct AbortOnDrop {
    controller: web_sys::AbortController,
    armed: bool,
}

impl AbortOnDrop {
    fn new() -> Result<Self, String> {
        web_sys::AbortController::new()
            .map(|controller| AbortOnDrop {
                controller,
                armed: true,
            })
            .map_err(|e| browser::js_message(&e))
    }

    fn signal(&self) -> web_sys::AbortSignal {
        self.controller.signal()
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.controller.abort();
        }
    }
}

/// Where a checkout gets its session token: the merchant backend (fetched when needed, and
/// again when stale), or a token the page already has.
///
/// ```
/// use fintoc_wasm::{SessionSource, SessionToken};
///
/// let from_backend = SessionSource::endpoint("/api/checkout").json(&serde_json::json!({"sku": "A1"}));
/// let fixed = SessionSource::token(SessionToken::new("cs_1_sec_2")?);
/// assert_ne!(from_backend, fixed);
/// # Ok::<(), fintoc_wasm::OptionsError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum SessionSource {
    /// Fetch from the merchant backend.
    Endpoint(SessionEndpoint),
    /// A token obtained elsewhere (server-rendered into the page, say). It cannot be refreshed:
    /// once stale, the checkout fails with [`SessionError::Expired`].
    Token(SessionToken),
}

impl SessionSource {
    /// Shorthand for `SessionSource::Endpoint(SessionEndpoint::new(url))`; chain
    /// [`json`](Self::json) etc. on it.
    ///
    /// ```
    /// # use fintoc_wasm::SessionSource;
    /// let s = SessionSource::endpoint("/api/checkout");
    /// ```
    pub fn endpoint(url: impl Into<String>) -> Self {
        SessionSource::Endpoint(SessionEndpoint::new(url))
    }

    /// Shorthand for `SessionSource::Token(token)`.
    ///
    /// ```
    /// # use fintoc_wasm::{SessionSource, SessionToken};
    /// let s = SessionSource::token(SessionToken::new("cs_1")?);
    /// # Ok::<(), fintoc_wasm::OptionsError>(())
    /// ```
    pub fn token(token: SessionToken) -> Self {
        SessionSource::Token(token)
    }

    fn map_endpoint(self, f: impl FnOnce(SessionEndpoint) -> SessionEndpoint) -> Self {
        match self {
            SessionSource::Endpoint(e) => SessionSource::Endpoint(f(e)),
            token => token,
        }
    }

    /// [`SessionEndpoint::json`] on an endpoint source (no effect on a token source).
    ///
    /// ```
    /// # use fintoc_wasm::SessionSource;
    /// let s = SessionSource::endpoint("/api/checkout").json(&[1, 2, 3]);
    /// ```
    pub fn json<T: serde::Serialize + ?Sized>(self, body: &T) -> Self {
        self.map_endpoint(|e| e.json(body))
    }

    /// [`SessionEndpoint::header`] on an endpoint source (no effect on a token source).
    ///
    /// ```
    /// # use fintoc_wasm::SessionSource;
    /// let s = SessionSource::endpoint("/api/checkout").header("X-CSRF-Token", "abc");
    /// ```
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.map_endpoint(|e| e.header(name, value))
    }

    /// [`SessionEndpoint::credentials`] on an endpoint source (no effect on a token source).
    ///
    /// ```
    /// # use fintoc_wasm::{CredentialsMode, SessionSource};
    /// let s = SessionSource::endpoint("/api/checkout").credentials(CredentialsMode::Omit);
    /// ```
    pub fn credentials(self, credentials: CredentialsMode) -> Self {
        self.map_endpoint(|e| e.credentials(credentials))
    }

    /// [`SessionEndpoint::timeout`] on an endpoint source (no effect on a token source).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use fintoc_wasm::SessionSource;
    /// let s = SessionSource::endpoint("/api/checkout").timeout(Duration::from_secs(5));
    /// ```
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map_endpoint(|e| e.timeout(timeout))
    }

    /// Gets a token: fetches from the endpoint, or checks the fixed token is not stale.
    ///
    /// # Errors
    /// As [`SessionEndpoint::fetch`]; [`SessionError::Expired`] for a stale fixed token.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), fintoc_wasm::SessionError> {
    /// let r = fintoc_wasm::SessionSource::endpoint("/api/checkout").get().await?;
    /// # Ok(()) }
    /// ```
    pub async fn get(&self) -> Result<SessionResponse, SessionError> {
        match self {
            SessionSource::Endpoint(e) => e.fetch().await,
            SessionSource::Token(t) if t.is_stale() => Err(SessionError::Expired),
            SessionSource::Token(t) => Ok(SessionResponse::from_token(t.clone())),
        }
    }
}

impl From<SessionEndpoint> for SessionSource {
    fn from(e: SessionEndpoint) -> Self {
        SessionSource::Endpoint(e)
    }
}

impl From<SessionToken> for SessionSource {
    fn from(t: SessionToken) -> Self {
        SessionSource::Token(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_table() {
        let cases = [
            ("1970-01-01T00:00:00Z", Some(0.0)),
            ("2026-01-01T00:00:00Z", Some(1_767_225_600_000.0)),
            ("2026-01-01T00:00:00.250Z", Some(1_767_225_600_250.0)),
            ("2026-01-01T03:00:00+03:00", Some(1_767_225_600_000.0)),
            ("2025-12-31T21:00:00-03:00", Some(1_767_225_600_000.0)),
            ("2024-02-29T12:00:00Z", Some(1_709_208_000_000.0)),
            ("2026-13-01T00:00:00Z", None),
            ("2026-01-01", None),
            ("yesterday", None),
            ("2026-01-01T00:00:00", None),
            ("2026-01-01T00:00:00+0300", None),
            ("2026-01-01T00:00:00.Z", None),
            ("2026-01-01T00:00:0éZ", None),
            ("2026-01-01T00:00:00+é:00", None),
            ("2026-01-01T00:00:00.5é", None),
            ("2026-01-01T00:00:00é+03:00", None),
            ("ñññññññññññññññññññ", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_rfc3339_ms(input), expected, "{input}");
        }
    }

    #[test]
    fn session_response_shapes() {
        let ok = parse_session_response(r#"{"session_token":"cs_1_sec_2"}"#, 1000.0).unwrap();
        assert_eq!(ok.token.as_str(), "cs_1_sec_2");
        assert_eq!(ok.token.fetched_at_ms(), 1000.0);
        assert_eq!(ok.redirect_url, None);

        let seconds =
            parse_session_response(r#"{"session_token":"t","expires_at":1.5}"#, 0.0).unwrap();
        assert_eq!(seconds.token.expires_at_ms(), 1500.0);

        let camel = parse_session_response(r#"{"sessionToken":"t"}"#, 0.0).unwrap();
        assert_eq!(camel.token.as_str(), "t");

        let weird_expiry =
            parse_session_response(r#"{"session_token":"t","expires_at":{"x":1}}"#, 0.0).unwrap();
        assert_eq!(weird_expiry.token.expires_at_ms(), 600_000.0);

        let bad_redirect = parse_session_response(
            r#"{"session_token":"t","redirect_url":"javascript:alert(1)"}"#,
            0.0,
        )
        .unwrap();
        assert_eq!(bad_redirect.redirect_url, None);
    }

    #[test]
    fn only_https_or_local_http_redirects_are_offered() {
        let safe = [
            "https://checkout.fintoc.com/checkout_session_1",
            "HTTPS://checkout.fintoc.com/x",
            "http://localhost:8080/sandbox/checkout/cs_1",
            "http://127.0.0.1:8080/x",
            "http://[::1]:8080/x",
        ];
        for url in safe {
            assert!(is_safe_redirect(url), "{url}");
        }
        let unsafe_ = [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "http://checkout.fintoc.com/x",
            "http://localhost.evil.example/x",
            "http://localhost@evil.example/x",
            "https://user@evil.example/x",
            "http://127.0.0.1.evil.example/x",
            "https://",
            "https:///path",
            "https://a b",
            "//evil.example/x",
            "/relative",
            "",
            "é",
        ];
        for url in unsafe_ {
            assert!(!is_safe_redirect(url), "{url}");
        }
    }

    #[test]
    fn a_token_is_the_same_whenever_the_rust_value_was_built() {
        let first = SessionToken::fetched_at("cs_1_sec_2", 1_000.0).unwrap();
        let later = SessionToken::fetched_at("cs_1_sec_2", 9_000.0).unwrap();
        assert_eq!(first, later);
        assert_eq!(
            SessionSource::token(first.clone()),
            SessionSource::token(later)
        );
        assert_ne!(
            first,
            SessionToken::fetched_at("cs_1_sec_3", 1_000.0).unwrap()
        );
        assert_ne!(first.clone(), first.with_expires_at_ms(5_000.0));
    }

    #[test]
    fn debug_never_shows_the_token_or_header_values() {
        let r = parse_session_response(
            r#"{"session_token":"cs_live_secretpart_sec_abcdef","order_id":"o1"}"#,
            0.0,
        )
        .unwrap();
        let shown = format!("{r:?}");
        assert!(!shown.contains("secretpart"), "{shown}");
        assert!(!shown.contains("abcdef"), "{shown}");
        let e = SessionEndpoint::new("/api/checkout")
            .header("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.secret")
            .json(&serde_json::json!({"email": "ana@example.cl"}));
        let shown = format!("{e:?}");
        assert!(!shown.contains("eyJ"), "{shown}");
        assert!(!shown.contains("ana@example.cl"), "{shown}");
        assert!(shown.contains("Authorization"), "{shown}");
    }

    #[test]
    fn session_response_errors() {
        let cases = [
            ("<html>oops</html>", "NotJson"),
            ("", "NotJson"),
            ("{}", "MissingToken"),
            (r#"{"session_token":null}"#, "MissingToken"),
            (r#"{"session_token":""}"#, "MissingToken"),
            (r#"{"session_token":42}"#, "MissingToken"),
            (r#"[1,2]"#, "MissingToken"),
            (r#""cs_1""#, "MissingToken"),
        ];
        for (body, kind) in cases {
            let err = parse_session_response(body, 0.0).unwrap_err();
            let got = match err {
                SessionError::NotJson { .. } => "NotJson",
                SessionError::MissingToken { .. } => "MissingToken",
                _ => "other",
            };
            assert_eq!(got, kind, "{body}");
        }
    }

    #[test]
    fn staleness_uses_the_earlier_expiry() {
        let t = SessionToken::fetched_at("t", 0.0).unwrap();
        assert_eq!(t.expires_at_ms(), 600_000.0);
        assert!(!t.is_stale_at(0.0));
        assert!(t.is_stale_at(570_000.0));
        let short = t.clone().with_expires_at_ms(100_000.0);
        assert!(short.is_stale_at(70_000.0));
        assert!(!short.is_stale_at(69_999.0));
    }

    #[test]
    fn debug_output_redacts_the_token() {
        let t = SessionToken::new("cs_secretpart_sec_abcdef").unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("secretpart"), "{shown}");
        assert!(shown.contains("cs_sec…"), "{shown}");
    }

    #[test]
    fn token_source_does_not_fetch_and_refuses_stale_tokens() {
        let fresh = SessionSource::token(SessionToken::new("cs_1").unwrap());
        let r = futures::executor::block_on(fresh.get()).unwrap();
        assert_eq!(r.token.as_str(), "cs_1");
        let stale = SessionSource::token(SessionToken::fetched_at("cs_1", 0.0).unwrap());
        assert_eq!(
            futures::executor::block_on(stale.get()),
            Err(SessionError::Expired)
        );
    }

    #[test]
    fn endpoint_off_browser_is_a_typed_error() {
        let e = SessionEndpoint::new("/api/checkout");
        assert_eq!(
            futures::executor::block_on(e.fetch()),
            Err(SessionError::NotInBrowser)
        );
    }
}
