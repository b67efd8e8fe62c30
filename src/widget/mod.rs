//! The widget: typed options for `Fintoc.create`, the callbacks and what they receive, and the
//! handle that owns the JS widget and its closures, like gloo's timers own theirs. Dropping the
//! handle destroys the widget and frees the closures; no closure is ever leaked (never
//! forgotten).
//!
//! Re-entrancy rules (a shop may destroy or drop the widget from inside its own callbacks):
//! - callbacks are `Fn` closures: JS may call them re-entrantly, and no `RefCell` borrow is held
//!   while user code runs;
//! - `destroy()` takes the closures out first, calls the JS `destroy()`, and only then drops
//!   them, so a widget that calls `onExit` while being destroyed never hits a freed closure;
//! - once `destroy()` has started, callbacks no longer reach user code.

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};
use core::fmt;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

mod events;
mod options;
pub(crate) mod values;

pub use events::{EventKind, Payload, WidgetEvent};
pub use options::{WidgetOptions, WidgetOptionsBuilder};
pub use values::{Country, HolderType, OptionValue, Product, PublicKey, Username, WidgetToken};

use crate::browser;
use crate::error::{FintocError, WidgetError};
use crate::load::Fintoc;

type Handler<T> = Option<Rc<dyn Fn(T)>>;

/// The Rust functions the widget calls: `onSuccess`, `onExit`, `onEvent`.
///
/// Cheap to clone (the functions are reference-counted).
///
/// ```
/// use fintoc_wasm::Callbacks;
/// use fintoc_wasm::widget::EventKind;
///
/// let callbacks = Callbacks::new()
///     .on_success(|_payload| { /* show "confirming payment…"; the webhook decides */ })
///     .on_exit(|_payload| { /* the user closed the widget */ })
///     .on_event(|event| {
///         if event.kind == EventKind::Opened { /* analytics */ }
///     });
/// ```
#[derive(Clone, Default)]
pub struct Callbacks {
    on_success: Handler<Payload>,
    on_exit: Handler<Payload>,
    on_event: Handler<WidgetEvent>,
}

impl Callbacks {
    /// No callbacks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Called when the user finishes the flow. For payments this is **not** proof of payment:
    /// confirm it on your backend from the `checkout_session.finished` webhook.
    pub fn on_success(mut self, f: impl Fn(Payload) + 'static) -> Self {
        self.on_success = Some(Rc::new(f));
        self
    }

    /// Called when the user closes the widget before finishing.
    pub fn on_exit(mut self, f: impl Fn(Payload) + 'static) -> Self {
        self.on_exit = Some(Rc::new(f));
        self
    }

    /// Called for every widget event (`opened`, `on_available_institutions`, …).
    pub fn on_event(mut self, f: impl Fn(WidgetEvent) + 'static) -> Self {
        self.on_event = Some(Rc::new(f));
        self
    }

    pub(crate) fn success(&self, payload: Payload) {
        if let Some(f) = &self.on_success {
            f(payload);
        }
    }

    pub(crate) fn exit(&self, payload: Payload) {
        if let Some(f) = &self.on_exit {
            f(payload);
        }
    }

    pub(crate) fn event(&self, event: WidgetEvent) {
        if let Some(f) = &self.on_event {
            f(event);
        }
    }
}

impl fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callbacks")
            .field("on_success", &self.on_success.is_some())
            .field("on_exit", &self.on_exit.is_some())
            .field("on_event", &self.on_event.is_some())
            .finish()
    }
}

impl Fintoc {
    /// Calls `Fintoc.create` with `options` and `callbacks`, returning the handle that owns the
    /// widget. The widget is created hidden; call [`Widget::open`].
    ///
    /// # Errors
    /// [`FintocError::Options`] when the options lack a required token;
    /// [`FintocError::Widget`] when `Fintoc.create` throws or returns no widget.
    pub fn create(
        &self,
        options: &WidgetOptions,
        callbacks: Callbacks,
    ) -> Result<Widget, FintocError> {
        options.check_complete()?;
        self.create_from(options.to_js()?, callbacks)
    }

    /// [`create`](Self::create) with the options already turned into their JS object.
    pub(crate) fn create_from(
        &self,
        object: js_sys::Object,
        callbacks: Callbacks,
    ) -> Result<Widget, FintocError> {
        let active = Rc::new(Cell::new(true));
        let closures = WidgetClosures::new(&callbacks, &active);
        let js = match browser::create(
            self.as_js(),
            &object,
            [
                closures.on_success.as_js_value(),
                closures.on_exit.as_js_value(),
                closures.on_event.as_js_value(),
            ],
        ) {
            browser::Called::Ran(js) => js,
            browser::Called::Missing => {
                return Err(WidgetError::MethodMissing {
                    method: "create".into(),
                }
                .into())
            }
            browser::Called::Threw(message) => return Err(WidgetError::Create { message }.into()),
        };
        if !js.is_object() {
            return Err(WidgetError::Create {
                message: "Fintoc.create returned no widget object".into(),
            }
            .into());
        }
        Ok(Widget {
            js,
            active,
            closures: RefCell::new(Some(closures)),
        })
    }
}

struct WidgetClosures {
    on_success: Closure<dyn Fn(JsValue)>,
    on_exit: Closure<dyn Fn(JsValue)>,
    on_event: Closure<dyn Fn(JsValue, JsValue)>,
}

impl WidgetClosures {
    fn new(callbacks: &Callbacks, active: &Rc<Cell<bool>>) -> Self {
        let on_success = {
            let (callbacks, active) = (callbacks.clone(), active.clone());
            Closure::<dyn Fn(JsValue)>::new(move |payload: JsValue| {
                if active.get() {
                    callbacks.success(Payload::from_js(payload));
                }
            })
        };
        let on_exit = {
            let (callbacks, active) = (callbacks.clone(), active.clone());
            Closure::<dyn Fn(JsValue)>::new(move |payload: JsValue| {
                if active.get() {
                    callbacks.exit(Payload::from_js(payload));
                }
            })
        };
        let on_event = {
            let (callbacks, active) = (callbacks.clone(), active.clone());
            Closure::<dyn Fn(JsValue, JsValue)>::new(move |name: JsValue, metadata: JsValue| {
                if active.get() {
                    callbacks.event(WidgetEvent::from_js(&name, metadata));
                }
            })
        };
        WidgetClosures {
            on_success,
            on_exit,
            on_event,
        }
    }
}

/// A Fintoc widget. Dropping the handle destroys the widget (its iframe leaves the page) and
/// frees its callbacks.
///
/// All methods take `&self`, so a shop can keep the handle in an `Rc` and call
/// [`hide`](Self::hide) or [`destroy`](Self::destroy) from inside its own callbacks.
///
/// ```no_run
/// use std::{cell::RefCell, rc::Rc};
/// use fintoc_wasm::{Callbacks, WidgetOptions};
/// use fintoc_wasm::load::Fintoc;
/// use fintoc_wasm::widget::Widget;
///
/// fn pay(fintoc: &Fintoc, options: &WidgetOptions) -> Result<(), fintoc_wasm::FintocError> {
///     let slot: Rc<RefCell<Option<Widget>>> = Rc::default();
///     let on_success_slot = slot.clone();
///     let callbacks = Callbacks::new().on_success(move |_| {
///         // Done with the widget: take it out, then drop it (destroys it).
///         let widget = on_success_slot.borrow_mut().take();
///         drop(widget);
///     });
///     let widget = fintoc.create(options, callbacks)?;
///     widget.open()?;
///     *slot.borrow_mut() = Some(widget);
///     Ok(())
/// }
/// ```
#[must_use = "dropping a Widget destroys it; keep it while the user pays"]
pub struct Widget {
    js: JsValue,
    active: Rc<Cell<bool>>,
    closures: RefCell<Option<WidgetClosures>>,
}

impl Widget {
    /// Shows the widget.
    ///
    /// # Errors
    /// [`WidgetError::Destroyed`] after [`destroy`](Self::destroy); [`WidgetError::Call`] when
    /// the widget throws.
    pub fn open(&self) -> Result<(), WidgetError> {
        self.ensure_alive()?;
        self.call("open")
    }

    /// Hides the widget without destroying it; [`open`](Self::open) shows it again. Calls the
    /// widget's `hide()` (Fintoc's docs) or, when missing, `close()` (`@fintoc/fintoc-js`'s
    /// types).
    ///
    /// # Errors
    /// [`WidgetError::Destroyed`]; [`WidgetError::MethodMissing`] when the widget has neither
    /// method; [`WidgetError::Call`] when it throws.
    pub fn hide(&self) -> Result<(), WidgetError> {
        self.ensure_alive()?;
        match self.call("hide") {
            Err(WidgetError::MethodMissing { .. }) => self.call("close").map_err(|e| match e {
                WidgetError::MethodMissing { .. } => WidgetError::MethodMissing {
                    method: "hide".into(),
                },
                other => other,
            }),
            done => done,
        }
    }

    /// Destroys the widget: its iframe leaves the page and `open()` no longer works. Idempotent.
    /// From the moment this starts, callbacks no longer reach your code (the closures stay
    /// valid until the widget's `destroy()` has returned, then are freed).
    ///
    /// # Errors
    /// [`WidgetError::Call`] when the widget's `destroy()` throws (the handle is still
    /// considered destroyed and its closures are freed).
    pub fn destroy(&self) -> Result<(), WidgetError> {
        // Take the closures out before calling into JS: no borrow is held during the call.
        let closures = crate::cell::borrow_mut(&self.closures).take();
        let Some(closures) = closures else {
            return Ok(());
        };
        self.active.set(false);
        let result = self.call("destroy");
        drop(closures);
        result
    }

    /// True once [`destroy`](Self::destroy) has run.
    pub fn is_destroyed(&self) -> bool {
        crate::cell::borrow(&self.closures).is_none()
    }

    /// The JS widget object, for calls this crate does not wrap.
    pub fn as_js(&self) -> &JsValue {
        &self.js
    }

    fn ensure_alive(&self) -> Result<(), WidgetError> {
        if self.is_destroyed() {
            Err(WidgetError::Destroyed)
        } else {
            Ok(())
        }
    }

    fn call(&self, name: &str) -> Result<(), WidgetError> {
        match browser::call(&self.js, name, &JsValue::UNDEFINED) {
            browser::Called::Ran(_) => Ok(()),
            browser::Called::Missing => Err(WidgetError::MethodMissing {
                method: name.to_owned(),
            }),
            browser::Called::Threw(message) => Err(WidgetError::Call {
                method: name.to_owned(),
                message,
            }),
        }
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        let _ = self.destroy();
    }
}

impl fmt::Debug for Widget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Widget")
            .field("destroyed", &self.is_destroyed())
            .finish()
    }
}
