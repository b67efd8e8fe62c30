//! What a test harness may change about the page (feature `testing`): where script loads go
//! (every load to the sandbox, or once to a failing URL), navigations recorded instead of made,
//! and how long a recorded page takes to stop saying "redirecting". `testing::Sandbox` fills the
//! slot; the core only asks it, here.

use std::cell::RefCell;

use wasm_bindgen::prelude::wasm_bindgen;

// The loader's registry (src/browser/page.js exports the object, no test hook): only this
// module reads or clears it, and only `testing` builds compile this module.
#[wasm_bindgen(module = "/src/browser/page.js")]
extern "C" {
    type Registry;

    #[wasm_bindgen(thread_local_v2, js_name = registry)]
    static REGISTRY: Registry;

    /// `key -> Promise`: one load per script key.
    #[wasm_bindgen(method, getter)]
    fn loads(this: &Registry) -> js_sys::Map;

    /// Page tags that failed.
    #[wasm_bindgen(method, getter)]
    fn dead(this: &Registry) -> js_sys::Set;
}

/// Forgets every load (a fresh page, as far as the loader knows).
pub(crate) fn clear_loads() {
    REGISTRY.with(|r| {
        r.loads().clear();
        r.dead().clear();
    });
}

/// Loads the registry holds.
pub(crate) fn load_count() -> u32 {
    REGISTRY.with(|r| r.loads().size())
}

/// The harness's settings while it is installed.
pub(crate) struct Overrides {
    /// Where every script load goes.
    pub(crate) script: String,
    /// Where the next load goes instead, once (a failing URL).
    pub(crate) next_script: Option<String>,
    /// Navigations recorded instead of made, oldest first.
    pub(crate) navigations: Vec<String>,
    /// After how long a recorded page stops saying "redirecting" (0: never).
    pub(crate) stall_ms: u32,
}

thread_local! {
    static SLOT: RefCell<Option<Overrides>> = const { RefCell::new(None) };
}

/// Installs (or with `None` removes) the harness's settings.
pub(crate) fn set(overrides: Option<Overrides>) {
    SLOT.with(|slot| *slot.borrow_mut() = overrides);
}

/// `f` on the installed settings, if any (no JS runs inside).
pub(crate) fn with<R>(f: impl FnOnce(&mut Overrides) -> R) -> Option<R> {
    SLOT.with(|slot| slot.borrow_mut().as_mut().map(f))
}

/// Where a requested script URL really loads from.
pub(crate) fn route_script(requested: &str) -> String {
    with(|o| o.next_script.clone().unwrap_or_else(|| o.script.clone()))
        .unwrap_or_else(|| requested.to_owned())
}

/// The load of `url` answered (every caller joining it got its result): a one-shot failing URL
/// has served its purpose, later loads get the sandbox again.
pub(crate) fn settled(url: &str) {
    with(|o| {
        if o.next_script.as_deref() == Some(url) {
            o.next_script = None;
        }
    });
}

/// Calls [`settled`] when the load answers, whether or not anyone awaits it (a preload).
pub(crate) fn watch_load(reply: &js_sys::Promise, url: &str) {
    let (reply, url) = (reply.clone(), url.to_owned());
    wasm_bindgen_futures::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(reply).await;
        settled(&url);
    });
}

/// Records `url` instead of going there; `true` when recorded.
pub(crate) fn record_navigation(url: &str) -> bool {
    with(|o| o.navigations.push(url.to_owned())).is_some()
}

/// The stall time a recorded page uses, while a harness is installed.
pub(crate) fn redirect_stall_ms() -> Option<u32> {
    with(|o| o.stall_ms)
}
