//! [`Timestamp`]: Fintoc's times (`created_at`, `expires_at`, …), on the crate's one RFC 3339
//! parser and formatter (`src/time.rs`).

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::{format_ms, parse_ms, MAX_MS, MIN_MS};

/// An instant, to the millisecond, read from and written as RFC 3339 (`2026-11-24T12:00:00Z`,
/// `2025-04-05T21:57:31.834Z`, `2026-01-01T00:00:00-03:00`).
///
/// Written in UTC with `Z`, with milliseconds only when there are some; sub-millisecond digits
/// are dropped when read. Instants outside years 0000–9999 are clamped to them (RFC 3339 cannot
/// write them).
///
/// ```
/// use fintoc_wasm::server::Timestamp;
/// use std::time::Duration;
///
/// let t: Timestamp = "2026-01-01T00:00:00-03:00".parse()?;
/// assert_eq!(t.unix_seconds(), 1_767_236_400);
/// assert_eq!(t.to_string(), "2026-01-01T03:00:00Z");
/// assert_eq!((t + Duration::from_millis(250)).to_string(), "2026-01-01T03:00:00.250Z");
/// assert_eq!(Timestamp::from_unix_seconds(0).to_string(), "1970-01-01T00:00:00Z");
/// # Ok::<(), fintoc_wasm::server::TimestampError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    ms: i64,
}

/// A string that is not an RFC 3339 time.
///
/// ```
/// use fintoc_wasm::server::Timestamp;
/// let err = "2026-01-01".parse::<Timestamp>().unwrap_err();
/// assert!(err.to_string().contains("2026-01-01"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an RFC 3339 time (expected e.g. 2026-11-24T12:00:00Z)")]
pub struct TimestampError(pub String);

impl Timestamp {
    /// Unix seconds.
    ///
    /// ```
    /// # use fintoc_wasm::server::Timestamp;
    /// assert_eq!(Timestamp::from_unix_seconds(1_767_225_600).to_string(), "2026-01-01T00:00:00Z");
    /// ```
    pub fn from_unix_seconds(seconds: i64) -> Self {
        Timestamp::from_unix_millis(seconds.saturating_mul(1000))
    }

    /// Unix milliseconds.
    ///
    /// ```
    /// # use fintoc_wasm::server::Timestamp;
    /// assert_eq!(Timestamp::from_unix_millis(1_500).to_string(), "1970-01-01T00:00:01.500Z");
    /// ```
    pub fn from_unix_millis(millis: i64) -> Self {
        Timestamp {
            ms: millis.clamp(MIN_MS, MAX_MS),
        }
    }

    /// Now, by this machine's clock.
    ///
    /// ```
    /// # use fintoc_wasm::server::Timestamp;
    /// assert!(Timestamp::now() > "2026-01-01T00:00:00Z".parse()?);
    /// # Ok::<(), fintoc_wasm::server::TimestampError>(())
    /// ```
    pub fn now() -> Self {
        Timestamp::from(SystemTime::now())
    }

    /// Unix seconds (rounded down).
    ///
    /// ```
    /// # use fintoc_wasm::server::Timestamp;
    /// assert_eq!(Timestamp::from_unix_millis(-1).unix_seconds(), -1);
    /// ```
    pub fn unix_seconds(self) -> i64 {
        self.ms.div_euclid(1000)
    }

    /// Unix milliseconds.
    ///
    /// ```
    /// # use fintoc_wasm::server::Timestamp;
    /// assert_eq!(Timestamp::from_unix_seconds(2).unix_millis(), 2_000);
    /// ```
    pub fn unix_millis(self) -> i64 {
        self.ms
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)` (`t` or a space for `T`, `z` for `Z`,
    /// surrounding whitespace ignored); `None` for anything else. Never panics.
    ///
    /// ```
    /// # use fintoc_wasm::server::Timestamp;
    /// let t = Timestamp::parse_rfc3339("2025-04-05T21:57:31.834Z").unwrap();
    /// assert_eq!(t.unix_millis(), 1_743_890_251_834);
    /// assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    /// ```
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        parse_ms(s).map(Timestamp::from_unix_millis)
    }

    /// RFC 3339 in UTC (the same as `to_string()`).
    ///
    /// ```
    /// # use fintoc_wasm::server::Timestamp;
    /// assert_eq!(Timestamp::from_unix_seconds(1_709_208_000).to_rfc3339(), "2024-02-29T12:00:00Z");
    /// ```
    pub fn to_rfc3339(self) -> String {
        format_ms(self.ms)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_ms(self.ms))
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_rfc3339(s).ok_or_else(|| TimestampError(s.to_owned()))
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        let ms = match t.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
        };
        Timestamp::from_unix_millis(ms)
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> Self {
        let magnitude = Duration::from_millis(t.ms.unsigned_abs());
        if t.ms >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }
}

impl std::ops::Add<Duration> for Timestamp {
    type Output = Timestamp;
    /// Saturates at year 9999.
    fn add(self, d: Duration) -> Timestamp {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Timestamp::from_unix_millis(self.ms.saturating_add(ms))
    }
}

impl std::ops::Sub<Duration> for Timestamp {
    type Output = Timestamp;
    /// Saturates at year 0000.
    fn sub(self, d: Duration) -> Timestamp {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Timestamp::from_unix_millis(self.ms.saturating_sub(ms))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// For a field of Fintoc's objects: an RFC 3339 string, or `None` when missing, `null` or
/// unreadable — an odd date never makes a payment event unreadable.
pub(crate) fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Timestamp::parse_rfc3339(&s),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_to_and_from_system_time_and_json() {
        let t = Timestamp::from_unix_millis(1_767_225_600_250);
        assert_eq!(Timestamp::from(SystemTime::from(t)), t);
        let before = Timestamp::from_unix_millis(-86_400_001);
        assert_eq!(Timestamp::from(SystemTime::from(before)), before);
        assert_eq!(
            serde_json::to_value(t).unwrap(),
            serde_json::json!("2026-01-01T00:00:00.250Z")
        );
        let read: Timestamp = serde_json::from_str("\"2025-12-31T21:00:00.25-03:00\"").unwrap();
        assert_eq!(read, t);
        assert!(serde_json::from_str::<Timestamp>("\"2026-01-01\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("1767225600").is_err());
        assert_eq!(
            t + Duration::from_secs(600) - Duration::from_secs(60),
            Timestamp::from_unix_millis(1_767_225_600_250 + 540_000)
        );
        assert_eq!(
            Timestamp::from_unix_seconds(i64::MAX).to_string(),
            "9999-12-31T23:59:59.999Z"
        );
    }
}
