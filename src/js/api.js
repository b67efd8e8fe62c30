// The JS API's own JavaScript (src/js/mod.rs; feature `js` only: no other bundle gets it):
//   1. the options of createCheckout() and confirmOrder(), checked here and handed to the wasm as
//      plain values: a JS object is read most cheaply in JS, and the texts of what is wrong with
//      it live here only (issue 20: this moved 12 kB of option reading out of the wasm);
//   2. the handles' lifetime.

// --- 1. Options ---------------------------------------------------------------------------
// The names each option accepts: what `as_str` of the Rust value says (src/js/options.rs tests
// these lists against it) and what the .d.ts (src/js/types.d.ts) spells out.
const PRODUCTS = ['payments', 'movements', 'subscriptions', 'invoices'];
const COUNTRIES = ['cl', 'mx'];
const HOLDER_TYPES = ['individual', 'business'];
const MODES = ['widget', 'redirect', 'widget_or_redirect'];
const METHODS = ['GET', 'POST', 'PUT'];
const CREDENTIALS = ['omit', 'same-origin', 'include'];
// The option names each object may have (a misspelled `onSuccess` would otherwise never be
// called); the .d.ts documents the same names.
const CHECKOUT = ['publicKey', 'session', 'product', 'country', 'holderType', 'institutionId',
  'username', 'mode', 'scriptUrl', 'nonce', 'timeoutMs', 'prefetchOnHover', 'onSuccess', 'onExit',
  'onEvent', 'onError', 'onStateChange'];
const SESSION = ['endpoint', 'method', 'body', 'headers', 'credentials', 'timeoutMs', 'token'];
const USERNAME = ['value', 'editable'];
const CONFIRM = ['url', 'deadlineMs', 'read', 'onStageChange'];
const URL_TEXT = 'an http(s) URL, absolute or relative to the page';
const MS_TEXT = 'a number of milliseconds (1 or more)';

// The Errors made here (a page's own Error with the same code is not one of them).
const ours = new WeakSet();

// An Error with `code`, as every failure reaches JS.
export function codedError(code, message) {
  const error = new Error(message);
  error.code = code;
  ours.add(error);
  return error;
}

// The core's errors: `[code, message]` by the number src/js/errors.rs sends, `{0}` and `{1}`
// the values it sends along (the last row: a response body's excerpt). The texts are the Rust
// crate's `Display` texts, so they live in one place for the npm package (not in its wasm).
// BEGIN GENERATED TEXTS by src/js/errors.rs (FINTOC_WRITE_TEXTS=1): do not edit
const TEXTS = [
  ["not_in_browser", "Fintoc.js loads only in a browser (no `window`: server-side rendering, a native build); call this on the client"],
  ["invalid_url", "the Fintoc.js URL `{0}` is not a valid URL: {1}"],
  ["network", "could not load Fintoc.js from {0}: the request failed (offline, an ad blocker, a wrong URL); loading again retries"],
  ["timeout", "Fintoc.js did not load from {0} within {1} ms; the network may be slow: retry, or raise the `timeoutMs` option"],
  ["csp_blocked", "the page's Content-Security-Policy ({1}) refused {0}: allow https://js.fintoc.com in script-src, https://wizard.fintoc.com in frame-src and connect-src; or use `mode: 'redirect'`"],
  ["global_missing", "{0} loaded but did not define `window.Fintoc`; check that the URL serves Fintoc.js (https://js.fintoc.com/v1/)"],
  ["secret_key", "a secret key (sk_…) was given as the public key: it must never reach the browser; use your pk_test_…/pk_live_… key here and keep sk_… on your server"],
  ["invalid_public_key", "`{0}` is not a Fintoc public key: it must start with pk_test_ or pk_live_"],
  ["invalid_session_token", "the session token is empty: pass the `session_token` of a Checkout Session created by your backend"],
  ["invalid_session_token", "the session token contains whitespace or a non-ASCII character; pass the `session_token` exactly as Fintoc returned it"],
  ["invalid_widget_token", "the widget token is empty or has whitespace or a non-ASCII character; pass the Payment Intent's `widget_token` exactly as Fintoc returned it"],
  ["missing_token", "product `{0}` needs a session token (from a Checkout Session your backend created) or a widget token (legacy Payment Intent flow)"],
  ["conflicting_tokens", "give either a session token or a widget token, not both"],
  ["invalid_option", "option `{0}` is set by the crate (use the typed builder method instead of `extra`)"],
  ["invalid_option", "an extra option needs a non-empty name"],
  ["not_in_browser", "the session token is fetched only in a browser (no `window`); call this on the client"],
  ["session_invalid_request", "the session request is invalid: {0}"],
  ["session_network", "could not reach the session endpoint {0}: {1} (offline, a CORS error, or a wrong URL)"],
  ["session_http", "the session endpoint answered HTTP {0}{1}"],
  ["session_not_json", "the session endpoint did not answer JSON{0}; it should return the Checkout Session (or {\"session_token\": …})"],
  ["session_missing_token", "the session endpoint's JSON has no usable `session_token`{0}; return the Checkout Session your backend created with its secret key (or {\"session_token\": …})"],
  ["session_timeout", "the session endpoint did not answer within {0} ms; retry, or raise `session.timeoutMs`"],
  ["session_expired", "the session token has expired (Checkout Session tokens are valid for 10 minutes); create a new Checkout Session, or use `session: { endpoint }` so fresh ones are fetched"],
  ["session_invalid_token", "the session source returned an invalid token: {0}"],
  ["session_no_redirect_url", "the session has no `redirect_url` (Fintoc's hosted page): create the Checkout Session with `success_url` and `cancel_url`, and return its `redirect_url` too (a session function returns it as `redirectUrl`)"],
  ["session_source", "the shop's session function failed: {0}"],
  ["widget_create", "Fintoc.create rejected the options: {0}"],
  ["widget_call", "the Fintoc widget's `{0}()` failed: {1}"],
  ["widget_method_missing", "the Fintoc widget has no `{0}()` method; is the script really Fintoc.js v1?"],
  ["already_succeeded", "this checkout already succeeded; call `reset()` before taking another payment with it"],
  ["widget_destroyed", "this Fintoc widget was destroyed; create a new checkout with createCheckout()"],
  ["", " (body: `{0}`)"]
];
// END GENERATED TEXTS

// Message `i`'s text, in one pass (a value that reads `{1}` stays as it is).
export function errorText(i, a, b) {
  return TEXTS[i][1].replace(/\{([01])\}/g, function (_, k) { return k === '0' ? a : b; });
}

export function fintocError(i, a, b) {
  return codedError(TEXTS[i][0], errorText(i, a, b));
}

// The errors only the JS API reports.
export function destroyedError() {
  return codedError('destroyed', 'this checkout was destroyed; create a new one with createCheckout()');
}

export function unknownValueError(option) {
  return codedError('invalid_option', 'option `' + option + "` has a value this wasm does not know: the " +
    "package's JS and wasm come from different builds (install the package again)");
}

function invalid(option, expected) {
  return codedError('invalid_option', 'option `' + option + '` must be ' + expected);
}

// Field `name` of `o`, undefined when missing or null. A throwing getter is the page's error.
function get(o, name) {
  const v = o[name];
  return v === null ? undefined : v;
}

function typed(o, name, type, expected, label) {
  const v = get(o, name);
  if (v !== undefined && typeof v !== type) throw invalid(label || name, expected);
  return v;
}

function ms(o, name, label) {
  const v = get(o, name);
  if (v !== undefined && !(typeof v === 'number' && isFinite(v) && v >= 1)) throw invalid(label || name, MS_TEXT);
  return v;
}

function oneOf(o, name, names, label) {
  const v = get(o, name);
  if (v !== undefined && names.indexOf(v) < 0) {
    throw invalid(label || name, names.map(function (n) { return "'" + n + "'"; }).join(', ').replace(/, ([^,]*)$/, ' or $1'));
  }
  return v;
}

// An http(s) URL, absolute or relative to the page (without a page, server rendering, as an
// https page would resolve it): a typo is refused by createCheckout, not at the first payment.
function url(o, name, label) {
  const v = typed(o, name, 'string', URL_TEXT, label);
  if (v === undefined) return v;
  let base = 'https://ssr.invalid/', protocol;
  try {
    base = window.location.href; // (no window: server rendering, a worker)
  } catch (_) {}
  try {
    protocol = new URL(v, base).protocol;
  } catch (_) {}
  // Blank: nothing but what a URL parser strips from both ends (spaces, C0 controls).
  if ((protocol !== 'http:' && protocol !== 'https:') || !/[^\0- ]/.test(v)) throw invalid(label || name, URL_TEXT);
  return v;
}

// The known name `key` most likely meant: the same but for case, one that starts with it or
// that it starts with (`prefetch`, `onStateChanged`), or one at most two edits away.
function closest(key, known) {
  const lower = key.toLowerCase();
  const by = function (f) { return known.find(function (k) { return f(k.toLowerCase()); }); };
  return by(function (k) { return k === lower; }) ||
    (lower.length >= 4 ? by(function (k) { return k.startsWith(lower) || lower.startsWith(k); }) : undefined) ||
    by(function (k) { return edits(k, lower) <= 2; });
}

// Levenshtein distance (option names are short).
function edits(a, b) {
  let row = Array.from({ length: b.length + 1 }, function (_, j) { return j; });
  for (let i = 0; i < a.length; i++) {
    let diagonal = row[0];
    row[0] = i + 1;
    for (let j = 0; j < b.length; j++) {
      const above = row[j + 1];
      row[j + 1] = Math.min(diagonal + (a[i] === b[j] ? 0 : 1), above + 1, row[j] + 1);
      diagonal = above;
    }
  }
  return row[b.length];
}

// Refuses any own string key of `o` not in `known`, naming the closest known one. Symbol keys
// (`Symbol.dispose` on a reused object, say) are not options.
function known(o, parent, names) {
  Reflect.ownKeys(o).forEach(function (key) {
    if (typeof key === 'string' && names.indexOf(key) < 0) {
      const near = closest(key, names);
      throw codedError('invalid_option', 'unknown option `' + parent + key + '`' +
        (near ? '; did you mean `' + near + '`?' : '') + ': check its spelling (names are case-sensitive)');
    }
  });
}

function object(o, label, expected) {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw invalid(label, expected);
}

// What the wasm reads by name: without a prototype, so nothing set on Object.prototype is read.
function plain() {
  return Object.create(null);
}

function callbacks(o, names) {
  const out = plain();
  names.forEach(function (name) { out[name] = typed(o, name, 'function', 'a function'); });
  return out;
}

// `options.session`: an endpoint, a token, or an async function.
function session(o) {
  const expected = '{ endpoint, method?, body?, headers?, credentials?, timeoutMs? }, { token }, or an async function';
  const s = get(o, 'session');
  const out = plain();
  if (typeof s === 'function') {
    out.fn = s;
    return out;
  }
  if (typeof s !== 'object' || s === undefined) throw invalid('session', expected);
  known(s, 'session.', SESSION);
  const token = typed(s, 'token', 'string', 'a string', 'session.token');
  if (token !== undefined) {
    if (get(s, 'endpoint') !== undefined) throw invalid('session', 'either { token } or { endpoint, … }, not both');
    out.token = token;
    return out;
  }
  const endpoint = url(s, 'endpoint', 'session.endpoint');
  if (endpoint === undefined) throw invalid('session', expected);
  let body = get(s, 'body');
  if (body !== undefined) {
    try { body = JSON.stringify(body); } catch (_) { body = undefined; }
    if (typeof body !== 'string') throw invalid('session.body', 'a value JSON.stringify can write');
  }
  const headers = [];
  const h = get(s, 'headers');
  if (h !== undefined) {
    object(h, 'session.headers', 'an object of string values');
    Reflect.ownKeys(h).forEach(function (name) {
      const value = h[name];
      if (typeof name !== 'string' || typeof value !== 'string') throw invalid('session.headers', 'an object of string values');
      headers.push(name, value);
    });
  }
  out.endpoint = endpoint;
  out.method = oneOf(s, 'method', METHODS, 'session.method');
  out.body = body;
  out.headers = headers;
  out.credentials = oneOf(s, 'credentials', CREDENTIALS, 'session.credentials');
  out.timeoutMs = ms(s, 'timeoutMs', 'session.timeoutMs');
  return out;
}

// What the page's own code threw while its options were read (a getter, a Proxy): an Error
// with a code too, as everything createCheckout and confirmOrder throw. The Error is returned,
// not thrown: a wasm-bindgen `catch` import that returns a value leaks one slot of the wasm's
// value table each time it throws (wasm-bindgen 0.2.130), so the wasm never `catch`es here.
function reading(read) {
  return function (o) {
    try {
      return read(o);
    } catch (e) {
      if (ours.has(e) && e.code === 'invalid_option') return e;
      const error = codedError('invalid_option', 'reading the options threw: ' + String(e && e.message || e));
      error.cause = e;
      return error;
    }
  };
}

// createCheckout's options, checked (else the Error with code `invalid_option`), as plain
// values: strings, numbers, booleans, functions; `session` one of { fn }, { token } or
// { endpoint, method, body (JSON text), headers ([name, value, …]), credentials, timeoutMs }.
// What only the wasm knows (key formats, token shapes) it checks itself.
export const checkoutOptions = reading(function (o) {
  object(o, 'options', 'an object');
  known(o, '', CHECKOUT);
  const publicKey = typed(o, 'publicKey', 'string', 'a string (pk_test_… or pk_live_…)');
  if (publicKey === undefined) throw invalid('publicKey', 'a string (pk_test_… or pk_live_…)');
  const out = callbacks(o, ['onSuccess', 'onExit', 'onEvent', 'onError', 'onStateChange']);
  out.publicKey = publicKey;
  out.product = oneOf(o, 'product', PRODUCTS);
  out.country = oneOf(o, 'country', COUNTRIES);
  out.holderType = oneOf(o, 'holderType', HOLDER_TYPES);
  out.institutionId = typed(o, 'institutionId', 'string', 'a string');
  const username = get(o, 'username');
  if (typeof username === 'string') {
    out.username = username;
  } else if (username !== undefined) {
    const expected = 'a string or { value: string, editable?: boolean }';
    object(username, 'username', expected);
    known(username, 'username.', USERNAME);
    out.username = typed(username, 'value', 'string', expected, 'username');
    if (out.username === undefined) throw invalid('username', expected);
    out.editable = typed(username, 'editable', 'boolean', 'true or false', 'username.editable');
  }
  out.mode = oneOf(o, 'mode', MODES);
  out.scriptUrl = url(o, 'scriptUrl');
  out.nonce = typed(o, 'nonce', 'string', 'a string');
  out.timeoutMs = ms(o, 'timeoutMs');
  out.prefetchOnHover = typed(o, 'prefetchOnHover', 'boolean', 'true or false') !== false;
  out.session = session(o);
  return out;
});

// confirmOrder's options, checked as createCheckout's are.
export const confirmOptions = reading(function (o) {
  object(o, 'options', 'an object');
  known(o, '', CONFIRM);
  const out = callbacks(o, ['read', 'onStageChange']);
  out.url = url(o, 'url');
  if (out.url === undefined) throw invalid('url', URL_TEXT);
  out.deadlineMs = ms(o, 'deadlineMs');
  return out;
});

// --- 2. Handles ----------------------------------------------------------------------------
// The JS side of a `Checkout` handle's lifetime (see src/js/checkout.rs). The garbage collector must
// never cancel a payment: a pending open()/prepare() and an attached button keep the handle
// reachable; `using` / [Symbol.dispose]() destroys it (the handle itself then only answers
// with a clear `destroyed` error, and the collector frees it).
const handles = new Map(); // id -> WeakRef(handle): no strong reference from here
const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(function (id) { handles.delete(id); })
  : null;

// The page's callbacks and session function, by handle (its checked options): kept here, where
// the collector sees them, not in the wasm, whose references it cannot see through (a callback
// that refers to the attached button would otherwise keep the button and its checkout forever).
const pageCode = new WeakMap();

export function registerHandle(id, handle, options) {
  if (options) pageCode.set(handle, options);
  handles.set(id, typeof WeakRef === 'function' ? new WeakRef(handle) : { deref: function () { return handle; } });
  if (registry) registry.register(handle, id);
  if (typeof Symbol.dispose === 'symbol') {
    Object.defineProperty(handle, Symbol.dispose, {
      value: function () {
        handle.destroy();
      }
    });
  }
}

// The handle itself (strong), for whoever must keep it alive; undefined once collected.
export function handle(id) {
  var ref = handles.get(id);
  return ref ? ref.deref() : undefined;
}

// Calls handle `id`'s callback `name` (`onEvent` gets the metadata too), if the page gave one;
// what it throws is the page's.
export function callBack(id, name, a, b) {
  const h = handle(id);
  const f = h && pageCode.has(h) ? pageCode.get(h)[name] : undefined;
  if (typeof f !== 'function') return;
  try {
    if (name === 'onEvent') f(a, b); else f(a);
  } catch (_) {}
}

// Calls handle `id`'s session function: always a promise (what it threw, a rejection; see
// `reading`); a collected handle has no session to ask for.
export function callSession(id) {
  try {
    const h = handle(id);
    const options = h && pageCode.get(h);
    if (!options || !options.session.fn) throw codedError('destroyed', 'this checkout was destroyed');
    const fn = options.session.fn;
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

// `v` as JSON text, or undefined when it cannot be written (a BigInt, a cycle, a throwing
// toJSON: see `reading`).
export function jsonText(v) {
  try {
    return JSON.stringify(v);
  } catch (_) {
    return undefined;
  }
}

// Calls the page's `f(a)`: what it returns, or undefined when it threw (the page's error).
export function callQuietly(f, a) {
  try {
    return f(a);
  } catch (_) {
    return undefined;
  }
}

// --- 3. attach(button) ---------------------------------------------------------------------
// A click opens (nothing after a success until reset()); with prefetchOnHover, the pointer
// entering the button or focus prepares (not while it is disabled). The button holds its
// checkout (`__fintocCheckout`, and the listeners), so a checkout lives as long as its button
// does, whether or not the page keeps the handle; nothing here holds either strongly (a WeakMap
// keyed by the handle), so a button gone from the page and its checkout are collected together.
// What they start settles quietly: failures reach onError, outcomes the callbacks.
const attached = new WeakMap(); // handle -> { button, events: [[type, listener], …] }

function quietly(promise) {
  promise.then(undefined, function () {});
}

export function attachButton(checkout, button, prefetch) {
  if (typeof HTMLElement !== 'function' || !(button instanceof HTMLElement)) {
    throw invalid('attach(button)', 'an HTML element');
  }
  const holder = button.__fintocCheckout;
  if (holder !== undefined && holder !== checkout) {
    // Two checkouts on one button: one click would start both.
    throw invalid('attach(button)', 'a button no other checkout is attached to: call destroy() on the ' +
      'checkout attached to it first (or attach that one to another button)');
  }
  detachButton(checkout);
  const events = [['click', function () {
    try {
      if (checkout.state !== 'succeeded') quietly(checkout.open());
    } catch (_) {} // destroyed by another listener of this click
  }]];
  if (prefetch) {
    const prepare = function () {
      try {
        if (!button.hasAttribute('disabled') && button.getAttribute('aria-disabled') !== 'true') {
          quietly(checkout.prepare());
        }
      } catch (_) {} // destroyed by another listener
    };
    events.push(['pointerenter', prepare], ['focus', prepare]);
  }
  events.forEach(function (e) { button.addEventListener(e[0], e[1]); });
  attached.set(checkout, { button: button, events: events });
  button.__fintocCheckout = checkout;
}

// Removes the checkout's listeners and releases its button (destroy(), or attach() elsewhere).
export function detachButton(checkout) {
  const a = checkout && attached.get(checkout);
  if (!a) return;
  attached.delete(checkout);
  a.events.forEach(function (e) { a.button.removeEventListener(e[0], e[1]); });
  if (a.button.__fintocCheckout === checkout) delete a.button.__fintocCheckout;
}
