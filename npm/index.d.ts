// Types of 'fintoc-wasm' (browsers, bundlers and Node alike): the JS API, already initialised.
export type * from './fintoc_wasm.js';
export { Checkout, Confirmation, confirmOrder, createCheckout } from './fintoc_wasm.js';
