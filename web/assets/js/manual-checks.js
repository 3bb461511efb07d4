/* Manual checks on the agent queue page: buyer submissions whose order number and e-mail /
 * contact proved no order, kept because the buyer asked for a manual check (support.js). The
 * agent compares what the buyer typed with the shop's order of that number (its e-mail masked),
 * then either opens a ticket on the right order (the number can be corrected) or rejects the
 * request with a reason. GET /manual-checks?status=open, POST /manual-checks/{id}/accept|reject. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  var OPEN_KEY = 'keydesk.mc.open';

  KD.onReady(function () {
    var panel = $('#mc'), toggle = $('#mc-toggle');
    if (!panel) return;
    var me = null, open = 0, stop = null;
    // Rendered items by id, kept across polls: a half-typed reason or corrected number survives.
    var nodes = {};

    function show(on) {
      panel.hidden = !on;
      toggle.setAttribute('aria-expanded', on ? 'true' : 'false');
      try { localStorage.setItem(OPEN_KEY, on ? '1' : ''); } catch (e) { /* ignore */ }
    }
    toggle.addEventListener('click', function () { show(panel.hidden); });

    function count() {
      var c = $('#mc-count');
      c.textContent = String(open);
      c.classList.toggle('mc-some', open > 0);
      toggle.setAttribute('aria-label', KD.t('mc.toggle', { n: open }));
    }

    function refresh() {
      return KD.api('/manual-checks', { staff: true, query: { status: 'open' } }).then(draw, function (err) {
        // Not this role's work (403), or a server without manual checks (404): no panel.
        if (err.status === 403 || err.status === 404) { toggle.hidden = panel.hidden = true; if (stop) stop(); return; }
        var e = $('#mc-error');
        e.textContent = KD.t('mc.load_failed') + ' ' + KD.errorText(err);
        e.hidden = false; // the next poll retries
      });
    }

    function draw(res) {
      var items = (res && res.items) || [];
      open = res && typeof res.open === 'number' ? res.open : items.length;
      count();
      $('#mc-error').hidden = true;
      $('#mc-empty').hidden = items.length > 0;
      var list = $('#mc-list'), seen = {};
      items.forEach(function (mc, i) {
        seen[mc.id] = true;
        var n = nodes[mc.id] || (nodes[mc.id] = item(mc));
        if (list.children[i] !== n) list.insertBefore(n, list.children[i] || null);
      });
      Object.keys(nodes).forEach(function (id) {
        if (!seen[id]) { nodes[id].remove(); delete nodes[id]; }
      });
    }

    function item(mc) {
      var work = KD.can(me, 'work');
      return el('li', { class: 'mc-item', 'data-mc': mc.id },
        el('div', { class: 'mc-req' },
          el('p', { class: 'mc-head' }, el('strong', { text: mc.subject || KD.word('cat', mc.category) }), ' ',
            el('span', { class: 'muted small', text: KD.fmtTime(mc.created_at) + (mc.language ? ' · ' + mc.language : '') })),
          el('p', { class: 'mc-desc', text: mc.description || '' })),
        el('div', { class: 'mc-compare' }, typed(mc), order(mc)),
        work ? el('div', { class: 'mc-actions' }, acceptForm(mc), rejectForm(mc)) : null);
    }

    function kv(rows) {
      return el('dl', { class: 'kv' }, rows.map(function (r) {
        return [el('dt', { i18n: r[0] }), el('dd', { class: r[2] || '', text: r[1] || '—' })];
      }));
    }
    // typed and order list the two e-mails on the same row, so they read side by side.
    function typed(mc) {
      return el('section', { class: 'mc-typed' }, el('h3', { i18n: 'mc.typed' }),
        kv([['f.order_no', mc.order_no, 'ref'], ['f.email', mc.email], ['field.contact', mc.contact]]));
    }
    function order(mc) {
      var o = mc.order;
      var box = el('section', { class: 'mc-order' }, el('h3', { i18n: 'mc.order' }));
      if (!o) {
        box.appendChild(el('p', { class: 'bad mc-no-order', text: KD.t('mc.no_order', { order_no: mc.order_no }) }));
        return box;
      }
      box.appendChild(kv([['f.order_no', o.order_no, 'ref'], ['mc.order_email', o.buyer_email, 'masked'], ['ticket.product', o.product],
        ['ticket.amount', KD.fmtMoney(o.amount, o.currency)], ['ticket.paid_at', KD.fmtTime(o.paid_at)]]));
      // How far the two addresses are apart (the server compares them whole; the page only
      // sees the order's masked): one or two characters is a checkout typo.
      var close = o.email_edits > 0 && o.email_edits <= 2;
      if (mc.email && o.email_edits > 0) {
        box.appendChild(el('p', { class: close ? 'mc-typo good small' : 'mc-typo muted small',
          text: close ? KD.t('mc.email_close', { n: o.email_edits }) : KD.t('mc.email_other') }));
      }
      return box;
    }

    function acceptForm(mc) {
      var id = 'mc-no-' + mc.id;
      var form = el('form', { class: 'mc-accept', novalidate: true },
        el('div', { class: 'field' }, el('label', { for: id, i18n: 'mc.accept_no' }),
          el('input', { id: id, name: 'order_no', value: mc.order_no, maxlength: '64', autocomplete: 'off', 'aria-describedby': id + '-hint' }),
          el('p', { class: 'hint', id: id + '-hint', i18n: 'mc.accept_hint' })),
        el('button', { type: 'submit', class: 'primary', i18n: 'mc.accept' }));
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var no = form.elements.order_no.value.trim();
        if (!no) { KD.showFieldErrors(form, { order_no: KD.t('v.required') }); return; }
        act(mc, 'accept', { order_no: no }, form, accepted);
      });
      return form;
    }

    // rejectForm asks for the reason on the first click and sends it on the second.
    function rejectForm(mc) {
      var id = 'mc-reason-' + mc.id;
      var field = el('div', { class: 'field', hidden: true }, el('label', { for: id, i18n: 'mc.reason' }),
        el('textarea', { id: id, name: 'reason', rows: '3', maxlength: '500', required: true }));
      var send = el('button', { type: 'submit', class: 'danger', i18n: 'mc.reject' });
      var cancel = el('button', { type: 'button', class: 'linkish', i18n: 'common.cancel', hidden: true, onclick: function () { asking(false); } });
      var form = el('form', { class: 'mc-reject', novalidate: true }, field, el('div', { class: 'actions' }, send, cancel));
      function asking(on) {
        field.hidden = cancel.hidden = !on;
        send.setAttribute('data-i18n', on ? 'mc.reject_send' : 'mc.reject');
        send.textContent = KD.t(on ? 'mc.reject_send' : 'mc.reject');
        KD.clearFieldErrors(form);
        if (on) form.elements.reason.focus();
      }
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        if (field.hidden) { asking(true); return; }
        var reason = form.elements.reason.value.trim();
        if (!reason || reason.length > 500) { KD.showFieldErrors(form, { reason: reason ? KD.t('srv.at_most', { n: 500 }) : KD.t('v.required') }); return; }
        act(mc, 'reject', { reason: reason }, form, function () { result([el('p', { class: 'success-note', text: KD.t('mc.rejected', { order_no: mc.order_no }) })]); });
      });
      return form;
    }

    /** act posts an agent's decision; a 409 means someone else decided first. */
    function act(mc, what, body, form, ok) {
      KD.clearFieldErrors(form);
      var btn = form.querySelector('button[type=submit]');
      KD.busy(btn, KD.api('/manual-checks/' + encodeURIComponent(mc.id) + '/' + what, { method: 'POST', staff: true, idem: KD.newRequestId(), body: body }))
        .then(function (res) {
          ok(res || {});
          return refresh();
        }, function (err) {
          if (err.status === 409) {
            result([el('p', { class: 'error-summary', role: 'alert', text: KD.t('mc.conflict', { order_no: mc.order_no }) })]);
            refresh();
            return;
          }
          if (!KD.showFieldErrors(form, err.fields || {})) KD.toast(KD.errorText(err), 'error');
        });
    }

    function accepted(res) {
      var link = el('a', { href: '/agent/tickets/' + encodeURIComponent(res.ticket_id), class: 'ref', text: res.ref });
      var out = [el('p', { class: 'success-note' }, el('span', { i18n: 'mc.accepted' }), ' ', link)];
      if (res.link_sent) out.push(el('p', { i18n: 'mc.link_sent' }));
      else out.push(el('p', { class: 'alert', i18n: 'mc.link_not_sent' }), linkBox(res.status_url || ''));
      result(out);
    }

    function linkBox(url) {
      if (url.charAt(0) === '/') url = KD.publicURL().replace(/\/$/, '') + url;
      var input = el('input', { id: 'mc-link', readonly: true, value: url, 'aria-label': KD.t('support.private_link') });
      return el('div', { class: 'linkbox' }, input,
        el('button', { type: 'button', id: 'mc-copy', i18n: 'common.copy', onclick: function () { input.select(); KD.copy(url); } }));
    }

    /** result says what the last decision did, above the list (its item leaves the list). */
    function result(nodesOut) {
      var box = KD.clear($('#mc-result'));
      nodesOut.forEach(function (n) { box.appendChild(n); });
      KD.announce(box.textContent);
      box.appendChild(el('button', { type: 'button', class: 'linkish small', i18n: 'mc.dismiss', onclick: function () { KD.clear(box).hidden = true; } }));
      box.hidden = false;
    }

    KD.onLang(count);
    try { if (localStorage.getItem(OPEN_KEY)) show(true); } catch (e) { /* ignore */ }
    // A failed /me is reported by the page's staffShell (agent.js).
    KD.me().then(function (m) {
      me = m;
      stop = KD.poll(refresh, 15000);
    }, function () {});
  });
})();
