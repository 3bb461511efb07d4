/* Admin: users and roles, inventory (stock, low-stock alerts, import), key batches (quarantine,
 * release),
 * fraud and refund settings, macros (canned replies), outbound webhooks, audit log. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  var ROLES = ['agent', 'risk_agent', 'supervisor', 'admin'];

  KD.onReady(function () {
    var me = null;

    function fail(err) { var b = $('#load-error'); b.textContent = KD.errorText(err); b.hidden = false; }

    /* users: GET /users, POST /users (password generated, shown once), PATCH /users/{id},
     * PUT|DELETE /users/{id}/roles/{role} */
    function loadUsers() {
      return KD.api('/users', { staff: true }).then(function (res) {
        var body = KD.clear($('#users-body'));
        ((res && res.users) || []).forEach(function (u) { body.appendChild(userRow(u)); });
      }, fail);
    }
    function userRow(u) {
      var roles = u.roles || [];
      var boxes = el('fieldset', { class: 'roles' }, el('legend', { class: 'sr-only', text: KD.t('admin.roles') + ' ' + (u.email || '') }));
      ROLES.forEach(function (r) {
        var id = 'role-' + u.id + '-' + r;
        var box = el('input', { type: 'checkbox', id: id, value: r, checked: roles.indexOf(r) >= 0, disabled: !KD.can(me, 'roles') });
        box.addEventListener('change', function () {
          KD.busy(box, KD.api('/users/' + u.id + '/roles/' + r, { method: box.checked ? 'PUT' : 'DELETE', staff: true }))
            .then(function () { KD.toast(KD.t('admin.saved')); }, function (err) { box.checked = !box.checked; KD.toast(KD.errorText(err), 'error'); });
        });
        boxes.appendChild(el('span', { class: 'check' }, box, el('label', { for: id, i18n: 'role.' + r })));
      });
      var active = el('input', { type: 'checkbox', id: 'active-' + u.id, checked: u.active !== false, disabled: !KD.can(me, 'admin') || (me.user && me.user.id === u.id) });
      active.addEventListener('change', function () {
        KD.api('/users/' + u.id, { method: 'PATCH', staff: true, body: { active: active.checked } })
          .then(function () { KD.toast(KD.t('admin.saved')); }, function (err) { active.checked = !active.checked; KD.toast(KD.errorText(err), 'error'); });
      });
      return el('tr', null, el('td', { text: u.name || '' }), el('td', { text: u.email || '' }), el('td', null, boxes),
        el('td', null, active, el('label', { for: 'active-' + u.id, class: 'sr-only', i18n: 'admin.active' })),
        el('td', { class: 'muted small', text: u.locked ? KD.t('admin.locked') : (u.last_login_at ? KD.fmtTime(u.last_login_at) : '') }));
    }
    $('#user-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var f = ev.target;
      KD.clearFieldErrors(f);
      var body = { name: f.elements.name.value.trim(), email: f.elements.email.value.trim(), roles: [f.elements.role.value] };
      KD.busy(f.querySelector('button'), KD.api('/users', { method: 'POST', staff: true, body: body })).then(function (res) {
        f.reset();
        var box = $('#new-password');
        KD.clear(box).appendChild(el('span', { text: KD.t('admin.password_once', { email: body.email }) + ' ' }));
        box.appendChild(el('code', { text: (res && res.password) || '' }));
        box.hidden = false;
        KD.toast(KD.t('admin.user_added'));
        loadUsers();
      }, function (err) { if (!KD.showFieldErrors(f, err.fields || {})) KD.toast(KD.errorText(err), 'error'); });
    });

    /* inventory: GET /inventory, POST /products/{sku}/keys (text/plain, one key a line),
     * POST /batches/{id}/quarantine */
    function loadInventory() {
      return KD.api('/inventory', { staff: true }).then(function (res) {
        var prods = (res && res.products) || [];
        var body = KD.clear($('#inv-body'));
        var sel = $('#i-sku'), keep = sel.value;
        KD.clear(sel);
        var low = [];
        prods.forEach(function (p) {
          sel.appendChild(el('option', { value: p.sku, text: p.sku + ' · ' + (p.name || '') }));
          if (p.low) low.push(p.sku);
          body.appendChild(el('tr', { class: p.low ? 'low' : '' }, el('td', null, el('code', { text: p.sku })), el('td', { text: p.name || '' }),
            el('td', { class: p.low ? 'bad' : '', text: String(p.available || 0) }), el('td', { text: String(p.threshold || 0) }),
            el('td', { class: 'muted', text: [p.delivered || 0, p.invalid || 0, p.quarantined || 0].join(' · ') })));
        });
        if (keep) sel.value = keep;
        var alert = $('#low-stock');
        alert.textContent = low.length ? KD.t('admin.low', { skus: low.join(', ') }) : '';
        alert.hidden = !low.length;
      }, fail);
    }
    $('#import-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var f = ev.target;
      KD.clearFieldErrors(f);
      // The keys go as typed (line endings normalised), blank and "#" lines included, so the
      // server's line numbers are the textarea's.
      var text = f.elements.keys.value.replace(/\r\n?/g, '\n');
      if (!text.trim()) { KD.showFieldErrors(f, { keys: KD.t('v.required') }); return; }
      var report = KD.clear($('#import-report'));
      KD.busy(f.querySelector('button'), KD.api('/products/' + encodeURIComponent(f.elements.sku.value) + '/keys', {
        method: 'POST', staff: true, raw: /\n$/.test(text) ? text : text + '\n', contentType: 'text/plain',
        query: { label: f.elements.label.value.trim(), supplier: f.elements.supplier.value.trim() }
      })).then(function (res) {
        f.elements.keys.value = ''; // secrets leave the page as soon as they are stored
        var r = (res && res.report) || {};
        report.appendChild(el('p', { class: 'success-note', text: KD.t('admin.imported', { n: r.imported || 0, b: r.batch_id || '' }) }));
        loadInventory();
        if (KD.can(me, 'quarantine')) loadBatches();
      }, function (err) {
        var r = err.body && err.body.report;
        report.appendChild(el('p', { class: 'error-summary', text: r && r.errors && r.errors.length ? KD.t('admin.import_rejected', { n: r.rejected || r.errors.length, total: r.total || 0 }) : KD.errorText(err) }));
        if (r && r.errors && r.errors.length) {
          var ul = el('ul', { class: 'hits', id: 'import-errors' });
          r.errors.slice(0, 50).forEach(function (e) {
            ul.appendChild(el('li', null, el('strong', { text: KD.t('admin.line', { n: e.line }) }), e.key ? ' ' : '', e.key ? el('code', { text: e.key }) : '',
              ': ' + KD.serverText(e.reason || '')));
          });
          if (r.errors.length > 50) ul.appendChild(el('li', { class: 'muted', text: KD.t('admin.more_errors', { n: r.errors.length - 50 }) }));
          report.appendChild(ul);
        }
      });
    });

    /* key batches: GET /batches (counts per key status, quarantine reason), POST
     * /batches/{id}/quarantine and /batches/{id}/release, each with a reason (audited).
     * Supervisors (inventory.quarantine) see this panel only. */
    var batchCursor = '';
    function loadBatches(more) {
      if (!more) batchCursor = '';
      var status = $('#b-status').value;
      return KD.api('/batches', { staff: true, query: { status: status, limit: 50, cursor: more ? batchCursor : '' } }).then(function (res) {
        var list = (res && res.batches) || [];
        var body = $('#batches-body');
        if (!more) KD.clear(body);
        list.forEach(function (b) { body.appendChild(batchRow(b)); });
        batchCursor = (res && res.next_cursor) || '';
        $('#batches-more').hidden = !batchCursor;
        $('#batches-empty').hidden = body.children.length > 0;
        if (!more && !status) {
          var q = list.filter(function (b) { return b.status === 'quarantined'; });
          var alert = $('#batches-alert');
          alert.textContent = q.length ? KD.t('admin.batches_quarantined', { n: q.length, ids: q.map(function (b) { return '#' + b.id; }).join(', ') }) : '';
          alert.hidden = !q.length;
        }
      }, fail);
    }
    function num(n, cls) { return el('td', { class: 'num' + (cls ? ' ' + cls : ''), text: String(n || 0) }); }
    function batchRow(b) {
      var c = b.counts || {}, quarantined = b.status === 'quarantined';
      var status = el('td', { class: 'batch-status' }, el('span', { class: 'badge ' + (quarantined ? 'sla-breach' : 'sla-ok'), text: KD.word('batch', b.status || 'active') }));
      if (quarantined) {
        if (b.quarantined_at) status.appendChild(el('span', { class: 'muted small', text: ' ' + KD.fmtTime(b.quarantined_at) }));
        if (b.quarantine_reason) status.appendChild(el('span', { class: 'reason small', text: KD.serverText(b.quarantine_reason) }));
      }
      var what = quarantined ? 'release' : 'quarantine';
      var btn = el('button', { type: 'button', class: 'small' + (quarantined ? '' : ' danger'), 'data-action': what + '-batch', i18n: 'admin.' + what });
      btn.setAttribute('aria-label', KD.t('admin.' + what) + ' #' + b.id);
      var row = el('tr', { 'data-batch': b.id, class: quarantined ? 'low' : '' },
        el('td', null, el('strong', { text: '#' + b.id }), el('span', { class: 'muted small block', text: KD.fmtTime(b.created_at) })),
        el('td', null, el('code', { text: b.sku || '' }), el('span', { class: 'small block', text: b.product_name || '' })),
        el('td', { class: 'small', text: [b.label, b.supplier].filter(Boolean).join(' · ') || KD.word('source', b.source || '') }),
        status, num(c.available, c.available ? '' : 'muted'), num(c.delivered), num(c.invalid, c.invalid ? 'bad' : ''), num(c.quarantined, c.quarantined ? 'bad' : ''),
        el('td', { class: 'actions-cell' }, btn));
      btn.addEventListener('click', function () { openBatchForm(row, b, what); });
      return row;
    }
    /* openBatchForm opens the reason form under the batch's row (one at a time). */
    function openBatchForm(row, b, what) {
      var open = $('#batch-form-row');
      if (open) open.remove();
      var f = el('form', { class: 'inline-form batch-form', novalidate: true },
        el('div', { class: 'field wide-field' }, el('label', { for: 'batch-reason', text: KD.t('admin.' + what + '_reason_for', { id: b.id }) }),
          el('input', { id: 'batch-reason', name: 'reason', required: true, maxlength: 500 }),
          el('p', { class: 'muted small', text: KD.t('admin.' + what + '_effect', { n: what === 'release' ? ((b.counts || {}).quarantined || 0) : ((b.counts || {}).available || 0) }) })),
        el('button', { type: 'submit', class: what === 'release' ? 'primary' : 'danger', i18n: 'admin.' + what + '_confirm' }), ' ',
        el('button', { type: 'button', i18n: 'common.cancel', onclick: function () { tr.remove(); } }));
      var tr = el('tr', { id: 'batch-form-row' }, el('td', { colspan: 9 }, f));
      row.parentNode.insertBefore(tr, row.nextSibling);
      f.elements.reason.focus();
      f.addEventListener('submit', function (ev) {
        ev.preventDefault();
        KD.clearFieldErrors(f);
        var reason = f.elements.reason.value.trim();
        if (!reason) { KD.showFieldErrors(f, { reason: KD.t('v.required') }); return; }
        KD.busy(f.querySelector('button[type=submit]'), KD.api('/batches/' + b.id + '/' + what, { method: 'POST', staff: true, body: { reason: reason } }))
          .then(function (res) {
            var msg = what === 'release' ? KD.t('admin.released_n', { id: b.id, n: (res && res.keys_restored) || 0 })
              : KD.t('admin.quarantined_n', { n: (res && res.keys_withdrawn) || 0 });
            KD.toast(msg);
            KD.announce(msg);
            loadBatches();
            if (KD.can(me, 'inventory')) loadInventory();
          }, function (err) { if (!KD.showFieldErrors(f, err.fields || {})) KD.toast(KD.errorText(err), 'error'); });
      });
    }
    $('#b-status').addEventListener('change', function () { loadBatches(); });
    $('#batches-more').addEventListener('click', function () { KD.busy($('#batches-more'), loadBatches(true)); });

    /* settings: GET|PUT /settings. The document is flat and uses the keys the workers read
     * (fraud.review / fraud.deny, agent_refund_limit in minor units, refund_fee_policy, …);
     * inputs are named like those keys, so field errors land next to them. A PUT sends only
     * what the form holds and the API merges it; the answer is the new document. */
    var SETTINGS_NUM = ['quarantine_after_invalid_reports', 'auto_reissues_per_order', 'refund_fee_bps', 'auto_close_days'];
    var SETTINGS_TEXT = ['refund_fee_policy', 'refund_gateway', 'refund_webhook_url', 'terms_url', 'terms_text'];
    function showSettings(s) {
      s = s || {};
      var f = $('#settings-form'), fr = s.fraud || {}, e = f.elements;
      var gw = e.refund_gateway, names = (s.gateways || []).slice();
      if (s.refund_gateway && names.indexOf(s.refund_gateway) < 0) names.push(s.refund_gateway);
      KD.clear(gw);
      names.forEach(function (n) { gw.appendChild(el('option', { value: n, text: KD.word('gateway', n) })); });
      e['fraud.review'].value = fr.review !== undefined ? fr.review : '';
      e['fraud.deny'].value = fr.deny !== undefined ? fr.deny : '';
      e.agent_refund_limit.value = s.agent_refund_limit !== undefined ? (s.agent_refund_limit / 100).toFixed(2) : '';
      e.high_value_amount.value = s.high_value_amount !== undefined ? (s.high_value_amount / 100).toFixed(2) : '';
      SETTINGS_NUM.concat(SETTINGS_TEXT).forEach(function (k) { e[k].value = s[k] !== undefined && s[k] !== null ? s[k] : ''; });
      // Keys the merchant never set show the defaults: name them by their labels.
      var labels = (s.defaults || []).map(function (k) {
        var input = k === 'fraud' ? e['fraud.review'] : e[k];
        return input && input.labels && input.labels.length ? input.labels[0].textContent : null;
      }).filter(Boolean);
      var note = $('#settings-defaults');
      note.textContent = labels.length ? KD.t('admin.defaults_note', { fields: labels.join(', ') }) : '';
      note.hidden = !labels.length;
    }
    function loadSettings() {
      return KD.api('/settings', { staff: true }).then(showSettings, function (err) {
        var s = $('#settings-summary');
        s.textContent = KD.errorText(err);
        s.hidden = false;
      });
    }
    $('#settings-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var f = ev.target, e = f.elements;
      KD.clearFieldErrors(f);
      $('#settings-summary').hidden = true;
      var num = function (n) { return e[n].value === '' ? undefined : Number(e[n].value); };
      var limit = num('agent_refund_limit');
      var body = { agent_refund_limit: limit === undefined ? undefined : Math.round(limit * 100) };
      var high = num('high_value_amount');
      body.high_value_amount = high === undefined ? undefined : Math.round(high * 100);
      if (e['fraud.review'].value !== '' || e['fraud.deny'].value !== '') body.fraud = { review: num('fraud.review'), deny: num('fraud.deny') };
      SETTINGS_NUM.forEach(function (k) { body[k] = num(k); });
      SETTINGS_TEXT.forEach(function (k) { body[k] = e[k].value.trim(); });
      KD.busy(f.querySelector('button[type=submit]'), KD.api('/settings', { method: 'PUT', staff: true, body: body })).then(function (res) {
        showSettings(res);
        KD.toast(KD.t('admin.saved'));
      }, function (err) {
        if (!KD.showFieldErrors(f, err.fields || {}, $('#settings-summary'))) KD.toast(KD.errorText(err), 'error');
      });
    });

    /* macros (canned replies): GET /macros, POST /macros, PUT|DELETE /macros/{id}. The agent
     * ticket view inserts them into replies. */
    var editing = null;
    function loadMacros() {
      return KD.api('/macros', { staff: true }).then(function (res) {
        var list = (res && res.macros) || [];
        var body = KD.clear($('#macros-body'));
        list.forEach(function (m) { body.appendChild(macroRow(m)); });
        $('#macros-empty').hidden = list.length > 0;
      }, fail);
    }
    function macroRow(m) {
      var text = m.body || '';
      var edit = el('button', { type: 'button', class: 'small', 'data-action': 'edit-macro', i18n: 'admin.edit', onclick: function () { editMacro(m); } });
      edit.setAttribute('aria-label', KD.t('admin.edit') + ': ' + m.name);
      var del = el('button', { type: 'button', class: 'small danger', 'data-action': 'delete-macro', i18n: 'common.remove' });
      del.setAttribute('aria-label', KD.t('common.remove') + ': ' + m.name);
      del.addEventListener('click', function () {
        // A second click within a few seconds confirms (no blocking dialogs).
        if (del.getAttribute('data-armed') !== 'true') {
          del.setAttribute('data-armed', 'true');
          del.textContent = KD.t('common.confirm');
          setTimeout(function () { del.removeAttribute('data-armed'); del.textContent = KD.t('common.remove'); }, 4000);
          return;
        }
        KD.busy(del, KD.api('/macros/' + m.id, { method: 'DELETE', staff: true })).then(function () {
          if (editing && editing.id === m.id) resetMacroForm();
          KD.toast(KD.t('admin.macro_deleted'));
          loadMacros();
        }, function (err) { KD.toast(KD.errorText(err), 'error'); });
      });
      var cell = el('td', null, edit, ' ', del);
      cell.style.whiteSpace = 'nowrap';
      return el('tr', null, el('td', { text: m.name }),
        el('td', { class: 'muted small', text: text.length > 140 ? text.slice(0, 140) + '…' : text }), cell);
    }
    function editMacro(m) {
      var f = $('#macro-form');
      KD.clearFieldErrors(f);
      editing = m;
      f.elements.name.value = m.name;
      f.elements.body.value = m.body;
      $('#macro-form-h').textContent = KD.t('admin.edit_macro', { name: m.name });
      $('#macro-cancel').hidden = false;
      f.elements.name.focus();
    }
    function resetMacroForm() {
      var f = $('#macro-form');
      editing = null;
      f.reset();
      KD.clearFieldErrors(f);
      $('#macro-form-h').textContent = KD.t('admin.add_macro');
      $('#macro-cancel').hidden = true;
    }
    $('#macro-cancel').addEventListener('click', resetMacroForm);
    $('#macro-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var f = ev.target;
      KD.clearFieldErrors(f);
      var body = { name: f.elements.name.value.trim(), body: f.elements.body.value.trim() }, bad = {};
      if (!body.name) bad.name = KD.t('v.required');
      if (!body.body) bad.body = KD.t('v.required');
      if (Object.keys(bad).length) { KD.showFieldErrors(f, bad); return; }
      var req = editing ? KD.api('/macros/' + editing.id, { method: 'PUT', staff: true, body: body }) : KD.api('/macros', { method: 'POST', staff: true, body: body });
      KD.busy(f.querySelector('button[type=submit]'), req).then(function () {
        resetMacroForm();
        KD.toast(KD.t('admin.saved'));
        loadMacros();
      }, function (err) { if (!KD.showFieldErrors(f, err.fields || {})) KD.toast(KD.errorText(err), 'error'); });
    });

    /* webhooks: GET|POST /webhooks (the secret is in the create answer only), PATCH|DELETE
     * /webhooks/{id}, GET /webhooks/{id}/deliveries */
    function canWebhooks(m) { return !!m && (m.permissions || []).indexOf('webhooks.manage') >= 0; }
    function loadWebhooks() {
      return KD.api('/webhooks', { staff: true }).then(function (res) {
        var list = (res && res.webhooks) || [];
        var body = KD.clear($('#webhooks-body'));
        list.forEach(function (h) { body.appendChild(webhookRow(h)); });
        $('#webhooks-empty').hidden = list.length > 0;
      }, fail);
    }
    function webhookRow(h) {
      var id = 'hook-active-' + h.id;
      var active = el('input', { type: 'checkbox', id: id, checked: !!h.active });
      active.addEventListener('change', function () {
        KD.api('/webhooks/' + h.id, { method: 'PATCH', staff: true, body: { active: active.checked } })
          .then(function () { KD.toast(KD.t('admin.saved')); }, function (err) { active.checked = !active.checked; KD.toast(KD.errorText(err), 'error'); });
      });
      var show = el('button', { type: 'button', class: 'small', 'data-action': 'webhook-deliveries', i18n: 'admin.webhook_deliveries', onclick: function () { loadDeliveries(h); } });
      var del = el('button', { type: 'button', class: 'small danger', 'data-action': 'delete-webhook', i18n: 'common.remove' });
      del.setAttribute('aria-label', KD.t('common.remove') + ': ' + h.url);
      del.addEventListener('click', function () {
        if (del.getAttribute('data-armed') !== 'true') {
          del.setAttribute('data-armed', 'true');
          del.textContent = KD.t('common.confirm');
          setTimeout(function () { del.removeAttribute('data-armed'); del.textContent = KD.t('common.remove'); }, 4000);
          return;
        }
        KD.busy(del, KD.api('/webhooks/' + h.id, { method: 'DELETE', staff: true })).then(function () {
          $('#webhook-deliveries').hidden = true;
          KD.toast(KD.t('admin.webhook_deleted'));
          loadWebhooks();
        }, function (err) { KD.toast(KD.errorText(err), 'error'); });
      });
      var cell = el('td', null, show, ' ', del);
      cell.style.whiteSpace = 'nowrap';
      var events = (h.events || []).length ? h.events.join(', ') : KD.t('admin.webhook_all_events');
      return el('tr', null, el('td', null, el('code', { text: h.url })), el('td', { class: 'muted small', text: events }),
        el('td', null, active, el('label', { for: id, class: 'sr-only', i18n: 'admin.active' })), cell);
    }
    function deliveryStatus(st) {
      if (st === 'delivered') return KD.t('admin.webhook_status_delivered');
      if (st === 'failed') return KD.t('admin.webhook_status_failed');
      return KD.t('admin.webhook_status_pending');
    }
    function loadDeliveries(h) {
      return KD.api('/webhooks/' + h.id + '/deliveries', { staff: true }).then(function (res) {
        var body = KD.clear($('#webhook-deliveries-body'));
        ((res && res.deliveries) || []).forEach(function (d) {
          body.appendChild(el('tr', null, el('td', null, el('code', { text: d.event_type + ' · ' + d.event_id })),
            el('td', { class: d.status === 'failed' ? 'bad' : '', text: deliveryStatus(d.status) }),
            el('td', { text: String(d.attempts || 0) }), el('td', { class: 'muted small', text: d.last_error || '' }),
            el('td', { class: 'muted small', text: KD.fmtTime(d.delivered_at || d.created_at) })));
        });
        $('#webhook-deliveries-h').textContent = KD.t('admin.webhook_deliveries') + ' · ' + h.url;
        $('#webhook-deliveries').hidden = false;
      }, function (err) { KD.toast(KD.errorText(err), 'error'); });
    }
    $('#webhook-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var f = ev.target;
      KD.clearFieldErrors(f);
      var body = { url: f.elements.url.value.trim(), events: [] };
      if (!body.url) { KD.showFieldErrors(f, { url: KD.t('v.required') }); return; }
      KD.busy(f.querySelector('button'), KD.api('/webhooks', { method: 'POST', staff: true, body: body })).then(function (res) {
        f.reset();
        var box = KD.clear($('#webhook-secret'));
        box.appendChild(el('span', { text: KD.t('admin.webhook_secret_once') + ' ' }));
        box.appendChild(el('code', { text: (res && res.secret) || '' }));
        box.hidden = false;
        KD.toast(KD.t('admin.saved'));
        loadWebhooks();
      }, function (err) { if (!KD.showFieldErrors(f, err.fields || {})) KD.toast(KD.errorText(err), 'error'); });
    });

    /* audit: GET /audit (entries are plain models) */
    function loadAudit() {
      return KD.api('/audit', { staff: true, query: { limit: 50 } }).then(function (res) {
        var ol = KD.clear($('#audit'));
        KD.snake((res && res.entries) || []).forEach(function (a) {
          ol.appendChild(el('li', null, el('time', { text: KD.fmtTime(a.created_at) }), ' ', el('strong', { text: KD.word('audit', a.action), title: a.action }), ' ',
            el('span', { class: 'muted', text: [a.actor_email, a.target_type && (a.target_type + ' ' + a.target_id), a.ip].filter(Boolean).join(' · ') })));
        });
      }, function () {});
    }

    KD.onLang(function () {
      if (KD.can(me, 'users_read')) loadUsers();
      if (KD.can(me, 'inventory')) loadInventory();
      if (KD.can(me, 'quarantine')) loadBatches();
      if (KD.can(me, 'settings')) loadMacros();
      if (canWebhooks(me)) loadWebhooks();
    });
    KD.staffShell().then(function (m) {
      me = m;
      // Each panel shows only for whoever may use it; a role with none of them (agent, risk
      // agent) gets the "no access" page instead of forms that would all fail.
      if (!KD.can(me, 'admin_page')) { KD.noAccess(); return; }
      $('#users-panel').hidden = !KD.can(me, 'users_read');
      $('#inventory-panel').hidden = !KD.can(me, 'inventory');
      $('#batches-panel').hidden = !KD.can(me, 'quarantine');
      $('#audit-panel').hidden = !KD.can(me, 'audit');
      $('#settings-panel').hidden = $('#macros-panel').hidden = !KD.can(me, 'settings');
      $('#webhooks-panel').hidden = !canWebhooks(me);
      $('#import-form').hidden = !KD.can(me, 'import');
      if (KD.can(me, 'users_read')) loadUsers();
      if (KD.can(me, 'inventory')) loadInventory();
      if (KD.can(me, 'quarantine')) loadBatches();
      if (KD.can(me, 'audit')) loadAudit();
      if (KD.can(me, 'settings')) { loadSettings(); loadMacros(); }
      if (canWebhooks(me)) loadWebhooks();
      if (location.hash === '#batches' && !$('#batches-panel').hidden) $('#batches-panel').scrollIntoView();
    });
  });
})();
