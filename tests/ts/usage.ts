// Compiled with `tsc --noEmit --strict` by scripts/test: the package's .d.ts must type a real
// integration precisely (no `any` leaking into shop code), and reject misuse.
import init, {
  Checkout,
  Confirmation,
  confirmOrder,
  createCheckout,
  type ConfirmationStage,
  type ConfirmResult,
  type CheckoutOptions,
  type CheckoutState,
  type FintocError,
  type FintocErrorCode,
  type Outcome,
  type SessionReply,
} from '../../pkg/init.js';

async function pay(button: HTMLElement, items: { product_id: string; quantity: number }[]): Promise<string> {
  await init();
  const states: CheckoutState[] = [];
  const options: CheckoutOptions = {
    publicKey: 'pk_test_abc',
    session: { endpoint: '/api/checkout', method: 'POST', body: { items }, headers: { 'X-CSRF': 't' } },
    country: 'cl',
    holderType: 'individual',
    username: { value: '12345678-9', editable: false },
    scriptUrl: '/sandbox/fintoc.js',
    nonce: 'r4nd0m',
    timeoutMs: 8000,
    prefetchOnHover: true,
    onStateChange(state) {
      states.push(state);
    },
    onEvent(name, metadata) {
      const when: unknown = metadata?.['timestamp'];
      console.log(name.toUpperCase(), when);
    },
    onError(error: FintocError) {
      const code: FintocErrorCode = error.code;
      console.error(code, error.message);
    },
  };
  const checkout = createCheckout(options);
  checkout.attach(button);
  await checkout.prepare();
  const state: CheckoutState = checkout.state;
  const fallback: string | undefined = checkout.redirectUrl;
  const outcome: Outcome = await checkout.open();
  checkout.destroy();
  switch (outcome.status) {
    case 'succeeded':
      return `paid? the webhook decides (${state}, ${fallback ?? 'no fallback'}, ${String(outcome.payload)})`;
    case 'exited':
      return 'closed';
    case 'cancelled':
      return 'cancelled';
    case 'redirected':
      return 'on the way to the hosted page';
    case 'hidden':
      return 'hidden: the shopper can open it again';
  }
}

// The other session sources.
const fromToken = createCheckout({ publicKey: 'pk_test_abc', session: { token: 'cs_1_sec_2' } });
const fromFn = createCheckout({
  publicKey: 'pk_live_abc',
  session: async (): Promise<SessionReply> => ({ sessionToken: 'cs_1', redirectUrl: 'https://x', expiresIn: 300 }),
});
const fromString = createCheckout({ publicKey: 'pk_live_abc', session: async () => 'cs_1_sec_2' });
{
  using disposed = createCheckout({ publicKey: 'pk_test_abc', session: { token: 'cs_2' } });
  disposed.hide();
}
fromToken.reset();
fromFn.hide();
fromString.destroy();

// The hosted page, and the webhook's confirmation of an order.
const hosted = createCheckout({ publicKey: 'pk_test_abc', session: { endpoint: '/api/checkout' }, mode: 'redirect' });
const confirmation = confirmOrder({
  url: '/api/orders/ord_1',
  deadlineMs: 60_000,
  read: (order) => (order.status === 'paid' ? 'confirmed' : 'pending'),
  onStageChange(stage: ConfirmationStage) { console.log(stage); },
});
async function confirmed(): Promise<string> {
  const result: ConfirmResult = await confirmation.done;
  switch (result.status) {
    case 'confirmed': return String(result.order.id);
    case 'not_paid': return result.reason ?? 'not paid';
    case 'still_pending': return 'later';
    case 'cancelled': return 'cancelled';
    // Every status is handled: a new one fails to type-check here.
    default: { const unhandled: never = result; return unhandled; }
  }
}
confirmation.cancel();
hosted.destroy();

// Misuse the types must reject.
// @ts-expect-error: modes are a closed set
createCheckout({ publicKey: 'pk_test_abc', session: { token: 't' }, mode: 'popup' });
// @ts-expect-error: stages are a closed set
const badStage: ConfirmationStage = 'paid';
// @ts-expect-error: a country Fintoc does not serve
createCheckout({ publicKey: 'pk_test_abc', session: { token: 't' }, country: 'ar' });
// @ts-expect-error: the session is required
createCheckout({ publicKey: 'pk_test_abc' });
// @ts-expect-error: states are a closed set
const bad: CheckoutState = 'done';
// @ts-expect-error: outcomes carry no payload when cancelled
const cancelled: Outcome = { status: 'cancelled', payload: {} };

// Nothing a shop touches is `any` (which would silently accept every misuse above).
type IsAny<T> = 0 extends 1 & T ? true : false;
type NotAny<T> = IsAny<T> extends true ? false : true;
const precise: [
  NotAny<Parameters<typeof createCheckout>[0]>,
  NotAny<ReturnType<typeof createCheckout>>,
  NotAny<Checkout['state']>,
  NotAny<Checkout['redirectUrl']>,
  NotAny<Awaited<ReturnType<Checkout['open']>>>,
  NotAny<Awaited<ReturnType<Checkout['prepare']>>>,
  NotAny<Parameters<Checkout['attach']>[0]>,
  NotAny<CheckoutOptions['session']>,
  NotAny<Parameters<NonNullable<CheckoutOptions['onError']>>[0]>,
  NotAny<Parameters<NonNullable<CheckoutOptions['onEvent']>>[1]>,
  NotAny<FintocErrorCode>,
  NotAny<ReturnType<typeof confirmOrder>>,
  NotAny<Awaited<Confirmation['done']>>,
  NotAny<Confirmation['stage']>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true];

export { pay, bad, cancelled, precise, confirmed, badStage };
