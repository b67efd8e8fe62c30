//! The Checkout Session token and when it goes stale.

use crate::prelude::*;
use core::fmt;
use core::time::Duration;

use crate::browser;
use crate::error::OptionsError;

/// How long a Checkout Session token is valid after creation.
pub const SESSION_TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// A token is treated as stale this long before it really expires, so it does not run out
/// between `open()` and the widget's first request.
pub(crate) const STALE_MARGIN: Duration = Duration::from_secs(30);

/// A Checkout Session `session_token`, with when it was obtained and when it expires.
///
/// Validated on the way in (non-empty, no whitespace): build it with `SessionToken::new`,
/// `TryFrom<&str>`/`TryFrom<String>`, or from a session response (which dates it).
/// Two tokens are equal when their strings (and explicit `expires_at`, if any) are: when the
/// Rust value was built is not part of a token's identity, so a page that rebuilds the same
/// token on every render does not look like a new session. `Debug` shows only its first
/// characters.
///
/// ```
/// use fintoc_wasm::SessionToken;
///
/// let token = SessionToken::new("cs_li5531onlFDi235_sec_a1b2c3")?;
/// assert!(!token.is_stale());
/// assert_eq!(token.as_str(), "cs_li5531onlFDi235_sec_a1b2c3");
/// // Valid for 10 minutes at most (stale 30 s before), or until the session's own expires_at:
/// let expires_at = token.expires_at_ms();
/// let sooner = token.clone().with_expires_at_ms(expires_at - 120_000.0);
/// assert_eq!(sooner.expires_at_ms(), expires_at - 120_000.0);
/// assert!(!sooner.is_stale());
/// assert_eq!(SessionToken::try_from("cs 1"), Err(fintoc_wasm::error::OptionsError::SessionTokenWhitespace));
/// # Ok::<(), fintoc_wasm::error::OptionsError>(())
/// ```
#[derive(Clone)]
pub struct SessionToken {
    value: String,
    fetched_at_ms: f64,
    expires_at_ms: Option<f64>,
}

/// True when every character could be in a Fintoc key or token: printable ASCII, no spaces.
pub(crate) fn is_token_text(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_graphic())
}

impl SessionToken {
    /// Validates a token (non-empty, no whitespace), stamped as fetched now.
    ///
    /// # Errors
    /// [`OptionsError::EmptySessionToken`], [`OptionsError::SessionTokenWhitespace`].
    pub fn new(value: impl Into<String>) -> Result<Self, OptionsError> {
        Self::fetched_at(value, browser::now_ms())
    }

    /// Like [`new`](Self::new) with an explicit fetch time (Unix milliseconds). For the crate's
    /// own session reader and tests: a shop gets its tokens from [`new`](Self::new) or a
    /// session response.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    #[doc(hidden)]
    pub fn fetched_at(value: impl Into<String>, fetched_at_ms: f64) -> Result<Self, OptionsError> {
        let value = value.into();
        if value.is_empty() {
            return Err(OptionsError::EmptySessionToken);
        }
        if !is_token_text(&value) {
            return Err(OptionsError::SessionTokenWhitespace);
        }
        Ok(SessionToken {
            value,
            fetched_at_ms,
            expires_at_ms: None,
        })
    }

    /// Records the session's own `expires_at` (Unix milliseconds), when your session source
    /// knows it (`SessionSource::from_fn`: the Checkout Session's `expires_at`); the earlier of
    /// it and fetch time + 10 minutes wins, so a session that expires sooner is refreshed in time.
    pub fn with_expires_at_ms(mut self, expires_at_ms: f64) -> Self {
        self.expires_at_ms = Some(expires_at_ms);
        self
    }

    /// The token string passed to the widget as `sessionToken`.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// When the token was obtained (Unix milliseconds).
    #[doc(hidden)]
    pub fn fetched_at_ms(&self) -> f64 {
        self.fetched_at_ms
    }

    /// When the token expires (Unix milliseconds): the earlier of the session's `expires_at` and
    /// fetch time + [`SESSION_TOKEN_LIFETIME`].
    pub fn expires_at_ms(&self) -> f64 {
        let lifetime = self.fetched_at_ms + SESSION_TOKEN_LIFETIME.as_millis() as f64;
        match self.expires_at_ms {
            Some(e) if e < lifetime => e,
            _ => lifetime,
        }
    }

    /// True when the token is expired, or will be within [`STALE_MARGIN`], at `now_ms`.
    pub(crate) fn is_stale_at(&self, now_ms: f64) -> bool {
        now_ms >= self.expires_at_ms() - STALE_MARGIN.as_millis() as f64
    }

    /// True when the token is expired, or will be within 30 s (so it does not run out between
    /// `open()` and the widget's first request).
    pub fn is_stale(&self) -> bool {
        self.is_stale_at(browser::now_ms())
    }
}

impl PartialEq for SessionToken {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.expires_at_ms == other.expires_at_ms
    }
}

impl TryFrom<&str> for SessionToken {
    type Error = OptionsError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        SessionToken::new(value)
    }
}

impl TryFrom<String> for SessionToken {
    type Error = OptionsError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        SessionToken::new(value)
    }
}

impl TryFrom<&String> for SessionToken {
    type Error = OptionsError;
    fn try_from(value: &String) -> Result<Self, Self::Error> {
        SessionToken::new(value.as_str())
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionToken")
            .field("value", &Redacted(&self.value))
            .finish_non_exhaustive()
    }
}

/// Shows the start of a secret only, for `Debug` output that ends up in logs.
pub(crate) struct Redacted<'a>(pub(crate) &'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.char_indices();
        match chars.nth(6) {
            Some((end, _)) => {
                f.write_str(self.0.get(..end).unwrap_or_default())?;
                f.write_str("…")
            }
            None => f.write_str(self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staleness_uses_the_earlier_expiry() {
        let t = SessionToken::fetched_at("t", 0.0).unwrap();
        assert_eq!(t.expires_at_ms(), 600_000.0);
        assert!(!t.is_stale_at(0.0));
        assert!(t.is_stale_at(570_000.0));
        let short = t.clone().with_expires_at_ms(100_000.0);
        assert!(short.is_stale_at(70_000.0));
        assert!(!short.is_stale_at(69_999.0));
        let long = t.with_expires_at_ms(1e12);
        assert_eq!(long.expires_at_ms(), 600_000.0);
    }

    #[test]
    fn debug_output_redacts_the_token() {
        let t = SessionToken::new("cs_secretpart_sec_abcdef").unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("secretpart"), "{shown}");
        assert!(shown.contains("cs_sec…"), "{shown}");
        assert_eq!(format!("{:?}", Redacted("ñandú")), "ñandú");
        assert_eq!(format!("{:?}", Redacted("ñandúñandú")), "ñandúñ…");
    }

    #[test]
    fn a_token_is_the_same_whenever_the_rust_value_was_built() {
        let first = SessionToken::fetched_at("cs_1_sec_2", 1_000.0).unwrap();
        let later = SessionToken::fetched_at("cs_1_sec_2", 9_000.0).unwrap();
        assert_eq!(first, later);
        assert_ne!(
            first,
            SessionToken::fetched_at("cs_1_sec_3", 1_000.0).unwrap()
        );
        assert_ne!(first.clone(), first.with_expires_at_ms(5_000.0));
    }

    #[test]
    fn validation() {
        assert_eq!(
            SessionToken::try_from(""),
            Err(OptionsError::EmptySessionToken)
        );
        assert_eq!(
            SessionToken::try_from(String::from("a b")),
            Err(OptionsError::SessionTokenWhitespace)
        );
        assert!(SessionToken::try_from("cs_1").is_ok());
    }
}
