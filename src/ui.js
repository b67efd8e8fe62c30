// The checkout's DOM for adapters that mount into an element (the Leptos component): what the
// shopper sees is decided in Rust (fintoc_wasm::ui::view); this file only makes the DOM say it.
// Nodes are reused, so the pay button keeps its focus across states.
//
// The markup (the same as the Yew component's):
//   <div class="fintoc-checkout fintoc-checkout--{state} {extra}" data-state="{state}">
//     <div class="fintoc-checkout__error" role="alert">            (on failure)
//       <p class="fintoc-checkout__error-message">…</p>
//       <button type="button" class="fintoc-checkout__retry">…</button>        (if retrying helps)
//       <a class="fintoc-checkout__fallback" href="…" rel="noopener">…</a>   (hosted page)
//     </div>
//     <button type="button" class="fintoc-checkout__button" aria-busy="…">
//       <span class="fintoc-checkout__label">label, or the shop's own content</span>
//       (opening: <span class="fintoc-checkout__spinner" aria-hidden="true"></span>
//                 <span class="fintoc-checkout__label">Preparando el pago…</span>)
//     </button>
//     <p class="fintoc-checkout__status" role="status">…</p>        (after success or exit)
//   </div>
// The framework renders the root, the button and its label span (the same on the server, so
// hydration matches); from then on this file owns their attributes and the other nodes. The
// label span (the framework's, with the shop's content) is only ever moved, never rebuilt. The
// root's `class` is rewritten on every state: the component's `class` prop is how a shop adds
// its own classes.

function element(tag, cls, text) {
  var e = document.createElement(tag);
  e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

// Starts drawing into `root`. `act(code)` is how the shopper's intent reaches Rust: 0 the pay
// button was clicked, 1 the pointer entered it or it got focus, 2 the retry button was clicked.
export function mountView(root, act) {
  var button = root.querySelector('.fintoc-checkout__button');
  var m = {
    root: root,
    button: button,
    label: button && button.querySelector('.fintoc-checkout__label'),
    busy: null, // [spinner, label] while opening
    error: null,
    errorKey: null,
    status: null,
    off: []
  };
  function listen(target, type, handler) {
    target.addEventListener(type, handler);
    m.off.push(function () {
      target.removeEventListener(type, handler);
    });
  }
  if (button) {
    listen(button, 'click', function () {
      act(0);
    });
    var intent = function () {
      act(1);
    };
    listen(button, 'pointerenter', intent);
    listen(button, 'focus', intent);
  }
  listen(root, 'click', function (e) {
    var t = e.target;
    if (t && t.closest && m.error && m.error.contains(t) && t.closest('.fintoc-checkout__retry')) act(2);
  });
  return m;
}

// No more calls to `act`: the Rust side is going away.
export function unmountView(m) {
  m.off.forEach(function (f) {
    f();
  });
  m.off = [];
}

// Draws one state. `label` (when not undefined) replaces the label span's text (no shop
// content); `preparing` is the text while busy; `error`, `retry`, `fallback`, `status` are
// undefined when absent.
export function drawView(m, rootClass, state, showButton, busy, disabled, label, preparing, error, retry, fallback, fallbackText, status) {
  var root = m.root;
  var button = m.button;
  if (root.className !== rootClass) root.className = rootClass;
  root.setAttribute('data-state', state);

  var key = error === undefined ? null : [error, retry, fallback, fallbackText].join('\u0000');
  if (key !== m.errorKey) {
    if (m.error) m.error.remove();
    m.error = null;
    if (error !== undefined) {
      var box = element('div', 'fintoc-checkout__error');
      box.setAttribute('role', 'alert');
      box.appendChild(element('p', 'fintoc-checkout__error-message', error));
      if (retry !== undefined) {
        var again = element('button', 'fintoc-checkout__retry', retry);
        again.type = 'button';
        box.appendChild(again);
      }
      if (fallback !== undefined) {
        var link = element('a', 'fintoc-checkout__fallback', fallbackText);
        link.href = fallback;
        link.rel = 'noopener';
        box.appendChild(link);
      }
      root.insertBefore(box, root.firstChild);
      m.error = box;
    }
    m.errorKey = key;
  }

  if (button) {
    if (!showButton) {
      button.remove();
    } else {
      // Before the status line when it is still ours in the root (shop code or an extension
      // may have moved it), else at the end.
      if (!button.parentNode) root.insertBefore(button, m.status && m.status.parentNode === root ? m.status : null);
      button.disabled = busy || disabled;
      button.setAttribute('aria-busy', busy ? 'true' : 'false');
      if (busy && !m.busy) {
        if (m.label) m.label.remove();
        m.busy = [element('span', 'fintoc-checkout__spinner'), element('span', 'fintoc-checkout__label', preparing)];
        m.busy[0].setAttribute('aria-hidden', 'true');
        button.appendChild(m.busy[0]);
        button.appendChild(m.busy[1]);
      } else if (busy && m.busy[1].textContent !== preparing) {
        m.busy[1].textContent = preparing; // opening, then on the way to the hosted page
      } else if (!busy && m.busy) {
        m.busy[0].remove();
        m.busy[1].remove();
        m.busy = null;
        if (m.label) button.appendChild(m.label);
      }
      if (m.label && label !== undefined && m.label.textContent !== label) m.label.textContent = label;
    }
  }

  if (status === undefined) {
    if (m.status) m.status.remove();
    m.status = null;
  } else {
    if (!m.status) {
      m.status = element('p', 'fintoc-checkout__status');
      m.status.setAttribute('role', 'status');
      root.appendChild(m.status);
    }
    if (m.status.textContent !== status) m.status.textContent = status;
  }
}
