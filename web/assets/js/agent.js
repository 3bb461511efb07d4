/* Agent queue: filters, SLA countdown badges, short-polling live updates, claim. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  var FILTERS_KEY = 'keydesk.queue.filters';

  KD.onReady(function () {
    var form = $('#filters');
    var me = null, items = [], cursor = null, known = null;
    try {
      var saved = JSON.parse(localStorage.getItem(FILTERS_KEY) || '{}');
      var q = new URLSearchParams(location.search);
      Array.prototype.forEach.call(form.elements, function (f) {
        var v = q.has(f.name) ? q.get(f.name) : saved[f.name];
        if (v === undefined || v === null) return;
        if (f.type === 'checkbox') f.checked = v === true || v === 'true'; else f.value = v;
      });
    } catch (e) { /* ignore bad saved filters */ }

    function filters() {
      var o = {};
      Array.prototype.forEach.call(form.elements, function (f) {
        if (!f.name) return;
        if (f.type === 'checkbox') { if (f.checked) o[f.name] = 'true'; } else if (f.value) o[f.name] = f.value;
      });
      return o;
    }
    form.addEventListener('change', function () {
      try { localStorage.setItem(FILTERS_KEY, JSON.stringify(filters())); } catch (e) { /* ignore */ }
      // The filters are in the URL too, so a filtered queue can be bookmarked or shared.
      try { history.replaceState(null, '', location.pathname + (Object.keys(filters()).length ? '?' + new URLSearchParams(filters()) : '')); } catch (e) { /* ignore */ }
      known = null;
      refresh();
    });

    function fetchPage(c) {
      var q = filters();
      if (c) q.cursor = c;
      return KD.api('/queue', { staff: true, query: q });
    }
    function refresh() {
      return fetchPage(null).then(function (res) {
        var list = (res && (res.tickets || res.items)) || [];
        cursor = res && (res.next_cursor || res.cursor) || null;
        var fresh = [];
        if (known) list.forEach(function (t) { if (!known[t.id]) fresh.push(t); });
        known = {};
        list.forEach(function (t) { known[t.id] = true; });
        items = list;
        render(fresh);
        if (fresh.length) KD.announce(KD.t('agent.new_tickets', { n: fresh.length }));
        $('#refreshed').textContent = new Date().toLocaleTimeString(KD.lang());
        liveWord(true);
      }, function (err) {
        // The first load failed: say so in the table (polling retries); later failures keep
        // the rows, marked out of date by the connection banner and "offline" above.
        if (!known) {
          var body = KD.clear($('#queue-body'));
          body.removeAttribute('aria-busy');
          body.appendChild(el('tr', null, el('td', { colspan: '6', class: 'empty bad', text: KD.t('agent.load_failed') + ' ' + KD.errorText(err) })));
        }
        liveWord(KD.online());
        throw err;
      });
    }
    // liveWord says whether the list is live ("实时 · time of the last answer") or offline.
    function liveWord(on) {
      var w = $('#live-word');
      w.setAttribute('data-i18n', on ? 'agent.live' : 'agent.offline');
      w.textContent = KD.t(on ? 'agent.live' : 'agent.offline');
      $('#live-dot').classList.toggle('off', !on);
    }
    KD.onConn(function (on) { liveWord(on); });

    function render(fresh) {
      var freshIds = {};
      (fresh || []).forEach(function (t) { freshIds[t.id] = true; });
      var body = KD.clear($('#queue-body'));
      body.removeAttribute('aria-busy');
      if (!items.length) {
        body.appendChild(el('tr', null, el('td', { colspan: '6', class: 'empty', i18n: 'agent.empty' })));
      }
      items.forEach(function (t) { body.appendChild(row(t, freshIds[t.id])); });
      $('#queue-count').textContent = KD.t('agent.count', { n: items.length });
      $('#more').hidden = !cursor;
    }

    function row(t, isNew) {
      var link = el('a', { href: '/agent/tickets/' + encodeURIComponent(t.id), class: 'ticket-link' },
        el('span', { class: 'ref', text: t.ref }), ' ', el('span', { class: 'subject', text: t.subject || KD.word('cat', t.category) }));
      var assignee = t.assignee_name || (t.assignee_id ? KD.t('agent.user_n', { id: t.assignee_id }) : '');
      var mine = me && me.user && t.assignee_id && t.assignee_id === me.user.id;
      var actions = el('td', { class: 'row-actions' });
      if (!t.assignee_id && KD.can(me, 'work') && t.status !== 'closed') {
        actions.appendChild(el('button', { type: 'button', class: 'small', 'data-claim': t.id, i18n: 'agent.claim',
          'aria-label': KD.t('agent.claim') + ' ' + t.ref, onclick: function (ev) { claim(t, ev.target); } }));
      }
      return el('tr', { class: (isNew ? 'fresh ' : '') + 'prio-' + (t.priority || 'normal'), 'data-ticket': t.id, 'data-ref': t.ref },
        el('td', null, KD.slaBadge(t), t.escalation_level ? el('span', { class: 'badge esc', title: KD.t('sup.level'), text: 'L' + t.escalation_level }) : null),
        el('td', { class: 'tcell' }, el('div', { class: 'tline', title: (t.subject || '') }, link,
          el('span', { class: 'muted small meta', text: KD.word('cat', t.category) + ' · ' + KD.word('queue', t.queue) }))),
        el('td', null, el('span', { class: 'badge st st-' + t.status, text: KD.word('status', t.status) })),
        el('td', null, el('span', { class: 'prio prio-' + t.priority, text: KD.word('prio', t.priority) })),
        el('td', null, mine ? el('strong', { i18n: 'agent.you' }) : (assignee || el('span', { class: 'muted', i18n: 'agent.unassigned' }))),
        actions);
    }

    function claim(t, btn) {
      KD.busy(btn, KD.api('/tickets/' + t.id + '/claim', { method: 'POST', staff: true, idem: KD.newRequestId() }))
        .then(function () {
          KD.toast(KD.t('agent.claimed', { ref: t.ref }));
          KD.announce(KD.t('agent.claimed', { ref: t.ref }));
          return refresh();
        }, function (err) { KD.toast(KD.errorText(err), 'error'); });
    }

    $('#more').addEventListener('click', function (ev) {
      KD.busy(ev.target, fetchPage(cursor)).then(function (res) {
        var list = (res && (res.tickets || res.items)) || [];
        cursor = res && res.next_cursor || null;
        list.forEach(function (t) { known[t.id] = true; });
        items = items.concat(list);
        render([]);
      }, function (err) { KD.toast(KD.errorText(err), 'error'); });
    });

    // Countdown badges tick every second without refetching.
    setInterval(function () { if (items.length && !document.hidden) {
      KD.$all('#queue-body tr[data-ticket]').forEach(function (tr, i) {
        var t = items[i];
        if (!t) return;
        var cell = tr.firstChild, old = cell.querySelector('.sla');
        if (old) cell.replaceChild(KD.slaBadge(t), old);
      });
    } }, 1000);

    KD.onLang(function () { render([]); });
    KD.staffShell().then(function (m) {
      me = m;
      KD.poll(refresh, 3000);
    });
  });
})();
