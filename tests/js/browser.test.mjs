// Unit tests of the pure parts of src/browser/page.js (node --test tests/js/): how the loader matches
// script URLs, which page tags it may adopt, and how a session's JSON is read (the cases in
// tests/data/session-fields.json, which the native reader in src/session/response.rs is tested
// against too). The page side is covered in tests/loader.rs and tests/session.rs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// src/browser/page.js is an ES module without a package.json saying so: import an `.mjs` copy,
// which every Node version reads as a module.
const dir = mkdtempSync(join(tmpdir(), 'fintoc-wasm-'));
const copy = join(dir, 'page.mjs');
copyFileSync(new URL('../../src/browser/page.js', import.meta.url), copy);
const { scriptKey, runnable, readSession, rfc3339, excerpt } = await import(pathToFileURL(copy).href);
after(() => rmSync(dir, { recursive: true, force: true }));

test('spellings of one script URL share a key', () => {
  for (const url of [
    'https://js.fintoc.com/v1/',
    'https://js.fintoc.com/v1',
    'https://js.fintoc.com/v1?foo=bar',
    'https://js.fintoc.com/v1/?foo=bar#x',
    'HTTPS://JS.FINTOC.COM/v1/',
    ' https://js.fintoc.com/v1/ ',
  ]) {
    assert.equal(scriptKey(url), 'https://js.fintoc.com/v1', url);
  }
});

test('other scripts, look-alike hosts and other paths get other keys', () => {
  for (const url of [
    'https://js.fintoc.com/v2/',
    'https://js.fintoc.com/V1/',
    'http://js.fintoc.com/v1/',
    'https://js.fintoc.com.evil.example/v1/',
    'https://evil.example/js.fintoc.com/v1/',
    'https://js.fintoc.com/',
  ]) {
    assert.notEqual(scriptKey(url), 'https://js.fintoc.com/v1', url);
  }
  assert.equal(scriptKey('https://js.fintoc.com'), 'https://js.fintoc.com');
  assert.equal(scriptKey('https://js.fintoc.com/'), 'https://js.fintoc.com');
  assert.equal(scriptKey('blob:http://127.0.0.1:8000/abc-123'), 'blob:http://127.0.0.1:8000/abc-123');
  assert.equal(scriptKey('data:text/javascript,window.x=1?#'), 'data:text/javascript,window.x=1?#');
});

test('raw page text never throws', () => {
  for (const odd of ['//[aé', 'daé', 'é', 'ñ://x/y', 'https://[é]/v1', 'http://', 'data:', '', null, undefined, 42]) {
    assert.equal(typeof scriptKey(odd), 'string', String(odd));
  }
});

test('only tags the browser runs are adopted', () => {
  for (const t of ['', 'module', 'text/javascript', ' Application/JavaScript ']) {
    assert.ok(runnable(t, false), JSON.stringify(t));
  }
  assert.ok(!runnable('', true), 'nomodule');
  for (const t of ['text/plain', 'application/json', 'text/x-template']) {
    assert.ok(!runnable(t, false), t);
  }
});

const shared = JSON.parse(
  readFileSync(new URL('../data/session-fields.json', import.meta.url), 'utf8')
);

test('RFC 3339 times read as the native reader reads them', () => {
  assert.ok(shared.rfc3339.length > 20);
  for (const [input, expected] of shared.rfc3339) {
    assert.equal(rfc3339(input) ?? null, expected, JSON.stringify(input));
  }
});

test("a session endpoint's JSON reads as the native reader reads it", () => {
  assert.ok(shared.responses.length > 10);
  for (const [body, expected] of shared.responses) {
    const got = readSession(body);
    assert.deepEqual(got && got.map((v) => v ?? null), expected, body);
  }
});

test('a polluted Object.prototype supplies no session field; infinite numbers are no number', () => {
  Object.prototype.redirect_url = 'https://evil.example/';
  Object.prototype.session_token = 'cs_from_the_prototype';
  try {
    assert.deepEqual(
      readSession('{"sessionToken":"t"}').map((v) => v ?? null),
      ['t', null, null, null]
    );
  } finally {
    delete Object.prototype.redirect_url;
    delete Object.prototype.session_token;
  }
  assert.deepEqual(
    readSession('{"session_token":"t","expires_in":1e400,"expires_at":-1e400}').map((v) => v ?? null),
    ['t', null, null, null]
  );
});

test('error excerpts agree with the native ones and never show tokens or secret keys', () => {
  const { excerpts } = JSON.parse(
    readFileSync(new URL('../data/session-fields.json', import.meta.url), 'utf8')
  );
  assert.ok(excerpts.length >= 10);
  for (const [body, max, want] of excerpts) {
    assert.equal(excerpt(body, max), want, JSON.stringify([body, max]));
  }
});
