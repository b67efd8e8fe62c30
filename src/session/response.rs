//! What the merchant backend answers. Its fields are read by the browser's own parsers in the
//! browser (`readSession` in `src/browser/page.js`: no JSON or date parser in the bundle) and by
//! `serde_json` natively, against one table of cases; what they may be used for (the token's
//! validity and expiry, a safe redirect URL) is decided here, once.

use crate::prelude::*;
use core::fmt;

use crate::error::{excerpt, SessionError};
use crate::session::token::{SessionToken, STALE_MARGIN};

/// What the session source answered: the token and, when present, Fintoc's hosted checkout page
/// (`redirect_url`: offered only when it is `https:`, or `http:` on localhost). Your backend's
/// own fields (an order id, say) are read with [`get`](Self::get). `Debug` never shows the token
/// in clear nor the body (which holds the token).
///
/// ```
/// use fintoc_wasm::session::{parse_session_response, SessionResponse};
///
/// let body = r#"{"id":"cs_1","object":"checkout_session","session_token":"cs_1_sec_2",
///               "expires_at":"2026-01-01T00:05:00Z","order_id":"ord_42",
///               "redirect_url":"https://checkout.fintoc.com/checkout_session_1"}"#;
/// let fetched_at = 1_767_225_600_000.0; // 2026-01-01T00:00:00Z
/// let r: SessionResponse = parse_session_response(body, fetched_at)?;
/// assert_eq!(r.token.as_str(), "cs_1_sec_2");
/// assert_eq!(r.token.expires_at_ms(), fetched_at + 300_000.0);
/// assert!(r.redirect_url.is_some());
/// assert_eq!(r.get::<String>("order_id").as_deref(), Some("ord_42"));
/// # Ok::<(), fintoc_wasm::error::SessionError>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct SessionResponse {
    /// The session token (with `expires_at` when the response had it).
    pub token: SessionToken,
    /// Fintoc's hosted checkout page for this session, if the response had a safe one.
    pub redirect_url: Option<String>,
    body: String,
}

impl fmt::Debug for SessionResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionResponse")
            .field("token", &self.token)
            .field("redirect_url", &self.redirect_url)
            .finish_non_exhaustive()
    }
}

impl From<SessionToken> for SessionResponse {
    fn from(token: SessionToken) -> Self {
        SessionResponse {
            token,
            redirect_url: None,
            body: String::new(),
        }
    }
}

impl SessionResponse {
    /// A token with Fintoc's hosted page, for a [`SessionSource::from_fn`](crate::SessionSource::from_fn)
    /// that has both. An unsafe `redirect_url` (not `https:`, nor `http:` on localhost) is dropped.
    pub fn with_redirect_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.redirect_url = is_safe_redirect(&url).then_some(url);
        self
    }

    /// The response body as received (empty for a token given directly).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Reads top-level field `name` of the response JSON as `T` (`None` when missing or of
    /// another shape). Uses serde, which is linked into your bundle only if you call this.
    /// (Feature `std`, on by default.)
    #[cfg(feature = "std")]
    pub fn get<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        #[cfg(fintoc_web)]
        {
            let value = crate::browser::parse_json(&self.body);
            if !value.is_object() {
                return None;
            }
            let field =
                js_sys::Reflect::get(&value, &wasm_bindgen::JsValue::from_str(name)).ok()?;
            if field.is_undefined() || field.is_null() {
                return None;
            }
            serde_wasm_bindgen::from_value(field).ok()
        }
        #[cfg(not(fintoc_web))]
        {
            let mut value: serde_json::Value = serde_json::from_str(&self.body).ok()?;
            serde_json::from_value(value.get_mut(name)?.take()).ok()
        }
    }
}

/// Parses a session endpoint's JSON body.
///
/// Accepts the Checkout Session object or `{"session_token": …}` (also `sessionToken`), with
/// optional `redirect_url` and an expiry: `expires_in` (seconds from now: immune to a browser
/// clock that runs ahead or behind the server's; preferred) or `expires_at` (RFC 3339 string or
/// Unix seconds, by the server's clock; ignored when the browser's clock already puts it within
/// the stale margin, which says more about clock skew than about the token).
///
/// # Errors
/// [`SessionError::NotJson`], [`SessionError::MissingToken`].
///
/// ```
/// use fintoc_wasm::session::parse_session_response;
/// assert!(parse_session_response(r#"{"sessionToken":"t"}"#, 0.0).is_ok());
/// assert!(parse_session_response("<html>", 0.0).is_err());
/// ```
pub fn parse_session_response(
    body: &str,
    fetched_at_ms: f64,
) -> Result<SessionResponse, SessionError> {
    let fields = read_fields(body).ok_or_else(|| SessionError::NotJson {
        body_excerpt: excerpt(body, 120),
    })?;
    let token = fields
        .token
        .and_then(|t| SessionToken::fetched_at(t, fetched_at_ms).ok())
        .ok_or_else(|| SessionError::MissingToken {
            body_excerpt: excerpt(body, 120),
        })?;
    let relative = fields
        .expires_in_s
        // `0` (or less) means it has expired already: used once as fetched, then asked again.
        .map(|seconds| fetched_at_ms + seconds.max(0.0) * 1000.0);
    let absolute = fields
        .expires_at_ms
        .filter(|ms| *ms - fetched_at_ms > STALE_MARGIN.as_millis() as f64);
    let token = match relative.or(absolute) {
        Some(ms) => token.with_expires_at_ms(ms),
        None => token,
    };
    Ok(SessionResponse {
        token,
        redirect_url: fields.redirect_url.filter(|u| is_safe_redirect(u)),
        body: body.to_owned(),
    })
}

/// What a session endpoint's JSON says, before it is checked: `session_token` (or
/// `sessionToken`) if a string, `expires_in` in seconds if a number, `expires_at` in Unix
/// milliseconds (from Unix seconds or an RFC 3339 string), `redirect_url` if a string.
#[derive(Debug, Default, PartialEq)]
struct Fields {
    token: Option<String>,
    expires_in_s: Option<f64>,
    expires_at_ms: Option<f64>,
    redirect_url: Option<String>,
}

/// The fields of `body`, or `None` when it is not JSON. In the browser, `readSession` in
/// `src/browser/page.js` reads them with the browser's JSON and date parsers (no parser of ours in the
/// bundle); natively, serde_json does. `tests/data/session-fields.json` holds the cases both
/// readers are tested against.
#[cfg(fintoc_web)]
fn read_fields(body: &str) -> Option<Fields> {
    use wasm_bindgen::JsCast;
    let read = crate::browser::read_session(body);
    if read.is_null() {
        return None;
    }
    let read: js_sys::Array = read.unchecked_into();
    Some(Fields {
        token: read.get(0).as_string(),
        expires_in_s: read.get(1).as_f64(),
        expires_at_ms: read.get(2).as_f64(),
        redirect_url: read.get(3).as_string(),
    })
}

#[cfg(not(fintoc_web))]
fn read_fields(body: &str) -> Option<Fields> {
    use serde_json::Value;
    let value: Value = serde_json::from_str(body).ok()?;
    let field = |name: &str| value.get(name).filter(|v| !v.is_null());
    let either = |a: &str, b: &str| field(a).or_else(|| field(b));
    let text = |name: &str| field(name).and_then(Value::as_str).map(str::to_owned);
    Some(Fields {
        token: text("session_token").or_else(|| text("sessionToken")),
        expires_in_s: either("expires_in", "expiresIn").and_then(Value::as_f64),
        expires_at_ms: either("expires_at", "expiresAt").and_then(|v| match v {
            Value::Number(n) => n.as_f64().map(|s| s * 1000.0),
            Value::String(t) => crate::time::parse_ms(t).map(|ms| ms as f64),
            _ => None,
        }),
        redirect_url: text("redirect_url").or_else(|| text("redirectUrl")),
    })
}

/// True for a URL the shopper may be sent to: `https:`, or `http:` on this machine
/// (`localhost`, `127.x.x.x`, `[::1]`, for local development). Anything else (`javascript:`,
/// `data:`, plain `http:` elsewhere, credentials in the URL, spaces, control or non-ASCII
/// characters: a URL on the wire is ASCII) is refused.
pub(crate) fn is_safe_redirect(url: &str) -> bool {
    let b = url.as_bytes();
    if !b.iter().all(u8::is_ascii_graphic) {
        return false;
    }
    let starts = |prefix: &[u8]| {
        b.get(..prefix.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(prefix))
    };
    let (secure, rest) = if starts(b"https://") {
        (true, b.get(8..))
    } else if starts(b"http://") {
        (false, b.get(7..))
    } else {
        (false, None)
    };
    let Some(rest) = rest else { return false };
    let authority = until(rest, |c| matches!(c, b'/' | b'?' | b'#'));
    if authority.is_empty() || authority.iter().any(|c| matches!(c, b'@' | b'\\')) {
        return false;
    }
    if secure {
        return true;
    }
    let host = match authority.strip_prefix(b"[") {
        Some(v6) => until(v6, |c| c == b']'),
        None => until(authority, |c| c == b':'),
    };
    host.eq_ignore_ascii_case(b"localhost") || host == b"::1" || is_loopback_v4(host)
}

/// The bytes of `s` before the first one `stop` accepts (all of `s` when none does).
fn until(s: &[u8], stop: impl Fn(u8) -> bool) -> &[u8] {
    let end = s.iter().position(|&c| stop(c)).unwrap_or(s.len());
    s.get(..end).unwrap_or(s)
}

/// `127.a.b.c` with each part a decimal number from 0 to 255.
fn is_loopback_v4(host: &[u8]) -> bool {
    let Some(rest) = host.strip_prefix(b"127.") else {
        return false;
    };
    let (mut parts, mut digits, mut value) = (1, 0, 0u32);
    for &c in rest.iter().chain(b".") {
        if c == b'.' {
            if digits == 0 || value > 255 {
                return false;
            }
            parts += 1;
            (digits, value) = (0, 0);
        } else if c.is_ascii_digit() && digits < 3 {
            digits += 1;
            value = value * 10 + u32::from(c - b'0');
        } else {
            return false;
        }
    }
    parts == 4
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases `src/browser/page.js` is tested against too (tests/js/browser.test.mjs; in the
    /// browser, tests/session.rs). Its `rfc3339` table is checked in `src/time.rs`.
    #[cfg(not(target_arch = "wasm32"))]
    fn shared_cases() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/data/session-fields.json")).unwrap()
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn fields_table() {
        let cases = shared_cases();
        let cases = cases["responses"].as_array().unwrap();
        assert!(cases.len() > 10);
        for case in cases {
            let body = case[0].as_str().unwrap();
            let expected = case[1].as_array().map(|f| Fields {
                token: f[0].as_str().map(str::to_owned),
                expires_in_s: f[1].as_f64(),
                expires_at_ms: f[2].as_f64(),
                redirect_url: f[3].as_str().map(str::to_owned),
            });
            assert_eq!(read_fields(body), expected, "{body}");
        }
    }

    #[test]
    fn session_response_shapes() {
        let ok = parse_session_response(r#"{"session_token":"cs_1_sec_2"}"#, 1000.0).unwrap();
        assert_eq!(ok.token.as_str(), "cs_1_sec_2");
        assert_eq!(ok.token.fetched_at_ms(), 1000.0);
        assert_eq!(ok.redirect_url, None);
        let seconds =
            parse_session_response(r#"{"session_token":"t","expires_at":120}"#, 0.0).unwrap();
        assert_eq!(seconds.token.expires_at_ms(), 120_000.0);
        let relative = parse_session_response(
            r#"{"session_token":"t","expires_in":120,"expires_at":5}"#,
            1e12,
        )
        .unwrap();
        assert_eq!(
            relative.token.expires_at_ms(),
            1e12 + 120_000.0,
            "expires_in wins"
        );
        // The browser's clock runs 90 s ahead: an expires_at 60 s away by the server's clock
        // already looks 30 s in the past. It is ignored, not turned into "expired".
        let skewed =
            parse_session_response(r#"{"session_token":"t","expires_at":970}"#, 1_000_000.0)
                .unwrap();
        assert!(!skewed.token.is_stale_at(1_000_000.0));
        for zero in ["0", "-5"] {
            let body = format!(r#"{{"session_token":"t","expires_in":{zero}}}"#);
            let gone = parse_session_response(&body, 1e12).unwrap();
            assert!(
                gone.token.is_stale_at(1e12),
                "expires_in {zero}: stale at once"
            );
        }
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
    fn only_https_or_local_http_redirects_are_offered() {
        let safe = [
            "https://checkout.fintoc.com/checkout_session_1",
            "HTTPS://checkout.fintoc.com/x",
            "http://localhost:8080/sandbox/checkout/cs_1",
            "http://127.0.0.1:8080/x",
            "http://[::1]:8080/x",
            "http://127.255.0.10:3000/x?a=b#c",
            "http://LocalHost/x",
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
            "https://exämple.com/x",
            "https://a\u{a0}b/x",
            "http://127.0.0.1.1/x",
            "http://127.0.0/x",
            "http://127.0.0.256/x",
            "http://127..0.1/x",
            "http://127.0.0.1a/x",
        ];
        for url in unsafe_ {
            assert!(!is_safe_redirect(url), "{url}");
        }
    }

    #[test]
    fn debug_never_shows_the_token_or_the_body() {
        let r = parse_session_response(
            r#"{"session_token":"cs_live_secretpart_sec_abcdef","order_id":"o1"}"#,
            0.0,
        )
        .unwrap();
        let shown = format!("{r:?}");
        assert!(!shown.contains("secretpart"), "{shown}");
        assert!(!shown.contains("abcdef"), "{shown}");
        assert!(!shown.contains("o1"), "{shown}");
    }
}
