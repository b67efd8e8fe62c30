//! Seeded randomized sequences against the JavaScript API (issue 18): what a page and its shopper
//! do in an order nobody wrote a test for. Each step is one of create, `open`, `prepare`, `hide`,
//! `reset`, `destroy`, `attach` (twice on one button), a click or a hover on the attached button,
//! dropping the page's reference and collecting garbage, the shopper paying, being rejected,
//! closing the widget or an event, a session that is slow or fails, a blocked script, or time
//! passing. After every step the invariants below are checked:
//!
//! - no JS error, no unhandled rejection, no `console.error`, no panic (`RuntimeError`);
//! - after `destroy()`: no widget, no iframe, no callback and no new session request for it;
//! - every `open()` promise settles once its checkout is in a state where the shopper is not
//!   paying (anything but `opening`/`open`), every `prepare()` promise once it is not preparing;
//! - at most one session request per preparation cycle (a move into `preparing`/`opening`),
//!   counted per cycle for every kind of session (a function's calls, an endpoint's requests);
//! - at most one live widget per checkout, and one iframe per live widget;
//! - states only move along the documented transitions, and `state` is the last one reported.
//!
//! CI runs a fixed seed, bounded. A longer run by hand (the values are read at compile time):
//! `FINTOC_FUZZ_SEQUENCES=400 FINTOC_FUZZ_SEED=12345 scripts/test --browser` (or only this
//! file: `cargo test --target wasm32-unknown-unknown --features testing,js --test js_sequences`),
//! with `WASM_BINDGEN_TEST_TIMEOUT` above about 1.3 s per sequence (the default 180 s covers
//! about 130): 300 sequences of 30 steps took 377 s here.
//! A failure prints the seed of its sequence and the steps that led to it: replay it with
//! `FINTOC_FUZZ_SEED=<seed> FINTOC_FUZZ_SEQUENCES=1` (every step draws the same number of random
//! values whatever the page's state, so a replay makes the same choices).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use fintoc_wasm::js::create_checkout;
use fintoc_wasm::testing::{LoadFailure, Sandbox};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A compile-time number (`option_env!`), or `default`.
const fn number(value: Option<&str>, default: u64) -> u64 {
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

const SEED: u64 = number(option_env!("FINTOC_FUZZ_SEED"), 0x5eed_0018);
const SEQUENCES: u64 = number(option_env!("FINTOC_FUZZ_SEQUENCES"), 24);
const STEPS: u64 = number(option_env!("FINTOC_FUZZ_STEPS"), 30);

/// SplitMix64: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Every random value one step may use, drawn before the step looks at the page: how many a
/// step consumes depends on the page (no open widget, two live checkouts), how many it draws
/// does not, so a replay from a seed makes the same choices.
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
        assert!(
            self.used < Self::PER_STEP,
            "a step draws at most {} values",
            Self::PER_STEP
        );
        let value = self.values[self.used];
        self.used += 1;
        value % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The page side: every checkout's callbacks log into `__seq.log[id]`, its session function
/// counts its calls and follows `__seq.plan[id]`, every promise the test makes is tracked, and
/// every error the page sees is kept.
const PAGE: &str = r#"
(() => {
  if (window.__seq) return;
  const seq = (window.__seq = { log: {}, calls: {}, plan: {}, settled: {}, errors: [] });
  window.addEventListener('error', (e) => seq.errors.push('error: ' + e.message));
  window.addEventListener('unhandledrejection', (e) =>
    seq.errors.push('unhandled rejection: ' + String((e.reason && e.reason.message) || e.reason)));
  // Every session request, in its checkout's log: an endpoint's (fetched by the page's
  // `fetch`, looked up at call time) and a function's (below).
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    try {
      const url = new URL(String((input && input.url) || input), location.href);
      const id = url.pathname === '/session' && url.searchParams.get('id');
      if (id && seq.log[id]) seq.log[id].push('request');
    } catch (_) {}
    return fetch.apply(this, arguments);
  };
  const original = console.error;
  console.error = function (...args) {
    seq.errors.push('console.error: ' + args.map(String).join(' '));
    return original.apply(console, args);
  };
  seq.options = (id, kind, mode, prefetch, endpoint) => {
    const log = (seq.log[id] = []);
    const o = {
      publicKey: 'pk_test_seq',
      mode,
      prefetchOnHover: prefetch,
      onStateChange: (s) => log.push('state:' + s),
      onSuccess: () => log.push('success'),
      onExit: () => log.push('exit'),
      onEvent: (name) => log.push('event:' + name),
      onError: (e) => log.push('error:' + e.code),
    };
    if (kind === 'token') o.session = { token: 'cs_' + id + '_sec_0' };
    else if (kind === 'endpoint') o.session = { endpoint };
    else
      o.session = async () => {
        const n = (seq.calls[id] = (seq.calls[id] || 0) + 1);
        log.push('request');
        const plan = seq.plan[id] || { fail: false, delay: 0 };
        if (plan.delay) await new Promise((r) => setTimeout(r, plan.delay));
        if (plan.fail) throw new Error('no cart for ' + id);
        return {
          sessionToken: 'cs_' + id + '_sec_' + n,
          expiresIn: 600,
          redirectUrl: 'https://checkout.fintoc.com/cs_' + id,
        };
      };
    return o;
  };
  seq.track = (pid, promise) => {
    promise.then(
      (o) => { seq.settled[pid] = 'ok:' + (o && o.status); },
      (e) => { seq.settled[pid] = 'err:' + (e && e.code); });
  };
})()
"#;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Function,
    Endpoint,
    Token,
}

/// One checkout the sequence made.
struct Made {
    id: String,
    kind: Kind,
    /// The page's reference (`None` once dropped or destroyed).
    handle: Option<JsValue>,
    button: Option<web_sys::HtmlElement>,
    /// After `destroy()`: (callbacks, session requests) then — nothing may grow.
    destroyed: Option<(usize, usize)>,
    /// Dropped by the page (the collector may have freed it; its callbacks then stop).
    dropped: bool,
}

/// A promise the test is waiting on: which checkout, `open` or `prepare`, and since when its
/// checkout is in a state where it should have settled (`None`: not yet).
struct Pending {
    pid: u32,
    checkout: usize,
    open: bool,
    overdue_since: Option<f64>,
}

fn get(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn call(handle: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = get(handle, name).dyn_into().expect("a method");
    f.apply(handle, &args.iter().copied().collect::<js_sys::Array>())
}

fn seq() -> JsValue {
    js("window.__seq")
}

fn log_of(id: &str) -> Vec<String> {
    js_sys::Array::from(&get(&get(&seq(), "log"), id))
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

fn states_of(id: &str) -> Vec<String> {
    log_of(id)
        .into_iter()
        .filter_map(|e| e.strip_prefix("state:").map(str::to_owned))
        .collect()
}

/// (callbacks, session requests) in `id`'s log so far.
fn counts_of(id: &str) -> (usize, usize) {
    let log = log_of(id);
    let requests = log.iter().filter(|e| *e == "request").count();
    (log.len() - requests, requests)
}

fn settled(pid: u32) -> Option<String> {
    get(&get(&seq(), "settled"), &pid.to_string()).as_string()
}

/// Runs one sequence; `Err` says which invariant broke.
struct World {
    rng: Rng,
    sandbox: Sandbox,
    made: Vec<Made>,
    pending: Vec<Pending>,
    next_pid: u32,
    trace: Vec<String>,
    seq_no: u64,
}

impl World {
    fn live(&self) -> Vec<usize> {
        (0..self.made.len())
            .filter(|&i| self.made[i].handle.is_some())
            .collect()
    }

    fn pick_live(&self, d: &mut Draws) -> Option<usize> {
        let live = self.live();
        let i = d.below(live.len() as u64) as usize;
        live.get(i).copied()
    }

    fn track(&mut self, checkout: usize, open: bool, promise: JsValue) {
        self.next_pid += 1;
        let pid = self.next_pid;
        call(&seq(), "track", &[&JsValue::from(pid), &promise]).expect("track");
        self.pending.push(Pending {
            pid,
            checkout,
            open,
            overdue_since: None,
        });
    }

    async fn step(&mut self) {
        let mut d = Draws::new(&mut self.rng);
        // Drawn first, used last: the same values whichever branch runs.
        let (pause, pause_ms) = (d.chance(50), d.below(60) as u32);
        let roll = d.below(100);
        match roll {
            0..=9 => self.create(&mut d),
            10..=24 => {
                if let Some(i) = self.pick_live(&mut d) {
                    self.trace.push(format!("open #{i}"));
                    let h = self.made[i].handle.clone().unwrap();
                    match call(&h, "open", &[]) {
                        Ok(p) => self.track(i, true, p),
                        Err(e) => panic!("open() threw: {:?}", get(&e, "message")),
                    }
                }
            }
            25..=32 => {
                if let Some(i) = self.pick_live(&mut d) {
                    self.trace.push(format!("prepare #{i}"));
                    let h = self.made[i].handle.clone().unwrap();
                    let p = call(&h, "prepare", &[]).expect("prepare() returns a promise");
                    self.track(i, false, p);
                }
            }
            33..=38 => self.simple("hide", &mut d),
            39..=42 => self.simple("reset", &mut d),
            43..=48 => {
                if let Some(i) = self.pick_live(&mut d) {
                    self.trace.push(format!("destroy #{i}"));
                    let h = self.made[i].handle.take().unwrap();
                    call(&h, "destroy", &[]).expect("destroy");
                    let id = self.made[i].id.clone();
                    self.made[i].destroyed = Some(counts_of(&id));
                    if let Some(b) = self.made[i].button.take() {
                        b.remove();
                    }
                }
            }
            49..=54 => {
                if let Some(i) = self.pick_live(&mut d) {
                    let h = self.made[i].handle.clone().unwrap();
                    let again = self.made[i].button.is_some();
                    let button = self.made[i].button.clone().unwrap_or_else(|| {
                        let b: web_sys::HtmlElement = document()
                            .create_element("button")
                            .unwrap()
                            .unchecked_into();
                        document().body().unwrap().append_child(&b).unwrap();
                        b
                    });
                    self.trace.push(format!(
                        "attach #{i}{}",
                        if again { " (same button again)" } else { "" }
                    ));
                    call(&h, "attach", &[&button]).expect("attach");
                    self.made[i].button = Some(button);
                }
            }
            55..=61 => {
                let with_button: Vec<usize> = (0..self.made.len())
                    .filter(|&i| self.made[i].button.is_some())
                    .collect();
                let (pick, click) = (d.below(with_button.len() as u64) as usize, d.chance(60));
                if let Some(&i) = with_button.get(pick) {
                    let button = self.made[i].button.clone().unwrap();
                    if click {
                        self.trace.push(format!("click #{i}'s button"));
                        button.click();
                    } else {
                        self.trace.push(format!("hover #{i}'s button"));
                        button
                            .dispatch_event(&web_sys::Event::new("pointerenter").unwrap())
                            .unwrap();
                    }
                }
            }
            62..=65 => {
                if let Some(i) = self.pick_live(&mut d) {
                    self.trace.push(format!("drop #{i} and collect"));
                    self.made[i].handle = None;
                    self.made[i].dropped = true;
                    force_gc().await;
                }
            }
            66..=79 => self.shopper(&mut d),
            80..=85 => {
                let candidates: Vec<usize> = (0..self.made.len())
                    .filter(|&i| self.made[i].kind == Kind::Function)
                    .collect();
                let pick = d.below(candidates.len() as u64) as usize;
                let (fail, delay) = (d.chance(30), [0, 0, 40, 150][d.below(4) as usize]);
                if let Some(&i) = candidates.get(pick) {
                    self.trace
                        .push(format!("#{i}'s next sessions: fail={fail} delay={delay}"));
                    js(&format!(
                        "window.__seq.plan['{}'] = {{ fail: {fail}, delay: {delay} }}",
                        self.made[i].id
                    ));
                }
            }
            _ => {
                let ms = [0, 10, 50, 120, 300][d.below(5) as usize];
                self.trace.push(format!("wait {ms} ms"));
                sleep(ms).await;
            }
        }
        // Time for what the step started, sometimes none at all.
        if pause {
            sleep(pause_ms).await;
        }
    }

    fn create(&mut self, d: &mut Draws) {
        let (kind, mode, prefetch, query) = (d.below(10), d.below(10), d.chance(70), d.below(6));
        if self.live().len() >= 2 {
            return;
        }
        let i = self.made.len();
        let id = format!(
            "s{}x{i}x{}",
            self.seq_no,
            (js_sys::Date::now() as u64) % 100_000
        );
        let kind = match kind {
            0..=5 => Kind::Function,
            6..=8 => Kind::Endpoint,
            _ => Kind::Token,
        };
        let mode = match mode {
            0..=7 => "widget",
            8 => "widget_or_redirect",
            _ => "redirect",
        };
        let query = match query {
            0 => "&status=500",
            1 => "&delay=150",
            _ => "",
        };
        let endpoint = session_url(&id, query);
        self.trace.push(format!(
            "create #{i} ({kind:?}{}, {mode}, prefetchOnHover {prefetch})",
            if kind == Kind::Endpoint { query } else { "" }
        ));
        let options = call(
            &seq(),
            "options",
            &[
                &JsValue::from_str(&id),
                &JsValue::from_str(match kind {
                    Kind::Function => "function",
                    Kind::Endpoint => "endpoint",
                    Kind::Token => "token",
                }),
                &JsValue::from_str(mode),
                &JsValue::from(prefetch),
                &JsValue::from_str(&endpoint),
            ],
        )
        .expect("options");
        let handle = create_checkout(options).expect("valid options");
        self.made.push(Made {
            id,
            kind,
            handle: Some(handle),
            button: None,
            destroyed: None,
            dropped: false,
        });
    }

    fn simple(&mut self, method: &str, d: &mut Draws) {
        if let Some(i) = self.pick_live(d) {
            self.trace.push(format!("{method} #{i}"));
            let h = self.made[i].handle.clone().unwrap();
            call(&h, method, &[]).unwrap_or_else(|e| panic!("{method}() threw {e:?}"));
        }
    }

    /// The shopper acts on one of the open widgets (whichever checkout it belongs to).
    fn shopper(&mut self, d: &mut Draws) {
        let (pick, action) = (d.below(u64::from(u32::MAX)) as usize, d.below(4));
        let open: Vec<u32> = self
            .sandbox
            .widgets()
            .iter()
            .filter(|w| w.state == "open")
            .map(|w| w.id)
            .collect();
        if open.is_empty() {
            return;
        }
        let widget = open[pick % open.len()];
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
        js_sys::eval(&script).expect("the sandbox acts on an open widget");
    }

    /// Every invariant, now.
    fn check(&mut self) -> Result<(), String> {
        let errors: Vec<String> = js_sys::Array::from(&get(&seq(), "errors"))
            .iter()
            .filter_map(|v| v.as_string())
            .collect();
        if !errors.is_empty() {
            return Err(format!("the page saw errors: {errors:?}"));
        }
        let widgets = self.sandbox.widgets();
        let live_widgets: Vec<_> = widgets.iter().filter(|w| w.state != "destroyed").collect();
        if self.sandbox.iframe_count() != live_widgets.len() {
            return Err(format!(
                "{} iframes for {} live widgets",
                self.sandbox.iframe_count(),
                live_widgets.len()
            ));
        }
        let now = js_sys::Date::now();
        for (i, made) in self.made.iter().enumerate() {
            let prefix = format!("cs_{}_sec_", made.id);
            let mine = live_widgets
                .iter()
                .filter(|w| {
                    w.options
                        .session_token
                        .as_deref()
                        .is_some_and(|t| t.starts_with(&prefix))
                })
                .count();
            if mine > 1 {
                return Err(format!("#{i} has {mine} live widgets"));
            }
            let log = log_of(&made.id);
            if let Some((callbacks, requests)) = made.destroyed {
                if mine != 0 {
                    return Err(format!("#{i} was destroyed but its widget lives"));
                }
                let (now_callbacks, now_requests) = counts_of(&made.id);
                if now_callbacks != callbacks {
                    return Err(format!(
                        "#{i} was destroyed but its callbacks went on: {log:?} ({callbacks} before)"
                    ));
                }
                if now_requests != requests {
                    return Err(format!("#{i} asked for a session after destroy(): {log:?}"));
                }
            }
            // States and session requests in the order they happened: each request belongs to
            // the preparation cycle it started in, and a cycle has at most one.
            let mut before = "idle";
            let (mut in_cycle, mut cycles) = (0, 0);
            for entry in &log {
                if entry == "request" {
                    if !matches!(before, "preparing" | "opening") {
                        return Err(format!(
                            "#{i} asked for a session outside a preparation: {log:?}"
                        ));
                    }
                    in_cycle += 1;
                    if in_cycle > 1 {
                        return Err(format!(
                            "#{i}: {in_cycle} session requests in preparation cycle {cycles}: {log:?}"
                        ));
                    }
                    continue;
                }
                let Some(s) = entry.strip_prefix("state:") else {
                    continue;
                };
                if !documented_transition(before, s) {
                    return Err(format!("#{i} moved {before} -> {s}: {log:?}"));
                }
                if matches!(s, "preparing" | "opening")
                    && !matches!(before, "preparing" | "opening")
                {
                    cycles += 1;
                    in_cycle = 0;
                }
                before = s;
            }
            if let Some(h) = &made.handle {
                let state = get(h, "state").as_string().unwrap_or_default();
                if state != before {
                    return Err(format!("#{i}'s state is {state}, its last report {before}"));
                }
            }
        }
        // Promises: settled within a bound once their checkout is past them.
        let mut still = Vec::new();
        for mut p in std::mem::take(&mut self.pending) {
            if settled(p.pid).is_some() {
                continue;
            }
            let made = &self.made[p.checkout];
            let state = states_of(&made.id).pop().unwrap_or_else(|| "idle".into());
            let over = made.destroyed.is_some()
                || if p.open {
                    !matches!(state.as_str(), "opening" | "open")
                } else {
                    !matches!(state.as_str(), "preparing" | "opening")
                };
            if !over {
                p.overdue_since = None;
            } else {
                let since = *p.overdue_since.get_or_insert(now);
                if now - since > 500.0 {
                    return Err(format!(
                        "#{}'s {} promise still pending {} ms after its checkout reached `{state}`",
                        p.checkout,
                        if p.open { "open()" } else { "prepare()" },
                        now - since
                    ));
                }
            }
            still.push(p);
        }
        self.pending = still;
        Ok(())
    }

    /// Destroys what is left; every promise settles, no widget, no iframe.
    async fn finish(&mut self) -> Result<(), String> {
        for i in self.live() {
            let h = self.made[i].handle.take().unwrap();
            call(&h, "destroy", &[]).expect("destroy");
            let id = self.made[i].id.clone();
            self.made[i].destroyed = Some(counts_of(&id));
        }
        for made in &mut self.made {
            if let Some(b) = made.button.take() {
                b.remove();
            }
        }
        // A dropped checkout with a pending open() is kept alive by it (the collector never
        // cancels a payment): its shopper closes the widget, then it may be collected.
        for w in self.sandbox.widgets() {
            if w.state == "open" {
                self.trace
                    .push(format!("at the end, shopper closes widget {}", w.id));
                js_sys::eval(&format!("window.FintocSandbox.exit({})", w.id)).expect("exit");
            }
        }
        force_gc().await;
        let deadline = js_sys::Date::now() + 2_000.0;
        loop {
            let open: Vec<u32> = self
                .pending
                .iter()
                .filter(|p| settled(p.pid).is_none())
                .map(|p| p.pid)
                .collect();
            let widgets = self
                .sandbox
                .widgets()
                .iter()
                .filter(|w| w.state != "destroyed")
                .count();
            if open.is_empty() && widgets == 0 && self.sandbox.iframe_count() == 0 {
                break;
            }
            if js_sys::Date::now() > deadline {
                // A dropped handle with nothing pending may legitimately wait for a later
                // collection: only promises and destroyed checkouts count here.
                let held = self
                    .made
                    .iter()
                    .filter(|m| m.dropped && m.destroyed.is_none())
                    .count();
                if !open.is_empty() || (widgets > 0 && held == 0) {
                    return Err(format!(
                        "at the end: promises {open:?} pending, {widgets} live widgets"
                    ));
                }
                break;
            }
            sleep(20).await;
            force_gc().await;
        }
        self.check()
    }
}

/// Runs the garbage collector (webdriver.json starts Chromium with `--expose-gc`).
async fn force_gc() {
    for _ in 0..2 {
        js("window.gc()");
        sleep(20).await;
    }
}

#[wasm_bindgen_test]
async fn random_sequences_of_the_js_api_keep_every_invariant() {
    js(PAGE);
    let started = js_sys::Date::now();
    let mut steps_run = 0;
    // Session requests seen, by kind of session: the per-cycle check read them all.
    let (mut by_function, mut by_endpoint) = (0, 0);
    for n in 0..SEQUENCES {
        let seed = SEED.wrapping_add(n);
        let sandbox = Sandbox::install().unwrap();
        sandbox.stall_redirects_after(std::time::Duration::from_millis(200));
        let mut world = World {
            rng: Rng(seed),
            sandbox,
            made: Vec::new(),
            pending: Vec::new(),
            next_pid: 0,
            trace: Vec::new(),
            seq_no: n,
        };
        if world.rng.chance(15) {
            world.trace.push("the first script load is blocked".into());
            world.sandbox.fail_next_load(LoadFailure::Network).unwrap();
        }
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
            let tail = world.trace.len().saturating_sub(40);
            panic!(
                "sequence {n} (replay: FINTOC_FUZZ_SEED={seed} FINTOC_FUZZ_SEQUENCES=1): {failure}\nsteps:\n  {}",
                world.trace[tail..].join("\n  ")
            );
        }
        for made in &world.made {
            let requests = counts_of(&made.id).1;
            match made.kind {
                Kind::Function => by_function += requests,
                Kind::Endpoint => by_endpoint += requests,
                Kind::Token => assert_eq!(requests, 0, "a token session asks for nothing"),
            }
        }
        // Every log entry of this sequence is checked: clear the page's books.
        js("window.__seq.log = {}; window.__seq.calls = {}; window.__seq.plan = {}; window.__seq.settled = {};");
        drop(world);
    }
    assert!(
        by_function > 0 && by_endpoint > 0,
        "the sequences asked for sessions through functions and endpoints"
    );
    web_sys::console::log_1(
        &format!(
            "js_sequences: {SEQUENCES} sequences, {steps_run} steps, seeds {SEED}..{}, \
             {by_function} function and {by_endpoint} endpoint session requests, {} ms",
            SEED.wrapping_add(SEQUENCES),
            js_sys::Date::now() - started
        )
        .into(),
    );
}
