// Types of 'fintoc-wasm/init': the JS API plus the loaders; createCheckout/confirmOrder throw
// `not_initialized` until init() has resolved or initSync() has returned.
export type * from './fintoc_wasm.js';
export { Checkout, Confirmation, confirmOrder, createCheckout, default, initSync } from './fintoc_wasm.js';
