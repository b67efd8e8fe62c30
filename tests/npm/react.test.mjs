// `fintoc-wasm/react` in React 19's <StrictMode> (a development build: every effect mounts,
// unmounts and mounts again), bundled by Vite from the packed package (pages/strict), in headless
// Chromium against the demo server's sandbox. Counted in the browser: the session requests the
// page made, and the widget iframes in it. React's development build prints its warnings
// (act(), keys, updates on unmounted components, …) to the console: none may appear.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEADLINE, WIDGET, closeWidget, page, payInWidget, shopAndBrowser, widgets } from './harness.mjs';

const env = shopAndBrowser();

const ROOT = '.fintoc-checkout';
const BUTTON = '.fintoc-checkout__button';

async function open(query = '') {
  const watched = await page(env.chrome.context);
  await watched.page.goto(`${env.server.base}/strict/${query}`);
  await watched.page.locator(`${BUTTON}:not([disabled])`).waitFor();
  // StrictMode really is on: the page's own mount effect ran twice.
  assert.equal(await watched.page.evaluate(() => window.seen.effects), 2, 'a development build in StrictMode');
  return watched;
}

const state = (p) => p.locator(ROOT).getAttribute('data-state');
const until = (p, s) => p.locator(`${ROOT}[data-state="${s}"]`).waitFor({ state: 'attached' });
const seen = (p) => p.evaluate(() => window.seen);

/** Waits `ms` (to show that something does not happen). */
const quiet = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('a double mount makes one session request and one widget; re-renders keep it; a click pays and is confirmed', async () => {
  const w = await open('?session=fn');
  const p = w.page;
  assert.equal(await state(p), 'idle');
  // Prepared on hover, as the Yew and Leptos buttons do.
  await p.locator(BUTTON).hover();
  await until(p, 'ready');
  assert.equal(w.sessionRequests, 1);
  // New closures, a new session function, the same sessionKey: the same checkout.
  for (let i = 0; i < 3; i++) await p.evaluate(() => window.page.rerender());
  await p.locator('main[data-tick="3"]').waitFor({ state: 'attached' });
  assert.equal(await state(p), 'ready');
  const started = Date.now();
  await p.locator(BUTTON).click();
  await payInWidget(p);
  await until(p, 'succeeded');
  assert.equal(w.sessionRequests, 1, 'one session request');
  assert.equal(await widgets(p), 1, 'one widget');
  // The success status line of the shared texts, no button (the Yew markup for `succeeded`).
  assert.equal(await p.locator('.fintoc-checkout__status[role="status"]').textContent(), 'Recibimos tu pago; lo estamos confirmando…');
  assert.equal(await p.locator(BUTTON).count(), 0);
  // The newest onSuccess was called (it saw the last render), and it had the order id from the
  // session function: <FintocConfirmation> confirms it from the webhook.
  assert.equal((await seen(p)).successTick, 3);
  await p.locator('.fintoc-confirmation[data-state="confirmed"]').waitFor({ state: 'attached' });
  assert.equal(await p.locator('.fintoc-confirmation__text').textContent(), 'Payment confirmed! Thank you for your order.');
  assert.equal(await p.locator('.fintoc-confirmation').getAttribute('aria-busy'), 'false');
  console.log(`react (StrictMode): click → confirmed in ${Date.now() - started} ms`);
  const states = (await seen(p)).states.map(([, s]) => s);
  assert.deepEqual(states, ['preparing', 'ready', 'open', 'succeeded']);
  assert.deepEqual(w.problems, []);
  await p.close();
});

test('an endpoint session is identified by its JSON: a re-render keeps the checkout, a new cart replaces it', async () => {
  const w = await open();
  const p = w.page;
  await p.locator(BUTTON).hover();
  await until(p, 'ready');
  await p.evaluate(() => window.page.rerender());
  await p.locator('main[data-tick="1"]').waitFor({ state: 'attached' });
  assert.equal(await state(p), 'ready', 'a new object literal with the same content: the same session');
  assert.equal(w.sessionRequests, 1);
  await p.evaluate(() => window.page.newCart());
  await until(p, 'idle');
  assert.equal(await p.locator('.fintoc-checkout__label').textContent(), 'Pagar 2');
  await p.mouse.move(0, 0);
  await p.locator(BUTTON).hover();
  await until(p, 'ready');
  assert.equal(w.sessionRequests, 2, 'the new cart, its own session');
  await p.locator(BUTTON).click();
  await closeWidget(p);
  await until(p, 'exited');
  assert.equal(await p.locator('.fintoc-checkout__status').textContent(), 'Cerraste el pago. Puedes intentarlo de nuevo.');
  assert.equal(await p.locator(`${BUTTON}:not([disabled])`).count(), 1, 'the button is back');
  assert.equal(await widgets(p), 1, "the old cart's widget is gone");
  assert.deepEqual(w.problems, []);
  await p.close();
});

test('an inline session function without sessionKey is one session: re-renders and cart changes keep the checkout', async () => {
  const w = await open('?session=fn-unkeyed');
  const p = w.page;
  await p.locator(BUTTON).hover();
  await until(p, 'ready');
  await p.evaluate(() => window.page.rerender());
  await p.evaluate(() => window.page.newCart());
  await p.locator('main[data-tick="1"]').waitFor({ state: 'attached' });
  assert.equal(await p.locator('.fintoc-checkout__label').textContent(), 'Pagar 2');
  assert.equal(await state(p), 'ready', 'a new function on every render is not a new session');
  assert.equal(w.sessionRequests, 1);
  assert.deepEqual(w.problems, []);
  await p.close();
});

test('unmount while preparing opens nothing and calls nothing', async () => {
  const w = await open();
  const p = w.page;
  // The session endpoint answers only once the component is gone.
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await p.route('**/api/checkout', async (route) => {
    await held;
    await route.continue();
  });
  await p.locator(BUTTON).click();
  await until(p, 'opening');
  assert.equal(await p.locator(BUTTON).getAttribute('aria-busy'), 'true');
  assert.equal(await p.locator(`${BUTTON}[disabled] .fintoc-checkout__spinner[aria-hidden="true"]`).count(), 1);
  assert.equal(await p.locator('.fintoc-checkout__label').textContent(), 'Preparando el pago…');
  await p.evaluate(() => window.page.unmount());
  await p.locator('#unmounted').waitFor({ state: 'attached' });
  release();
  await quiet(1_500);
  assert.equal(await widgets(p), 0, 'no widget');
  const after = await seen(p);
  assert.equal(after.states.length, after.unmountedAt, `no callback after unmount: ${JSON.stringify(after.states)}`);
  assert.equal(w.sessionRequests, 1, 'the one preparation unmounting interrupted');
  assert.deepEqual(w.problems, []);
  await p.close();
});

test('open() in a mount effect under StrictMode (open, destroy, open in one tick): one session request, one widget', async () => {
  const w = await page(env.chrome.context);
  const p = w.page;
  await p.goto(`${env.server.base}/strict/?open=mount`);
  await p.locator('#opens-on-mount[data-state="open"]').waitFor({ state: 'attached' });
  await quiet(1_000);
  assert.equal(await p.evaluate(() => window.seen.effects), 2, 'a development build in StrictMode');
  assert.equal(await widgets(p), 1, 'one widget');
  assert.equal(w.sessionRequests, 1, 'one session request');
  // The first mount's open() settled (cancelled by the StrictMode unmount), the second is pending.
  assert.deepEqual(await p.evaluate(() => window.seen.errors), ['outcome:cancelled']);
  assert.deepEqual(w.problems, []);
  await p.close();
});

test('unmount while open removes the iframe', async () => {
  const w = await open();
  const p = w.page;
  await p.locator(BUTTON).click();
  await p.locator(WIDGET).waitFor({ state: 'visible' });
  await until(p, 'open');
  assert.equal(await widgets(p), 1);
  await p.evaluate(() => window.page.unmount());
  await p.locator(WIDGET).waitFor({ state: 'detached', timeout: DEADLINE });
  assert.equal(await widgets(p), 0);
  assert.deepEqual(w.problems, []);
  await p.close();
});

test('a blocked script: the friendly text, retry, and the hosted page; a secret key: the configuration text', async () => {
  const w = await open('?script=blocked');
  const p = w.page;
  await p.locator(BUTTON).click();
  await until(p, 'failed');
  const alert = p.locator('.fintoc-checkout__error[role="alert"]');
  assert.match(await alert.locator('.fintoc-checkout__error-message').textContent(), /^No pudimos cargar Fintoc/);
  assert.equal(await alert.locator('button.fintoc-checkout__retry[type="button"]').textContent(), 'Reintentar');
  const fallback = alert.locator('a.fintoc-checkout__fallback');
  assert.equal(await fallback.textContent(), 'Continuar el pago en Fintoc');
  assert.match(await fallback.getAttribute('href'), /\/sandbox\/checkout\//);
  assert.equal(await p.locator(BUTTON).count(), 0);
  assert.deepEqual((await seen(p)).errors, ['network']);
  // Retrying tries again (and fails again: still blocked).
  await alert.locator('.fintoc-checkout__retry').click();
  await p.waitForFunction(() => window.seen.errors.length === 2, null, { timeout: DEADLINE });
  await until(p, 'failed');
  // The only problems: the blocked script's 404s (and the browser's console line for each).
  assert.deepEqual(
    w.problems.filter((m) => !/Failed to load resource.*404|HTTP 404: \/api\/blocked\/fintoc\.js/.test(m)),
    [],
  );
  assert.equal(w.problems.filter((m) => m.startsWith('HTTP 404')).length, 2, 'one load per click');
  await p.close();

  const k = await page(env.chrome.context);
  await k.page.goto(`${env.server.base}/strict/?key=sk_test_oops`);
  await until(k.page, 'failed');
  assert.match(await k.page.locator('.fintoc-checkout__error-message').textContent(), /no está bien configurado/);
  assert.equal(await k.page.locator('.fintoc-checkout__retry').count(), 0, 'retrying cannot help');
  assert.deepEqual(await k.page.evaluate(() => window.seen.errors), ['secret_key'], 'onError heard it once');
  assert.equal(k.sessionRequests, 0);
  assert.deepEqual(k.problems, []);
  await k.page.close();
});
