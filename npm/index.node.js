// fintoc-wasm in Node (server rendering: Next.js, Remix, Vite SSR, tests): the same API,
// instantiated synchronously from the .wasm next to this file. Nothing here touches `window`;
// what needs a browser (open(), prepare(), confirmOrder's polling) rejects `not_in_browser`,
// so a component can be rendered on the server and take the payment in the browser.
import { readFileSync } from 'node:fs';
import { initSync } from './fintoc_wasm.js';

initSync({ module: readFileSync(new URL('./fintoc_wasm_bg.wasm', import.meta.url)) });

export { Checkout, Confirmation, confirmOrder, createCheckout } from './fintoc_wasm.js';
