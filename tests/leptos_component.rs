//! `<FintocCheckout/>` for Leptos 0.8 mounted into a real page (headless Chromium, leptos `csr`),
//! with the sandbox as Fintoc and the fixture server as the merchant backend.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use fintoc_wasm::leptos::{use_fintoc_checkout, FintocCheckout, FintocCheckoutOptions};
use fintoc_wasm::testing::Sandbox;
use fintoc_wasm::{CheckoutState, Payload, SessionSource, SessionToken};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// What the callbacks saw (Leptos callbacks are `Send + Sync`, like the closures shops write).
#[derive(Clone, Default)]
struct Seen(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Seen {
    fn push(&self, s: impl Into<String>) {
        if let Ok(mut v) = self.0.lock() {
            v.push(s.into());
        }
    }
    fn take(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// A fresh element in the page to mount into.
fn root() -> web_sys::HtmlElement {
    let root: web_sys::HtmlElement = common::document()
        .create_element("div")
        .unwrap()
        .unchecked_into();
    common::document()
        .body()
        .unwrap()
        .append_child(&root)
        .unwrap();
    root
}

fn find(root: &web_sys::HtmlElement, selector: &str) -> Option<web_sys::HtmlElement> {
    root.query_selector(selector)
        .unwrap()
        .map(|e| e.unchecked_into())
}

fn button(root: &web_sys::HtmlElement) -> web_sys::HtmlElement {
    find(root, ".fintoc-checkout__button").expect("a pay button")
}

/// A session signal for the fixture server's endpoint. Signals belong to a reactive owner: call
/// it inside the view (the mount closure), never before `mount_to`.
fn endpoint(url: &str) -> Signal<SessionSource, LocalStorage> {
    let url = url.to_owned();
    Signal::derive_local(move || SessionSource::endpoint(url.clone()))
}

#[wasm_bindgen_test]
async fn a_click_pays_and_the_typed_payload_reaches_on_success() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lclick");
    let rec = Seen::default();
    let el = root();
    let url = session_url(&id, "");
    let (states, successes) = (rec.clone(), rec.clone());
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <FintocCheckout
                public_key="pk_test_leptos"
                session=endpoint(&url)
                product=fintoc_wasm::widget::Product::Movements
                on_state=move |s: CheckoutState| states.push(s.name())
                on_success=move |p: Payload| successes.push(format!(
                    "success({} {})",
                    p.string("object").unwrap_or_default(),
                    p.exchange_token().unwrap_or_default()
                )) />
        }
    });
    sleep(0).await;
    let b = button(&el);
    assert_eq!(b.get_attribute("type").as_deref(), Some("button"));
    assert_eq!(b.text_content().as_deref(), Some("Pagar con Fintoc"));
    b.click();
    sleep(0).await;
    assert_eq!(
        button(&el).get_attribute("aria-busy").as_deref(),
        Some("true")
    );
    assert!(until(3000, || widget_open(&sandbox)).await);
    sandbox.succeed().unwrap();
    assert!(until(1000, || find(&el, ".fintoc-checkout__status").is_some()).await);
    assert_eq!(
        rec.take(),
        [
            "opening",
            "ready",
            "open",
            "succeeded",
            "success(link_intent li_sandbox_1_sec_exchange)"
        ]
    );
    assert_eq!(
        find(&el, ".fintoc-checkout__status")
            .unwrap()
            .text_content()
            .as_deref(),
        Some("Recibimos tu pago; lo estamos confirmando…")
    );
    assert_eq!(count_events(&id, "session-start").await, 1);
    el.remove();
}

#[wasm_bindgen_test]
async fn unmount_while_preparing_opens_nothing_and_calls_nothing() {
    fresh_page();
    let id = unique_id("lunprep");
    let rec = Seen::default();
    let el = root();
    let url = session_url(&id, "&delay=600");
    let load = fintoc_wasm::LoadOptions::new()
        .with_url(script_url(&id, 600))
        .with_timeout(std::time::Duration::from_secs(10));
    let (states, successes) = (rec.clone(), rec.clone());
    let mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <FintocCheckout
                public_key="pk_test_leptos"
                session=endpoint(&url)
                load=load.clone()
                on_state=move |s: CheckoutState| states.push(s.name())
                on_success=move |_: Payload| successes.push("success") />
        }
    });
    sleep(0).await;
    button(&el).click();
    sleep(0).await;
    drop(mounted);
    sleep(1200).await;
    assert!(fintoc_global_exists(), "the script did load");
    assert_eq!(
        js("window.FintocSandbox ? window.FintocSandbox.createCount : 0").as_f64(),
        Some(0.0),
        "no widget was ever created"
    );
    assert_eq!(rec.take(), ["opening"]);
    el.remove();
}

#[wasm_bindgen_test]
async fn unmount_while_open_removes_the_iframe() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lunopen");
    let el = root();
    let url = session_url(&id, "");
    let mounted = leptos::mount::mount_to(el.clone(), move || {
        view! { <FintocCheckout public_key="pk_test_leptos" session=endpoint(&url) /> }
    });
    sleep(0).await;
    button(&el).click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    assert_eq!(sandbox.iframe_count(), 1);
    drop(mounted);
    sleep(0).await;
    assert_eq!(sandbox.iframe_count(), 0);
    assert_eq!(sandbox.widgets()[0].state, "destroyed");
    el.remove();
}

#[wasm_bindgen_test]
async fn a_double_click_makes_one_request_and_one_widget() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("ldouble");
    let el = root();
    let url = session_url(&id, "&delay=200");
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! { <FintocCheckout public_key="pk_test_leptos" session=endpoint(&url) /> }
    });
    sleep(0).await;
    let b = button(&el);
    b.click();
    b.click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    sleep(50).await;
    assert_eq!(count_events(&id, "session-start").await, 1);
    assert_eq!(sandbox.create_count(), 1);
    el.remove();
}

#[wasm_bindgen_test]
async fn a_new_session_source_recreates_the_widget_and_nothing_else_does() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lidentity");
    let el = root();
    // Signals the test drives, owned by an owner that outlives the mount.
    let owner = Owner::new();
    let (cart, country) = owner.with(|| (RwSignal::new(1u32), RwSignal::new(0u32)));
    let url = session_url(&id, "");
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        let url = url.clone();
        // The session re-evaluates when `country` changes too, producing an equal source: that
        // is not a new identity.
        let session = Signal::derive_local(move || {
            country.track();
            SessionSource::endpoint(format!("{url}&cart={}", cart.get()))
        });
        view! {
            <p class="ticks">{move || country.get()}</p>
            <FintocCheckout public_key="pk_test_leptos" session=session auto_open=true />
        }
    });
    assert!(until(3000, || widget_open(&sandbox)).await);
    country.set(1);
    sleep(100).await;
    assert_eq!(sandbox.create_count(), 1, "nothing recreated");
    assert_eq!(
        sandbox.widgets()[0].state,
        "open",
        "the shopper's widget stays open"
    );
    assert!(
        !sandbox.log().iter().any(|e| e == "destroy:1"),
        "{:?}",
        sandbox.log()
    );
    cart.set(2);
    assert!(
        until(3000, || sandbox.create_count() == 2
            && sandbox.widgets()[1].state == "open")
        .await
    );
    let log = sandbox.log();
    let at = |e: &str| log.iter().position(|x| x == e).unwrap();
    assert!(at("destroy:1") < at("create:2"), "{log:?}");
    assert_eq!(count_events(&id, "session-start").await, 2);
    el.remove();
}

#[wasm_bindgen_test]
async fn a_page_rendered_token_opens_and_stays_open_while_the_shop_rerenders() {
    let sandbox = Sandbox::install().unwrap();
    let el = root();
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        let shop_state = RwSignal::new(String::from("idle"));
        // The token the server rendered, rebuilt on every render (a new fetch time each time).
        let session = Signal::derive_local(move || {
            shop_state.track();
            SessionSource::from(SessionToken::new("cs_leptos_sec_1").unwrap())
        });
        view! {
            <p class="shop-state">{move || shop_state.get()}</p>
            <FintocCheckout
                public_key="pk_test_leptos"
                session=session
                on_state=move |s: CheckoutState| shop_state.set(s.name().to_owned()) />
        }
    });
    sleep(0).await;
    button(&el).click();
    let shop_state = || {
        find(&el, ".shop-state")
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    };
    assert!(
        until(3000, || shop_state() == "open").await,
        "{}",
        shop_state()
    );
    sleep(300).await;
    assert_eq!(shop_state(), "open", "and it stays open");
    assert_eq!(sandbox.create_count(), 1);
    assert_eq!(sandbox.widgets()[0].state, "open");
    el.remove();
}

#[component]
fn OwnButton(session: Signal<SessionSource, LocalStorage>) -> impl IntoView {
    let checkout = use_fintoc_checkout(FintocCheckoutOptions::new("pk_test_leptos", session));
    view! {
        <button class="own" on:click=move |_| checkout.open()>"Pagar"</button>
        <span class="own-state">{move || checkout.state.get().name()}</span>
        <span class="own-redirect">{move || checkout.redirect_url.get().unwrap_or_default()}</span>
    }
}

#[wasm_bindgen_test]
async fn the_hook_gives_signals_for_a_shops_own_ui() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lhook");
    let el = root();
    let url = session_url(&id, "");
    let _mounted = leptos::mount::mount_to(
        el.clone(),
        move || view! { <OwnButton session=endpoint(&url) /> },
    );
    sleep(0).await;
    let text = |s: &str| {
        find(&el, s)
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    };
    assert_eq!(text(".own-state"), "idle");
    find(&el, ".own").unwrap().click();
    assert!(
        until(3000, || text(".own-state") == "open").await,
        "{}",
        text(".own-state")
    );
    assert_eq!(
        text(".own-redirect"),
        format!("https://checkout.fintoc.com/checkout_session_{id}")
    );
    sandbox.exit().unwrap();
    assert!(until(1000, || text(".own-state") == "exited").await);
    el.remove();
}

/// A shop whose session signal re-evaluates on every state change (the shop reads its own
/// state there) with `session()`, and `auto_open`: it opens, the shopper closes it, and it stays
/// closed. `then` checks the widget afterwards, while still mounted.
async fn auto_open_then_closed(
    sandbox: &Sandbox,
    session: impl Fn() -> SessionSource + 'static,
    then: impl FnOnce(&Sandbox),
) {
    let el = root();
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        let shop_state = RwSignal::new(String::from("idle"));
        let session = Signal::derive_local(move || {
            shop_state.track();
            session()
        });
        view! {
            <p class="shop-state">{move || shop_state.get()}</p>
            <FintocCheckout
                public_key="pk_test_leptos"
                session=session
                auto_open=true
                on_state=move |s: CheckoutState| shop_state.set(s.name().to_owned()) />
        }
    });
    let shop_state = || {
        find(&el, ".shop-state")
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    };
    assert!(
        until(3000, || shop_state() == "open").await,
        "{}",
        shop_state()
    );
    sandbox.exit().unwrap();
    assert!(until(1000, || shop_state() == "exited").await);
    sleep(300).await;
    assert_eq!(
        shop_state(),
        "exited",
        "the shopper closed it: it stays closed"
    );
    then(sandbox);
    el.remove();
}

#[wasm_bindgen_test]
async fn auto_open_opens_once_per_identity_and_never_reopens_a_closed_widget() {
    let sandbox = Sandbox::install().unwrap();
    // A page-rendered token, re-evaluated (an equal source) on every state change.
    auto_open_then_closed(
        &sandbox,
        || SessionSource::from(SessionToken::new("cs_leptos_sec_2").unwrap()),
        |sandbox| assert_eq!(sandbox.widgets()[0].state, "hidden", "{:?}", sandbox.log()),
    )
    .await;
}

/// Found by `yew_sequences` (seed 1033); Leptos had the same defect: `on_state` heard `failed` for a secret key, the key signal was
/// fixed and the component showed the pay button again (idle), but `on_state` never said so.
#[wasm_bindgen_test]
async fn fixing_an_invalid_key_reports_the_state_shown_again() {
    let _sandbox = Sandbox::install().unwrap();
    let el = root();
    let rec = Seen::default();
    let owner = Owner::new();
    let key = owner.with(|| RwSignal::new("sk_test_oops".to_owned()));
    let states = rec.clone();
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <FintocCheckout
                public_key=key
                session=endpoint("/never")
                on_state=move |s: CheckoutState| states.push(s.name()) />
        }
    });
    sleep(50).await;
    assert_eq!(rec.take(), ["failed"]);
    key.set("pk_test_leptos".to_owned());
    sleep(50).await;
    let shown = el
        .first_element_child()
        .and_then(|r| r.get_attribute("data-state"));
    assert_eq!(shown.as_deref(), Some("idle"));
    assert_eq!(rec.take(), ["idle"], "the state shown, reported");
    el.remove();
}

#[wasm_bindgen_test]
async fn a_secret_key_renders_the_configuration_error_once_and_never_loads() {
    let _sandbox = Sandbox::install().unwrap();
    let el = root();
    let errors = Seen::default();
    let seen = errors.clone();
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        let session = Signal::derive_local(|| SessionSource::endpoint("/never"));
        view! {
            <FintocCheckout
                public_key="sk_live_do_not_ship_me"
                session=session
                on_error=move |e: fintoc_wasm::FintocError| seen.push(e.code()) />
        }
    });
    sleep(50).await;
    let text = el.text_content().unwrap_or_default();
    assert!(
        text.contains("Este medio de pago no está bien configurado"),
        "{text}"
    );
    assert!(
        !text.contains("secret key"),
        "no technical text for shoppers: {text}"
    );
    assert!(
        find(&el, ".fintoc-checkout__retry").is_none(),
        "retrying cannot help"
    );
    assert_eq!(errors.take(), ["secret_key"]);
    assert_eq!(fintoc_wasm::testing::injected_script_count(), 0);
    el.remove();
}

#[wasm_bindgen_test]
async fn reactive_widget_props_reach_the_next_widget_and_on_session_reports_each_session_once() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lprops");
    let el = root();
    let sessions = Seen::default();
    let owner = Owner::new();
    let username = owner.with(|| RwSignal::new(None::<fintoc_wasm::widget::Username>));
    let url = session_url(&id, "");
    let seen = sessions.clone();
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <FintocCheckout
                public_key="pk_test_leptos"
                session=endpoint(&url)
                country=fintoc_wasm::widget::Country::Mx
                widget=move |w: fintoc_wasm::widget::WidgetOptionsBuilder| match username.get() {
                    Some(u) => w.username(u),
                    None => w,
                }
                on_session=move |s: fintoc_wasm::session::SessionResponse| {
                    seen.push(s.get::<String>("id").unwrap_or_default())
                } />
        }
    });
    sleep(0).await;
    // Typed after mount (say, the RUT in the shop's form): it reaches the widget.
    username.set(Some(fintoc_wasm::widget::Username::new("41614850-3")));
    sleep(0).await;
    button(&el).click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    let options = sandbox.last_options().unwrap();
    assert_eq!(options.country.as_deref(), Some("mx"));
    let username = js_sys::Reflect::get(options.raw(), &"username".into()).unwrap();
    assert_eq!(username.as_string().as_deref(), Some("41614850-3"));
    sandbox.exit().unwrap();
    button(&el).click(); // reopens the same widget: the same session
    sleep(100).await;
    assert_eq!(sessions.take(), [format!("cs_{id}")], "once per session");
    assert_eq!(sandbox.create_count(), 1);
    el.remove();
}

#[component]
fn PickedCountry(
    session: Signal<SessionSource, LocalStorage>,
    country: RwSignal<Option<fintoc_wasm::widget::Country>>,
) -> impl IntoView {
    // The hook reads the widget options inside its tracked effect: any signal works there.
    let options = FintocCheckoutOptions::new("pk_test_leptos", session).widget(move |w| {
        match country.get() {
            Some(c) => w.country(c),
            None => w,
        }
    });
    let checkout = use_fintoc_checkout(options);
    view! { <button class="own" on:click=move |_| checkout.open()>"Pagar"</button> }
}

#[wasm_bindgen_test]
async fn the_hooks_widget_options_follow_signals() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lcountry");
    let el = root();
    let owner = Owner::new();
    let country = owner.with(|| RwSignal::new(None::<fintoc_wasm::widget::Country>));
    let url = session_url(&id, "");
    let _mounted = leptos::mount::mount_to(
        el.clone(),
        move || view! { <PickedCountry session=endpoint(&url) country=country /> },
    );
    sleep(0).await;
    country.set(Some(fintoc_wasm::widget::Country::Mx)); // chosen after mount
    sleep(0).await;
    find(&el, ".own").unwrap().click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    assert_eq!(
        sandbox.last_options().unwrap().country.as_deref(),
        Some("mx")
    );
    el.remove();
}

fn dispatch(element: &web_sys::HtmlElement, event: &str) {
    let e = web_sys::Event::new(event).unwrap();
    element.dispatch_event(&e).unwrap();
}

#[wasm_bindgen_test]
async fn the_error_state_explains_offers_the_hosted_page_and_retry_works() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lerror");
    let el = root();
    let errors = Seen::default();
    let url = session_url(&id, "");
    let seen = errors.clone();
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <FintocCheckout
                public_key="pk_test_leptos"
                session=endpoint(&url)
                preload=false
                on_error=move |e: fintoc_wasm::FintocError| seen.push(e.code()) />
        }
    });
    sleep(0).await;
    sandbox
        .fail_next_load(fintoc_wasm::testing::LoadFailure::Network)
        .unwrap();
    button(&el).click();
    assert!(until(3000, || find(&el, ".fintoc-checkout__error").is_some()).await);
    let error = find(&el, ".fintoc-checkout__error").unwrap();
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
    let message = find(&el, ".fintoc-checkout__error-message").unwrap();
    assert!(message
        .text_content()
        .unwrap()
        .starts_with("No pudimos cargar Fintoc"));
    let fallback = find(&el, ".fintoc-checkout__fallback").expect("a fallback link");
    assert_eq!(
        fallback.get_attribute("href"),
        Some(format!("https://checkout.fintoc.com/checkout_session_{id}"))
    );
    assert_eq!(fallback.get_attribute("rel").as_deref(), Some("noopener"));
    assert!(
        find(&el, ".fintoc-checkout__button").is_none(),
        "no pay button beside the error"
    );
    let root_el = el.first_element_child().unwrap();
    assert_eq!(
        root_el.get_attribute("data-state").as_deref(),
        Some("failed")
    );
    assert_eq!(errors.take(), ["network"]);
    assert!(!el.text_content().unwrap_or_default().contains("Fintoc.js"));

    find(&el, ".fintoc-checkout__retry").unwrap().click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    sleep(0).await;
    assert!(find(&el, ".fintoc-checkout__error").is_none());
    assert!(
        find(&el, ".fintoc-checkout__button").is_some(),
        "the button is back"
    );
    assert_eq!(
        count_events(&id, "session-start").await,
        1,
        "token reused on retry"
    );
    el.remove();
}

#[wasm_bindgen_test]
async fn children_label_locale_classes_and_disabled_follow_their_props() {
    let _sandbox = Sandbox::install().unwrap();
    let el = root();
    let owner = Owner::new();
    let (label, disabled) = owner.with(|| {
        (
            RwSignal::new(String::from("Pagar $12.990")),
            RwSignal::new(true),
        )
    });
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <FintocCheckout
                public_key="pk_test_leptos"
                session=endpoint("/never")
                class="my-shop"
                locale=fintoc_wasm::ui::Locale::En
                label=label
                disabled=disabled />
            <FintocCheckout public_key="pk_test_leptos" session=endpoint("/never")>
                <strong class="own">"Pay $12.990"</strong>
            </FintocCheckout>
        }
    });
    sleep(0).await;
    let roots = el.query_selector_all(".fintoc-checkout").unwrap();
    let first: web_sys::HtmlElement = roots.get(0).unwrap().unchecked_into();
    assert_eq!(
        first.get_attribute("class").as_deref(),
        Some("fintoc-checkout fintoc-checkout--idle my-shop")
    );
    assert!(first.get_attribute("style").is_none());
    let b = button(&first);
    assert_eq!(b.text_content().as_deref(), Some("Pagar $12.990"));
    assert!(b.has_attribute("disabled"));
    label.set(String::from("Pagar $25.980"));
    disabled.set(false);
    sleep(0).await;
    assert_eq!(b.text_content().as_deref(), Some("Pagar $25.980"));
    assert!(!b.has_attribute("disabled"));
    // The English texts, where the drawing writes them: a failed session's message and retry.
    let en = root();
    let _en = leptos::mount::mount_to(en.clone(), move || {
        view! {
            <FintocCheckout
                public_key="pk_test_leptos"
                session=endpoint(&format!("{}/session?id=en&status=500", server()))
                locale=fintoc_wasm::ui::Locale::En />
        }
    });
    sleep(0).await;
    button(&en).click();
    assert!(until(3000, || find(&en, ".fintoc-checkout__retry").is_some()).await);
    assert_eq!(
        find(&en, ".fintoc-checkout__error-message")
            .and_then(|e| e.text_content())
            .as_deref(),
        Some("We couldn't start the payment. Please try again in a few seconds.")
    );
    assert_eq!(
        find(&en, ".fintoc-checkout__retry")
            .and_then(|e| e.text_content())
            .as_deref(),
        Some("Try again")
    );
    en.remove();

    let second: web_sys::HtmlElement = roots.get(1).unwrap().unchecked_into();
    assert_eq!(
        button(&second).inner_html(),
        r#"<span class="fintoc-checkout__label"><strong class="own">Pay $12.990</strong></span>"#
    );
    el.remove();
}

#[wasm_bindgen_test]
async fn focus_prepares_without_taking_the_focus_and_busy_keeps_the_shops_own_content() {
    let sandbox = Sandbox::install().unwrap();
    let (a, b_id) = (unique_id("lfocus"), unique_id("lbusy"));
    let el = root();
    let (url_a, url_b) = (session_url(&a, ""), session_url(&b_id, "&delay=300"));
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <div class="a"><FintocCheckout public_key="pk_test_leptos" session=endpoint(&url_a) /></div>
            <div class="b">
                <FintocCheckout public_key="pk_test_leptos" session=endpoint(&url_b)>
                    <strong class="own">"Pay"</strong>
                </FintocCheckout>
            </div>
        }
    });
    sleep(0).await;
    assert_eq!(
        count_events(&a, "session-start").await,
        0,
        "nothing before intent"
    );
    let first = button(&find(&el, ".a").unwrap());
    first.focus().unwrap();
    assert!(
        until(3000, || sandbox.create_count() == 1).await,
        "focus prepared the widget"
    );
    sleep(0).await;
    assert_eq!(count_events(&a, "session-start").await, 1);
    assert_eq!(
        common::document()
            .active_element()
            .map(|e| e.is_same_node(Some(&first))),
        Some(true),
        "preparing in the background redraws without taking the focus away"
    );
    first.blur().unwrap();

    // Clicked while its session is still out: busy, the spinner instead of the shop's content.
    let shop = find(&el, ".b").unwrap();
    let second = button(&shop);
    second.click();
    sleep(0).await;
    assert_eq!(second.get_attribute("aria-busy").as_deref(), Some("true"));
    assert!(second.has_attribute("disabled"));
    assert!(find(&shop, ".fintoc-checkout__spinner").is_some());
    assert!(find(&shop, "strong.own").is_none());
    assert_eq!(
        find(&shop, ".fintoc-checkout__label")
            .and_then(|l| l.text_content())
            .as_deref(),
        Some("Preparando el pago…")
    );
    assert!(
        until(3000, || sandbox
            .widgets()
            .iter()
            .any(|w| w.id == 2 && w.state == "open"))
        .await
    );
    sandbox.exit().unwrap();
    assert!(until(1000, || find(&shop, ".fintoc-checkout__status").is_some()).await);
    assert!(
        button(&shop).is_same_node(Some(&second)),
        "the same button node through every state"
    );
    assert_eq!(second.get_attribute("aria-busy").as_deref(), Some("false"));
    assert!(
        find(&shop, "strong.own").is_some(),
        "the shop's own content is back"
    );
    assert!(find(&shop, ".fintoc-checkout__spinner").is_none());
    el.remove();
}

#[wasm_bindgen_test]
async fn a_disabled_button_prepares_nothing_on_hover_and_prefetch_can_be_turned_off() {
    let _sandbox = Sandbox::install().unwrap();
    let (a, b) = (unique_id("ldisabled"), unique_id("lnofetch"));
    let el = root();
    let (url_a, url_b) = (session_url(&a, ""), session_url(&b, ""));
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <FintocCheckout public_key="pk_test_leptos" session=endpoint(&url_a) disabled=true />
            <FintocCheckout public_key="pk_test_leptos" session=endpoint(&url_b) prefetch=false />
        }
    });
    sleep(0).await;
    let buttons = el.query_selector_all(".fintoc-checkout__button").unwrap();
    for i in 0..2 {
        let b: web_sys::HtmlElement = buttons.get(i).unwrap().unchecked_into();
        dispatch(&b, "pointerenter");
        dispatch(&b, "focus");
    }
    sleep(300).await;
    assert_eq!(count_events(&a, "session-start").await, 0);
    assert_eq!(count_events(&b, "session-start").await, 0);
    assert!(
        find(&el, ".fintoc-checkout__error").is_none(),
        "no error for a cart not paid yet"
    );
    el.remove();
}

#[wasm_bindgen_test]
async fn the_confirmation_says_confirming_then_confirmed_and_unmounting_stops_it() {
    use fintoc_wasm::confirm::Confirmation;
    use fintoc_wasm::leptos::FintocConfirmation;
    let id = unique_id("lconfirm");
    let el = root();
    let rec = Seen::default();
    let seen = rec.clone();
    let url = format!("{}/order?id={id}&after=1&final=paid", server());
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <FintocConfirmation
                url=url.clone()
                on_done=move |c: Confirmation| seen.push(format!("{:?}", c.stage())) />
        }
    });
    sleep(0).await;
    let confirmation = find(&el, ".fintoc-confirmation").expect("the confirmation");
    assert_eq!(
        confirmation.get_attribute("role").as_deref(),
        Some("status")
    );
    assert_eq!(
        confirmation.get_attribute("data-state").as_deref(),
        Some("confirming")
    );
    assert!(el
        .text_content()
        .unwrap_or_default()
        .contains("Estamos confirmando"));
    assert!(
        until(5_000, || find(&el, ".fintoc-confirmation--confirmed")
            .is_some())
        .await
    );
    assert!(el
        .text_content()
        .unwrap_or_default()
        .contains("¡Pago confirmado!"));
    assert_eq!(rec.take(), ["Confirmed"]);
    el.remove();

    let id = unique_id("lunconfirm");
    let el = root();
    let rec = Seen::default();
    let seen = rec.clone();
    let url = format!("{}/order?id={id}&after=3&final=paid", server());
    let mounted = leptos::mount::mount_to(el.clone(), move || {
        view! { <FintocConfirmation url=url.clone() on_done=move |_: Confirmation| seen.push("done") /> }
    });
    sleep(1_200).await; // the first poll went out
    drop(mounted);
    let asked = count_events(&id, "order-poll").await;
    assert!(asked >= 1, "it was asking");
    sleep(3_000).await;
    assert_eq!(
        count_events(&id, "order-poll").await,
        asked,
        "no poll after unmount"
    );
    assert!(rec.take().is_empty(), "no callback after unmount");
    el.remove();
}

#[wasm_bindgen_test]
async fn in_redirect_mode_the_button_takes_the_shopper_to_the_hosted_page() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lredirect");
    let el = root();
    let url = session_url(&id, "&delay=200");
    let _mounted = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <FintocCheckout
                public_key="pk_test_leptos"
                session=endpoint(&url)
                mode=fintoc_wasm::CheckoutMode::Redirect />
        }
    });
    sleep(0).await;
    button(&el).click();
    assert!(until(3_000, || !sandbox.navigations().is_empty()).await);
    sleep(0).await;
    assert_eq!(
        sandbox.navigations(),
        [format!("https://checkout.fintoc.com/checkout_session_{id}")]
    );
    let root_el = el.first_element_child().unwrap();
    assert_eq!(
        root_el.get_attribute("data-state").as_deref(),
        Some("redirecting")
    );
    assert_eq!(
        find(&el, ".fintoc-checkout__label")
            .and_then(|l| l.text_content())
            .as_deref(),
        Some("Te llevamos a Fintoc…")
    );
    assert_eq!(fintoc_wasm::testing::injected_script_count(), 0);
    el.remove();
}

#[wasm_bindgen_test]
async fn auto_open_with_a_rebuilt_session_function_never_reopens_a_closed_widget() {
    let sandbox = Sandbox::install().unwrap();
    // The shop's own function, rebuilt (a new closure, the same key) on every state change.
    auto_open_then_closed(
        &sandbox,
        || {
            SessionSource::from_fn("cart-rebuilt", || async {
                SessionToken::new("cs_leptos_sec_3").map_err(Into::into)
            })
        },
        |sandbox| assert_eq!(sandbox.create_count(), 1),
    )
    .await;
}

/// What the server sent (`tests/data/leptos-hydrate/`, checked against the server's own
/// rendering by `tests/leptos_ssr.rs`), in a fresh element, ready to hydrate.
fn server_rendered(html: &str) -> web_sys::HtmlElement {
    let el = root();
    el.set_inner_html(html.trim_end());
    el
}

/// The DOM under `el` as tags, sorted attributes and text: what a shopper's page is made of
/// (the order of attributes differs between the server's HTML and the client's DOM calls, and
/// means nothing).
fn shape(el: &web_sys::HtmlElement) -> String {
    let shape = js_sys::Function::new_with_args(
        "el",
        "const shape = (n) => n.nodeType === 3 ? (n.data ? JSON.stringify(n.data) : '') \
           : n.nodeType !== 1 ? '' \
           : '<' + n.localName + [...n.attributes].map((a) => ' ' + a.name + '=' + JSON.stringify(a.value)).sort().join('') \
             + '>' + [...n.childNodes].map(shape).join('') + '</' + n.localName + '>'; \
         return [...el.childNodes].map(shape).join('');",
    );
    shape
        .call1(&wasm_bindgen::JsValue::NULL, el)
        .ok()
        .and_then(|s| s.as_string())
        .expect("the shape of the DOM")
}

/// Hydration (Leptos 0.8) only fails on a node of the wrong kind; text and attributes are
/// taken as they are. So first: the client's own first render (before any effect) is the
/// server's markup, tags, attributes and text.
fn assert_the_client_renders_what_the_server_sent<V: IntoView + 'static>(
    server: &web_sys::HtmlElement,
    view: impl FnOnce() -> V + 'static,
) {
    let client = root();
    let mounted = leptos::mount::mount_to(client.clone(), view);
    let (client_shape, server_shape) = (shape(&client), shape(server));
    drop(mounted);
    client.remove();
    assert!(!server_shape.is_empty());
    assert_eq!(
        client_shape, server_shape,
        "the client's first render differs from the server's markup"
    );
}

#[wasm_bindgen_test]
async fn the_server_markup_hydrates_keeping_its_nodes_and_the_button_pays() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lhydrate");
    let el = server_rendered(include_str!("data/leptos-hydrate/checkout.html"));
    let from_server = button(&el);
    let rec = Seen::default();
    let url = session_url(&id, "");
    let page = {
        let rec = rec.clone();
        move || {
            let successes = rec.clone();
            view! {
                <FintocCheckout
                    public_key="pk_test_ssr"
                    session=endpoint(&url)
                    on_success=move |_: Payload| successes.push("success") />
            }
        }
    };
    assert_the_client_renders_what_the_server_sent(&el, page.clone());
    // A node of the wrong kind panics inside hydration (Leptos 0.8): this test then fails.
    let _hydrated = leptos::mount::hydrate_from(el.clone(), page);
    sleep(0).await;
    assert!(
        button(&el).is_same_node(Some(&from_server)),
        "the client took over the server's button instead of drawing another"
    );
    assert_eq!(el.query_selector_all("button").unwrap().length(), 1);
    from_server.click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    sandbox.succeed().unwrap();
    assert!(until(1000, || find(&el, ".fintoc-checkout__status").is_some()).await);
    assert_eq!(rec.take(), ["success"]);
    assert_eq!(count_events(&id, "session-start").await, 1);
    el.remove();
}

#[wasm_bindgen_test]
async fn a_hydrated_disabled_button_keeps_the_shops_content_and_follows_its_signal() {
    let sandbox = Sandbox::install().unwrap();
    let id = unique_id("lhydrate2");
    let el = server_rendered(include_str!("data/leptos-hydrate/checkout-children.html"));
    let content = find(&el, "strong").expect("the shop's content from the server");
    let url = session_url(&id, "");
    let disabled = RwSignal::new(true);
    let page = move || {
        view! {
            <FintocCheckout public_key="pk_test_ssr" session=endpoint(&url) disabled=disabled class="shop">
                <strong>"Pagar $12.990"</strong>
            </FintocCheckout>
        }
    };
    assert_the_client_renders_what_the_server_sent(&el, page.clone());
    let _hydrated = leptos::mount::hydrate_from(el.clone(), page);
    sleep(0).await;
    let b = button(&el);
    assert!(b.has_attribute("disabled"));
    assert!(find(&el, "strong").is_some_and(|s| s.is_same_node(Some(&content))));
    assert!(find(&el, ".fintoc-checkout.shop").is_some());
    // Pointing at a disabled button prepares nothing (a click on one never reaches the page).
    dispatch(&b, "pointerenter");
    dispatch(&b, "focus");
    sleep(300).await;
    assert_eq!(
        count_events(&id, "session-start").await,
        0,
        "a disabled button asks nothing"
    );
    disabled.set(false);
    assert!(until(1000, || !button(&el).has_attribute("disabled")).await);
    button(&el).click();
    assert!(until(3000, || widget_open(&sandbox)).await);
    assert!(
        find(&el, "strong").is_some_and(|s| s.is_same_node(Some(&content))),
        "the shop's own content is still the server's node"
    );
    el.remove();
}

#[wasm_bindgen_test]
async fn a_hydrated_confirmation_goes_on_from_the_servers_confirming_to_confirmed() {
    use fintoc_wasm::leptos::FintocConfirmation;
    let id = unique_id("lhydrate3");
    let el = server_rendered(include_str!("data/leptos-hydrate/confirmation.html"));
    let text = find(&el, ".fintoc-confirmation__text").expect("the server's text");
    let url = format!("{}/order?id={id}&after=1&final=paid", server());
    let page = move || view! { <FintocConfirmation url=url.clone() /> };
    assert_the_client_renders_what_the_server_sent(&el, page.clone());
    let _hydrated = leptos::mount::hydrate_from(el.clone(), page);
    assert!(
        until(5_000, || find(&el, ".fintoc-confirmation--confirmed")
            .is_some())
        .await
    );
    assert!(find(&el, ".fintoc-confirmation__text").is_some_and(|p| p.is_same_node(Some(&text))));
    assert_eq!(el.query_selector_all("p").unwrap().length(), 1);
    el.remove();
}
