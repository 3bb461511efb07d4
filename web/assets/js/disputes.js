/* Chargeback disputes: the list (evidence deadlines as countdowns) and one dispute's evidence
 * report, rendered from the report JSON, with downloads and the steps the user's permissions
 * allow: supervisors sign off and record the outcome, staff working tickets mark signed-off
 * evidence submitted. The pages only hide what is not allowed; the API refuses it anyway. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  var FILTERS_KEY = 'keydesk.disputes.filters';
  var DECIDE = 'disputes.decide', WORK = 'tickets.work';
  var DAY_MS = 86400e3;
  // While the evidence is still owed the deadline runs; afterwards it is history.
  var OWED = { open: true, evidence_ready: true, signed_off: true };
  var STATUS_CLASS = { evidence_ready: 'st-new', signed_off: 'st-new', submitted: 'sla-ok', won: 'sla-ok', lost: 'sla-breach' };

  // The dispute steps: API verb, body, and the texts of the button, its confirmation and its result.
  var STEPS = {
    sign_off: { verb: 'sign-off', label: 'disp.sign_off', confirm: 'disp.confirm_sign_off', done: 'disp.done_sign_off', cls: 'primary' },
    submit: { verb: 'submit', label: 'disp.submit', confirm: 'disp.confirm_submit', done: 'disp.done_submit', cls: 'primary' },
    won: { verb: 'outcome', body: { outcome: 'won' }, label: 'disp.won', confirm: 'disp.confirm_won', done: 'disp.done_won', cls: '' },
    lost: { verb: 'outcome', body: { outcome: 'lost' }, label: 'disp.lost', confirm: 'disp.confirm_lost', done: 'disp.done_lost', cls: 'danger' }
  };

  /** has says whether /me lists the permission (Casbin object.action). */
  function has(me, perm) { return !!me && (me.permissions || []).indexOf(perm) >= 0; }

  /** dueBadge counts down to the evidence deadline: green, amber in the last 24 h, red once past. */
  function dueBadge(d) {
    if (!OWED[d.status]) return null;
    var due = Date.parse(d.evidence_due_by);
    var b = KD.slaBadge({ sla_due_at: d.evidence_due_by, sla_warn_at: isNaN(due) ? null : new Date(due - DAY_MS).toISOString() });
    b.classList.add('due-badge');
    return b;
  }
  function statusBadge(s) { return el('span', { class: 'badge ' + (STATUS_CLASS[s] || ''), 'data-status': s, text: KD.word('dstatus', s) }); }
  function outcomeBadge(d) { return d.outcome ? statusBadge(d.outcome) : el('span', { class: 'muted', text: '—' }); }

  /* ---------- list ---------- */

  function listPage(me) {
    var form = $('#filters'), items = [], cursor = null;
    try {
      var saved = JSON.parse(localStorage.getItem(FILTERS_KEY) || '{}');
      var q = new URLSearchParams(location.search);
      Array.prototype.forEach.call(form.elements, function (f) {
        var v = q.has(f.name) ? q.get(f.name) : saved[f.name];
        if (v !== undefined && v !== null) f.value = v;
      });
    } catch (e) { /* ignore bad saved filters */ }

    function filters() {
      var o = {};
      Array.prototype.forEach.call(form.elements, function (f) { if (f.name) o[f.name] = f.value; });
      return o;
    }
    form.addEventListener('change', function () {
      try { localStorage.setItem(FILTERS_KEY, JSON.stringify(filters())); } catch (e) { /* ignore */ }
      refresh();
    });

    function fetchPage(c) {
      var q = filters();
      if (c) q.cursor = c;
      return KD.api('/disputes', { staff: true, query: q });
    }
    function refresh() {
      return fetchPage(null).then(function (res) {
        items = (res && res.disputes) || [];
        cursor = (res && res.next_cursor) || null;
        $('#load-error').hidden = true;
        render();
        $('#refreshed').textContent = new Date().toLocaleTimeString(KD.lang());
      }, function (err) {
        var box = $('#load-error');
        box.textContent = KD.errorText(err);
        box.hidden = false;
      });
    }

    function render() {
      var body = KD.clear($('#disp-body'));
      if (!items.length) body.appendChild(el('tr', null, el('td', { colspan: '7', class: 'empty', i18n: 'disp.empty' })));
      items.forEach(function (d) { body.appendChild(row(d)); });
      $('#disp-count').textContent = KD.t('disp.count', { n: items.length });
      $('#more').hidden = !cursor;
    }

    function row(d) {
      return el('tr', { 'data-dispute': d.id },
        el('td', null, el('a', { href: '/disputes/' + encodeURIComponent(d.id), class: 'ref', text: d.case_id }),
          el('div', { class: 'muted small', text: d.ticket_ref })),
        el('td', null, el('span', { class: 'ref', text: d.order_no })),
        el('td', { text: KD.fmtMoney(d.amount, d.currency) }),
        el('td', { text: d.reason }),
        el('td', { class: 'due' }, dueBadge(d), el('div', { class: 'muted small', text: KD.fmtTime(d.evidence_due_by) })),
        el('td', null, statusBadge(d.status)),
        el('td', null, outcomeBadge(d)));
    }

    $('#more').addEventListener('click', function (ev) {
      KD.busy(ev.target, fetchPage(cursor)).then(function (res) {
        items = items.concat((res && res.disputes) || []);
        cursor = (res && res.next_cursor) || null;
        render();
      }, function (err) { KD.toast(KD.errorText(err), 'error'); });
    });

    // Countdowns tick every second without refetching.
    setInterval(function () {
      if (document.hidden) return;
      KD.$all('#disp-body tr[data-dispute]').forEach(function (tr, i) {
        var old = tr.querySelector('.due-badge'), d = items[i];
        if (old && d) old.parentNode.replaceChild(dueBadge(d), old);
      });
    }, 1000);

    KD.onLang(render);
    KD.poll(refresh, 15000);
  }

  /* ---------- one dispute ---------- */

  function detailPage(me) {
    var id = KD.pathParam(1);
    var data = null, last = '';
    var nav = $('[data-nav=disputes]');
    if (nav) nav.setAttribute('aria-current', 'page');
    function path(p) { return '/disputes/' + encodeURIComponent(id) + (p || ''); }

    function load() {
      return KD.api(path(), { staff: true }).then(function (res) {
        var json = JSON.stringify(res);
        if (json === last) return; // unchanged: keep the page as it is (selection, focus)
        last = json;
        data = res;
        render();
      }, function (err) {
        var box = $('#load-error');
        box.textContent = KD.errorText(err);
        box.hidden = false;
      });
    }

    function render() {
      var d = data.dispute, rep = data.report;
      $('#dispute-view').hidden = false;
      $('#d-case').textContent = d.case_id;
      var tl = $('#d-ticket');
      tl.textContent = data.ticket_ref || ('#' + d.ticket_id);
      tl.setAttribute('href', '/agent/tickets/' + encodeURIComponent(d.ticket_id));
      $('#d-order').textContent = data.order_no || (rep && rep.order.order_no) || ('#' + d.order_id);
      $('#d-title').textContent = KD.t('disp.case_h', { case: d.case_id, amount: KD.fmtMoney(d.amount, d.currency) });
      document.title = d.case_id + ' · keydesk';
      var chips = KD.clear($('#d-chips'));
      chips.appendChild(statusBadge(d.status));
      var badge = dueBadge(d);
      if (badge) chips.appendChild(el('span', { class: 'muted small' }, KD.t('disp.c_due') + ' ', badge));
      chips.appendChild(el('span', { class: 'muted', text: d.reason }));
      renderActions(d);
      renderFacts(d, rep, data.signed_off_by_name);
      $('#rep-pending').hidden = !!rep;
      $('#dl-json').disabled = $('#dl-html').disabled = !rep;
      var box = KD.clear($('#report'));
      if (rep) box.appendChild(report(rep));
    }

    function renderActions(d) {
      var bar = KD.clear($('#d-actions')), hint = '';
      var decided = d.status === 'won' || d.status === 'lost';
      if (d.status === 'evidence_ready') {
        if (has(me, DECIDE)) bar.appendChild(step('sign_off'));
        else hint = 'disp.wait_sign_off';
      }
      if (d.status === 'signed_off') {
        if (has(me, WORK)) bar.appendChild(step('submit'));
        else hint = 'disp.wait_submit';
      }
      if (!decided && has(me, DECIDE)) {
        bar.appendChild(step('won'));
        bar.appendChild(step('lost'));
      }
      bar.hidden = !bar.firstChild;
      var h = $('#d-hint');
      h.hidden = !hint;
      h.textContent = hint ? KD.t(hint) : '';
    }

    // step is a button that, once confirmed, sends one dispute step and reloads.
    function step(key) {
      var st = STEPS[key];
      return el('button', { type: 'button', class: st.cls, 'data-action': key, i18n: st.label, onclick: function (ev) {
        var btn = ev.currentTarget;
        confirmStep(KD.t(st.label), KD.t(st.confirm), function () {
          var opts = { method: 'POST', staff: true, idem: KD.newRequestId() };
          if (st.body) opts.body = st.body;
          return KD.busy(btn, KD.api(path('/' + st.verb), opts)).then(function () {
            KD.toast(KD.t(st.done));
            KD.announce(KD.t(st.done));
            return load();
          }, function (err) { KD.toast(KD.errorText(err), 'error'); throw err; });
        });
      } });
    }

    function confirmStep(title, text, onok) {
      var dlg = $('#confirm-dialog'), opener = document.activeElement;
      $('#confirm-title').textContent = title;
      $('#confirm-text').textContent = text;
      var ok = $('#confirm-ok'), cancel = $('#confirm-cancel');
      function close() {
        dlg.close();
        ok.onclick = null;
        cancel.onclick = null;
        if (opener && opener.isConnected && opener.focus) opener.focus();
      }
      cancel.onclick = close;
      ok.onclick = function (ev) {
        ev.preventDefault();
        KD.busy(ok, Promise.resolve().then(onok)).then(close, close);
      };
      dlg.showModal();
      cancel.focus(); // the safe choice has the focus
    }

    function renderFacts(d, rep, signer) {
      var rows = [
        ['disp.c_amount', KD.fmtMoney(d.amount, d.currency)],
        ['disp.c_reason', d.reason],
        ['disp.c_due', KD.fmtTime(d.evidence_due_by)],
        ['disp.opened', rep ? KD.fmtTime(rep.dispute.opened_at) : ''],
        ['disp.c_status', KD.word('dstatus', d.status)],
        ['disp.signed_off', d.signed_off_at ? KD.fmtTime(d.signed_off_at) + (signer ? ' · ' + signer : '') : ''],
        ['disp.submitted', KD.fmtTime(d.submitted_at)],
        ['disp.c_outcome', d.outcome ? KD.word('dstatus', d.outcome) + ' · ' + KD.fmtTime(d.outcome_at) : '']
      ];
      var dl = KD.clear($('#facts'));
      rows.forEach(function (r) {
        if (!r[1]) return;
        dl.appendChild(el('dt', { i18n: r[0] }));
        dl.appendChild(el('dd', { text: r[1] }));
      });
    }

    /* downloads: the stored report fetched with the staff token and saved through a blob URL */
    function save(name, type, text) {
      var url = URL.createObjectURL(new Blob([text], { type: type }));
      var a = el('a', { href: url, download: name, hidden: true });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
    }
    function fileBase() { return 'evidence-' + String(data.dispute.case_id).replace(/[^\w-]/g, '_'); }
    // rawText fetches a non-JSON answer; a 401 lets KD.api refresh the session, then retries once.
    function rawText(p, retried) {
      return fetch('/api/v1' + p, { headers: { 'Authorization': 'Bearer ' + KD.staffToken() }, cache: 'no-store' }).then(function (res) {
        if (res.status === 401 && !retried) return KD.api(path(), { staff: true }).then(function () { return rawText(p, true); });
        if (!res.ok) return res.json().catch(function () { return null; }).then(function (b) { throw new KD.ApiError(res.status, b); });
        return res.text();
      });
    }
    $('#dl-json').addEventListener('click', function (ev) {
      KD.busy(ev.currentTarget, KD.api(path('/report'), { staff: true })).then(function (rep) {
        save(fileBase() + '.json', 'application/json', JSON.stringify(rep, null, 2));
      }, function (err) { KD.toast(KD.errorText(err), 'error'); });
    });
    $('#dl-html').addEventListener('click', function (ev) {
      KD.busy(ev.currentTarget, rawText(path('/report.html'))).then(function (html) {
        save(fileBase() + '.html', 'text/html', html);
      }, function (err) { KD.toast(KD.errorText(err), 'error'); });
    });

    setInterval(function () {
      var old = $('#d-chips .due-badge');
      if (old && data && !document.hidden) old.parentNode.replaceChild(dueBadge(data.dispute), old);
    }, 1000);
    KD.onLang(function () { if (data) render(); });
    KD.poll(function () {
      if ($('#confirm-dialog').open) return null;
      return load();
    }, 5000);
  }

  /* ---------- the evidence report ---------- */

  function section(key, content) {
    return el('section', { class: 'report-part' }, el('h3', { i18n: key }), content);
  }
  function table(heads, rows) {
    if (!rows.length) return el('p', { class: 'muted', i18n: 'disp.none' });
    return el('div', { class: 'table-wrap' }, el('table', { class: 'queue' },
      el('thead', null, el('tr', null, heads.map(function (h) { return el('th', { scope: 'col', i18n: h }); }))),
      el('tbody', null, rows.map(function (r) {
        return el('tr', null, r.map(function (c) { return el('td', null, c); }));
      }))));
  }
  function kvList(rows) {
    var dl = el('dl', { class: 'kv' });
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === '') return;
      dl.appendChild(el('dt', { i18n: r[0] }));
      dl.appendChild(el('dd', null, r[1]));
    });
    return dl;
  }
  function keyRef(id) { return id ? '#' + id : ''; }
  // when formats a report time; Go's zero time (an unknown moment) shows as nothing.
  function when(iso) { return iso && String(iso).indexOf('0001-01-01') !== 0 ? KD.fmtTime(iso) : ''; }

  /** report renders the evidence report (every value as text). */
  function report(r) {
    var o = r.order || {};
    var wrap = el('div', { class: 'report', id: 'report-body' });
    wrap.appendChild(el('p', { class: 'muted small', text: KD.t('disp.generated', { t: when(r.generated_at), shop: (r.merchant || {}).name || '' }) }));
    wrap.appendChild(section('disp.summary', el('ul', { class: 'plain' }, (r.summary || []).map(function (s) { return el('li', { text: s }); }))));
    wrap.appendChild(section('disp.order_h', kvList([
      ['disp.c_order', el('span', { class: 'ref', text: o.order_no })],
      ['disp.product', [o.product_name, o.product_sku ? '(' + o.product_sku + ')' : ''].filter(Boolean).join(' ')],
      ['disp.quantity', o.quantity ? String(o.quantity) : ''],
      ['disp.c_amount', KD.fmtMoney(o.amount, o.currency)],
      ['disp.paid_at', when(o.paid_at)],
      ['disp.payment_ref', [o.payment_gateway, o.payment_ref].filter(Boolean).join(' · ')],
      ['disp.order_status', KD.word('ostatus', o.status)],
      ['disp.buyer_email', o.buyer_email], ['disp.buyer_contact', o.buyer_contact],
      ['disp.buyer_ip', o.buyer_ip], ['disp.device', o.device_id]
    ])));
    wrap.appendChild(section('disp.keys_h', table(['disp.c_key', 'disp.c_masked', 'disp.c_status', 'disp.c_delivered', 'disp.c_first_revealed'],
      (r.keys || []).map(function (k) {
        return [keyRef(k.card_key_id), el('code', { text: k.masked }), KD.word('kstatus', k.status), when(k.delivered_at), when(k.first_revealed_at)];
      }))));
    wrap.appendChild(section('disp.trail_h', table(['disp.c_time', 'disp.c_event', 'disp.c_key', 'disp.c_ip', 'disp.c_ua', 'disp.c_source'],
      (r.key_events || []).map(function (e) {
        return [when(e.at), el('strong', { text: KD.word('kev', e.kind) }), keyRef(e.card_key_id), el('code', { class: 'ip', text: e.ip }),
          el('span', { class: 'small', text: e.user_agent }), e.source];
      }))));
    wrap.appendChild(section('disp.prior_h', table(['disp.c_order', 'disp.paid_at', 'disp.c_amount', 'disp.c_status', 'disp.c_shares'],
      (r.prior_orders || []).map(function (p) {
        var shares = [p.same_ip ? KD.t('disp.same_ip') : '', p.same_device ? KD.t('disp.same_device') : ''].filter(Boolean).join(', ');
        return [el('span', { class: 'ref', text: p.order_no }), when(p.paid_at), KD.fmtMoney(p.amount, p.currency), KD.word('ostatus', p.status), shares];
      }))));
    wrap.appendChild(section('disp.reissues_h', table(['disp.c_key', 'disp.c_delivered', 'disp.ticket'],
      (r.reissues || []).map(function (x) { return [keyRef(x.card_key_id), when(x.at), keyRef(x.ticket_id)]; }))));
    wrap.appendChild(section('disp.refunds_h', table(['disp.c_refund', 'disp.c_amount', 'disp.c_fee', 'disp.c_status', 'disp.c_requested'],
      (r.refunds || []).map(function (x) {
        return [el('span', { class: 'ref', text: x.out_refund_no }), KD.fmtMoney(x.amount, x.currency), KD.fmtMoney(x.fee, x.currency), KD.word('rstatus', x.status), when(x.at)];
      }))));
    var conv = r.conversation || [];
    wrap.appendChild(section('disp.conv_h', conv.length ? el('ol', { class: 'conversation' }, conv.map(function (m) {
      return el('li', { class: 'msg ' + (m.author_kind === 'customer' ? 'theirs' : 'mine') },
        el('div', { class: 'meta' }, el('strong', { text: m.author_name || KD.word('author', m.author_kind) }), ' · ',
          el('time', { datetime: m.at, text: when(m.at) }), ' · ', el('span', { class: 'ref', text: m.ticket_ref })),
        el('p', { class: 'body', text: m.body }));
    })) : el('p', { class: 'muted', i18n: 'disp.none' })));
    var terms = r.terms || {};
    wrap.appendChild(section('disp.terms_h', [
      el('p', { text: KD.t('disp.terms_at', { t: when(terms.accepted_at) }) + (terms.url ? ' ' + terms.url : '') }),
      terms.text ? el('blockquote', { class: 'kb-body', text: terms.text }) : null]));
    return wrap;
  }

  KD.onReady(function () {
    var page = ($('meta[name="keydesk-page"]') || {}).content;
    KD.staffShell().then(function (me) {
      if (page === 'disputes') listPage(me); else detailPage(me);
    });
  });
})();
