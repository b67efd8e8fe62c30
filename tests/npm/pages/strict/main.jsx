// React 19 in <StrictMode> (a development build: effects mount, unmount and mount again) on
// `fintoc-wasm/react`, driven by tests/npm/react.test.mjs through `window.page`:
//   ?session=endpoint (default), fn (a session function, with `sessionKey` = the cart) or
//   fn-unkeyed (the same function without `sessionKey`),
//   ?script=blocked (Fintoc.js answers 404), ?key=… (another public key),
//   ?open=mount: instead of the shop, a component that calls open() in its mount effect
//   (StrictMode: open, destroy, open again in one tick — issue 18 item 4).
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { FintocCheckout, FintocConfirmation, useFintocCheckout } from 'fintoc-wasm/react';

const query = new URLSearchParams(location.search);
const get = async (url) => (await fetch(url)).json();
const [config, catalogue] = await Promise.all([get('/api/config'), get('/api/products')]);
const product = catalogue.products[0].id;

// What the test reads: every state the page heard (with the render it heard it in), errors.
const seen = { states: [], errors: [], successTick: null, effects: 0, unmountedAt: null };
window.seen = seen;

function Shop() {
  const [mounted, setMounted] = useState(true);
  const [quantity, setQuantity] = useState(1);
  const [tick, setTick] = useState(0);
  const [order, setOrder] = useState(null);
  const [paidOrder, setPaidOrder] = useState(null);
  useEffect(() => {
    seen.effects += 1;
    window.page = {
      unmount: () => {
        seen.unmountedAt = seen.states.length;
        setMounted(false);
      },
      rerender: () => setTick((t) => t + 1),
      newCart: () => setQuantity((q) => q + 1),
    };
  }, []);
  const items = [{ product_id: product, quantity }];
  const session =
    query.get('session')?.startsWith('fn')
      ? async () => {
          const response = await fetch('/api/checkout', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ items }),
          });
          const reply = await response.json();
          setOrder(reply.order_id);
          return { sessionToken: reply.session_token, redirectUrl: reply.redirect_url, expiresIn: reply.expires_in };
        }
      : { endpoint: '/api/checkout', method: 'POST', body: { items } };
  return (
    <main data-tick={tick}>
      {mounted ? (
        <FintocCheckout
          publicKey={query.get('key') ?? config.public_key}
          scriptUrl={query.get('script') === 'blocked' ? '/api/blocked/fintoc.js' : config.script_url}
          country="cl"
          session={session}
          sessionKey={query.get('session') === 'fn' ? JSON.stringify(items) : undefined}
          // New closures on every render: the newest must be the one called.
          onStateChange={(state) => seen.states.push([tick, state])}
          onSuccess={() => {
            seen.successTick = tick;
            setPaidOrder(order);
          }}
          onError={(error) => seen.errors.push(error.code)}>
          Pagar {quantity}
        </FintocCheckout>
      ) : (
        <p id="unmounted">unmounted</p>
      )}
      {paidOrder && <FintocConfirmation url={`/api/orders/${paidOrder}`} locale="en" />}
    </main>
  );
}

function OpensOnMount() {
  const { open, state } = useFintocCheckout({
    publicKey: config.public_key,
    scriptUrl: config.script_url,
    country: 'cl',
    session: { endpoint: '/api/checkout', method: 'POST', body: { items: [{ product_id: product, quantity: 1 }] } },
    onStateChange: (s) => seen.states.push([0, s]),
  });
  useEffect(() => {
    seen.effects += 1;
    open().then((outcome) => seen.errors.push(`outcome:${outcome.status}`));
  }, []);
  return <p id="opens-on-mount" data-state={state}>{state}</p>;
}

createRoot(document.getElementById('root')).render(
  <StrictMode>{query.get('open') === 'mount' ? <OpensOnMount /> : <Shop />}</StrictMode>,
);
