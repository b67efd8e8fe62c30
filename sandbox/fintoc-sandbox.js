/*
 * fintoc-wasm sandbox: an offline stand-in for https://js.fintoc.com/v1/.
 *
 * The one copy used by the crate's tests, the `testing` feature and the demo server.
 * It mimics the documented widget contract
 * (https://docs.fintoc.com/docs/resources/widget/web-integration):
 *   window.Fintoc.create(options) -> { open(), hide(), close(), destroy() }
 *   options: publicKey, product, sessionToken | widgetToken, holderType, country,
 *            institutionId, username, onSuccess(payload?), onExit(), onEvent(name, metadata)
 * `create` embeds a hidden <iframe>; `open` shows it; `destroy` removes it.
 * The iframe's content is built from the parent through the DOM and styled through CSSOM
 * (a constructed stylesheet): no inline scripts, so it runs on pages with a strict
 * Content-Security-Policy.
 *
 * window.FintocSandbox drives it without clicks (tests): widgets, createCount, log (lifecycle
 * in order: "create:1", "open:1", "destroy:1", …), current(), selectBank(id), succeed(),
 * fail(reason), exit(), emit(name, metadata), reset().
 */
(function () {
  'use strict';
  if (window.Fintoc && window.Fintoc.sandbox === true) {
    return;
  }

  var PRODUCTS = ['payments', 'movements', 'subscriptions', 'invoices'];
  var TOKEN_PRODUCTS = ['payments', 'subscriptions'];
  var COUNTRIES = ['cl', 'mx'];
  var HOLDER_TYPES = ['individual', 'business'];
  var BANKS = {
    cl: [
      { id: 'cl_banco_de_chile', name: 'Banco de Chile' },
      { id: 'cl_banco_estado', name: 'BancoEstado' },
      { id: 'cl_banco_santander', name: 'Banco Santander' },
      { id: 'cl_banco_bci', name: 'Bci' }
    ],
    mx: [
      { id: 'mx_banco_banamex', name: 'Citibanamex' },
      { id: 'mx_banco_bbva', name: 'BBVA México' },
      { id: 'mx_banco_santander', name: 'Santander México' }
    ]
  };

  var currentScript = document.currentScript;
  var reportUrl = null;
  try {
    if (currentScript && currentScript.src) {
      var scriptUrl = new URL(currentScript.src, location.href);
      var report = scriptUrl.searchParams.get('report');
      if (report) {
        reportUrl = new URL(report, scriptUrl).href;
      }
    }
  } catch (e) {
    reportUrl = null;
  }

  var widgets = [];
  var lifecycle = [];
  var nextId = 1;

  function note(what, widget) {
    lifecycle.push(what + ':' + widget.id);
  }

  function fail(message) {
    throw new Error('Fintoc (sandbox): ' + message);
  }

  function validate(options) {
    if (!options || typeof options !== 'object') {
      fail('Fintoc.create expects an options object');
    }
    if (typeof options.publicKey !== 'string' || options.publicKey === '') {
      fail('publicKey is required');
    }
    if (!/^pk_(test|live)_\S+$/.test(options.publicKey)) {
      fail('publicKey must be a public key (pk_test_… or pk_live_…)');
    }
    var product = options.product === undefined ? 'payments' : options.product;
    if (PRODUCTS.indexOf(product) < 0) {
      fail('unknown product "' + product + '"');
    }
    if (options.sessionToken !== undefined && options.widgetToken !== undefined) {
      fail('use either sessionToken or widgetToken, not both');
    }
    var token = options.sessionToken !== undefined ? options.sessionToken : options.widgetToken;
    if (TOKEN_PRODUCTS.indexOf(product) >= 0 && (typeof token !== 'string' || token === '')) {
      fail('sessionToken is required for product "' + product + '"');
    }
    if (options.country !== undefined && COUNTRIES.indexOf(options.country) < 0) {
      fail('country must be "cl" or "mx"');
    }
    if (options.holderType !== undefined && HOLDER_TYPES.indexOf(options.holderType) < 0) {
      fail('holderType must be "individual" or "business"');
    }
    ['onSuccess', 'onExit', 'onEvent'].forEach(function (name) {
      if (options[name] !== undefined && typeof options[name] !== 'function') {
        throw new TypeError('Fintoc (sandbox): ' + name + ' must be a function');
      }
    });
    return product;
  }

  function el(doc, tag, className, text) {
    var node = doc.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  var STYLE = [
    'body{margin:0;font:15px/1.4 system-ui,sans-serif;background:rgba(15,23,42,.55);}',
    '.card{max-width:380px;margin:8vh auto;background:#fff;border-radius:12px;padding:20px;',
    'box-shadow:0 10px 40px rgba(0,0,0,.3);}',
    '.top{display:flex;justify-content:space-between;align-items:center;}',
    '.badge{font-size:11px;background:#fde68a;border-radius:4px;padding:2px 6px;}',
    'h1{font-size:18px;margin:12px 0;}',
    'button{display:block;width:100%;margin:6px 0;padding:10px;border-radius:8px;',
    'border:1px solid #cbd5e1;background:#f8fafc;cursor:pointer;font:inherit;}',
    'button.primary{background:#2563eb;color:#fff;border-color:#2563eb;}',
    'button.danger{background:#fee2e2;border-color:#fca5a5;}',
    'button.close{width:auto;display:inline-block;margin:0;padding:2px 10px;}',
    '.muted{color:#64748b;font-size:13px;}'
  ].join('');

  function Widget(options, product) {
    this.id = nextId++;
    this.options = options;
    this.product = product;
    this.state = 'created'; // created | open | hidden | destroyed
    this.screen = 'banks'; // banks | authorize | failed | done
    this.institutionId = options.institutionId || null;
    this.calls = [];
    this.iframe = document.createElement('iframe');
    this.iframe.setAttribute('data-fintoc-sandbox', String(this.id));
    this.iframe.setAttribute('title', 'Fintoc (sandbox)');
    this.iframe.style.cssText =
      'position:fixed;inset:0;width:100%;height:100%;border:0;z-index:2147483647;display:none;';
    (document.body || document.documentElement).appendChild(this.iframe);
    note('create', this);
    this.render();
  }

  Widget.prototype.token = function () {
    return this.options.sessionToken !== undefined ? this.options.sessionToken : this.options.widgetToken;
  };

  Widget.prototype.country = function () {
    return this.options.country || 'cl';
  };

  Widget.prototype.emit = function (name, extra) {
    if (this.state === 'destroyed') {
      return;
    }
    var metadata = { timestamp: Date.now() };
    if (extra) {
      for (var key in extra) {
        if (Object.prototype.hasOwnProperty.call(extra, key)) {
          metadata[key] = extra[key];
        }
      }
    }
    this.calls.push({ type: 'event', name: name, metadata: metadata });
    if (typeof this.options.onEvent === 'function') {
      this.options.onEvent(name, metadata);
    }
  };

  Widget.prototype.emitLater = function (name, extra) {
    var self = this;
    setTimeout(function () {
      if (self.state === 'open') {
        self.emit(name, extra);
      }
    }, 0);
  };

  Widget.prototype.report = function (outcome) {
    if (!reportUrl || typeof fetch !== 'function') {
      return;
    }
    var body = JSON.stringify({
      session_token: this.token() || null,
      outcome: outcome,
      institution_id: this.institutionId
    });
    fetch(reportUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body })
      .catch(function () { /* the sandbox server may be gone; the UI does not depend on it */ });
  };

  Widget.prototype.render = function () {
    var doc = this.iframe.contentDocument;
    if (!doc || this.state === 'destroyed') {
      return;
    }
    var self = this;
    if (!this.styled) {
      this.styled = true;
      var view = doc.defaultView;
      try {
        var sheet = new view.CSSStyleSheet();
        sheet.replaceSync(STYLE);
        doc.adoptedStyleSheets = [sheet];
      } catch (e) {
        var style = doc.createElement('style');
        style.textContent = STYLE;
        doc.head.appendChild(style);
      }
    }
    doc.body.textContent = '';
    var card = el(doc, 'div', 'card');
    var top = el(doc, 'div', 'top');
    top.appendChild(el(doc, 'span', 'badge', 'SANDBOX · modo de prueba'));
    var close = el(doc, 'button', 'close', '×');
    close.setAttribute('aria-label', 'Cerrar');
    close.setAttribute('data-action', 'close');
    close.addEventListener('click', function () { self.exit(); });
    top.appendChild(close);
    card.appendChild(top);

    if (this.screen === 'banks') {
      card.appendChild(el(doc, 'h1', '', 'Elige tu banco'));
      (BANKS[this.country()] || BANKS.cl).forEach(function (bank) {
        var button = el(doc, 'button', 'bank', bank.name);
        button.setAttribute('data-institution', bank.id);
        button.addEventListener('click', function () { self.selectBank(bank.id); });
        card.appendChild(button);
      });
    } else if (this.screen === 'authorize') {
      card.appendChild(el(doc, 'h1', '', 'Autoriza el pago'));
      card.appendChild(el(doc, 'p', 'muted', 'Banco: ' + this.bankName() + '. Ningún dinero real se mueve.'));
      var pay = el(doc, 'button', 'primary', 'Pagar (simular éxito)');
      pay.setAttribute('data-action', 'succeed');
      pay.addEventListener('click', function () { self.succeed(); });
      var reject = el(doc, 'button', 'danger', 'Simular rechazo del banco');
      reject.setAttribute('data-action', 'fail');
      reject.addEventListener('click', function () { self.failPayment('insufficient_funds'); });
      card.appendChild(pay);
      card.appendChild(reject);
    } else if (this.screen === 'failed') {
      card.appendChild(el(doc, 'h1', '', 'El pago fue rechazado'));
      card.appendChild(el(doc, 'p', 'muted', 'Motivo simulado: ' + (this.failReason || 'error')));
      var back = el(doc, 'button', '', 'Cerrar');
      back.setAttribute('data-action', 'close');
      back.addEventListener('click', function () { self.exit(); });
      card.appendChild(back);
    } else {
      card.appendChild(el(doc, 'h1', '', '¡Listo!'));
    }
    doc.body.appendChild(card);
  };

  Widget.prototype.bankName = function () {
    var id = this.institutionId;
    var all = BANKS.cl.concat(BANKS.mx);
    for (var i = 0; i < all.length; i++) {
      if (all[i].id === id) {
        return all[i].name;
      }
    }
    return id || '—';
  };

  Widget.prototype.requireOpen = function (what) {
    if (this.state !== 'open') {
      fail('cannot ' + what + ': the widget is ' + this.state + ', not open');
    }
  };

  // --- the public widget methods -------------------------------------------------------

  Widget.prototype.open = function () {
    if (this.state === 'destroyed') {
      fail('this widget was destroyed; call Fintoc.create again');
    }
    if (this.state === 'open') {
      return;
    }
    this.state = 'open';
    note('open', this);
    this.screen = this.institutionId ? 'authorize' : 'banks';
    this.render();
    this.iframe.style.display = 'block';
    this.emitLater('opened');
    if (this.screen === 'banks') {
      this.emitLater('on_available_institutions', {
        institutions: (BANKS[this.country()] || BANKS.cl).map(function (b) { return b.id; })
      });
    } else {
      this.emitLater('on_authentication_form', { institutionId: this.institutionId });
    }
  };

  Widget.prototype.hide = function () {
    if (this.state === 'destroyed') {
      fail('this widget was destroyed');
    }
    if (this.state === 'open') {
      this.state = 'hidden';
      note('hide', this);
      this.iframe.style.display = 'none';
    }
  };

  // @fintoc/fintoc-js's types call it close().
  Widget.prototype.close = Widget.prototype.hide;

  Widget.prototype.destroy = function () {
    if (this.state === 'destroyed') {
      return;
    }
    var wasOpen = this.state === 'open';
    // Like a widget torn down mid-flow, tell the page the user left before removing it.
    if (wasOpen) {
      this.calls.push({ type: 'exit', during: 'destroy' });
      if (typeof this.options.onExit === 'function') {
        this.options.onExit();
      }
    }
    this.state = 'destroyed';
    note('destroy', this);
    if (this.iframe.parentNode) {
      this.iframe.parentNode.removeChild(this.iframe);
    }
  };

  // --- user actions (clicks call these; tests call them through window.FintocSandbox) ---

  Widget.prototype.selectBank = function (institutionId) {
    this.requireOpen('select a bank');
    this.institutionId = institutionId;
    this.screen = 'authorize';
    this.render();
    this.emit('on_authentication_form', { institutionId: institutionId });
  };

  Widget.prototype.succeed = function () {
    this.requireOpen('succeed');
    if (!this.institutionId) {
      this.institutionId = (BANKS[this.country()] || BANKS.cl)[0].id;
    }
    this.emit('payment_in_progress', { institutionId: this.institutionId });
    this.emit('payment_created', { institutionId: this.institutionId });
    this.screen = 'done';
    this.state = 'hidden';
    note('succeed', this);
    this.iframe.style.display = 'none';
    this.report('succeeded');
    var payload;
    if (this.product === 'movements') {
      payload = { id: 'li_sandbox_' + this.id, object: 'link_intent', exchangeToken: 'li_sandbox_' + this.id + '_sec_exchange' };
    }
    this.calls.push({ type: 'success', payload: payload });
    if (typeof this.options.onSuccess === 'function') {
      this.options.onSuccess(payload);
    }
  };

  Widget.prototype.failPayment = function (reason) {
    this.requireOpen('fail');
    this.failReason = reason || 'insufficient_funds';
    note('fail', this);
    this.screen = 'failed';
    this.render();
    this.report('failed');
    this.emit('payment_error', { reason: this.failReason, institutionId: this.institutionId });
  };

  Widget.prototype.exit = function () {
    this.requireOpen('exit');
    this.state = 'hidden';
    note('exit', this);
    this.iframe.style.display = 'none';
    if (this.screen !== 'failed') {
      this.report('exited');
    }
    this.emit('closed');
    this.calls.push({ type: 'exit' });
    if (typeof this.options.onExit === 'function') {
      this.options.onExit();
    }
  };

  function publicHandle(widget) {
    return {
      open: function () { widget.open(); },
      hide: function () { widget.hide(); },
      close: function () { widget.close(); },
      destroy: function () { widget.destroy(); }
    };
  }

  function current() {
    for (var i = widgets.length - 1; i >= 0; i--) {
      if (widgets[i].state !== 'destroyed') {
        return widgets[i];
      }
    }
    return null;
  }

  function target(id) {
    var widget = null;
    if (id === undefined || id === null) {
      widget = current();
    } else {
      widgets.forEach(function (w) { if (w.id === id) { widget = w; } });
    }
    if (!widget) {
      fail('no sandbox widget to drive');
    }
    return widget;
  }

  window.Fintoc = {
    sandbox: true,
    version: 'sandbox',
    create: function (options) {
      var product = validate(options);
      var widget = new Widget(options, product);
      widgets.push(widget);
      return publicHandle(widget);
    }
  };

  window.FintocSandbox = {
    banks: BANKS,
    reportUrl: reportUrl,
    get widgets() { return widgets.slice(); },
    get createCount() { return widgets.length; },
    get log() { return lifecycle.slice(); },
    current: current,
    selectBank: function (institutionId, id) { target(id).selectBank(institutionId); },
    succeed: function (id) { target(id).succeed(); },
    fail: function (reason, id) { target(id).failPayment(reason); },
    exit: function (id) { target(id).exit(); },
    emit: function (name, metadata, id) { target(id).emit(name, metadata); },
    reset: function () {
      widgets.forEach(function (w) {
        w.options = {};
        w.destroy();
      });
      widgets = [];
      lifecycle = [];
    }
  };
})();
