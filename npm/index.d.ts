// Types of 'fintoc-wasm' (browsers, bundlers and Node alike): the JS API, already initialised.
export type {
  CheckoutMode,
  CheckoutOptions,
  CheckoutState,
  ConfirmationStage,
  ConfirmOptions,
  ConfirmResult,
  FintocError,
  FintocErrorCode,
  Outcome,
  SessionOption,
  SessionReply,
  WidgetPayload,
} from './fintoc_wasm.js';
export { Checkout, Confirmation, confirmOrder, createCheckout } from './fintoc_wasm.js';
