// GENERATED from the Rust crate's `src/ui` (class names, texts, state → view) by
// `FINTOC_WRITE_VOCAB=1 cargo test -p fintoc-wasm --lib ui::vocab`. Do not edit: that
// test fails when this file and Rust disagree (src/ui/vocab.rs).

/** The class names the components put on their elements (no inline styles). */
export const CLASS = {
  root: "fintoc-checkout",
  button: "fintoc-checkout__button",
  spinner: "fintoc-checkout__spinner",
  label: "fintoc-checkout__label",
  error: "fintoc-checkout__error",
  errorMessage: "fintoc-checkout__error-message",
  retry: "fintoc-checkout__retry",
  fallback: "fintoc-checkout__fallback",
  status: "fintoc-checkout__status",
  confirmation: "fintoc-confirmation",
  confirmationText: "fintoc-confirmation__text",
} as const;

/** The language of the default texts (Spanish by default). */
export type Locale = 'es' | 'en';

/** Every text the components render. */
export interface Labels {
  readonly pay: string;
  readonly preparing: string;
  readonly redirecting: string;
  readonly retry: string;
  readonly loadFailed: string;
  readonly sessionFailed: string;
  readonly sessionExpired: string;
  readonly misconfigured: string;
  readonly widgetFailed: string;
  readonly continueOnFintoc: string;
  readonly succeeded: string;
  readonly exited: string;
  readonly confirming: string;
  readonly confirmed: string;
  readonly notPaid: string;
  readonly stillPending: string;
}

/** The texts of each locale. */
export const LABELS: { readonly [L in Locale]: Labels } = {
  es: {
    pay: "Pagar con Fintoc",
    preparing: "Preparando el pago…",
    redirecting: "Te llevamos a Fintoc…",
    retry: "Reintentar",
    loadFailed: "No pudimos cargar Fintoc. Revisa tu conexión o desactiva el bloqueador de anuncios e intenta de nuevo.",
    sessionFailed: "No pudimos iniciar el pago. Intenta de nuevo en unos segundos.",
    sessionExpired: "La sesión de pago expiró. Intenta de nuevo.",
    misconfigured: "Este medio de pago no está bien configurado. Avísale a la tienda.",
    widgetFailed: "Fintoc tuvo un problema. Intenta de nuevo.",
    continueOnFintoc: "Continuar el pago en Fintoc",
    succeeded: "Recibimos tu pago; lo estamos confirmando…",
    exited: "Cerraste el pago. Puedes intentarlo de nuevo.",
    confirming: "Estamos confirmando tu pago con el banco…",
    confirmed: "¡Pago confirmado! Gracias por tu compra.",
    notPaid: "El pago no se completó. Si tu banco muestra un cargo, avísale a la tienda antes de volver a pagar.",
    stillPending: "Aún no recibimos la confirmación del banco. Revisa el estado de tu pedido más tarde y no vuelvas a pagar.",
  },
  en: {
    pay: "Pay with Fintoc",
    preparing: "Preparing payment…",
    redirecting: "Taking you to Fintoc…",
    retry: "Try again",
    loadFailed: "We couldn't load Fintoc. Check your connection or disable your ad blocker and try again.",
    sessionFailed: "We couldn't start the payment. Please try again in a few seconds.",
    sessionExpired: "The payment session expired. Please try again.",
    misconfigured: "This payment method is not set up correctly. Please tell the shop.",
    widgetFailed: "Fintoc ran into a problem. Please try again.",
    continueOnFintoc: "Continue the payment on Fintoc",
    succeeded: "We received your payment; confirming it…",
    exited: "You closed the payment. You can try again.",
    confirming: "Confirming your payment with the bank…",
    confirmed: "Payment confirmed! Thank you for your order.",
    notPaid: "The payment did not go through. If your bank shows a charge, tell the shop before paying again.",
    stillPending: "We haven't heard back from the bank yet. Check your order's status later, and don't pay again.",
  },
};

/** What a state shows (the error, retry and fallback of `failed` are by error code). */
export interface StateView {
  readonly modifier: string;
  readonly button: boolean;
  readonly busy: boolean;
  readonly busyText: keyof Labels;
  readonly status: keyof Labels | null;
}

export type StateName = 'idle' | 'preparing' | 'opening' | 'ready' | 'open' | 'succeeded' | 'exited' | 'redirecting' | 'failed';

/** Every state's view (the one mapping, `ui::view`). */
export const STATES: { readonly [S in StateName]: StateView } = {
  idle: { modifier: "fintoc-checkout--idle", button: true, busy: false, busyText: "preparing", status: null },
  preparing: { modifier: "fintoc-checkout--preparing", button: true, busy: false, busyText: "preparing", status: null },
  opening: { modifier: "fintoc-checkout--opening", button: true, busy: true, busyText: "preparing", status: null },
  ready: { modifier: "fintoc-checkout--ready", button: true, busy: false, busyText: "preparing", status: null },
  open: { modifier: "fintoc-checkout--open", button: true, busy: false, busyText: "preparing", status: null },
  succeeded: { modifier: "fintoc-checkout--succeeded", button: false, busy: false, busyText: "preparing", status: "succeeded" },
  exited: { modifier: "fintoc-checkout--exited", button: true, busy: false, busyText: "preparing", status: "exited" },
  redirecting: { modifier: "fintoc-checkout--redirecting", button: true, busy: true, busyText: "redirecting", status: null },
  failed: { modifier: "fintoc-checkout--failed", button: false, busy: false, busyText: "preparing", status: null },
};

/** What a failure shows: the shopper's text, a retry button, the hosted-page link. */
export interface ErrorView {
  readonly text: keyof Labels;
  readonly retry: boolean;
  readonly fallback: boolean;
}

/** Every error code's view (the first error with a code decides it). */
export const ERRORS: { readonly [code: string]: ErrorView | undefined } = {
  not_in_browser: { text: "loadFailed", retry: true, fallback: true },
  invalid_url: { text: "loadFailed", retry: true, fallback: true },
  network: { text: "loadFailed", retry: true, fallback: true },
  timeout: { text: "loadFailed", retry: true, fallback: true },
  global_missing: { text: "loadFailed", retry: true, fallback: true },
  csp_blocked: { text: "loadFailed", retry: false, fallback: true },
  secret_key: { text: "misconfigured", retry: false, fallback: false },
  invalid_public_key: { text: "misconfigured", retry: false, fallback: false },
  invalid_session_token: { text: "misconfigured", retry: false, fallback: false },
  invalid_widget_token: { text: "misconfigured", retry: false, fallback: false },
  missing_token: { text: "misconfigured", retry: false, fallback: false },
  conflicting_tokens: { text: "misconfigured", retry: false, fallback: false },
  invalid_option: { text: "misconfigured", retry: false, fallback: false },
  session_invalid_request: { text: "sessionFailed", retry: true, fallback: false },
  session_network: { text: "sessionFailed", retry: true, fallback: false },
  session_http: { text: "sessionFailed", retry: true, fallback: false },
  session_not_json: { text: "sessionFailed", retry: true, fallback: false },
  session_missing_token: { text: "sessionFailed", retry: true, fallback: false },
  session_timeout: { text: "sessionFailed", retry: true, fallback: false },
  session_expired: { text: "sessionExpired", retry: false, fallback: false },
  session_invalid_token: { text: "sessionFailed", retry: true, fallback: false },
  session_no_redirect_url: { text: "misconfigured", retry: false, fallback: false },
  session_source: { text: "sessionFailed", retry: true, fallback: false },
  widget_create: { text: "widgetFailed", retry: true, fallback: false },
  widget_call: { text: "widgetFailed", retry: true, fallback: false },
  widget_method_missing: { text: "widgetFailed", retry: true, fallback: false },
  already_succeeded: { text: "widgetFailed", retry: true, fallback: false },
  widget_destroyed: { text: "widgetFailed", retry: true, fallback: false },
};

/** A code not in `ERRORS`. */
export const UNKNOWN_ERROR: ErrorView = { text: "sessionFailed", retry: true, fallback: false };

/** What a confirmation shows at each stage (`ui::confirmation_view`). */
export interface ConfirmationStageView {
  readonly modifier: string;
  readonly busy: boolean;
  readonly text: keyof Labels;
}

export type StageName = 'confirming' | 'confirmed' | 'not_paid' | 'still_pending';

export const STAGES: { readonly [S in StageName]: ConfirmationStageView } = {
  confirming: { modifier: "fintoc-confirmation--confirming", busy: true, text: "confirming" },
  confirmed: { modifier: "fintoc-confirmation--confirmed", busy: false, text: "confirmed" },
  not_paid: { modifier: "fintoc-confirmation--not_paid", busy: false, text: "notPaid" },
  still_pending: { modifier: "fintoc-confirmation--still_pending", busy: false, text: "stillPending" },
};
