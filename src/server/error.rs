//! [`ClientError`]: what can go wrong calling Fintoc's API, and Fintoc's own error object.

use serde::Deserialize;

use super::open_enum::open_enum;
use crate::error::excerpt;

open_enum! {
    /// `type` of Fintoc's error object.
    ApiErrorType {
        /// A problem on Fintoc's side.
        ApiError => "api_error",
        /// Wrong or missing secret key.
        AuthenticationError => "authentication_error",
        /// A Link problem.
        LinkError => "link_error",
        /// The bank had a problem.
        InstitutionError => "institution_error",
        /// Invalid parameters.
        InvalidRequestError => "invalid_request_error",
    }
}

/// An error calling Fintoc's API.
///
/// ```
/// use fintoc_wasm::server::ClientError;
/// let e = ClientError::Http { status: 502, body_excerpt: "<html>".into() };
/// assert!(e.is_retryable());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The key is not a secret key.
    #[error(
        "the Fintoc client needs a secret key (sk_test_… or sk_live_…); public keys (pk_…) belong in the browser"
    )]
    InvalidSecretKey,
    /// The request was refused before it was sent (nothing reached Fintoc): a parameter this
    /// crate can check, such as `customer` with `customer_data`, or an `expires_at` too soon.
    #[error("invalid `{param}`, not sent to Fintoc: {message}")]
    InvalidRequest {
        /// The parameter, as Fintoc names it.
        param: &'static str,
        /// What is wrong and what to do.
        message: String,
    },
    /// Fintoc answered with its error object.
    #[error("Fintoc API error {status} ({error_type}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: u16,
        /// `error.type`.
        error_type: ApiErrorType,
        /// `error.code`, e.g. `missing_parameter`.
        code: Option<String>,
        /// `error.message`.
        message: String,
        /// `error.param`: which parameter was wrong.
        param: Option<String>,
        /// `error.doc_url`.
        doc_url: Option<String>,
    },
    /// A non-2xx answer without Fintoc's error object (a proxy's 502 page, say).
    #[error("Fintoc answered HTTP {status} without an error object (body: `{body_excerpt}`)")]
    Http {
        /// HTTP status.
        status: u16,
        /// The first characters of the body.
        body_excerpt: String,
    },
    /// No answer (DNS, TLS, timeout, connection reset).
    #[error("could not reach Fintoc: {0}")]
    Network(String),
    /// A 2xx answer this crate could not read.
    #[error("unexpected response from Fintoc: {0}")]
    Decode(String),
}

impl ClientError {
    /// True when the same request may succeed later: network errors, 429 and 5xx. What
    /// [`RetryPolicy`](super::RetryPolicy) retries — except a 5xx from Fintoc to a POST, which
    /// Fintoc replays for its idempotency key (ask again with a new key, after checking what was
    /// made; see [`RetryPolicy`](super::RetryPolicy)).
    ///
    /// ```
    /// use fintoc_wasm::server::ClientError;
    /// assert!(ClientError::Http { status: 503, body_excerpt: String::new() }.is_retryable());
    /// assert!(!ClientError::InvalidSecretKey.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Api { status, .. } | ClientError::Http { status, .. } => {
                *status == 429 || *status >= 500
            }
            _ => false,
        }
    }
}

/// Maps a non-2xx answer to [`ClientError`] (Fintoc's `{"error":{…}}` when present).
pub(crate) fn error_from(status: u16, body: &[u8]) -> ClientError {
    #[derive(Deserialize)]
    struct Envelope {
        error: ErrorObject,
    }
    #[derive(Deserialize)]
    struct ErrorObject {
        #[serde(rename = "type", default)]
        error_type: Option<String>,
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        param: Option<String>,
        #[serde(default)]
        doc_url: Option<String>,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope { error }) => ClientError::Api {
            status,
            error_type: ApiErrorType::from(error.error_type.as_deref().unwrap_or("api_error")),
            code: error.code,
            message: error.message.unwrap_or_default(),
            param: error.param,
            doc_url: error.doc_url,
        },
        Err(_) => ClientError::Http {
            status,
            body_excerpt: excerpt(&String::from_utf8_lossy(body), 200),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fintocs_error_object_and_other_bodies() {
        let api = error_from(
            400,
            br#"{"error":{"type":"invalid_request_error","code":"missing_parameter","message":"Missing required param: amount.","param":"amount","doc_url":"https://docs.fintoc.com/reference/errors"}}"#,
        );
        assert_eq!(
            api,
            ClientError::Api {
                status: 400,
                error_type: ApiErrorType::InvalidRequestError,
                code: Some("missing_parameter".into()),
                message: "Missing required param: amount.".into(),
                param: Some("amount".into()),
                doc_url: Some("https://docs.fintoc.com/reference/errors".into()),
            }
        );
        assert_eq!(
            api.to_string(),
            "Fintoc API error 400 (invalid_request_error, missing_parameter): Missing required param: amount."
        );
        assert_eq!(
            error_from(502, b"<html>Bad Gateway</html>"),
            ClientError::Http {
                status: 502,
                body_excerpt: "<html>Bad Gateway</html>".into()
            }
        );
        assert!(error_from(429, b"").is_retryable());
        assert!(!error_from(409, b"").is_retryable());
    }
}
