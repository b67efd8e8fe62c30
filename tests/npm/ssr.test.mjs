// The packed package in Node, as a server-rendering shop (Next.js, Remix, …) meets it: importing
// it throws nothing and touches no browser API; calls that need a browser reject
// `not_in_browser`; `fintoc-wasm/react` renders the idle button and the confirming confirmation
// with the markup the Rust components render (their server output, kept in
// tests/data/leptos-hydrate/ and checked against the Leptos server by tests/leptos_ssr.rs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

// Any fetch during import or rendering is a browser-only path taken on the server.
const fetched = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (...args) => {
  fetched.push(String(args[0]));
  return realFetch(...args);
};

const fixture = (name) => readFileSync(join(process.env.FINTOC_REPO, 'tests/data/leptos-hydrate', name), 'utf8').trim();

/**
 * The markup as a list of tags (attributes sorted, `disabled=""` read as `disabled`) and texts:
 * React and the Rust components write attributes in different orders.
 */
function normalized(html) {
  const parts = [];
  for (const [, tag, text] of html.matchAll(/(<[^>]+>)|([^<]+)/g)) {
    if (text !== undefined) {
      parts.push(text);
      continue;
    }
    const m = /^<(\/?)([a-z0-9]+)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*(\/?)>$/.exec(tag);
    assert.ok(m, `a tag this test can read: ${tag}`);
    const attributes = [...m[3].matchAll(/([^\s=]+)(?:="([^"]*)")?/g)]
      .map(([, name, value]) => (value === undefined || value === '' ? name : `${name}="${value}"`))
      .sort();
    parts.push(`<${m[1]}${m[2]}${attributes.length ? ' ' + attributes.join(' ') : ''}>`);
  }
  return parts;
}

test('importing the package in Node throws nothing and defines no window', async () => {
  const api = await import('fintoc-wasm');
  assert.equal(typeof api.createCheckout, 'function');
  assert.equal(typeof api.confirmOrder, 'function');
  await import('fintoc-wasm/react');
  assert.equal(typeof globalThis.window, 'undefined');
  assert.equal(typeof globalThis.document, 'undefined');
  assert.deepEqual(fetched, []);
});

test('open() in Node rejects not_in_browser (a token, a session function)', async () => {
  const { createCheckout } = await import('fintoc-wasm');
  for (const session of [{ token: 'cs_test_sec_123' }, async () => 'cs_test_sec_456']) {
    const checkout = createCheckout({ publicKey: 'pk_test_ssr', session });
    await assert.rejects(checkout.open(), (error) => error.code === 'not_in_browser');
    checkout.destroy();
  }
  assert.deepEqual(fetched, []);
});

test('open() in Node rejects not_in_browser (an endpoint, relative or absolute)', async () => {
  const { createCheckout } = await import('fintoc-wasm');
  for (const endpoint of ['/api/checkout', 'https://shop.example/api/checkout']) {
    const checkout = createCheckout({ publicKey: 'pk_test_ssr', session: { endpoint } });
    await assert.rejects(checkout.open(), (error) => error.code === 'not_in_browser');
    checkout.destroy();
  }
  // Still refused: what could never be a session endpoint.
  assert.throws(
    () => createCheckout({ publicKey: 'pk_test_ssr', session: { endpoint: 'javascript:alert(1)' } }),
    (error) => error.code === 'invalid_option',
  );
  assert.deepEqual(fetched, []);
});

test('the main entry exports the API and nothing to initialise', async () => {
  const api = await import('fintoc-wasm');
  assert.deepEqual(Object.keys(api).sort(), ['Checkout', 'Confirmation', 'confirmOrder', 'createCheckout']);
  const manual = await import('fintoc-wasm/init');
  assert.deepEqual(Object.keys(manual).sort(), [
    'Checkout',
    'Confirmation',
    'confirmOrder',
    'createCheckout',
    'default',
    'initSync',
  ]);
});

test('server rendering: the idle button and the confirming confirmation, as the Rust components render them', async () => {
  const { createElement } = await import('react');
  const { renderToString } = await import('react-dom/server');
  const { FintocCheckout, FintocConfirmation } = await import('fintoc-wasm/react');
  const session = { endpoint: '/api/checkout', method: 'POST', body: { items: [] } };

  const idle = renderToString(createElement(FintocCheckout, { publicKey: 'pk_test_ssr', session }));
  assert.deepEqual(normalized(idle), normalized(fixture('checkout.html')), idle);

  const children = renderToString(
    createElement(
      FintocCheckout,
      { publicKey: 'pk_test_ssr', session, disabled: true, className: 'shop' },
      createElement('strong', null, 'Pagar $12.990'),
    ),
  );
  assert.deepEqual(normalized(children), normalized(fixture('checkout-children.html')), children);

  const confirming = renderToString(createElement(FintocConfirmation, { url: '/api/orders/ord_1' }));
  assert.deepEqual(normalized(confirming), normalized(fixture('confirmation.html')), confirming);

  const english = renderToString(createElement(FintocCheckout, { publicKey: 'pk_test_ssr', session, locale: 'en' }));
  assert.match(english, /Pay with Fintoc/);
  const own = renderToString(
    createElement(FintocCheckout, { publicKey: 'pk_test_ssr', session, label: 'Pagar $5.000' }),
  );
  assert.match(own, /<span class="fintoc-checkout__label">Pagar \$5\.000<\/span>/);
  // A secret key is refused in the browser (createCheckout, after mount); on the server nothing
  // runs: the idle button, no request, no key anywhere in the markup.
  const secret = renderToString(createElement(FintocCheckout, { publicKey: 'sk_live_oops', session }));
  assert.doesNotMatch(secret, /sk_live/);
  assert.deepEqual(fetched, []);
  assert.equal(typeof globalThis.window, 'undefined');
});
