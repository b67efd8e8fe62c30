//! Typed callbacks and the widget handle, against the sandbox in a real page.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use fintoc_wasm::error::{LoadError, OptionsError, WidgetError};
use fintoc_wasm::load::load_fintoc;
use fintoc_wasm::testing::{LoadFailure, Sandbox};
use fintoc_wasm::widget::{Country, EventKind, Product, Username, Widget};
use fintoc_wasm::{Callbacks, FintocError, WidgetEvent, WidgetOptions};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn payments() -> WidgetOptions {
    WidgetOptions::builder("pk_test_widget")
        .session_token("cs_test_1_sec_abc")
        .build()
        .unwrap()
}

fn recording_callbacks(rec: &Recorder) -> Callbacks {
    let (s, x, e) = (rec.clone(), rec.clone(), rec.clone());
    Callbacks::new()
        .on_success(move |p| {
            s.push(format!(
                "success:{}",
                p.exchange_token().as_deref().unwrap_or("-")
            ))
        })
        .on_exit(move |_| x.push("exit"))
        .on_event(move |ev| e.push(format!("event:{}", ev.kind.as_str())))
}

#[wasm_bindgen_test]
async fn create_passes_camel_case_options_and_the_callbacks() {
    let sandbox = Sandbox::install().unwrap();
    let fintoc = load_fintoc().await.unwrap();
    let options = WidgetOptions::builder("pk_test_widget")
        .session_token("cs_test_1_sec_abc")
        .country(Country::Mx)
        .institution_id("mx_banco_bbva")
        .username(Username::new("user@example.com").editable(false))
        .extra("someFutureOption", "yes")
        .build()
        .unwrap();
    let _widget = fintoc.create(&options, Callbacks::new()).unwrap();
    let created = sandbox.last_options().unwrap();
    assert_eq!(created.public_key.as_deref(), Some("pk_test_widget"));
    assert_eq!(created.product.as_deref(), Some("payments"));
    assert_eq!(created.session_token.as_deref(), Some("cs_test_1_sec_abc"));
    assert_eq!(created.country.as_deref(), Some("mx"));
    assert_eq!(created.institution_id.as_deref(), Some("mx_banco_bbva"));
    assert!(created.has_callbacks);
    let username = js_sys::Reflect::get(created.raw(), &"username".into()).unwrap();
    let value = js_sys::Reflect::get(&username, &"value".into()).unwrap();
    let editable = js_sys::Reflect::get(&username, &"editable".into()).unwrap();
    assert_eq!(value.as_string().as_deref(), Some("user@example.com"));
    assert_eq!(editable.as_bool(), Some(false));
    let extra = js_sys::Reflect::get(created.raw(), &"someFutureOption".into()).unwrap();
    assert_eq!(extra.as_string().as_deref(), Some("yes"));
}

#[wasm_bindgen_test]
async fn a_secret_key_never_reaches_the_widget() {
    let sandbox = Sandbox::install().unwrap();
    let err = WidgetOptions::builder("sk_live_123456")
        .build()
        .unwrap_err();
    assert_eq!(err, OptionsError::SecretKey);
    // And a token-less payments widget is refused before Fintoc.create is called.
    let fintoc = load_fintoc().await.unwrap();
    let no_token = WidgetOptions::builder("pk_test_1").build().unwrap();
    let err = fintoc.create(&no_token, Callbacks::new()).unwrap_err();
    assert!(matches!(
        err,
        FintocError::Options(OptionsError::MissingToken { .. })
    ));
    assert_eq!(sandbox.create_count(), 0);
}

#[wasm_bindgen_test]
async fn the_sandbox_validates_options_like_the_real_widget() {
    let _sandbox = Sandbox::install().unwrap();
    let fintoc = load_fintoc().await.unwrap();
    let create = js_sys::Reflect::get(fintoc.as_js(), &"create".into()).unwrap();
    let create: js_sys::Function = wasm_bindgen::JsCast::unchecked_into(create);
    for (options, message) in [
        (
            "({product: 'payments', sessionToken: 'cs_1'})",
            "publicKey is required",
        ),
        (
            "({publicKey: 'pk_test_1', product: 'payments'})",
            "sessionToken is required",
        ),
        (
            "({publicKey: 'sk_test_1', sessionToken: 'cs_1'})",
            "must be a public key",
        ),
        (
            "({publicKey: 'pk_test_1', sessionToken: 'cs_1', country: 'ar'})",
            "country",
        ),
    ] {
        let err = create.call1(fintoc.as_js(), &js(options)).unwrap_err();
        let err: js_sys::Error = wasm_bindgen::JsCast::unchecked_into(err);
        let text = String::from(err.message());
        assert!(text.contains(message), "{options}: {text}");
    }
}

#[wasm_bindgen_test]
async fn every_callback_receives_typed_payloads() {
    let sandbox = Sandbox::install().unwrap();
    let fintoc = load_fintoc().await.unwrap();
    let rec = Recorder::default();
    let events: Rc<RefCell<Vec<WidgetEvent>>> = Rc::default();
    let callbacks = recording_callbacks(&rec).on_event({
        let (rec, events) = (rec.clone(), events.clone());
        move |e| {
            rec.push(format!("event:{}", e.kind.as_str()));
            events.borrow_mut().push(e);
        }
    });
    let widget = fintoc.create(&payments(), callbacks).unwrap();
    widget.open().unwrap();
    assert!(until(2000, || rec.len() >= 2).await);
    assert_eq!(
        rec.take(),
        ["event:opened", "event:on_available_institutions"]
    );
    {
        let events = events.borrow();
        assert_eq!(events[0].kind, EventKind::Opened);
        let ts = events[0].timestamp().expect("timestamp in ms");
        assert!((ts - js_sys::Date::now()).abs() < 60_000.0, "{ts}");
        let banks: Vec<String> = events[1].metadata.get("institutions").unwrap();
        assert!(banks.contains(&"cl_banco_de_chile".to_owned()), "{banks:?}");
    }
    sandbox.select_bank("cl_banco_estado").unwrap();
    let last = events.borrow().last().cloned().unwrap();
    assert_eq!(last.kind, EventKind::OnAuthenticationForm);
    assert_eq!(
        last.metadata.get::<String>("institutionId").as_deref(),
        Some("cl_banco_estado")
    );
    sandbox
        .emit(
            "brand_new_event",
            &serde_json::json!({"answer": 42, "timestamp": "oops"}),
        )
        .unwrap();
    let unknown = events.borrow().last().cloned().unwrap();
    assert_eq!(unknown.kind, EventKind::Unknown("brand_new_event".into()));
    assert_eq!(unknown.metadata.get::<u32>("answer"), Some(42));
    assert_eq!(
        unknown.timestamp(),
        None,
        "a non-numeric timestamp reads as None"
    );
    rec.take();
    sandbox.succeed().unwrap();
    assert_eq!(
        rec.take(),
        [
            "event:payment_in_progress",
            "event:payment_created",
            "success:-"
        ]
    );
    drop(widget);
}

#[wasm_bindgen_test]
async fn movements_success_decodes_the_exchange_token_and_exit_and_errors_arrive() {
    let sandbox = Sandbox::install().unwrap();
    let fintoc = load_fintoc().await.unwrap();
    let rec = Recorder::default();
    let options = WidgetOptions::builder("pk_test_1")
        .product(Product::Movements)
        .build()
        .unwrap();
    let widget = fintoc.create(&options, recording_callbacks(&rec)).unwrap();
    widget.open().unwrap();
    sandbox.succeed().unwrap();
    assert_eq!(
        rec.take().last().map(String::as_str),
        Some("success:li_sandbox_1_sec_exchange")
    );

    let payment = fintoc
        .create(&payments(), recording_callbacks(&rec))
        .unwrap();
    payment.open().unwrap();
    assert!(until(2000, || rec.len() >= 2).await);
    rec.take();
    sandbox.fail_payment("insufficient_funds").unwrap();
    assert_eq!(rec.take(), ["event:payment_error"]);
    sandbox.exit().unwrap();
    assert_eq!(rec.take(), ["event:closed", "exit"]);
    drop((widget, payment));
}

#[wasm_bindgen_test]
async fn dropping_the_handle_destroys_the_iframe() {
    let sandbox = Sandbox::install().unwrap();
    let fintoc = load_fintoc().await.unwrap();
    let widget = fintoc.create(&payments(), Callbacks::new()).unwrap();
    assert_eq!(sandbox.iframe_count(), 1);
    widget.open().unwrap();
    drop(widget);
    assert_eq!(sandbox.iframe_count(), 0);
    assert_eq!(sandbox.widgets()[0].state, "destroyed");
}

#[wasm_bindgen_test]
async fn destroy_while_open_keeps_closures_alive_and_mutes_callbacks() {
    // The sandbox calls onExit from inside destroy() when the widget is open.
    let sandbox = Sandbox::install().unwrap();
    let fintoc = load_fintoc().await.unwrap();
    let rec = Recorder::default();
    let widget = fintoc
        .create(&payments(), recording_callbacks(&rec))
        .unwrap();
    widget.open().unwrap();
    rec.take();
    widget
        .destroy()
        .expect("no 'closure invoked after being dropped'");
    assert!(widget.is_destroyed());
    assert_eq!(
        rec.take(),
        Vec::<String>::new(),
        "no callback after destroy()"
    );
    assert_eq!(widget.open(), Err(WidgetError::Destroyed));
    assert_eq!(widget.hide(), Err(WidgetError::Destroyed));
    assert_eq!(widget.destroy(), Ok(()), "idempotent");
    assert_eq!(sandbox.iframe_count(), 0);
    // The events the sandbox queued for `open` find no listener and throw nothing.
    sleep(20).await;
    assert_eq!(rec.take(), Vec::<String>::new());
}

#[wasm_bindgen_test]
async fn destroy_and_drop_from_inside_on_success_work() {
    let sandbox = Sandbox::install().unwrap();
    let fintoc = load_fintoc().await.unwrap();

    // 1. destroy() from inside on_success, the handle shared through an Rc.
    let slot: Rc<RefCell<Option<Rc<Widget>>>> = Rc::default();
    let rec = Recorder::default();
    let callbacks = Callbacks::new().on_success({
        let (slot, rec) = (slot.clone(), rec.clone());
        move |_| {
            let widget = slot.borrow().clone();
            if let Some(widget) = widget {
                widget.destroy().unwrap();
                rec.push("destroyed in on_success");
            }
        }
    });
    let widget = Rc::new(fintoc.create(&payments(), callbacks).unwrap());
    *slot.borrow_mut() = Some(widget.clone());
    widget.open().unwrap();
    sandbox
        .succeed()
        .expect("no JS exception from the callback");
    assert_eq!(rec.take(), ["destroyed in on_success"]);
    assert_eq!(sandbox.iframe_count(), 0);
    slot.borrow_mut().take();
    drop(widget);

    // 2. drop the only handle from inside on_success.
    let slot: Rc<RefCell<Option<Widget>>> = Rc::default();
    let callbacks = Callbacks::new().on_success({
        let (slot, rec) = (slot.clone(), rec.clone());
        move |_| {
            let taken = slot.borrow_mut().take();
            drop(taken);
            rec.push("dropped in on_success");
        }
    });
    let widget = fintoc.create(&payments(), callbacks).unwrap();
    widget.open().unwrap();
    *slot.borrow_mut() = Some(widget);
    sandbox
        .succeed()
        .expect("no JS exception from the callback");
    assert_eq!(rec.take(), ["dropped in on_success"]);
    assert_eq!(sandbox.iframe_count(), 0);
    assert!(slot.borrow().is_none());
}

#[wasm_bindgen_test]
async fn destroy_and_drop_from_inside_on_exit_work() {
    let sandbox = Sandbox::install().unwrap();
    let fintoc = load_fintoc().await.unwrap();
    let rec = Recorder::default();
    let slot: Rc<RefCell<Option<Widget>>> = Rc::default();
    let callbacks = Callbacks::new()
        .on_exit({
            let (slot, rec) = (slot.clone(), rec.clone());
            move |_| {
                let taken = slot.borrow_mut().take();
                drop(taken);
                rec.push("dropped in on_exit");
            }
        })
        .on_event({
            let rec = rec.clone();
            move |e| rec.push(e.kind.as_str().to_owned())
        });
    let widget = fintoc.create(&payments(), callbacks).unwrap();
    widget.open().unwrap();
    *slot.borrow_mut() = Some(widget);
    assert!(until(2000, || rec.len() >= 2).await);
    rec.take();
    sandbox.exit().expect("no JS exception from the callback");
    assert_eq!(rec.take(), ["closed", "dropped in on_exit"]);
    assert_eq!(sandbox.iframe_count(), 0);

    // hide() re-entrantly from inside on_event, then destroy() from inside on_exit.
    let shared: Rc<RefCell<Option<Rc<Widget>>>> = Rc::default();
    let callbacks = Callbacks::new()
        .on_event({
            let (shared, rec) = (shared.clone(), rec.clone());
            move |e| {
                if e.kind == EventKind::PaymentError {
                    let w = shared.borrow().clone();
                    w.unwrap().hide().unwrap();
                    rec.push("hidden in on_event");
                }
            }
        })
        .on_exit({
            let (shared, rec) = (shared.clone(), rec.clone());
            move |_| {
                let w = shared.borrow().clone();
                w.unwrap().destroy().unwrap();
                rec.push("destroyed in on_exit");
            }
        });
    let widget = Rc::new(fintoc.create(&payments(), callbacks).unwrap());
    *shared.borrow_mut() = Some(widget.clone());
    widget.open().unwrap();
    sandbox.fail_payment("bank_not_available").unwrap();
    assert_eq!(rec.take(), ["hidden in on_event"]);
    widget.open().unwrap();
    sandbox.exit().unwrap();
    assert_eq!(rec.take(), ["destroyed in on_exit"]);
    assert!(widget.is_destroyed());
    shared.borrow_mut().take();
}

#[wasm_bindgen_test]
async fn hide_falls_back_to_close() {
    let _sandbox = Sandbox::install().unwrap();
    // A widget that only has close(), as @fintoc/fintoc-js's types describe it.
    js("window.__closed = 0; window.Fintoc = { create: function () { return { open: function () {}, \
        close: function () { window.__closed += 1; }, destroy: function () {} }; } };");
    let fintoc = load_fintoc().await.unwrap();
    let widget = fintoc.create(&payments(), Callbacks::new()).unwrap();
    widget.hide().unwrap();
    assert_eq!(js("window.__closed").as_f64(), Some(1.0));
    // Neither hide nor close: a typed error.
    js("window.Fintoc = { create: function () { return { open: function () {}, destroy: function () {} }; } };");
    let fintoc = load_fintoc().await.unwrap();
    let bare = fintoc.create(&payments(), Callbacks::new()).unwrap();
    assert_eq!(
        bare.hide(),
        Err(WidgetError::MethodMissing {
            method: "hide".into()
        })
    );
    // A method that throws: a typed error with the message.
    js("window.Fintoc = { create: function () { return { open: function () { throw new Error('nope'); }, destroy: function () {} }; } };");
    let fintoc = load_fintoc().await.unwrap();
    let throwing = fintoc.create(&payments(), Callbacks::new()).unwrap();
    assert_eq!(
        throwing.open(),
        Err(WidgetError::Call {
            method: "open".into(),
            message: "nope".into()
        })
    );
}

#[wasm_bindgen_test]
async fn the_harness_makes_the_next_load_fail_then_recovers() {
    let sandbox = Sandbox::install().unwrap();
    sandbox.fail_next_load(LoadFailure::Network).unwrap();
    let err = load_fintoc().await.unwrap_err();
    assert!(matches!(err, LoadError::Network { .. }), "{err:?}");
    load_fintoc().await.expect("the retry gets the sandbox");
    sandbox.fail_next_load(LoadFailure::GlobalMissing).unwrap();
    // The loader waits for a late global up to the load timeout before giving up.
    let quick = fintoc_wasm::LoadOptions::new().with_timeout(std::time::Duration::from_millis(800));
    let err = fintoc_wasm::load::load_fintoc_with(&quick)
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::GlobalMissing { .. }), "{err:?}");
    load_fintoc().await.expect("the retry gets the sandbox");
    assert_eq!(fintoc_wasm::testing::injected_script_count(), 1);
}
