//! The JavaScript side of this module's vocabulary: `npm/react/vocab.generated.ts`, which the
//! React binding (`fintoc-wasm/react`) draws from, is written from the Rust definitions above —
//! the class names, the texts of both locales, [`view`] for every state and every error code,
//! and [`confirmation_view`] for every stage — never copied by hand.
//!
//! `cargo test -p fintoc-wasm --lib ui::vocab` fails when the file and Rust disagree;
//! `FINTOC_WRITE_VOCAB=1 cargo test -p fintoc-wasm --lib ui::vocab` rewrites it.
//!
//! Every list below is checked to be complete by an exhaustive `match` or destructuring: a new
//! state, error, stage, label or view field does not compile until it is written out too.

use super::{class, confirmation_view, view, Labels, Locale, View};
use crate::checkout::CheckoutState;
use crate::confirm::Stage;
use crate::error::{FintocError, LoadError, OptionsError, SessionError, WidgetError};

/// Where the generated module lives, from the crate's root.
const PATH: &str = "npm/react/vocab.generated.ts";

/// Every label, by its camelCase name (what the binding's `labels` prop takes).
fn labels(l: &Labels) -> Vec<(String, &'static str)> {
    let Labels {
        pay,
        preparing,
        redirecting,
        retry,
        load_failed,
        session_failed,
        session_expired,
        misconfigured,
        widget_failed,
        continue_on_fintoc,
        succeeded,
        exited,
        confirming,
        confirmed,
        not_paid,
        still_pending,
    } = l;
    [
        ("pay", pay),
        ("preparing", preparing),
        ("redirecting", redirecting),
        ("retry", retry),
        ("load_failed", load_failed),
        ("session_failed", session_failed),
        ("session_expired", session_expired),
        ("misconfigured", misconfigured),
        ("widget_failed", widget_failed),
        ("continue_on_fintoc", continue_on_fintoc),
        ("succeeded", succeeded),
        ("exited", exited),
        ("confirming", confirming),
        ("confirmed", confirmed),
        ("not_paid", not_paid),
        ("still_pending", still_pending),
    ]
    .into_iter()
    .map(|(name, text)| (camel(name), *text))
    .collect()
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The name of the label whose text (in Spanish, where every text is distinct) is `text`.
fn label_name(text: &str) -> String {
    let found: Vec<String> = labels(Locale::Es.labels())
        .into_iter()
        .filter(|(_, t)| *t == text)
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one Spanish label reads {text:?}: {found:?}"
    );
    found.into_iter().next().unwrap_or_default()
}

/// Every state, one of each (the match below does not compile until a new one is listed); the
/// ui tests use it too.
pub(super) fn states() -> Vec<CheckoutState> {
    let all = vec![
        CheckoutState::Idle,
        CheckoutState::Preparing,
        CheckoutState::Opening,
        CheckoutState::Ready,
        CheckoutState::Open,
        CheckoutState::Succeeded,
        CheckoutState::Exited,
        CheckoutState::Redirecting,
        CheckoutState::Failed(LoadError::NotInBrowser.into()),
    ];
    for state in &all {
        // A new state does not compile until it is in the list above.
        match state {
            CheckoutState::Idle
            | CheckoutState::Preparing
            | CheckoutState::Opening
            | CheckoutState::Ready
            | CheckoutState::Open
            | CheckoutState::Succeeded
            | CheckoutState::Exited
            | CheckoutState::Redirecting
            | CheckoutState::Failed(_) => {}
        }
    }
    all
}

/// One error of every kind, in the order their codes are listed (the first error with a code
/// decides what the code shows: `not_in_browser` is the script's, not the session's).
fn errors() -> Vec<FintocError> {
    let s = String::new;
    let load = [
        LoadError::NotInBrowser,
        LoadError::InvalidUrl {
            url: s(),
            reason: s(),
        },
        LoadError::Network { url: s() },
        LoadError::Timeout {
            url: s(),
            after_ms: 1,
        },
        LoadError::GlobalMissing { url: s() },
        LoadError::CspBlocked {
            url: s(),
            directive: s(),
        },
    ];
    let options = vec![
        OptionsError::SecretKey,
        OptionsError::InvalidPublicKey { shown: s() },
        OptionsError::EmptySessionToken,
        OptionsError::SessionTokenWhitespace,
        OptionsError::InvalidWidgetToken,
        OptionsError::MissingToken { product: s() },
        OptionsError::ConflictingTokens,
        OptionsError::ReservedOption { name: s() },
        OptionsError::EmptyOptionName,
    ];
    let session = [
        SessionError::NotInBrowser,
        SessionError::InvalidRequest { message: s() },
        SessionError::Network {
            url: s(),
            message: s(),
        },
        SessionError::Status {
            status: 500,
            body_excerpt: s(),
        },
        SessionError::NotJson { body_excerpt: s() },
        SessionError::MissingToken { body_excerpt: s() },
        SessionError::Timeout { after_ms: 1 },
        SessionError::Expired,
        SessionError::Token(OptionsError::EmptySessionToken),
        SessionError::NoRedirectUrl,
        SessionError::Custom { message: s() },
    ];
    let widget = [
        WidgetError::Create { message: s() },
        WidgetError::Call {
            method: s(),
            message: s(),
        },
        WidgetError::MethodMissing { method: s() },
        WidgetError::AlreadySucceeded,
        WidgetError::Destroyed,
    ];
    // A new error does not compile until it is in the lists above.
    for e in &load {
        match e {
            LoadError::NotInBrowser
            | LoadError::InvalidUrl { .. }
            | LoadError::Network { .. }
            | LoadError::Timeout { .. }
            | LoadError::GlobalMissing { .. }
            | LoadError::CspBlocked { .. } => {}
        }
    }
    for e in &options {
        match e {
            OptionsError::SecretKey
            | OptionsError::InvalidPublicKey { .. }
            | OptionsError::EmptySessionToken
            | OptionsError::SessionTokenWhitespace
            | OptionsError::InvalidWidgetToken
            | OptionsError::MissingToken { .. }
            | OptionsError::ConflictingTokens
            | OptionsError::ReservedOption { .. }
            | OptionsError::EmptyOptionName => {}
        }
    }
    for e in &session {
        match e {
            SessionError::NotInBrowser
            | SessionError::InvalidRequest { .. }
            | SessionError::Network { .. }
            | SessionError::Status { .. }
            | SessionError::NotJson { .. }
            | SessionError::MissingToken { .. }
            | SessionError::Timeout { .. }
            | SessionError::Expired
            | SessionError::Token(_)
            | SessionError::NoRedirectUrl
            | SessionError::Custom { .. } => {}
        }
    }
    for e in &widget {
        match e {
            WidgetError::Create { .. }
            | WidgetError::Call { .. }
            | WidgetError::MethodMissing { .. }
            | WidgetError::AlreadySucceeded
            | WidgetError::Destroyed => {}
        }
    }
    let mut all: Vec<FintocError> = Vec::new();
    all.extend(load.into_iter().map(FintocError::from));
    all.extend(options.into_iter().map(FintocError::from));
    all.extend(session.into_iter().map(FintocError::from));
    all.extend(widget.into_iter().map(FintocError::from));
    all
}

fn json(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// What one state or error shows, as the generated module writes it.
fn state_view(v: &View<'_>) -> String {
    let View {
        state: _,
        modifier,
        button,
        busy,
        busy_text,
        status,
        error: _,
        retry: _,
        fallback: _,
    } = v;
    format!(
        "{{ modifier: {}, button: {button}, busy: {busy}, busyText: {}, status: {} }}",
        json(modifier),
        json(&label_name(busy_text)),
        status.map_or("null".to_owned(), |t| json(&label_name(t))),
    )
}

/// The generated module's text.
fn generate() -> String {
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line("// GENERATED from the Rust crate's `src/ui` (class names, texts, state → view) by");
    line("// `FINTOC_WRITE_VOCAB=1 cargo test -p fintoc-wasm --lib ui::vocab`. Do not edit: that");
    line("// test fails when this file and Rust disagree (src/ui/vocab.rs).");
    line("");
    line("/** The class names the components put on their elements (no inline styles). */");
    line("export const CLASS = {");
    for (name, value) in [
        ("root", class::ROOT),
        ("button", class::BUTTON),
        ("spinner", class::SPINNER),
        ("label", class::LABEL),
        ("error", class::ERROR),
        ("errorMessage", class::ERROR_MESSAGE),
        ("retry", class::RETRY),
        ("fallback", class::FALLBACK),
        ("status", class::STATUS),
        ("confirmation", class::CONFIRMATION),
        ("confirmationText", class::CONFIRMATION_TEXT),
    ] {
        line(&format!("  {name}: {},", json(value)));
    }
    line("} as const;");
    line("");
    line("/** The language of the default texts (Spanish by default). */");
    line("export type Locale = 'es' | 'en';");
    line("");
    line("/** Every text the components render. */");
    line("export interface Labels {");
    for (name, _) in labels(Locale::Es.labels()) {
        line(&format!("  readonly {name}: string;"));
    }
    line("}");
    line("");
    line("/** The texts of each locale. */");
    line("export const LABELS: { readonly [L in Locale]: Labels } = {");
    for (code, locale) in [("es", Locale::Es), ("en", Locale::En)] {
        line(&format!("  {code}: {{"));
        for (name, text) in labels(locale.labels()) {
            line(&format!("    {name}: {},", json(text)));
        }
        line("  },");
    }
    line("};");
    line("");
    line(
        "/** What a state shows (the error, retry and fallback of `failed` are by error code). */",
    );
    line("export interface StateView {");
    line("  readonly modifier: string;");
    line("  readonly button: boolean;");
    line("  readonly busy: boolean;");
    line("  readonly busyText: keyof Labels;");
    line("  readonly status: keyof Labels | null;");
    line("}");
    line("");
    let es = Locale::Es.labels();
    let names: Vec<String> = states().iter().map(|s| format!("'{}'", s.name())).collect();
    line(&format!("export type StateName = {};", names.join(" | ")));
    line("");
    line("/** Every state's view (the one mapping, `ui::view`). */");
    line("export const STATES: { readonly [S in StateName]: StateView } = {");
    for state in states() {
        let v = view(&state, None, es);
        line(&format!("  {}: {},", state.name(), state_view(&v)));
    }
    line("};");
    line("");
    line("/** What a failure shows: the shopper's text, a retry button, the hosted-page link. */");
    line("export interface ErrorView {");
    line("  readonly text: keyof Labels;");
    line("  readonly retry: boolean;");
    line("  readonly fallback: boolean;");
    line("}");
    line("");
    line("/** Every error code's view (the first error with a code decides it). */");
    line("export const ERRORS: { readonly [code: string]: ErrorView | undefined } = {");
    let mut seen: Vec<&'static str> = Vec::new();
    for error in errors() {
        if seen.contains(&error.code()) {
            continue;
        }
        seen.push(error.code());
        let v = view(&CheckoutState::Failed(error.clone()), Some("https://x"), es);
        let text = v.error.map(label_name).unwrap_or_default();
        line(&format!(
            "  {}: {{ text: {}, retry: {}, fallback: {} }},",
            error.code(),
            json(&text),
            v.retry,
            v.fallback.is_some(),
        ));
    }
    line("};");
    line("");
    {
        // A code the crate does not know (a newer package, a JS-only code): what the shop's
        // own session function failing shows.
        let v = view(
            &CheckoutState::Failed(SessionError::custom("").into()),
            Some("https://x"),
            es,
        );
        line("/** A code not in `ERRORS`. */");
        line(&format!(
            "export const UNKNOWN_ERROR: ErrorView = {{ text: {}, retry: {}, fallback: {} }};",
            json(&v.error.map(label_name).unwrap_or_default()),
            v.retry,
            v.fallback.is_some(),
        ));
    }
    line("");
    line("/** What a confirmation shows at each stage (`ui::confirmation_view`). */");
    line("export interface ConfirmationStageView {");
    line("  readonly modifier: string;");
    line("  readonly busy: boolean;");
    line("  readonly text: keyof Labels;");
    line("}");
    line("");
    let stages = [
        Stage::Confirming,
        Stage::Confirmed,
        Stage::NotPaid,
        Stage::StillPending,
    ];
    for stage in &stages {
        match stage {
            Stage::Confirming | Stage::Confirmed | Stage::NotPaid | Stage::StillPending => {}
        }
    }
    let names: Vec<String> = stages.iter().map(|s| format!("'{}'", s.as_str())).collect();
    line(&format!("export type StageName = {};", names.join(" | ")));
    line("");
    line("export const STAGES: { readonly [S in StageName]: ConfirmationStageView } = {");
    for stage in stages {
        let v = confirmation_view(stage, es);
        assert_eq!(v.state, stage.as_str());
        line(&format!(
            "  {}: {{ modifier: {}, busy: {}, text: {} }},",
            stage.as_str(),
            json(v.modifier),
            v.busy,
            json(&label_name(v.text)),
        ));
    }
    line("};");
    out
}

#[test]
fn the_react_bindings_vocabulary_is_generated_from_this_module() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("npm").is_dir() {
        // The packaged crate (cargo package) carries no npm/ directory.
        eprintln!("no npm/ directory here: nothing to check");
        return;
    }
    let path = root.join(PATH);
    let expected = generate();
    if std::env::var_os("FINTOC_WRITE_VOCAB").is_some() {
        std::fs::write(&path, &expected).expect("writing npm/react/vocab.generated.ts");
        return;
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == expected,
        "{PATH} does not say what src/ui says: rewrite it with \
         `FINTOC_WRITE_VOCAB=1 cargo test -p fintoc-wasm --lib ui::vocab` (and rebuild the npm \
         package)\n--- expected ---\n{expected}"
    );
}

#[test]
fn the_spanish_texts_are_distinct_so_a_text_names_its_label() {
    // `label_name` finds a label by its Spanish text: two labels with one text would be
    // ambiguous (the English ones may coincide; they are not used for lookups).
    let es = labels(Locale::Es.labels());
    for (name, text) in &es {
        assert_eq!(label_name(text), *name);
    }
    assert_eq!(labels(Locale::En.labels()).len(), es.len());
    assert_eq!(camel("continue_on_fintoc"), "continueOnFintoc");
}
