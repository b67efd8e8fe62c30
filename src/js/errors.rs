//! The JS API's errors: the message's number and the few values it needs cross into JS, where
//! every text lives once — `TEXTS` in `src/js/api.js`, generated from the Rust `Display` texts
//! (the Rust names in them, such as `LoadOptions::with_timeout`, written as the JS options a
//! shop sets instead) by this module's test (`FINTOC_WRITE_TEXTS=1 cargo test -p fintoc-wasm
//! --features js --lib js::errors`), which fails when the two disagree. Rust shops keep `Display`; the npm package's
//! wasm carries neither the texts nor the formatting machinery (issue 20 §2; docs/size.md).

use wasm_bindgen::prelude::*;

use crate::error::{FintocError, LoadError, OptionsError, SessionError, WidgetError};

/// Every message, in the order of `TEXTS` in `api.js` (the generated table's order).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum Text {
    LoadNotInBrowser,
    InvalidUrl,
    LoadNetwork,
    LoadTimeout,
    CspBlocked,
    GlobalMissing,
    SecretKey,
    InvalidPublicKey,
    EmptySessionToken,
    SessionTokenWhitespace,
    InvalidWidgetToken,
    MissingToken,
    ConflictingTokens,
    ReservedOption,
    EmptyOptionName,
    SessionNotInBrowser,
    InvalidRequest,
    SessionNetwork,
    Status,
    NotJson,
    SessionMissingToken,
    SessionTimeout,
    Expired,
    Token,
    NoRedirectUrl,
    Custom,
    Create,
    Call,
    MethodMissing,
    AlreadySucceeded,
    Destroyed,
    /// A response body's excerpt, as the session messages append it (" (body: `…`)"); stays
    /// last.
    Excerpt,
}

/// A value a message needs.
#[derive(Clone, Copy, Debug)]
enum Arg<'a> {
    Absent,
    Text(&'a str),
    Number(u32),
    /// A response body's excerpt: nothing when empty, else [`Text::Excerpt`].
    Excerpt(&'a str),
    /// The message of an error inside this one.
    Options(&'a OptionsError),
}

#[wasm_bindgen(module = "/src/js/api.js")]
extern "C" {
    /// An `Error` with the code and the text of message `text`.
    #[wasm_bindgen(js_name = fintocError)]
    fn fintoc_error(text: u8, a: JsValue, b: JsValue) -> JsValue;

    /// The text of message `text`, `{0}` and `{1}` replaced by `a` and `b`.
    #[wasm_bindgen(js_name = errorText)]
    fn error_text(text: u8, a: JsValue, b: JsValue) -> JsValue;
}

/// `error` as JS sees it: an `Error` whose `code` is [`FintocError::code`] and whose message is
/// its `Display` text.
pub(super) fn to_js(error: &FintocError) -> JsValue {
    let (text, a, b) = parts(error);
    fintoc_error(text as u8, a.to_js(), b.to_js())
}

impl Arg<'_> {
    fn to_js(self) -> JsValue {
        match self {
            Arg::Absent => JsValue::UNDEFINED,
            Arg::Text(text) => text.into(),
            Arg::Number(n) => n.into(),
            Arg::Excerpt("") => "".into(),
            Arg::Excerpt(excerpt) => {
                error_text(Text::Excerpt as u8, excerpt.into(), JsValue::UNDEFINED)
            }
            Arg::Options(inner) => {
                let (text, a, b) = options_parts(inner);
                error_text(text as u8, a.to_js(), b.to_js())
            }
        }
    }
}

/// Which message, with which values.
fn parts(error: &FintocError) -> (Text, Arg<'_>, Arg<'_>) {
    use Arg::{Absent, Excerpt, Number, Text as S};
    match error {
        FintocError::Load(e) => match e {
            LoadError::NotInBrowser => (Text::LoadNotInBrowser, Absent, Absent),
            LoadError::InvalidUrl { url, reason } => (Text::InvalidUrl, S(url), S(reason)),
            LoadError::Network { url } => (Text::LoadNetwork, S(url), Absent),
            LoadError::Timeout { url, after_ms } => (Text::LoadTimeout, S(url), Number(*after_ms)),
            LoadError::CspBlocked { url, directive } => (Text::CspBlocked, S(url), S(directive)),
            LoadError::GlobalMissing { url } => (Text::GlobalMissing, S(url), Absent),
        },
        FintocError::Options(e) => options_parts(e),
        FintocError::Session(e) => match e {
            SessionError::NotInBrowser => (Text::SessionNotInBrowser, Absent, Absent),
            SessionError::InvalidRequest { message } => (Text::InvalidRequest, S(message), Absent),
            SessionError::Network { url, message } => (Text::SessionNetwork, S(url), S(message)),
            SessionError::Status {
                status,
                body_excerpt,
            } => (
                Text::Status,
                Number((*status).into()),
                Excerpt(body_excerpt),
            ),
            SessionError::NotJson { body_excerpt } => {
                (Text::NotJson, Excerpt(body_excerpt), Absent)
            }
            SessionError::MissingToken { body_excerpt } => {
                (Text::SessionMissingToken, Excerpt(body_excerpt), Absent)
            }
            SessionError::Timeout { after_ms } => (Text::SessionTimeout, Number(*after_ms), Absent),
            SessionError::Expired => (Text::Expired, Absent, Absent),
            SessionError::Token(inner) => (Text::Token, Arg::Options(inner), Absent),
            SessionError::NoRedirectUrl => (Text::NoRedirectUrl, Absent, Absent),
            SessionError::Custom { message } => (Text::Custom, S(message), Absent),
        },
        FintocError::Widget(e) => match e {
            WidgetError::Create { message } => (Text::Create, S(message), Absent),
            WidgetError::Call { method, message } => (Text::Call, S(method), S(message)),
            WidgetError::MethodMissing { method } => (Text::MethodMissing, S(method), Absent),
            WidgetError::AlreadySucceeded => (Text::AlreadySucceeded, Absent, Absent),
            WidgetError::Destroyed => (Text::Destroyed, Absent, Absent),
        },
    }
}

fn options_parts(error: &OptionsError) -> (Text, Arg<'_>, Arg<'_>) {
    use Arg::{Absent, Text as S};
    match error {
        OptionsError::SecretKey => (Text::SecretKey, Absent, Absent),
        OptionsError::InvalidPublicKey { shown } => (Text::InvalidPublicKey, S(shown), Absent),
        OptionsError::EmptySessionToken => (Text::EmptySessionToken, Absent, Absent),
        OptionsError::SessionTokenWhitespace => (Text::SessionTokenWhitespace, Absent, Absent),
        OptionsError::InvalidWidgetToken => (Text::InvalidWidgetToken, Absent, Absent),
        OptionsError::MissingToken { product } => (Text::MissingToken, S(product), Absent),
        OptionsError::ConflictingTokens => (Text::ConflictingTokens, Absent, Absent),
        OptionsError::ReservedOption { name } => (Text::ReservedOption, S(name), Absent),
        OptionsError::EmptyOptionName => (Text::EmptyOptionName, Absent, Absent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::excerpt_suffix;

    /// Stand-ins for a message's values, found in its `Display` text and replaced by `{0}`/`{1}`.
    const TEXT: [&str; 2] = ["\u{E000}", "\u{E001}"];
    const STATUS: u16 = 64_999;
    const MS: u32 = 3_999_999_999;

    /// One error per message, its values the stand-ins above (a field's stand-in is the slot
    /// `parts` puts it in: the test below fails when they differ).
    fn samples() -> Vec<FintocError> {
        let [a, b] = TEXT.map(String::from);
        vec![
            LoadError::NotInBrowser.into(),
            LoadError::InvalidUrl {
                url: a.clone(),
                reason: b.clone(),
            }
            .into(),
            LoadError::Network { url: a.clone() }.into(),
            LoadError::Timeout {
                url: a.clone(),
                after_ms: MS,
            }
            .into(),
            LoadError::CspBlocked {
                url: a.clone(),
                directive: b.clone(),
            }
            .into(),
            LoadError::GlobalMissing { url: a.clone() }.into(),
            OptionsError::SecretKey.into(),
            OptionsError::InvalidPublicKey { shown: a.clone() }.into(),
            OptionsError::EmptySessionToken.into(),
            OptionsError::SessionTokenWhitespace.into(),
            OptionsError::InvalidWidgetToken.into(),
            OptionsError::MissingToken { product: a.clone() }.into(),
            OptionsError::ConflictingTokens.into(),
            OptionsError::ReservedOption { name: a.clone() }.into(),
            OptionsError::EmptyOptionName.into(),
            SessionError::NotInBrowser.into(),
            SessionError::InvalidRequest { message: a.clone() }.into(),
            SessionError::Network {
                url: a.clone(),
                message: b.clone(),
            }
            .into(),
            SessionError::Status {
                status: STATUS,
                body_excerpt: b.clone(),
            }
            .into(),
            SessionError::NotJson {
                body_excerpt: a.clone(),
            }
            .into(),
            SessionError::MissingToken {
                body_excerpt: a.clone(),
            }
            .into(),
            SessionError::Timeout { after_ms: MS }.into(),
            SessionError::Expired.into(),
            SessionError::Token(OptionsError::SecretKey).into(),
            SessionError::NoRedirectUrl.into(),
            SessionError::Custom { message: a.clone() }.into(),
            WidgetError::Create { message: a.clone() }.into(),
            WidgetError::Call {
                method: a.clone(),
                message: b.clone(),
            }
            .into(),
            WidgetError::MethodMissing { method: a }.into(),
            WidgetError::AlreadySucceeded.into(),
            WidgetError::Destroyed.into(),
        ]
    }

    /// The Rust API names the texts mention, as a JS shop writes them (the JS table only).
    const JS_NAMES: [(&str, &str); 6] = [
        (
            "raise `LoadOptions::with_timeout`",
            "raise the `timeoutMs` option",
        ),
        (
            "raise `SessionEndpoint::timeout`",
            "raise `session.timeoutMs`",
        ),
        ("or use CheckoutMode::Redirect", "or use `mode: 'redirect'`"),
        (
            "use `SessionSource::endpoint` so the crate fetches fresh ones",
            "use `session: { endpoint }` so fresh ones are fetched",
        ),
        (
            "create a new one with `Fintoc::create`",
            "create a new checkout with createCheckout()",
        ),
        (
            "and return its `redirect_url` too",
            "and return its `redirect_url` too (a session function returns it as `redirectUrl`)",
        ),
    ];

    /// `text` as the JS table says it.
    fn for_js(text: &str) -> String {
        JS_NAMES
            .iter()
            .fold(text.to_owned(), |out, (rust, js)| out.replace(rust, js))
    }

    /// Every rename applies somewhere, and no JS text names a Rust path afterwards.
    #[test]
    fn the_js_texts_name_js_options_not_rust_apis() {
        let texts: Vec<String> = samples().iter().map(ToString::to_string).collect();
        for (rust, _) in JS_NAMES {
            assert!(
                texts.iter().any(|t| t.contains(rust)),
                "{rust:?} is in no text"
            );
        }
        for (_, template) in rows() {
            assert!(
                !template.contains("::"),
                "a Rust path in the JS text {template:?}"
            );
        }
    }

    /// What `arg` reads as inside a `Display` text.
    fn shown(arg: Arg<'_>) -> Option<String> {
        match arg {
            Arg::Absent => None,
            Arg::Text(text) => Some(text.to_owned()),
            Arg::Number(n) => Some(n.to_string()),
            Arg::Excerpt(excerpt) => Some(excerpt_suffix(excerpt).to_string()),
            Arg::Options(inner) => Some(inner.to_string()),
        }
    }

    /// The template of `error`'s message: its `Display` text, each value's appearance replaced
    /// by its slot.
    fn template(error: &FintocError) -> String {
        let (text, a, b) = parts(error);
        let mut out = error.to_string();
        for (slot, arg) in [a, b].into_iter().enumerate() {
            if let Some(value) = shown(arg) {
                assert_eq!(
                    out.matches(&value).count(),
                    1,
                    "{text:?}: value {slot} ({value:?}) appears once in {out:?}"
                );
                out = out.replace(&value, &format!("{{{slot}}}"));
            }
        }
        let numbers = [STATUS.to_string(), MS.to_string()];
        assert!(
            !TEXT.iter().any(|t| out.contains(t)) && !numbers.iter().any(|n| out.contains(n)),
            "{text:?}: a stand-in is left in {out:?}: samples() and parts() disagree on a value"
        );
        for_js(&out)
    }

    /// `[code, template]` per message, in `Text` order (the excerpt has no code).
    fn rows() -> Vec<(String, String)> {
        let samples = samples();
        let order: Vec<u8> = samples.iter().map(|e| parts(e).0 as u8).collect();
        assert_eq!(
            order,
            (0..Text::Excerpt as u8).collect::<Vec<_>>(),
            "samples() has one error per message, in Text order"
        );
        let mut rows: Vec<(String, String)> = samples
            .iter()
            .map(|e| (e.code().to_owned(), template(e)))
            .collect();
        let excerpt = excerpt_suffix(TEXT[0]).to_string().replace(TEXT[0], "{0}");
        rows.push((String::new(), excerpt));
        rows
    }

    /// The generated table, as api.js has it.
    fn generate() -> String {
        let json = |s: &str| serde_json::to_string(s).expect("a string");
        let rows: Vec<String> = rows()
            .iter()
            .map(|(code, template)| format!("  [{}, {}]", json(code), json(template)))
            .collect();
        format!("const TEXTS = [\n{}\n];\n", rows.join(",\n"))
    }

    const BEGIN: &str = "// BEGIN GENERATED TEXTS";
    const END: &str = "// END GENERATED TEXTS";

    /// The table in `api.js` is the one the Rust texts give; `FINTOC_WRITE_TEXTS=1` writes it.
    #[test]
    fn the_js_error_texts_are_generated_from_the_rust_ones() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/js/api.js");
        let source = std::fs::read_to_string(path).expect("reading src/js/api.js");
        let (head, rest) = source
            .split_once(BEGIN)
            .expect("the BEGIN marker in api.js");
        let (table, tail) = rest.split_once(END).expect("the END marker in api.js");
        let table = table.split_once('\n').map_or("", |(_, t)| t);
        let expected = generate();
        if std::env::var_os("FINTOC_WRITE_TEXTS").is_some() {
            let (marker_line, _) = rest.split_once('\n').expect("the BEGIN marker's line");
            let written = format!("{head}{BEGIN}{marker_line}\n{expected}{END}{tail}");
            std::fs::write(path, written).expect("writing src/js/api.js");
            return;
        }
        assert_eq!(
            table, expected,
            "src/js/api.js's TEXTS differ from the Rust texts: run FINTOC_WRITE_TEXTS=1 cargo \
             test -p fintoc-wasm --features js --lib js::errors"
        );
    }

    /// `errorText` of api.js, in Rust: one pass over the template, so a value that reads
    /// `{1}` stays as it is.
    fn fill(rows: &[(String, String)], text: Text, a: Arg<'_>, b: Arg<'_>) -> String {
        let value = |arg: Arg<'_>| match arg {
            Arg::Absent => "undefined".to_owned(),
            Arg::Text(t) => t.to_owned(),
            Arg::Number(n) => n.to_string(),
            Arg::Excerpt("") => String::new(),
            Arg::Excerpt(e) => fill(rows, Text::Excerpt, Arg::Text(e), Arg::Absent),
            Arg::Options(inner) => {
                let (t, a, b) = options_parts(inner);
                fill(rows, t, a, b)
            }
        };
        let mut out = String::new();
        let mut rest = rows[text as usize].1.as_str();
        while let Some(at) = rest.find(['{']) {
            out.push_str(&rest[..at]);
            let after = &rest[at..];
            if let Some(tail) = after.strip_prefix("{0}") {
                out.push_str(&value(a));
                rest = tail;
            } else if let Some(tail) = after.strip_prefix("{1}") {
                out.push_str(&value(b));
                rest = tail;
            } else {
                out.push('{');
                rest = &after[1..];
            }
        }
        out.push_str(rest);
        out
    }

    fn rendered(error: &FintocError) -> String {
        let (text, a, b) = parts(error);
        fill(&rows(), text, a, b)
    }

    /// Every variant of the error enums (error.rs's own list, not `samples()`): the row its
    /// `parts` names has its code, and the page reads its `Display` text.
    #[test]
    fn every_variant_has_its_row_code_and_text() {
        let rows = rows();
        for error in crate::error::tests::every_variant() {
            let (text, _, _) = parts(&error);
            assert_eq!(rows[text as usize].0, error.code(), "{error:?}");
            assert_eq!(rendered(&error), for_js(&error.to_string()), "{error:?}");
        }
    }

    /// With real values — empty excerpts, an error inside another, text that looks like a
    /// slot — the page reads the `Display` text and the code.
    #[test]
    fn the_page_reads_the_rust_messages() {
        let cases: Vec<FintocError> = vec![
            SessionError::Status {
                status: 502,
                body_excerpt: String::new(),
            }
            .into(),
            SessionError::Status {
                status: 500,
                body_excerpt: "boom".into(),
            }
            .into(),
            SessionError::NotJson {
                body_excerpt: "<html>".into(),
            }
            .into(),
            SessionError::MissingToken {
                body_excerpt: String::new(),
            }
            .into(),
            SessionError::Token(OptionsError::InvalidPublicKey {
                shown: "pk_x".into(),
            })
            .into(),
            LoadError::Timeout {
                url: "https://js.fintoc.com/v1/".into(),
                after_ms: 15_000,
            }
            .into(),
            SessionError::Timeout { after_ms: 8_000 }.into(),
            WidgetError::Call {
                method: "open".into(),
                message: "{1} and $1".into(),
            }
            .into(),
        ];
        for error in cases.iter().chain(&samples()) {
            assert_eq!(rendered(error), for_js(&error.to_string()), "{error:?}");
        }
    }
}
