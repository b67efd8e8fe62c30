// The entries in fresh Node processes (node --test runs each file in its own): what a server-
// rendering shop meets when `fintoc-wasm/react` is its only import (it must take the "node"
// entry, not the browser one that fetches the wasm), and 'fintoc-wasm/init' after the main
// entry has instantiated the shared wasm (no second init() needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('fintoc-wasm/react alone imports in Node and its checkouts reject not_in_browser', async () => {
  const react = await import('fintoc-wasm/react');
  assert.equal(typeof react.FintocCheckout, 'function');
  assert.equal(typeof react.useFintocCheckout, 'function');
  // 'fintoc-wasm/init' instantiates nothing itself: it works here only because importing the React
  // binding instantiated the wasm (the browser entry would have failed to fetch it in Node).
  const { createCheckout } = await import('fintoc-wasm/init');
  const checkout = createCheckout({ publicKey: 'pk_test_react_only', session: { endpoint: '/api/checkout' } });
  await assert.rejects(checkout.open(), (error) => error.code === 'not_in_browser');
  checkout.destroy();
});

test("'fintoc-wasm/init' after the main entry works without its own init()", async () => {
  await import('fintoc-wasm');
  const { createCheckout } = await import('fintoc-wasm/init');
  const checkout = createCheckout({ publicKey: 'pk_test_after_main', session: { token: 'cs_test_sec_1' } });
  assert.equal(checkout.state, 'idle');
  checkout.destroy();
});
