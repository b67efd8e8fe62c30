// 'fintoc-wasm/init', for shops that load the wasm themselves: before init() every call throws a
// FintocError `not_initialized` that says what to do (the wasm-bindgen glue alone throws
// `TypeError: Cannot read properties of undefined`); after initSync() the API works. Its own
// process: the main entry, imported by the other tests, would have instantiated the wasm.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

test('before init(): not_initialized, with what to do; after initSync(): the API', async () => {
  const { default: init, initSync, createCheckout, confirmOrder } = await import('fintoc-wasm/init');
  assert.equal(typeof init, 'function');
  for (const call of [
    () => createCheckout({ publicKey: 'pk_test_init', session: { token: 'cs_test_sec_1' } }),
    () => confirmOrder({ url: '/api/orders/1' }),
  ]) {
    assert.throws(call, (error) => {
      assert.ok(error instanceof Error);
      assert.equal(error.code, 'not_initialized');
      assert.match(error.message, /await init\(\)/);
      assert.match(error.message, /'fintoc-wasm'/);
      return true;
    });
  }
  const wasm = createRequire(import.meta.url).resolve('fintoc-wasm/package.json').replace(/package\.json$/, 'fintoc_wasm_bg.wasm');
  initSync({ module: readFileSync(wasm) });
  const checkout = createCheckout({ publicKey: 'pk_test_init', session: { token: 'cs_test_sec_1' } });
  assert.equal(checkout.state, 'idle');
  await assert.rejects(checkout.open(), (error) => error.code === 'not_in_browser');
  checkout.destroy();
});
