//! [`FintocClient`]: Fintoc's API with the merchant's **secret** key (server only). The
//! endpoints live beside their objects (`checkout_session.rs`, `refund.rs`, …); this file holds
//! the client, its settings and the one function that talks to Fintoc.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;

use super::error::{error_from, ClientError};
use super::retry::{jitter_sample, parse_retry_after, RetryPolicy};

/// Fintoc's API.
pub const DEFAULT_API_BASE: &str = "https://api.fintoc.com";

/// A client for Fintoc's API.
///
/// Sends `Authorization: <secret key>` (no "Bearer", as Fintoc's docs show), an
/// `Idempotency-Key` on every POST (a random UUID unless you give one, or a deterministic one
/// for refunds), and `Fintoc-Version` when set. Fintoc's error object becomes
/// [`ClientError::Api`]. Retries are opt-in: [`with_retries`](Self::with_retries).
/// `Debug` shows only the key's prefix.
///
/// ```no_run
/// use fintoc_wasm::{Amount, Currency};
/// use fintoc_wasm::server::{CheckoutSessionCreate, FintocClient, RetryPolicy};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let fintoc = FintocClient::new(std::env::var("FINTOC_SECRET_KEY")?)?
///     .with_retries(RetryPolicy::default());
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
    retry: Option<RetryPolicy>,
}

impl fmt::Debug for FintocClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.secret_key.get(..8).unwrap_or_default();
        f.debug_struct("FintocClient")
            .field("secret_key", &format_args!("{shown}…"))
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("retry", &self.retry)
            .finish()
    }
}

impl FintocClient {
    /// A client for `https://api.fintoc.com` with a 30 s timeout per request, no retries.
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
            retry: None,
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

    /// Sends `Fintoc-Version: <version>` (e.g. `2026-02-01`) with every request. (The `/v2`
    /// endpoints are always sent at least `2026-02-01`, which they need.)
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

    /// Retries network errors, 429 and 5xx by `policy`, always with the request's own
    /// idempotency key (see [`RetryPolicy`]). Waiting needs a Tokio runtime with its timer (as
    /// `#[tokio::main]` builds).
    ///
    /// ```
    /// # use fintoc_wasm::server::{FintocClient, RetryPolicy};
    /// let patient = FintocClient::new("sk_test_123")?.with_retries(RetryPolicy::default());
    /// # Ok::<(), fintoc_wasm::server::ClientError>(())
    /// ```
    pub fn with_retries(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
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

    /// `{base}{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// `link` (absolute, or a path) as a URL on the client's origin; refused when it points
    /// anywhere else, since every request carries the secret key.
    pub(crate) fn same_origin(&self, link: &str) -> Result<String, ClientError> {
        let ours = origin(&self.base_url);
        if link.starts_with('/') && !link.starts_with("//") {
            return Ok(format!("{ours}{link}"));
        }
        if origin(link) == ours && !ours.is_empty() {
            Ok(link.to_owned())
        } else {
            Err(ClientError::Decode(format!(
                "the next page's link `{}` is not on {ours}: not followed (the request would carry the secret key)",
                crate::error::excerpt(link, 120)
            )))
        }
    }

    /// Whether the client is pinned to `version` or a later one.
    pub(crate) fn pinned_at_least(&self, version: &str) -> bool {
        self.api_version.as_deref() >= Some(version)
    }

    /// `Fintoc-Version` for a request to an endpoint that needs at least `minimum`: the
    /// client's pinned version if it is recent enough, else `minimum`.
    fn version(&self, minimum: Option<&str>) -> Option<String> {
        match (self.api_version.as_deref(), minimum) {
            (Some(pinned), Some(min)) if pinned < min => Some(min.to_owned()),
            (Some(pinned), _) => Some(pinned.to_owned()),
            (None, min) => min.map(str::to_owned),
        }
    }

    /// Sends a request and decodes its 2xx JSON answer.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        idempotency_key: Option<&str>,
        min_version: Option<&'static str>,
    ) -> Result<T, ClientError> {
        let (_, bytes) = self
            .execute(method, &self.url(path), body, idempotency_key, min_version)
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// The one function that talks to Fintoc: sends the request (the same one, with the same
    /// idempotency key, on every try), retries by the client's policy, and returns a 2xx
    /// answer's headers and body, or the error.
    pub(crate) async fn execute(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
        idempotency_key: Option<&str>,
        min_version: Option<&'static str>,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>), ClientError> {
        let version = self.version(min_version);
        let mut retry = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), url)
                .header("Authorization", &self.secret_key)
                .header("Accept", "application/json");
            if let Some(version) = &version {
                request = request.header("Fintoc-Version", version);
            }
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let (error, retry_after) = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(bytes) if (200..300).contains(&status) => {
                            return Ok((headers, bytes.to_vec()))
                        }
                        Ok(bytes) => {
                            let retry_after = headers
                                .get(reqwest::header::RETRY_AFTER)
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| parse_retry_after(v, SystemTime::now()));
                            (error_from(status, &bytes), retry_after)
                        }
                        Err(e) => (ClientError::Network(e.to_string()), None),
                    }
                }
                Err(e) => (ClientError::Network(e.to_string()), None),
            };
            let wait = match &self.retry {
                // Fintoc stores a key's first answer, a 5xx included, and replays it: asked again
                // with the same key, its own 5xx (with its error object) comes back for as long
                // as it keeps the key. Returned at once; the caller looks up what was made, then
                // asks with a new key (see `RetryPolicy`).
                Some(_)
                    if idempotency_key.is_some()
                        && matches!(error, ClientError::Api { status, .. } if status >= 500) =>
                {
                    None
                }
                Some(policy) if error.is_retryable() => {
                    policy.delay(retry, retry_after, jitter_sample())
                }
                _ => None,
            };
            let Some(wait) = wait else {
                return Err(error);
            };
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }
}

/// `scheme://host[:port]` of a URL (empty when it has no `scheme://`).
fn origin(url: &str) -> &str {
    let Some(scheme_end) = url.find("://") else {
        return "";
    };
    let host_start = scheme_end + 3;
    let end = url
        .get(host_start..)
        .and_then(|rest| rest.find(['/', '?', '#']))
        .map_or(url.len(), |i| host_start + i);
    url.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_versions_and_origins() {
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

        assert_eq!(client.version(None), None);
        assert_eq!(
            client.version(Some("2026-02-01")).as_deref(),
            Some("2026-02-01")
        );
        let old = client.clone().with_api_version("2023-11-15");
        assert_eq!(old.version(None).as_deref(), Some("2023-11-15"));
        assert_eq!(
            old.version(Some("2026-02-01")).as_deref(),
            Some("2026-02-01")
        );
        let newer = client.clone().with_api_version("2027-01-01");
        assert_eq!(
            newer.version(Some("2026-02-01")).as_deref(),
            Some("2027-01-01")
        );

        let local = client.with_base_url("http://127.0.0.1:4010/sandbox/api/");
        assert_eq!(
            local.same_origin("/sandbox/api/v1/refunds?page=2").unwrap(),
            "http://127.0.0.1:4010/sandbox/api/v1/refunds?page=2"
        );
        assert_eq!(
            local
                .same_origin("http://127.0.0.1:4010/v1/x?page=2")
                .unwrap(),
            "http://127.0.0.1:4010/v1/x?page=2"
        );
        for elsewhere in [
            "https://evil.example/v1/x",
            "http://127.0.0.1:4011/v1/x",
            "//evil.example/v1",
            "http://127.0.0.1:4010.evil.example/v1",
            "v1/x",
        ] {
            assert!(local.same_origin(elsewhere).is_err(), "{elsewhere}");
        }
        assert_eq!(origin("https://api.fintoc.com"), "https://api.fintoc.com");
        assert_eq!(
            origin("https://api.fintoc.com?x=/"),
            "https://api.fintoc.com"
        );
    }
}
