//! Lenient serde field readers: any value of an unexpected type reads as `None` instead of
//! failing the whole payload. Fintoc documents few fields and adds more over time.

use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;

/// Any JSON-ish value, keeping only what a lenient reader needs.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Str(String),
    Num(f64),
    Other(IgnoredAny),
}

pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Loose>::deserialize(d)? {
        Some(Loose::Str(s)) => Some(s),
        _ => None,
    })
}

pub(crate) fn lenient_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Option::<Loose>::deserialize(d)? {
        Some(Loose::Num(n)) => Some(n),
        Some(Loose::Str(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_fields_accept_any_shape() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "lenient_string")]
            s: Option<String>,
            #[serde(default, deserialize_with = "lenient_number")]
            n: Option<f64>,
        }
        let cases = [
            (r#"{"s":"a","n":5}"#, Some("a"), Some(5.0)),
            (r#"{"s":1,"n":"7"}"#, None, Some(7.0)),
            (r#"{"s":{"x":[1]},"n":[1,2]}"#, None, None),
            (r#"{"s":null,"n":null}"#, None, None),
            (r#"{}"#, None, None),
        ];
        for (json, s, n) in cases {
            let t: T = serde_json::from_str(json).unwrap();
            assert_eq!(t.s.as_deref(), s, "{json}");
            assert_eq!(t.n, n, "{json}");
        }
    }
}
