// The package's own allocator (lol_alloc's free list, compiled into its wasm: src/lib.rs) under
// what a long-lived page does, as a seeded random sequence: checkouts created with options of
// random sizes, refused, opened (in Node they reject `not_in_browser`, which builds an error),
// destroyed or dropped; confirmations started and cancelled. Invariants after every step: every
// promise settles (with a deadline), every error has its code; and over four windows of the same
// length (a collection after each, and after every 20 dropped checkouts, so the working set
// stays bounded), the last two — after two that warm up — grow neither the wasm's memory nor its
// value tables: freed blocks are reused and nothing leaks. It found a value-table slot leaked by every
// refused option (wasm-bindgen's `catch` imports leak one when they throw). Limits: the memory
// grows by 64 KiB pages and gets one page of slack, so it sees leaks of more than ~40 B per step;
// the table grows by doubling, so it sees leaks that fill its spare half over two windows — the
// exact count is checked in the browser (tests/js_leaks.rs). Its own process (node --test runs
// each file in one), so the memory is this test's alone.
// A longer run: FINTOC_FUZZ_STEPS=200000 FINTOC_FUZZ_SEED=7 node --test memory.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';

const STEPS = Number(process.env.FINTOC_FUZZ_STEPS || 6000);
const SEED = Number(process.env.FINTOC_FUZZ_SEED || 20261203);
const PAGE = 65536;

// mulberry32: a small seeded generator (the same sequence for the same seed).
function random(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A full collection, and time for the finalizers it queued (wasm-bindgen frees a dropped
// handle's Rust side from a FinalizationRegistry).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
async function collect() {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function within(ms, promise, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(what + ' did not settle within ' + ms + ' ms')), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test('the wasm memory stops growing under a random sequence of checkouts (seeded)', async () => {
  const { initSync, createCheckout, confirmOrder } = await import('fintoc-wasm/init');
  const wasm = createRequire(import.meta.url).resolve('fintoc-wasm/package.json').replace(/package\.json$/, 'fintoc_wasm_bg.wasm');
  const exports = initSync({ module: readFileSync(wasm) });
  const memory = exports.memory;
  assert.ok(memory instanceof WebAssembly.Memory, 'initSync returns the wasm memory');
  const tables = Object.values(exports).filter((t) => t instanceof WebAssembly.Table);
  assert.ok(tables.length > 0, 'the wasm exports its value table');
  const sizes = () => [memory.buffer.byteLength, ...tables.map((t) => t.length)];

  const next = random(SEED);
  const int = (n) => Math.floor(next() * n);
  const text = (max) => 'x'.repeat(1 + int(max));
  const live = [];
  const pending = [];
  let dropped = 0;
  const counts = { create: 0, refuse: 0, open: 0, destroy: 0, drop: 0, confirm: 0 };

  const steps = {
    create() {
      const session = [
        { token: 'cs_test_sec_' + text(300) },
        { endpoint: '/api/checkout/' + text(500), method: 'POST', body: { items: [text(400)] },
          headers: { 'X-Cart': text(800) }, timeoutMs: 1 + int(9000) },
        async () => 'cs_fn_sec_' + text(100),
      ][int(3)];
      live.push(createCheckout({
        publicKey: 'pk_test_' + text(40), session, institutionId: text(2000),
        username: { value: text(600), editable: next() < 0.5 }, country: next() < 0.5 ? 'cl' : 'mx',
        onError() {}, onStateChange() {},
      }));
      counts.create += 1;
    },
    refuse() {
      const bad = [
        [{ publicKey: 'sk_live_' + text(1500), session: { token: 't' } }, 'secret_key'],
        [{ publicKey: 'pk_test_a', session: { token: 'has space ' + text(900) } }, 'invalid_session_token'],
        [{ publicKey: 'pk_test_a', session: { token: 't' }, ['x' + text(700)]: 1 }, 'invalid_option'],
        [{ publicKey: 'pk_test_a', get session() { throw new Error(text(300)); } }, 'invalid_option'],
      ][int(4)];
      assert.throws(() => createCheckout(bad[0]), (error) => error.code === bad[1]);
      counts.refuse += 1;
    },
    open() {
      if (live.length === 0) return;
      const checkout = live[int(live.length)];
      pending.push(within(5000, checkout.open(), 'open()').then(
        () => assert.fail('open() resolved outside a browser'),
        (error) => assert.equal(error.code, 'not_in_browser'),
      ));
      counts.open += 1;
    },
    destroy() {
      if (live.length === 0) return;
      live.splice(int(live.length), 1)[0].destroy();
      counts.destroy += 1;
    },
    drop() {
      // Forgotten by the page, never destroyed: the collector's to free.
      if (live.length === 0) return;
      live.splice(int(live.length), 1);
      counts.drop += 1;
      dropped += 1;
    },
    confirm() {
      if (next() < 0.2) {
        assert.throws(() => confirmOrder({ url: 'ftp://' + text(500) }), (error) => error.code === 'invalid_option');
        counts.confirm += 1;
        return;
      }
      const confirmation = confirmOrder({ url: '/api/orders/' + text(1000), deadlineMs: 1 + int(60000) });
      const done = within(5000, confirmation.done, 'confirmation.done');
      if (next() < 0.5) confirmation.cancel();
      pending.push(done.then(() => {}, (error) => assert.ok(error.code, 'an error with a code')));
      counts.confirm += 1;
    },
  };
  const names = Object.keys(steps);

  async function run(n) {
    for (let i = 0; i < n; i++) {
      steps[names[int(names.length)]]();
      // At most 20 checkouts alive and 20 dropped ones not yet collected: the page's working
      // set stays the same size.
      while (live.length > 20) live.shift().destroy();
      if (pending.length >= 16) await Promise.all(pending.splice(0));
      if (dropped >= 20) {
        dropped = 0;
        await collect();
      }
    }
    await Promise.all(pending.splice(0));
  }

  const windows = [];
  for (let w = 0; w < 4; w++) {
    await run(STEPS / 4);
    await collect();
    windows.push(sizes());
  }
  // Two windows warm up (caches, the high-water mark); the two after them must not grow.
  const [warmed, after] = [windows[1], windows[3]];
  // One page of slack: the measured windows may meet a slightly larger working set.
  assert.ok(after[0] <= warmed[0] + PAGE,
    `memory grew from ${warmed[0]} to ${after[0]} bytes after warming up (seed ${SEED}): a leak, or freed blocks not reused`);
  assert.deepEqual(after.slice(1), warmed.slice(1),
    `the value tables grew after warming up (seed ${SEED}): values the wasm never released`);
  while (live.length) live.pop().destroy();
  for (const [name, n] of Object.entries(counts)) {
    assert.ok(n >= STEPS / 20, `the sequence exercised ${name} only ${n} times (seed ${SEED})`);
  }
});
