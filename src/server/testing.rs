//! **For tests only**: sign webhook bodies the way Fintoc does, so your handler's tests (and an
//! offline sandbox) can send events it accepts. Production code verifies
//! ([`WebhookSecrets`](super::WebhookSecrets), [`verify_signature`](super::verify_signature));
//! it never signs.

use std::time::{SystemTime, UNIX_EPOCH};

use super::signature::tag;

/// The `Fintoc-Signature` header value Fintoc would send for `raw_body` signed with `secret`
/// at `time`: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. Send the body **byte for byte** as
/// signed.
///
/// ```
/// use fintoc_wasm::server::testing::sign_event;
/// use fintoc_wasm::server::{WebhookSecrets, SIGNATURE_HEADER};
/// use std::time::SystemTime;
///
/// let body = br#"{"id":"evt_test_1","type":"checkout_session.expired","data":{}}"#;
/// let now = SystemTime::now();
/// let header = sign_event("whsec_test_abc", body, now);
/// assert!(header.starts_with("t="));
/// // e.g. reqwest: .header(SIGNATURE_HEADER, header).body(body.to_vec())
/// assert!(WebhookSecrets::new("whsec_test_abc")?.verify(body, &header, now).is_ok());
/// # Ok::<(), fintoc_wasm::server::WebhookSecretError>(())
/// ```
pub fn sign_event(secret: &str, raw_body: &[u8], time: SystemTime) -> String {
    let t = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    };
    format!("t={t},v1={}", hex::encode(tag(secret, t, raw_body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn signs_what_python_signs() {
        // hmac.new(b"whsec_test_5ecr3t", b"1700000000.{}", hashlib.sha256).hexdigest()
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_999);
        assert_eq!(
            sign_event("whsec_test_5ecr3t", b"{}", at),
            "t=1700000000,v1=80b3d490d08ffcc54d3423b69fc8b91208d52a21ca89e078d2ac25a21e428f1c"
        );
        let before = UNIX_EPOCH - Duration::from_secs(5);
        assert!(sign_event("whsec_x", b"{}", before).starts_with("t=-5,v1="));
    }
}
