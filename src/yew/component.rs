//! `<FintocCheckout>`: a pay button with progress, error, retry and fallback states.

use yew::html::IntoPropValue;
use yew::prelude::*;

use super::hook::{use_fintoc_checkout, FintocCheckoutConfig, HookCallbacks};
use super::labels::Locale;
use crate::checkout::CheckoutState;
use crate::error::{FintocError, OptionsError};
use crate::events::{ExitPayload, SuccessPayload, WidgetEvent};
use crate::loader::LoadOptions;
use crate::options::{Country, HolderType, Product, PublicKey, Username};
use crate::session::{SessionResponse, SessionSource};

/// The `public_key` prop: a [`PublicKey`], or a string validated on the way in (an invalid or
/// secret key renders the error state and reaches `on_error`).
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
    /// ```
    /// use fintoc_wasm::yew::PublicKeyProp;
    /// use yew::html::IntoPropValue;
    /// let p: PublicKeyProp = "pk_live_x1".into_prop_value();
    /// assert!(p.get().unwrap().is_live());
    /// ```
    ///
    /// # Errors
    /// The validation error of the string given.
    pub fn get(&self) -> Result<&PublicKey, &OptionsError> {
        self.0.as_ref()
    }
}

impl IntoPropValue<PublicKeyProp> for PublicKey {
    fn into_prop_value(self) -> PublicKeyProp {
        PublicKeyProp(Ok(self))
    }
}
impl IntoPropValue<PublicKeyProp> for &PublicKey {
    fn into_prop_value(self) -> PublicKeyProp {
        PublicKeyProp(Ok(self.clone()))
    }
}
impl IntoPropValue<PublicKeyProp> for &str {
    fn into_prop_value(self) -> PublicKeyProp {
        PublicKeyProp(PublicKey::new(self))
    }
}
impl IntoPropValue<PublicKeyProp> for String {
    fn into_prop_value(self) -> PublicKeyProp {
        PublicKeyProp(PublicKey::new(self))
    }
}
impl IntoPropValue<PublicKeyProp> for &String {
    fn into_prop_value(self) -> PublicKeyProp {
        PublicKeyProp(PublicKey::new(self))
    }
}
impl IntoPropValue<PublicKeyProp> for AttrValue {
    fn into_prop_value(self) -> PublicKeyProp {
        PublicKeyProp(PublicKey::new(self.as_str()))
    }
}

/// Props of [`FintocCheckout`].
#[derive(Properties, Clone, PartialEq)]
pub struct FintocCheckoutProps {
    /// `pk_test_…` / `pk_live_…` (a `PublicKey` or a string).
    pub public_key: PublicKeyProp,
    /// Where the session token comes from: usually
    /// `SessionSource::endpoint("/api/checkout").json(&order)`.
    pub session: SessionSource,
    /// The user finished (confirm the payment from the webhook, not here).
    #[prop_or_default]
    pub on_success: Option<Callback<SuccessPayload>>,
    /// The user closed the widget.
    #[prop_or_default]
    pub on_exit: Option<Callback<ExitPayload>>,
    /// Every widget event.
    #[prop_or_default]
    pub on_event: Option<Callback<WidgetEvent>>,
    /// Any failure (script, session, widget, or invalid props).
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
    /// Open on mount (and whenever the key or session source changes).
    #[prop_or_default]
    pub auto_open: bool,
    /// Start loading the script on mount (default `true`).
    #[prop_or(true)]
    pub preload: bool,
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
            FintocCheckoutConfig::new(props.public_key.0.clone(), props.session.clone())
                .widget(|w| w.product(props.product.clone()))
                .load_options(props.load.clone())
                .auto_open(props.auto_open)
                .preload(props.preload);
        if let Some(country) = props.country {
            config = config.widget(|w| w.country(country));
        }
        if let Some(holder_type) = props.holder_type {
            config = config.widget(|w| w.holder_type(holder_type));
        }
        if let Some(institution_id) = &props.institution_id {
            config = config.widget(|w| w.institution_id(institution_id.to_string()));
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

fn state_name(state: &CheckoutState) -> &'static str {
    match state {
        CheckoutState::Idle => "idle",
        CheckoutState::Preparing => "preparing",
        CheckoutState::Ready => "ready",
        CheckoutState::Open => "open",
        CheckoutState::Succeeded => "succeeded",
        CheckoutState::Exited => "exited",
        CheckoutState::Failed(_) => "failed",
    }
}

/// A "Pay with Fintoc" button that runs the whole checkout.
///
/// Renders a real `<button type="button">`; while preparing it is disabled with
/// `aria-busy="true"` and a spinner; on failure it shows the shopper a friendly message (never
/// the technical one: that goes to `on_error`, and to the console in debug builds), a retry
/// button, and — when the script cannot load but the session
/// response carried a `redirect_url` — a link to continue on Fintoc's hosted page. Every element
/// has a class (`fintoc-checkout`, `fintoc-checkout__button`, `__spinner`, `__label`, `__error`,
/// `__retry`, `__fallback`, `__status`) and the root has `fintoc-checkout--{state}` and
/// `data-state`; there are no inline styles.
///
/// ```no_run
/// use fintoc_wasm::yew::FintocCheckout;
/// use fintoc_wasm::{Country, SessionSource, SuccessPayload};
/// use yew::prelude::*;
///
/// #[component]
/// fn Cart() -> Html {
///     let on_success = Callback::from(|_: SuccessPayload| { /* poll the order */ });
///     html! {
///         <FintocCheckout
///             public_key="pk_test_abc123"
///             session={SessionSource::endpoint("/api/checkout")}
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
    let state = checkout.state();
    let busy = state.is_busy();
    let name = state_name(state);

    let onclick = {
        let checkout = checkout.clone();
        Callback::from(move |_: MouseEvent| checkout.open())
    };
    let content = if busy {
        html! {
            <>
                <span class="fintoc-checkout__spinner" aria-hidden="true"></span>
                <span class="fintoc-checkout__label">{ labels.preparing }</span>
            </>
        }
    } else if !props.children.is_empty() {
        html! { { props.children.clone() } }
    } else {
        let text = props.label.clone().unwrap_or(AttrValue::Static(labels.pay));
        html! { <span class="fintoc-checkout__label">{ text }</span> }
    };
    let button = html! {
        <button
            type="button"
            class="fintoc-checkout__button"
            disabled={busy || props.disabled}
            aria-busy={if busy { "true" } else { "false" }}
            {onclick}>
            { content }
        </button>
    };

    let body = match state {
        CheckoutState::Failed(error) => {
            let retry = {
                let checkout = checkout.clone();
                Callback::from(move |_: MouseEvent| checkout.retry())
            };
            let can_retry = !matches!(error, FintocError::Options(_));
            let fallback = match (error, checkout.redirect_url()) {
                (FintocError::Load(_), Some(url)) => Some(url.to_owned()),
                _ => None,
            };
            html! {
                <div class="fintoc-checkout__error" role="alert">
                    <p class="fintoc-checkout__error-message">{ labels.for_error(error) }</p>
                    if can_retry {
                        <button type="button" class="fintoc-checkout__retry" onclick={retry}>
                            { labels.retry }
                        </button>
                    }
                    if let Some(url) = fallback {
                        <a class="fintoc-checkout__fallback" href={url} rel="noopener">
                            { labels.continue_on_fintoc }
                        </a>
                    }
                </div>
            }
        }
        CheckoutState::Succeeded => html! {
            <p class="fintoc-checkout__status" role="status">{ labels.succeeded }</p>
        },
        CheckoutState::Exited => html! {
            <>
                { button }
                <p class="fintoc-checkout__status" role="status">{ labels.exited }</p>
            </>
        },
        _ => button,
    };

    html! {
        <div
            class={classes!("fintoc-checkout", format!("fintoc-checkout--{name}"), props.class.clone())}
            data-state={name}>
            { body }
        </div>
    }
}
