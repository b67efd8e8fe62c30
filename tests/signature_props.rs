//! Property tests of webhook signature handling through the public API: arbitrary headers and
//! bodies never panic, whatever is signed verifies while any change to it does not, and after a
//! valid signature the body is always read (an event, or `Unreadable`), never refused. (Header
//! parsing and the cap on `v1` candidates are property-tested beside the code, in
//! `src/server/signature.rs`.)
#![cfg(not(target_arch = "wasm32"))]

use std::time::{Duration, UNIX_EPOCH};

use fintoc_wasm::server::testing::sign_event;
use fintoc_wasm::server::{
    verify_signature, SignatureError, VerifiedWebhook, WebhookEvent, WebhookSecrets,
    DEFAULT_TOLERANCE,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn header_like_strings_never_panic(
        parts in prop::collection::vec(
            (prop_oneof![Just("t".to_owned()), Just("v1".to_owned()), Just("v0".to_owned()),
                         Just("v2".to_owned()), Just(String::new()), "[a-z0-9]{0,3}"],
             prop_oneof![Just("="), Just(""), Just("==")],
             prop_oneof!["-?[0-9]{0,25}", "[0-9a-f]{0,70}", ".{0,10}"]),
            0..6),
        body in prop::collection::vec(any::<u8>(), 0..200),
        now in any::<u64>(),
        free in ".{0,200}",
    ) {
        let header = parts.iter().map(|(k, eq, v)| format!("{k}{eq}{v}")).collect::<Vec<_>>().join(",");
        let now = UNIX_EPOCH + Duration::from_secs(now % (1u64 << 40));
        for header in [&header, &free] {
            let _ = verify_signature(&body, header, "whsec_test_x", Some(DEFAULT_TOLERANCE), now);
            let _ = WebhookEvent::verify_and_parse(&body, header, "whsec_test_x", None, now);
        }
    }

    #[test]
    fn what_is_signed_verifies_and_any_change_does_not(
        body in prop::collection::vec(any::<u8>(), 0..300),
        secret in "whsec_[a-zA-Z0-9]{1,40}",
        t in 0u64..4_000_000_000,
        skew in -300i64..=300,
        flip in any::<prop::sample::Index>(),
    ) {
        let signed_at = UNIX_EPOCH + Duration::from_secs(t);
        let header = sign_event(&secret, &body, signed_at);
        let now = UNIX_EPOCH + Duration::from_secs((t as i64 + skew).max(0) as u64);
        if t as i64 + skew >= 0 {
            prop_assert_eq!(verify_signature(&body, &header, &secret, Some(DEFAULT_TOLERANCE), now), Ok(()));
        }
        if !body.is_empty() {
            let mut tampered = body.clone();
            let i = flip.index(tampered.len());
            tampered[i] ^= 0x01;
            prop_assert_eq!(
                verify_signature(&tampered, &header, &secret, Some(DEFAULT_TOLERANCE), now),
                Err(SignatureError::Mismatch)
            );
        }
        let other_secret = format!("{secret}x");
        prop_assert_eq!(
            verify_signature(&body, &header, &other_secret, Some(DEFAULT_TOLERANCE), now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_valid_signature_always_yields_something_to_answer_2xx_for(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            // JSON objects with `id` and `type` of any JSON kind.
            (prop_oneof![Just("\"evt_1\""), Just("1"), Just("null"), Just("[]")],
             prop_oneof![Just("\"checkout_session.finished\""), Just("\"refund.succeeded\""),
                         Just("\"x\""), Just("2"), Just("{}")],
             prop_oneof![Just("{}"), Just("null"), Just("[1]"), Just("{\"object\":{}}")])
                .prop_map(|(id, ty, data)| format!(r#"{{"id":{id},"type":{ty},"data":{data}}}"#).into_bytes()),
        ],
        old in any::<bool>(),
    ) {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let secrets = WebhookSecrets::new("whsec_test_new").unwrap().and("whsec_test_old").unwrap();
        let secret = if old { "whsec_test_old" } else { "whsec_test_new" };
        let header = sign_event(secret, &body, now);
        match secrets.receive(&body, &header, now) {
            Ok(VerifiedWebhook::Event(_)) => {}
            Ok(VerifiedWebhook::Unreadable { raw, .. }) => prop_assert_eq!(raw, body),
            Ok(other) => prop_assert!(false, "{:?}", other),
            Err(e) => prop_assert!(false, "refused after a valid signature: {}", e),
        }
    }
}
