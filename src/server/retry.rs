//! [`RetryPolicy`]: Fintoc's advice for 429s (and what else may pass on a second try), opt-in.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// When and how [`FintocClient`](super::FintocClient) retries a request: on a network error,
/// 429 or 5xx (never another 4xx, never an answer it could not read), with exponential backoff
/// plus random jitter, honouring `Retry-After`. Every try sends the **same** request, with the
/// same `Idempotency-Key`, so a retried POST never creates a second session or refund.
///
/// **A 5xx from Fintoc to a POST is not retried.** Fintoc stores the first answer to an
/// idempotency key — status and body, a 4xx or 5xx included — and replays it to every request
/// with that key while it keeps it (at least 24 h;
/// <https://docs.fintoc.com/api/fintoc-api/idempotent-requests>): the same key asked again would
/// get the same 5xx back. So a 5xx carrying Fintoc's error object is returned at once to a POST
/// (every POST carries a key); what to do is the caller's: look up whether the thing was made
/// (a refund: [`list_refunds`](super::FintocClient::list_refunds)), then ask again with a
/// **new** key — for a refund, Fintoc refusing to refund more than was paid is the backstop. A
/// 5xx without Fintoc's error object (a proxy's 502 page) may never have reached Fintoc and is
/// retried with the same key (harmless: at worst Fintoc replays its answer), as are network
/// errors and 429s. GETs carry no key: their 5xx are retried.
///
/// The default is Fintoc's advice (<https://docs.fintoc.com/guides/home/api-rate-limits>):
/// after the first try, up to 5 retries, waiting 1, 2, 4, 8 and 16 s plus up to 1 s of jitter.
/// A `Retry-After` longer than the wait is waited instead, unless it is longer than
/// [`max_retry_after`](Self::max_retry_after) (60 s): then the error is returned at once.
///
/// ```
/// use fintoc_wasm::server::{FintocClient, RetryPolicy};
/// use std::time::Duration;
///
/// let client = FintocClient::new("sk_test_123")?.with_retries(RetryPolicy::default());
/// // In tests: the same schedule in milliseconds.
/// let fast = RetryPolicy::default()
///     .base_delay(Duration::from_millis(1))
///     .max_jitter(Duration::from_millis(1));
/// # Ok::<(), fintoc_wasm::server::ClientError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_jitter: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_secs(1),
            max_jitter: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// How many retries after the first try (default 5; 0 never retries).
    ///
    /// ```
    /// # use fintoc_wasm::server::RetryPolicy;
    /// let twice = RetryPolicy::default().max_retries(2);
    /// ```
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first wait (default 1 s); each next one doubles it.
    ///
    /// ```
    /// # use fintoc_wasm::server::RetryPolicy;
    /// let p = RetryPolicy::default().base_delay(std::time::Duration::from_millis(5));
    /// ```
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The most random time added to each wait (default 1 s), so that clients that failed
    /// together do not retry together.
    ///
    /// ```
    /// # use fintoc_wasm::server::RetryPolicy;
    /// let p = RetryPolicy::default().max_jitter(std::time::Duration::ZERO);
    /// ```
    pub fn max_jitter(mut self, jitter: Duration) -> Self {
        self.max_jitter = jitter;
        self
    }

    /// The longest `Retry-After` waited (default 60 s); a longer one ends the retries and
    /// returns the error at once.
    ///
    /// ```
    /// # use fintoc_wasm::server::RetryPolicy;
    /// let p = RetryPolicy::default().max_retry_after(std::time::Duration::from_secs(5));
    /// ```
    pub fn max_retry_after(mut self, longest: Duration) -> Self {
        self.max_retry_after = longest;
        self
    }

    /// The wait before retry number `retry` (0 for the first retry), given the answer's
    /// `Retry-After` and a jitter sample in `0.0..=1.0`; `None` when there is no such retry or
    /// `Retry-After` asks for longer than [`max_retry_after`](Self::max_retry_after).
    pub(crate) fn delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        if retry_after.is_some_and(|wait| wait > self.max_retry_after) {
            return None;
        }
        let backoff = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(31)));
        let backoff = backoff.saturating_add(self.max_jitter.mul_f64(jitter.clamp(0.0, 1.0)));
        Some(backoff.max(retry_after.unwrap_or_default()))
    }
}

/// A jitter sample in `0.0..=1.0` (from the system's random source, through `uuid`).
pub(crate) fn jitter_sample() -> f64 {
    let bits = (uuid::Uuid::new_v4().as_u128() >> 75) as u64; // 53 random bits
    bits as f64 / (1u64 << 53) as f64
}

/// A `Retry-After` value, in delta-seconds (`120`) or as an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`), as a wait from `now`.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate, RFC 9110: `day-name, DD Mon YYYY HH:MM:SS GMT`, read through the crate's one
    // RFC 3339 parser.
    let mut parts = value.split_ascii_whitespace();
    let (_day_name, day, month, year, clock, zone) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if zone != "GMT" || parts.next().is_some() {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let at_ms = crate::time::parse_ms(&format!("{year}-{month:02}-{day}T{clock}Z"))?;
    let now_ms = i64::try_from(now.duration_since(UNIX_EPOCH).ok()?.as_millis()).ok()?;
    Some(Duration::from_millis(
        u64::try_from(at_ms.saturating_sub(now_ms)).unwrap_or(0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fintocs_schedule_with_jitter_and_retry_after() {
        let p = RetryPolicy::default();
        let waits: Vec<_> = (0..6).map(|r| p.delay(r, None, 0.0)).collect();
        let s = Duration::from_secs;
        assert_eq!(
            waits,
            [
                Some(s(1)),
                Some(s(2)),
                Some(s(4)),
                Some(s(8)),
                Some(s(16)),
                None
            ]
        );
        assert_eq!(p.delay(2, None, 1.0), Some(s(5)), "at most 1 s of jitter");
        assert_eq!(p.delay(2, None, 0.5), Some(Duration::from_millis(4_500)));
        // Retry-After longer than the backoff is waited; shorter, the backoff is.
        assert_eq!(p.delay(0, Some(s(30)), 0.0), Some(s(30)));
        assert_eq!(p.delay(3, Some(s(2)), 0.0), Some(s(8)));
        // Too long: give up now rather than hold the request for it.
        assert_eq!(p.delay(0, Some(s(61)), 0.0), None);
        assert_eq!(
            RetryPolicy::default().max_retries(0).delay(0, None, 0.0),
            None
        );
        // Never overflows.
        let huge = RetryPolicy::default()
            .max_retries(u32::MAX)
            .base_delay(Duration::MAX);
        assert_eq!(huge.delay(100, None, 1.0), Some(Duration::MAX));
        for _ in 0..1000 {
            let j = jitter_sample();
            assert!((0.0..=1.0).contains(&j), "{j}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        let now = UNIX_EPOCH + Duration::from_secs(1_792_567_660); // Wed, 21 Oct 2026 07:27:40 GMT
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:27:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past: retry now"
        );
        for bad in [
            "",
            "-1",
            "soon",
            "Wed, 21 Oct 2026 07:28:00 CET",
            "Wed, 21 Foo 2026 07:28:00 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }
}
