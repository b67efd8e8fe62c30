// The demo shop in plain JavaScript, on the npm package built by scripts/build-npm (served at
// /pkg/). The server computes the amount; the page never trusts onSuccess alone: it polls the
// order until the webhook has decided it.
import init, { createCheckout } from '/pkg/fintoc_wasm.js';

const $ = (id) => document.getElementById(id);
const clp = (n) => '$' + n.toLocaleString('es-CL');
const cartId = crypto.randomUUID().replaceAll('-', '');

const TEXTS = {
  idle: 'Pagar', preparing: 'Pagar', ready: 'Pagar', open: 'Pagando…', exited: 'Pagar',
  // onSuccess is not proof of payment: the webhook decides (see confirm()).
  opening: 'Preparando el pago…', succeeded: 'Confirmando…', failed: 'Reintentar',
};
// What shoppers read; error.message is for developers (the console).
const FRIENDLY = {
  network: 'No pudimos cargar Fintoc. Revisa tu conexión o desactiva el bloqueador de anuncios.',
  timeout: 'Fintoc tardó demasiado en cargar. Intenta de nuevo.',
  global_missing: 'No pudimos cargar Fintoc. Intenta de nuevo en unos segundos.',
};
const STARTING = 'No pudimos iniciar el pago. Intenta de nuevo en unos segundos.';

async function getJson(url, init) {
  const response = await fetch(url, init);
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

function status(text, kind, order) {
  const el = $('status');
  el.hidden = !text;
  el.textContent = text ?? '';
  el.className = 'notice' + (kind ? ` notice--${kind}` : '');
  if (order) {
    el.dataset.order = order.id;
    el.dataset.payment = order.status;
  } else {
    delete el.dataset.order;
    delete el.dataset.payment;
  }
}

// Polls the order until the webhook decided it. `current()` is false once the shopper moved on
// to another cart: a stale loop stops without touching the page.
async function confirm(orderId, current, onNotPaid) {
  status('Estamos confirmando tu pago con el banco…', null, { id: orderId, status: 'confirming' });
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (!current()) return;
    const order = await getJson(`/api/orders/${orderId}`).catch(() => null);
    if (!current()) return;
    if (!order) continue;
    if (order.status === 'paid') {
      return status(`¡Pago confirmado! Pedido ${order.id} por ${clp(order.amount)}. Gracias.`, 'ok', order);
    }
    if (order.status === 'failed' || order.status === 'expired') {
      onNotPaid(); // the pay button works again
      return status('El banco rechazó el pago; no se cobró nada. Puedes intentarlo de nuevo.', 'error', order);
    }
    if (['paid_after_close', 'amount_mismatch', 'needs_review'].includes(order.status)) {
      return status(`Recibimos un pago para el pedido ${order.id} que debemos revisar; te contactaremos.`, null, order);
    }
  }
  status('Tu pago sigue en proceso; te avisaremos por correo.', null, { id: orderId, status: 'pending' });
}

async function main() {
  await init();
  const [config, catalogue] = await Promise.all([getJson('/api/config'), getJson('/api/products')]);
  $('mode').hidden = config.mode !== 'sandbox';
  $('loading').remove();
  const quantities = catalogue.products.map((_, i) => Number(i === 0 || i === catalogue.products.length - 1));
  const items = () =>
    catalogue.products
      .map((p, i) => ({ product_id: p.id, quantity: quantities[i] }))
      .filter((line) => line.quantity > 0);
  const total = () => catalogue.products.reduce((sum, p, i) => sum + p.price * quantities[i], 0);

  let checkout = null;
  let generation = 0;
  let busy = false; // paying or confirming: the cart is locked
  const render = () => {
    $('total').textContent = clp(total());
    $('total').dataset.total = String(total());
    $('pay').disabled = items().length === 0;
    document.querySelectorAll('.qty button').forEach((b) => { b.disabled = busy; });
  };

  // One checkout per cart: a new cart (another amount) needs a new session.
  const newCheckout = () => {
    checkout?.destroy();
    const mine = ++generation;
    const current = () => mine === generation;
    let orderId = null; // this checkout's order
    checkout = createCheckout({
      publicKey: config.public_key,
      scriptUrl: config.script_url,
      country: 'cl',
      // Our own session function: the response also carries our order id.
      session: async () => {
        const reply = await getJson('/api/checkout', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ cart_id: cartId, items: items() }),
        });
        if (current()) orderId = reply.order_id;
        return { sessionToken: reply.session_token, redirectUrl: reply.redirect_url, expiresIn: reply.expires_in };
      },
      onStateChange(state) {
        busy = ['opening', 'open', 'succeeded'].includes(state);
        render();
        const root = $('checkout');
        root.dataset.state = state;
        root.className = `fintoc-checkout fintoc-checkout--${state}`;
        $('pay').setAttribute('aria-busy', String(state === 'opening'));
        $('spinner').hidden = state !== 'opening';
        $('pay-label').textContent = `${TEXTS[state] ?? 'Pagar'} ${clp(total())} con Fintoc`;
      },
      onSuccess() {
        const paying = checkout;
        if (orderId) confirm(orderId, current, () => paying.reset());
      },
      onExit() {
        status('Cerraste el pago. Puedes intentarlo de nuevo.', null, null);
      },
      onError(error) {
        console.error('fintoc-wasm:', error.code, error.message);
        status(FRIENDLY[error.code] ?? STARTING, 'error', null);
      },
    });
    checkout.attach($('pay'));
    $('pay-label').textContent = `Pagar ${clp(total())} con Fintoc`;
  };

  const list = $('products');
  catalogue.products.forEach((p, i) => {
    const li = document.createElement('li');
    li.className = 'product';
    li.dataset.product = p.id;
    li.innerHTML = `<div><h2></h2><p class="muted"></p><p class="price"></p></div>
      <div class="qty"><button type="button">−</button><span class="qty__value"></span><button type="button">+</button></div>`;
    li.querySelector('h2').textContent = p.name;
    li.querySelector('.muted').textContent = p.description;
    li.querySelector('.price').textContent = clp(p.price);
    const value = li.querySelector('.qty__value');
    value.textContent = String(quantities[i]);
    const [minus, plus] = li.querySelectorAll('button');
    minus.setAttribute('aria-label', `Quitar ${p.name}`);
    plus.setAttribute('aria-label', `Agregar ${p.name}`);
    const change = (delta) => {
      if (busy) return;
      quantities[i] = Math.max(0, Math.min(20, quantities[i] + delta));
      value.textContent = String(quantities[i]);
      render();
      newCheckout();
      status(null);
    };
    minus.addEventListener('click', () => change(-1));
    plus.addEventListener('click', () => change(1));
    list.append(li);
  });
  render();
  newCheckout();
}

main().catch((e) => {
  console.error('the shop could not start:', e);
  status('No pudimos cargar la tienda. Intenta de nuevo en unos minutos.', 'error', null);
});
