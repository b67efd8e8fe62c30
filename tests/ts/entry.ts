// The main entry ('fintoc-wasm', pkg/index.js) as most shops import it: the API and its types,
// nothing to initialise (compiled with `tsc --noEmit --strict` by scripts/test).
// @ts-expect-error: the main entry initialises itself; initSync() is only in 'fintoc-wasm/init'.
import { initSync } from '../../pkg/index.js';
import { createCheckout, type CheckoutState, type FintocErrorCode } from '../../pkg/index.js';

export function start(button: HTMLButtonElement): CheckoutState {
  const checkout = createCheckout({ publicKey: 'pk_test_entry', session: { endpoint: '/api/checkout' } });
  checkout.attach(button);
  const codes: FintocErrorCode[] = ['not_initialized', 'wasm_load_failed'];
  void codes;
  void initSync;
  return checkout.state;
}
