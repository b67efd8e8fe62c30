//! RFC 3339 times: the crate's one parser and formatter. The browser reads its sessions with
//! `rfc3339` in `src/browser/page.js`, tested against the same table (`tests/data/session-fields.json`);
//! natively the session reader uses [`parse_ms`], and the `server` feature both functions,
//! through `fintoc_wasm::server::Timestamp`.

/// `0000-01-01T00:00:00Z` and `9999-12-31T23:59:59.999Z` in Unix milliseconds: the instants
/// RFC 3339 can write.
#[cfg_attr(
    not(all(feature = "server", not(target_arch = "wasm32"))),
    allow(dead_code)
)]
pub(crate) const MIN_MS: i64 = -62_167_219_200_000;
#[cfg_attr(
    not(all(feature = "server", not(target_arch = "wasm32"))),
    allow(dead_code)
)]
pub(crate) const MAX_MS: i64 = 253_402_300_799_999;

/// `ms` (Unix milliseconds, clamped to years 0000–9999) as RFC 3339 in UTC:
/// `2026-11-24T12:00:00Z`, with `.mmm` only when there are milliseconds.
#[cfg_attr(
    not(all(feature = "server", not(target_arch = "wasm32"))),
    allow(dead_code)
)]
pub(crate) fn format_ms(ms: i64) -> String {
    let ms = ms.clamp(MIN_MS, MAX_MS);
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    let clock = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    match ms_of_day % 1000 {
        0 => format!("{clock}Z"),
        millis => format!("{clock}.{millis:03}Z"),
    }
}

/// Unix milliseconds of `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)` (`t` or a space for `T`, `z`
/// for `Z`, surrounding ASCII whitespace ignored, digits past the milliseconds dropped); `None`
/// for anything else, a day its month lacks included (`2026-02-31`, `2100-02-29`). Never panics.
pub(crate) fn parse_ms(s: &str) -> Option<i64> {
    let b = s.trim_ascii().as_bytes();
    let at = |i: usize| b.get(i).copied();
    // The `len` decimal digits from `i` on.
    let num = |i: usize, len: usize| -> Option<i64> {
        (i..i + len).try_fold(0, |n, k| {
            let c = at(k).filter(u8::is_ascii_digit)?;
            Some(n * 10 + i64::from(c - b'0'))
        })
    };
    if at(4) != Some(b'-')
        || at(7) != Some(b'-')
        || !matches!(at(10), Some(b'T' | b't' | b' '))
        || at(13) != Some(b':')
        || at(16) != Some(b':')
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if at(i) == Some(b'.') {
        // The first three digits are the milliseconds ("5" → 500, "25" → 250, "2501" → 250).
        i += 1;
        let mut count = 0;
        while let Some(c) = at(i).filter(u8::is_ascii_digit) {
            if count < 3 {
                millis = millis * 10 + i64::from(c - b'0');
            }
            count += 1;
            i += 1;
        }
        if count == 0 {
            return None;
        }
        for _ in count..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match at(i)? {
        b'Z' | b'z' if b.len() == i + 1 => 0,
        sign @ (b'+' | b'-') if b.len() == i + 6 && at(i + 3) == Some(b':') => {
            let (hours, minutes) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let minutes = hours * 60 + minutes;
            if sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    // A day its month lacks (02-31, 2025-02-29) would count on into the next month: refused.
    if civil_from_days(days) != (year, month, day) {
        return None;
    }
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table `src/browser/page.js` is tested against too (tests/js/browser.test.mjs).
    #[test]
    fn parses_the_shared_table() {
        let cases: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/session-fields.json")).unwrap();
        let cases = cases["rfc3339"].as_array().unwrap();
        assert!(cases.len() > 20);
        for case in cases {
            let input = case[0].as_str().unwrap();
            assert_eq!(
                parse_ms(input).map(|ms| ms as f64),
                case[1].as_f64(),
                "{input:?}"
            );
        }
    }

    #[test]
    fn formats_utc_and_reads_back_what_it_writes() {
        for (ms, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (1_767_225_600_000, "2026-01-01T00:00:00Z"),
            (1_709_208_000_000, "2024-02-29T12:00:00Z"),
            // python: datetime.fromtimestamp(1795483003, timezone.utc)
            (1_795_483_003_000, "2026-11-24T01:16:43Z"),
            (1_743_890_251_834, "2025-04-05T21:57:31.834Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (MIN_MS, "0000-01-01T00:00:00Z"),
            (MAX_MS, "9999-12-31T23:59:59.999Z"),
        ] {
            assert_eq!(format_ms(ms), text, "{ms}");
            assert_eq!(parse_ms(text), Some(ms), "{text}");
        }
        // Every day of four centuries, at a few times of day, reads back.
        for day in (-200 * 365)..(230 * 365) {
            for ms_of_day in [0, 1, 43_200_000, 86_399_999] {
                let ms = day * 86_400_000 + ms_of_day;
                assert_eq!(parse_ms(&format_ms(ms)), Some(ms));
            }
        }
        // Outside RFC 3339's years: clamped, never a five-digit or negative year.
        assert_eq!(format_ms(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_ms(i64::MIN), "0000-01-01T00:00:00Z");
        // Offsets and fractions read.
        assert_eq!(
            parse_ms("2026-01-01T00:00:00.25-03:00"),
            Some(1_767_225_600_250 + 3 * 3_600_000)
        );
    }
}
