// Types of 'fintoc-wasm/init': the JS API plus the loaders; createCheckout/confirmOrder throw
// `not_initialized` until the wasm is instantiated (by init()/initSync() here, or by the main
// entry in the same page).
export type * from './index.js';
export type { InitInput, InitOutput, SyncInitInput } from './fintoc_wasm.js';
export { Checkout, Confirmation, confirmOrder, createCheckout, default, initSync } from './fintoc_wasm.js';
