//! Fintoc webhooks: signature verification and typed events.
//!
//! Verify the **raw** request body before parsing it (never re-serialized JSON), then act on
//! the event. The scheme (<https://docs.fintoc.com/guides/resources/webhooks-walkthrough/webhooks-validating>):
//! header
//! `Fintoc-Signature: t=<unix seconds>,v1=<hex>`, `v1 = HMAC-SHA256(key = the whole whsec_… secret,
//! msg = "{t}.{raw body}")`, compared in constant time, timestamp within a tolerance (default
//! 300 s, both directions). Other schemes (`v0=`, `v2=`) are ignored.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::digest::{CtOutput, Output};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::types::{metadata_map, CheckoutSession, PaymentIntent, PaymentIntentStatus};

/// The resource in an event's `data`: `data` itself, or `data.object` when a sender wraps it.
fn resource(data: &serde_json::Value) -> &serde_json::Value {
    match data.get("object") {
        Some(inner) if inner.is_object() => inner,
        _ => data,
    }
}

/// How far the signature's timestamp may be from now, in either direction, by default.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The header Fintoc signs webhooks with (match it case-insensitively).
pub const SIGNATURE_HEADER: &str = "Fintoc-Signature";

/// The longest `Fintoc-Signature` header accepted, in bytes (Fintoc's is under 100); a longer
/// one is [`SignatureError::Malformed`] before any hashing.
pub const MAX_SIGNATURE_HEADER_LEN: usize = 4096;

/// The most `v1` signatures one header may carry (Fintoc sends one; more during a secret
/// rotation); more is [`SignatureError::Malformed`] before any hashing.
pub const MAX_V1_SIGNATURES: usize = 8;

/// Why a webhook signature was refused. Answer 400 and change nothing.
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
    /// The header has no integer `t` or no `v1`, is longer than
    /// [`MAX_SIGNATURE_HEADER_LEN`], or has more than [`MAX_V1_SIGNATURES`] `v1` values.
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
///
/// ```
/// let h = fintoc_wasm::server::parse_signature_header("t=1,v1=ab,v1=cd")?;
/// assert_eq!(h.v1.len(), 2);
/// # Ok::<(), fintoc_wasm::server::SignatureError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHeader {
    /// `t`, Unix seconds.
    pub timestamp: i64,
    /// Every `v1` value, in order.
    pub v1: Vec<String>,
}

/// Parses `t=…,v1=…[,other=…]`; never panics.
///
/// # Errors
/// [`SignatureError::MissingHeader`] for an empty header, [`SignatureError::Malformed`] without
/// an integer `t` or a `v1`, over [`MAX_SIGNATURE_HEADER_LEN`] bytes, or with more than
/// [`MAX_V1_SIGNATURES`] `v1` values.
///
/// ```
/// use fintoc_wasm::server::parse_signature_header;
/// let h = parse_signature_header("t=1620870928,v1=4df9,v2=ignored")?;
/// assert_eq!(h.timestamp, 1620870928);
/// assert_eq!(h.v1, ["4df9"]);
/// # Ok::<(), fintoc_wasm::server::SignatureError>(())
/// ```
pub fn parse_signature_header(header: &str) -> Result<SignatureHeader, SignatureError> {
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
            "v1" => v1.push(value.trim().to_owned()),
            _ => {}
        }
    }
    match (timestamp, v1.is_empty()) {
        (Some(timestamp), false) => Ok(SignatureHeader { timestamp, v1 }),
        _ => Err(SignatureError::Malformed),
    }
}

/// The `v1` signature of `raw_body` at `timestamp` (lowercase hex), as Fintoc computes it.
/// Useful to sign test webhooks.
///
/// ```
/// use fintoc_wasm::server::{sign, verify_signature, DEFAULT_TOLERANCE};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let body = br#"{"id":"evt_1"}"#;
/// let v1 = sign(body, 1_700_000_000, "whsec_test_abc");
/// let header = format!("t=1700000000,v1={v1}");
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_010);
/// assert!(verify_signature(body, &header, "whsec_test_abc", Some(DEFAULT_TOLERANCE), now).is_ok());
/// ```
pub fn sign(raw_body: &[u8], timestamp: i64, secret: &str) -> String {
    hex::encode(mac(raw_body, timestamp, secret).finalize().into_bytes())
}

#[cfg(test)]
thread_local! {
    /// How many HMACs this thread computed (tests prove verification does one per call).
    static MACS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn mac(raw_body: &[u8], timestamp: i64, secret: &str) -> Hmac<Sha256> {
    #[cfg(test)]
    MACS.with(|n| n.set(n.get() + 1));
    // HMAC accepts keys of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    mac
}

/// Verifies a webhook: `header` is the `Fintoc-Signature` value, `secret` the endpoint's whole
/// `whsec_…` secret, `tolerance` how far `t` may be from `now` (`None` skips the check: only for
/// replaying stored events).
///
/// The HMAC of the body is computed once, whatever the number of `v1` candidates, and each
/// candidate is compared with it in constant time; a header over [`MAX_SIGNATURE_HEADER_LEN`]
/// bytes or with more than [`MAX_V1_SIGNATURES`] candidates is refused before any hashing.
///
/// # Errors
/// [`SignatureError`]; answer 400 and do not act on the body.
///
/// ```
/// use fintoc_wasm::server::{sign, verify_signature, SignatureError, DEFAULT_TOLERANCE};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let header = format!("t=1700000000,v1={}", sign(b"{}", 1_700_000_000, "whsec_x"));
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
    let parsed = parse_signature_header(header)?;
    // One HMAC; `CtOutput`'s equality is constant-time (`subtle`).
    let tag = mac(raw_body, parsed.timestamp, secret).finalize();
    let mut matches = false;
    for candidate in &parsed.v1 {
        let mut given = Output::<Hmac<Sha256>>::default();
        // Wrong length or non-hex: not a match (and no early exit that would time the others).
        if hex::decode_to_slice(candidate, given.as_mut_slice()).is_ok() {
            matches |= CtOutput::new(given) == tag;
        }
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

/// Why a webhook could not be used: a refused signature, or a body that is not an event at all
/// (a valid event of a shape this crate does not model is not an error: see
/// [`EventData::Unparsed`]).
///
/// ```
/// use fintoc_wasm::server::{WebhookError, WebhookEvent};
/// assert!(matches!(WebhookEvent::parse(b"[]"), Err(WebhookError::Body(_))));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signature was refused.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The signed body is not a JSON object with a string `id` and a string `type`.
    #[error("the webhook body is not a Fintoc event: {0}")]
    Body(String),
}

/// What an event is about, typed for the payment events this crate knows.
///
/// ```
/// # fn f(event: fintoc_wasm::server::WebhookEvent) {
/// use fintoc_wasm::server::EventData;
/// if let EventData::CheckoutSessionFinished(session) = &event.data {
///     println!("paid: {}", session.is_paid());
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum EventData {
    /// `checkout_session.finished`: the customer completed the flow — paid or not, see
    /// [`CheckoutSession::is_paid`]. The session always has a payment intent here: one
    /// without (no `payment_resource`, or one in another shape) is [`EventData::Unparsed`],
    /// since "finished" without a readable payment may still be money received.
    /// (`checkout_session.completed`, named by some Fintoc guides, is read the same way.)
    CheckoutSessionFinished(CheckoutSession),
    /// `checkout_session.expired`: the customer left before finishing.
    CheckoutSessionExpired(CheckoutSession),
    /// `payment_intent.succeeded` / `.failed` / `.rejected` / `.expired` / `.pending`.
    PaymentIntent(PaymentIntent),
    /// A payment event this crate types (`checkout_session.*`, `payment_intent.*`) whose
    /// `data` it could not read: an unknown currency, a missing `amount`, a changed shape, a
    /// `checkout_session.finished` whose payment it cannot find. The
    /// signature was valid, so acknowledge it (2xx: an error makes Fintoc retry for days, then
    /// drop it), but do not ignore it — a `checkout_session.finished` or
    /// `payment_intent.succeeded` may be money received. Store it and have a person look;
    /// [`WebhookEvent::metadata`] still finds your order id.
    /// [`payment_outcome`](WebhookEvent::payment_outcome) is `None`.
    Unparsed {
        /// What did not fit, e.g. ``checkout_session.finished: missing field `amount` ``.
        reason: String,
        /// The event's `data`, as received.
        raw: serde_json::Value,
    },
    /// Any other type, with its raw `data`.
    Unknown(serde_json::Value),
}

/// A Fintoc webhook event.
///
/// ```
/// use fintoc_wasm::server::WebhookEvent;
/// let e = WebhookEvent::parse(br#"{"id":"evt_1","type":"payout.created","mode":"live","data":{}}"#)?;
/// assert_eq!((e.id.as_str(), e.event_type.as_str()), ("evt_1", "payout.created"));
/// # Ok::<(), fintoc_wasm::server::WebhookError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookEvent {
    /// `evt_…`: deduplicate on it (Fintoc may deliver an event more than once).
    pub id: String,
    /// E.g. `checkout_session.finished`.
    pub event_type: String,
    /// `test` or `live`.
    pub mode: Option<String>,
    /// When the event happened (RFC 3339).
    pub created_at: Option<String>,
    /// The typed payload.
    pub data: EventData,
}

/// What a webhook says about the payment.
///
/// ```
/// # fn f(event: fintoc_wasm::server::WebhookEvent) {
/// use fintoc_wasm::server::PaymentOutcome;
/// match event.payment_outcome() {
///     Some(PaymentOutcome::Paid) => { /* fulfil, once per order */ }
///     Some(PaymentOutcome::NotPaid { reason }) => { /* tell the customer why */ }
///     Some(PaymentOutcome::Expired) => { /* release the stock */ }
///     _ => { /* wait for the next event */ }
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaymentOutcome {
    /// The payment intent succeeded: fulfil the order.
    Paid,
    /// The payment failed or was rejected (with Fintoc's `error_reason` when given).
    NotPaid {
        /// `error_reason`, e.g. `insufficient_funds`.
        reason: Option<String>,
    },
    /// The session or payment expired before the customer finished.
    Expired,
    /// Not final yet (`pending`, `in_progress`, …): wait for the next webhook.
    Pending,
}

impl WebhookEvent {
    /// Parses a (verified) body.
    ///
    /// Never fails on a shape this crate does not model: a payment event whose `data` does not
    /// read into its type becomes [`EventData::Unparsed`] (with the reason and the raw JSON),
    /// other types [`EventData::Unknown`]; `mode` and `created_at` that are not strings read as
    /// `None`.
    ///
    /// # Errors
    /// [`WebhookError::Body`] only when the body is not a JSON object with a string `id` and a
    /// string `type`.
    ///
    /// ```
    /// use fintoc_wasm::server::{EventData, WebhookEvent};
    /// let e = WebhookEvent::parse(br#"{"id":"evt_1","type":"refund.succeeded","data":{"x":1}}"#)?;
    /// assert!(matches!(e.data, EventData::Unknown(_)));
    /// let e = WebhookEvent::parse(br#"{"id":"evt_2","type":"payment_intent.succeeded","data":{"id":"pi_1"}}"#)?;
    /// assert!(matches!(e.data, EventData::Unparsed { .. }));
    /// # Ok::<(), fintoc_wasm::server::WebhookError>(())
    /// ```
    pub fn parse(raw_body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        use serde_json::Value;
        let value: Value =
            serde_json::from_slice(raw_body).map_err(|e| WebhookError::Body(e.to_string()))?;
        let Value::Object(mut object) = value else {
            return Err(WebhookError::Body("not a JSON object".into()));
        };
        let mut string = |name: &str| match object.remove(name) {
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(WebhookError::Body(format!("`{name}` is not a string"))),
            None => Err(WebhookError::Body(format!("missing field `{name}`"))),
        };
        let id = string("id")?;
        let event_type = string("type")?;
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let mode = text(object.remove("mode"));
        let created_at = text(object.remove("created_at"));
        let raw = object.remove("data").unwrap_or(Value::Null);
        let typed = |wrap: fn(Value) -> Result<EventData, serde_json::Error>| {
            wrap(resource(&raw).clone()).unwrap_or_else(|e| EventData::Unparsed {
                reason: format!("{event_type}: {e}"),
                raw: raw.clone(),
            })
        };
        let data = match event_type.as_str() {
            "checkout_session.finished" | "checkout_session.completed" => {
                match typed(|r| serde_json::from_value(r).map(EventData::CheckoutSessionFinished)) {
                    // Finished, but the payment is missing or in a shape this crate does not
                    // read (`payment_resource` `{}`, `null`, another key): unknown, not "not
                    // paid" — a person must look.
                    EventData::CheckoutSessionFinished(cs) if cs.payment_intent().is_none() => {
                        EventData::Unparsed {
                            reason: format!(
                                "{event_type}: no payment intent in `payment_resource` \
                                 (payment method types: [{}]); this crate cannot tell whether \
                                 the session was paid",
                                cs.payment_method_types
                                    .iter()
                                    .map(|t| t.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            raw: raw.clone(),
                        }
                    }
                    data => data,
                }
            }
            "checkout_session.expired" => {
                typed(|r| serde_json::from_value(r).map(EventData::CheckoutSessionExpired))
            }
            t if t.starts_with("payment_intent.") => {
                typed(|r| serde_json::from_value(r).map(EventData::PaymentIntent))
            }
            _ => EventData::Unknown(raw.clone()),
        };
        Ok(WebhookEvent {
            id,
            event_type,
            mode,
            created_at,
            data,
        })
    }

    /// Verifies the signature, then parses: the one call a webhook route needs.
    ///
    /// # Errors
    /// [`WebhookError`].
    ///
    /// ```no_run
    /// use fintoc_wasm::server::{WebhookEvent, DEFAULT_TOLERANCE};
    /// # fn route(body: &[u8], header: &str) -> Result<(), fintoc_wasm::server::WebhookError> {
    /// let event = WebhookEvent::verify_and_parse(body, header, "whsec_live_…", Some(DEFAULT_TOLERANCE),
    ///                                            std::time::SystemTime::now())?;
    /// # Ok(()) }
    /// ```
    pub fn verify_and_parse(
        raw_body: &[u8],
        header: &str,
        secret: &str,
        tolerance: Option<Duration>,
        now: SystemTime,
    ) -> Result<WebhookEvent, WebhookError> {
        verify_signature(raw_body, header, secret, tolerance, now)?;
        WebhookEvent::parse(raw_body)
    }

    /// What this event says about the payment (`None` for events that are not about one, and
    /// for [`EventData::Unparsed`] ones: unknown is not "not paid", have a person look).
    /// "Paid" means the payment intent succeeded — never just "the session finished".
    ///
    /// ```
    /// use fintoc_wasm::server::{PaymentOutcome, WebhookEvent};
    /// let e = WebhookEvent::parse(br#"{"id":"evt_1","type":"checkout_session.finished","data":{
    ///     "id":"cs_1","amount":5000,"currency":"CLP","status":"finished",
    ///     "payment_resource":{"payment_intent":{"id":"pi_1","amount":5000,"currency":"CLP","status":"succeeded"}}}}"#)?;
    /// assert_eq!(e.payment_outcome(), Some(PaymentOutcome::Paid));
    /// # Ok::<(), fintoc_wasm::server::WebhookError>(())
    /// ```
    pub fn payment_outcome(&self) -> Option<PaymentOutcome> {
        let from_intent = |pi: &PaymentIntent| match pi.status {
            PaymentIntentStatus::Succeeded => PaymentOutcome::Paid,
            PaymentIntentStatus::Failed | PaymentIntentStatus::Rejected => {
                PaymentOutcome::NotPaid {
                    reason: pi.error_reason.clone(),
                }
            }
            PaymentIntentStatus::Expired => PaymentOutcome::Expired,
            _ => PaymentOutcome::Pending,
        };
        match &self.data {
            // `parse` never builds one without a payment intent (that is `Unparsed`).
            EventData::CheckoutSessionFinished(cs) => cs.payment_intent().map(from_intent),
            EventData::CheckoutSessionExpired(_) => Some(PaymentOutcome::Expired),
            EventData::PaymentIntent(pi) => Some(from_intent(pi)),
            EventData::Unparsed { .. } | EventData::Unknown(_) => None,
        }
    }

    /// A `metadata` value of the event's resource (string, or a number as text): the checkout
    /// session's (then its payment intent's), the payment intent's, or read from the raw JSON of
    /// an [`EventData::Unparsed`] or [`EventData::Unknown`] event. `metadata` may be an object or
    /// a JSON string holding one.
    ///
    /// ```
    /// use fintoc_wasm::server::{EventData, WebhookEvent};
    /// let e = WebhookEvent::parse(br#"{"id":"evt_1","type":"checkout_session.finished",
    ///     "data":{"id":"cs_1","currency":"USD","metadata":{"order_id":"ord_42"}}}"#)?;
    /// assert!(matches!(e.data, EventData::Unparsed { .. }));
    /// assert_eq!(e.metadata("order_id").as_deref(), Some("ord_42"));
    /// # Ok::<(), fintoc_wasm::server::WebhookError>(())
    /// ```
    pub fn metadata(&self, key: &str) -> Option<String> {
        let intent = |pi: &PaymentIntent| pi.metadata.get(key).cloned();
        match &self.data {
            EventData::CheckoutSessionFinished(cs) | EventData::CheckoutSessionExpired(cs) => cs
                .metadata
                .get(key)
                .cloned()
                .or_else(|| cs.payment_intent().and_then(intent)),
            EventData::PaymentIntent(pi) => intent(pi),
            EventData::Unparsed { raw, .. } | EventData::Unknown(raw) => {
                let resource = resource(raw);
                let nested = resource
                    .get("payment_resource")
                    .and_then(|r| r.get("payment_intent"));
                [Some(resource), nested]
                    .into_iter()
                    .flatten()
                    .find_map(|r| metadata_map(r.get("metadata")).remove(key))
            }
        }
    }

    /// The checkout session this event is about, if it is one of its events.
    ///
    /// ```
    /// # fn f(event: &fintoc_wasm::server::WebhookEvent) {
    /// let order_id = event.checkout_session().and_then(|s| s.metadata.get("order_id"));
    /// # }
    /// ```
    pub fn checkout_session(&self) -> Option<&CheckoutSession> {
        match &self.data {
            EventData::CheckoutSessionFinished(cs) | EventData::CheckoutSessionExpired(cs) => {
                Some(cs)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_5ecr3t";
    const T: i64 = 1_700_000_000;

    fn at(secs: i64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    }

    fn header(body: &[u8], t: i64) -> String {
        format!("t={t},v1={}", sign(body, t, SECRET))
    }

    #[test]
    fn known_answers_match_pythons_hmac() {
        // hmac.new(b"whsec_test_5ecr3t", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            sign(b"{}", T, SECRET),
            "80b3d490d08ffcc54d3423b69fc8b91208d52a21ca89e078d2ac25a21e428f1c"
        );
        // The raw UTF-8 bytes are signed, not an escaped re-serialization.
        assert_eq!(
            sign("{\"monto\":\"ñ\"}".as_bytes(), T, SECRET),
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
                format!("t={T},v1={}", sign(body, T, "whsec_other")),
                tol,
                T,
                Err(SignatureError::Mismatch),
            ),
            (
                "secret without prefix",
                body.to_vec(),
                format!("t={T},v1={}", sign(body, T, "test_5ecr3t")),
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
                format!("v0=x,v1={},t={T}", sign(body, T, SECRET)),
                tol,
                T,
                Ok(()),
            ),
            (
                "several v1, one good",
                body.to_vec(),
                format!("t={T},v1=deadbeef,v1={}", sign(body, T, SECRET)),
                tol,
                T,
                Ok(()),
            ),
            (
                "spaces",
                body.to_vec(),
                format!("t={T}, v1={}", sign(body, T, SECRET)),
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
                format!("v1={}", sign(body, T, SECRET)),
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
                format!("t=abc,v1={}", sign(body, T, SECRET)),
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
                format!("t={},v1={}", i64::MAX, sign(body, i64::MAX, SECRET)),
                tol,
                T,
                Err(SignatureError::OutsideTolerance {
                    timestamp: i64::MAX,
                }),
            ),
            (
                "negative t",
                body.to_vec(),
                format!("t=-5,v1={}", sign(body, -5, SECRET)),
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
    fn events_parse_into_types() {
        let finished =
            br#"{"id":"evt_1","object":"event","type":"checkout_session.finished","mode":"test",
            "created_at":"2025-04-05T21:57:31.834Z","data":{"id":"cs_1","object":"checkout_session",
            "amount":5000,"currency":"CLP","status":"finished","metadata":{"order_id":"ord_1"},
            "payment_resource":{"payment_intent":{"id":"pi_1","amount":5000,"currency":"CLP",
            "status":"failed","error_reason":"insufficient_funds"}}}}"#;
        let e = WebhookEvent::parse(finished).unwrap();
        assert_eq!(e.id, "evt_1");
        assert_eq!(e.mode.as_deref(), Some("test"));
        assert_eq!(
            e.payment_outcome(),
            Some(PaymentOutcome::NotPaid {
                reason: Some("insufficient_funds".into())
            })
        );
        assert_eq!(e.checkout_session().unwrap().metadata["order_id"], "ord_1");

        let expired = br#"{"id":"evt_2","type":"checkout_session.expired","data":{"id":"cs_1",
            "amount":5000,"currency":"CLP","status":"expired","payment_resource":null}}"#;
        assert_eq!(
            WebhookEvent::parse(expired).unwrap().payment_outcome(),
            Some(PaymentOutcome::Expired)
        );

        for (status, outcome) in [
            ("succeeded", PaymentOutcome::Paid),
            ("rejected", PaymentOutcome::NotPaid { reason: None }),
            ("expired", PaymentOutcome::Expired),
            ("pending", PaymentOutcome::Pending),
        ] {
            let body = format!(
                r#"{{"id":"evt_3","type":"payment_intent.{status}","data":{{"id":"pi_1","amount":1,"currency":"MXN","status":"{status}"}}}}"#
            );
            assert_eq!(
                WebhookEvent::parse(body.as_bytes())
                    .unwrap()
                    .payment_outcome(),
                Some(outcome),
                "{status}"
            );
        }

        let unknown =
            WebhookEvent::parse(br#"{"id":"evt_4","type":"payout.created","data":{"id":"po_1"}}"#)
                .unwrap();
        assert_eq!(unknown.payment_outcome(), None);
        assert!(matches!(unknown.data, EventData::Unknown(_)));

        for bad in [&b"not json"[..], br#"{"type":"x"}"#] {
            assert!(matches!(
                WebhookEvent::parse(bad),
                Err(WebhookError::Body(_))
            ));
        }
    }

    /// A body Fintoc could sign tomorrow: the payment event types this crate types, with shapes
    /// it does not model.
    fn finished_with(data: serde_json::Value) -> Vec<u8> {
        serde_json::json!({"id": "evt_new", "type": "checkout_session.finished", "mode": "live",
            "created_at": "2026-11-24T00:00:00Z", "data": data})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn unmodelled_shapes_parse_as_unparsed_keeping_the_raw_json() {
        let paid_in_usd = serde_json::json!({"id": "cs_1", "amount": 5000, "currency": "USD",
            "status": "finished", "metadata": {"order_id": "ord_usd"},
            "payment_resource": {"payment_intent": {"id": "pi_1", "amount": 5000,
                "currency": "USD", "status": "succeeded"}}});
        let no_amount = serde_json::json!({"object": {"id": "cs_2", "currency": "CLP",
            "status": "finished", "metadata": "{\"order_id\":\"ord_json\"}"}});
        let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
            (
                "unknown currency",
                finished_with(paid_in_usd.clone()),
                Some("ord_usd"),
            ),
            (
                "missing amount (wrapped)",
                finished_with(no_amount.clone()),
                Some("ord_json"),
            ),
            (
                "no data at all",
                br#"{"id":"evt_x","type":"checkout_session.expired"}"#.to_vec(),
                None,
            ),
            (
                "amount as a string",
                br#"{"id":"evt_y","type":"payment_intent.succeeded","data":{"id":"pi_1",
                "amount":"5000","currency":"CLP","status":"succeeded","metadata":{"order_id":7}}}"#
                    .to_vec(),
                Some("7"),
            ),
        ];
        for (name, body, order_id) in cases {
            let event = WebhookEvent::parse(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
            let raw_data =
                serde_json::from_slice::<serde_json::Value>(&body).unwrap()["data"].clone();
            match &event.data {
                EventData::Unparsed { reason, raw } => {
                    assert!(!reason.is_empty(), "{name}");
                    assert_eq!(raw, &raw_data, "{name}: the raw `data` is kept");
                }
                other => panic!("{name}: {other:?}"),
            }
            assert_eq!(
                event.payment_outcome(),
                None,
                "{name}: no outcome from a guess"
            );
            assert_eq!(event.checkout_session(), None, "{name}");
            assert_eq!(event.metadata("order_id").as_deref(), order_id, "{name}");
        }
        // The reason says what did not fit.
        let event = WebhookEvent::parse(&finished_with(paid_in_usd)).unwrap();
        let EventData::Unparsed { reason, .. } = &event.data else {
            unreachable!()
        };
        assert!(reason.contains("USD"), "{reason}");
        // New envelope fields, and old ones in new types, do not matter either.
        let e = WebhookEvent::parse(
            br#"{"id":"evt_z","type":"payout.created","mode":1,"created_at":17e8,"api_version":"2030-01-01","data":{}}"#,
        )
        .unwrap();
        assert_eq!((e.mode, e.created_at), (None, None));
        // Only a body that is not an object with string `id` and `type` is an error.
        for bad in [
            &b"not json"[..],
            b"[]",
            b"null",
            br#"{"type":"x"}"#,
            br#"{"id":"e"}"#,
            br#"{"id":1,"type":"checkout_session.finished"}"#,
            br#"{"id":"e","type":["checkout_session.finished"]}"#,
        ] {
            assert!(
                matches!(WebhookEvent::parse(bad), Err(WebhookError::Body(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn verification_computes_one_hmac_whatever_the_number_of_candidates() {
        let body = vec![b'x'; 10_000];
        let good = sign(&body, T, SECRET);
        let wrong = sign(&body, T, "whsec_other");
        for position in 0..MAX_V1_SIGNATURES {
            let mut candidates = [wrong.as_str(); MAX_V1_SIGNATURES];
            candidates[position] = &good;
            let header = format!("t={T},v1={}", candidates.join(",v1="));
            MACS.with(|n| n.set(0));
            assert_eq!(
                verify_signature(&body, &header, SECRET, Some(DEFAULT_TOLERANCE), at(T)),
                Ok(()),
                "the good one at {position}"
            );
            assert_eq!(
                MACS.with(|n| n.get()),
                1,
                "one HMAC for {MAX_V1_SIGNATURES} candidates"
            );
        }
        let header = format!(
            "t={T},v1={}",
            [wrong.as_str(); MAX_V1_SIGNATURES].join(",v1=")
        );
        MACS.with(|n| n.set(0));
        assert_eq!(
            verify_signature(&body, &header, SECRET, None, at(T)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(MACS.with(|n| n.get()), 1);
    }

    #[test]
    fn oversized_headers_are_malformed_before_any_hmac() {
        let body = br#"{"id":"evt_1"}"#;
        let good = sign(body, T, SECRET);
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
            MACS.with(|n| n.set(0));
            assert_eq!(
                verify_signature(body, &header, SECRET, None, at(T)),
                Err(SignatureError::Malformed),
                "{name}"
            );
            assert_eq!(MACS.with(|n| n.get()), 0, "{name}: refused before hashing");
            assert_eq!(
                parse_signature_header(&header),
                Err(SignatureError::Malformed)
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

    /// A checkout session fixture from tests/data/fintoc/ (see its README for the source of
    /// each shape), wrapped in a `checkout_session.finished` event.
    fn fixture(name: &str) -> serde_json::Value {
        let path = format!("{}/tests/data/fintoc/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    #[test]
    fn a_finished_session_whose_payment_cannot_be_read_is_not_called_not_paid() {
        // v1: docs.fintoc.com/v2023-11-15/…/checkout-session-object;
        // 2026-02-01: docs.fintoc.com/reference/payments-api/checkout-sessions/checkout-session-object
        for name in [
            "checkout-session-2023-11-15-finished.json",
            "checkout-session-2026-02-01-finished.json",
        ] {
            let session = fixture(name);
            let order_id = session["metadata"]["order_id"].as_str().unwrap().to_owned();
            let paid = WebhookEvent::parse(&finished_with(session.clone())).unwrap();
            assert_eq!(paid.payment_outcome(), Some(PaymentOutcome::Paid), "{name}");

            let mut failed = session.clone();
            failed["payment_resource"]["payment_intent"]["status"] = "failed".into();
            failed["payment_resource"]["payment_intent"]["error_reason"] =
                "insufficient_funds".into();
            assert_eq!(
                WebhookEvent::parse(&finished_with(failed))
                    .unwrap()
                    .payment_outcome(),
                Some(PaymentOutcome::NotPaid {
                    reason: Some("insufficient_funds".into())
                }),
                "{name}"
            );

            // The payment is there in a shape this crate does not read, or not there at all:
            // unknown, never "not paid".
            let unreadable: [(&str, Option<serde_json::Value>); 6] = [
                ("payment_resource missing", None),
                ("payment_resource null", Some(serde_json::Value::Null)),
                ("payment_resource {}", Some(serde_json::json!({}))),
                (
                    "payment_intent null",
                    Some(serde_json::json!({"payment_intent": null})),
                ),
                (
                    "another key",
                    Some(
                        serde_json::json!({"bank_transfer": {"id": "bt_1", "status": "succeeded"}}),
                    ),
                ),
                (
                    "a list",
                    Some(serde_json::json!([{"payment_intent": {"id": "pi_1"}}])),
                ),
            ];
            for (shape, resource) in unreadable {
                let mut data = session.clone();
                let object = data.as_object_mut().unwrap();
                match resource {
                    Some(r) => object.insert("payment_resource".into(), r),
                    None => object.remove("payment_resource"),
                };
                // The 2026-02-01 payment fields say a payment method was used.
                object.insert("payment_method".into(), serde_json::json!({"id": "pm_1"}));
                object.insert(
                    "payment_method_types".into(),
                    serde_json::json!(["bank_transfer"]),
                );
                let body = finished_with(data.clone());
                let event = WebhookEvent::parse(&body).unwrap();
                assert_eq!(event.payment_outcome(), None, "{name}, {shape}");
                match &event.data {
                    EventData::Unparsed { reason, raw } => {
                        assert!(
                            reason.starts_with("checkout_session.finished: "),
                            "{name}, {shape}: {reason}"
                        );
                        assert_eq!(raw, &data, "{name}, {shape}: the raw `data` is kept");
                    }
                    other => panic!("{name}, {shape}: {other:?}"),
                }
                assert_eq!(
                    event.metadata("order_id").as_deref(),
                    Some(order_id.as_str()),
                    "{name}, {shape}"
                );
            }
        }
    }
}
