//! `<FintocCheckout>` rendered into a real page (headless Chromium), with the sandbox as Fintoc
//! and the fixture server as the merchant backend.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use fintoc_wasm::error::OptionsError;
use fintoc_wasm::testing::{LoadFailure, Sandbox};
use fintoc_wasm::yew::{FintocCheckout, FintocCheckoutProps, Locale};
use fintoc_wasm::{CheckoutState, FintocError, LoadOptions, Payload, SessionSource};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::prelude::*;
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

struct Mounted<C: BaseComponent> {
    handle: Option<AppHandle<C>>,
    root: web_sys::Element,
}

impl<C: BaseComponent> Mounted<C> {
    fn new(props: C::Properties) -> Self {
        let root = document().create_element("div").unwrap();
        document().body().unwrap().append_child(&root).unwrap();
        let handle = yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
        Mounted {
            handle: Some(handle),
            root,
        }
    }

    fn update(&mut self, props: C::Properties) {
        self.handle.as_mut().unwrap().update(props);
    }

    fn unmount(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
    }

    fn find(&self, selector: &str) -> Option<web_sys::HtmlElement> {
        self.root
            .query_selector(selector)
            .unwrap()
            .map(|e| e.dyn_into().unwrap())
    }

    fn button(&self) -> web_sys::HtmlElement {
        self.find(".fintoc-checkout__button").expect("a pay button")
    }
}

impl<C: BaseComponent> Drop for Mounted<C> {
    fn drop(&mut self) {
        self.unmount();
        self.root.remove();
    }
}

/// Lets Yew's scheduler render and run effects: it queues its work as microtasks, which all
/// run before the next timer task. Anything that waits on the network waits on a condition
/// (`until`) instead.
async fn settle() {
    sleep(0).await;
}

/// The root's whole text, to check what a shopper can read.
fn visible_text(app: &Mounted<impl BaseComponent>) -> String {
    app.root.text_content().unwrap_or_default()
}

fn states(rec: &Recorder) -> Callback<CheckoutState> {
    let rec = rec.clone();
    Callback::from(move |s: CheckoutState| {
        rec.push(match s {
            CheckoutState::Failed(_) => "Failed".to_owned(),
            other => format!("{other:?}"),
        })
    })
}

fn base_props(session: SessionSource) -> FintocCheckoutProps {
    yew::props!(FintocCheckoutProps {
        public_key: "pk_test_yew",
        session,
    })
}

#[wasm_bindgen_test]
async fn click_runs_the_checkout_and_success_reaches_the_yew_callback() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("click");
    let rec = Recorder::default();
    let mut props = base_props(SessionSource::endpoint(session_url(&id, "&delay=150")));
    props.on_state = Some(states(&rec));
    props.on_success = Some({
        let rec = rec.clone();
        Callback::from(move |p: Payload| {
            rec.push(format!(
                "on_success(raw undefined: {})",
                p.raw().is_undefined()
            ))
        })
    });
    props.on_session = Some({
        let rec = rec.clone();
        Callback::from(move |s: fintoc_wasm::session::SessionResponse| {
            rec.push(format!(
                "on_session({})",
                s.get::<String>("id").unwrap_or_default()
            ))
        })
    });
    let app = Mounted::<FintocCheckout>::new(props);
    settle().await;
    let button = app.button();
    assert_eq!(button.get_attribute("type").as_deref(), Some("button"));
    assert_eq!(button.text_content().as_deref(), Some("Pagar con Fintoc"));
    assert_eq!(button.get_attribute("aria-busy").as_deref(), Some("false"));
    // On mount, before any interaction (Yew runs effects after rendering: wait for them with a
    // deadline rather than one turn of the event loop, which a loaded machine once missed).
    assert!(
        until(3000, || injected_script() == 1).await,
        "preload puts the script in the page on mount: {} scripts",
        injected_script()
    );

    button.click();
    settle().await;
    let button = app.button();
    assert_eq!(button.get_attribute("aria-busy").as_deref(), Some("true"));
    assert!(button.has_attribute("disabled"));
    assert!(app.find(".fintoc-checkout__spinner").is_some());
    assert_eq!(
        app.root
            .first_element_child()
            .unwrap()
            .get_attribute("data-state")
            .as_deref(),
        Some("opening")
    );

    assert!(until(3000, || widget_open(&sandbox)).await);
    settle().await;
    assert_eq!(
        app.button().get_attribute("aria-busy").as_deref(),
        Some("false")
    );
    sandbox.succeed().unwrap();
    settle().await;
    assert_eq!(
        rec.take(),
        [
            "Opening".to_owned(),
            format!("on_session(cs_{id})"),
            "Ready".to_owned(),
            "Open".to_owned(),
            "Succeeded".to_owned(),
            "on_success(raw undefined: true)".to_owned()
        ]
    );
    let status = app.find(".fintoc-checkout__status").unwrap();
    assert_eq!(
        status.text_content().as_deref(),
        Some("Recibimos tu pago; lo estamos confirmando…")
    );
    assert_eq!(status.get_attribute("role").as_deref(), Some("status"));
}

fn injected_script() -> usize {
    fintoc_wasm::testing::injected_script_count()
}

#[wasm_bindgen_test]
async fn callbacks_are_the_latest_props_without_recreating_the_widget() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("latest");
    let (first, second) = (Recorder::default(), Recorder::default());
    let session = SessionSource::endpoint(session_url(&id, ""));
    let with_success = |rec: &Recorder| {
        let mut p = base_props(session.clone());
        let rec = rec.clone();
        p.on_success = Some(Callback::from(move |_: Payload| rec.push("success")));
        p
    };
    let mut app = Mounted::<FintocCheckout>::new(with_success(&first));
    settle().await;
    app.button().click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    app.update(with_success(&second));
    settle().await;
    sandbox.succeed().unwrap();
    settle().await;
    assert_eq!(first.take(), Vec::<String>::new());
    assert_eq!(second.take(), ["success"]);
    assert_eq!(sandbox.create_count(), 1, "the widget was not recreated");
    assert_eq!(count_events(&id, "session-start").await, 1);
}

#[wasm_bindgen_test]
async fn a_new_session_source_destroys_the_old_widget_before_making_a_new_one() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("identity");
    let props = |cart: u32, country: Option<fintoc_wasm::widget::Country>| {
        let mut p = base_props(SessionSource::endpoint(session_url(
            &id,
            &format!("&cart={cart}"),
        )));
        p.auto_open = true;
        p.country = country;
        p
    };
    let mut app = Mounted::<FintocCheckout>::new(props(1, None));
    assert!(until(3000, || widget_open(&sandbox)).await);
    // Another country: same identity, nothing recreated.
    app.update(props(1, Some(fintoc_wasm::widget::Country::Cl)));
    settle().await;
    assert_eq!(sandbox.create_count(), 1);
    // Another cart: the old widget goes first, then the new one opens (auto_open).
    app.update(props(2, None));
    assert!(
        until(3000, || sandbox.create_count() == 2
            && sandbox.widgets()[1].state == "open")
        .await
    );
    let log = sandbox.log();
    let at = |e: &str| log.iter().position(|x| x == e).unwrap();
    assert!(at("destroy:1") < at("create:2"), "{log:?}");
    assert_eq!(sandbox.iframe_count(), 1);
    assert_eq!(count_events(&id, "session-start").await, 2);
}

#[wasm_bindgen_test]
async fn unmount_while_preparing_opens_nothing_and_calls_nothing() {
    fresh_page();
    let id = unique_id("unmount-prep");
    let rec = Recorder::default();
    let mut props = base_props(SessionSource::endpoint(session_url(&id, "&delay=700")));
    props.load = LoadOptions::new()
        .with_url(script_url(&id, 700))
        .with_timeout(Duration::from_secs(10));
    props.on_state = Some(states(&rec));
    props.on_success = Some({
        let rec = rec.clone();
        Callback::from(move |_| rec.push("success"))
    });
    let mut app = Mounted::<FintocCheckout>::new(props);
    settle().await;
    app.button().click();
    settle().await;
    app.unmount();
    sleep(1200).await;
    assert!(fintoc_global_exists(), "the script did load");
    assert_eq!(sandbox_create_count(), 0, "no widget was ever created");
    assert_eq!(rec.take(), ["Opening"]);
}

fn sandbox_create_count() -> usize {
    let control =
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"FintocSandbox".into()).unwrap();
    js_sys::Reflect::get(&control, &"createCount".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as usize
}

#[wasm_bindgen_test]
async fn unmount_while_open_removes_the_iframe() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("unmount-open");
    let rec = Recorder::default();
    let mut props = base_props(SessionSource::endpoint(session_url(&id, "")));
    props.on_exit = Some({
        let rec = rec.clone();
        Callback::from(move |_| rec.push("exit"))
    });
    let mut app = Mounted::<FintocCheckout>::new(props);
    settle().await;
    app.button().click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    assert_eq!(sandbox.iframe_count(), 1);
    app.unmount();
    settle().await;
    assert_eq!(sandbox.iframe_count(), 0);
    assert_eq!(sandbox.widgets()[0].state, "destroyed");
    assert_eq!(
        rec.take(),
        Vec::<String>::new(),
        "no callback after unmount"
    );
}

thread_local! {
    static KEPT: std::cell::RefCell<Option<fintoc_wasm::yew::UseFintocCheckout>> =
        const { std::cell::RefCell::new(None) };
}

/// A shop component that keeps a clone of the hook's handle somewhere long-lived.
#[component]
fn KeepsHandle(props: &FintocCheckoutProps) -> Html {
    let checkout = fintoc_wasm::yew::use_fintoc_checkout(props.into());
    KEPT.with(|k| *k.borrow_mut() = Some(checkout.clone()));
    let onclick = Callback::from(move |_: MouseEvent| checkout.open());
    html! { <button class="fintoc-checkout__button" {onclick}>{ "Pay" }</button> }
}

/// A shop button built on the hook, while the key has become invalid: `open()` does nothing
/// (it would pay with the previous key while the state says failed), and the shop hears no
/// state but `Failed`; once fixed, the button pays with the new key.
#[wasm_bindgen_test]
async fn the_hook_acts_on_nothing_while_its_configuration_is_invalid() {
    use yew::html::IntoPropValue;
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("hookinvalid");
    let rec = Recorder::default();
    let with_key = |key: &str| {
        let mut p = base_props(SessionSource::endpoint(session_url(&id, "")));
        p.public_key = key.into_prop_value();
        p.on_state = Some(states(&rec));
        p
    };
    let mut app = Mounted::<KeepsHandle>::new(with_key("pk_test_first"));
    settle().await;
    // A handle kept from a valid render (a listener, a timer), as a shop may keep it.
    let kept = KEPT.with(|k| k.borrow().clone()).unwrap();
    app.update(with_key("sk_test_oops"));
    settle().await;
    rec.take();
    app.button().click();
    kept.open();
    kept.prepare();
    settle().await;
    assert_eq!(
        count_events(&id, "session-start").await,
        0,
        "no session asked for"
    );
    assert_eq!(sandbox.create_count(), 0, "no widget");
    assert_eq!(rec.take(), Vec::<String>::new(), "no state after failed");
    app.update(with_key("pk_test_second"));
    settle().await;
    kept.open();
    assert!(
        until(3000, || widget_open(&sandbox)).await,
        "the handle kept from the first render pays once fixed"
    );
    assert_eq!(
        sandbox.last_options().unwrap().public_key.as_deref(),
        Some("pk_test_second")
    );
    app.unmount();
}

#[wasm_bindgen_test]
async fn unmount_tears_down_even_when_the_shop_kept_a_handle() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("kept");
    let mut app =
        Mounted::<KeepsHandle>::new(base_props(SessionSource::endpoint(session_url(&id, ""))));
    settle().await;
    app.button().click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    app.unmount();
    settle().await;
    assert_eq!(
        sandbox.iframe_count(),
        0,
        "the widget went with the component"
    );
    KEPT.with(|k| {
        let kept = k.borrow_mut().take().unwrap();
        kept.open(); // after unmount: does nothing
    });
    settle().await;
    assert_eq!(sandbox.create_count(), 1);
}

#[wasm_bindgen_test]
async fn mount_unmount_mount_keeps_one_widget_and_one_script() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("remount");
    let props = || {
        let mut p = base_props(SessionSource::endpoint(session_url(&id, "")));
        p.auto_open = true;
        p
    };
    let mut first = Mounted::<FintocCheckout>::new(props());
    assert!(until(3000, || widget_open(&sandbox)).await);
    first.unmount();
    let _second = Mounted::<FintocCheckout>::new(props());
    assert!(
        until(3000, || sandbox.create_count() == 2
            && sandbox.widgets()[1].state == "open")
        .await
    );
    assert_eq!(sandbox.iframe_count(), 1, "exactly one widget in the page");
    assert_eq!(injected_script(), 1, "exactly one script");
}

#[wasm_bindgen_test]
async fn a_double_click_while_preparing_makes_one_request_and_one_widget() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("dblclick");
    let app = Mounted::<FintocCheckout>::new(base_props(SessionSource::endpoint(session_url(
        &id,
        "&delay=200",
    ))));
    settle().await;
    let button = app.button();
    button.click();
    button.click(); // before Yew re-rendered the button as disabled
    settle().await;
    app.button().click(); // disabled now: ignored
    assert!(until(3000, || widget_open(&sandbox)).await);
    sleep(50).await;
    assert_eq!(count_events(&id, "session-start").await, 1);
    assert_eq!(sandbox.create_count(), 1);
}

#[component]
fn Fifty(props: &FintocCheckoutProps) -> Html {
    (0..50)
        .map(|_| html! { <FintocCheckout ..props.clone() /> })
        .collect::<Html>()
}

#[wasm_bindgen_test]
async fn fifty_mounted_components_load_one_script() {
    fresh_page();
    let id = unique_id("fifty");
    let mut props = base_props(SessionSource::endpoint(session_url(&id, "")));
    props.load = LoadOptions::new()
        .with_url(script_url(&id, 100))
        .with_timeout(Duration::from_secs(10));
    let app = Mounted::<Fifty>::new(props);
    settle().await;
    assert_eq!(
        app.root
            .query_selector_all(".fintoc-checkout__button")
            .unwrap()
            .length(),
        50
    );
    assert!(until(3000, fintoc_global_exists).await);
    assert_eq!(scripts_matching(&id), 1);
    assert_eq!(count_events(&id, "script-start").await, 1);
    assert_eq!(
        count_events(&id, "session-start").await,
        0,
        "no session before a click"
    );
}

#[wasm_bindgen_test]
async fn the_error_state_explains_offers_the_hosted_page_and_retry_works() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("error");
    let errors = Recorder::default();
    let mut props = base_props(SessionSource::endpoint(session_url(&id, "")));
    props.preload = false;
    props.on_error = Some({
        let errors = errors.clone();
        Callback::from(move |e: FintocError| errors.push(format!("{e:?}")))
    });
    let app = Mounted::<FintocCheckout>::new(props);
    settle().await;
    sandbox.fail_next_load(LoadFailure::Network).unwrap();
    app.button().click();
    assert!(until(3000, || app.find(".fintoc-checkout__error").is_some()).await);
    let error = app.find(".fintoc-checkout__error").unwrap();
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
    let message = app.find(".fintoc-checkout__error-message").unwrap();
    assert!(message
        .text_content()
        .unwrap()
        .starts_with("No pudimos cargar Fintoc"));
    let fallback = app
        .find(".fintoc-checkout__fallback")
        .expect("a fallback link");
    assert_eq!(
        fallback.get_attribute("href"),
        Some(format!("https://checkout.fintoc.com/checkout_session_{id}"))
    );
    assert_eq!(errors.len(), 1);
    assert!(errors.take()[0].starts_with("Load(Network"));
    assert!(
        !visible_text(&app).contains("Fintoc.js"),
        "no technical text for shoppers: {}",
        visible_text(&app)
    );

    app.find(".fintoc-checkout__retry").unwrap().click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    settle().await;
    assert!(app.find(".fintoc-checkout__error").is_none());
    assert_eq!(
        count_events(&id, "session-start").await,
        1,
        "token reused on retry"
    );
}

/// Found by `yew_sequences`: the shop's `on_state` heard `failed` for a secret key, then the key
/// was fixed and the component showed the pay button again (idle), but `on_state` never said so:
/// a shop mirroring the state stayed on "failed".
#[wasm_bindgen_test]
async fn fixing_an_invalid_key_reports_the_state_shown_again() {
    use yew::html::IntoPropValue;
    let _sandbox = Sandbox::install().unwrap();
    let rec = Recorder::default();
    let with_key = |key: &str| {
        let mut p = base_props(SessionSource::endpoint(session_url("fixed", "")));
        p.public_key = key.into_prop_value();
        p.on_state = Some(states(&rec));
        // Nothing loaded: a load still running when the test ends would define `window.Fintoc`
        // under the next test (`fifty_mounted_components_load_one_script` then found no tag).
        p.preload = false;
        p
    };
    let mut app = Mounted::<FintocCheckout>::new(with_key("sk_test_oops"));
    until(1000, || rec.len() > 0).await;
    assert_eq!(rec.take(), ["Failed"]);
    app.update(with_key("pk_test_yew"));
    until(1000, || rec.len() > 0).await;
    let shown = app
        .root
        .first_element_child()
        .and_then(|r| r.get_attribute("data-state"));
    assert_eq!(shown.as_deref(), Some("idle"));
    assert_eq!(rec.take(), ["Idle"], "the state shown, reported");
}

#[wasm_bindgen_test]
async fn a_secret_key_renders_a_configuration_error_and_never_loads() {
    let sandbox = Sandbox::install().unwrap();
    let errors = Recorder::default();
    let props = yew::props!(FintocCheckoutProps {
        public_key: "sk_live_do_not_ship_me",
        session: SessionSource::endpoint(session_url("never", "")),
        locale: Locale::En,
        on_error: {
            let errors = errors.clone();
            move |e: FintocError| errors.push(format!("{e:?}"))
        },
    });
    let mut app = Mounted::<FintocCheckout>::new(props.clone());
    settle().await;
    let message = app.find(".fintoc-checkout__error-message").unwrap();
    assert_eq!(
        message.text_content().as_deref(),
        Some("This payment method is not set up correctly. Please tell the shop.")
    );
    // A re-render with the same invalid key (another `preload`, another label) is not a new
    // error: the shop hears about it once.
    let mut again = props;
    again.preload = false;
    again.label = Some("Pay now".into());
    app.update(again);
    settle().await;
    assert!(
        !visible_text(&app).contains("secret key"),
        "the technical message is for the shop, not the shopper: {}",
        visible_text(&app)
    );
    assert_eq!(
        app.root.query_selector_all("[title]").unwrap().length(),
        0,
        "no technical text tucked into a tooltip either"
    );
    assert!(
        app.find(".fintoc-checkout__retry").is_none(),
        "retrying cannot help"
    );
    assert_eq!(
        errors.take(),
        [format!(
            "{:?}",
            FintocError::Options(OptionsError::SecretKey)
        )]
    );
    assert_eq!(injected_script(), 0);
    assert_eq!(sandbox.create_count(), 0);
}

#[wasm_bindgen_test]
async fn children_label_locale_and_classes() {
    let _sandbox = Sandbox::install().unwrap();
    let session = SessionSource::endpoint(session_url("labels", ""));
    let with_children = yew::props!(FintocCheckoutProps {
        public_key: "pk_test_yew",
        session: session.clone(),
        class: classes!("my-shop"),
        children: html! { <strong>{ "Pay $12.990" }</strong> },
    });
    let app = Mounted::<FintocCheckout>::new(with_children);
    settle().await;
    assert_eq!(
        app.button().inner_html(),
        r#"<span class="fintoc-checkout__label"><strong>Pay $12.990</strong></span>"#
    );
    let root = app.root.first_element_child().unwrap();
    assert_eq!(
        root.get_attribute("class").as_deref(),
        Some("fintoc-checkout fintoc-checkout--idle my-shop")
    );
    assert!(root.get_attribute("style").is_none());
    drop(app);

    let labelled = yew::props!(FintocCheckoutProps {
        public_key: "pk_test_yew",
        session,
        label: "Pagar $12.990",
        locale: Locale::En,
        disabled: true,
    });
    let app = Mounted::<FintocCheckout>::new(labelled);
    settle().await;
    assert_eq!(
        app.button().text_content().as_deref(),
        Some("Pagar $12.990")
    );
    assert!(app.button().has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn backend_error_details_reach_on_error_never_the_shopper() {
    let _sandbox = Sandbox::install().unwrap();
    let id = unique_id("s502");
    let errors = Recorder::default();
    let mut props = base_props(SessionSource::endpoint(session_url(
        &id,
        "&status=502&mode=html",
    )));
    props.on_error = Some({
        let errors = errors.clone();
        Callback::from(move |e: FintocError| errors.push(e.to_string()))
    });
    let app = Mounted::<FintocCheckout>::new(props);
    settle().await;
    app.button().click();
    assert!(until(3000, || app.find(".fintoc-checkout__error").is_some()).await);
    let shown = visible_text(&app);
    assert!(shown.contains("No pudimos iniciar el pago"), "{shown}");
    for secret in ["502", "Bad gateway", "session endpoint", "<html>"] {
        assert!(
            !shown.contains(secret),
            "`{secret}` shown to the shopper: {shown}"
        );
    }
    let reported = errors.take();
    assert_eq!(reported.len(), 1);
    assert!(reported[0].contains("HTTP 502"), "{reported:?}");
    assert!(reported[0].contains("Bad gateway"), "{reported:?}");
}

#[wasm_bindgen_test]
async fn a_javascript_redirect_url_from_the_backend_renders_no_fallback_link() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("jsurl");
    let query = format!(
        "&redirect={}",
        js_sys::encode_uri_component("javascript:alert(document.cookie)")
    );
    let mut props = base_props(SessionSource::endpoint(session_url(&id, &query)));
    props.preload = false;
    let app = Mounted::<FintocCheckout>::new(props);
    settle().await;
    sandbox.fail_next_load(LoadFailure::Network).unwrap();
    app.button().click();
    assert!(until(3000, || app.find(".fintoc-checkout__error").is_some()).await);
    settle().await;
    assert!(app.find(".fintoc-checkout__fallback").is_none());
    assert!(
        app.root.query_selector("a").unwrap().is_none(),
        "no link at all"
    );
}

#[derive(Properties, PartialEq)]
struct ShopProps {
    token: String,
}

/// A shop exactly as shops write it: the token was rendered into the page, and `on_state`
/// stores the state in `use_state`, so the shop re-renders on every state change (and builds
/// a new `SessionToken` value each time).
#[component]
fn RerenderingShop(props: &ShopProps) -> Html {
    let state = use_state(|| "Idle".to_owned());
    let on_state = {
        let state = state.clone();
        Callback::from(move |s: CheckoutState| state.set(format!("{s:?}")))
    };
    let token = fintoc_wasm::SessionToken::new(props.token.clone()).unwrap();
    html! {
        <>
            <p class="shop-state">{ (*state).clone() }</p>
            <FintocCheckout public_key="pk_test_yew" session={SessionSource::token(token)} {on_state} />
        </>
    }
}

#[wasm_bindgen_test]
async fn a_page_rendered_token_opens_and_stays_open_while_the_shop_rerenders() {
    let sandbox = Sandbox::install().unwrap();
    let app = Mounted::<RerenderingShop>::new(ShopProps {
        token: "cs_rendered_sec_1".into(),
    });
    settle().await;
    app.button().click();
    let shop_state = || {
        app.find(".shop-state")
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    };
    assert!(
        until(3000, || shop_state() == "Open").await,
        "the widget opened (shop saw {})",
        shop_state()
    );
    sleep(400).await;
    assert_eq!(shop_state(), "Open", "and it stays open");
    let widgets = sandbox.widgets();
    assert_eq!(widgets.len(), 1, "one widget");
    assert_eq!(widgets[0].state, "open");
    assert_eq!(
        widgets[0].options.session_token.as_deref(),
        Some("cs_rendered_sec_1")
    );
}

/// A parent that re-renders every 30 ms (a clock, say), with the same page-rendered token.
#[component]
fn TickingParent(props: &ShopProps) -> Html {
    let ticks = use_state(|| 0u32);
    {
        let ticks = ticks.clone();
        use_effect_with((), move |_| {
            let interval = gloo_timers::callback::Interval::new(30, move || ticks.set(*ticks + 1));
            move || drop(interval)
        });
    }
    let token = fintoc_wasm::SessionToken::new(props.token.clone()).unwrap();
    html! {
        <>
            <p class="ticks">{ *ticks }</p>
            <FintocCheckout public_key="pk_test_yew" session={SessionSource::token(token)} />
        </>
    }
}

#[wasm_bindgen_test]
async fn a_parent_rerendering_on_a_timer_does_not_reset_the_checkout() {
    let sandbox = Sandbox::install().unwrap();
    let app = Mounted::<TickingParent>::new(ShopProps {
        token: "cs_ticking_sec_1".into(),
    });
    settle().await;
    app.button().click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    let ticks = || {
        app.find(".ticks")
            .and_then(|e| e.text_content())
            .and_then(|t| t.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let before = ticks();
    sleep(400).await;
    assert!(ticks() >= before + 5, "the parent kept re-rendering");
    assert_eq!(sandbox.create_count(), 1);
    assert_eq!(sandbox.widgets()[0].state, "open");
    assert_eq!(sandbox.iframe_count(), 1);
}

fn dispatch(element: &web_sys::HtmlElement, event: &str) {
    let e = web_sys::Event::new(event).unwrap();
    element.dispatch_event(&e).unwrap();
}

#[wasm_bindgen_test]
async fn pointing_at_the_button_prepares_so_the_click_opens_at_once() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("prefetch");
    let app =
        Mounted::<FintocCheckout>::new(base_props(SessionSource::endpoint(session_url(&id, ""))));
    settle().await;
    assert_eq!(
        count_events(&id, "session-start").await,
        0,
        "nothing before intent"
    );
    dispatch(&app.button(), "pointerenter");
    assert!(
        until(3000, || sandbox.create_count() == 1).await,
        "the widget was prepared on hover"
    );
    assert_eq!(count_events(&id, "session-start").await, 1);
    settle().await;
    assert_eq!(
        app.button().get_attribute("aria-busy").as_deref(),
        Some("false")
    );
    app.button().click();
    settle().await;
    assert_eq!(
        sandbox.widgets()[0].state,
        "open",
        "a prepared widget opens in the click's own task"
    );
    assert_eq!(count_events(&id, "session-start").await, 1, "one session");
}

#[wasm_bindgen_test]
async fn focus_prepares_too_and_prefetch_can_be_turned_off() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("focus");
    let app =
        Mounted::<FintocCheckout>::new(base_props(SessionSource::endpoint(session_url(&id, ""))));
    settle().await;
    dispatch(&app.button(), "focus");
    assert!(until(3000, || sandbox.create_count() == 1).await);
    drop(app);

    let off = unique_id("nofetch");
    let mut props = base_props(SessionSource::endpoint(session_url(&off, "")));
    props.prefetch = false;
    let app = Mounted::<FintocCheckout>::new(props);
    settle().await;
    dispatch(&app.button(), "pointerenter");
    dispatch(&app.button(), "focus");
    sleep(300).await;
    assert_eq!(
        count_events(&off, "session-start").await,
        0,
        "no session without a click"
    );
    assert_eq!(sandbox.create_count(), 1);
}

#[wasm_bindgen_test]
async fn a_click_during_the_hover_prefetch_is_not_swallowed() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("hoverclick");
    let app = Mounted::<FintocCheckout>::new(base_props(SessionSource::endpoint(session_url(
        &id,
        "&delay=300",
    ))));
    settle().await;
    dispatch(&app.button(), "pointerenter");
    settle().await;
    // Still preparing in the background: the button stays usable, with no spinner.
    let button = app.button();
    assert!(
        !button.has_attribute("disabled"),
        "hovering must not disable the button"
    );
    assert_eq!(button.get_attribute("aria-busy").as_deref(), Some("false"));
    button.click();
    settle().await;
    assert_eq!(
        app.button().get_attribute("aria-busy").as_deref(),
        Some("true")
    );
    assert!(
        until(3000, || widget_open(&sandbox)).await,
        "the click opened the widget"
    );
    assert_eq!(count_events(&id, "session-start").await, 1);
}

#[wasm_bindgen_test]
async fn a_disabled_button_prepares_nothing_on_hover() {
    let _sandbox = Sandbox::install().unwrap();
    let id = unique_id("disabled");
    let mut props = base_props(SessionSource::endpoint(session_url(&id, "")));
    props.disabled = true; // an empty cart
    let app = Mounted::<FintocCheckout>::new(props);
    settle().await;
    dispatch(&app.button(), "pointerenter");
    dispatch(&app.button(), "focus");
    sleep(300).await;
    assert_eq!(count_events(&id, "session-start").await, 0);
    assert!(
        app.find(".fintoc-checkout__error").is_none(),
        "no error for a cart not paid yet"
    );
}

/// A shop that builds its session function inline, on every render (it re-renders on every
/// state change through `on_state`).
#[component]
fn InlineFnShop(props: &ShopProps) -> Html {
    let state = use_state(|| "Idle".to_owned());
    let on_state = {
        let state = state.clone();
        Callback::from(move |s: CheckoutState| state.set(format!("{s:?}")))
    };
    let token = props.token.clone();
    let session = SessionSource::from_fn("cart-inline", move || {
        let token = token.clone();
        async move { fintoc_wasm::SessionToken::new(token).map_err(Into::into) }
    });
    html! {
        <>
            <p class="shop-state">{ (*state).clone() }</p>
            <FintocCheckout public_key="pk_test_yew" {session} {on_state} />
        </>
    }
}

#[wasm_bindgen_test]
async fn an_inline_session_function_survives_the_shops_rerenders() {
    let sandbox = Sandbox::install().unwrap();
    let app = Mounted::<InlineFnShop>::new(ShopProps {
        token: "cs_inline_sec_1".into(),
    });
    settle().await;
    app.button().click();
    let shop_state = || {
        app.find(".shop-state")
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    };
    assert!(
        until(3000, || shop_state() == "Open").await,
        "{}",
        shop_state()
    );
    sleep(300).await;
    assert_eq!(shop_state(), "Open");
    assert_eq!(sandbox.create_count(), 1);
    assert_eq!(sandbox.widgets()[0].state, "open");
}

#[wasm_bindgen_test]
async fn a_failed_preload_is_not_repeated_by_every_config_change() {
    fresh_page();
    let id = unique_id("preload-once");
    let mut props = base_props(SessionSource::endpoint(session_url(&id, "")));
    // A script that loads but never defines window.Fintoc: the preload fails after 300 ms.
    props.load = LoadOptions::new()
        .with_url(format!("{}/script?id={id}&kind=noglobal", server()))
        .with_timeout(Duration::from_millis(300));
    let mut app = Mounted::<FintocCheckout>::new(props.clone());
    settle().await;
    sleep(800).await;
    assert_eq!(
        count_events(&id, "script-start").await,
        1,
        "preloaded on mount"
    );
    // The shop re-renders with other options (say, a username typed into a field): the script is
    // not requested again for each change.
    for name in ["a", "ab", "abc"] {
        let mut next = props.clone();
        next.username = Some(name.into());
        app.update(next);
        settle().await;
    }
    sleep(500).await;
    assert_eq!(
        count_events(&id, "script-start").await,
        1,
        "no preload per re-render"
    );
}

#[derive(Properties, PartialEq)]
struct VersionProps {
    version: u32,
}

/// A shop whose session function (one key: the cart) captures a value that changes between
/// renders, like a bearer token that was rotated.
#[component]
fn RotatingShop(props: &VersionProps) -> Html {
    let version = props.version;
    let session = SessionSource::from_fn("cart-rotating", move || async move {
        // Stale 1 s after it is made (30 s margin): the next open must ask again.
        let now = js_sys::Date::now();
        let token = fintoc_wasm::SessionToken::new(format!("cs_rotating_v{version}_sec_1"))?;
        Ok::<_, fintoc_wasm::error::SessionError>(token.with_expires_at_ms(now + 31_000.0))
    });
    html! { <FintocCheckout public_key="pk_test_yew" {session} /> }
}

#[wasm_bindgen_test]
async fn a_stale_token_is_refreshed_by_the_shops_latest_session_function() {
    let sandbox = Sandbox::install().unwrap();
    let mut app = Mounted::<RotatingShop>::new(VersionProps { version: 1 });
    settle().await;
    app.button().click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    assert_eq!(
        sandbox.last_options().unwrap().session_token.as_deref(),
        Some("cs_rotating_v1_sec_1")
    );
    sandbox.exit().unwrap();
    // The shop re-renders with a newer closure under the same key: not a new identity (the
    // widget stays), but the next token comes from the new closure.
    app.update(VersionProps { version: 2 });
    settle().await;
    sleep(1100).await;
    app.button().click();
    assert!(
        until(3000, || sandbox.create_count() == 2
            && widget_open(&sandbox))
        .await
    );
    assert_eq!(
        sandbox.last_options().unwrap().session_token.as_deref(),
        Some("cs_rotating_v2_sec_1"),
        "the stale token was refreshed by the latest closure"
    );
}

fn order_url(id: &str, query: &str) -> String {
    format!("{}/order?id={id}{query}", server())
}

#[wasm_bindgen_test]
async fn the_confirmation_says_confirming_then_what_the_webhook_decided() {
    use fintoc_wasm::confirm::Confirmation;
    use fintoc_wasm::yew::{FintocConfirmation, FintocConfirmationProps};
    for (final_status, class, text, done) in [
        (
            "paid",
            "fintoc-confirmation--confirmed",
            "¡Pago confirmado!",
            "confirmed",
        ),
        (
            "failed",
            "fintoc-confirmation--not_paid",
            "El pago no se completó",
            "not_paid insufficient_funds",
        ),
    ] {
        let id = unique_id("yconfirm");
        let rec = Recorder::default();
        let on_done = {
            let rec = rec.clone();
            Callback::from(move |c: Confirmation| {
                rec.push(match c {
                    Confirmation::Confirmed(_) => "confirmed".to_owned(),
                    Confirmation::NotPaid { reason, .. } => {
                        format!("not_paid {}", reason.unwrap_or_default())
                    }
                    Confirmation::StillPending => "still_pending".to_owned(),
                })
            })
        };
        let app = Mounted::<FintocConfirmation>::new(yew::props!(FintocConfirmationProps {
            url: order_url(&id, &format!("&after=1&final={final_status}")),
            on_done,
        }));
        settle().await;
        let root = app.find(".fintoc-confirmation").unwrap();
        assert_eq!(root.get_attribute("role").as_deref(), Some("status"));
        assert_eq!(root.get_attribute("aria-busy").as_deref(), Some("true"));
        assert!(visible_text(&app).contains("Estamos confirmando tu pago"));
        assert!(
            until(5_000, || app.find(&format!(".{class}")).is_some()).await,
            "{final_status}"
        );
        assert!(visible_text(&app).contains(text), "{}", visible_text(&app));
        assert_eq!(
            app.find(".fintoc-confirmation")
                .unwrap()
                .get_attribute("aria-busy")
                .as_deref(),
            Some("false")
        );
        assert_eq!(rec.take(), [done]);
    }
}

#[wasm_bindgen_test]
async fn past_its_deadline_the_confirmation_never_says_try_again_and_unmounting_stops_it() {
    use fintoc_wasm::yew::{FintocConfirmation, FintocConfirmationProps};
    let id = unique_id("ylate");
    let app = Mounted::<FintocConfirmation>::new(yew::props!(FintocConfirmationProps {
        url: order_url(&id, "&final=never"),
        deadline: Some(Duration::from_millis(1_500)),
        locale: Locale::En,
    }));
    assert!(
        until(5_000, || app
            .find(".fintoc-confirmation--still_pending")
            .is_some())
        .await
    );
    let text = visible_text(&app);
    assert!(text.contains("don't pay again"), "{text}");

    let id = unique_id("yunmount");
    let rec = Recorder::default();
    let on_done = {
        let rec = rec.clone();
        Callback::from(move |_| rec.push("done"))
    };
    let mut app = Mounted::<FintocConfirmation>::new(yew::props!(FintocConfirmationProps {
        url: order_url(&id, "&after=3&final=paid"),
        on_done,
    }));
    sleep(1_200).await; // the first poll went out
    app.unmount();
    let asked = count_events(&id, "order-poll").await;
    assert!(asked >= 1, "it was asking");
    sleep(3_000).await;
    assert_eq!(
        count_events(&id, "order-poll").await,
        asked,
        "no poll after unmount"
    );
    assert!(rec.take().is_empty(), "no callback after unmount");
    drop(app);
}

#[wasm_bindgen_test]
async fn in_redirect_mode_the_button_takes_the_shopper_to_the_hosted_page() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("yredirect");
    let mut props = base_props(SessionSource::endpoint(session_url(&id, "&delay=200")));
    props.mode = fintoc_wasm::CheckoutMode::Redirect;
    let app = Mounted::<FintocCheckout>::new(props);
    settle().await;
    app.button().click();
    settle().await;
    assert_eq!(
        app.button().get_attribute("aria-busy").as_deref(),
        Some("true")
    );
    assert!(until(3_000, || !sandbox.navigations().is_empty()).await);
    settle().await;
    assert_eq!(
        sandbox.navigations(),
        [format!("https://checkout.fintoc.com/checkout_session_{id}")]
    );
    let root = app.root.first_element_child().unwrap();
    assert_eq!(
        root.get_attribute("data-state").as_deref(),
        Some("redirecting")
    );
    assert_eq!(
        app.find(".fintoc-checkout__label")
            .and_then(|l| l.text_content())
            .as_deref(),
        Some("Te llevamos a Fintoc…")
    );
    assert_eq!(injected_script(), 0, "no script for the hosted page");
}

#[wasm_bindgen_test]
async fn a_new_url_starts_the_confirmation_over() {
    use fintoc_wasm::yew::{FintocConfirmation, FintocConfirmationProps};
    let (first, second) = (unique_id("yfirst"), unique_id("ysecond"));
    let mut app = Mounted::<FintocConfirmation>::new(yew::props!(FintocConfirmationProps {
        url: order_url(&first, "&final=never"),
    }));
    sleep(1_200).await;
    assert!(count_events(&first, "order-poll").await >= 1);
    app.update(yew::props!(FintocConfirmationProps {
        url: order_url(&second, "&after=1&final=paid"),
    }));
    assert!(
        until(5_000, || app
            .find(".fintoc-confirmation--confirmed")
            .is_some())
        .await
    );
    let asked = count_events(&first, "order-poll").await;
    sleep(2_500).await;
    assert_eq!(
        count_events(&first, "order-poll").await,
        asked,
        "the old order is no longer asked"
    );
}

#[wasm_bindgen_test]
async fn switching_from_the_hosted_page_to_the_widget_preloads_the_script_then() {
    fresh_page();
    let id = unique_id("ymodepreload");
    let mut props = base_props(SessionSource::endpoint(session_url(&id, "")));
    props.load = LoadOptions::new().with_url(script_url(&id, 0));
    props.mode = fintoc_wasm::CheckoutMode::Redirect;
    let mut app = Mounted::<FintocCheckout>::new(props.clone());
    settle().await;
    sleep(300).await;
    assert_eq!(
        count_events(&id, "script-start").await,
        0,
        "nothing to load for the hosted page"
    );
    props.mode = fintoc_wasm::CheckoutMode::Widget;
    app.update(props);
    settle().await;
    let mut asked = 0;
    for _ in 0..20 {
        asked = count_events(&id, "script-start").await;
        if asked > 0 {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(
        asked, 1,
        "the widget's script preloads once the mode needs it"
    );
}
