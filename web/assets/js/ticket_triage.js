/* Agent ticket view, issue 13: what the triage model read in the buyer's text (the detail's
 * "triage": buyer's pick, inferred intent with its confidence, a mismatch, the latest agent
 * correction), the form to correct the intent (POST /tickets/{id}/intent, kept as a label),
 * the suggested order (another order of the shop that the text names in the shop's own format),
 * orders of the shop named in the text, and quoted key fragments that match a key of the
 * ticket's order ("fragment matches key #n", the key's id as the order panel shows it; the
 * fragment itself stays masked). ticket.js calls KD.ticketTriage(data, me, act) on render. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  var CATS = ['key_invalid', 'key_missing', 'refund', 'dispute', 'account', 'other'];

  // lookupOrder fills the order panel's lookup field and submits it.
  function lookupOrder(no) {
    var input = $('#order-no');
    if (!input) return;
    input.value = no;
    var form = input.form;
    if (form.requestSubmit) form.requestSubmit(); else form.dispatchEvent(new Event('submit', { cancelable: true }));
    input.scrollIntoView({ block: 'center' });
  }

  function pct(c) { return Math.round((c || 0) * 100) + '%'; }

  KD.ticketTriage = function (data, me, act) {
    var panel = $('#triage-panel'), box = $('#triage');
    var tr = data && data.triage;
    if (!panel || !box) return;
    // The correction form keeps its pick while the page polls.
    var picked = box.querySelector('#intent-pick');
    var keep = picked && document.activeElement === picked ? picked.value : null;
    KD.clear(box);
    panel.hidden = !tr;
    if (!tr) return;
    var dl = el('dl', { class: 'kv', id: 'triage-kv' });
    dl.appendChild(el('dt', { i18n: 'tri.chosen' }));
    dl.appendChild(el('dd', { id: 'tri-chosen', text: tr.chosen_category ? KD.word('cat', tr.chosen_category) : KD.t('cat.not_sure') }));
    dl.appendChild(el('dt', { i18n: 'tri.inferred' }));
    dl.appendChild(el('dd', { id: 'tri-inferred' },
      tr.inferred_category ? KD.word('cat', tr.inferred_category) : '—',
      tr.inferred_category ? el('span', { class: 'muted small', id: 'tri-confidence', text: ' · ' + KD.t('tri.confidence', { pct: pct(tr.confidence) }) }) : null));
    box.appendChild(dl);
    if (tr.mismatch) {
      box.appendChild(el('p', { class: 'alert', id: 'tri-mismatch', role: 'status',
        text: KD.t('tri.mismatch', { chosen: KD.word('cat', tr.chosen_category), inferred: KD.word('cat', tr.inferred_category) }) }));
    }
    if (tr.label) {
      box.appendChild(el('p', { id: 'tri-label', class: 'muted small',
        text: KD.t('tri.labelled', { cat: KD.word('cat', tr.label.category), name: tr.label.by_name || KD.t('agent.user_n', { id: tr.label.by_id || '?' }), at: KD.fmtTime(tr.label.at) }) + (tr.label.note ? ' · ' + tr.label.note : '') }));
    }
    if (KD.can(me, 'work')) {
      var sel = el('select', { id: 'intent-pick', 'aria-describedby': 'intent-hint' });
      var current = keep || (tr.label && tr.label.category) || tr.inferred_category || data.t.category;
      CATS.forEach(function (c) { sel.appendChild(el('option', { value: c, text: KD.word('cat', c), selected: c === current })); });
      sel.value = current;
      var btn = el('button', { type: 'submit', class: 'small', id: 'intent-save', i18n: 'tri.correct' });
      box.appendChild(el('form', { id: 'intent-form', class: 'lookup', novalidate: true, onsubmit: function (ev) {
        ev.preventDefault();
        act('/intent', { category: sel.value }, btn).then(function () { KD.announce(KD.t('tri.saved')); }, function () {});
      } }, el('label', { for: 'intent-pick', i18n: 'tri.correct_label' }), el('div', { class: 'linkbox' }, sel, btn),
        el('p', { id: 'intent-hint', class: 'hint', i18n: 'tri.correct_hint' })));
    }
    // The order the text names in the shop's own format (kept when the ticket was created) when
    // it is not the ticket's order: the buyer may have filed under the wrong one.
    var sug = tr.suggested_order;
    if (sug && sug.order_no) {
      box.appendChild(el('p', { id: 'tri-suggested', class: 'alert', role: 'status' },
        el('span', { text: KD.t('tri.suggested_order') + ' ' }), el('strong', { class: 'ref', text: sug.order_no }), ' ',
        el('button', { type: 'button', class: 'small', 'data-order': sug.order_no, i18n: 'tri.order_open', onclick: function () { lookupOrder(sug.order_no); } }),
        sug.other_buyer ? el('span', { class: 'badge sla-warn other-buyer', i18n: 'tri.other_buyer' }) : null));
    }
    var orders = (tr.order_suggestions || []).filter(function (o) { return !o.current && !(sug && o.order_id === sug.order_id); });
    if (orders.length) {
      var ul = el('ul', { id: 'tri-orders', class: 'plain' });
      orders.forEach(function (o) {
        ul.appendChild(el('li', null, el('span', { text: KD.t('tri.order_in_text') + ' ' }), el('strong', { class: 'ref', text: o.order_no }), ' ',
          el('button', { type: 'button', class: 'small', 'data-order': o.order_no, i18n: 'tri.order_open', onclick: function () { lookupOrder(o.order_no); } }),
          o.other_buyer ? el('span', { class: 'badge sla-warn other-buyer', i18n: 'tri.other_buyer' }) : null));
      });
      box.appendChild(ul);
    }
    var keys = tr.key_matches || [];
    if (keys.length) {
      var kl = el('ul', { id: 'tri-keys', class: 'plain' });
      keys.forEach(function (k) {
        kl.appendChild(el('li', { text: KD.t('tri.key_match', { frag: k.fragment, id: k.card_key_id }) }));
      });
      box.appendChild(kl);
    }
  };
})();
