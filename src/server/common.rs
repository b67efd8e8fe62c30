//! What several of Fintoc's objects share: bank accounts, metadata, ids, lenient field readers.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::error::ClientError;

/// A bank account (recipient of direct payments, or of a refund).
///
/// ```
/// use fintoc_wasm::server::BankAccount;
/// let account = BankAccount {
///     holder_id: "771433855".into(),
///     number: "123456789".into(),
///     account_type: "checking_account".into(),
///     institution_id: "cl_banco_de_chile".into(),
/// };
/// assert_eq!(serde_json::to_value(&account)?["type"], "checking_account");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    /// The holder's tax id (RUT in Chile).
    pub holder_id: String,
    /// The account number.
    pub number: String,
    /// Account type, e.g. `checking_account`, `sight_account`.
    #[serde(rename = "type")]
    pub account_type: String,
    /// The bank, e.g. `cl_banco_de_chile`.
    pub institution_id: String,
}

/// `null` reads as the default (an empty list, an empty resource).
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An id given as a string, or as an object's `id`; anything else reads as `None`.
pub(crate) fn id_or_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(id)) => Some(id),
        Some(serde_json::Value::Object(mut o)) => match o.remove("id") {
            Some(serde_json::Value::String(id)) => Some(id),
            _ => None,
        },
        _ => None,
    })
}

/// Metadata as a string map: an object (non-string values dropped), a JSON string holding an
/// object, or `null`.
pub(crate) fn metadata<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(metadata_map(value.as_ref()))
}

/// [`metadata`]'s reading of a raw JSON value (also used on events this crate could not type).
pub(crate) fn metadata_map(value: Option<&serde_json::Value>) -> BTreeMap<String, String> {
    let parsed;
    let object = match value {
        Some(serde_json::Value::Object(o)) => o,
        Some(serde_json::Value::String(s)) => match serde_json::from_str(s) {
            Ok(serde_json::Value::Object(o)) => {
                parsed = o;
                &parsed
            }
            _ => return BTreeMap::new(),
        },
        _ => return BTreeMap::new(),
    };
    object
        .iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k.clone(), s.clone())),
            serde_json::Value::Number(n) => Some((k.clone(), n.to_string())),
            _ => None,
        })
        .collect()
}

/// `id` if it is a Fintoc id (letters, digits, `_`, `-`): safe as one URL path segment, or in
/// an idempotency key.
///
/// # Errors
/// [`ClientError::InvalidRequest`] naming `param`; nothing was sent.
pub(crate) fn fintoc_id<'a>(id: &'a str, param: &'static str) -> Result<&'a str, ClientError> {
    let ok = !id.is_empty()
        && id.len() <= 200
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(ClientError::InvalidRequest {
            param,
            message: format!(
                "`{}` is not a Fintoc id (letters, digits, `_` and `-`)",
                crate::error::excerpt(id, 60)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_safe_path_segment() {
        assert_eq!(fintoc_id("cs_1-A", "id").unwrap(), "cs_1-A");
        for bad in ["../admin", "", "a/b", "a?b", "pi 1", &"x".repeat(201)] {
            assert!(
                matches!(
                    fintoc_id(bad, "id"),
                    Err(ClientError::InvalidRequest { param: "id", .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn metadata_reads_objects_json_strings_and_numbers() {
        let read = |v: serde_json::Value| metadata_map(Some(&v));
        assert_eq!(
            read(serde_json::json!({"a": "1", "n": 2, "x": [1]})),
            BTreeMap::from([("a".into(), "1".into()), ("n".into(), "2".into())])
        );
        assert_eq!(read(serde_json::json!("{\"a\":\"b\"}"))["a"], "b");
        assert!(read(serde_json::json!("not json")).is_empty());
        assert!(metadata_map(None).is_empty());
    }
}
