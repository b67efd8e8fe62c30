//! Where the session token comes from: the merchant backend ([`SessionEndpoint`]), a token the
//! page already has ([`SessionToken`]), or the shop's own async code
//! ([`SessionSource::from_fn`]).
//!
//! The backend creates the Checkout Session with its **secret** key and hands the browser only
//! the `session_token` (and, for the hosted page, `redirect_url`).
//!
//! ```
//! use fintoc_wasm::session::{parse_session_response, SessionResponse};
//! use fintoc_wasm::{SessionEndpoint, SessionSource, SessionToken};
//!
//! let from_backend: SessionSource = SessionEndpoint::new("/api/checkout").json(&[1, 2]).into();
//! let fixed: SessionSource = SessionToken::new("cs_1_sec_2")?.into();
//! let own = SessionSource::from_fn("cart-42", || async {
//!     // your GraphQL call, your own HTTP client, a bearer token…
//!     let token = SessionToken::new("cs_3_sec_4")?;
//!     Ok::<_, fintoc_wasm::error::SessionError>(token)
//! });
//! assert_ne!(from_backend, fixed);
//! // Identity is the key: the same function rebuilt on every render is the same source (the
//! // widget stays), though not an equal value (the newer closure is the one used next).
//! let rebuilt = SessionSource::from_fn("cart-42", || async {
//!     SessionToken::new("cs_3_sec_4").map_err(Into::into)
//! });
//! assert!(own.same_identity(&rebuilt));
//! assert_ne!(own, rebuilt);
//! # Ok::<(), fintoc_wasm::error::OptionsError>(())
//! ```

use crate::prelude::*;
pub(crate) mod endpoint;
mod response;
pub(crate) mod token;

use alloc::rc::Rc;
use core::fmt;
use core::future::Future;
use core::pin::Pin;

pub use endpoint::{CredentialsMode, HttpMethod, SessionEndpoint};
pub use response::{parse_session_response, SessionResponse};
pub use token::{SessionToken, SESSION_TOKEN_LIFETIME};

pub(crate) use token::Redacted;

use crate::error::SessionError;

type SessionFuture = Pin<Box<dyn Future<Output = Result<SessionResponse, SessionError>>>>;

/// Where a checkout gets its session token. Every source is asked again when its token goes
/// stale, except a fixed token, which then fails with [`SessionError::Expired`].
///
/// Identity ([`same_identity`](Self::same_identity), which decides whether a changed config
/// recreates the widget): an endpoint by its URL, method, body, headers, credentials and
/// timeout; a token by its string; a function by the key given with it, so a page that rebuilds
/// the closure on every render keeps its widget. `==` is stricter for functions: the same key
/// *and* the same closure, so a UI framework that compares props sees the rebuilt closure, and
/// the checkout asks the newest one for the next token.
///
/// ```no_run
/// use fintoc_wasm::{SessionEndpoint, SessionSource};
/// # async fn run() -> Result<(), fintoc_wasm::error::SessionError> {
/// let response = SessionSource::from(SessionEndpoint::new("/api/checkout")).get().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionSource {
    /// Fetch from the merchant backend.
    Endpoint(SessionEndpoint),
    /// A token obtained elsewhere (server-rendered into the page, say). It cannot be refreshed:
    /// once stale, the checkout fails with [`SessionError::Expired`].
    Token(SessionToken),
    /// The shop's own async function (see [`SessionSource::from_fn`]).
    Fn(SessionFn),
}

impl SessionSource {
    /// `SessionSource::Endpoint(SessionEndpoint::new(url))`, for a plain `POST` with no body.
    pub fn endpoint(url: impl Into<String>) -> Self {
        SessionSource::Endpoint(SessionEndpoint::new(url))
    }

    /// `SessionSource::Token(token)`: a token the page already has.
    pub fn token(token: SessionToken) -> Self {
        SessionSource::Token(token)
    }

    /// The shop's own code gets the session: for a backend behind a bearer token, GraphQL, or
    /// its own HTTP client. It returns a [`SessionToken`] or a full [`SessionResponse`] (with
    /// `redirect_url` for the hosted-page fallback); failures are [`SessionError::custom`].
    /// Called again whenever the token goes stale, like an endpoint.
    ///
    /// `key` names what the session is for (the cart, the order): the source's identity. A new
    /// key is a new purchase (the widget is recreated); the same key with a rebuilt closure —
    /// as a re-rendering component makes — is the same source, and its newest closure is the
    /// one called for the next token (a rotated bearer token, the current cart).
    pub fn from_fn<F, Fut, R>(key: impl Into<String>, f: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<R, SessionError>> + 'static,
        R: Into<SessionResponse>,
    {
        SessionSource::Fn(SessionFn {
            key: key.into(),
            f: Rc::new(move || {
                let future = f();
                Box::pin(async move { future.await.map(Into::into) })
            }),
        })
    }

    /// True when `other` is the same source for the widget (see the type's docs): a function
    /// source is identified by its key alone.
    ///
    /// ```
    /// use fintoc_wasm::{SessionSource, SessionToken};
    /// let a = SessionSource::from_fn("cart-1", || async { SessionToken::new("cs_1").map_err(Into::into) });
    /// let b = SessionSource::from_fn("cart-1", || async { SessionToken::new("cs_2").map_err(Into::into) });
    /// assert!(a.same_identity(&b));
    /// assert!(!a.same_identity(&SessionSource::endpoint("/api/checkout")));
    /// ```
    pub fn same_identity(&self, other: &SessionSource) -> bool {
        match (self, other) {
            (SessionSource::Fn(a), SessionSource::Fn(b)) => a.key == b.key,
            (a, b) => a == b,
        }
    }

    /// Gets a session: fetches from the endpoint, calls the shop's function, or checks that the
    /// fixed token is not stale. A token just fetched is never refused for its age (the
    /// browser's clock may run ahead of the server's): Fintoc itself is the judge.
    ///
    /// # Errors
    /// As [`SessionEndpoint::fetch`]; [`SessionError::Expired`] for a stale fixed token.
    pub async fn get(&self) -> Result<SessionResponse, SessionError> {
        match self {
            SessionSource::Endpoint(e) => e.fetch().await,
            SessionSource::Token(t) if t.is_stale() => Err(SessionError::Expired),
            SessionSource::Token(t) => Ok(SessionResponse::from(t.clone())),
            SessionSource::Fn(f) => (f.f)().await,
        }
    }
}

impl fmt::Debug for SessionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionSource::Endpoint(e) => f.debug_tuple("Endpoint").field(e).finish(),
            SessionSource::Token(t) => f.debug_tuple("Token").field(t).finish(),
            SessionSource::Fn(s) => f.debug_tuple("Fn").field(&s.key).finish(),
        }
    }
}

impl From<SessionEndpoint> for SessionSource {
    fn from(e: SessionEndpoint) -> Self {
        SessionSource::Endpoint(e)
    }
}

impl From<SessionToken> for SessionSource {
    fn from(t: SessionToken) -> Self {
        SessionSource::Token(t)
    }
}

/// The shop's session function inside a [`SessionSource::Fn`], with the key that is its
/// identity.
#[derive(Clone)]
pub struct SessionFn {
    key: String,
    f: Rc<dyn Fn() -> SessionFuture>,
}

impl SessionFn {
    /// The key given to [`SessionSource::from_fn`].
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// The same key and the same closure (see [`SessionSource::same_identity`] for the key alone).
impl PartialEq for SessionFn {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && Rc::ptr_eq(&self.f, &other.f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn a_fetched_token_is_never_refused_for_its_age() {
        let old = SessionToken::fetched_at("cs_old", 0.0).unwrap();
        let source = SessionSource::from_fn("k", move || {
            let old = old.clone();
            async move { Ok::<_, SessionError>(old) }
        });
        assert!(block_on(source.get()).is_ok());
    }

    #[test]
    fn a_fixed_source_does_not_fetch_and_refuses_stale_tokens() {
        let fresh = SessionSource::from(SessionToken::new("cs_1").unwrap());
        assert_eq!(block_on(fresh.get()).unwrap().token.as_str(), "cs_1");
        let stale = SessionSource::from(SessionToken::fetched_at("cs_1", 0.0).unwrap());
        assert_eq!(block_on(stale.get()), Err(SessionError::Expired));
    }

    #[test]
    fn a_function_source_is_called_each_time_and_identified_by_its_key() {
        let calls = Rc::new(core::cell::Cell::new(0));
        let source = SessionSource::from_fn("cart-1", {
            let calls = calls.clone();
            move || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move { SessionToken::new(format!("cs_{n}")).map_err(Into::into) }
            }
        });
        assert_eq!(block_on(source.get()).unwrap().token.as_str(), "cs_1");
        assert_eq!(block_on(source.get()).unwrap().token.as_str(), "cs_2");
        assert_eq!(source.clone(), source);
        let same_key = SessionSource::from_fn("cart-1", || async {
            Err::<SessionToken, _>(SessionError::custom("no"))
        });
        assert!(
            source.same_identity(&same_key),
            "a rebuilt closure with the same key"
        );
        assert_ne!(source, same_key, "…but not the same closure");
        let other = SessionSource::from_fn("cart-2", || async {
            Err::<SessionToken, _>(SessionError::custom("no"))
        });
        assert_ne!(source, other);
        assert!(!source.same_identity(&other));
        assert_eq!(block_on(other.get()), Err(SessionError::custom("no")));
    }

    #[test]
    fn sources_compare_by_token_string_not_build_time() {
        let a = SessionSource::from(SessionToken::fetched_at("cs_1", 1.0).unwrap());
        let b = SessionSource::from(SessionToken::fetched_at("cs_1", 2.0).unwrap());
        assert_eq!(a, b);
    }
}
