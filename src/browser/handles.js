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

// Only the checkout `id` pins: releasing a button another checkout holds would leave that one
// to the collector.
export function unpinHandle(button, id) {
  if (button.__fintocCheckout === handle(id)) delete button.__fintocCheckout;
}

// Whether another checkout than `id` holds `button`.
export function pinnedByOther(button, id) {
  var pinned = button.__fintocCheckout;
  return pinned !== undefined && pinned !== handle(id);
}
