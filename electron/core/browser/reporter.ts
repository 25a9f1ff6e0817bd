// The page side of the Browser pane: two small scripts the proxy injects into every HTML page of
// the lab's web UI, around the lab's (or learner's) own injected scripts:
//
//   <script src="/__chaos-lab/reporter.js">   first: keeps the browser's own fetch for reporting,
//                                             listens for uncaught errors, error banners
//                                             (role="alert") and parts stuck loading (aria-busy)
//   <script src="/__chaos-lab/inject/N.js">   the injected scripts, e.g. the learner's wrapper
//   <script src="/__chaos-lab/observe.js">    last: wraps XMLHttpRequest and fetch OUTSIDE any
//                                             injected wrapper, so it measures what the page's
//                                             code experiences: an injected delay is part of the
//                                             duration, an injected failure is a failure
//
// Events go back to the proxy (same origin: no CORS) in small batches, through the fetch saved
// before any injected script ran, so a learner's wrapper never delays or fails the reports.
// Plain ES2017 in strings: this code runs in the page, not in Node, and must not be transpiled.

export const REPORTER_PREFIX = '/__chaos-lab/'
/** An element busy this long (aria-busy="true") counts as stuck. */
export const STUCK_AFTER_MS = 3000

export const EARLY_SCRIPT = `(function () {
  'use strict';
  if (window.__chaosLab) return;
  var nativeFetch = window.fetch;
  var toSource = Function.prototype.toString;
  function isNative(fn) {
    try { return typeof fn === 'function' && /\\{\\s*\\[native code\\]\\s*\\}\\s*$/.test(toSource.call(fn)); } catch (e) { return false; }
  }
  var page = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
  var queue = [];
  var timer = null;
  function flush() {
    timer = null;
    while (queue.length) {
      var body = JSON.stringify({ events: queue.splice(0, 100) });
      nativeFetch.call(window, '${REPORTER_PREFIX}events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body, keepalive: true, credentials: 'omit' }).catch(function () {});
    }
  }
  function report(event) {
    event.page = page;
    if (event.at === undefined) event.at = Date.now();
    queue.push(event);
    if (!timer) timer = setTimeout(flush, 100);
  }
  function describe(value) {
    if (value && typeof value === 'object' && 'message' in value) return (value.name || 'Error') + ': ' + value.message;
    return String(value);
  }
  window.addEventListener('pagehide', flush);
  window.addEventListener('error', function (e) {
    report({ kind: 'error', source: 'error', message: e.error ? describe(e.error) : String(e.message), where: (e.filename || '').replace(location.origin, '') + ':' + (e.lineno || 0) });
  });
  window.addEventListener('unhandledrejection', function (e) {
    report({ kind: 'error', source: 'rejection', message: describe(e.reason), where: '' });
  });

  // Error banners: any role="alert" element that becomes visible with text.
  var shown = new Map();
  function scanAlerts() {
    var alerts = document.querySelectorAll('[role="alert"]');
    for (var i = 0; i < alerts.length; i++) {
      var el = alerts[i];
      var visible = !el.hidden && el.getClientRects().length > 0;
      var text = visible ? (el.innerText || el.textContent || '').trim() : '';
      if (text && shown.get(el) !== text) report({ kind: 'ui-error', text: text });
      shown.set(el, text);
    }
  }
  var scanQueued = false;
  new MutationObserver(function () {
    if (scanQueued) return;
    scanQueued = true;
    setTimeout(function () { scanQueued = false; scanAlerts(); }, 30);
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden', 'style', 'class', 'role'] });

  // Parts of the page stuck loading: aria-busy="true" for longer than ${STUCK_AFTER_MS} ms.
  var busy = new Map();
  setInterval(function () {
    var now = Date.now();
    var seen = new Set(document.querySelectorAll('[aria-busy="true"]'));
    seen.forEach(function (el) {
      var entry = busy.get(el);
      if (!entry) busy.set(el, (entry = { since: now, reported: false }));
      if (!entry.reported && now - entry.since >= ${STUCK_AFTER_MS}) {
        entry.reported = true;
        entry.label = el.getAttribute('aria-label') || el.id || el.tagName.toLowerCase();
        report({ kind: 'stuck', label: entry.label });
      }
    });
    busy.forEach(function (entry, el) {
      if (seen.has(el)) return;
      if (entry.reported) report({ kind: 'unstuck', label: entry.label });
      busy.delete(el);
    });
  }, 500);

  // The core can ask every page of the lab to reload (after a fault or a Skip changes the scripts).
  try {
    new EventSource('${REPORTER_PREFIX}control').addEventListener('reload', function () { location.reload(); });
  } catch (e) {}

  window.__chaosLab = { page: page, report: report, isNative: isNative, flush: flush };
})();
`

export const LATE_SCRIPT = `(function () {
  'use strict';
  var lab = window.__chaosLab;
  if (!lab || lab.observing) return;
  lab.observing = true;
  var me = document.currentScript;
  var scripts = ((me && me.getAttribute('data-scripts')) || '').split(',').filter(Boolean);
  var wrapped = { xhr: !lab.isNative(XMLHttpRequest.prototype.send), fetch: !lab.isNative(window.fetch) };
  function path(url) {
    try { var u = new URL(String(url), location.href); return u.origin === location.origin ? u.pathname + u.search : u.href; } catch (e) { return String(url); }
  }
  function loaded() {
    lab.report({ kind: 'load', url: location.pathname + location.search + location.hash, title: document.title, wrapped: wrapped, scripts: scripts });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', loaded);
  else loaded();

  var proto = XMLHttpRequest.prototype;
  var innerOpen = proto.open;
  var innerSend = proto.send;
  proto.open = function (method, url) {
    this.__chaosLabRequest = { method: String(method).toUpperCase(), url: path(url) };
    return innerOpen.apply(this, arguments);
  };
  proto.send = function () {
    var xhr = this;
    var info = xhr.__chaosLabRequest || { method: 'GET', url: '?' };
    var started = performance.now();
    var at = Date.now();
    var done = false;
    function finish(outcome, error) {
      if (done) return;
      done = true;
      var status = outcome === 'ok' || outcome === 'http-error' ? xhr.status : null;
      lab.report({ kind: 'request', at: at, api: 'xhr', method: info.method, url: info.url, ms: performance.now() - started, status: status, outcome: outcome, error: error });
    }
    xhr.addEventListener('load', function () { finish(xhr.status >= 400 ? 'http-error' : 'ok', null); });
    xhr.addEventListener('error', function () { finish('failed', 'the request failed before any response (error event)'); });
    xhr.addEventListener('abort', function () { finish('aborted', 'aborted'); });
    xhr.addEventListener('timeout', function () { finish('timeout', 'timed out'); });
    try {
      return innerSend.apply(this, arguments);
    } catch (e) {
      finish('failed', (e && e.name ? e.name + ': ' : '') + (e && e.message ? e.message : String(e)));
      throw e;
    }
  };

  var innerFetch = window.fetch;
  window.fetch = function (input, init) {
    var started = performance.now();
    var at = Date.now();
    var method = String((init && init.method) || (input && typeof input === 'object' && input.method) || 'GET').toUpperCase();
    var url = path(input && typeof input === 'object' && 'url' in input ? input.url : input);
    function record(status, outcome, error) {
      lab.report({ kind: 'request', at: at, api: 'fetch', method: method, url: url, ms: performance.now() - started, status: status, outcome: outcome, error: error });
    }
    var result;
    try {
      result = innerFetch.apply(window, arguments);
    } catch (e) {
      record(null, 'failed', String(e));
      throw e;
    }
    return Promise.resolve(result).then(
      function (response) { record(response.status, response.status >= 400 ? 'http-error' : 'ok', null); return response; },
      function (e) { record(null, e && e.name === 'AbortError' ? 'aborted' : 'failed', (e && e.name ? e.name + ': ' : '') + (e && e.message ? e.message : String(e))); throw e; }
    );
  };
})();
`
