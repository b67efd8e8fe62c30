/** Where a checkout is. `preparing`: loading in the background; `opening`: the shopper asked for the widget; `redirecting`: the page is going to Fintoc's hosted checkout page. */
export type CheckoutState = 'idle' | 'preparing' | 'opening' | 'ready' | 'open' | 'succeeded' | 'exited' | 'redirecting' | 'failed';

/** The widget in the page; Fintoc's hosted checkout page; or the widget, with the hosted page when its script is blocked. */
export type CheckoutMode = 'widget' | 'redirect' | 'widget_or_redirect';

/** The stable `code` of every error this package throws or rejects with. */
export type FintocErrorCode =
  | 'not_in_browser' | 'invalid_url' | 'network' | 'timeout' | 'global_missing' | 'csp_blocked'
  | 'secret_key' | 'invalid_public_key' | 'invalid_session_token' | 'invalid_widget_token'
  | 'missing_token' | 'conflicting_tokens' | 'invalid_option'
  | 'session_invalid_request' | 'session_network' | 'session_http' | 'session_not_json'
  | 'session_missing_token' | 'session_timeout' | 'session_expired' | 'session_invalid_token'
  | 'session_no_redirect_url' | 'session_source'
  | 'widget_create' | 'widget_call' | 'widget_method_missing' | 'widget_destroyed'
  | 'already_succeeded' | 'destroyed' | 'cancelled'
  | 'not_initialized' | 'wasm_load_failed';

/** An `Error` whose message says what to do, with a stable code. Never show it to shoppers as is. */
export interface FintocError extends Error {
  code: FintocErrorCode;
}

/** What a widget callback received (an object, or undefined when the widget passed nothing). */
export type WidgetPayload = { readonly [field: string]: unknown } | undefined;

/** What your own session function may resolve with. */
export interface SessionReply {
  sessionToken: string;
  /** Fintoc's hosted page, offered when the widget cannot load (https only). */
  redirectUrl?: string;
  /** Seconds the token stays valid (default and maximum: 600). */
  expiresIn?: number;
}

/** Where the session token comes from. */
export type SessionOption =
  | {
      /** Your backend route that creates the Checkout Session with the secret key. */
      endpoint: string;
      method?: 'GET' | 'POST' | 'PUT';
      /** Sent as JSON. */
      body?: unknown;
      headers?: { [name: string]: string };
      credentials?: 'omit' | 'same-origin' | 'include';
      timeoutMs?: number;
    }
  | { /** A session token the page already has (not refreshed when it goes stale). */ token: string }
  | (() => Promise<string | SessionReply>);

export interface CheckoutOptions {
  /** `pk_test_…` or `pk_live_…`; an `sk_…` key is refused. */
  publicKey: string;
  session: SessionOption;
  product?: 'payments' | 'movements' | 'subscriptions' | 'invoices';
  country?: 'cl' | 'mx';
  holderType?: 'individual' | 'business';
  institutionId?: string;
  username?: string | { value: string; editable?: boolean };
  /** The widget (default), Fintoc's hosted page (the session needs a `redirectUrl`), or the widget with the hosted page when its script is blocked. */
  mode?: CheckoutMode;
  /** Where to load Fintoc.js from (default https://js.fintoc.com/v1/). */
  scriptUrl?: string;
  /** CSP nonce for the injected script. */
  nonce?: string;
  /** Script load timeout (default 15000). */
  timeoutMs?: number;
  /** With `attach(button)`: prepare when the pointer enters the button or it gets focus (default true). */
  prefetchOnHover?: boolean;
  /** The widget reported success: not proof of payment (the webhook is). */
  onSuccess?(payload: WidgetPayload): void;
  onExit?(payload: WidgetPayload): void;
  onEvent?(name: string, metadata: WidgetPayload): void;
  onError?(error: FintocError): void;
  onStateChange?(state: CheckoutState): void;
}

/** Where a confirmation is. */
export type ConfirmationStage = 'confirming' | 'confirmed' | 'not_paid' | 'still_pending';

/** What `confirmOrder` needs: your order endpoint, which your webhook handler writes. */
export interface ConfirmOptions {
  /** e.g. `/api/orders/ord_42` (GET, JSON): `status` `paid`/`succeeded` confirms; `failed`, `rejected`, `expired` are not paid (`failure_reason` says why); anything else is pending. */
  url: string;
  /** How long to keep asking (default 120000). */
  deadlineMs?: number;
  /** Your endpoint's own shape: what an answer means (default: the `status` field as above). */
  read?(order: { readonly [field: string]: unknown }): 'confirmed' | 'not_paid' | 'pending';
  onStageChange?(stage: ConfirmationStage): void;
}

/** How a confirmation ended. `still_pending`: the deadline passed with no decision (tell the shopper the result comes later; never to pay again). */
export type ConfirmResult =
  | { status: 'confirmed'; order: { readonly [field: string]: unknown } }
  | { status: 'not_paid'; reason?: string; order: { readonly [field: string]: unknown } }
  | { status: 'still_pending' }
  | { status: 'cancelled' };

/** How a run of the widget ended. `redirected`: the page is going to Fintoc's hosted page (the result comes on your return page). `hidden`: your page called `hide()` (the widget is kept; `open()` shows it again). `cancelled`: `destroy()`, `reset()` or a new session ended it first. */
export type Outcome =
  | { status: 'succeeded'; payload: WidgetPayload }
  | { status: 'exited'; payload: WidgetPayload }
  | { status: 'hidden' }
  | { status: 'cancelled' }
  | { status: 'redirected' };
