/* keydesk pages: shared helpers (i18n, DOM building, API client, staff session).
 * Rule of this code base: data goes into the DOM with textContent / attributes only,
 * never as markup, so anything a buyer types shows as text. */
(function () {
  'use strict';
  var DICT = window.KD_I18N || { en: {} };
  var LANG_KEY = 'keydesk.lang';
  var TOKEN_KEY = 'keydesk.staff';

  function detectLang() {
    var saved = null;
    try { saved = localStorage.getItem(LANG_KEY); } catch (e) { /* storage disabled */ }
    if (saved && DICT[saved]) return saved;
    var nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
    return /^zh/i.test(nav) ? 'zh-CN' : 'en';
  }

  var lang = detectLang();

  /** t returns the text of key in the current language, {name} placeholders filled. */
  function t(key, vars) {
    var s = (DICT[lang] && DICT[lang][key]);
    if (s === undefined) s = DICT.en[key];
    if (s === undefined) s = key;
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] === undefined ? m : String(vars[k]); });
    }
    return s;
  }

  /** applyI18n translates data-i18n (text), data-i18n-placeholder and data-i18n-aria. */
  function applyI18n(root) {
    root = root || document;
    document.documentElement.lang = lang;
    root.querySelectorAll('[data-i18n]').forEach(function (n) { n.textContent = t(n.getAttribute('data-i18n')); });
    root.querySelectorAll('[data-i18n-placeholder]').forEach(function (n) { n.setAttribute('placeholder', t(n.getAttribute('data-i18n-placeholder'))); });
    root.querySelectorAll('[data-i18n-aria]').forEach(function (n) { n.setAttribute('aria-label', t(n.getAttribute('data-i18n-aria'))); });
    root.querySelectorAll('[data-i18n-title]').forEach(function (n) { n.setAttribute('title', t(n.getAttribute('data-i18n-title'))); });
  }

  var langListeners = [];
  function setLang(l) {
    if (!DICT[l]) return;
    lang = l;
    try { localStorage.setItem(LANG_KEY, l); } catch (e) { /* ignore */ }
    applyI18n(document);
    drawConn();
    langListeners.forEach(function (f) { f(l); });
  }

  /** el builds an element. attrs: text, i18n, class, dataset-like data-*, on<event>, hidden,
   * any other attribute. Children: nodes or strings (added as text). */
  function el(tag, attrs) {
    var n = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') n.textContent = String(v);
      else if (k === 'i18n') { n.setAttribute('data-i18n', v); n.textContent = t(v); }
      else if (k === 'class') n.className = v;
      else if (k.slice(0, 2) === 'on' && typeof v === 'function') n.addEventListener(k.slice(2), v);
      else if (k === 'hidden') n.hidden = !!v;
      else if (k === 'value') n.value = v;
      else if (k === 'checked') n.checked = !!v;
      else if (k === 'disabled') n.disabled = !!v;
      else n.setAttribute(k, v === true ? '' : String(v));
    });
    for (var i = 2; i < arguments.length; i++) append(n, arguments[i]);
    return n;
  }
  function append(n, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(n, x); }); return; }
    n.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); return n; }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  /* ---------- API ---------- */

  /** ApiError carries the API's error shape {error:{code,message,fields}}. */
  function ApiError(status, body) {
    var e = (body && body.error) || {};
    this.status = status;
    this.code = e.code || ('http_' + status);
    this.message = e.message || t('err.generic');
    this.fields = e.fields || {};
    this.retryAfter = 0;
  }
  ApiError.prototype = Object.create(Error.prototype);

  /** api calls /api/v1 + path. opts: method, body (JSON), raw + contentType (a non-JSON
   * body), token (bearer), staff (use the staff session), idem (Idempotency-Key), headers,
   * query (object). Resolves the decoded JSON (null on 204). A staff call answered 401 first
   * tries the refresh token once, then sends the user to /login. */
  /* Device id (issue 12): a random id ("kd-" + 32 hex) this browser keeps in localStorage
   * and buyer pages send with every buyer request (X-Keydesk-Device), so the shop's fraud
   * check can tell one device from another. It identifies nothing but this browser; the
   * privacy note on the buyer pages says so. Staff calls never carry it. */
  var DEVICE_KEY = 'keydesk.device', sendDevice = false;
  function deviceId() {
    var id = '';
    try { id = localStorage.getItem(DEVICE_KEY) || ''; } catch (e) { id = ''; }
    if (!/^kd-[0-9a-f]{32}$/.test(id)) {
      var b = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(b);
      id = 'kd-' + Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
      try { localStorage.setItem(DEVICE_KEY, id); } catch (e) { /* private mode: per page */ }
    }
    return id;
  }
  /** useDeviceId makes every non-staff api call of this page carry the device id. */
  function useDeviceId() { sendDevice = true; return deviceId(); }
  /** deviceHeaders adds the device header to headers when the page uses it. */
  function deviceHeaders(headers) {
    if (sendDevice) headers['X-Keydesk-Device'] = deviceId();
    return headers;
  }

  /* ---------- requests in flight and the connection (issue 16) ----------
   * A request that takes more than 300 ms shows a thin progress bar at the top (and "loading"
   * for screen readers). A request that cannot reach the server, or is answered 502/503/504,
   * shows a banner at the top of the page saying what the reader sees may be out of date, with
   * the time of the last answer; polling pages keep retrying, and the banner goes when an
   * answer comes back ("connected again" is announced). Pages listen with KD.onConn. */
  var inflight = 0, slowTimer = null, conn = 'ok', lastOk = null, connListeners = [];
  var scheduled = 0; // debounced calls waiting for their timer (see debounce)
  function progressBar() {
    var n = document.getElementById('kd-progress');
    if (!n && document.body) {
      n = el('div', { id: 'kd-progress', class: 'kd-progress', hidden: true }, el('span', { class: 'sr-only', role: 'status', i18n: 'common.loading' }));
      document.body.appendChild(n);
    }
    return n;
  }
  function reqStart() {
    inflight++;
    if (inflight === 1) slowTimer = setTimeout(function () { var b = progressBar(); if (b && inflight) b.hidden = false; }, 300);
  }
  function reqEnd() {
    inflight = Math.max(0, inflight - 1);
    if (!inflight) { clearTimeout(slowTimer); var b = document.getElementById('kd-progress'); if (b) b.hidden = true; }
  }
  /** pending answers how many of the page's API requests are in flight or about to start
   * (a debounced call waiting for its timer, such as the form's help-article suggestions):
   * browser tests wait for none before clicking, since an answer can move the page under the
   * pointer. */
  function pending() { return inflight + scheduled; }
  function connBanner() {
    var n = document.getElementById('conn-banner');
    var main = document.querySelector('main');
    if (!n && main) {
      n = el('div', { id: 'conn-banner', class: 'conn-banner', role: 'alert', hidden: true });
      main.insertBefore(n, main.firstChild);
    }
    return n;
  }
  function drawConn() {
    var n = conn === 'ok' ? document.getElementById('conn-banner') : connBanner();
    if (!n) return;
    n.hidden = conn === 'ok';
    if (conn === 'ok') return;
    var when = lastOk ? lastOk.toLocaleTimeString(lang) : '';
    n.textContent = t(conn === 'offline' ? 'conn.offline' : 'conn.unavailable') + ' ' + (when ? t('conn.last_ok', { t: when }) : '');
  }
  function setConn(state) {
    if (state === 'ok') lastOk = new Date();
    if (state === conn) return;
    var was = conn;
    conn = state;
    drawConn();
    if (state === 'ok' && was !== 'ok') announce(t('conn.back'));
    connListeners.forEach(function (f) { f(state === 'ok', state); });
  }

  function api(path, opts, retried) {
    opts = opts || {};
    var url = '/api/v1' + path;
    if (opts.query) {
      var qs = new URLSearchParams();
      Object.keys(opts.query).forEach(function (k) {
        var v = opts.query[k];
        if (v !== undefined && v !== null && v !== '') qs.set(k, v);
      });
      var s = qs.toString();
      if (s) url += (url.indexOf('?') < 0 ? '?' : '&') + s;
    }
    var headers = { 'Accept': 'application/json' };
    Object.keys(opts.headers || {}).forEach(function (k) { headers[k] = opts.headers[k]; });
    if (opts.idem) headers['Idempotency-Key'] = opts.idem;
    if (!opts.staff) deviceHeaders(headers);
    var token = opts.token || (opts.staff ? staffToken() : null);
    if (token) headers['Authorization'] = 'Bearer ' + token;
    var init = { method: opts.method || 'GET', headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (opts.raw !== undefined) {
      headers['Content-Type'] = opts.contentType || 'text/plain';
      init.body = opts.raw;
    } else if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    reqStart();
    return fetch(url, init).then(function (res) {
      reqEnd();
      setConn(res.status === 502 || res.status === 503 || res.status === 504 ? 'unavailable' : 'ok');
      if (res.status === 204) return null;
      return res.text().then(function (txt) {
        var data = null;
        if (txt) { try { data = JSON.parse(txt); } catch (e) { data = null; } }
        if (!res.ok) {
          var err = new ApiError(res.status, data);
          err.body = data;
          err.retryAfter = parseInt(res.headers.get('Retry-After') || '0', 10) || 0;
          if (res.status === 401 && opts.staff) {
            // The page is leaving for /login: settle nothing, so no caller reports an error.
            var leave = function () { clearStaff(); toLogin(); return new Promise(function () {}); };
            if (!retried) return refresh().then(function () { return api(path, opts, true); }, leave);
            return leave();
          }
          throw err;
        }
        return data;
      });
    }, function () {
      reqEnd();
      setConn('offline');
      var err = new ApiError(0, null);
      err.code = 'network';
      err.message = t('err.network');
      throw err;
    });
  }

  var refreshing = null;
  /** refresh trades the single-use refresh token for new tokens (one call at a time). */
  function refresh() {
    if (refreshing) return refreshing;
    var sess = staffSession();
    if (!sess || !sess.refresh_token) return Promise.reject(new Error('no refresh token'));
    refreshing = fetch('/api/v1/auth/refresh', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify({ refresh_token: sess.refresh_token }), cache: 'no-store'
    }).then(function (res) {
      if (!res.ok) throw new Error('refresh failed');
      return res.json();
    }).then(function (tok) {
      setStaff({ token: tok.access_token, expires_at: tok.expires_at, refresh_token: tok.refresh_token });
    }).finally(function () { refreshing = null; });
    return refreshing;
  }

  /** snake turns the Go field names of a plain model (AssigneeID, SLADueAt) into the
   * snake_case the rest of the API uses (assignee_id, sla_due_at), recursively. */
  function snake(v) {
    if (Array.isArray(v)) return v.map(snake);
    if (!v || typeof v !== 'object') return v;
    var o = {};
    Object.keys(v).forEach(function (k) {
      var nk = /[A-Z]/.test(k) ? k.replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() : k;
      o[nk] = snake(v[k]);
    });
    return o;
  }

  /* Server texts: the API's validation messages are stable English sentences (its tests pin
   * them), so each one, with its numbers, is the code of a dictionary text ("srv.*"); a
   * message no pattern knows is shown as the server wrote it. Amounts the server states in
   * minor units are shown in major units. */
  function major(v) { return (Number(v) / 100).toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
  var SERVER_TEXTS = [
    [/^required$/, 'v.required'],
    [/^required: the buyer is told why$/, 'v.required'],
    [/^some fields are invalid$/, 'srv.invalid'],
    [/^no order with this number was bought with this e-mail or contact$/, 'srv.no_order'],
    [/^unknown shop$/, 'srv.unknown_shop'],
    [/^unknown order$/, 'srv.unknown_order'],
    [/^no such order$/, 'srv.unknown_order'],
    [/^the shop has no order with this number$/, 'srv.mc_no_order'],
    [/^this e-mail already has requests waiting for a manual check/, 'srv.mc_limit'],
    [/^the shop has too many requests waiting for a manual check/, 'srv.mc_full'],
    [/^an IANA time zone$/, 'srv.timezone'],
    [/^an amount in minor units between (-?\d+) and (-?\d+)$/, 'srv.amount_between', function (m) { return { min: major(m[1]), max: major(m[2]) }; }],
    [/^must be a positive amount in minor units$/, 'srv.amount_positive'],
    [/^a valid email address$/, 'v.email'],
    [/^(?:must be )?at most (\d+) characters$/, 'srv.at_most', function (m) { return { n: m[1] }; }],
    [/^(?:required, at most (\d+) characters|is required \(at most (\d+) characters\))$/, 'srv.required_at_most', function (m) { return { n: m[1] || m[2] }; }],
    [/^between 0 and 1 \(exclusive\)$/, 'srv.fraction'],
    [/^between (-?\d+) and (-?\d+)$/, 'srv.between', function (m) { return { min: m[1], max: m[2] }; }],
    [/^lower than the deny threshold \((\d+)\)$/, 'srv.below_deny', function (m) { return { n: m[1] }; }],
    [/^seven entries, Sunday first$/, 'srv.week'],
    [/^empty or an http\(s\) URL$/, 'srv.url_or_empty'],
    [/^must be 1 to 5$/, 'srv.score'],
    [/^one line, no control characters$/, 'srv.one_line'],
    [/^one of (.+)$/, 'srv.one_of', function (m) { return { list: m[1] }; }],
    [/^only a supervisor or admin can approve this refund: (.+)$/, 'srv.refund_supervisor_only', function (m) { return { why: refundWhyList(m[1]) }; }],
    // key-import line reasons (inventory.CheckSecret, checkLines) and the automatic quarantine
    [/^empty key$/, 'srv.key_empty'],
    [/^import holds no key$/, 'srv.import_empty'],
    [/^key shorter than (\d+) characters$/, 'srv.key_short', function (m) { return { n: m[1] }; }],
    [/^key longer than (\d+) characters$/, 'srv.key_long', function (m) { return { n: m[1] }; }],
    [/^key contains a character outside printable ASCII/, 'srv.key_chars'],
    [/^duplicate of line (\d+)$/, 'srv.key_dup_line', function (m) { return { n: m[1] }; }],
    [/^already in stock for this product$/, 'srv.key_in_stock'],
    [/^(\d+) distinct, unlinked buyers reported keys of this batch invalid \(limit (\d+)\)$/, 'srv.auto_quarantine', function (m) { return { n: m[1], limit: m[2] }; }]
  ];
  /** serverMatch answers the dictionary key of a server text and its parameters, or null. */
  function serverMatch(msg) {
    if (typeof msg !== 'string') return null;
    for (var i = 0; i < SERVER_TEXTS.length; i++) {
      var m = SERVER_TEXTS[i][0].exec(msg);
      if (m) return { key: SERVER_TEXTS[i][1], vars: SERVER_TEXTS[i][2] ? SERVER_TEXTS[i][2](m) : null };
    }
    return null;
  }
  function serverText(msg) {
    var s = serverMatch(msg);
    return s ? t(s.key, s.vars) : msg;
  }
  /** serverKey names what a server text says ("srv.no_order"), for pages that act on it; '' when unknown. */
  function serverKey(msg) {
    var s = serverMatch(msg);
    return s ? s.key : '';
  }
  /* Fraud-rule details (fraud/rules.go writes them in English, with counts and durations) and
   * the workflow's "only a supervisor may approve" refund reasons, in the page's language; a
   * detail no pattern knows is shown as written. */
  function durText(n, unit) { return t('fdur.' + unit.replace(/s$/, ''), { n: n }); }
  var DUR = '(\\d+) (seconds?|minutes?|hours?|days?)';
  var FRAUD_DETAILS = [
    [/^the buyer says the key never arrived, but the shop recorded the key being revealed to them on (.+)$/, 'fd.missing_after_reveal_at', function (m) { return { at: m[1] }; }],
    [/^the buyer says the key never arrived, but the shop recorded the key being revealed to them$/, 'fd.missing_after_reveal'],
    [/^(\d+) chargebacks? on record for this buyer's email or device$/, 'fd.chargebacks', function (m) { return { n: m[1] }; }],
    [/^this buyer made (\d+) earlier claims? in the last 30 days and (\d+) in the last 90 days \(by email: (\d+) and (\d+); by device: (\d+) and (\d+)\)$/, 'fd.repeat_claims',
      function (m) { return { n30: m[1], n90: m[2], e30: m[3], e90: m[4], d30: m[5], d90: m[6] }; }],
    [/^(\d+) earlier claims? came from the same IP address in the last 30 days and (\d+) in the last 90 days$/, 'fd.repeat_ip', function (m) { return { n30: m[1], n90: m[2] }; }],
    [/^this buyer already received (\d+) replacement keys? in the last 90 days$/, 'fd.prior_reissues', function (m) { return { n: m[1] }; }],
    [/^this buyer already received (\d+) refunds? in the last 90 days$/, 'fd.prior_refunds', function (m) { return { n: m[1] }; }],
    [new RegExp('^the key was reported invalid ' + DUR + ' after it was first revealed; a key that does not work is usually reported within minutes$'), 'fd.late_invalid',
      function (m) { return { d: durText(m[1], m[2]) }; }],
    [/^the buyer asks for a refund after the key was revealed to them, so it may already have been redeemed$/, 'fd.refund_after_reveal'],
    [/^the claim came from network (\S+) but the order was paid from network (\S+)$/, 'fd.ip_mismatch', function (m) { return { claim: m[1], order: m[2] }; }],
    [/^the order is worth (\d+) times the product's usual order value or more$/, 'fd.high_value', function (m) { return { n: m[1] }; }],
    [/^this buyer email placed (\d+) orders within 24 hours$/, 'fd.order_burst', function (m) { return { n: m[1] }; }],
    [/^(\d+) other buyers? reported keys from the same batch as invalid, which points to the supplier rather than this buyer \(consider quarantining the batch\)$/, 'fd.batch_reports', function (m) { return { n: m[1] }; }],
    [new RegExp('^the buyer reported the key ' + DUR + ' after first revealing it, on a batch that other buyers also reported$'), 'fd.fresh_claim',
      function (m) { return { d: durText(m[1], m[2]) }; }],
    [/^the claim was submitted by a script or an automated browser \((.*)\), not a person's browser$/, 'fd.scripted', function (m) { return { ua: m[1] }; }],
    // rules_identity.go
    [/^this order already got (\d+) replacement keys? \(delivered or pending\); one order gets at most (\d+) automatically$/, 'fd.order_replaced', function (m) { return { n: m[1], max: m[2] }; }],
    [/^(\d+) other claims? (?:was|were) already made on this order$/, 'fd.same_order_claims', function (m) { return { n: m[1] }; }],
    [/^the buyer's message threatens a chargeback or a bank dispute$/, 'fd.text_chargeback'],
    [/^the buyer asks for the key to be sent to a new or different address/, 'fd.text_new_address'],
    [/^the buyer's own message says the key was already used or worked before$/, 'fd.text_already_used'],
    [/^the claim comes from a throwaway e-mail address \((.*)\)$/, 'fd.disposable', function (m) { return { domain: m[1] }; }],
    [/^(\d+) chargebacks? on orders paid from this claim's IP address$/, 'fd.chargebacks_ip', function (m) { return { n: m[1] }; }],
    [/^(\d+) different mailboxes used this device in the last 90 days$/, 'fd.shared_device', function (m) { return { n: m[1] }; }],
    [/^(\d+) different mailboxes used the device this order was bought from in the last 90 days$/, 'fd.shared_order_device', function (m) { return { n: m[1] }; }],
    [/^the claim comes from a device the buyer was never seen on and from a network the buyer did not use/, 'fd.not_buyer'],
    [new RegExp('^an expensive key \\((\\d+) in minor units\\) reported invalid ' + DUR + ' after it was revealed$'), 'fd.late_expensive',
      function (m) { return { d: durText(m[2], m[3]) }; }],
    [/^the order is worth (\d+) times the median order of this product$/, 'fd.above_median', function (m) { return { n: m[1] }; }],
    [/^a (long )?clean history: (\d+) orders since (\d{4}-\d{2}-\d{2}), (\d+) earlier claims?$/, 'fd.tenure', function (m) { return { n: m[2], since: m[3], claims: m[4] }; }],
    [/^(\d+) claims? (?:(?:was|were) of this buyer|of this buyer (?:was|were)) denied before$/, 'fd.denied_before', function (m) { return { n: m[1] }; }],
    [/^the key was revealed (\d+) times before it was reported invalid$/, 'fd.revealed_often', function (m) { return { n: m[1] }; }],
    [new RegExp('^the key was delivered ' + DUR + ' before the buyer said it never arrived$'), 'fd.missing_long_after', function (m) { return { d: durText(m[1], m[2]) }; }],
    // the fake API's short forms of the same facts
    [/^claim IP differs from order IP$/, 'fd.ip_differs'],
    [/^key revealed (\d+) min before claim$/, 'fd.revealed_before', function (m) { return { d: durText(m[1], 'minutes') }; }]
  ];
  function fraudDetail(r) {
    if (typeof r !== 'string') return r;
    for (var i = 0; i < FRAUD_DETAILS.length; i++) {
      var m = FRAUD_DETAILS[i][0].exec(r);
      if (m) return t(FRAUD_DETAILS[i][1], FRAUD_DETAILS[i][2] ? FRAUD_DETAILS[i][2](m) : null);
    }
    return r;
  }
  /** refundWhy localises one reason the workflow gives for "only a supervisor may approve". */
  function refundWhy(r) {
    var m = /^requested after the refundable window ended (\d{4}-\d{2}-\d{2})$/.exec(r);
    if (m) return t('refund.why_window', { date: m[1] });
    m = /^fraud check: (\w+) \(score (-?\d+)\)$/.exec(r);
    if (m) return t('refund.why_fraud', { decision: word('decision', m[1]), score: m[2] });
    return r;
  }
  /** refundWhyList localises the reasons joined with "; " (a message parameter). */
  function refundWhyList(s) {
    if (typeof s !== 'string' || !s) return s;
    return s.split('; ').map(refundWhy).join(lang === 'en' ? '; ' : '；');
  }

  /** fieldLabel names a field the form has no input for (shown in the summary). */
  function fieldLabel(name) {
    var k = 'field.' + name, s = t(k);
    return s === k ? name : s;
  }

  /** errorText turns an ApiError into a sentence for the user. */
  function errorText(err) {
    if (!err) return t('err.generic');
    // A 429 the server explains (too many manual checks waiting) is said as such, not "wait".
    if (err.status === 429) return serverKey(err.message) ? serverText(err.message) : t('err.rate', { s: err.retryAfter || 30 });
    if (err.status === 413) return t('err.too_large');
    if (err.status === 403) return t('err.forbidden');
    if (err.status === 404) return t('err.not_found');
    if (err.code === 'network') return t('err.network');
    return err.message ? serverText(err.message) : t('err.generic');
  }

  /* ---------- staff session ---------- */

  function staffSession() {
    try { return JSON.parse(localStorage.getItem(TOKEN_KEY) || 'null'); } catch (e) { return null; }
  }
  function staffToken() {
    var s = staffSession();
    if (!s || !s.token) return null;
    // An expired access token is still returned: the API answers 401 and api() refreshes it.
    return s.token;
  }
  function setStaff(sess) { localStorage.setItem(TOKEN_KEY, JSON.stringify(sess)); }
  function clearStaff() { try { localStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ } meCache = null; }
  function toLogin() {
    var next = location.pathname + location.search;
    location.assign('/login?next=' + encodeURIComponent(next));
  }

  var meCache = null;
  /** me loads the signed-in staff user ({user, merchant, roles}) or sends them to /login. */
  function me() {
    if (meCache) return meCache;
    if (!staffToken()) { toLogin(); return new Promise(function () {}); }
    meCache = api('/me', { staff: true }).then(function (m) {
      m = m || {};
      m.roles = m.roles || (m.user && m.user.roles) || [];
      return m;
    });
    return meCache;
  }

  /* Actions the pages show, and the permission (Casbin object.action) each needs. /me lists
   * the caller's permissions; the pages only HIDE what is not allowed, the API refuses it anyway.
   * A permission no route uses yet is not listed by /me, so for those the role table of
   * DESIGN.md decides. */
  var PERM = {
    work: 'tickets.work', reassign: 'tickets.assign', refund_small: 'refunds.approve', refund_any: 'refunds.approve_any',
    supervisor: 'escalations.read', sla_read: 'sla.read', sla_edit: 'sla.edit', risk: 'risk.decide', reveal: 'keys.reveal',
    admin: 'users.manage', users_read: 'users.read', roles: 'roles.manage', inventory: 'inventory.read', import: 'inventory.manage',
    quarantine: 'inventory.quarantine', audit: 'audit.read', orders: 'orders.read'
  };
  // ANY_PERM: actions open to whoever holds any of these permissions.
  var ANY_PERM = {
    admin_page: ['users.manage', 'users.read', 'inventory.read', 'inventory.quarantine', 'settings.edit']
  };
  var ROLE_CAN = {
    refund_any: ['supervisor', 'admin'],
    sla_edit: ['supervisor', 'admin'],
    settings: ['admin']
  };
  function can(m, action) {
    if (!m) return false;
    var perms = m.permissions || [];
    if (PERM[action] && perms.indexOf(PERM[action]) >= 0) return true;
    if ((ANY_PERM[action] || []).some(function (p) { return perms.indexOf(p) >= 0; })) return true;
    var roles = m.roles || [];
    return (ROLE_CAN[action] || []).some(function (r) { return roles.indexOf(r) >= 0; });
  }

  /** staffShell fills the header (who, nav by role, logout) and resolves /me. */
  function staffShell() {
    staffPage = true;
    return me().then(function (m) {
      var u = m.user || {};
      var who = $('#who');
      if (who) who.textContent = (u.name || u.email || '') + (m.roles.length ? ' · ' + m.roles.map(function (r) { return word('role', r); }).join(', ') : '');
      $all('[data-need]').forEach(function (a) { a.hidden = !can(m, a.getAttribute('data-need')); });
      var page = ($('meta[name="keydesk-page"]') || {}).content;
      $all('[data-nav]').forEach(function (a) {
        if (a.getAttribute('data-nav') === page || (page === 'ticket' && a.getAttribute('data-nav') === 'agent')) a.setAttribute('aria-current', 'page');
      });
      var lo = $('#logout');
      if (lo) {
        lo.hidden = false;
        lo.addEventListener('click', function () {
          var sess = staffSession() || {};
          api('/auth/logout', { method: 'POST', staff: true, body: sess.refresh_token ? { refresh_token: sess.refresh_token } : {} }).catch(function () {}).then(function () {
            clearStaff(); location.assign('/login');
          });
        });
      }
      return m;
    }, function (err) {
      // /me failed (server down, 5xx): say so and stop here; nothing else can work.
      var box = $('#load-error') || $('main');
      var msg = el('p', { class: 'error-summary', role: 'alert', text: errorText(err) });
      if (box.id === 'load-error') { box.textContent = msg.textContent; box.hidden = false; } else box.insertBefore(msg, box.firstChild);
      return new Promise(function () {});
    });
  }

  /** noAccess replaces the page's content with a "no access" card (the role lacks the
   * permission the page needs): no forms that would only fail under an error banner. */
  function noAccess() {
    var main = $('main');
    if (!main || $('#no-access')) return;
    Array.prototype.forEach.call(main.children, function (c) { c.hidden = true; });
    var card = el('section', { class: 'card no-access', id: 'no-access', role: 'alert' },
      el('h1', { i18n: 'noaccess.title' }), el('p', { i18n: 'noaccess.body' }), el('p', null, el('a', { href: '/agent', i18n: 'noaccess.back' })));
    main.appendChild(card);
  }

  /* ---------- feedback ---------- */

  function announce(msg) {
    var n = $('#live');
    if (!n) return;
    n.textContent = '';
    setTimeout(function () { n.textContent = msg; }, 30);
  }
  var toastTimer = null;
  function toast(msg, kind) {
    var n = $('#toast');
    if (!n) return;
    n.textContent = msg;
    n.className = 'toast ' + (kind || 'info');
    n.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { n.hidden = true; }, kind === 'error' ? 8000 : 4000);
  }

  /** showFieldErrors puts each message next to the input named like the field, marks it
   * aria-invalid, and focuses the first invalid input. Unknown fields go to summary. */
  function showFieldErrors(form, fields, summary) {
    clearFieldErrors(form);
    var first = null;
    var rest = [];
    Object.keys(fields || {}).forEach(function (name) {
      var msg = fields[name];
      if (Array.isArray(msg)) msg = msg.map(serverText).join(' ');
      else msg = serverText(msg);
      var input = form.querySelector('[name="' + (window.CSS && CSS.escape ? CSS.escape(name) : name) + '"]');
      if (!input) { rest.push(fieldLabel(name) + ': ' + msg); return; }
      var id = 'err-' + name.replace(/[^\w-]/g, '_');
      var box = el('p', { class: 'field-error', id: id, text: msg });
      var field = input.closest('.field') || input.parentNode;
      field.appendChild(box);
      field.classList.add('has-error');
      input.setAttribute('aria-invalid', 'true');
      var desc = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      desc.push(id);
      input.setAttribute('aria-describedby', desc.join(' '));
      if (!first) first = input;
    });
    if (summary) {
      summary.textContent = rest.join(' · ');
      summary.hidden = rest.length === 0;
    }
    if (first) first.focus();
    return first;
  }
  function clearFieldErrors(form) {
    $all('.field-error', form).forEach(function (n) {
      var input = form.querySelector('[aria-describedby~="' + n.id + '"]');
      if (input) {
        input.removeAttribute('aria-invalid');
        var d = (input.getAttribute('aria-describedby') || '').split(' ').filter(function (x) { return x && x !== n.id; });
        if (d.length) input.setAttribute('aria-describedby', d.join(' ')); else input.removeAttribute('aria-describedby');
      }
      n.remove();
    });
    $all('.has-error', form).forEach(function (n) { n.classList.remove('has-error'); });
  }

  /* ---------- formatting ---------- */

  function fmtDuration(sec) {
    sec = Math.max(0, Math.round(sec));
    var d = Math.floor(sec / 86400), h = Math.floor(sec % 86400 / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    if (d) return t('dur.dh', { d: d, h: h });
    if (h) return t('dur.hm', { h: h, m: m });
    if (m) return t('dur.m', { m: m });
    return t('dur.s', { s: s });
  }
  function fmtTime(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    if (isNaN(d)) return '';
    return d.toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });
  }
  function fmtMoney(minor, cur) {
    if (minor === undefined || minor === null) return '';
    var digits = /^(JPY|KRW|VND)$/.test(cur || '') ? 0 : 2;
    var v = minor / Math.pow(10, digits);
    try { return v.toLocaleString(lang, { style: 'currency', currency: cur || 'USD' }); } catch (e) { return v.toFixed(digits) + ' ' + (cur || ''); }
  }
  /** msgText is a message as the reader should see it: a system message with a code
   * ("msg.<code>" in the dictionary) in the page's language with its parameters (amounts in
   * major units with the currency, times local); anything else, or an unknown code, as written. */
  var MONEY_PARAMS = ['amount', 'refundable', 'agent_limit'];
  function msgText(m) {
    if (!m) return '';
    if (!m.code) return m.body;
    var k = 'msg.' + m.code, src = m.params || {}, p = {};
    Object.keys(src).forEach(function (x) { p[x] = src[x]; });
    MONEY_PARAMS.forEach(function (x) { if (p[x] !== undefined && p[x] !== '') p[x] = fmtMoney(Number(p[x]), p.currency); });
    if (p.due_by) p.due_by = fmtTime(p.due_by);
    if (p.status) p.status = word('rstatus', p.status);
    if (p.supervisor_only) p.supervisor_only = refundWhyList(p.supervisor_only);
    if (p.reasons) p.reasons = p.reasons === 'no rule fired' ? t('fd.none') : p.reasons.split('; ').map(fraudDetail).join(lang === 'en' ? '; ' : '；');
    var s = t(k, p);
    return s === k ? m.body : s;
  }
  // staffPage: the page is a staff page (staffShell ran): statuses are named from the
  // staff's side ("waiting on the buyer"), not the buyer's ("waiting for your reply").
  var staffPage = false;
  function word(group, value) {
    if (!value) return '';
    if (group === 'status' && staffPage) {
      var sk = 'sstatus.' + value, ss = t(sk);
      if (ss !== sk) return ss;
    }
    var k = group + '.' + value;
    var s = t(k);
    return s === k ? String(value).replace(/_/g, ' ') : s;
  }

  /** slaBadge renders a countdown badge: green while running, amber from the warning
   * (sla_state "warning" or warn time reached), red once breached. */
  function slaBadge(item, now) {
    now = now || Date.now();
    var due = item.sla_due_at ? Date.parse(item.sla_due_at) : NaN;
    var warnAt = item.sla_warn_at ? Date.parse(item.sla_warn_at) : NaN;
    var state = item.sla_state || '';
    var cls = 'ok', text;
    if (state === 'breached' || (!isNaN(due) && due <= now)) {
      cls = 'breach';
      text = isNaN(due) ? t('sla.breached') : t('sla.overdue', { d: fmtDuration((now - due) / 1000) });
    } else if (isNaN(due)) {
      cls = state === 'paused' ? 'paused' : 'none';
      text = state === 'paused' ? t('sla.paused') : (state === 'met' ? t('sla.met') : '—');
    } else {
      if (state === 'warning' || (!isNaN(warnAt) && warnAt <= now)) cls = 'warn';
      text = t('sla.left', { d: fmtDuration((due - now) / 1000) });
    }
    return el('span', { class: 'badge sla sla-' + cls, 'data-sla': cls, title: item.sla_due_at ? fmtTime(item.sla_due_at) : '' }, text);
  }

  /** poll runs fn now and every ms while the page is visible; returns a stop function. */
  function poll(fn, ms) {
    var timer = null, stopped = false;
    function tick() {
      if (stopped) return;
      var p = document.hidden ? Promise.resolve() : Promise.resolve().then(fn).catch(function () {});
      p.then(function () { if (!stopped) timer = setTimeout(tick, ms); });
    }
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden && !stopped) { clearTimeout(timer); tick(); }
    });
    tick();
    return function () { stopped = true; clearTimeout(timer); };
  }

  /** copy puts text on the clipboard and says so (a browser that refuses says nothing). */
  function copy(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(function () { toast(t('common.copied')); }, function () {});
  }

  function debounce(fn, ms) {
    var h = null;
    return function () {
      var args = arguments, self = this;
      if (h === null) scheduled++; else clearTimeout(h);
      h = setTimeout(function () { h = null; scheduled--; fn.apply(self, args); }, ms);
    };
  }

  function newRequestId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  /** pathParam returns the n-th path segment (0-based). */
  function pathParam(n) {
    return decodeURIComponent(location.pathname.split('/').filter(Boolean)[n] || '');
  }

  /** busy disables a button while a promise runs. */
  function busy(btn, promise) {
    if (!btn) return promise;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    return promise.finally(function () { btn.disabled = false; btn.removeAttribute('aria-busy'); });
  }

  function onReady(fn) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn); else fn();
  }

  onReady(function () {
    applyI18n(document);
    var sw = $('#lang-switch');
    if (sw) {
      sw.value = lang;
      sw.addEventListener('change', function () { setLang(sw.value); });
    }
  });

  /** snippetNodes turns a search snippet (escaped HTML holding only <mark>), e.g. "text <mark>word</mark> text",
   * into text nodes and <mark> elements: nothing else from the server reaches the page. */
  function snippetNodes(html) {
    var doc = new DOMParser().parseFromString('<!doctype html><body>' + (html || ''), 'text/html');
    var out = [];
    Array.prototype.forEach.call(doc.body.childNodes, function (n) {
      if (n.nodeName === 'MARK') out.push(el('mark', { text: n.textContent }));
      else out.push(document.createTextNode(n.textContent));
    });
    return out;
  }

  window.KD = {
    t: t, lang: function () { return lang; }, setLang: setLang, applyI18n: applyI18n,
    onLang: function (f) { langListeners.push(f); },
    el: el, clear: clear, $: $, $all: $all,
    api: api, ApiError: ApiError, errorText: errorText, snake: snake,
    staffToken: staffToken, setStaff: setStaff, clearStaff: clearStaff, me: me, can: can, staffShell: staffShell, noAccess: noAccess,
    announce: announce, toast: toast, showFieldErrors: showFieldErrors, clearFieldErrors: clearFieldErrors,
    fmtDuration: fmtDuration, fmtTime: fmtTime, fmtMoney: fmtMoney, msgText: msgText, serverText: serverText, serverKey: serverKey, copy: copy,
    fraudDetail: fraudDetail, refundWhy: refundWhy, refundWhyList: refundWhyList, word: word, slaBadge: slaBadge,
    poll: poll, debounce: debounce, pending: pending, newRequestId: newRequestId, pathParam: pathParam, busy: busy, onReady: onReady,
    useDeviceId: useDeviceId, deviceHeaders: deviceHeaders, snippetNodes: snippetNodes,
    online: function () { return conn === 'ok'; }, onConn: function (f) { connListeners.push(f); },
    publicURL: function () { var m = $('meta[name="keydesk-public-url"]'); return (m && m.content) || location.origin; }
  };
})();
