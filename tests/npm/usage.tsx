// Compiled with `tsc --noEmit --strict` by scripts/test-npm, in a project where the packed
// package is installed: `fintoc-wasm/react`'s types must type a real React shop precisely (no
// `any` leaking into shop code), and reject misuse.
import { useState, type ReactNode } from 'react';
import {
  CLASS,
  FintocCheckout,
  FintocConfirmation,
  LABELS,
  useFintocCheckout,
  type FintocCheckoutHandle,
  type FintocCheckoutProps,
  type Labels,
  type Locale,
} from 'fintoc-wasm/react';
import type { CheckoutState, ConfirmResult, FintocError, FintocErrorCode, Outcome } from 'fintoc-wasm';

interface Item {
  product_id: string;
  quantity: number;
}

export function Cart({ items, publicKey }: { items: Item[]; publicKey: string }): ReactNode {
  const [order, setOrder] = useState<string | null>(null);
  const [paid, setPaid] = useState(false);
  const labels: Partial<Labels> = { pay: 'Pagar ahora' };
  const locale: Locale = 'es';
  return (
    <section>
      <FintocCheckout
        publicKey={publicKey}
        session={async () => {
          const reply = (await (await fetch('/api/checkout', { method: 'POST', body: JSON.stringify({ items }) })).json()) as {
            order_id: string;
            session_token: string;
          };
          setOrder(reply.order_id);
          return { sessionToken: reply.session_token, expiresIn: 600 };
        }}
        sessionKey={JSON.stringify(items)}
        country="cl"
        mode="widget_or_redirect"
        locale={locale}
        labels={labels}
        className="shop__pay"
        disabled={items.length === 0}
        onSuccess={(payload) => {
          const when: unknown = payload?.['timestamp'];
          console.log(when);
          setPaid(true);
        }}
        onError={(error: FintocError) => {
          const code: FintocErrorCode = error.code;
          console.error(code, error.message);
        }}
        onStateChange={(state: CheckoutState) => console.log(state)}>
        <strong>Pagar</strong>
      </FintocCheckout>
      {paid && order && (
        <FintocConfirmation
          url={`/api/orders/${order}`}
          deadlineMs={60_000}
          read={(o) => (o['status'] === 'paid' ? 'confirmed' : 'pending')}
          onDone={(result: ConfirmResult) => {
            if (result.status === 'not_paid') console.log(result.reason, result.order['id']);
          }}
        />
      )}
      <p className={CLASS.status}>{LABELS.en.pay}</p>
    </section>
  );
}

export function OwnButton(): ReactNode {
  const checkout: FintocCheckoutHandle = useFintocCheckout({
    publicKey: 'pk_test_abc',
    session: { endpoint: '/api/checkout', method: 'POST', body: { items: [] } },
  });
  const pay = async (): Promise<void> => {
    const outcome: Outcome = await checkout.open();
    if (outcome.status === 'succeeded') checkout.reset();
  };
  const error: FintocError | null = checkout.error;
  const fallback: string | undefined = checkout.redirectUrl;
  return (
    <button disabled={checkout.state === 'opening'} onClick={() => void pay()} onPointerEnter={() => void checkout.prepare()}>
      {error ? error.code : fallback}
    </button>
  );
}

// Misuse the types refuse.
const props: FintocCheckoutProps = { publicKey: 'pk_test_abc', session: { token: 'cs_1' } };
// @ts-expect-error: no such locale
const wrongLocale: FintocCheckoutProps = { ...props, locale: 'fr' };
// @ts-expect-error: no such label
const wrongLabel: Partial<Labels> = { payNow: 'x' };
// @ts-expect-error: the session is required
const noSession: FintocCheckoutProps = { publicKey: 'pk_test_abc' };
// @ts-expect-error: a state the package does not have
const wrongState: CheckoutState = 'paid';
export { wrongLocale, wrongLabel, noSession, wrongState };
