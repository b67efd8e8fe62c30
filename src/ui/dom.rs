//! The checkout's DOM for adapters that mount into an element (the Leptos component): a
//! [`Drawing`] owns the element's listeners and redraws it from a [`View`]. The DOM work is in
//! `src/ui.js` (a binding per DOM call through web-sys would cost more wasm than the whole
//! file); what to show is decided in Rust, by [`super::view`].

use wasm_bindgen::prelude::*;

use super::{class, Labels, View};

#[wasm_bindgen(module = "/src/ui.js")]
extern "C" {
    /// A mounted root (the JS side's node references and listeners).
    pub(crate) type Mounted;

    #[wasm_bindgen(js_name = mountView)]
    fn mount_view(root: &web_sys::Element, act: &Closure<dyn Fn(u32)>) -> Mounted;

    #[wasm_bindgen(js_name = unmountView)]
    fn unmount_view(m: &Mounted);

    #[wasm_bindgen(js_name = drawView)]
    #[allow(clippy::too_many_arguments)]
    fn draw_view(
        m: &Mounted,
        root_class: &str,
        state: &str,
        show_button: bool,
        busy: bool,
        disabled: bool,
        label: Option<&str>,
        preparing: &str,
        error: Option<&str>,
        retry: Option<&str>,
        fallback: Option<&str>,
        fallback_text: &str,
        status: Option<&str>,
    );
}

/// What the shopper did (the codes `src/ui.js` sends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Intent {
    /// Clicked the pay button.
    Pay,
    /// The pointer entered the pay button, or it got focus.
    Prefetch,
    /// Clicked retry.
    Retry,
}

/// An element drawn by `src/ui.js`; dropping it removes its listeners (the element itself
/// belongs to the framework).
pub(crate) struct Drawing {
    mounted: Mounted,
    // Called by the listeners `unmount_view` removes: dropped after them.
    _act: Closure<dyn Fn(u32)>,
}

impl Drawing {
    /// Starts drawing into `root`, which holds the root's first markup (`src/ui.js` describes
    /// it). Off-browser nothing is ever mounted (`None`).
    pub(crate) fn mount(root: &web_sys::Element, act: impl Fn(Intent) + 'static) -> Option<Self> {
        crate::browser::window()?;
        let act = Closure::<dyn Fn(u32)>::new(move |code: u32| {
            act(match code {
                0 => Intent::Pay,
                1 => Intent::Prefetch,
                _ => Intent::Retry,
            })
        });
        let mounted = mount_view(root, &act);
        Some(Drawing { mounted, _act: act })
    }

    /// Draws `view`; `label` is the button's text (`None`: the shop's own content is there).
    pub(crate) fn draw(
        &self,
        view: &View<'_>,
        extra_class: &str,
        disabled: bool,
        label: Option<&str>,
        labels: &Labels,
    ) {
        let root_class = root_class(view.modifier, extra_class);
        draw_view(
            &self.mounted,
            &root_class,
            view.state,
            view.button,
            view.busy,
            disabled,
            label,
            view.busy_text,
            view.error,
            view.retry.then_some(labels.retry),
            view.fallback,
            labels.continue_on_fintoc,
            view.status,
        );
    }
}

impl Drop for Drawing {
    fn drop(&mut self) {
        unmount_view(&self.mounted);
    }
}

/// The root's classes: `fintoc-checkout fintoc-checkout--{state}` and the shop's own.
pub(crate) fn root_class(modifier: &str, extra: &str) -> String {
    let mut s = String::with_capacity(class::ROOT.len() + modifier.len() + extra.len() + 2);
    s.push_str(class::ROOT);
    s.push(' ');
    s.push_str(modifier);
    if !extra.trim().is_empty() {
        s.push(' ');
        s.push_str(extra.trim());
    }
    s
}
