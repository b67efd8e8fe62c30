// The demo shop in plain JavaScript, on the npm package built by scripts/build-npm (served at
// /pkg/). The server computes the amount; the page never trusts onSuccess alone: it confirms the
// order with the package's confirmOrder until the webhook has decided it. `?mode=redirect` pays
// on Fintoc's hosted page instead of the widget (the server's CHECKOUT_MODE otherwise).
// The package's main entry (pkg/index.js) loads its wasm itself: nothing to initialise.
import { createCheckout, confirmOrder } from '/pkg/index.js';

const $ = (id) => document.getElementById(id);
const clp = (n) => '$' + n.toLocaleString('es-CL');
// The cart survives a round trip to Fintoc's hosted page (the same cart_id: the server reuses or
// closes that cart's session instead of leaving a second one payable).
const CART_KEY = 'fintoc-demo-cart:' + location.pathname;
const saved = (() => {
  try {
    return JSON.parse(sessionStorage.getItem(CART_KEY) ?? 'null');
  } catch {
    return null;
  }
})();
const cartId = saved?.id ?? crypto.randomUUID().replaceAll('-', '');
const saveCart = (quantities) => sessionStorage.setItem(CART_KEY, JSON.stringify({ id: cartId, quantities }));
// (A new cart is saved as soon as it exists, in main(): the starting cart can be paid as it is.)
const forgetCart = () => sessionStorage.removeItem(CART_KEY);

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
  if (!response.ok) {
    throw Object.assign(new Error(body?.error?.message ?? `HTTP ${response.status}`), { reply: body?.error });
  }
  return body;
}

// The server's 409 codes for a cart that already has a payment (paid, held for a person, or being
// confirmed): the page shows that order, never a second payment.
const CART_TAKEN = ['cart_paid', 'payment_underway'];

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

// What the server's order statuses mean (needs_review is asked again: an event may still make
// it paid).
const readOrder = (order) =>
  ['paid', 'paid_after_close', 'amount_mismatch'].includes(order.status) ? 'confirmed'
    : ['failed', 'expired'].includes(order.status) ? 'not_paid'
    : 'pending';

// The server gives back a payment it cannot keep (after the order closed, of another amount):
// the money is on its way back while none of the order's refunds failed, was canceled or could
// not be made (then the shop looks at it and contacts the shopper).
const moneyGoingBack = (order) =>
  Array.isArray(order.refunds) && order.refunds.length > 0
  && order.refunds.every((r) => typeof r?.status === 'string'
    && !['failed', 'canceled', 'not_created'].includes(r.status));

// Asks the order until the webhook decided it (the package's confirmOrder). The returned
// confirmation is cancelled when the shopper moves on to another cart.
// `returning`: back through cancel_url, where the order is only checked for a few seconds (a
// payment may have gone through all the same) before it is called still open.
// The pay button says what the page says once the webhook decided (a disabled "Confirmando…"
// under "¡Pago confirmado!" contradicted it).
function payButtonSays(text) {
  $('pay').disabled = true;
  $('pay').setAttribute('aria-busy', 'false');
  $('spinner').hidden = true;
  $('pay-label').textContent = text;
}

function confirm(orderId, onNotPaid, returning) {
  if (returning) {
    status(`Volviste de Fintoc: revisamos el estado del pedido ${orderId}…`, null, { id: orderId, status: 'returning' });
  } else {
    status('Estamos confirmando tu pago con el banco…', null, { id: orderId, status: 'confirming' });
  }
  const confirmation = confirmOrder({
    url: `/api/orders/${encodeURIComponent(orderId)}`,
    deadlineMs: returning ? 4000 : 120000,
    read: readOrder,
  });
  confirmation.done.then((result) => {
    const order = result.order;
    if (result.status === 'confirmed' && order.status === 'paid') {
      forgetCart(); // paid: the next visit starts a new cart
      payButtonSays('Pago confirmado');
      status(`¡Pago confirmado! Pedido ${order.id} por ${clp(order.amount)}. Gracias.`, 'ok', order);
    } else if (result.status === 'still_pending' && returning) {
      onNotPaid();
      status(`Volviste de Fintoc sin pagar: el pedido ${orderId} sigue pendiente, sin pago recibido. Puedes pagarlo cuando quieras.`, null, { id: orderId, status: 'cancelled' });
    } else if (result.status === 'confirmed' && moneyGoingBack(order)) {
      payButtonSays('Pago en devolución');
      status(`Recibimos un pago para el pedido ${order.id} que no podemos aceptar: te lo devolvemos, el dinero va de vuelta a tu cuenta.`, null, { id: order.id, status: 'refunded' });
    } else if (result.status === 'confirmed') {
      payButtonSays('Pago en revisión');
      status(`Recibimos un pago para el pedido ${order.id} que debemos revisar; te contactaremos.`, null, order);
    } else if (result.status === 'not_paid') {
      onNotPaid(); // the pay button works again
      // `failed` is also the server's own errors, `expired` may still see a late payment
      // (paid_after_close): never "nothing was charged".
      status(order.status === 'expired'
        ? 'La sesión de pago expiró sin un pago confirmado. Si tu banco muestra un cargo, escríbenos antes de pagar de nuevo.'
        : 'El pago no se completó: el banco lo rechazó o no pudo procesarlo. Si tu banco muestra un cargo, escríbenos antes de pagar de nuevo; si no, puedes intentarlo otra vez.', 'error', order);
    } else if (result.status === 'still_pending') {
      payButtonSays('Esperando al banco');
      status(`Tu banco aún no confirma el pago del pedido ${orderId}. No pagues de nuevo: el pedido se actualiza solo cuando el banco responda.`, null, { id: orderId, status: 'still_pending' });
    }
  });
  return confirmation;
}

// Back from Fintoc's hosted page (`?fintoc=success|cancel&order=…`, what the server's
// success_url/cancel_url say): which order, and how.
// (The shape fintoc_wasm::checkout::ReturnUrl reads in Rust, and the server's return_to writes.)
function returned() {
  const q = new URLSearchParams(location.search);
  const way = q.get('fintoc');
  const order = q.get('order');
  if (!order || (way !== 'success' && way !== 'cancel')) return null;
  // A reload does not come back again; the demo's own ?mode= and ?script= stay.
  const kept = new URLSearchParams();
  for (const name of ['mode', 'script']) if (q.has(name)) kept.set(name, q.get(name));
  history.replaceState(null, '', location.pathname + (kept.size ? `?${kept}` : ''));
  return { way, order };
}

async function main() {
  const [config, catalogue] = await Promise.all([getJson('/api/config'), getJson('/api/products')]);
  $('mode').hidden = config.mode !== 'sandbox';
  $('loading').remove();
  const quantities =
    saved?.quantities?.length === catalogue.products.length
      ? saved.quantities
      : catalogue.products.map((_, i) => Number(i === 0 || i === catalogue.products.length - 1));
  if (!saved) saveCart(quantities);
  const items = () =>
    catalogue.products
      .map((p, i) => ({ product_id: p.id, quantity: quantities[i] }))
      .filter((line) => line.quantity > 0);
  const total = () => catalogue.products.reduce((sum, p, i) => sum + p.price * quantities[i], 0);

  const params = new URLSearchParams(location.search);
  // ?mode= is remembered for this tab, so the way back from the hosted page keeps it.
  if (params.has('mode')) sessionStorage.setItem('fintoc-demo-mode', params.get('mode'));
  const mode = params.get('mode') ?? sessionStorage.getItem('fintoc-demo-mode') ?? config.checkout_mode ?? 'widget';
  const scriptUrl = params.get('script') === 'blocked' ? '/api/blocked/fintoc.js' : config.script_url;
  document.querySelectorAll('.modes a').forEach((a) => {
    const current = (a.dataset.mode === 'redirect') === (mode === 'redirect');
    if (current) a.setAttribute('aria-current', 'true');
  });
  let checkout = null;
  let confirming = null; // the confirmation under way, cancelled by a new cart
  let busy = false; // paying or confirming: the cart is locked
  let held = false; // the server said this cart already has a payment (confirming that order)
  const render = () => {
    $('total').textContent = clp(total());
    $('total').dataset.total = String(total());
    $('pay').disabled = busy || items().length === 0;
    document.querySelectorAll('.qty button').forEach((b) => { b.disabled = busy; });
  };

  // One checkout per cart: a new cart (another amount) needs a new session.
  const newCheckout = () => {
    checkout?.destroy();
    confirming?.cancel();
    confirming = null;
    let orderId = null; // this checkout's order
    let mine = null;
    mine = checkout = createCheckout({
      publicKey: config.public_key,
      scriptUrl,
      mode,
      country: 'cl',
      // Our own session function: the response also carries our order id.
      session: async () => {
        const reply = await getJson('/api/checkout', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ cart_id: cartId, items: items(), return_to: '/www/' }),
        }).catch((error) => {
          const taken = error.reply;
          if (CART_TAKEN.includes(taken?.code) && /^[\w-]+$/.test(taken.order_id ?? '')) {
            // The Back button, another tab: this cart was paid or is being confirmed.
            held = busy = true;
            render();
            confirming = confirm(taken.order_id, () => { held = busy = false; render(); });
          }
          throw error;
        });
        orderId = reply.order_id;
        return { sessionToken: reply.session_token, redirectUrl: reply.redirect_url, expiresIn: reply.expires_in };
      },
      onStateChange(state) {
        busy = held || ['opening', 'open', 'succeeded', 'redirecting'].includes(state);
        render();
        const root = $('checkout');
        root.dataset.state = state;
        root.className = `fintoc-checkout fintoc-checkout--${state}`;
        $('pay').setAttribute('aria-busy', String(state === 'opening' || state === 'redirecting'));
        $('spinner').hidden = state !== 'opening' && state !== 'redirecting';
        $('pay-label').textContent =
          state === 'redirecting' ? 'Te llevamos a Fintoc…' : `${TEXTS[state] ?? 'Pagar'} ${clp(total())} con Fintoc`;
      },
      onSuccess() {
        if (orderId) confirming = confirm(orderId, () => mine.reset());
      },
      onExit() {
        status('Cerraste el pago. Puedes intentarlo de nuevo.', null, null);
      },
      onError(error) {
        console.error('fintoc-wasm:', error.code, error.message);
        if (held) return; // the status line shows that cart's order
        status(FRIENDLY[error.code] ?? STARTING, 'error', null);
        // The script is blocked but the session has Fintoc's hosted page: offer it.
        const hosted = mine.redirectUrl;
        if (hosted && ['network', 'timeout', 'global_missing'].includes(error.code)) {
          const link = document.createElement('a');
          link.className = 'fintoc-checkout__fallback';
          link.href = hosted;
          link.rel = 'noopener';
          link.textContent = 'Continuar el pago en Fintoc';
          $('status').append(' ', link);
        }
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
      saveCart(quantities);
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
  // Back from Fintoc's hosted page: neither way back proves anything, the server's order says.
  // The cart stays locked (no second payment) until it does.
  const back = returned();
  if (back) {
    busy = true;
    render();
    confirming = confirm(back.order, () => { busy = false; render(); }, back.way === 'cancel');
  }
}

main().catch((e) => {
  console.error('the shop could not start:', e);
  status('No pudimos cargar la tienda. Intenta de nuevo en unos minutos.', 'error', null);
});
