// The main entry ('fintoc-wasm', pkg/index.js) as most shops import it: the API and its types,
// nothing to initialise (compiled with `tsc --noEmit --strict` by scripts/test).
import { createCheckout, initSync, type CheckoutState, type FintocErrorCode } from '../../pkg/index.js';

export function start(button: HTMLButtonElement): CheckoutState {
  const checkout = createCheckout({ publicKey: 'pk_test_entry', session: { endpoint: '/api/checkout' } });
  checkout.attach(button);
  const code: FintocErrorCode = 'not_initialized';
  void code;
  // @ts-expect-error: the main entry initialises itself; initSync() is only in 'fintoc-wasm/init'.
  initSync(new Uint8Array());
  return checkout.state;
}
