//! The way back from Fintoc's hosted checkout page: the `success_url` and `cancel_url` your
//! backend gives the Checkout Session, and what the page they lead to reads from its own URL.
//!
//! One shape, written by [`ReturnUrl::build`] (the server helper
//! `CheckoutSessionCreate::return_to` uses it) and read by [`ReturnUrl::parse`]:
//! `{page}?fintoc=success&order={order_id}` or `{page}?fintoc=cancel&order={order_id}`. Being
//! back on the page proves nothing: the webhook decides (confirm the order with
//! [`crate::confirm::Confirm`]).

use crate::prelude::*;
/// Which way the shopper came back from the hosted page.
///
/// ```
/// use fintoc_wasm::checkout::Returned;
/// assert_eq!(Returned::Success.as_str(), "success");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Returned {
    /// Through `success_url`: the shopper finished on Fintoc's page. Not proof of payment.
    Success,
    /// Through `cancel_url`: the shopper left Fintoc's page without paying.
    Cancel,
}

impl Returned {
    /// `success` or `cancel`, as the return URL spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Success => "success",
            Returned::Cancel => "cancel",
        }
    }
}

/// The return page's view of its own URL: which way the shopper came back, and for which
/// order.
///
/// ```
/// use fintoc_wasm::checkout::{ReturnUrl, Returned};
///
/// let back = ReturnUrl::build("https://shop.cl/cart", "ord_42", Returned::Success);
/// assert_eq!(back, "https://shop.cl/cart?fintoc=success&order=ord_42");
/// let read = ReturnUrl::parse(&back).unwrap();
/// assert_eq!(read.returned, Returned::Success);
/// assert_eq!(read.order_id.as_deref(), Some("ord_42"));
/// assert!(ReturnUrl::parse("https://shop.cl/cart").is_none(), "not a return");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReturnUrl {
    /// Which way the shopper came back.
    pub returned: Returned,
    /// The `order` parameter your backend put in the URL.
    pub order_id: Option<String>,
}

/// The query parameter that says which way the shopper came back.
pub const RETURN_PARAM: &str = "fintoc";
/// The query parameter with the order id.
pub const ORDER_PARAM: &str = "order";

impl ReturnUrl {
    /// `page` with the return parameters added (`?` or `&`, before any `#fragment`); the order
    /// id is percent-encoded.
    pub fn build(page: &str, order_id: &str, returned: Returned) -> String {
        let (base, fragment) = match page.find('#') {
            Some(at) => (page.get(..at).unwrap_or(page), page.get(at..).unwrap_or("")),
            None => (page, ""),
        };
        let join = if base.contains('?') { '&' } else { '?' };
        format!(
            "{base}{join}{RETURN_PARAM}={}&{ORDER_PARAM}={}{fragment}",
            returned.as_str(),
            encode(order_id)
        )
    }

    /// Reads a return URL (absolute, or just its query `?…`); `None` when it is not one.
    pub fn parse(url: &str) -> Option<ReturnUrl> {
        let query = url.split_once('?').map_or("", |(_, q)| q);
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        let (mut returned, mut order_id) = (None, None);
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match decode(name).as_deref() {
                Some(RETURN_PARAM) => {
                    returned = match decode(value).as_deref() {
                        Some("success") => Some(Returned::Success),
                        Some("cancel") => Some(Returned::Cancel),
                        _ => None,
                    }
                }
                Some(ORDER_PARAM) => order_id = decode(value).filter(|v| !v.is_empty()),
                _ => {}
            }
        }
        Some(ReturnUrl {
            returned: returned?,
            order_id,
        })
    }

    /// The current page's return parameters (`None` off-browser, or when this page was not
    /// reached from the hosted page).
    pub fn current() -> Option<ReturnUrl> {
        let href = crate::browser::window()?.location().href().ok()?;
        ReturnUrl::parse(&href)
    }
}

/// Percent-encodes everything but ASCII letters, digits and `-._~`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            for nibble in [b >> 4, b & 0xf] {
                out.push(
                    char::from_digit(u32::from(nibble), 16).map_or('0', |c| c.to_ascii_uppercase()),
                );
            }
        }
    }
    out
}

/// Percent-decodes (`+` is a space); `None` when the bytes are not UTF-8.
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|c| char::from(*c).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_urls_read_back_whatever_the_page_and_the_order_id() {
        for page in [
            "https://shop.cl/",
            "https://shop.cl/cart?lang=es",
            "https://shop.cl/cart#pay",
            "http://127.0.0.1:8080/leptos/",
        ] {
            for id in ["ord_1", "ord 2/ñ&x=y", ""] {
                for returned in [Returned::Success, Returned::Cancel] {
                    let url = ReturnUrl::build(page, id, returned);
                    let read = ReturnUrl::parse(&url).unwrap();
                    assert_eq!(read.returned, returned, "{url}");
                    assert_eq!(
                        read.order_id.as_deref(),
                        (!id.is_empty()).then_some(id),
                        "{url}"
                    );
                }
            }
        }
        assert_eq!(
            ReturnUrl::build("https://shop.cl/cart#pay", "o", Returned::Cancel),
            "https://shop.cl/cart?fintoc=cancel&order=o#pay"
        );
    }

    #[test]
    fn other_urls_are_not_returns_and_odd_ones_never_panic() {
        for url in [
            "",
            "https://shop.cl/",
            "?fintoc=maybe&order=1",
            "?order=1",
            "?fintoc",
            "?%ZZ=1&fintoc=%",
            "?fintoc=%FF",
        ] {
            assert_eq!(ReturnUrl::parse(url), None, "{url}");
        }
        let read = ReturnUrl::parse("?order=%E2%82%AC%zz&fintoc=success&x=1").unwrap();
        assert_eq!(read.order_id.as_deref(), Some("€%zz"));
    }
}
