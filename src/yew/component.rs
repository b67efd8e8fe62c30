//! `<FintocCheckout>`: a pay button with progress, error, retry and fallback states, drawn from
//! the shared [`ui::view`](crate::ui::view).

use yew::html::IntoPropValue;
use yew::prelude::*;

use super::config::{FintocCheckoutConfig, HookCallbacks};
use super::hook::use_fintoc_checkout;
use crate::checkout::{CheckoutMode, CheckoutState};
use crate::error::{FintocError, OptionsError};
use crate::load::LoadOptions;
use crate::session::{SessionEndpoint, SessionResponse, SessionSource, SessionToken};
use crate::ui::{class, view, Locale};
use crate::widget::{Country, HolderType, Payload, Product, PublicKey, Username, WidgetEvent};

/// The `public_key` prop: a [`PublicKey`], or a string validated on the way in (an invalid or
/// secret key renders the error state and reaches `on_error`). Surrounding whitespace is
/// trimmed (see [`PublicKey::new`]).
///
/// ```
/// use fintoc_wasm::yew::PublicKeyProp;
/// use yew::html::IntoPropValue;
///
/// let ok: PublicKeyProp = "pk_test_abc".into_prop_value();
/// assert!(ok.get().is_ok());
/// let refused: PublicKeyProp = "sk_live_oops".into_prop_value();
/// assert!(refused.get().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PublicKeyProp(Result<PublicKey, OptionsError>);

impl PublicKeyProp {
    /// The key, or why it was refused.
    ///
    /// # Errors
    /// The validation error of the string given.
    pub fn get(&self) -> Result<&PublicKey, &OptionsError> {
        self.0.as_ref()
    }
}

macro_rules! public_key_props {
    ($($from:ty),*) => {$(
        impl IntoPropValue<PublicKeyProp> for $from {
            fn into_prop_value(self) -> PublicKeyProp {
                PublicKeyProp(PublicKey::try_from(self).map_err(Into::into))
            }
        }
    )*};
}
public_key_props!(PublicKey, &PublicKey, &str, String, &String);

impl IntoPropValue<PublicKeyProp> for AttrValue {
    fn into_prop_value(self) -> PublicKeyProp {
        PublicKeyProp(PublicKey::new(self.as_str()))
    }
}

impl IntoPropValue<SessionSource> for SessionEndpoint {
    fn into_prop_value(self) -> SessionSource {
        self.into()
    }
}

impl IntoPropValue<SessionSource> for SessionToken {
    fn into_prop_value(self) -> SessionSource {
        self.into()
    }
}

/// Props of [`FintocCheckout`].
#[derive(Properties, Clone, PartialEq)]
pub struct FintocCheckoutProps {
    /// `pk_test_…` / `pk_live_…` (a `PublicKey` or a string).
    pub public_key: PublicKeyProp,
    /// Where the session token comes from: a [`SessionEndpoint`] (usually
    /// `SessionEndpoint::new("/api/checkout").json(&order)`), a [`SessionToken`] the page
    /// already has, or `SessionSource::from_fn` (build that one once, e.g. with `use_memo`).
    pub session: SessionSource,
    /// The user finished (confirm the payment from the webhook, not here).
    #[prop_or_default]
    pub on_success: Option<Callback<Payload>>,
    /// The user closed the widget.
    #[prop_or_default]
    pub on_exit: Option<Callback<Payload>>,
    /// Every widget event.
    #[prop_or_default]
    pub on_event: Option<Callback<WidgetEvent>>,
    /// Any failure (script, session, widget, or invalid props), with the technical message.
    #[prop_or_default]
    pub on_error: Option<Callback<FintocError>>,
    /// Every state change.
    #[prop_or_default]
    pub on_state: Option<Callback<CheckoutState>>,
    /// Each new session response (read your backend's fields, e.g. an order id, with
    /// [`SessionResponse::get`]).
    #[prop_or_default]
    pub on_session: Option<Callback<SessionResponse>>,
    /// The product (default payments).
    #[prop_or_default]
    pub product: Product,
    /// The country (`cl` when unset).
    #[prop_or_default]
    pub country: Option<Country>,
    /// The holder type.
    #[prop_or_default]
    pub holder_type: Option<HolderType>,
    /// Preselected bank, e.g. `cl_banco_estado`.
    #[prop_or_default]
    pub institution_id: Option<AttrValue>,
    /// Prefilled bank username.
    #[prop_or_default]
    pub username: Option<Username>,
    /// Script URL, CSP nonce, timeout (default: the real Fintoc.js).
    #[prop_or_default]
    pub load: LoadOptions,
    /// Open on mount (and whenever the key or session source changes). In redirect mode this
    /// leaves for Fintoc's hosted page as soon as the session arrives: only for a page whose
    /// whole purpose is to pay.
    #[prop_or_default]
    pub auto_open: bool,
    /// Start loading the script on mount (default `true`; nothing to load in redirect mode).
    #[prop_or(true)]
    pub preload: bool,
    /// The widget (default), Fintoc's hosted page, or the widget with the hosted page when its
    /// script is blocked ([`CheckoutMode`]).
    #[prop_or_default]
    pub mode: CheckoutMode,
    /// Prepare (script and session) when the pointer enters the button or it gets focus, so the
    /// click opens at once (default `true`).
    #[prop_or(true)]
    pub prefetch: bool,
    /// The button text (children, when given, replace it).
    #[prop_or_default]
    pub label: Option<AttrValue>,
    /// Language of the default texts (Spanish by default).
    #[prop_or_default]
    pub locale: Locale,
    /// Extra classes on the root element.
    #[prop_or_default]
    pub class: Classes,
    /// Disables the button (e.g. an empty cart).
    #[prop_or_default]
    pub disabled: bool,
    /// Button content instead of the label.
    #[prop_or_default]
    pub children: Children,
}

impl From<&FintocCheckoutProps> for FintocCheckoutConfig {
    fn from(props: &FintocCheckoutProps) -> Self {
        let mut config =
            FintocCheckoutConfig::from_key(props.public_key.0.clone(), props.session.clone())
                .widget(|w| w.product(props.product.clone()))
                .load(props.load.clone())
                .auto_open(props.auto_open)
                .preload(props.preload)
                .mode(props.mode);
        if let Some(country) = props.country {
            config = config.widget(|w| w.country(country));
        }
        if let Some(holder_type) = props.holder_type {
            config = config.widget(|w| w.holder_type(holder_type));
        }
        if let Some(institution_id) = &props.institution_id {
            config = config.widget(|w| w.institution_id(institution_id.as_str()));
        }
        if let Some(username) = &props.username {
            config = config.widget(|w| w.username(username.clone()));
        }
        config.callbacks = HookCallbacks {
            on_success: props.on_success.clone(),
            on_exit: props.on_exit.clone(),
            on_event: props.on_event.clone(),
            on_error: props.on_error.clone(),
            on_state: props.on_state.clone(),
            on_session: props.on_session.clone(),
        };
        config
    }
}

/// A "Pay with Fintoc" button that runs the whole checkout.
///
/// Renders a real `<button type="button">`; while opening (the shopper clicked and the widget is
/// on its way) or redirecting it is disabled with `aria-busy="true"` and a spinner — a hover's
/// background preparation leaves it as it is, so the click is never refused; on failure it shows the shopper a friendly message (never
/// the technical one: that goes to `on_error`, and to the console in debug builds), a retry
/// button, and — when the script cannot load but the session response carried a `redirect_url`
/// — a link to continue on Fintoc's hosted page. Class names are in [`crate::ui::class`]; the
/// root has `fintoc-checkout--{state}` and `data-state`; there are no inline styles.
///
/// ```no_run
/// use fintoc_wasm::widget::Country;
/// use fintoc_wasm::yew::FintocCheckout;
/// use fintoc_wasm::{Payload, SessionEndpoint};
/// use yew::prelude::*;
///
/// #[component]
/// fn Cart() -> Html {
///     let on_success = Callback::from(|_: Payload| { /* poll the order */ });
///     html! {
///         <FintocCheckout
///             public_key="pk_test_abc123"
///             session={SessionEndpoint::new("/api/checkout").json(&["cafe"])}
///             {on_success}
///             country={Country::Cl}
///             label="Pagar $12.990" />
///     }
/// }
/// ```
#[component]
pub fn FintocCheckout(props: &FintocCheckoutProps) -> Html {
    let checkout = use_fintoc_checkout(FintocCheckoutConfig::from(props));
    let labels = props.locale.labels();
    let v = view(checkout.state(), checkout.redirect_url(), labels);

    let onclick = {
        let checkout = checkout.clone();
        Callback::from(move |_: MouseEvent| checkout.open())
    };
    // Not on a disabled button (an empty cart): its session request could only fail.
    let intent = (props.prefetch && !props.disabled).then(|| {
        let checkout = checkout.clone();
        Callback::from(move |_: Event| checkout.prepare())
    });
    let content = if v.busy {
        html! {
            <>
                <span class={class::SPINNER} aria-hidden="true"></span>
                <span class={class::LABEL}>{ v.busy_text }</span>
            </>
        }
    } else if !props.children.is_empty() {
        // The shop's own content goes where the label would (the markup `src/ui.js` documents).
        html! { <span class={class::LABEL}>{ props.children.clone() }</span> }
    } else {
        let text = props.label.clone().unwrap_or(AttrValue::Static(labels.pay));
        html! { <span class={class::LABEL}>{ text }</span> }
    };
    let button = v.button.then(|| {
        html! {
            <button
                type="button"
                class={class::BUTTON}
                disabled={v.busy || props.disabled}
                aria-busy={if v.busy { "true" } else { "false" }}
                onpointerenter={intent.clone().map(|f| f.reform(|e: PointerEvent| e.into()))}
                onfocus={intent.map(|f| f.reform(|e: FocusEvent| e.into()))}
                {onclick}>
                { content }
            </button>
        }
    });
    let status = v.status.map(|text| {
        html! { <p class={class::STATUS} role="status">{ text }</p> }
    });
    let error = v.error.map(|text| {
        let retry = v.retry.then(|| {
            let checkout = checkout.clone();
            let onclick = Callback::from(move |_: MouseEvent| checkout.retry());
            html! {
                <button type="button" class={class::RETRY} {onclick}>{ labels.retry }</button>
            }
        });
        let fallback = v.fallback.map(|url| {
            html! {
                <a class={class::FALLBACK} href={url.to_owned()} rel="noopener">
                    { labels.continue_on_fintoc }
                </a>
            }
        });
        html! {
            <div class={class::ERROR} role="alert">
                <p class={class::ERROR_MESSAGE}>{ text }</p>
                { retry }
                { fallback }
            </div>
        }
    });

    html! {
        <div
            class={classes!(class::ROOT, v.modifier, props.class.clone())}
            data-state={v.state}>
            { error }
            { button }
            { status }
        </div>
    }
}
