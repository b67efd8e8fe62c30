// fintoc-wasm's main entry in browsers and bundlers (Vite, webpack 5): the wasm is fetched and
// instantiated here, once, with top-level await, so a shop writes only
// `import { createCheckout } from 'fintoc-wasm'` — there is no init() to forget. The glue finds
// the .wasm next to itself (`new URL(…, import.meta.url)`, which bundlers copy and rewrite).
// To load the wasm yourself (a CDN, a service worker), import 'fintoc-wasm/init' instead. Node
// gets index.node.js (package.json "exports", condition "node").
//
// A wasm that cannot load (a 404, the wrong Content-Type, offline, a Content-Security-Policy
// without 'wasm-unsafe-eval') must not take the shop's page down with it: importing never
// rejects; createCheckout() and confirmOrder() then throw `wasm_load_failed`, saying why.
import init, { Checkout, Confirmation, confirmOrder as confirm, createCheckout as create } from './fintoc_wasm.js';

let failure;
try {
  await init();
} catch (error) {
  failure = error;
}

function unavailable() {
  const reason = (failure && failure.message) || String(failure);
  const error = new Error(
    `fintoc-wasm could not load its WebAssembly module (${reason}): serve fintoc_wasm_bg.wasm ` +
      'next to the package\'s JavaScript with Content-Type application/wasm, and if the page has a ' +
      "Content-Security-Policy allow 'wasm-unsafe-eval' in script-src",
    { cause: failure },
  );
  error.code = 'wasm_load_failed';
  return error;
}

export function createCheckout(options) {
  if (failure) throw unavailable();
  return create(options);
}

export function confirmOrder(options) {
  if (failure) throw unavailable();
  return confirm(options);
}

export { Checkout, Confirmation };
