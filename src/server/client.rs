//! `FintocClient`: the Checkout Session API with the merchant's **secret** key (server only).

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::types::{ApiErrorType, CheckoutSession, CheckoutSessionCreate, PaymentIntent};
use crate::error::excerpt;

/// Fintoc's API.
pub const DEFAULT_API_BASE: &str = "https://api.fintoc.com";

/// An error calling Fintoc's API.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The key is not a secret key.
    #[error(
        "the Fintoc client needs a secret key (sk_test_… or sk_live_…); public keys (pk_…) belong in the browser"
    )]
    InvalidSecretKey,
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
    /// True when retrying the same request (same idempotency key) may succeed: network errors,
    /// 429 and 5xx.
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

/// A client for Fintoc's API.
///
/// Sends `Authorization: <secret key>` (no "Bearer", as Fintoc's docs show), an
/// `Idempotency-Key` on every POST (a random UUID unless you give one), and `Fintoc-Version` when
/// set. Fintoc's error object becomes [`ClientError::Api`].
///
/// ```no_run
/// use fintoc_wasm::{Amount, Currency};
/// use fintoc_wasm::server::{CheckoutSessionCreate, FintocClient};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let fintoc = FintocClient::new(std::env::var("FINTOC_SECRET_KEY")?)?;
/// let session = fintoc
///     .create_checkout_session(
///         &CheckoutSessionCreate::new(Amount::new(12_990, Currency::Clp)?).metadata("order_id", "ord_42"),
///     )
///     .await?;
/// // Give the browser only this:
/// let token = session.session_token;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FintocClient {
    http: reqwest::Client,
    secret_key: String,
    base_url: String,
    api_version: Option<String>,
}

impl fmt::Debug for FintocClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FintocClient")
            .field(
                "secret_key",
                &format!("{}…", &self.secret_key[..8.min(self.secret_key.len())]),
            )
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .finish()
    }
}

impl FintocClient {
    /// A client for `https://api.fintoc.com` with a 30 s timeout.
    ///
    /// # Errors
    /// [`ClientError::InvalidSecretKey`] unless the key starts with `sk_test_`/`sk_live_`.
    ///
    /// ```
    /// use fintoc_wasm::server::{ClientError, FintocClient};
    /// let client = FintocClient::new("sk_test_123")?;
    /// assert!(!client.is_live());
    /// assert!(matches!(FintocClient::new("pk_test_123"), Err(ClientError::InvalidSecretKey)));
    /// # Ok::<(), ClientError>(())
    /// ```
    pub fn new(secret_key: impl Into<String>) -> Result<Self, ClientError> {
        let secret_key = secret_key.into().trim().to_owned();
        let valid = ["sk_test_", "sk_live_"]
            .iter()
            .any(|p| secret_key.len() > p.len() && secret_key.starts_with(p));
        if !valid {
            return Err(ClientError::InvalidSecretKey);
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("fintoc-wasm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok(FintocClient {
            http,
            secret_key,
            base_url: DEFAULT_API_BASE.to_owned(),
            api_version: None,
        })
    }

    /// Another API base URL (a mock, or a local sandbox).
    ///
    /// ```
    /// # use fintoc_wasm::server::FintocClient;
    /// let mock = FintocClient::new("sk_test_123")?.with_base_url("http://127.0.0.1:4010");
    /// # Ok::<(), fintoc_wasm::server::ClientError>(())
    /// ```
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Sends `Fintoc-Version: <version>` (e.g. `2026-02-01`) with every request.
    ///
    /// ```
    /// # use fintoc_wasm::server::FintocClient;
    /// let pinned = FintocClient::new("sk_test_123")?.with_api_version("2026-02-01");
    /// # Ok::<(), fintoc_wasm::server::ClientError>(())
    /// ```
    pub fn with_api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// Uses your own `reqwest::Client` (proxies, timeouts).
    ///
    /// ```
    /// # use fintoc_wasm::server::FintocClient;
    /// let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().unwrap();
    /// let client = FintocClient::new("sk_test_123")?.with_http_client(http);
    /// # Ok::<(), fintoc_wasm::server::ClientError>(())
    /// ```
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// True for `sk_live_` keys.
    ///
    /// ```
    /// # use fintoc_wasm::server::FintocClient;
    /// assert!(FintocClient::new("sk_live_123")?.is_live());
    /// # Ok::<(), fintoc_wasm::server::ClientError>(())
    /// ```
    pub fn is_live(&self) -> bool {
        self.secret_key.starts_with("sk_live_")
    }

    /// `POST /v1/checkout_sessions` with a fresh idempotency key.
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use fintoc_wasm::{Amount, Currency};
    /// use fintoc_wasm::server::CheckoutSessionCreate;
    /// let session = client
    ///     .create_checkout_session(&CheckoutSessionCreate::new(Amount::new(5_000, Currency::Clp)?))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_checkout_session(
        &self,
        create: &CheckoutSessionCreate,
    ) -> Result<CheckoutSession, ClientError> {
        let key = uuid::Uuid::new_v4().to_string();
        self.create_checkout_session_with_key(create, &key).await
    }

    /// `POST /v1/checkout_sessions` with your idempotency key (retries with the same key never
    /// create a second session).
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use fintoc_wasm::{Amount, Currency};
    /// use fintoc_wasm::server::CheckoutSessionCreate;
    /// let create = CheckoutSessionCreate::new(Amount::new(5_000, Currency::Clp)?);
    /// // The order id as key: a retried request returns the same session.
    /// let session = client.create_checkout_session_with_key(&create, "ord_42").await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_checkout_session_with_key(
        &self,
        create: &CheckoutSessionCreate,
        idempotency_key: &str,
    ) -> Result<CheckoutSession, ClientError> {
        let mut body =
            serde_json::to_value(create).map_err(|e| ClientError::Decode(e.to_string()))?;
        if let (Some(account), Some(object)) = (&create.recipient_account, body.as_object_mut()) {
            let shape = if self.api_version.as_deref() >= Some("2026-02-01") {
                "bank_transfer"
            } else {
                "payment_intent"
            };
            object.insert(
                "payment_method_options".into(),
                serde_json::json!({ shape: { "recipient_account": account } }),
            );
        }
        self.send(
            self.request(reqwest::Method::POST, "/v1/checkout_sessions")
                .header("Idempotency-Key", idempotency_key)
                .json(&body),
        )
        .await
    }

    /// `GET /v1/checkout_sessions/{id}`.
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let session = client.get_checkout_session("cs_li5531onlFDi235").await?;
    /// if session.is_paid() { /* fulfil */ }
    /// # Ok(()) }
    /// ```
    pub async fn get_checkout_session(&self, id: &str) -> Result<CheckoutSession, ClientError> {
        let path = format!("/v1/checkout_sessions/{}", path_segment(id)?);
        self.send(self.request(reqwest::Method::GET, &path)).await
    }

    /// `POST /v1/checkout_sessions/{id}/expire`.
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let expired = client.expire_checkout_session("cs_li5531onlFDi235").await?;
    /// # Ok(()) }
    /// ```
    pub async fn expire_checkout_session(&self, id: &str) -> Result<CheckoutSession, ClientError> {
        let path = format!("/v1/checkout_sessions/{}/expire", path_segment(id)?);
        let key = uuid::Uuid::new_v4().to_string();
        self.send(
            self.request(reqwest::Method::POST, &path)
                .header("Idempotency-Key", key),
        )
        .await
    }

    /// `GET /v1/payment_intents/{id}`.
    ///
    /// # Errors
    /// [`ClientError`].
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let intent = client.get_payment_intent("pi_2aBc").await?;
    /// println!("{}: {:?}", intent.status, intent.error_reason);
    /// # Ok(()) }
    /// ```
    pub async fn get_payment_intent(&self, id: &str) -> Result<PaymentIntent, ClientError> {
        let path = format!("/v1/payment_intents/{}", path_segment(id)?);
        self.send(self.request(reqwest::Method::GET, &path)).await
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .header("Authorization", &self.secret_key)
            .header("Accept", "application/json");
        if let Some(version) = &self.api_version {
            request = request.header("Fintoc-Version", version);
        }
        request
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()));
        }
        Err(error_from(status, &body))
    }
}

/// Maps a non-2xx answer to [`ClientError`] (Fintoc's `{"error":{…}}` when present).
fn error_from(status: u16, body: &[u8]) -> ClientError {
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

/// An id as one URL path segment (no `/`, `?`, `#`, `..`).
fn path_segment(id: &str) -> Result<&str, ClientError> {
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(ClientError::Decode(format!("`{id}` is not a Fintoc id")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_errors() {
        assert_eq!(
            FintocClient::new("pk_test_1").unwrap_err(),
            ClientError::InvalidSecretKey
        );
        assert_eq!(
            FintocClient::new("sk_test_").unwrap_err(),
            ClientError::InvalidSecretKey
        );
        let client = FintocClient::new(" sk_live_abcdefgh \n").unwrap();
        assert!(client.is_live());
        assert!(!format!("{client:?}").contains("abcdefgh"));

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
        assert_eq!(path_segment("cs_1-A").unwrap(), "cs_1-A");
        assert!(path_segment("../admin").is_err());
        assert!(path_segment("").is_err());
    }
}
