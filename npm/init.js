// 'fintoc-wasm/init': the API without loading the wasm by itself, for shops that control where
// and when it loads (`await init(cdnUrl)`, `initSync(bytes)`). A call before that throws a
// FintocError with code `not_initialized` that says what to do, instead of the bare
// `TypeError: Cannot read properties of undefined` the wasm-bindgen glue would throw.
import load, { confirmOrder as confirm, createCheckout as create, initSync as loadSync } from './fintoc_wasm.js';

export { Checkout, Confirmation } from './fintoc_wasm.js';

let ready = false;

// Whether the wasm is instantiated — by init()/initSync() here, or by the main entry
// ('fintoc-wasm', 'fintoc-wasm/react') sharing this glue: the glue's initSync() returns at once
// when it is, and throws (no argument to instantiate) when it is not.
function initialised() {
  if (!ready) {
    try {
      loadSync();
      ready = true;
    } catch (_) {
      // not yet
    }
  }
  return ready;
}

/** Fetches and instantiates the wasm (default: the .wasm next to this file). */
export default async function init(input) {
  const output = await load(input);
  ready = true;
  return output;
}

/** Instantiates the wasm from bytes or a compiled module you already have. */
export function initSync(input) {
  const output = loadSync(input);
  ready = true;
  return output;
}

function notInitialized(name) {
  const error = new Error(
    `fintoc-wasm: ${name}() was called before the wasm was loaded: \`await init()\` (from ` +
      "'fintoc-wasm/init') first, or import from 'fintoc-wasm', which loads it by itself",
  );
  error.code = 'not_initialized';
  return error;
}

export function createCheckout(options) {
  if (!initialised()) throw notInitialized('createCheckout');
  return create(options);
}

export function confirmOrder(options) {
  if (!initialised()) throw notInitialized('confirmOrder');
  return confirm(options);
}
