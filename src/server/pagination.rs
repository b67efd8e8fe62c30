//! [`Pages`]: Fintoc's lists, a page at a time, following the RFC 8288 `Link: <…>; rel="next"`
//! header (`/v1` page numbers, `/v2` `starting_after` cursors;
//! <https://docs.fintoc.com/api/fintoc-api/pagination>).

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use super::client::FintocClient;
use super::error::ClientError;

/// The pages of a list (30 items each, by Fintoc's default): call
/// [`next_page`](Self::next_page) until it returns `None`. Each page is one request, with the
/// client's retries; after an error, calling it again asks for the same page. A `next` link to
/// another origin than the client's is refused (the secret key goes only to Fintoc).
///
/// ```no_run
/// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
/// let mut pages = client.list_checkout_sessions();
/// while let Some(sessions) = pages.next_page().await? {
///     for session in sessions {
///         println!("{} {}", session.id, session.status);
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Pages<T> {
    client: FintocClient,
    /// The next page's URL; `None` once the last page was read.
    next: Option<String>,
    /// `Fintoc-Version` for every page (`/v2` lists need ≥ 2026-02-01).
    version: Option<&'static str>,
    /// The pages read: a `next` link back to one of them is a loop, refused.
    read: std::collections::HashSet<String>,
    /// Such a link, reported by the call after the page that held it.
    looped: Option<String>,
    items: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("next", &self.next)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> Pages<T> {
    pub(crate) fn new(client: &FintocClient, first: String, version: Option<&'static str>) -> Self {
        Pages {
            client: client.clone(),
            next: Some(first),
            version,
            read: std::collections::HashSet::new(),
            looped: None,
            items: PhantomData,
        }
    }

    /// The next page's items; `None` after the last page.
    ///
    /// # Errors
    /// [`ClientError`]: the request failed (call again to retry the same page), the body was
    /// not a list of the items, the `next` link pointed to another origin, or (the call after
    /// that page) back to a page already read: a loop, the list ends there.
    ///
    /// ```no_run
    /// # async fn run(client: fintoc_wasm::server::FintocClient) -> Result<(), fintoc_wasm::server::ClientError> {
    /// let first_page = client.list_refunds().next_page().await?.unwrap_or_default();
    /// # Ok(()) }
    /// ```
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, ClientError> {
        if let Some(link) = self.looped.take() {
            return Err(ClientError::Decode(format!(
                "the list's `next` link points back to a page already read ({link}): stopped \
                 there rather than loop; the list may be incomplete"
            )));
        }
        let Some(url) = self.next.clone() else {
            return Ok(None);
        };
        let (headers, body) = self
            .client
            .execute(reqwest::Method::GET, &url, None, None, self.version)
            .await?;
        let items = read_items(&body)?;
        let links = headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok());
        let next = match next_link(links) {
            Some(link) => Some(self.client.same_origin(&link)?),
            None => None,
        };
        self.read.insert(url);
        match next {
            Some(link) if self.read.contains(&link) => {
                self.next = None;
                self.looped = Some(link);
            }
            next => self.next = next,
        }
        Ok(Some(items))
    }
}

/// A page's body: a JSON array (Fintoc's lists), or an object holding it in `data`.
fn read_items<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, ClientError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ClientError::Decode(e.to_string()))?;
    let list = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut o) => match o.remove("data") {
            Some(serde_json::Value::Array(items)) => items,
            _ => {
                return Err(ClientError::Decode(
                    "a list page is not a JSON array".into(),
                ))
            }
        },
        _ => {
            return Err(ClientError::Decode(
                "a list page is not a JSON array".into(),
            ))
        }
    };
    list.into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item).map_err(|e| ClientError::Decode(format!("item {i}: {e}")))
        })
        .collect()
}

/// The target of the first `rel="next"` link in RFC 8288 `Link` header values
/// (`<url>; rel="next", <url>; rel="last"`; `rel` may list several types).
pub(crate) fn next_link<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<String> {
    for value in values {
        let mut rest = value;
        while let Some(open) = rest.find('<') {
            let after = rest.get(open + 1..)?;
            let close = after.find('>')?;
            let target = after.get(..close)?;
            let params_and_more = after.get(close + 1..)?;
            // This link's parameters run to the next `<` (a URL cannot contain a bare `<`).
            let end = params_and_more.find('<').unwrap_or(params_and_more.len());
            // Less the `,` that separates it from the next link.
            let params = params_and_more.get(..end)?.trim_end().trim_end_matches(',');
            let is_next = params.split(';').any(|param| {
                param.split_once('=').is_some_and(|(name, value)| {
                    name.trim().eq_ignore_ascii_case("rel")
                        && value
                            .trim()
                            .trim_matches('"')
                            .split_ascii_whitespace()
                            .any(|rel| rel.eq_ignore_ascii_case("next"))
                })
            });
            if is_next {
                return Some(target.trim().to_owned());
            }
            rest = params_and_more.get(end..)?;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_link() {
        let v1 = r#"<https://api.fintoc.com/v1/refunds?page=2>; rel="next", <https://api.fintoc.com/v1/refunds?page=9>; rel="last""#;
        assert_eq!(
            next_link([v1]).as_deref(),
            Some("https://api.fintoc.com/v1/refunds?page=2")
        );
        let reversed =
            r#"<https://x/last>; rel="last", <https://x/next?starting_after=cs_1>; rel="next""#;
        assert_eq!(
            next_link([reversed]).as_deref(),
            Some("https://x/next?starting_after=cs_1")
        );
        assert_eq!(
            next_link([
                "<https://x/a>; rel=last",
                "</v2/x?starting_after=a>; REL=\"prev next\""
            ])
            .as_deref(),
            Some("/v2/x?starting_after=a")
        );
        for none in [
            "",
            r#"<https://x/a>; rel="last""#,
            "garbage",
            "<unclosed; rel=next",
        ] {
            assert_eq!(next_link([none]), None, "{none}");
        }
        assert_eq!(next_link(Vec::<&str>::new()), None);
    }

    #[test]
    fn pages_are_arrays_of_items() {
        let ok: Vec<u32> = read_items(b"[1,2]").unwrap();
        assert_eq!(ok, [1, 2]);
        let wrapped: Vec<u32> = read_items(br#"{"data":[3]}"#).unwrap();
        assert_eq!(wrapped, [3]);
        for bad in [&b"{}"[..], b"1", b"nope", b"[\"x\"]"] {
            assert!(matches!(
                read_items::<u32>(bad),
                Err(ClientError::Decode(_))
            ));
        }
    }
}
