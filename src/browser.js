// fintoc-wasm's browser side effects that are cheaper in JavaScript than through web-sys: each
// web-sys call is a binding in the wasm and a shim in the glue, and these two functions would
// need about thirty of them. The decisions (which tag to trust, what an outcome means, how a
// session is parsed) stay in Rust; this file only waits and fetches.

function hasFintoc() {
  var fintoc = window.Fintoc;
  return !!fintoc && typeof fintoc.create === 'function';
}

// Watches a <script> until window.Fintoc exists. Resolves with 0 (window.Fintoc is there),
// 1 (the tag's `error` event), 2 (the tag loaded but window.Fintoc did not appear before the
// timeout) or 3 (neither `load` nor `error` before the timeout). The global is polled too: a
// tag the page wrote may have fired `load` already, and a script may define the global a moment
// after its `load`.
export function watchScript(script, timeoutMs) {
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
      done(1);
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

// The JS side of a `Checkout` handle's lifetime (see src/js.rs). The garbage collector must
// never cancel a payment: a pending open()/prepare() and an attached button keep the handle
// reachable; `using` / [Symbol.dispose]() destroys it (the handle itself then only answers
// with a clear `destroyed` error, and the collector frees it).
const handles = new Map(); // id -> WeakRef(handle): no strong reference from here
const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(function (id) { handles.delete(id); })
  : null;

export function registerHandle(id, handle) {
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

// An attached button keeps its checkout alive (like any listener keeps its closure).
export function pinHandle(button, id) {
  button.__fintocCheckout = handle(id);
}

export function unpinHandle(button) {
  delete button.__fintocCheckout;
}
