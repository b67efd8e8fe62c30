// fintoc-wasm's main entry in browsers and bundlers (Vite, webpack 5, Next.js client code): the
// wasm is fetched and instantiated here, once, with top-level await, so a shop writes only
// `import { createCheckout } from 'fintoc-wasm'` — there is no init() to forget. The glue finds
// the .wasm next to itself (`new URL(…, import.meta.url)`, which bundlers copy and rewrite).
// To load the wasm yourself (a CDN, a service worker, a preload you control), import
// 'fintoc-wasm/init' instead. Node gets index.node.js (package.json "exports", condition "node").
import init from './fintoc_wasm.js';

await init();

export { Checkout, Confirmation, confirmOrder, createCheckout } from './fintoc_wasm.js';
