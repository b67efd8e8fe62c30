// A shop page as a bundler user writes it: the package's main entry, no init() call.
import { createCheckout } from 'fintoc-wasm';

// This line runs only if importing the package resolved (its wasm loaded or not).
document.body.dataset.module = 'running';
const get = async (url) => (await fetch(url)).json();
const [config, catalogue] = await Promise.all([get('/api/config'), get('/api/products')]);
const button = document.getElementById('pay');
let checkout;
try {
  checkout = createCheckout({
  publicKey: config.public_key,
  scriptUrl: config.script_url,
  country: 'cl',
  session: {
    endpoint: '/api/checkout',
    method: 'POST',
    body: { items: [{ product_id: catalogue.products[0].id, quantity: 1 }] },
  },
  onStateChange(state) {
    document.body.dataset.state = state;
  },
  onError(error) {
    console.error('fintoc-wasm:', error.code, error.message);
  },
  });
} catch (error) {
  // What a shop does when the package cannot work here: its own page goes on.
  document.body.dataset.error = error.code;
  document.body.dataset.state = 'failed';
  throw error;
}
checkout.attach(button);
button.disabled = false;
document.body.dataset.state = checkout.state;
