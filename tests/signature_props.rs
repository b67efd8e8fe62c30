//! Property tests of webhook signature handling: arbitrary headers and bodies never panic, and
//! whatever is signed verifies while any change to it does not.
#![cfg(not(target_arch = "wasm32"))]

use std::time::{Duration, UNIX_EPOCH};

use fintoc_wasm::server::{
    parse_signature_header, sign, verify_signature, SignatureError, WebhookEvent,
    DEFAULT_TOLERANCE, MAX_V1_SIGNATURES,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_header_parses_or_errors_without_panicking(header in ".{0,200}") {
        let _ = parse_signature_header(&header);
    }

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
    ) {
        let header = parts.iter().map(|(k, eq, v)| format!("{k}{eq}{v}")).collect::<Vec<_>>().join(",");
        let now = UNIX_EPOCH + Duration::from_secs(now % (1u64 << 40));
        let _ = verify_signature(&body, &header, "whsec_test_x", Some(DEFAULT_TOLERANCE), now);
        let _ = WebhookEvent::verify_and_parse(&body, &header, "whsec_test_x", None, now);
    }

    #[test]
    fn what_is_signed_verifies_and_any_change_does_not(
        body in prop::collection::vec(any::<u8>(), 0..300),
        secret in "whsec_[a-zA-Z0-9]{1,40}",
        t in 0i64..4_000_000_000,
        skew in -300i64..=300,
        flip in any::<prop::sample::Index>(),
    ) {
        let header = format!("t={t},v1={}", sign(&body, t, &secret));
        let now = UNIX_EPOCH + Duration::from_secs((t + skew).max(0) as u64);
        if t + skew >= 0 {
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
    fn the_good_signature_among_up_to_the_cap_verifies_and_more_are_refused(
        body in prop::collection::vec(any::<u8>(), 0..100),
        wrong in prop::collection::vec("[0-9a-f]{64}|[0-9a-f]{0,8}|[g-z]{1,4}", 0..40),
        position in any::<prop::sample::Index>(),
    ) {
        let t = 1_700_000_000;
        let good = sign(&body, t, "whsec_test_x");
        let mut candidates = wrong.clone();
        candidates.insert(position.index(wrong.len() + 1), good);
        let header = format!("t={t},v1={}", candidates.join(",v1="));
        let now = UNIX_EPOCH + Duration::from_secs(t as u64);
        let expected = if candidates.len() <= MAX_V1_SIGNATURES {
            Ok(())
        } else {
            Err(SignatureError::Malformed)
        };
        prop_assert_eq!(
            verify_signature(&body, &header, "whsec_test_x", Some(DEFAULT_TOLERANCE), now),
            expected
        );
    }
}
