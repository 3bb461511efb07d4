/* Supervisor dashboard: SLA compliance today / 7 days, breaches and escalations with their
 * holder, load per agent, an inline SVG chart, reassign, SLA policy + calendar editor. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  var PRIOS = ['urgent', 'high', 'normal', 'low'];
  var DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

  KD.onReady(function () {
    var me = null, agents = [], lastOverview = null, lastEsc = null;

    // Both reports are aggregated by the server over the whole merchant in its time zone. The
    // daily report (chart) is fetched again only when the overview's counts moved (a new,
    // resolved or breached ticket) or a minute has passed; the rest refreshes every poll.
    var chartAt = 0, chartKey = '', series = [], lastAgents = null;

    function refresh() {
      return Promise.all([
        KD.api('/sla/overview', { staff: true }),
        KD.api('/escalations', { staff: true }),
        KD.api('/reports/agents', { staff: true })
      ]).then(function (r) {
        lastOverview = r[0] || {};
        lastEsc = r[1] || {};
        lastAgents = r[2] || {};
        var o = lastOverview;
        var key = [o.open_total, o.breaches_today, o.resolved_today, new Date().toDateString()].join('/');
        if (key === chartKey && Date.now() - chartAt < 60000) return null;
        return KD.api('/reports/daily', { staff: true, query: { days: 7 } }).then(function (d) {
          series = (d && d.days) || [];
          chartAt = Date.now();
          chartKey = key;
        });
      }).then(function () {
        draw();
        $('#refreshed').textContent = new Date().toLocaleTimeString(KD.lang());
        $('#load-error').hidden = true;
      }, function (err) {
        $('#load-error').textContent = KD.errorText(err);
        $('#load-error').hidden = false;
      });
    }

    function pct(v) {
      if (v === undefined || v === null) return '—';
      return (Math.round(v * 10) / 10) + '%';
    }
    function draw() {
      var o = lastOverview;
      $('#c-today').textContent = pct(o.compliance_today);
      $('#c-week').textContent = pct(o.compliance_7d);
      $('#c-today-n').textContent = KD.t('sup.resolved_n', { n: o.resolved_today || 0 });
      $('#c-week-n').textContent = KD.t('sup.resolved_n', { n: o.resolved_7d || 0 });
      var escItems = (lastEsc.escalations || []).map(function (e) {
        e.id = e.ticket_id;
        if (e.breached_at && !e.sla_state) e.sla_state = 'breached';
        return e;
      });
      var breachedOpen = (o.open_by_state && o.open_by_state.breached) || 0;
      $('#c-breaches').textContent = String(breachedOpen);
      $('#c-breaches-today').textContent = KD.t('sup.breaches_today', { n: o.breaches_today || 0 });
      $('#c-open').textContent = o.open_total !== undefined ? String(o.open_total) : '—';
      // Buyers whose order could not be matched wait outside the SLA clocks: say how long.
      $('#c-manual').textContent = String(o.manual_checks_open || 0);
      $('#c-manual-oldest').textContent = o.oldest_manual_check_at
        ? KD.t('sup.manual_oldest', { d: KD.fmtDuration((Date.now() - Date.parse(o.oldest_manual_check_at)) / 1000) }) : '';
      agents = (lastAgents && lastAgents.agents) || [];
      drawEscalations(escItems);
      drawLoad(agents, lastAgents || {});
      drawChart(series);
    }

    function drawEscalations(items) {
      var body = KD.clear($('#esc-body'));
      if (!items.length) body.appendChild(el('tr', null, el('td', { colspan: '5', class: 'empty', i18n: 'sup.no_esc' })));
      items.forEach(function (t) {
        var holder = t.assignee_name || (t.assignee_id ? KD.t('agent.user_n', { id: t.assignee_id }) : KD.t('agent.unassigned'));
        body.appendChild(el('tr', { 'data-ticket': t.id, 'data-ref': t.ref },
          el('td', null, KD.slaBadge(t)),
          el('td', null, el('a', { href: '/agent/tickets/' + t.id, class: 'ticket-link' }, el('span', { class: 'ref', text: t.ref }), ' ', el('span', { text: t.subject || KD.word('cat', t.category) }))),
          el('td', null, el('span', { class: 'badge esc', text: 'L' + (t.escalation_level || 0) }), ' ', el('span', { class: 'muted small', text: KD.word('queue', t.queue) + (t.breached_metric ? ' · ' + KD.word('metric', t.breached_metric) : '') })),
          el('td', { class: 'holder', text: holder }),
          el('td', null, KD.can(me, 'reassign') ? reassign(t) : null)));
      });
    }

    function reassign(t) {
      var id = 'reassign-' + t.id;
      var s = el('select', { id: id }, el('option', { value: '', i18n: 'act.assign_pick' }));
      agents.forEach(function (a) {
        var uid = a.user_id || a.id;
        if (uid && uid !== t.assignee_id && a.assignable !== false) s.appendChild(el('option', { value: String(uid), text: a.name || a.email }));
      });
      s.addEventListener('change', function () {
        if (!s.value) return;
        KD.busy(s, KD.api('/tickets/' + t.id + '/assign', { method: 'POST', staff: true, idem: KD.newRequestId(), body: { assignee_id: parseInt(s.value, 10) } }))
          .then(function () { KD.toast(KD.t('sup.reassigned', { ref: t.ref })); refresh(); }, function (err) { KD.toast(KD.errorText(err), 'error'); });
      });
      return el('label', null, el('span', { class: 'sr-only', text: KD.t('sup.reassign') + ' ' + t.ref }), s);
    }

    // drawLoad fills the load-per-agent table from GET /reports/agents, with the open
    // tickets nobody holds as a last row.
    function drawLoad(list, rep) {
      var body = KD.clear($('#load-body'));
      if (!list.length && !rep.unassigned_open) body.appendChild(el('tr', null, el('td', { colspan: '5', class: 'empty', i18n: 'sup.no_agents' })));
      var max = Math.max.apply(null, [1, rep.unassigned_open || 0].concat(list.map(function (a) { return a.open || 0; })));
      list.forEach(function (a) {
        var name = a.name || a.email || KD.t('agent.user_n', { id: a.user_id });
        body.appendChild(el('tr', { 'data-user': a.user_id },
          el('td', null, el('span', { text: name }), a.active === false ? el('span', { class: 'muted small', text: ' · ' + KD.t('sup.inactive') }) : null),
          el('td', { class: 'num' }, el('span', { class: 'count', text: String(a.open || 0) }), ' ', bar((a.open || 0) / max)),
          el('td', { class: 'num' + (a.breached ? ' bad' : ''), text: String(a.breached || 0) }),
          el('td', { class: 'num', text: String(a.resolved_today || 0) }),
          el('td', { class: 'num', text: fmtWait(a.median_first_response_secs), title: a.first_responses_today ? KD.t('sup.first_n', { n: a.first_responses_today }) : null })));
      });
      if (rep.unassigned_open) {
        body.appendChild(el('tr', { class: 'unassigned' },
          el('td', { class: 'muted', i18n: 'agent.unassigned' }),
          el('td', { class: 'num' }, el('span', { class: 'count', text: String(rep.unassigned_open) }), ' ', bar(rep.unassigned_open / max)),
          el('td', { class: 'num' + (rep.unassigned_breached ? ' bad' : ''), text: String(rep.unassigned_breached || 0) }),
          el('td', { class: 'num', text: '—' }), el('td', { class: 'num', text: '—' })));
      }
    }

    // fmtWait shows a median wait compactly (seconds under a minute, else whole minutes).
    function fmtWait(s) {
      if (s === undefined || s === null) return '—';
      if (s < 60) return Math.round(s) + 's';
      return fmtSecs(Math.round(s / 60) * 60);
    }

    // bar sets its width through the CSSOM: the CSP forbids inline style attributes.
    function bar(frac) {
      var b = el('span', { class: 'bar', 'aria-hidden': 'true' });
      b.style.width = Math.round(frac * 100) + '%';
      return b;
    }
    var SVG = 'http://www.w3.org/2000/svg';
    function svg(tag, attrs, text) {
      var n = document.createElementNS(SVG, tag);
      Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      if (text !== undefined) n.textContent = text;
      return n;
    }
    function drawChart(series) {
      var box = KD.clear($('#chart'));
      if (!series.length) { box.appendChild(el('p', { class: 'muted', i18n: 'sup.no_data' })); return; }
      var W = 640, H = 180, P = 28, n = series.length, bw = (W - P * 2) / n;
      var max = Math.max.apply(null, [1].concat(series.map(function (d) { return d.created || d.volume || d.total || 0; })));
      var summary = series.map(function (d) { return (d.date || d.day) + ': ' + (d.created || d.volume || d.total || 0) + '/' + (d.breached || 0); }).join('; ');
      var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': KD.t('sup.chart') + '. ' + summary, class: 'svgchart' });
      s.appendChild(svg('line', { x1: P, y1: H - P, x2: W - P, y2: H - P, class: 'axis' }));
      series.forEach(function (d, i) {
        var v = d.created || d.volume || d.total || 0, b = d.breached || 0;
        var x = P + i * bw + bw * 0.15, w = bw * 0.7, h = (H - P * 2) * v / max, hb = (H - P * 2) * b / max;
        var g = svg('g');
        g.appendChild(svg('title', {}, (d.date || d.day) + ' — ' + KD.t('sup.volume') + ' ' + v + ', ' + KD.t('sup.breached') + ' ' + b +
          (d.resolved ? ', ' + KD.t('sup.resolved_n', { n: d.resolved }) + ', ' + KD.t('sup.compliance') + ' ' + pct(d.compliance) : '')));
        g.appendChild(svg('rect', { x: x, y: H - P - h, width: w, height: Math.max(h, 0.5), class: 'vol', rx: 2 }));
        if (b) g.appendChild(svg('rect', { x: x + w * 0.25, y: H - P - hb, width: w * 0.5, height: hb, class: 'brc', rx: 2 }));
        g.appendChild(svg('text', { x: x + w / 2, y: H - P + 14, 'text-anchor': 'middle', class: 'lbl' }, String(d.date || d.day || '').slice(5)));
        if (v) g.appendChild(svg('text', { x: x + w / 2, y: H - P - h - 4, 'text-anchor': 'middle', class: 'val' }, String(v)));
        s.appendChild(g);
      });
      box.appendChild(s);
      box.appendChild(el('p', { class: 'legend small' }, el('span', { class: 'key vol' }), ' ', KD.t('sup.volume'), '  ', el('span', { class: 'key brc' }), ' ', KD.t('sup.breached')));
    }

    /* ---- policy + calendar editor ---- */
    function fmtSecs(s) {
      s = Math.round(s || 0);
      if (!s) return '';
      var out = '';
      [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]].forEach(function (u) {
        if (s >= u[1]) { out += Math.floor(s / u[1]) + u[0]; s %= u[1]; }
      });
      return out;
    }
    function parseSecs(txt) {
      txt = String(txt || '').trim().toLowerCase();
      if (!txt) return 0;
      if (/^\d+$/.test(txt)) return parseInt(txt, 10) * 60; // bare number = minutes
      var re = /(\d+(?:\.\d+)?)\s*(d|h|m|s)/g, m, total = 0, used = '';
      while ((m = re.exec(txt))) { total += parseFloat(m[1]) * { d: 86400, h: 3600, m: 60, s: 1 }[m[2]]; used += m[0]; }
      if (used.replace(/\s/g, '') !== txt.replace(/\s/g, '')) return NaN;
      return Math.round(total);
    }

    var policyLoaded = false;
    function loadPolicies() {
      return KD.api('/sla-policies', { staff: true }).then(function (res) {
        policyLoaded = true;
        var pol = (res && (res.policies || res.items)) || [];
        var byP = {};
        pol.forEach(function (p) { byP[p.priority] = p; });
        var body = KD.clear($('#policy-body'));
        PRIOS.forEach(function (pr) {
          var p = byP[pr] || {};
          body.appendChild(el('tr', { 'data-priority': pr },
            el('th', { scope: 'row', text: KD.word('prio', pr) }),
            cell(pr, 'first_response_secs', fmtSecs(p.first_response_secs), 'sup.first'),
            cell(pr, 'next_response_secs', fmtSecs(p.next_response_secs), 'sup.next'),
            cell(pr, 'resolution_secs', fmtSecs(p.resolution_secs), 'sup.resolution'),
            cell(pr, 'warn_fraction', p.warn_fraction ? String(Math.round(p.warn_fraction * 100)) : '75', 'sup.warn', 'number')));
        });
        var cal = (res && res.calendar) || {};
        $('#cal-tz').value = cal.timezone || '';
        var week = cal.week || [];
        var wbox = KD.clear($('#week'));
        DAYS.forEach(function (d, i) {
          var id = 'week-' + i;
          wbox.appendChild(el('div', { class: 'field' }, el('label', { for: id, i18n: 'day.' + d }),
            el('input', { id: id, name: 'week_' + i, value: week[i] || '', placeholder: '09:00-12:00,13:00-18:00' })));
        });
        $('#cal-holidays').value = (cal.holidays || []).join('\n');
        var editable = KD.can(me, 'sla_edit');
        KD.$all('#policy-form input, #policy-form textarea, #policy-form button').forEach(function (n) { n.disabled = !editable; });
      }, function (err) {
        var form = $('#policy-form');
        form.hidden = true;
        var note = $('#policy-unavailable') || form.parentNode.appendChild(el('p', { id: 'policy-unavailable', class: 'muted' }));
        note.textContent = err.status === 404 ? KD.t('sup.no_policy_api') : KD.errorText(err);
      });
    }
    function cell(pr, field, value, label, type) {
      var id = 'pol-' + pr + '-' + field;
      return el('td', { class: 'field' },
        el('label', { for: id, class: 'sr-only', text: KD.word('prio', pr) + ' ' + KD.t(label) }),
        el('input', { id: id, name: pr + '.' + field, value: value, type: type || 'text', size: '7', inputmode: type ? 'numeric' : 'text' }));
    }

    $('#policy-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var form = ev.target, errors = {};
      KD.clearFieldErrors(form);
      var policies = PRIOS.map(function (pr) {
        var p = { priority: pr };
        ['first_response_secs', 'next_response_secs', 'resolution_secs'].forEach(function (f) {
          var v = parseSecs(form.elements[pr + '.' + f].value);
          if (isNaN(v)) errors[pr + '.' + f] = KD.t('v.duration'); else p[f] = v;
        });
        var w = parseFloat(form.elements[pr + '.warn_fraction'].value);
        if (!(w > 0 && w < 100)) errors[pr + '.warn_fraction'] = KD.t('v.percent'); else p.warn_fraction = w / 100;
        return p;
      });
      var week = DAYS.map(function (d, i) { return form.elements['week_' + i].value.trim(); });
      var holidays = form.elements.holidays.value.split(/\s+/).filter(Boolean);
      holidays.forEach(function (h) { if (!/^\d{4}-\d{2}-\d{2}$/.test(h)) errors.holidays = KD.t('v.dates'); });
      if (Object.keys(errors).length) { KD.showFieldErrors(form, errors, $('#policy-summary')); return; }
      var body = { policies: policies, calendar: { timezone: form.elements.timezone.value.trim(), week: week, holidays: holidays } };
      KD.busy($('#policy-save'), KD.api('/sla-policies', { method: 'PUT', staff: true, body: body })).then(function () {
        KD.toast(KD.t('sup.saved'));
        KD.announce(KD.t('sup.saved'));
        loadPolicies();
      }, function (err) {
        // API fields may be "policies[0].first_response_secs" or "calendar.week[1]": map them.
        var mapped = {};
        Object.keys(err.fields || {}).forEach(function (k) {
          var m = /policies\[(\d)\]\.(\w+)/.exec(k), w = /week\[(\d)\]/.exec(k);
          if (m) mapped[PRIOS[+m[1]] + '.' + m[2]] = err.fields[k];
          else if (w) mapped['week_' + w[1]] = err.fields[k];
          else if (/holidays/.test(k)) mapped.holidays = err.fields[k];
          else mapped[k.replace(/^calendar\./, '')] = err.fields[k];
        });
        if (!KD.showFieldErrors(form, mapped, $('#policy-summary'))) KD.toast(KD.errorText(err), 'error');
      });
    });

    KD.onLang(function () { if (lastOverview) draw(); if (policyLoaded) loadPolicies(); });
    KD.staffShell().then(function (m) {
      me = m;
      if (!KD.can(me, 'supervisor')) { KD.noAccess(); return; }
      loadPolicies();
      KD.poll(refresh, 3000);
    });
  });
})();
