/* Risk queue: tickets held for review, with the fraud assessment and its reasons;
 * approve / deny with the reason the buyer reads and an optional internal note. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  KD.onReady(function () {
    var me = null, details = {}, shown = null;

    function refresh() {
      return KD.api('/queue', { staff: true, query: { queue: 'risk' } }).then(function (res) {
        var items = ((res && (res.tickets || res.items)) || []).filter(function (t) { return t.status !== 'resolved' && t.status !== 'closed'; });
        $('#refreshed').textContent = new Date().toLocaleTimeString(KD.lang());
        return Promise.all(items.slice(0, 20).map(function (t) {
          if (details[t.id]) return details[t.id];
          return KD.api('/tickets/' + t.id, { staff: true }).then(function (d) { d = KD.snake(d); details[t.id] = d; return d; }, function () { return { ticket: t }; });
        })).then(function (ds) { draw(items, ds); });
      });
    }

    function draw(items, ds) {
      var sig = items.map(function (t) { return t.id + ':' + t.status + ':' + t.sla_due_at; }).join(',');
      if (sig === shown) return; // keep a half-written reason intact
      shown = sig;
      var box = KD.clear($('#reviews'));
      if (!items.length) { box.appendChild(el('p', { class: 'empty', i18n: 'risk.empty' })); return; }
      items.forEach(function (t, i) { box.appendChild(card(t, ds[i] || {})); });
    }

    /** ruleName is the rule's name in the page language, or its id when untranslated. */
    function ruleName(id) {
      var k = 'rule.' + id, s = KD.t(k);
      return s === k ? id : s;
    }

    /** explain shows each rule's contribution to the score: name (translated), id and the
     * rule's own detail, signed points with a bar; then how the score adds up. */
    function explain(f) {
      var hits = f.hits || f.reasons || [];
      if (!hits.length) return el('p', { class: 'muted', i18n: 'risk.no_rules' });
      if (typeof hits[0] === 'string') {
        return el('ul', { class: 'hits' }, hits.map(function (h) { return el('li', { text: h }); }));
      }
      var most = 1;
      hits.forEach(function (h) { most = Math.max(most, Math.abs(h.points || 0)); });
      var body = el('tbody', null, hits.map(function (h) {
        var p = h.points || 0;
        var bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
        bar.style.width = Math.round(60 * Math.abs(p) / most) + 'px'; // CSSOM: allowed by the CSP
        return el('tr', { 'data-rule': h.rule, class: p < 0 ? 'credit' : 'risk' },
          el('th', { scope: 'row' }, el('span', { class: 'rule-name', text: ruleName(h.rule) }), el('code', { class: 'rule-id', text: h.rule }),
            el('span', { class: 'detail', text: KD.fraudDetail(h.reason || '') })),
          el('td', { class: 'pts-cell' },
            el('span', { class: 'pts', text: (p > 0 ? '+' : p < 0 ? '−' : '') + Math.abs(p), title: p < 0 ? KD.t('risk.credit') : null }),
            bar));
      }));
      return el('div', { class: 'explain' },
        el('table', { class: 'rules' },
          el('caption', { i18n: 'risk.why' }),
          el('thead', null, el('tr', null, el('th', { scope: 'col', i18n: 'risk.col_rule' }), el('th', { scope: 'col', i18n: 'risk.col_points' }))),
          body),
        el('p', { class: 'muted small', text: KD.t('risk.score_note', { score: f.score === undefined ? '—' : f.score, version: f.ruleset_version || '—' }) }),
        KD.lang() === 'en' ? null : el('p', { class: 'muted small', i18n: 'risk.detail_note' }));
    }

    function card(t, d) {
      var f = d.fraud || (d.state && d.state.risk) || {};
      var hits = explain(f);
      var rid = 'reason-' + t.id;
      // Two boxes: what the buyer reads (a deny's reason goes to them word for word) and what
      // only staff read (written as an internal note before the decision).
      var reason = el('textarea', { id: rid, name: 'reason', rows: '2', required: true, 'aria-describedby': rid + '-hint' });
      var nid = 'note-' + t.id;
      var note = el('textarea', { id: nid, name: 'note', rows: '2' });
      var form = el('form', { class: 'decision', novalidate: true },
        el('div', { class: 'field' }, el('label', { for: rid, i18n: 'risk.reason_buyer' }), reason,
          el('p', { class: 'hint', id: rid + '-hint', i18n: 'risk.reason_buyer_hint' })),
        el('div', { class: 'field' }, el('label', { for: nid, i18n: 'risk.internal_note' }), note),
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'primary', 'data-action': 'risk_approve', i18n: 'act.risk_approve', onclick: function (ev) { decide(t, 'approve', reason, note, ev.target, form); } }),
          el('button', { type: 'button', class: 'danger', 'data-action': 'risk_deny', i18n: 'act.risk_deny', onclick: function (ev) { decide(t, 'deny', reason, note, ev.target, form); } })));
      return el('article', { class: 'card review', 'data-ticket': t.id, 'data-ref': t.ref },
        el('header', null, KD.slaBadge(t), ' ', el('a', { href: '/agent/tickets/' + t.id, class: 'ref', text: t.ref }), ' ',
          el('span', { text: t.subject || KD.word('cat', t.category) })),
        el('p', null, el('span', { class: 'score score-' + (f.decision || 'none'), text: f.score === undefined ? '—' : String(f.score) }), ' ',
          el('strong', { text: KD.word('decision', f.decision) })),
        hits,
        KD.can(me, 'risk') ? form : el('p', { class: 'muted', i18n: 'risk.readonly' }));
    }

    function decide(t, what, reason, note, btn, form) {
      KD.clearFieldErrors(form);
      if (!reason.value.trim()) { KD.showFieldErrors(form, { reason: KD.t('v.required') }); return; }
      var internal = note.value.trim();
      var first = internal ? KD.api('/tickets/' + t.id + '/note', { method: 'POST', staff: true, idem: KD.newRequestId(), body: { body: internal } }) : Promise.resolve();
      KD.busy(btn, first.then(function () {
        return KD.api('/tickets/' + t.id + '/risk/' + what, { method: 'POST', staff: true, idem: KD.newRequestId(), body: { reason: reason.value.trim() } });
      }))
        .then(function () {
          KD.toast(KD.t('risk.decided', { ref: t.ref }));
          KD.announce(KD.t('risk.decided', { ref: t.ref }));
          delete details[t.id];
          shown = null;
          return refresh();
        }, function (err) { if (!KD.showFieldErrors(form, err.fields || {})) KD.toast(KD.errorText(err), 'error'); });
    }

    KD.onLang(function () { shown = null; if (KD.can(me, 'risk')) refresh(); });
    KD.staffShell().then(function (m) { me = m; if (!KD.can(me, 'risk')) { KD.noAccess(); return; } KD.poll(refresh, 5000); });
  });
})();
