//! Fintoc's webhook signature: the `Fintoc-Signature` header, the HMAC, the verification.
//!
//! The scheme (<https://docs.fintoc.com/guides/resources/webhooks-walkthrough/webhooks-validating>):
//! header `Fintoc-Signature: t=<unix seconds>,v1=<hex>`, `v1 = HMAC-SHA256(key = the whole
//! whsec_… secret, msg = "{t}.{raw body}")`, compared in constant time, timestamp within a
//! tolerance (default 300 s, both directions). Other schemes (`v0=`, `v2=`) are ignored.
//!
//! One HMAC per secret and verification, whatever the number of `v1` candidates: [`tag`] is the
//! only function that hashes, and the candidates are compared by [`matches_any`], which is given
//! the computed tag and nothing it could hash with.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::digest::{CtOutput, Output};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::event::VerifiedWebhook;

/// How far the signature's timestamp may be from now, in either direction, by default.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The header Fintoc signs webhooks with (match it case-insensitively).
pub const SIGNATURE_HEADER: &str = "Fintoc-Signature";

/// The longest `Fintoc-Signature` header accepted, in bytes (Fintoc's is under 100); a longer
/// one is [`SignatureError::Malformed`] before any hashing.
pub(crate) const MAX_SIGNATURE_HEADER_LEN: usize = 4096;

/// The most `v1` signatures one header may carry (Fintoc sends one; more during a secret
/// rotation); more is [`SignatureError::Malformed`] before any hashing.
pub(crate) const MAX_V1_SIGNATURES: usize = 8;

/// Why a webhook signature was refused. Answer 4xx and change nothing.
///
/// ```
/// use fintoc_wasm::server::{verify_signature, SignatureError};
/// let err = verify_signature(b"{}", "", "whsec_x", None, std::time::SystemTime::now());
/// assert_eq!(err, Err(SignatureError::MissingHeader));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// No `Fintoc-Signature` header.
    #[error("Missing Fintoc-Signature header.")]
    MissingHeader,
    /// The header has no integer `t` or no `v1`, is longer than 4 096 bytes, or has more than
    /// 8 `v1` values (refused before any hashing).
    #[error("Unable to extract timestamp and signatures from header")]
    Malformed,
    /// The timestamp is too old or too far in the future (a replay, or a skewed clock).
    #[error("Timestamp outside the tolerance zone ({timestamp})")]
    OutsideTolerance {
        /// The header's timestamp.
        timestamp: i64,
    },
    /// No `v1` matches the body and secret.
    #[error("Signature mismatch. The webhook signature is not valid.")]
    Mismatch,
}

/// The parts of a `Fintoc-Signature` header.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SignatureHeader<'a> {
    /// `t`, Unix seconds.
    pub(crate) timestamp: i64,
    /// Every `v1` value, in order.
    pub(crate) v1: Vec<&'a str>,
}

/// Parses `t=…,v1=…[,other=…]`; never panics, never hashes.
///
/// # Errors
/// [`SignatureError::MissingHeader`] for an empty header, [`SignatureError::Malformed`] without
/// an integer `t` or a `v1`, over [`MAX_SIGNATURE_HEADER_LEN`] bytes, or with more than
/// [`MAX_V1_SIGNATURES`] `v1` values.
pub(crate) fn parse_header(header: &str) -> Result<SignatureHeader<'_>, SignatureError> {
    if header.trim().is_empty() {
        return Err(SignatureError::MissingHeader);
    }
    if header.len() > MAX_SIGNATURE_HEADER_LEN {
        return Err(SignatureError::Malformed);
    }
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        match key.trim() {
            "t" => timestamp = value.trim().parse::<i64>().ok().or(timestamp),
            "v1" if v1.len() == MAX_V1_SIGNATURES => return Err(SignatureError::Malformed),
            "v1" => v1.push(value.trim()),
            _ => {}
        }
    }
    match (timestamp, v1.is_empty()) {
        (Some(timestamp), false) => Ok(SignatureHeader { timestamp, v1 }),
        _ => Err(SignatureError::Malformed),
    }
}

/// A computed HMAC-SHA256 tag.
pub(crate) type Tag = [u8; 32];

/// `HMAC-SHA256(secret, "{timestamp}.{raw_body}")`: the only place a signature is hashed.
pub(crate) fn tag(secret: &str, timestamp: i64, raw_body: &[u8]) -> Tag {
    // HMAC accepts keys of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    mac.finalize().into_bytes().into()
}

/// Whether any hex `candidate` is `tag`. Each comparison is constant-time (`subtle`, through
/// `CtOutput`), and all candidates are compared (no early exit that would time the others).
/// Given only the tag, this cannot hash.
fn matches_any(tag: &Tag, candidates: &[&str]) -> bool {
    let expected = CtOutput::<Hmac<Sha256>>::new(Output::<Hmac<Sha256>>::from(*tag));
    let mut matches = false;
    for candidate in candidates {
        let mut given = Output::<Hmac<Sha256>>::default();
        // Wrong length or non-hex: not a match.
        if hex::decode_to_slice(candidate, given.as_mut_slice()).is_ok() {
            matches |= CtOutput::new(given) == expected;
        }
    }
    matches
}

/// Verifies `header` for `raw_body` against each of `secrets` (one HMAC per secret), then the
/// timestamp.
fn verify_with<'s>(
    raw_body: &[u8],
    header: &str,
    secrets: impl IntoIterator<Item = &'s str>,
    tolerance: Option<Duration>,
    now: SystemTime,
) -> Result<(), SignatureError> {
    let parsed = parse_header(header)?;
    let mut matches = false;
    for secret in secrets {
        // `|` rather than `||`: every secret is tried, whichever matches.
        matches |= matches_any(&tag(secret, parsed.timestamp, raw_body), &parsed.v1);
    }
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    if let Some(tolerance) = tolerance {
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(d) => i128::from(d.as_secs()),
            Err(e) => -i128::from(e.duration().as_secs()),
        };
        let skew = (now - i128::from(parsed.timestamp)).unsigned_abs();
        if skew > u128::from(tolerance.as_secs()) {
            return Err(SignatureError::OutsideTolerance {
                timestamp: parsed.timestamp,
            });
        }
    }
    Ok(())
}

/// Verifies a webhook: `header` is the `Fintoc-Signature` value, `secret` the endpoint's whole
/// `whsec_…` secret, `tolerance` how far `t` may be from `now` (`None` skips the check: only for
/// replaying stored events). To accept an old and a new secret while you rotate, or to keep the
/// settings in one value, use [`WebhookSecrets`].
///
/// The HMAC of the body is computed once, whatever the number of `v1` candidates, and each
/// candidate is compared with it in constant time; a header over 4 096 bytes or with more than
/// 8 candidates is refused before any hashing.
///
/// # Errors
/// [`SignatureError`]; answer 4xx and do not act on the body.
///
/// ```
/// use fintoc_wasm::server::testing::sign_event;
/// use fintoc_wasm::server::{verify_signature, SignatureError, DEFAULT_TOLERANCE};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let header = sign_event("whsec_x", b"{}", now);
/// assert_eq!(verify_signature(b"{}", &header, "whsec_x", Some(DEFAULT_TOLERANCE), now), Ok(()));
/// assert_eq!(verify_signature(b"{ }", &header, "whsec_x", Some(DEFAULT_TOLERANCE), now),
///            Err(SignatureError::Mismatch));
/// ```
pub fn verify_signature(
    raw_body: &[u8],
    header: &str,
    secret: &str,
    tolerance: Option<Duration>,
    now: SystemTime,
) -> Result<(), SignatureError> {
    verify_with(raw_body, header, [secret], tolerance, now)
}

/// Why a string cannot be a webhook secret.
///
/// ```
/// use fintoc_wasm::server::{WebhookSecretError, WebhookSecrets};
/// assert!(matches!(WebhookSecrets::new(" "), Err(WebhookSecretError::Empty)));
/// assert!(matches!(WebhookSecrets::new("sk_live_123"), Err(WebhookSecretError::ApiKey)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookSecretError {
    /// Empty (or only whitespace): an unset environment variable, probably.
    #[error("the webhook secret is empty: set it to your endpoint's whsec_… secret (Fintoc's dashboard shows it once, when the endpoint is created)")]
    Empty,
    /// An API key (`sk_…`/`pk_…`) where the endpoint's secret belongs.
    #[error("that is an API key, not a webhook secret: use your endpoint's whsec_… secret")]
    ApiKey,
}

/// The secrets a webhook endpoint accepts, with its settings: one secret, or two while you
/// rotate it (Fintoc signs with the new one as soon as you roll it; accept both until every
/// delivery signed with the old one has arrived or been retried). `Debug` never shows them.
///
/// Also what the `axum` feature's extractor reads from your state
/// (`FromRef<YourState> for WebhookSecrets`).
///
/// ```
/// use fintoc_wasm::server::testing::sign_event;
/// use fintoc_wasm::server::WebhookSecrets;
/// use std::time::SystemTime;
///
/// let secrets = WebhookSecrets::new("whsec_test_new")?.and("whsec_test_old")?;
/// assert!(!format!("{secrets:?}").contains("whsec"));
/// let body = br#"{"id":"evt_1","type":"payout.created","data":{}}"#;
/// let now = SystemTime::now();
/// // Signed with the old secret: still accepted.
/// let header = sign_event("whsec_test_old", body, now);
/// let read = secrets.receive(body, &header, now)?;
/// assert_eq!(read.event().map(|e| e.id.as_str()), Some("evt_1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct WebhookSecrets {
    secrets: Arc<[String]>,
    tolerance: Option<Duration>,
    max_body_bytes: usize,
}

impl fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSecrets")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("tolerance", &self.tolerance)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// The largest webhook body [`WebhookSecrets`] accepts by default (Fintoc's events are a few
/// kilobytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

fn checked(secret: String) -> Result<String, WebhookSecretError> {
    let secret = secret.trim();
    if secret.is_empty() {
        Err(WebhookSecretError::Empty)
    } else if ["sk_", "pk_"].iter().any(|p| secret.starts_with(p)) {
        Err(WebhookSecretError::ApiKey)
    } else {
        Ok(secret.to_owned())
    }
}

impl WebhookSecrets {
    /// The endpoint's secret (`whsec_…`; surrounding whitespace is dropped), with the default
    /// tolerance ([`DEFAULT_TOLERANCE`]) and body cap ([`DEFAULT_MAX_BODY_BYTES`]).
    ///
    /// # Errors
    /// [`WebhookSecretError`] for an empty secret or an API key.
    ///
    /// ```
    /// # use fintoc_wasm::server::WebhookSecrets;
    /// let secrets = WebhookSecrets::new("whsec_live_abc\n")?;
    /// # Ok::<(), fintoc_wasm::server::WebhookSecretError>(())
    /// ```
    pub fn new(secret: impl Into<String>) -> Result<Self, WebhookSecretError> {
        Ok(WebhookSecrets {
            secrets: Arc::from([checked(secret.into())?]),
            tolerance: Some(DEFAULT_TOLERANCE),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// Also accepts `secret` (the old one, while you rotate).
    ///
    /// # Errors
    /// [`WebhookSecretError`] for an empty secret or an API key.
    ///
    /// ```
    /// # use fintoc_wasm::server::WebhookSecrets;
    /// let rotating = WebhookSecrets::new("whsec_live_new")?.and("whsec_live_old")?;
    /// # Ok::<(), fintoc_wasm::server::WebhookSecretError>(())
    /// ```
    pub fn and(self, secret: impl Into<String>) -> Result<Self, WebhookSecretError> {
        let mut secrets = self.secrets.to_vec();
        secrets.push(checked(secret.into())?);
        Ok(WebhookSecrets {
            secrets: secrets.into(),
            ..self
        })
    }

    /// How far the signature's timestamp may be from now (default [`DEFAULT_TOLERANCE`]);
    /// `None` skips the check — only to replay stored events.
    ///
    /// ```
    /// # use fintoc_wasm::server::WebhookSecrets;
    /// let strict = WebhookSecrets::new("whsec_live_abc")?
    ///     .tolerance(Some(std::time::Duration::from_secs(60)));
    /// # Ok::<(), fintoc_wasm::server::WebhookSecretError>(())
    /// ```
    pub fn tolerance(mut self, tolerance: Option<Duration>) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The largest body the `axum` extractor reads (default [`DEFAULT_MAX_BODY_BYTES`]); a
    /// larger one is refused with 413 before anything is hashed.
    ///
    /// ```
    /// # use fintoc_wasm::server::WebhookSecrets;
    /// let small = WebhookSecrets::new("whsec_live_abc")?.max_body_bytes(64 * 1024);
    /// # Ok::<(), fintoc_wasm::server::WebhookSecretError>(())
    /// ```
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The body cap set by [`max_body_bytes`](Self::max_body_bytes).
    #[cfg(feature = "axum")]
    pub(crate) fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Verifies `header` (the `Fintoc-Signature` value) for `raw_body` against every secret:
    /// one HMAC per secret, whatever the number of `v1` candidates.
    ///
    /// # Errors
    /// [`SignatureError`]; answer 4xx and do not act on the body.
    ///
    /// ```
    /// use fintoc_wasm::server::{testing::sign_event, SignatureError, WebhookSecrets};
    /// let now = std::time::SystemTime::now();
    /// let secrets = WebhookSecrets::new("whsec_a")?;
    /// let header = sign_event("whsec_b", b"{}", now);
    /// assert_eq!(secrets.verify(b"{}", &header, now), Err(SignatureError::Mismatch));
    /// # Ok::<(), fintoc_wasm::server::WebhookSecretError>(())
    /// ```
    pub fn verify(
        &self,
        raw_body: &[u8],
        header: &str,
        now: SystemTime,
    ) -> Result<(), SignatureError> {
        verify_with(
            raw_body,
            header,
            self.secrets.iter().map(String::as_str),
            self.tolerance,
            now,
        )
    }

    /// Verifies, then reads the body: after a valid signature this never fails — a body that
    /// is not an event comes back as [`VerifiedWebhook::Unreadable`] (answer 2xx and keep it
    /// for a person; an error would make Fintoc retry for days, then drop it).
    ///
    /// # Errors
    /// [`SignatureError`] only; the body is not read unless the signature holds.
    ///
    /// ```
    /// use fintoc_wasm::server::{testing::sign_event, VerifiedWebhook, WebhookSecrets};
    /// let now = std::time::SystemTime::now();
    /// let secrets = WebhookSecrets::new("whsec_a")?;
    /// let body = br#"{"id":123}"#;
    /// let read = secrets.receive(body, &sign_event("whsec_a", body, now), now)?;
    /// assert!(matches!(read, VerifiedWebhook::Unreadable { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn receive(
        &self,
        raw_body: &[u8],
        header: &str,
        now: SystemTime,
    ) -> Result<VerifiedWebhook, SignatureError> {
        self.verify(raw_body, header, now)?;
        Ok(VerifiedWebhook::read(raw_body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &str = "whsec_test_5ecr3t";
    const T: i64 = 1_700_000_000;

    fn at(secs: i64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    }

    /// The `v1` value for `body` at `t`.
    fn v1(body: &[u8], t: i64, secret: &str) -> String {
        hex::encode(tag(secret, t, body))
    }

    fn header(body: &[u8], t: i64) -> String {
        format!("t={t},v1={}", v1(body, t, SECRET))
    }

    #[test]
    fn known_answers_match_pythons_hmac() {
        // hmac.new(b"whsec_test_5ecr3t", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            v1(b"{}", T, SECRET),
            "80b3d490d08ffcc54d3423b69fc8b91208d52a21ca89e078d2ac25a21e428f1c"
        );
        // The raw UTF-8 bytes are signed, not an escaped re-serialization.
        assert_eq!(
            v1("{\"monto\":\"ñ\"}".as_bytes(), T, SECRET),
            "54d0b40b2a5d745c09faadbfdc8748edaf45166c5fdaac91534628a96b349fe9"
        );
    }

    #[test]
    fn verification_table() {
        let body = br#"{"id":"evt_1","type":"checkout_session.finished"}"#;
        let good = header(body, T);
        let tol = Some(DEFAULT_TOLERANCE);
        type Case = (
            &'static str,
            Vec<u8>,
            String,
            Option<Duration>,
            i64,
            Result<(), SignatureError>,
        );
        let cases: Vec<Case> = vec![
            ("valid", body.to_vec(), good.clone(), tol, T + 10, Ok(())),
            (
                "valid at the edge",
                body.to_vec(),
                good.clone(),
                tol,
                T + 300,
                Ok(()),
            ),
            (
                "tampered body",
                br#"{"id":"evt_2","type":"checkout_session.finished"}"#.to_vec(),
                good.clone(),
                tol,
                T,
                Err(SignatureError::Mismatch),
            ),
            (
                "re-serialized body",
                br#"{"id": "evt_1", "type": "checkout_session.finished"}"#.to_vec(),
                good.clone(),
                tol,
                T,
                Err(SignatureError::Mismatch),
            ),
            (
                "tampered signature",
                body.to_vec(),
                good.replacen("v1=", "v1=0", 1),
                tol,
                T,
                Err(SignatureError::Mismatch),
            ),
            (
                "flipped hex digit",
                body.to_vec(),
                flip_last(&good),
                tol,
                T,
                Err(SignatureError::Mismatch),
            ),
            (
                "wrong secret",
                body.to_vec(),
                format!("t={T},v1={}", v1(body, T, "whsec_other")),
                tol,
                T,
                Err(SignatureError::Mismatch),
            ),
            (
                "secret without prefix",
                body.to_vec(),
                format!("t={T},v1={}", v1(body, T, "test_5ecr3t")),
                tol,
                T,
                Err(SignatureError::Mismatch),
            ),
            (
                "stale",
                body.to_vec(),
                good.clone(),
                tol,
                T + 301,
                Err(SignatureError::OutsideTolerance { timestamp: T }),
            ),
            (
                "future",
                body.to_vec(),
                good.clone(),
                tol,
                T - 301,
                Err(SignatureError::OutsideTolerance { timestamp: T }),
            ),
            (
                "no tolerance check",
                body.to_vec(),
                good.clone(),
                None,
                T + 86_400,
                Ok(()),
            ),
            (
                "extra schemes",
                body.to_vec(),
                format!("{good},v2=bad,v0=old"),
                tol,
                T,
                Ok(()),
            ),
            (
                "scheme order",
                body.to_vec(),
                format!("v0=x,v1={},t={T}", v1(body, T, SECRET)),
                tol,
                T,
                Ok(()),
            ),
            (
                "several v1, one good",
                body.to_vec(),
                format!("t={T},v1=deadbeef,v1={}", v1(body, T, SECRET)),
                tol,
                T,
                Ok(()),
            ),
            (
                "spaces",
                body.to_vec(),
                format!("t={T}, v1={}", v1(body, T, SECRET)),
                tol,
                T,
                Ok(()),
            ),
            (
                "missing header",
                body.to_vec(),
                String::new(),
                tol,
                T,
                Err(SignatureError::MissingHeader),
            ),
            (
                "missing t",
                body.to_vec(),
                format!("v1={}", v1(body, T, SECRET)),
                tol,
                T,
                Err(SignatureError::Malformed),
            ),
            (
                "missing v1",
                body.to_vec(),
                format!("t={T}"),
                tol,
                T,
                Err(SignatureError::Malformed),
            ),
            (
                "non-numeric t",
                body.to_vec(),
                format!("t=abc,v1={}", v1(body, T, SECRET)),
                tol,
                T,
                Err(SignatureError::Malformed),
            ),
            (
                "garbage",
                body.to_vec(),
                "not a header".into(),
                tol,
                T,
                Err(SignatureError::Malformed),
            ),
            (
                "non-hex v1",
                body.to_vec(),
                format!("t={T},v1=zz"),
                tol,
                T,
                Err(SignatureError::Mismatch),
            ),
            (
                "huge t",
                body.to_vec(),
                format!("t={},v1={}", i64::MAX, v1(body, i64::MAX, SECRET)),
                tol,
                T,
                Err(SignatureError::OutsideTolerance {
                    timestamp: i64::MAX,
                }),
            ),
            (
                "negative t",
                body.to_vec(),
                format!("t=-5,v1={}", v1(body, -5, SECRET)),
                tol,
                T,
                Err(SignatureError::OutsideTolerance { timestamp: -5 }),
            ),
        ];
        for (name, body, header, tolerance, now, expected) in cases {
            assert_eq!(
                verify_signature(&body, &header, SECRET, tolerance, at(now)),
                expected,
                "{name}"
            );
        }
    }

    fn flip_last(header: &str) -> String {
        let mut s = header.to_owned();
        let last = s.pop().unwrap();
        s.push(if last == '0' { '1' } else { '0' });
        s
    }

    #[test]
    fn the_tag_is_compared_with_every_candidate_and_only_an_exact_one_matches() {
        let body = vec![b'x'; 10_000];
        let tag = tag(SECRET, T, &body);
        let good = hex::encode(tag);
        let upper = good.to_uppercase();
        let wrong = v1(&body, T, "whsec_other");
        for position in 0..MAX_V1_SIGNATURES {
            let mut candidates = [wrong.as_str(); MAX_V1_SIGNATURES];
            candidates[position] = &good;
            assert!(matches_any(&tag, &candidates), "the good one at {position}");
            candidates[position] = &upper;
            assert!(matches_any(&tag, &candidates), "hex is case-insensitive");
        }
        let short = &good[..62];
        let long = format!("{good}00");
        for bad in [wrong.as_str(), short, &long, "", "zz"] {
            assert!(!matches_any(&tag, &[bad]), "{bad}");
        }
    }

    #[test]
    fn oversized_headers_are_malformed_before_any_hashing() {
        let body = br#"{"id":"evt_1"}"#;
        let good = v1(body, T, SECRET);
        let flood = |n: usize| {
            let mut h = format!("t={T}");
            for _ in 0..n {
                h.push_str(",v1=deadbeef");
            }
            format!("{h},v1={good}")
        };
        let padded = format!(
            "t={T},v1={good},v0={}",
            "0".repeat(MAX_SIGNATURE_HEADER_LEN)
        );
        for (name, header) in [
            ("10 000 candidates and the good one", flood(10_000)),
            ("one candidate too many", flood(MAX_V1_SIGNATURES)),
            ("longer than the cap", padded),
        ] {
            // `verify_with` hashes only after `parse_header` has returned a header.
            assert_eq!(
                parse_header(&header),
                Err(SignatureError::Malformed),
                "{name}"
            );
            assert_eq!(
                verify_signature(body, &header, SECRET, None, at(T)),
                Err(SignatureError::Malformed),
                "{name}"
            );
        }
        // At the caps it still verifies.
        assert_eq!(
            verify_signature(body, &flood(MAX_V1_SIGNATURES - 1), SECRET, None, at(T)),
            Ok(())
        );
        let at_cap = format!("t={T},v1={good},v0=");
        let at_cap = format!(
            "{at_cap}{}",
            "0".repeat(MAX_SIGNATURE_HEADER_LEN - at_cap.len())
        );
        assert_eq!(at_cap.len(), MAX_SIGNATURE_HEADER_LEN);
        assert_eq!(verify_signature(body, &at_cap, SECRET, None, at(T)), Ok(()));
    }

    #[test]
    fn rotation_accepts_each_secret_and_nothing_else() {
        let body = br#"{"id":"evt_1","type":"payout.created","data":{}}"#;
        let secrets = WebhookSecrets::new(" whsec_new\n")
            .unwrap()
            .and("whsec_old")
            .unwrap();
        for secret in ["whsec_new", "whsec_old"] {
            let header = format!("t={T},v1={}", v1(body, T, secret));
            assert_eq!(secrets.verify(body, &header, at(T)), Ok(()), "{secret}");
        }
        let other = format!("t={T},v1={}", v1(body, T, "whsec_other"));
        assert_eq!(
            secrets.verify(body, &other, at(T)),
            Err(SignatureError::Mismatch)
        );
        let stale = format!("t={T},v1={}", v1(body, T, "whsec_old"));
        assert_eq!(
            secrets.verify(body, &stale, at(T + 301)),
            Err(SignatureError::OutsideTolerance { timestamp: T })
        );
        assert_eq!(
            secrets
                .clone()
                .tolerance(None)
                .verify(body, &stale, at(T + 86_400)),
            Ok(())
        );
        let debug = format!("{secrets:?}");
        assert!(
            !debug.contains("whsec") && debug.contains("2 redacted"),
            "{debug}"
        );
        assert_eq!(
            WebhookSecrets::new("whsec_a")
                .unwrap()
                .and("pk_test_1")
                .unwrap_err(),
            WebhookSecretError::ApiKey
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_header_parses_or_errors_without_panicking(header in ".{0,200}") {
            let _ = parse_header(&header);
        }

        #[test]
        fn the_good_signature_among_up_to_the_cap_verifies_and_more_are_refused(
            body in prop::collection::vec(any::<u8>(), 0..100),
            wrong in prop::collection::vec("[0-9a-f]{64}|[0-9a-f]{0,8}|[g-z]{1,4}", 0..40),
            position in any::<prop::sample::Index>(),
        ) {
            let good = v1(&body, T, SECRET);
            let mut candidates = wrong.clone();
            candidates.insert(position.index(wrong.len() + 1), good);
            let header = format!("t={T},v1={}", candidates.join(",v1="));
            let expected = if candidates.len() <= MAX_V1_SIGNATURES {
                Ok(())
            } else {
                Err(SignatureError::Malformed)
            };
            prop_assert_eq!(
                verify_signature(&body, &header, SECRET, Some(DEFAULT_TOLERANCE), at(T)),
                expected
            );
        }
    }
}
