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
//! let own = SessionSource::from_fn(|| async {
//!     // your GraphQL call, your own HTTP client, a bearer token…
//!     let token = SessionToken::new("cs_3_sec_4")?;
//!     Ok::<_, fintoc_wasm::error::SessionError>(token)
//! });
//! assert_ne!(from_backend, fixed);
//! assert_eq!(own.clone(), own); // the same function (clones share identity)
//! # Ok::<(), fintoc_wasm::error::OptionsError>(())
//! ```

mod endpoint;
mod response;
mod token;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

pub use endpoint::{CredentialsMode, HttpMethod, SessionEndpoint};
pub use response::{parse_session_response, SessionResponse};
pub use token::{SessionToken, SESSION_TOKEN_LIFETIME, STALE_MARGIN};

pub(crate) use token::Redacted;

use crate::error::SessionError;

type SessionFuture = Pin<Box<dyn Future<Output = Result<SessionResponse, SessionError>>>>;

/// Where a checkout gets its session token. Every source is asked again when its token goes
/// stale, except a fixed token, which then fails with [`SessionError::Expired`].
///
/// Identity (which decides whether a changed config recreates the widget): an endpoint by its
/// URL, method, body, headers, credentials and timeout; a token by its string; a function by the
/// function value — clones share it, so build it once (in Yew, `use_memo`) rather than on every
/// render.
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
    /// `redirect_url` for the hosted-page fallback); failures are
    /// [`SessionError::custom`]. Called again whenever the token goes stale, like an endpoint.
    pub fn from_fn<F, Fut, R>(f: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<R, SessionError>> + 'static,
        R: Into<SessionResponse>,
    {
        SessionSource::Fn(SessionFn(Rc::new(move || {
            let future = f();
            Box::pin(async move { future.await.map(Into::into) })
        })))
    }

    /// Gets a session: fetches from the endpoint, calls the shop's function, or checks that the
    /// fixed token is not stale.
    ///
    /// # Errors
    /// As [`SessionEndpoint::fetch`]; [`SessionError::Expired`] for a stale token.
    pub async fn get(&self) -> Result<SessionResponse, SessionError> {
        let response = match self {
            SessionSource::Endpoint(e) => e.fetch().await?,
            SessionSource::Token(t) => SessionResponse::from(t.clone()),
            SessionSource::Fn(f) => (f.0)().await?,
        };
        if response.token.is_stale() {
            return Err(SessionError::Expired);
        }
        Ok(response)
    }
}

impl fmt::Debug for SessionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionSource::Endpoint(e) => f.debug_tuple("Endpoint").field(e).finish(),
            SessionSource::Token(t) => f.debug_tuple("Token").field(t).finish(),
            SessionSource::Fn(_) => f.write_str("Fn(..)"),
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

/// The shop's session function inside a [`SessionSource::Fn`]; equal only to its clones.
#[derive(Clone)]
pub struct SessionFn(Rc<dyn Fn() -> SessionFuture>);

impl PartialEq for SessionFn {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::addr_eq(Rc::as_ptr(&self.0), Rc::as_ptr(&other.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn a_fixed_source_does_not_fetch_and_refuses_stale_tokens() {
        let fresh = SessionSource::from(SessionToken::new("cs_1").unwrap());
        assert_eq!(block_on(fresh.get()).unwrap().token.as_str(), "cs_1");
        let stale = SessionSource::from(SessionToken::fetched_at("cs_1", 0.0).unwrap());
        assert_eq!(block_on(stale.get()), Err(SessionError::Expired));
    }

    #[test]
    fn a_function_source_is_called_each_time_and_equal_only_to_its_clones() {
        let calls = Rc::new(std::cell::Cell::new(0));
        let source = SessionSource::from_fn({
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
        let other =
            SessionSource::from_fn(|| async { Err::<SessionToken, _>(SessionError::custom("no")) });
        assert_ne!(source, other);
        assert_eq!(block_on(other.get()), Err(SessionError::custom("no")));
    }

    #[test]
    fn sources_compare_by_token_string_not_build_time() {
        let a = SessionSource::from(SessionToken::fetched_at("cs_1", 1.0).unwrap());
        let b = SessionSource::from(SessionToken::fetched_at("cs_1", 2.0).unwrap());
        assert_eq!(a, b);
    }
}
