// The packed package in a Vite production build and a webpack 5 production build (build.mjs):
// each page is served by the demo server in sandbox mode and paid in headless Chromium — click →
// the widget → pay → `succeeded` — with no console error.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { page, payInWidget, shopAndBrowser, widgets } from './harness.mjs';

const env = shopAndBrowser();

for (const bundler of ['vite', 'webpack']) {
  test(`a ${bundler} production build of a page on the package pays`, async () => {
    const watched = await page(env.chrome.context);
    const { page: p, problems } = watched;
    await p.goto(`${env.server.base}/${bundler}/`);
    const started = Date.now();
    await p.locator('#pay:not([disabled])').click();
    await payInWidget(p);
    await p.locator('body[data-state="succeeded"]').waitFor({ state: 'attached' });
    console.log(`${bundler}: click → succeeded in ${Date.now() - started} ms`);
    assert.equal(await widgets(p), 1, 'one widget');
    assert.equal(watched.sessionRequests, 1, 'one session request');
    assert.deepEqual(problems, []);
    await p.close();
  });

  test(`a ${bundler} page whose wasm cannot load still runs, and createCheckout says why`, async () => {
    const { page: p, problems } = await page(env.chrome.context);
    await p.route('**/*.wasm', (route) => route.fulfill({ status: 404, body: 'not here' }));
    await p.goto(`${env.server.base}/${bundler}/`);
    await p.locator('body[data-error]').waitFor({ state: 'attached' });
    assert.equal(await p.getAttribute('body', 'data-module'), 'running', 'importing the package did not reject');
    assert.equal(await p.getAttribute('body', 'data-error'), 'wasm_load_failed');
    assert.ok(problems.some((m) => m.includes('wasm_load_failed') || m.includes('could not load its WebAssembly')), problems.join('\n'));
    await p.close();
  });
}
