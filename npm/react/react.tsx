'use client';
/**
 * `fintoc-wasm/react`: React bindings over the package's JavaScript API (`createCheckout`,
 * `confirmOrder`). React is a peer dependency: this module brings none of its own.
 *
 * - {@link useFintocCheckout}: a checkout for components that draw their own UI;
 * - {@link FintocCheckout}: the pay button of the Yew and Leptos components, in React (same
 *   markup, class names and shopper texts: they come from the Rust crate's `ui` module);
 * - {@link FintocConfirmation}: the payment's real result, from your order endpoint.
 *
 * StrictMode-safe: nothing is fetched or loaded by mounting; a checkout is created after mount
 * and destroyed on unmount (a pending `open()` resolves `cancelled`, an open widget's iframe is
 * removed, no callback follows). Server rendering renders the idle button and touches no
 * browser API.
 *
 * @packageDocumentation
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

import {
  confirmOrder,
  createCheckout,
  type Checkout,
  type CheckoutOptions,
  type CheckoutState,
  type ConfirmationStage,
  type ConfirmOptions,
  type ConfirmResult,
  type FintocError,
  type FintocErrorCode,
  type Outcome,
  type SessionOption,
} from 'fintoc-wasm';
import {
  CLASS,
  ERRORS,
  LABELS,
  STAGES,
  STATES,
  UNKNOWN_ERROR,
  type Labels,
  type Locale,
  type StageName,
  type StateName,
} from './vocab.generated.js';

export { CLASS, LABELS, type Labels, type Locale };

// The package's states and confirmation stages are exactly the ones the Rust `ui` module maps
// (a compile error here means the two lists disagree).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameStates: Same<CheckoutState, StateName> = true;
const sameStages: Same<ConfirmationStage, StageName> = true;
void sameStates;
void sameStages;

/** What {@link useFintocCheckout} takes: every option of `createCheckout`, and `sessionKey`. */
export interface FintocCheckoutOptions extends CheckoutOptions {
  /**
   * Says which session this is: a new value (a new cart, another amount) replaces the checkout
   * with a new one; the same value keeps it, whatever else re-rendered. Without it:
   * - `{ endpoint, method, body, headers, credentials, timeoutMs }` is identified by its JSON
   *   (a new object literal with the same content on every render is the same session; another
   *   `body` is a new one);
   * - `{ token }` by the token;
   * - a function by nothing at all: an inline `async () => …` is a new function on every render,
   *   so it is always the same session, and the newest function is the one called for the next
   *   token. Give `sessionKey` (e.g. the cart's JSON) to start a new session with it.
   *
   * With `sessionKey`, it alone decides: the `session` option is read when the checkout is
   * created (a function is still always called at its newest).
   */
  sessionKey?: string;
}

/** What {@link useFintocCheckout} returns. */
export interface FintocCheckoutHandle {
  /** Where the checkout is (`idle` until something happens, and during server rendering). */
  readonly state: CheckoutState;
  /** The failure behind `state === 'failed'` (a technical message: never show it to shoppers). */
  readonly error: FintocError | null;
  /** Fintoc's hosted page for the current session, if the session had one. */
  readonly redirectUrl: string | undefined;
  /**
   * Opens the widget (preparing first if needed) and resolves when the shopper is done. Rejects
   * with the failure (which `error` and `onError` also get), or `cancelled` after unmount.
   */
  open(): Promise<Outcome>;
  /** Loads the script and gets the session token ahead of the click. */
  prepare(): Promise<void>;
  /** Hides the open widget; `open()` shows it again. */
  hide(): void;
  /** Forgets the session (after a success, to take another payment). */
  reset(): void;
}

/** The options `createCheckout` reads once, as one string: a change makes a new checkout. */
function identity(options: FintocCheckoutOptions): string {
  const { session, sessionKey } = options;
  const kind = typeof session === 'function' ? 'fn' : 'token' in session ? 'token' : 'endpoint';
  let which: string;
  if (sessionKey !== undefined) {
    which = `key:${sessionKey}`;
  } else if (typeof session === 'function') {
    which = '';
  } else if ('token' in session) {
    which = session.token;
  } else {
    which = json([session.endpoint, session.method, session.body, session.headers, session.credentials, session.timeoutMs]);
  }
  return json([
    kind,
    which,
    options.publicKey,
    options.product,
    options.country,
    options.holderType,
    options.institutionId,
    options.username,
    options.mode,
    options.scriptUrl,
    options.nonce,
    options.timeoutMs,
    options.prefetchOnHover,
  ]);
}

/** `JSON.stringify`, or a marker for what it cannot write (`createCheckout` refuses it then). */
function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return '(not JSON)';
  }
}

/** An `Error` with a `code`, as the package's own. */
function fintocError(code: FintocErrorCode, message: string): FintocError {
  return Object.assign(new Error(message), { code });
}

function isFintocError(value: unknown): value is FintocError {
  return value instanceof Error && typeof (value as { code?: unknown }).code === 'string';
}

const notMounted = (): FintocError =>
  fintocError('cancelled', 'this checkout is not mounted (its component is gone, or has not mounted yet)');

/** Runs after every render, before `useEffect`s; on the server, nowhere (no warning). */
const useLatest: typeof useLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

interface Snapshot {
  readonly key: string;
  readonly state: CheckoutState;
  readonly error: FintocError | null;
  readonly redirectUrl: string | undefined;
}

/**
 * A Fintoc checkout for components that draw their own UI ({@link FintocCheckout} is built on
 * it). Options may change on every render: callbacks are always the newest ones; a new session
 * (see {@link FintocCheckoutOptions.sessionKey}) or another public key, mode, script URL or widget
 * option replaces the checkout; nothing else does.
 *
 * ```tsx
 * const { state, open } = useFintocCheckout({
 *   publicKey: 'pk_test_…',
 *   session: { endpoint: '/api/checkout', method: 'POST', body: { items } },
 *   onSuccess() { setConfirming(true); },
 * });
 * return <button onClick={() => open().catch(() => {})} disabled={state === 'opening'}>Pay</button>;
 * ```
 */
export function useFintocCheckout(options: FintocCheckoutOptions): FintocCheckoutHandle {
  const key = identity(options);
  const latest = useRef(options);
  const latestKey = useRef(key);
  useLatest(() => {
    latest.current = options;
    latestKey.current = key;
  });
  const holder = useRef<{ readonly key: string; readonly checkout: Checkout } | null>(null);
  const mounted = useRef(false);
  /** The key whose creation failure `onError` already heard (StrictMode mounts twice). */
  const reported = useRef<string | null>(null);
  const [snapshot, setSnapshot] = useState<Snapshot>(() => idle(key));

  const release = useCallback(() => {
    const held = holder.current;
    holder.current = null;
    held?.checkout.destroy();
  }, []);

  /** The checkout for the current options, created now if there is none (mounted only). */
  const ensure = useCallback((): Checkout | FintocError => {
    if (!mounted.current) return notMounted();
    const k = latestKey.current;
    const held = holder.current;
    if (held && held.key === k) return held.checkout;
    release();
    const o = latest.current;
    let checkout: Checkout | null = null;
    const live = (): boolean => checkout !== null && holder.current?.checkout === checkout;
    const session: SessionOption =
      typeof o.session === 'function'
        ? () => {
            const newest = latest.current.session;
            return typeof newest === 'function' ? newest() : Promise.reject(new Error('the session is no longer a function'));
          }
        : o.session;
    const created: CheckoutOptions = {
      publicKey: o.publicKey,
      session,
      onSuccess: (payload) => latest.current.onSuccess?.(payload),
      onExit: (payload) => latest.current.onExit?.(payload),
      onEvent: (name, metadata) => latest.current.onEvent?.(name, metadata),
      onStateChange: (state) => {
        if (!live() || checkout === null) return;
        let redirectUrl: string | undefined;
        try {
          redirectUrl = checkout.redirectUrl;
        } catch {
          redirectUrl = undefined;
        }
        setSnapshot((old) => ({
          key: k,
          state,
          error: state === 'failed' && old.key === k ? old.error : null,
          redirectUrl,
        }));
        latest.current.onStateChange?.(state);
      },
      onError: (error) => {
        if (!live()) return;
        setSnapshot((old) => ({ ...old, key: k, state: 'failed', error }));
        latest.current.onError?.(error);
      },
    };
    // Only the options given (`createCheckout` refuses names it does not know).
    if (o.product !== undefined) created.product = o.product;
    if (o.country !== undefined) created.country = o.country;
    if (o.holderType !== undefined) created.holderType = o.holderType;
    if (o.institutionId !== undefined) created.institutionId = o.institutionId;
    if (o.username !== undefined) created.username = o.username;
    if (o.mode !== undefined) created.mode = o.mode;
    if (o.scriptUrl !== undefined) created.scriptUrl = o.scriptUrl;
    if (o.nonce !== undefined) created.nonce = o.nonce;
    if (o.timeoutMs !== undefined) created.timeoutMs = o.timeoutMs;
    if (o.prefetchOnHover !== undefined) created.prefetchOnHover = o.prefetchOnHover;
    try {
      checkout = createCheckout(created);
    } catch (thrown) {
      const error = isFintocError(thrown) ? thrown : fintocError('invalid_option', String(thrown));
      setSnapshot({ key: k, state: 'failed', error, redirectUrl: undefined });
      if (reported.current !== k) {
        reported.current = k;
        latest.current.onError?.(error);
      }
      return error;
    }
    holder.current = { key: k, checkout };
    return checkout;
  }, [release]);

  useEffect(() => {
    mounted.current = true;
    // Created now (nothing is fetched): invalid options show at once, not at the first click.
    ensure();
    return () => {
      mounted.current = false;
      release();
    };
  }, [key, ensure, release]);

  const open = useCallback((): Promise<Outcome> => {
    const checkout = ensure();
    return isFintocError(checkout) ? Promise.reject(checkout) : checkout.open();
  }, [ensure]);
  const prepare = useCallback((): Promise<void> => {
    const checkout = ensure();
    return isFintocError(checkout) ? Promise.reject(checkout) : checkout.prepare();
  }, [ensure]);
  const hide = useCallback((): void => {
    holder.current?.checkout.hide();
  }, []);
  const reset = useCallback((): void => {
    holder.current?.checkout.reset();
  }, []);

  const current = snapshot.key === key ? snapshot : idle(key);
  return {
    state: current.state,
    error: current.state === 'failed' ? current.error : null,
    redirectUrl: current.redirectUrl,
    open,
    prepare,
    hide,
    reset,
  };
}

function idle(key: string): Snapshot {
  return { key, state: 'idle', error: null, redirectUrl: undefined };
}

/** The texts: a locale's, with the shop's own over them. */
function texts(locale: Locale | undefined, labels: Partial<Labels> | undefined): Labels {
  return labels ? { ...LABELS[locale ?? 'es'], ...labels } : LABELS[locale ?? 'es'];
}

function classes(...names: (string | undefined)[]): string {
  return names.filter((n) => n !== undefined && n !== '').join(' ');
}

const ignore = (): void => {};

/** Props of {@link FintocCheckout}: every checkout option, and how the button looks. */
export interface FintocCheckoutProps extends FintocCheckoutOptions {
  /** Prepare (script and session) when the pointer enters the button or it gets focus, so the click opens at once (default true). */
  prefetch?: boolean;
  /** Disables the button (e.g. an empty cart); nothing is prepared while it is. */
  disabled?: boolean;
  /** The button's text (children, when given, replace it). Default: the locale's "pay". */
  label?: string;
  /** Language of the default texts (`'es'` by default: Chile and Mexico are Fintoc's markets). */
  locale?: Locale;
  /** Your own texts over the locale's. */
  labels?: Partial<Labels>;
  /** Extra classes on the root element. */
  className?: string;
  /** The button's content instead of the label. */
  children?: ReactNode;
}

/**
 * A "Pay with Fintoc" button that runs the whole checkout: the markup of the Yew and Leptos
 * components. A real `<button type="button">`; while opening it is disabled with
 * `aria-busy="true"` and a spinner; on failure the shopper reads a friendly text (the technical
 * error goes to `onError`), a retry button when retrying can help, and — when the script could
 * not load but the session has Fintoc's hosted page — a link to continue there. Classes
 * `fintoc-checkout`, `fintoc-checkout--{state}`, `__button`, `__spinner`, `__label`, `__error`,
 * `__error-message`, `__retry`, `__fallback`, `__status`; `data-state`; no inline styles.
 *
 * ```tsx
 * <FintocCheckout
 *   publicKey="pk_test_…"
 *   session={{ endpoint: '/api/checkout', method: 'POST', body: { items } }}
 *   onSuccess={() => setOrderPaid(true)}
 *   country="cl">
 *   Pagar $12.990
 * </FintocCheckout>
 * ```
 */
export function FintocCheckout(props: FintocCheckoutProps): ReactNode {
  const { prefetch, disabled, label, locale, labels: own, className, children, ...options } = props;
  const checkout = useFintocCheckout(options);
  const labels = texts(locale, own);
  const v = STATES[checkout.state];
  const failure = checkout.state === 'failed' ? (checkout.error ? ERRORS[checkout.error.code] : undefined) ?? UNKNOWN_ERROR : null;
  const { open, prepare } = checkout;
  const onClick = useCallback(() => {
    open().catch(ignore);
  }, [open]);
  // Not on a disabled button (an empty cart): its session request could only fail.
  const intentOn = prefetch !== false && disabled !== true;
  const onIntent = useCallback(() => {
    prepare().catch(ignore);
  }, [prepare]);
  const content = v.busy ? (
    <>
      <span className={CLASS.spinner} aria-hidden="true"></span>
      <span className={CLASS.label}>{labels[v.busyText]}</span>
    </>
  ) : (
    <span className={CLASS.label}>{children ?? label ?? labels.pay}</span>
  );
  return (
    <div className={classes(CLASS.root, v.modifier, className)} data-state={checkout.state}>
      {failure && (
        <div className={CLASS.error} role="alert">
          <p className={CLASS.errorMessage}>{labels[failure.text]}</p>
          {failure.retry && (
            <button type="button" className={CLASS.retry} onClick={onClick}>
              {labels.retry}
            </button>
          )}
          {failure.fallback && checkout.redirectUrl !== undefined && (
            <a className={CLASS.fallback} href={checkout.redirectUrl} rel="noopener">
              {labels.continueOnFintoc}
            </a>
          )}
        </div>
      )}
      {v.button && (
        <button
          type="button"
          className={CLASS.button}
          disabled={v.busy || disabled === true}
          aria-busy={v.busy ? 'true' : 'false'}
          onPointerEnter={intentOn ? onIntent : undefined}
          onFocus={intentOn ? onIntent : undefined}
          onClick={onClick}>
          {content}
        </button>
      )}
      {v.status !== null && (
        <p className={CLASS.status} role="status">
          {labels[v.status]}
        </p>
      )}
    </div>
  );
}

/** Props of {@link FintocConfirmation}. */
export interface FintocConfirmationProps {
  /**
   * Your order endpoint, e.g. `/api/orders/ord_42` (GET, JSON): its `status` is what your webhook
   * wrote — `paid` (or `succeeded`) confirms; `failed`, `rejected`, `expired` are not paid;
   * anything else is still pending. A new URL starts over.
   */
  url: string;
  /** How long to keep asking before telling the shopper the result comes later (default 120000). A new value starts over. */
  deadlineMs?: number;
  /** Your endpoint's own shape: what an answer means (the newest function is the one asked). */
  read?: ConfirmOptions['read'];
  /** Called once with the result (never after unmount or a new `url`). */
  onDone?(result: ConfirmResult): void;
  /** Language of the default texts (`'es'` by default). */
  locale?: Locale;
  /** Your own texts over the locale's. */
  labels?: Partial<Labels>;
  /** Extra classes on the root element. */
  className?: string;
}

/**
 * Shows the confirmation of a payment: "confirming…" while your order endpoint says pending,
 * then confirmed, not paid, or — at the deadline — that the result will come later (never "try
 * again": the money may be on its way). Polls with backoff (`confirmOrder`); unmounting stops it
 * at once (the request in flight is aborted, `onDone` never called). The markup of the Yew and
 * Leptos `<FintocConfirmation>`: `role="status"`, `fintoc-confirmation--{stage}`, `data-state`.
 *
 * ```tsx
 * <FintocConfirmation url={`/api/orders/${orderId}`} onDone={(r) => r.status === 'not_paid' && unlockCart()} />
 * ```
 */
export function FintocConfirmation(props: FintocConfirmationProps): ReactNode {
  const { url, deadlineMs } = props;
  const latest = useRef(props);
  useLatest(() => {
    latest.current = props;
  });
  const [done, setDone] = useState<{ readonly url: string; readonly deadlineMs: number | undefined; readonly stage: ConfirmationStage } | null>(null);
  useEffect(() => {
    let live = true;
    const finish = (result: ConfirmResult): void => {
      if (!live || result.status === 'cancelled') return;
      setDone({ url, deadlineMs, stage: result.status });
      latest.current.onDone?.(result);
    };
    const options: ConfirmOptions = { url };
    if (deadlineMs !== undefined) options.deadlineMs = deadlineMs;
    if (latest.current.read) {
      options.read = (order) => latest.current.read?.(order) ?? 'pending';
    }
    let confirmation: ReturnType<typeof confirmOrder> | null = null;
    try {
      confirmation = confirmOrder(options);
      confirmation.done.then(finish, ignore);
    } catch {
      // An invalid URL: nothing to ask, and nothing known about the payment.
      finish({ status: 'still_pending' });
    }
    return () => {
      live = false;
      confirmation?.cancel();
    };
  }, [url, deadlineMs]);
  const stage: ConfirmationStage = done && done.url === url && done.deadlineMs === deadlineMs ? done.stage : 'confirming';
  const v = STAGES[stage];
  const labels = texts(props.locale, props.labels);
  return (
    <div className={classes(CLASS.confirmation, v.modifier, props.className)} role="status" aria-busy={v.busy ? 'true' : 'false'} data-state={stage}>
      <p className={CLASS.confirmationText}>{labels[v.text]}</p>
    </div>
  );
}
