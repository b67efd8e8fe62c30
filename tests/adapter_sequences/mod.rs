//! The seeded randomized sequences shared by `yew_sequences.rs` and `leptos_sequences.rs`: what
//! a page does with `<FintocCheckout>` in an order nobody wrote a test for. Each step is one of:
//! mount, change a prop (public key, session source, mode, auto-open), re-render with the same
//! props, a click or a hover on the pay button, a click on retry, the shopper paying, being
//! rejected, closing the widget or an event, unmount, remount, or time passing. Sessions come
//! from the fixture server's endpoint (fast, slow or failing) or are a token the page has.
//!
//! After every step (see [`World::check`]):
//!
//! - no JS error and no unhandled rejection on the page;
//! - at most one live widget, one iframe per live widget, and none once unmounted;
//! - after unmount: no callback (`on_state`, `on_error`, `on_success`, …) and no session request
//!   from that mount, ever;
//! - at most one session request per preparation cycle (a move into `preparing`/`opening`),
//!   counted at the page's `fetch`, and none outside one;
//! - states only move along the documented transitions; every `on_error` right after its
//!   `failed` state; the same error never reported twice in a row unless the configuration was
//!   valid in between (once per distinct error);
//! - auto-open opens at most once per identity (public key and session source): a step that
//!   neither clicks nor brings a new auto-open identity opens nothing (no move into `opening`,
//!   no prepared or closed widget shown again);
//! - the state the component shows (`data-state`) is a documented one, and the last one reported.
//!
//! CI runs a fixed seed, bounded; a longer run by hand (read at compile time, like
//! `js_sequences`): `FINTOC_FUZZ_SEQUENCES=200 FINTOC_FUZZ_SEED=7 FINTOC_FUZZ_STEPS=40`, with
//! `WASM_BINDGEN_TEST_TIMEOUT` raised to match. A failure prints the seed of its sequence and
//! its last steps: replay it with `FINTOC_FUZZ_SEED=<seed> FINTOC_FUZZ_SEQUENCES=1` (every step
//! draws the same number of random values whatever the page's state).
#![allow(dead_code)]

use fintoc_wasm::testing::Sandbox;
use fintoc_wasm::{CheckoutMode, CheckoutState, FintocError, SessionSource, SessionToken};
use wasm_bindgen::{JsCast, JsValue};

use crate::common::*;

/// A compile-time number (`option_env!`), or `default`.
pub const fn number(value: Option<&str>, default: u64) -> u64 {
    let Some(value) = value else { return default };
    let bytes = value.as_bytes();
    let (mut i, mut n) = (0, 0u64);
    while i < bytes.len() {
        let b = bytes[i];
        if b < b'0' || b > b'9' {
            return default;
        }
        n = n * 10 + (b - b'0') as u64;
        i += 1;
    }
    n
}

pub const SEED: u64 = number(option_env!("FINTOC_FUZZ_SEED"), 0x5eed_00a0);
pub const SEQUENCES: u64 = number(option_env!("FINTOC_FUZZ_SEQUENCES"), 8);
pub const STEPS: u64 = number(option_env!("FINTOC_FUZZ_STEPS"), 30);

/// SplitMix64: small, seeded, the same on every machine.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Every random value one step may use, drawn up front (see `js_sequences`).
struct Draws {
    values: [u64; Draws::PER_STEP],
    used: usize,
}

impl Draws {
    const PER_STEP: usize = 8;

    fn new(rng: &mut Rng) -> Self {
        Draws {
            values: std::array::from_fn(|_| rng.next()),
            used: 0,
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        assert!(self.used < Self::PER_STEP, "a step draws at most 8 values");
        let value = self.values[self.used];
        self.used += 1;
        value % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The public keys a sequence picks from: two valid, a secret key and a malformed one (two
/// distinct configuration errors).
pub const KEYS: [&str; 4] = ["pk_test_seq_a", "pk_test_seq_b", "sk_test_nope", "pk_nope"];

fn key_valid(key: usize) -> bool {
    key < 2
}

/// The sessions a sequence picks from (by index): the fixture server's endpoint, fast, slow or
/// failing, or a token the page already has.
pub const SESSIONS: [&str; 4] = ["endpoint", "slow endpoint", "failing endpoint", "token"];

pub const MODES: [CheckoutMode; 3] = [
    CheckoutMode::Widget,
    CheckoutMode::Redirect,
    CheckoutMode::WidgetOrRedirect,
];

/// What the page renders `<FintocCheckout>` with.
#[derive(Clone, Debug, PartialEq)]
pub struct Props {
    pub key: usize,
    pub session: usize,
    pub mode: usize,
    pub auto_open: bool,
    /// The mount these props belong to: its log, and its session URLs (`&m=`).
    pub mount: String,
}

impl Props {
    pub fn public_key(&self) -> String {
        KEYS[self.key].to_owned()
    }

    pub fn mode(&self) -> CheckoutMode {
        MODES[self.mode]
    }

    /// The session source, built afresh (as a re-render would): equal sources for equal props.
    pub fn source(&self) -> SessionSource {
        let id = format!("{}x{}", self.mount, self.session);
        match self.session {
            0 => SessionSource::endpoint(session_url(&id, &format!("&m={}", self.mount))),
            1 => SessionSource::endpoint(session_url(&id, &format!("&delay=150&m={}", self.mount))),
            2 => {
                SessionSource::endpoint(session_url(&id, &format!("&status=500&m={}", self.mount)))
            }
            _ => match SessionToken::new(format!("cs_{id}_sec_0")) {
                Ok(token) => token.into(),
                Err(e) => panic!("a valid test token: {e}"),
            },
        }
    }

    fn describe(&self) -> String {
        format!(
            "key {}, {} session, {:?}, auto_open {}",
            KEYS[self.key],
            SESSIONS[self.session],
            self.mode(),
            self.auto_open
        )
    }
}

/// The component under test, as each framework mounts it.
pub trait Ui {
    /// Whether `mode` follows a prop change (Yew) or is fixed per mount (Leptos).
    const MODE_IS_LIVE: bool;
    fn mount(&mut self, props: &Props);
    /// New props; the same props again is a re-render with nothing changed.
    fn update(&mut self, props: &Props);
    fn unmount(&mut self);
    /// The element the component renders (its root `div`), while mounted.
    fn root(&self) -> Option<web_sys::Element>;
}

/// Where every callback of mount `mount` logs (the page keeps the logs: a callback needs no
/// captured JS value, so Leptos' `Send` callbacks can log too).
pub fn push(mount: &str, entry: &str) {
    let log = get(&get(&js("window.__aseq"), "log"), mount);
    if let Ok(log) = log.dyn_into::<js_sys::Array>() {
        log.push(&JsValue::from_str(entry));
    }
}

pub fn state_entry(mount: &str, state: &CheckoutState) {
    push(mount, &format!("state:{}", state.name()));
}

pub fn error_entry(mount: &str, error: &FintocError) {
    push(mount, &format!("error:{}:{error}", error.code()));
}

const PAGE: &str = r#"
(() => {
  if (window.__aseq) return;
  const seq = (window.__aseq = { log: {}, errors: [] });
  window.addEventListener('error', (e) => seq.errors.push('error: ' + e.message));
  window.addEventListener('unhandledrejection', (e) =>
    seq.errors.push('unhandled rejection: ' + String((e.reason && e.reason.message) || e.reason)));
  // Every session request, in its mount's log (the `m` parameter of its URL).
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    try {
      const url = new URL(String((input && input.url) || input), location.href);
      const m = url.pathname === '/session' && url.searchParams.get('m');
      if (m && seq.log[m]) seq.log[m].push('request');
    } catch (_) {}
    return fetch.apply(this, arguments);
  };
})()
"#;

fn get(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn log_of(mount: &str) -> Vec<String> {
    js_sys::Array::from(&get(&get(&js("window.__aseq"), "log"), mount))
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

/// Where a state may go next: the documented transitions ([`documented_transition`], as
/// `js_sequences` checks them), plus a move into `failed` from any state for a new
/// configuration error (an invalid key, which a component gets between renders; checked apart:
/// a distinct one).
fn allowed(from: &str, to: &str) -> bool {
    documented_transition(from, to) || (to == "failed" && STATES.contains(&from))
}

const STATES: [&str; 9] = [
    "idle",
    "preparing",
    "opening",
    "ready",
    "open",
    "succeeded",
    "exited",
    "redirecting",
    "failed",
];

/// One mount's books.
struct Mount {
    name: String,
    /// After unmount: the log's length then (nothing may be added).
    unmounted: Option<usize>,
}

pub struct World<U: Ui> {
    rng: Rng,
    sandbox: Sandbox,
    ui: U,
    props: Option<Props>,
    mounts: Vec<Mount>,
    /// The identity auto-open last opened for in the current mount (key, session), as
    /// `adapter::AutoOpen` is documented: forgotten when auto-open is off or the key invalid.
    auto_identity: Option<(usize, usize)>,
    /// Opens this step may start: a click, a retry, or a new auto-open identity.
    may_open: u32,
    /// The log length of the current mount before this step.
    before_step: usize,
    trace: Vec<String>,
    seq_no: u64,
    pub requests: usize,
    /// A failure found mid-step (left behind by the mount a remount replaced), reported by the
    /// next [`check`](Self::check).
    pending: Option<String>,
    /// What the sequence exercised (steps, and what the page saw), for the coverage check.
    pub seen: std::collections::BTreeMap<&'static str, u32>,
}

impl<U: Ui> World<U> {
    pub fn new(seed: u64, seq_no: u64, ui: U) -> Self {
        js(PAGE);
        let sandbox = Sandbox::install().unwrap_or_else(|e| panic!("the sandbox installs: {e}"));
        sandbox.stall_redirects_after(std::time::Duration::from_millis(200));
        World {
            rng: Rng(seed),
            sandbox,
            ui,
            props: None,
            mounts: Vec::new(),
            auto_identity: None,
            may_open: 0,
            before_step: 0,
            trace: Vec::new(),
            seq_no,
            requests: 0,
            pending: None,
            seen: Default::default(),
        }
    }

    fn saw(&mut self, what: &'static str) {
        *self.seen.entry(what).or_default() += 1;
    }

    fn current(&self) -> Option<&Mount> {
        self.mounts.last().filter(|m| m.unmounted.is_none())
    }

    fn random_props(&self, d: &mut Draws, mount: &str) -> Props {
        let (key, session, mode, auto_open) = (d.below(10), d.below(4), d.below(10), d.chance(30));
        Props {
            // Mostly valid keys.
            key: match key {
                0..=4 => 0,
                5..=7 => 1,
                8 => 2,
                _ => 3,
            } as usize,
            session: session as usize,
            mode: match mode {
                0..=6 => 0,
                7 => 1,
                _ => 2,
            },
            auto_open,
            mount: mount.to_owned(),
        }
    }

    fn mount(&mut self, props: Props) {
        js(&format!("window.__aseq.log['{}'] = []", props.mount));
        self.mounts.push(Mount {
            name: props.mount.clone(),
            unmounted: None,
        });
        push(
            &props.mount,
            if key_valid(props.key) {
                "valid"
            } else {
                "invalid"
            },
        );
        self.trace
            .push(format!("mount {} ({})", props.mount, props.describe()));
        self.saw("mount");
        if !key_valid(props.key) {
            self.saw("invalid key");
        }
        self.auto_identity = None;
        self.note_auto_open(&props);
        self.before_step = 0;
        self.ui.mount(&props);
        self.props = Some(props);
    }

    /// Whether these props bring auto-open a new identity (then one opening may start).
    fn note_auto_open(&mut self, props: &Props) {
        if !props.auto_open || !key_valid(props.key) {
            self.auto_identity = None;
            return;
        }
        let identity = (props.key, props.session);
        if self.auto_identity != Some(identity) {
            self.auto_identity = Some(identity);
            self.saw("auto-open identity");
            self.may_open += 1;
        }
    }

    fn update(&mut self, props: Props) {
        let Some(mount) = self.current().map(|m| m.name.clone()) else {
            return;
        };
        push(
            &mount,
            if key_valid(props.key) {
                "valid"
            } else {
                "invalid"
            },
        );
        self.note_auto_open(&props);
        self.ui.update(&props);
        self.props = Some(props);
    }

    fn unmount(&mut self) {
        let Some(name) = self.current().map(|m| m.name.clone()) else {
            return;
        };
        self.trace.push(format!("unmount {name}"));
        self.saw("unmount");
        // Counted before: a callback fired while the component tears down counts as after.
        let len = log_of(&name).len();
        self.ui.unmount();
        if let Some(m) = self.mounts.last_mut() {
            m.unmounted = Some(len);
        }
        self.props = None;
    }

    fn button(&self, class: &str) -> Option<web_sys::HtmlElement> {
        let root = self.ui.root()?;
        let el = root.query_selector(&format!(".{class}")).ok()??;
        el.dyn_into().ok()
    }

    pub async fn step(&mut self) {
        let mut d = Draws::new(&mut self.rng);
        let (pause, pause_ms) = (d.chance(50), d.below(60) as u32);
        let roll = d.below(100);
        self.may_open = 0;
        self.before_step = self
            .current()
            .map(|m| log_of(&m.name).len())
            .unwrap_or_default();
        let mounted = self.current().is_some();
        match roll {
            // Mount (or, when mounted, remount with the same props).
            0..=29 if !mounted || roll <= 5 => {
                let name = format!("q{}n{}", self.seq_no, self.mounts.len());
                let fresh = self.random_props(&mut d, &name);
                match self.props.clone() {
                    Some(old) => {
                        self.unmount();
                        settle().await;
                        if let Some(left) = self.check_unmounted() {
                            self.pending.get_or_insert(left);
                        }
                        self.mount(Props { mount: name, ..old });
                    }
                    None => self.mount(fresh),
                }
            }
            6..=21 => {
                let Some(mut props) = self.props.clone() else {
                    return;
                };
                let (what, value) = (d.below(4), d.below(12));
                match what {
                    0 => props.key = [0, 0, 1, 1, 1, 0, 2, 3, 0, 1, 0, 1][value as usize],
                    1 => props.session = (value % 4) as usize,
                    2 if U::MODE_IS_LIVE => props.mode = (value % 3) as usize,
                    2 => {}
                    _ => props.auto_open = value % 2 == 0,
                }
                self.trace.push(format!("props: {}", props.describe()));
                self.saw("prop change");
                if !key_valid(props.key) {
                    self.saw("invalid key");
                }
                self.update(props);
            }
            22..=29 => {
                if let Some(props) = self.props.clone() {
                    self.trace.push("re-render with the same props".into());
                    self.saw("same props");
                    self.update(props);
                }
            }
            30..=47 => {
                let click = d.chance(75);
                if let Some(b) = self.button(fintoc_wasm::ui::class::BUTTON) {
                    if click {
                        if !b.has_attribute("disabled") {
                            self.trace.push("click".into());
                            self.saw("click");
                            self.may_open += 1;
                            b.click();
                        }
                    } else {
                        self.trace.push("hover".into());
                        self.saw("hover");
                        let _ = b.dispatch_event(&web_sys::Event::new("pointerenter").unwrap());
                    }
                }
            }
            48..=53 => {
                if let Some(b) = self.button(fintoc_wasm::ui::class::RETRY) {
                    self.trace.push("retry".into());
                    self.saw("retry");
                    self.may_open += 1;
                    b.click();
                }
            }
            54..=75 => self.shopper(&mut d),
            76..=80 => self.unmount(),
            _ => {
                let ms = [0, 10, 50, 120, 250][d.below(5) as usize];
                self.trace.push(format!("wait {ms} ms"));
                sleep(ms).await;
            }
        }
        if pause {
            sleep(pause_ms).await;
        }
        settle().await;
    }

    /// The shopper acts on the open widget, if any.
    fn shopper(&mut self, d: &mut Draws) {
        let action = d.below(4);
        let Some(widget) = self
            .sandbox
            .widgets()
            .iter()
            .find(|w| w.state == "open")
            .map(|w| w.id)
        else {
            return;
        };
        let (what, script) = match action {
            0 => ("pays", format!("window.FintocSandbox.succeed({widget})")),
            1 => (
                "is rejected by the bank",
                format!("window.FintocSandbox.fail('insufficient_funds', {widget})"),
            ),
            2 => ("closes", format!("window.FintocSandbox.exit({widget})")),
            _ => (
                "sees payment_in_progress",
                format!("window.FintocSandbox.emit('payment_in_progress', {{}}, {widget})"),
            ),
        };
        self.trace
            .push(format!("shopper {what} in widget {widget}"));
        self.saw("shopper");
        js(&script);
    }

    fn live_widgets(&self) -> usize {
        self.sandbox
            .widgets()
            .iter()
            .filter(|w| w.state != "destroyed")
            .count()
    }

    /// Right after an unmount: nothing of Fintoc is left.
    #[must_use]
    fn check_unmounted(&mut self) -> Option<String> {
        let (widgets, iframes) = (self.live_widgets(), self.sandbox.iframe_count());
        (widgets + iframes > 0).then(|| {
            format!("unmounted, yet {widgets} live widgets and {iframes} iframes are left")
        })
    }

    /// Every invariant, now.
    pub fn check(&mut self) -> Result<(), String> {
        if let Some(failure) = self.pending.take() {
            return Err(failure);
        }
        let errors: Vec<String> = js_sys::Array::from(&get(&js("window.__aseq"), "errors"))
            .iter()
            .filter_map(|v| v.as_string())
            .collect();
        if !errors.is_empty() {
            return Err(format!("the page saw errors: {errors:?}"));
        }
        let (widgets, iframes) = (self.live_widgets(), self.sandbox.iframe_count());
        if widgets > 1 {
            return Err(format!("{widgets} live widgets at once"));
        }
        if iframes != widgets {
            return Err(format!("{iframes} iframes for {widgets} live widgets"));
        }
        if self.current().is_none() {
            if let Some(e) = self.check_unmounted() {
                return Err(e);
            }
        }
        for m in &self.mounts {
            let log = log_of(&m.name);
            if let Some(len) = m.unmounted {
                if log.len() != len {
                    return Err(format!(
                        "{} was unmounted, but went on after it: {:?}",
                        m.name,
                        log.get(len..).unwrap_or_default()
                    ));
                }
            }
            check_log(&m.name, &log)?;
        }
        let Some(current) = self.current() else {
            return Ok(());
        };
        let log = log_of(&current.name);
        let openings = opens_from(&log, self.before_step);
        if openings > self.may_open {
            return Err(format!(
                "{openings} opens in a step that may start {} (auto-open once per identity, or a click): {log:?}",
                self.may_open
            ));
        }
        let last = log
            .iter()
            .rev()
            .find_map(|e| e.strip_prefix("state:"))
            .unwrap_or("idle")
            .to_owned();
        let shown = self
            .ui
            .root()
            .and_then(|r| r.get_attribute("data-state"))
            .unwrap_or_default();
        if !STATES.contains(&shown.as_str()) {
            return Err(format!(
                "the component shows `{shown}`, not a documented state"
            ));
        }
        if shown != last {
            return Err(format!(
                "the component shows `{shown}`, but the last state reported is `{last}`: {log:?}"
            ));
        }
        Ok(())
    }

    pub async fn finish(&mut self) -> Result<(), String> {
        self.unmount();
        settle().await;
        if let Some(e) = self.check_unmounted() {
            return Err(e);
        }
        // Whatever was in flight has time to (not) call back.
        sleep(200).await;
        self.check()?;
        for m in &self.mounts {
            for entry in log_of(&m.name) {
                let what = match entry.split(':').take(2).collect::<Vec<_>>().as_slice() {
                    ["request"] => "session request",
                    ["success"] => "on_success",
                    ["exit"] => "on_exit",
                    ["error", "secret_key" | "public_key" | "invalid_public_key"] => {
                        "on_error (configuration)"
                    }
                    ["error", _] => "on_error (other)",
                    ["state", "open"] => "widget open",
                    ["state", "redirecting"] => "redirecting",
                    _ => continue,
                };
                *self.seen.entry(what).or_default() += 1;
            }
        }
        self.requests += self.seen.get("session request").copied().unwrap_or(0) as usize;
        js("window.__aseq.log = {}");
        Ok(())
    }

    pub fn failure(&self, seed: u64, failure: &str) -> String {
        let tail = self.trace.len().saturating_sub(40);
        format!(
            "sequence {} (replay: FINTOC_FUZZ_SEED={seed} FINTOC_FUZZ_SEQUENCES=1): {failure}\nsteps:\n  {}",
            self.seq_no,
            self.trace.get(tail..).unwrap_or_default().join("\n  ")
        )
    }
}

/// The opens in `log` from entry `from` on — each a click's, a retry's or a new auto-open
/// identity's: a move into `opening`, or into `open`/`redirecting` that no `opening` led to (a
/// prepared or closed widget shown again); `ready` on the way from `opening` is the same open.
fn opens_from(log: &[String], from: usize) -> u32 {
    let (mut opens, mut under_way) = (0, false);
    for (i, entry) in log.iter().enumerate() {
        let Some(state) = entry.strip_prefix("state:") else {
            continue;
        };
        let new = match state {
            "opening" => !std::mem::replace(&mut under_way, true),
            "open" | "redirecting" => !std::mem::replace(&mut under_way, false),
            "ready" => false,
            _ => {
                under_way = false;
                false
            }
        };
        if new && i >= from {
            opens += 1;
        }
    }
    opens
}

/// One mount's log, in order: transitions, session requests per cycle, errors.
fn check_log(name: &str, log: &[String]) -> Result<(), String> {
    let mut before = "idle";
    let mut in_cycle = 0;
    // The error of the last `failed` report, and whether a valid configuration came since.
    let mut last_error: Option<&str> = None;
    let mut valid_since = true;
    let mut previous: Option<&str> = None;
    for entry in log {
        let entry = entry.as_str();
        match entry {
            "request" => {
                if !matches!(before, "preparing" | "opening") {
                    return Err(format!(
                        "{name} asked for a session outside a preparation: {log:?}"
                    ));
                }
                in_cycle += 1;
                if in_cycle > 1 {
                    return Err(format!(
                        "{name}: {in_cycle} session requests in one preparation: {log:?}"
                    ));
                }
            }
            "valid" => valid_since = true,
            "invalid" => {}
            _ => {
                if let Some(error) = entry.strip_prefix("error:") {
                    if previous.is_none_or(|p| p != "state:failed") {
                        return Err(format!(
                            "{name}: an error without its failed state: {log:?}"
                        ));
                    }
                    if before == "failed" && last_error == Some(error) && !valid_since {
                        return Err(format!(
                            "{name}: the same error reported twice: {error} in {log:?}"
                        ));
                    }
                    last_error = Some(error);
                    valid_since = false;
                } else if let Some(s) = entry.strip_prefix("state:") {
                    if !allowed(before, s) {
                        return Err(format!("{name} moved {before} -> {s}: {log:?}"));
                    }
                    if s != "failed" {
                        last_error = None;
                    }
                    if matches!(s, "preparing" | "opening")
                        && !matches!(before, "preparing" | "opening")
                    {
                        in_cycle = 0;
                    }
                    before = s;
                }
            }
        }
        if entry != "valid" && entry != "invalid" {
            previous = Some(entry);
        }
    }
    Ok(())
}

/// Lets the framework render and run its effects (microtasks, before the next timer).
pub async fn settle() {
    sleep(0).await;
    sleep(0).await;
}

/// Runs every sequence for one framework; `make` gives a fresh, unmounted component.
pub async fn run<U: Ui>(name: &str, make: impl Fn() -> U) {
    let started = js_sys::Date::now();
    let (mut steps_run, mut requests) = (0, 0);
    let mut seen = std::collections::BTreeMap::<&'static str, u32>::new();
    for n in 0..SEQUENCES {
        let seed = SEED.wrapping_add(n);
        let mut world = World::new(seed, n, make());
        let mut failure = None;
        for _ in 0..STEPS {
            world.step().await;
            steps_run += 1;
            if let Err(e) = world.check() {
                failure = Some(e);
                break;
            }
        }
        if failure.is_none() {
            failure = world.finish().await.err();
        }
        if let Some(failure) = failure {
            panic!("{name}: {}", world.failure(seed, &failure));
        }
        requests += world.requests;
        for (what, n) in &world.seen {
            *seen.entry(what).or_default() += n;
        }
    }
    // The invariants held over sequences that did each of these (a seed that exercised less
    // would be a weaker test: change the defaults, not the invariants).
    let wanted = [
        "mount",
        "unmount",
        "prop change",
        "same props",
        "click",
        "hover",
        "retry",
        "shopper",
        "auto-open identity",
        "invalid key",
        "session request",
        "widget open",
        "on_success",
        "on_exit",
        "on_error (configuration)",
        "on_error (other)",
        "redirecting",
    ];
    let missing: Vec<&str> = wanted
        .into_iter()
        .filter(|w| !seen.contains_key(w))
        .collect();
    assert!(
        missing.is_empty(),
        "{name}: the sequences never exercised {missing:?} (saw {seen:?})"
    );
    web_sys::console::log_1(
        &format!(
            "{name}: {SEQUENCES} sequences, {steps_run} steps, seeds {SEED}..{}, {requests} session requests, {seen:?}, {} ms",
            SEED.wrapping_add(SEQUENCES),
            js_sys::Date::now() - started
        )
        .into(),
    );
}
