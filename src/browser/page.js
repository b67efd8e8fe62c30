// The page side of src/browser/mod.rs, in JavaScript where doing it through web-sys would cost a
// binding per call in every bundle; the decisions stay in Rust. Three sections, one module:
//   1. the page: its window, calls on JS objects (Fintoc's widget), timers, leaving for the
//      hosted page and noticing the way back;
//   2. loading Fintoc.js, once per page (src/load.rs decides what each outcome means);
//   3. the session request, and reading its JSON (src/session/response.rs decides).
// One module, not one per section: every module is one more request before a page can start,
// and the test runner's page server stalled on about one page load in five with six modules.
// (The JS API's own JS lives in src/js/api.js: only `js` builds reference it.)

// ---------------------------------------------------------------------------------------------
// 1. The page

export function pageWindow() {
  return typeof window === 'object' && window ? window : undefined;
}

// `Fintoc.create(options)` with the three callbacks set on `options` (as `invoke` reports).
export function createWidget(fintoc, options, onSuccess, onExit, onEvent) {
  try {
    options.onSuccess = onSuccess;
    options.onExit = onExit;
    options.onEvent = onEvent;
  } catch (e) {
    return [2, thrownMessage(e)];
  }
  return invoke(fintoc, 'create', options);
}

// Calls `obj[name](arg)` and reports how it went: [0, result], [1] when there is no such
// method, [2, message] when it threw (a throwing getter counts as threw).
export function invoke(obj, name, arg) {
  try {
    var f = obj == null ? undefined : obj[name];
    if (typeof f !== 'function') return [1];
    return [0, f.call(obj, arg)];
  } catch (e) {
    return [2, thrownMessage(e)];
  }
}

// What a thrown value says: an Error's message, else its JSON or string form (never throws).
export function thrownMessage(e) {
  try {
    if (e instanceof Error) return String(e.message);
    if (typeof e === 'string') return e;
    var json = JSON.stringify(e);
    return json === undefined ? String(e) : json;
  } catch (_) {
    return 'unknown JavaScript error';
  }
}

export function sleep(ms) {
  return new Promise(function (resolve) {
    setTimeout(resolve, ms);
  });
}

export function go(url) {
  try {
    window.location.assign(url);
  } catch (e) {
    // Never thrown for the https URLs the crate checked; if it is, the stall timer recovers.
  }
}

// While the page leaves for Fintoc's hosted page: calls `back` when the browser shows this page
// again from its back-forward cache (the shopper pressed "back"), or when the page is still here
// `stallMs` later (the shopper stopped the navigation, or the URL answered without a new page;
// 0: no timer). Returns the handle for `unwatchBack`.
export function watchBack(back, stallMs) {
  var h = { left: false };
  h.show = function (e) {
    if (e.persisted) {
      h.left = false;
      back();
    }
  };
  h.hide = function () {
    h.left = true;
  };
  window.addEventListener('pageshow', h.show);
  window.addEventListener('pagehide', h.hide);
  if (stallMs > 0) {
    h.timer = setTimeout(function () {
      if (!h.left) back();
    }, stallMs);
  }
  return h;
}

export function unwatchBack(h) {
  clearTimeout(h.timer);
  window.removeEventListener('pageshow', h.show);
  window.removeEventListener('pagehide', h.hide);
}

// ---------------------------------------------------------------------------------------------
// 2. Loading Fintoc.js
// Loading Fintoc.js, once per page (src/load.rs decides what each outcome means): finding or
// injecting the tag, one load per script URL, waiting for `window.Fintoc`. Cheaper here than
// through web-sys (each web-sys call is a binding in the wasm and a shim in the glue).

function hasFintoc() {
  var fintoc = window.Fintoc;
  return !!fintoc && typeof fintoc.create === 'function';
}

// `window.Fintoc` when it can create widgets, else undefined (never throws).
export function fintocGlobal() {
  try {
    return hasFintoc() ? window.Fintoc : undefined;
  } catch (e) {
    return undefined;
  }
}

// What identifies a script URL: scheme and host case-insensitively, the path as written without
// a trailing slash, no query or fragment (`https://JS.fintoc.com/v1/?x` is
// `https://js.fintoc.com/v1`). `data:` and `blob:`-like URLs without `://` keep their text.
export function scriptKey(url) {
  url = String(url).trim();
  if (url.slice(0, 5).toLowerCase() === 'data:') return url;
  url = url.split(/[#?]/)[0];
  var scheme = url.indexOf('://');
  var end = 0;
  if (scheme >= 0 && url.indexOf(':') === scheme) {
    var slash = url.indexOf('/', scheme + 3);
    end = slash < 0 ? url.length : slash;
  }
  return url.slice(0, end).toLowerCase() + url.slice(end).replace(/\/+$/, '');
}

// A tag the browser would run: no `nomodule`, a JavaScript `type` (or none).
export function runnable(type, nomodule) {
  var t = String(type).trim().toLowerCase();
  return !nomodule && (t === '' || t === 'module' || t === 'text/javascript' || t === 'application/javascript');
}

// The loader's registry: one load per script key, so however many callers ask, the page gets one
// <script>. A failed load leaves it (and removes the tag only if we injected it); a page tag that
// failed once is not adopted again.
// (The test harness, feature `testing`, clears it from src/browser/overrides.rs.)
export const registry = { loads: new Map(), dead: new Set() }; // key -> Promise<[code, text]>; page tags that failed
var PAGE_TAG_GRACE_MS = 1000;

// Loads `url` once per page. Resolves with [code, text, timeoutMs]: code 0 window.Fintoc is
// there; 1 the tag's `error` event (or it could not be inserted); 2 it loaded without defining
// window.Fintoc; 3 neither before the timeout; 4 the URL is invalid (`text` says why); 5 there is
// no document (a worker-like global) to put a tag in; 6 the page's Content-Security-Policy
// refused it (a fourth element: the directive). For 0-3
// `text` is the absolute URL; `timeoutMs` is the timeout of the load that ran (callers joining a
// load share its timer).
export function loadScript(url, nonce, timeoutMs) {
  if (typeof document === 'undefined') return Promise.resolve([5, '', timeoutMs]);
  var abs;
  try {
    abs = new URL(url, window.location.href).href;
  } catch (e) {
    return Promise.resolve([4, String((e && e.message) || e), timeoutMs]);
  }
  var key = scriptKey(abs);
  var pending = registry.loads.get(key);
  if (pending && !(pending.loaded && !hasFintoc())) return pending;
  // No load yet, or one that succeeded but the page has since lost window.Fintoc (a teardown,
  // another script): load again, with a tag of our own.
  if (pending) registry.dead.add(key);
  var script = null;
  var foreign = false;
  if (!registry.dead.has(key)) {
    var tags = document.querySelectorAll('script[src]');
    for (var i = 0; i < tags.length && !script; i++) {
      var tag = tags[i];
      if (runnable(tag.getAttribute('type') || '', tag.hasAttribute('nomodule')) && scriptKey(tag.src) === key) {
        script = tag;
        foreign = true;
      }
    }
  }
  if (!script) {
    try {
      script = document.createElement('script');
      script.src = abs;
      script.async = true;
      script.setAttribute('data-fintoc-wasm', '');
      if (nonce != null) script.setAttribute('nonce', nonce);
      (document.head || document.body || document.documentElement).appendChild(script);
    } catch (e) {
      return Promise.resolve([1, abs, timeoutMs]);
    }
  }
  // Once the page has finished loading, a tag of its own HTML has run or failed already, and a
  // failure happened before anyone listened: such a tag gets a short grace for its global, then
  // the crate's own tag is tried in the same load instead of waiting out the whole timeout.
  var grace = foreign && document.readyState === 'complete' && timeoutMs > PAGE_TAG_GRACE_MS;
  // The page's Content-Security-Policy refusing this URL: reported as such (code 6, with the
  // directive), not as a network error. Browsers report a cross-origin URL as its origin.
  var csp = null;
  function violation(e) {
    var blocked = String(e.blockedURI || '');
    if (blocked === abs.split('#')[0] || blocked === new URL(abs).origin) {
      csp = String(e.effectiveDirective || e.violatedDirective || 'script-src');
    }
  }
  document.addEventListener('securitypolicyviolation', violation);
  var load = watchScript(script, grace ? PAGE_TAG_GRACE_MS : timeoutMs).then(function (code) {
    document.removeEventListener('securitypolicyviolation', violation);
    if (hasFintoc()) {
      load.loaded = true;
      return [0, abs, timeoutMs];
    }
    if (csp !== null) {
      if (!foreign) script.remove();
      if (registry.loads.get(key) === load) registry.loads.delete(key);
      return [6, abs, timeoutMs, csp];
    }
    if (foreign) registry.dead.add(key);
    else script.remove();
    // Only this load's own entry: a newer load of the same script may have replaced it.
    if (registry.loads.get(key) === load) registry.loads.delete(key);
    if (grace && code !== 1) return loadScript(url, nonce, timeoutMs);
    return [code === 0 ? 2 : code, abs, timeoutMs];
  });
  registry.loads.set(key, load);
  return load;
}

// Watches a <script> until window.Fintoc exists. Resolves with 0 (window.Fintoc is there),
// 1 (the tag's `error` event), 2 (the tag loaded but window.Fintoc did not appear before the
// timeout) or 3 (neither `load` nor `error` before the timeout). The global is polled too: a
// tag the page wrote may have fired `load` already, and a script may define the global a moment
// after its `load`.
function watchScript(script, timeoutMs) {
  return new Promise(function (resolve) {
    var loaded = false;
    var poll, timer;
    function done(code) {
      clearInterval(poll);
      clearTimeout(timer);
      script.removeEventListener('load', onLoad);
      script.removeEventListener('error', onError);
      resolve(code);
    }
    function onLoad() {
      loaded = true;
      if (hasFintoc()) done(0);
    }
    function onError() {
      // The policy violation that may have caused it is reported in a task of its own: give
      // it a moment to arrive before calling this a network error.
      setTimeout(function () {
        done(1);
      }, 20);
    }
    script.addEventListener('load', onLoad);
    script.addEventListener('error', onError);
    poll = setInterval(function () {
      if (hasFintoc()) done(0);
    }, 50);
    timer = setTimeout(function () {
      done(loaded ? 2 : 3);
    }, timeoutMs);
  });
}

// ---------------------------------------------------------------------------------------------
// 3. The session request
// Fetching the session and reading its JSON with the browser's own parsers (the decisions —
// which token, expiry and redirect URL a session may use — stay in Rust: src/session/).

// Starts a fetch. `headers` is [name, value, name, value, …]; `body` a string or undefined.
// Returns { done, abort }: `done` resolves with [status, text] or rejects with [kind, message]
// (kind 0: the request could not be built, 1: network, 2: timed out); `abort()` cancels it
// (the Rust future was dropped).
export function startFetch(url, method, headers, body, credentials, timeoutMs) {
  var controller = new AbortController();
  var timedOut = false;
  var timer = setTimeout(function () {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  function message(e) {
    return String((e && e.message) || e);
  }
  var done;
  try {
    var h = new Headers();
    for (var i = 0; i + 1 < headers.length; i += 2) h.append(headers[i], headers[i + 1]);
    var init = { method: method, headers: h, credentials: credentials, signal: controller.signal };
    if (body !== undefined) init.body = body;
    done = fetch(url, init)
      .then(function (response) {
        return response.text().then(function (text) {
          return [response.status, text];
        });
      })
      .then(
        function (ok) {
          clearTimeout(timer);
          return ok;
        },
        function (e) {
          clearTimeout(timer);
          throw [timedOut ? 2 : 1, message(e)];
        }
      );
  } catch (e) {
    clearTimeout(timer);
    done = Promise.reject([0, message(e)]);
  }
  return {
    done: done,
    abort: function () {
      clearTimeout(timer);
      controller.abort();
    }
  };
}

// `text` as JSON, or undefined when it is not JSON. (Never throws: a wasm-bindgen import that
// throws while returning a value leaks a slot of the wasm's value table.)
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (_) {
    return undefined;
  }
}

// The fields the crate reads from a session endpoint's JSON, before Rust checks them:
// [token, expiresInSeconds, expiresAtMs, redirectUrl] (undefined where absent or of another
// type), or null when `text` is not JSON. Natively, src/session/response.rs reads the same
// fields with serde_json; tests/data/session-fields.json holds the cases both must agree on.
export function readSession(text) {
  var o;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return null;
  }
  if (o === null || typeof o !== 'object') o = {};
  // Own properties only: a page that polluted Object.prototype cannot supply a field.
  function get(k) {
    return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
  }
  function str(k) {
    return typeof get(k) === 'string' ? get(k) : undefined;
  }
  function num(v) {
    return typeof v === 'number' && isFinite(v) ? v : undefined;
  }
  function either(a, b) {
    return get(a) != null ? get(a) : get(b);
  }
  var at = either('expires_at', 'expiresAt');
  return [
    str('session_token') !== undefined ? str('session_token') : str('sessionToken'),
    num(either('expires_in', 'expiresIn')),
    typeof at === 'string' ? rfc3339(at) : num(at) === undefined ? undefined : at * 1000,
    str('redirect_url') !== undefined ? str('redirect_url') : str('redirectUrl')
  ];
}

// The first `max` characters of a response body for an error message, ASCII whitespace
// collapsed; what looks like a Fintoc token (`…_sec_…`) or a secret key (`sk_live_…`,
// `sk_test_…`) reads `[redacted]`: these messages reach consoles, `on_error` and error trackers.
// Natively src/error.rs does the same; tests/data/session-fields.json holds the cases.
export function excerpt(text, max) {
  var out = String(text)
    .split(/[\t\n\f\r ]+/)
    .filter(Boolean)
    .join(' ')
    .replace(/[A-Za-z0-9_-]+/g, function (run) {
      return /_sec_|^sk_(live|test)_/.test(run) ? '[redacted]' : run;
    });
  var chars = Array.from(out);
  return chars.length > max ? chars.slice(0, max).join('') + '\u2026' : out;
}

// `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)` (RFC 3339; `t` or a space for `T`, `z` for `Z`) in
// Unix milliseconds, or undefined (a day its month lacks rolls into another: refused). Stricter
// than Date.parse, which guesses at other shapes and reads a time without an offset as local time.
var TIME = /^[\t\n\f\r ]*(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:[Zz]|([+-])(\d\d):(\d\d))[\t\n\f\r ]*$/;

export function rfc3339(s) {
  var m = TIME.exec(s);
  if (!m) return undefined;
  var month = +m[2], hour = +m[4], minute = +m[5], second = +m[6];
  var t = new Date(0);
  t.setUTCFullYear(+m[1], month - 1, +m[3]);
  if (t.getUTCMonth() != month - 1 || hour > 23 || minute > 59 || second > 60 || m[9] > 23 || m[10] > 59) {
    return undefined;
  }
  var offset = m[8] ? (m[8] === '-' ? -1 : 1) * (+m[9] * 60 + +m[10]) : 0;
  t.setUTCHours(hour, minute - offset, second, m[7] ? +(m[7] + '00').slice(0, 3) : 0);
  return t.getTime();
}
