// Café Fintoc in React, on the npm package's `fintoc-wasm/react` (served at /react/ by the demo
// server; scripts/build-react-shop builds it with Vite from the packed package). The same shop as
// the Yew one at /, the Leptos one at /leptos/ and the plain-JS one at /www/, on the same API:
// - GET /api/config, GET /api/products;
// - POST /api/checkout with the cart → { order_id, session_token, redirect_url, expires_in } (the
//   server computes the amount and creates the Checkout Session with its secret key);
// - GET /api/orders/{id}, asked by <FintocConfirmation> after onSuccess (or back from Fintoc's
//   hosted page) until the server's **webhook** decided the order: the page never trusts
//   onSuccess alone.
import { StrictMode, useEffect, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { FintocCheckout, FintocConfirmation } from 'fintoc-wasm/react';
import type { CheckoutMode, ConfirmResult } from 'fintoc-wasm';

interface Product {
  id: string;
  name: string;
  description: string;
  price: number;
}

interface ShopConfig {
  public_key: string;
  script_url: string;
  mode: string;
  checkout_mode?: string;
}

interface CheckoutReply {
  order_id: string;
  session_token: string;
  redirect_url?: string;
  expires_in?: number;
}

type Order = { readonly [field: string]: unknown };

const clp = (n: number): string => '$' + n.toLocaleString('es-CL');

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  return body as T;
}

// The cart survives a round trip to Fintoc's hosted page (the same cart_id: the server reuses or
// closes that cart's session instead of leaving a second one payable).
const CART_KEY = 'fintoc-demo-cart:' + location.pathname;

function savedCart(products: Product[]): { id: string; quantities: number[] } {
  try {
    const saved = JSON.parse(sessionStorage.getItem(CART_KEY) ?? 'null') as { id?: unknown; quantities?: unknown } | null;
    if (
      saved &&
      typeof saved.id === 'string' &&
      Array.isArray(saved.quantities) &&
      saved.quantities.length === products.length &&
      saved.quantities.every((q) => typeof q === 'number')
    ) {
      return { id: saved.id, quantities: saved.quantities as number[] };
    }
  } catch {
    // A broken saved cart: start a new one.
  }
  const cart = {
    id: crypto.randomUUID().replaceAll('-', ''),
    quantities: products.map((_, i) => Number(i === 0 || i === products.length - 1)),
  };
  sessionStorage.setItem(CART_KEY, JSON.stringify(cart));
  return cart;
}

/** How this page pays: its own `?mode=` (remembered for this tab), else the server's. */
function checkoutMode(config: ShopConfig): CheckoutMode {
  const asked = new URLSearchParams(location.search).get('mode');
  if (asked) sessionStorage.setItem('fintoc-demo-mode', asked);
  const mode = asked ?? sessionStorage.getItem('fintoc-demo-mode') ?? config.checkout_mode ?? 'widget';
  return mode === 'redirect' || mode === 'widget_or_redirect' ? mode : 'widget';
}

/** Back from Fintoc's hosted page (`?fintoc=success|cancel&order=…`): which order, and how. */
function returned(): { way: 'success' | 'cancel'; order: string } | null {
  const q = new URLSearchParams(location.search);
  const way = q.get('fintoc');
  const order = q.get('order');
  // A reload does not come back again; the demo's own ?mode= and ?script= stay.
  const kept = new URLSearchParams();
  for (const name of ['mode', 'script']) {
    const value = q.get(name);
    if (value !== null && /^[\w-]+$/.test(value)) kept.set(name, value);
  }
  if (way !== null || order !== null) {
    history.replaceState(null, '', location.pathname + (kept.size ? `?${kept}` : ''));
  }
  if (!order || !/^[\w-]+$/.test(order) || (way !== 'success' && way !== 'cancel')) return null;
  return { way, order };
}

/** What the server's order statuses mean (needs_review is asked again: an event may still make it paid). */
function readOrder(order: Order): 'confirmed' | 'not_paid' | 'pending' {
  const status = order['status'];
  if (status === 'paid' || status === 'paid_after_close' || status === 'amount_mismatch') return 'confirmed';
  if (status === 'failed' || status === 'expired') return 'not_paid';
  return 'pending';
}

/**
 * The server gives back a payment it cannot keep (after the order closed, of another amount): the money is on its
 * way back while none of the order's refunds failed, was canceled or could not be made (then the shop looks at it).
 */
function moneyGoingBack(order: Order): boolean {
  const refunds: unknown = order['refunds'];
  return (
    Array.isArray(refunds) &&
    refunds.length > 0 &&
    refunds.every((r: unknown) => {
      const status = typeof r === 'object' && r !== null ? (r as Record<string, unknown>)['status'] : undefined;
      return typeof status === 'string' && !['failed', 'canceled', 'not_created'].includes(status);
    })
  );
}

/** A payment under way or decided: the cart is locked while it is. */
type Payment =
  | { readonly stage: 'confirming'; readonly order: string; readonly returning: boolean }
  | { readonly stage: 'done'; readonly order: string; readonly returning: boolean; readonly result: ConfirmResult };

function App(): ReactNode {
  const [shop, setShop] = useState<{ config: ShopConfig; products: Product[] } | string | null>(null);
  useEffect(() => {
    Promise.all([getJson<ShopConfig>('/api/config'), getJson<{ products: Product[] }>('/api/products')]).then(
      ([config, catalogue]) => setShop({ config, products: catalogue.products }),
      (error: unknown) => setShop(String(error)),
    );
  }, []);
  if (shop === null) return <main className="shop"><p className="muted">Cargando la tienda…</p></main>;
  if (typeof shop === 'string') {
    return (
      <main className="shop">
        <p className="notice notice--error">No pudimos hablar con el servidor de la tienda ({shop}). ¿Está corriendo scripts/demo?</p>
      </main>
    );
  }
  return <Shop config={shop.config} products={shop.products} />;
}

function Shop({ config, products }: { config: ShopConfig; products: Product[] }): ReactNode {
  const [cart] = useState(() => savedCart(products));
  const [quantities, setQuantities] = useState(cart.quantities);
  const [mode] = useState(() => checkoutMode(config));
  const [back] = useState(returned);
  const [payment, setPayment] = useState<Payment | null>(() =>
    back ? { stage: 'confirming', order: back.order, returning: back.way === 'cancel' } : null,
  );
  const [order, setOrder] = useState<string | null>(null);

  const items = products.map((p, i) => ({ product_id: p.id, quantity: quantities[i] ?? 0 })).filter((line) => line.quantity > 0);
  const total = products.reduce((sum, p, i) => sum + p.price * (quantities[i] ?? 0), 0);
  const result = payment?.stage === 'done' ? payment.result : null;
  const paid = result?.status === 'confirmed' && result.order['status'] === 'paid';
  // Paying or confirming locks the cart; a decided "not paid" (or a return with nothing paid)
  // unlocks it.
  const locked =
    payment !== null && (payment.stage === 'confirming' || result?.status === 'confirmed' || (result?.status === 'still_pending' && !payment.returning));
  useEffect(() => {
    if (paid) sessionStorage.removeItem(CART_KEY); // paid: the next visit starts a new cart
  }, [paid]);

  const change = (index: number, delta: number) => () => {
    const next = quantities.map((q, i) => (i === index ? Math.max(0, Math.min(20, q + delta)) : q));
    sessionStorage.setItem(CART_KEY, JSON.stringify({ id: cart.id, quantities: next }));
    setQuantities(next);
    setPayment(null);
  };
  const scriptUrl = new URLSearchParams(location.search).get('script') === 'blocked' ? '/api/blocked/fintoc.js' : config.script_url;

  return (
    <main className="shop">
      <header className="shop__header">
        <h1>
          Café Fintoc <small className="muted">(React)</small>
        </h1>
        {config.mode === 'sandbox' && <p className="badge">Modo sandbox: sin cuenta Fintoc, sin dinero real</p>}
        <nav className="modes">
          <a href="?mode=widget" aria-current={mode !== 'redirect' ? 'true' : undefined}>
            Pagar aquí (widget)
          </a>
          <a href="?mode=redirect" aria-current={mode === 'redirect' ? 'true' : undefined}>
            Pagar en la página de Fintoc
          </a>
        </nav>
      </header>
      <ul className="products">
        {products.map((p, i) => (
          <li className="product" data-product={p.id} key={p.id}>
            <div>
              <h2>{p.name}</h2>
              <p className="muted">{p.description}</p>
              <p className="price">{clp(p.price)}</p>
            </div>
            <div className="qty">
              <button type="button" aria-label={`Quitar ${p.name}`} disabled={locked} onClick={change(i, -1)}>
                −
              </button>
              <span className="qty__value" data-qty={p.id}>
                {quantities[i]}
              </span>
              <button type="button" aria-label={`Agregar ${p.name}`} disabled={locked} onClick={change(i, 1)}>
                +
              </button>
            </div>
          </li>
        ))}
      </ul>
      <section className="checkout">
        <p className="total">
          Total: <strong data-total={String(total)}>{clp(total)}</strong>
        </p>
        {!locked && (
          <FintocCheckout
            publicKey={config.public_key}
            scriptUrl={scriptUrl}
            mode={mode}
            country="cl"
            // Our own session function: the reply also carries our order id. A new cart is a new
            // session (sessionKey); a re-render is not.
            sessionKey={JSON.stringify(items)}
            session={async () => {
              const reply = await getJson<CheckoutReply>('/api/checkout', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ cart_id: cart.id, items, return_to: '/react/' }),
              });
              setOrder(reply.order_id);
              return { sessionToken: reply.session_token, redirectUrl: reply.redirect_url, expiresIn: reply.expires_in };
            }}
            disabled={items.length === 0}
            onSuccess={() => {
              if (order) setPayment({ stage: 'confirming', order, returning: false });
            }}
            onError={(error) => console.error('fintoc-wasm:', error.code, error.message)}>
            Pagar {clp(total)} con Fintoc
          </FintocCheckout>
        )}
        {payment && (
          <PaymentStatus
            payment={payment}
            onDone={(done) => setPayment({ stage: 'done', order: payment.order, returning: payment.returning, result: done })}
          />
        )}
      </section>
      <footer className="muted small">
        Pago con <a href="https://fintoc.com">Fintoc</a> vía <code>fintoc-wasm/react</code> (npm). El pago se confirma con el
        webhook del servidor, no en el navegador.
      </footer>
    </main>
  );
}

/** The order's confirmation (<FintocConfirmation>), and what the shop adds to it. */
function PaymentStatus({ payment, onDone }: { payment: Payment; onDone: (result: ConfirmResult) => void }): ReactNode {
  const result = payment.stage === 'done' ? payment.result : null;
  const status = result?.status === 'confirmed' || result?.status === 'not_paid' ? result.order['status'] : undefined;
  const state =
    result === null ? (payment.returning ? 'returning' : 'confirming')
    : result.status === 'confirmed' ? (status === 'paid' ? 'paid' : moneyGoingBack(result.order) ? 'refunded' : 'review')
    : result.status === 'not_paid' ? String(status ?? 'failed')
    : payment.returning ? 'cancelled'
    : 'still_pending';
  const amount = result?.status === 'confirmed' ? result.order['amount'] : undefined;
  return (
    <div className={`notice${state === 'paid' ? ' notice--ok' : result?.status === 'not_paid' ? ' notice--error' : ''}`} data-order={payment.order} data-payment={state}>
      {state === 'cancelled' ? (
        <p>
          Volviste de Fintoc sin pagar: el pedido {payment.order} sigue pendiente, sin pago recibido. Puedes pagarlo cuando quieras.
        </p>
      ) : (
        <FintocConfirmation
          url={`/api/orders/${encodeURIComponent(payment.order)}`}
          // Back through cancel_url: a few seconds to see whether a payment went through all the same.
          deadlineMs={payment.returning ? 4_000 : 600_000}
          read={readOrder}
          onDone={onDone}
        />
      )}
      {state === 'paid' && typeof amount === 'number' && (
        <p>
          Pedido {payment.order} por {clp(amount)}.
        </p>
      )}
      {state === 'review' && <p>Recibimos un pago para el pedido {payment.order} que debemos revisar; te contactaremos.</p>}
      {state === 'refunded' && (
        <p>Recibimos un pago para el pedido {payment.order} que no podemos aceptar: te lo devolvemos, el dinero va de vuelta a tu cuenta.</p>
      )}
    </div>
  );
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
