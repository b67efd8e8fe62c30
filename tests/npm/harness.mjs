// What the browser tests of the npm package share (run by scripts/test-npm from a scratch
// project where the packed package is installed): the demo server in sandbox mode, headless
// Chromium through playwright-core (Debian's /usr/bin/chromium: no browser download), and the
// steps of paying in the sandbox widget. Every wait has a deadline.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

import { chromium } from 'playwright-core';

/** How long any one wait may take (ms). */
export const DEADLINE = 20_000;

/**
 * Starts the demo server (FINTOC_DEMO_SERVER, built by scripts/test-npm) in sandbox mode on a
 * free port with a fresh database, serving `staticDir` at `/`. Resolves with its base URL and a
 * `stop()`.
 */
export async function demoServer(staticDir, extraEnv = {}) {
  const binary = process.env.FINTOC_DEMO_SERVER;
  if (!binary) throw new Error('FINTOC_DEMO_SERVER is not set: run scripts/test-npm');
  const data = mkdtempSync(join(tmpdir(), 'fintoc-npm-test-'));
  const child = spawn(binary, [], {
    cwd: process.env.FINTOC_REPO,
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_PATH: join(data, 'orders.sqlite'),
      STATIC_DIR: staticDir,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo server did not start within ${DEADLINE} ms:\n${output}`)), DEADLINE);
    const read = (chunk) => {
      output += chunk;
      const found = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo server exited (${code}):\n${output}`));
    });
  });
  return {
    base,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5_000);
        child.on('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file: the demo server serving the built pages (dist/ next to this file) and one
 * Chromium, started before its tests and stopped after them. Read `.server` and `.chrome` inside
 * the tests.
 */
export function shopAndBrowser() {
  const env = { server: undefined, chrome: undefined };
  before(async () => {
    env.server = await demoServer(join(import.meta.dirname, 'dist'));
    env.chrome = await browser();
  });
  after(async () => {
    await env.chrome?.close();
    await env.server?.stop();
  });
  return env;
}

/** One headless Chromium for a test file, with a fresh profile. */
export async function browser() {
  const profile = mkdtempSync(join(tmpdir(), 'fintoc-npm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROME_BIN || '/usr/bin/chromium',
    headless: true,
    timeout: DEADLINE,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(DEADLINE);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A new page that records what a shopper would not want to see: console errors and warnings,
 * uncaught exceptions. `problems` lists them; `sessionRequests` counts POST /api/checkout.
 */
export async function page(context) {
  const p = await context.newPage();
  const watched = { page: p, problems: [], sessionRequests: 0 };
  p.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      watched.problems.push(`console.${message.type()}: ${message.text()}`);
    }
  });
  p.on('pageerror', (error) => watched.problems.push(`uncaught: ${error.message}`));
  // The console says only "404"; this says what.
  p.on('response', (response) => {
    if (response.status() >= 400) watched.problems.push(`HTTP ${response.status()}: ${new URL(response.url()).pathname}`);
  });
  p.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/checkout') {
      watched.sessionRequests += 1;
    }
  });
  return watched;
}

/** The sandbox widget's iframe. */
export const WIDGET = 'iframe[data-fintoc-sandbox]';

/** Waits until the sandbox widget is shown, then pays in it (Banco Estado, success). */
export async function payInWidget(p) {
  await p.locator(WIDGET).waitFor({ state: 'visible' });
  const widget = p.frameLocator(WIDGET);
  await widget.locator("button[data-institution='cl_banco_estado']").click();
  await widget.locator("[data-action='succeed']").click();
}

/** Closes the sandbox widget (the shopper leaves). */
export async function closeWidget(p) {
  await p.locator(WIDGET).waitFor({ state: 'visible' });
  await p.frameLocator(WIDGET).locator("button[aria-label='Cerrar']").click();
}

/** How many widget iframes are in the page now. */
export async function widgets(p) {
  return p.locator(WIDGET).count();
}
