/* Agent ticket view: conversation, internal notes, macros, order with delivery and reveal
 * history, fraud assessment, and only the actions the user's roles allow. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;

  KD.onReady(function () {
    var id = KD.pathParam(2);
    var me = null, data = null, mode = 'reply', orderLoaded = null, macros = [];

    function path(p) { return '/tickets/' + encodeURIComponent(id) + (p || ''); }
    function act(p, body, btn) {
      var opts = { method: 'POST', staff: true, idem: KD.newRequestId() };
      if (body) opts.body = body;
      return KD.busy(btn, KD.api(path(p), opts)).then(function (res) {
        KD.toast(KD.t('ticket.done'));
        return load().then(function () { return res; });
      }, function (err) { KD.toast(KD.errorText(err), 'error'); throw err; });
    }

    var stopPoll = null;
    function load() {
      return KD.api(path(), { staff: true }).then(function (res) {
        data = normalise(res);
        if (data.t.category !== 'refund') return render();
        // A refund ticket: its latest refund decides whether approve / reject are offered.
        // The refund awaiting a decision has no row yet: it lives in the workflow's state
        // (the detail's state.refund, or the list's pending when the detail had no state).
        return KD.api(path('/refunds'), { staff: true }).then(function (r) {
          var list = (r && r.refunds) || [];
          data.refund = list.length ? list[list.length - 1] : null;
          data.pending = pendingOf(data.state && data.state.refund) || (r && r.pending) || null;
        }, function () { data.refund = null; data.pending = pendingOf(data.state && data.state.refund); }).then(render);
      }, function (err) {
        var box = $('#load-error');
        box.textContent = KD.errorText(err);
        box.hidden = false;
        // A ticket that does not exist (or is another shop's) will not appear: stop polling.
        if (err.status === 404 || err.status === 403) { if (stopPoll) stopPoll(); }
        throw err;
      });
    }

    // normalise maps the detail answer ({ticket, state, messages, timeline, fraud}; the
    // ticket, messages and events are plain models with Go field names) to snake_case and
    // prefers the live workflow state over the read model where both exist.
    function normalise(res) {
      res = KD.snake(res || {});
      var t = res.ticket || {};
      var st = res.state || null;
      if (st) {
        ['status', 'priority', 'queue', 'escalation_level'].forEach(function (k) { if (st[k] !== undefined) t[k] = st[k]; });
        t.assignee_id = st.assignee_id || null;
        t.risk = st.risk || null;
        t.reissue = st.reissue || null;
      }
      return {
        t: t, state: st,
        messages: res.messages || [],
        timeline: res.timeline || [],
        fraud: res.fraud || null,
        attachments: res.attachments || [],
        refund: res.refund || null,
        triage: res.triage || null,
        macros: res.macros || null
      };
    }

    // pendingOf: the workflow's refund state when a decision on it is possible (awaiting
    // approval, or failed / stuck and so open to another attempt), in the list's shape.
    function pendingOf(rf) {
      if (!rf || ['pending_approval', 'failed', 'stuck'].indexOf(rf.status) < 0) return null;
      var so = rf.supervisor_only || [];
      return { status: rf.status, currency: rf.currency, refundable: rf.refundable || 0, agent_limit: rf.agent_limit || 0,
        supervisor_only: so, order_no: rf.order_no, within_window: rf.within_window, risk_score: rf.risk_score,
        agent_may_approve: so.length === 0 && (rf.agent_limit || 0) > 0 };
    }

    // refundWhy localises a reason the workflow gives for "only a supervisor may approve"
    // (it writes them in English); an unknown one is shown as written.
    function refundWhy(r) {
      var m = /^requested after the refundable window ended (\d{4}-\d{2}-\d{2})$/.exec(r);
      if (m) return KD.t('refund.why_window', { date: m[1] });
      m = /^fraud check: (\w+) \(score (-?\d+)\)$/.exec(r);
      if (m) return KD.t('refund.why_fraud', { decision: KD.word('decision', m[1]), score: m[2] });
      return r;
    }

    // refundDecider: 'any' for a supervisor or admin, 'limit' for an agent who may approve
    // up to the agent limit, 'reject' for an agent who may only reject, '' for nobody.
    function refundDecider(p) {
      if (KD.can(me, 'refund_any')) return 'any';
      if (!KD.can(me, 'refund_small')) return '';
      return p.agent_may_approve ? 'limit' : 'reject';
    }

    // renderRefund shows the refund awaiting a decision: amount, who may approve, and why
    // only a supervisor may when that is so.
    function renderRefund(t) {
      var box = $('#refund-box');
      if (!box) {
        box = el('section', { id: 'refund-box', class: 'panel refund-box', 'aria-labelledby': 'refund-h' });
        $('#actions').insertAdjacentElement('afterend', box);
      }
      KD.clear(box);
      var p = data.pending, open = t.status !== 'resolved' && t.status !== 'closed';
      box.hidden = !(p && open);
      if (box.hidden) return;
      box.appendChild(el('h2', { id: 'refund-h', i18n: p.status === 'pending_approval' ? 'refund.pending_h' : 'refund.retry_h' }));
      var dl = el('dl', { class: 'kv' });
      function row(k, v) { dl.appendChild(el('dt', { i18n: k })); dl.appendChild(el('dd', { text: v })); }
      row('refund.refundable', KD.fmtMoney(p.refundable, p.currency));
      row('refund.agent_limit', KD.fmtMoney(p.agent_limit, p.currency));
      if (p.order_no) row('refund.order', p.order_no);
      box.appendChild(dl);
      var who;
      if (p.supervisor_only && p.supervisor_only.length) who = KD.t('refund.supervisor_only');
      else if (p.refundable > p.agent_limit) who = KD.t('refund.above_limit', { limit: KD.fmtMoney(p.agent_limit, p.currency) });
      else who = KD.t('refund.agent_may', { limit: KD.fmtMoney(p.agent_limit, p.currency) });
      box.appendChild(el('p', { id: 'refund-who', class: 'muted', text: who }));
      if (p.supervisor_only && p.supervisor_only.length) {
        var ul = el('ul', { id: 'refund-why' });
        p.supervisor_only.forEach(function (r) { ul.appendChild(el('li', { text: refundWhy(r) })); });
        box.appendChild(ul);
      }
      if (refundDecider(p) === 'reject') box.appendChild(el('p', { id: 'refund-mine', class: 'muted', i18n: 'refund.agent_reject_only' }));
    }

    // disputeLink: a chargeback ticket links to its dispute page (looked up once per page).
    var disputeAsked = false;
    function disputeLink(t) {
      if (disputeAsked || t.category !== 'dispute') return;
      disputeAsked = true;
      KD.api('/disputes', { staff: true, query: { ticket_id: t.id } }).then(function (r) {
        var d = r && r.disputes && r.disputes[0];
        if (!d) return;
        $('#t-chips').insertAdjacentElement('afterend', el('p', { id: 't-dispute' },
          el('a', { href: '/disputes/' + encodeURIComponent(d.id), i18n: 'disp.ticket_link' }), ' ', el('span', { class: 'ref', text: d.case_id })));
      }, function () { disputeAsked = false; });
    }

    function render() {
      var t = data.t;
      $('#ticket-view').hidden = false;
      disputeLink(t);
      $('#t-ref').textContent = t.ref;
      $('#t-category').textContent = KD.word('cat', t.category);
      $('#t-created').textContent = KD.fmtTime(t.created_at);
      $('#t-subject').textContent = t.subject || KD.word('cat', t.category);
      document.title = t.ref + ' · keydesk';
      var chips = KD.clear($('#t-chips'));
      chips.appendChild(el('span', { class: 'badge st st-' + t.status, text: KD.word('status', t.status) }));
      chips.appendChild(el('span', { class: 'prio prio-' + t.priority, text: KD.word('prio', t.priority) }));
      chips.appendChild(el('span', { class: 'badge', text: KD.word('queue', t.queue) }));
      chips.appendChild(KD.slaBadge(t));
      if (data.refund) chips.appendChild(el('span', { class: 'badge', text: KD.t('ticket.refund_chip', { amount: KD.fmtMoney(data.refund.amount, data.refund.currency), status: KD.word('rstatus', data.refund.status) }) }));
      if (t.escalation_level) chips.appendChild(el('span', { class: 'badge esc', text: KD.t('ticket.escalated', { n: t.escalation_level }) }));
      var who = t.assignee_id && me.user && t.assignee_id === me.user.id ? KD.t('agent.you') : (t.assignee_name || nameOf(t.assignee_id));
      chips.appendChild(el('span', { class: 'muted', id: 't-assignee', text: who ? KD.t('ticket.assigned_to', { name: who }) : KD.t('agent.unassigned') }));
      renderActions(t);
      renderRefund(t);
      renderMessages();
      renderAttachments();
      renderTimeline();
      renderSLA(t);
      renderBuyer(t);
      renderFraud();
      renderOrder(t);
      if (KD.ticketTriage) KD.ticketTriage(data, me, act);
      renderMacros();
    }

    // nameOf names a staff member from the messages they wrote (the detail carries ids only).
    function nameOf(id) {
      if (!id) return '';
      for (var i = 0; i < data.messages.length; i++) {
        var m = data.messages[i];
        if (m.author_id === id && m.author_name && m.author_kind !== 'customer') return m.author_name;
      }
      return KD.t('agent.user_n', { id: id });
    }

    function button(key, onclick, cls) {
      return el('button', { type: 'button', class: cls || '', 'data-action': key, i18n: 'act.' + key, onclick: onclick });
    }

    function renderActions(t) {
      var bar = KD.clear($('#actions'));
      var open = t.status !== 'resolved' && t.status !== 'closed';
      var mine = me.user && t.assignee_id === me.user.id;
      if (KD.can(me, 'work')) {
        if (open && !mine) bar.appendChild(button('claim', function (ev) { act('/claim', {}, ev.target); }, 'primary'));
        if (open) {
          bar.appendChild(select('status', ['open', 'pending_customer', 'pending_internal'], t.status, function (v, s) { act('/status', { status: v }, s); }));
          bar.appendChild(select('priority', ['low', 'normal', 'high', 'urgent'], t.priority, function (v, s) { act('/priority', { priority: v }, s); }));
          bar.appendChild(button('escalate', function (ev) {
            ask(KD.t('act.escalate'), null, function (reason) { return act('/escalate', { delta: 1, reason: reason }, ev.target); });
          }));
          bar.appendChild(button('resolve', function (ev) { act('/resolve', {}, ev.target); }));
        } else {
          bar.appendChild(button('reopen', function (ev) { act('/reopen', {}, ev.target); }));
        }
      }
      if (open && KD.can(me, 'reassign')) bar.appendChild(reassign(t));
      var riskPending = t.risk ? !!t.risk.pending : (t.queue === 'risk' && t.risk_decision === 'review');
      if (open && riskPending && KD.can(me, 'risk')) {
        bar.appendChild(button('risk_approve', function (ev) {
          ask(KD.t('act.risk_approve'), null, function (r) { return act('/risk/approve', { reason: r }, ev.target); });
        }, 'primary'));
        bar.appendChild(button('risk_deny', function (ev) {
          ask(KD.t('act.risk_deny'), null, function (r) { return act('/risk/deny', { reason: r }, ev.target); });
        }, 'danger'));
      }
      var pending = data.pending, decider = pending ? refundDecider(pending) : '';
      if (open && decider) {
        // An agent approves up to the agent limit; a supervisor or admin up to what is refundable.
        var max = decider === 'limit' ? Math.min(pending.refundable, pending.agent_limit) : pending.refundable;
        if (decider !== 'reject') bar.appendChild(button('refund_approve', function (ev) {
          ask(KD.t('act.refund_approve'), { amount: max, max: max, currency: pending.currency }, function (r, amount) {
            var b = { reason: r };
            if (amount) b.amount = amount;
            return act('/refund/approve', b, ev.target);
          });
        }, 'primary'));
        bar.appendChild(button('refund_reject', function (ev) {
          ask(KD.t('act.refund_reject'), null, function (r) { return act('/refund/reject', { reason: r }, ev.target); });
        }, 'danger'));
      }
    }

    function select(key, values, current, onchange) {
      var id = 'act-' + key;
      var s = el('select', { id: id });
      // A status the agent cannot pick (new, in risk review…) is still shown as the current one.
      if (current && values.indexOf(current) < 0) s.appendChild(el('option', { value: current, text: KD.word(key === 'status' ? 'status' : 'prio', current), disabled: true, selected: true }));
      values.forEach(function (v) { s.appendChild(el('option', { value: v, text: KD.word(key === 'status' ? 'status' : 'prio', v), selected: v === current })); });
      s.value = current;
      s.addEventListener('change', function () { onchange(s.value, s); });
      return el('label', { class: 'inline' }, el('span', { i18n: 'act.' + key }), ' ', s);
    }

    var staffList = null;
    function reassign(t) {
      var s = el('select', { id: 'act-assign' }, el('option', { value: '', i18n: 'act.assign_pick' }));
      var fill = function (users) {
        users.forEach(function (u) {
          if (u.id === t.assignee_id) return;
          s.appendChild(el('option', { value: String(u.id), text: u.name || u.email }));
        });
      };
      if (staffList) fill(staffList); else loadStaff().then(function (u) { staffList = u; fill(u); });
      s.addEventListener('change', function () {
        if (!s.value) return;
        act('/assign', { assignee_id: parseInt(s.value, 10) }, s);
        s.value = '';
      });
      return el('label', { class: 'inline' }, el('span', { i18n: 'act.assign' }), ' ', s);
    }

    function renderMessages() {
      var list = KD.clear($('#messages'));
      data.messages.forEach(function (m) {
        var kind = m.author_kind || 'agent';
        list.appendChild(el('li', { class: 'msg ' + (kind === 'customer' ? 'theirs' : 'mine') + (m.internal ? ' internal' : '') },
          el('div', { class: 'meta' },
            el('strong', { text: m.author_name || KD.word('author', kind) }),
            m.internal ? el('span', { class: 'badge note', i18n: 'ticket.internal' }) : null,
            ' · ', el('time', { datetime: m.created_at, text: KD.fmtTime(m.created_at) })),
          el('p', { class: 'body', text: KD.msgText(m) })));
      });
      if (!data.messages.length) list.appendChild(el('li', { class: 'muted', i18n: 'status.no_messages' }));
    }

    // renderAttachments shows the buyer's screenshots as thumbnails (fetched with the staff
    // token into object URLs), drawn again only when the list changes.
    var attKey = null;
    function renderAttachments() {
      var items = data.attachments;
      var key = items.map(function (a) { return a.id + (a.purged_at ? 'p' : ''); }).join(',');
      if (key === attKey || !KD.files) return;
      attKey = key;
      $('#attachments-box').hidden = !items.length;
      KD.files.render($('#attachments'), items, '/api/v1' + path(), KD.staffToken);
    }

    // timelineDetail is an event's detail in the page's language: a status, priority or
    // refund status by its word; a reason or file name as written.
    function timelineDetail(e) {
      var d = e.data || {};
      if (e.summary || e.reason) return e.summary || e.reason;
      if (d.reason) return d.reason;
      if (d.status) return /^refund_/.test(e.kind) ? KD.word('rstatus', d.status) : KD.word('status', d.status);
      if (d.to && e.kind === 'priority_changed') return KD.word('prio', d.from) + ' → ' + KD.word('prio', d.to);
      if (d.priority) return KD.word('prio', d.priority);
      return d.filename || '';
    }

    // signed writes fraud points with their sign (−15, not +-15).
    function signed(p) { return (p > 0 ? '+' : p < 0 ? '−' : '') + Math.abs(p); }
    // ruleName names a fraud rule in the page's language (rule.<id>), with the server's
    // detail after it, in the page's language too (KD.fraudDetail; unknown ones as written).
    function ruleName(h) {
      var k = 'rule.' + h.rule, n = h.rule ? KD.t(k) : '';
      var why = KD.fraudDetail(h.reason);
      if (!n || n === k) return why || h.rule;
      if (!why) return n;
      return KD.lang() === 'en' ? n + ' (' + why + ')' : n + '（' + why + '）';
    }

    function renderTimeline() {
      var list = KD.clear($('#timeline'));
      data.timeline.slice().reverse().slice(0, 50).forEach(function (e) {
        var detail = timelineDetail(e);
        list.appendChild(el('li', null,
          el('time', { datetime: e.created_at, text: KD.fmtTime(e.created_at) }), ' ',
          el('strong', { text: KD.word('ev', e.kind) }),
          e.actor_name ? el('span', { class: 'muted', text: ' · ' + e.actor_name }) : null,
          detail ? el('span', { class: 'muted', text: ' · ' + (typeof detail === 'string' ? detail : JSON.stringify(detail)) }) : null));
      });
    }

    function kv(dl, rows) {
      KD.clear(dl);
      rows.forEach(function (r) {
        if (r[1] === undefined || r[1] === null || r[1] === '') return;
        dl.appendChild(el('dt', { i18n: r[0] }));
        dl.appendChild(el('dd', null, r[1]));
      });
    }
    function renderSLA(t) {
      kv($('#sla'), [
        ['sla.first', t.first_response_due_at ? KD.fmtTime(t.first_response_due_at) + (t.first_response_breached_at ? ' ⚠' : '') : ''],
        ['sla.next', t.next_response_due_at ? KD.fmtTime(t.next_response_due_at) + (t.next_response_breached_at ? ' ⚠' : '') : ''],
        ['sla.resolution', t.resolution_due_at ? KD.fmtTime(t.resolution_due_at) + (t.resolution_breached_at ? ' ⚠' : '') : ''],
        ['sla.state', KD.slaBadge(t)]
      ]);
    }
    function renderBuyer(t) {
      kv($('#buyer'), [
        ['f.email', t.customer_email || t.email], ['ticket.contact', t.customer_contact || t.contact],
        ['ticket.sentiment', KD.word('sent', t.sentiment)], ['ticket.language', t.language],
        ['ticket.csat', t.csat_score || t.csat ? '★ ' + (t.csat_score || t.csat) : '']
      ]);
    }

    function renderFraud() {
      var box = KD.clear($('#fraud'));
      var f = data.fraud;
      if (!f) { box.appendChild(el('p', { class: 'muted', i18n: 'ticket.no_fraud' })); return; }
      box.appendChild(el('p', null,
        el('span', { class: 'score score-' + (f.decision || 'none'), text: String(f.score === undefined ? '—' : f.score) }), ' ',
        el('strong', { text: KD.word('decision', f.decision) }),
        f.ruleset_version ? el('span', { class: 'muted small', text: ' · ' + KD.t('ticket.ruleset') + ' ' + f.ruleset_version }) : null));
      var hits = f.hits || f.reasons || [];
      if (hits.length) {
        var ul = el('ul', { class: 'hits' });
        hits.forEach(function (h) {
          if (typeof h === 'string') { ul.appendChild(el('li', { text: h })); return; }
          ul.appendChild(el('li', null, el('span', { class: 'pts', text: signed(h.points || 0) }), ' ', el('span', { text: ruleName(h) })));
        });
        box.appendChild(ul);
      }
      if (f.block_reason || f.blocked) box.appendChild(el('p', { class: 'alert', text: f.block_reason || KD.t('ticket.blocked') }));
    }

    // renderOrder loads the order by number: from the ticket when the API gives it, else from
    // a lookup field the agent fills (the buyer's order number is in the conversation).
    function renderOrder(t) {
      var no = t.order_no || '';
      var box = $('#order');
      if (!box.querySelector('form')) {
        var input = el('input', { id: 'order-no', name: 'order_no', autocomplete: 'off', value: no });
        var form = el('form', { class: 'lookup', novalidate: true, onsubmit: function (ev) {
          ev.preventDefault();
          orderLoaded = null;
          loadOrder(input.value.trim());
        } }, el('label', { for: 'order-no', i18n: 'ticket.order_no' }), el('div', { class: 'linkbox' }, input, el('button', { type: 'submit', i18n: 'ticket.lookup' })));
        box.appendChild(form);
        box.appendChild(el('div', { id: 'order-view' }));
      }
      if (no && orderLoaded === null) loadOrder(no);
    }
    function loadOrder(no) {
      var view = $('#order-view');
      if (!no || orderLoaded === no) return;
      orderLoaded = no;
      KD.api('/orders/' + encodeURIComponent(no), { staff: true }).then(function (res) {
        drawOrder(view, res.order || res, res);
      }, function (err) {
        KD.clear(view).appendChild(el('p', { class: 'muted', text: KD.errorText(err) }));
      });
    }
    function drawOrder(box, o, res) {
      KD.clear(box);
      var dl = el('dl', { class: 'kv' });
      box.appendChild(dl);
      kv(dl, [['ticket.order_no', o.order_no], ['ticket.product', o.product_name || o.sku || (o.product_id ? '#' + o.product_id : '')],
        ['f.email', o.buyer_email], ['ticket.contact', o.buyer_contact],
        ['ticket.amount', KD.fmtMoney(o.amount, o.currency)], ['ticket.paid_at', KD.fmtTime(o.paid_at)],
        ['ticket.order_status', KD.word('ostatus', o.status)]]);
      var dels = res.deliveries || o.deliveries || [];
      box.appendChild(el('h3', { i18n: 'ticket.deliveries' }));
      var ul = el('ul', { class: 'deliveries' });
      dels.forEach(function (d) {
        var keyId = d.card_key_id || (d.card_key && d.card_key.id);
        var li = el('li', null,
          el('span', { class: 'badge', text: KD.word('dkind', d.kind) }), ' ',
          el('code', { class: 'masked', text: d.key || d.masked_key || '••••' }), ' ',
          d.key_status ? el('span', { class: 'muted small', text: KD.word('kstatus', d.key_status) }) : null, ' ',
          el('span', { class: 'muted small', text: KD.fmtTime(d.created_at) }));
        if (keyId && KD.can(me, 'reveal')) {
          li.appendChild(el('button', { type: 'button', class: 'small', 'data-action': 'reveal', i18n: 'act.reveal', onclick: function (ev) {
            ask(KD.t('act.reveal'), null, function (reason) {
              return KD.busy(ev.target, KD.api('/card-keys/' + keyId + '/reveal', { method: 'POST', staff: true, body: { reason: reason } })).then(function (r) {
                var code = li.querySelector('code');
                code.textContent = r.secret || r.key || '';
                code.classList.remove('masked');
                ev.target.remove();
                KD.announce(KD.t('ticket.revealed'));
              }, function (err) { KD.toast(KD.errorText(err), 'error'); throw err; });
            });
          } }));
        }
        ul.appendChild(li);
      });
      if (!dels.length) ul.appendChild(el('li', { class: 'muted', i18n: 'ticket.no_deliveries' }));
      box.appendChild(ul);
      var evs = res.key_events || o.key_events || [];
      box.appendChild(el('h3', { i18n: 'ticket.reveals' }));
      var ol = el('ol', { class: 'timeline small' });
      evs.forEach(function (e) {
        ol.appendChild(el('li', null, el('time', { text: KD.fmtTime(e.occurred_at || e.created_at) }), ' ',
          el('strong', { text: KD.word('kev', e.kind) }), ' ', el('span', { class: 'muted', text: [e.ip, e.user_agent, e.source].filter(Boolean).join(' · ') })));
      });
      if (!evs.length) ol.appendChild(el('li', { class: 'muted', i18n: 'ticket.no_events' }));
      box.appendChild(ol);
    }

    function renderMacros() {
      var list = data.macros || macros;
      var s = $('#macro');
      if (s.options.length > 1 || !list.length) return;
      // Macros in the buyer's language (the ticket's) first, the others under their own
      // heading, so an agent does not paste English into a Chinese buyer's ticket by mistake.
      var zhBuyer = /^zh/i.test(data.t.language || '') || (!data.t.language && KD.lang() !== 'en');
      var isZh = function (m) { return /[\u3400-\u9fff]/.test(m.name + m.body); };
      var mine = el('optgroup', { label: KD.t(zhBuyer ? 'macro.group_zh' : 'macro.group_en') });
      var other = el('optgroup', { label: KD.t(zhBuyer ? 'macro.group_en' : 'macro.group_zh') });
      list.forEach(function (m, i) { (isZh(m) === zhBuyer ? mine : other).appendChild(el('option', { value: String(i), text: m.name })); });
      if (mine.children.length) s.appendChild(mine);
      if (other.children.length) s.appendChild(other);
      macros = list;
    }
    // A macro with {{kb:<slug>}} placeholders is rendered by the API for this ticket (the
    // merchant's published article, titled and linked in the buyer's language); a slug it
    // cannot link stays visible in the reply and is named in a warning above the buttons.
    function insertMacro(text) {
      var ta = $('#compose-body');
      ta.value = (ta.value ? ta.value.replace(/\s*$/, '\n\n') : '') + text;
      ta.focus();
    }
    $('#macro').addEventListener('change', function (ev) {
      var m = macros[parseInt(ev.target.value, 10)];
      ev.target.value = '';
      if (!m) return;
      var warn = $('#macro-warn');
      warn.hidden = true;
      if (!/\{\{\s*kb:/.test(m.body) || !m.id) { insertMacro(m.body); return; }
      KD.api(path('/macros/' + encodeURIComponent(m.id) + '/render'), { method: 'POST', staff: true }).then(function (r) {
        insertMacro(r.body);
        if (r.unresolved && r.unresolved.length) {
          warn.textContent = KD.t('ticket.macro_kb_unresolved', { slugs: r.unresolved.join(', ') });
          warn.hidden = false;
        }
      }, function () {
        insertMacro(m.body);
        warn.textContent = KD.t('ticket.macro_kb_failed');
        warn.hidden = false;
      });
    });

    KD.$all('#compose [role=tab]').forEach(function (b) {
      b.addEventListener('click', function () {
        mode = b.getAttribute('data-mode');
        KD.$all('#compose [role=tab]').forEach(function (x) { x.setAttribute('aria-selected', String(x === b)); });
        $('#compose').classList.toggle('note-mode', mode === 'note');
        $('#compose-label').setAttribute('data-i18n', mode === 'note' ? 'ticket.note_label' : 'ticket.reply_label');
        $('#compose-label').textContent = KD.t(mode === 'note' ? 'ticket.note_label' : 'ticket.reply_label');
        $('#then-wrap').hidden = mode === 'note';
        $('#compose-body').focus();
      });
    });
    $('#compose').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var form = ev.target;
      KD.clearFieldErrors(form);
      var body = form.elements.body.value;
      if (!body.trim()) { KD.showFieldErrors(form, { body: KD.t('v.required') }); return; }
      // An unlinked {{kb:<slug>}} would reach the buyer as written: not sent.
      if (mode === 'reply' && /\{\{\s*kb:[^}]*\}\}/.test(body)) { KD.showFieldErrors(form, { body: KD.t('ticket.macro_kb_left') }); return; }
      var payload = { body: body };
      if (mode === 'reply' && form.elements.set_status.value) payload.set_status = form.elements.set_status.value;
      act(mode === 'note' ? '/note' : '/reply', payload, $('#send')).then(function () {
        form.elements.body.value = '';
        form.elements.set_status.value = '';
        $('#macro-warn').hidden = true;
        KD.announce(KD.t(mode === 'note' ? 'ticket.note_saved' : 'ticket.reply_sent'));
      }, function (err) { KD.showFieldErrors(form, err.fields || {}); });
    });

    // ask opens the reason dialog; onok(reason, amountMinor) returns a promise.
    function ask(title, refund, onok) {
      var dlg = $('#reason-dialog');
      var opener = document.activeElement;
      $('#reason-title').textContent = title;
      var extra = KD.clear($('#reason-extra'));
      if (refund) {
        extra.appendChild(el('label', { for: 'reason-amount', i18n: 'ticket.refund_amount' }));
        extra.appendChild(el('input', { id: 'reason-amount', type: 'number', step: '0.01', min: '0.01', max: refund.max ? (refund.max / 100).toFixed(2) : null,
          'aria-describedby': 'reason-amount-hint', value: refund.amount ? (refund.amount / 100).toFixed(2) : '' }));
        if (refund.max) extra.appendChild(el('p', { id: 'reason-amount-hint', class: 'hint', text: KD.t('refund.max', { max: KD.fmtMoney(refund.max, refund.currency) }) }));
      }
      var ta = $('#reason-text');
      ta.value = '';
      var ok = $('#reason-ok'), cancel = $('#reason-cancel');
      function close() { dlg.close(); ok.onclick = null; cancel.onclick = null; if (opener && opener.focus) opener.focus(); }
      cancel.onclick = close;
      ok.onclick = function (ev) {
        ev.preventDefault();
        if (!ta.value.trim()) { ta.setAttribute('aria-invalid', 'true'); ta.focus(); return; }
        ta.removeAttribute('aria-invalid');
        var amt = refund && $('#reason-amount').value ? Math.round(parseFloat($('#reason-amount').value) * 100) : 0;
        if (refund && refund.max && (amt <= 0 || amt > refund.max)) {
          var ai = $('#reason-amount');
          ai.setAttribute('aria-invalid', 'true'); ai.focus(); return;
        }
        Promise.resolve(onok(ta.value.trim(), amt)).then(close, function () { /* keep open on error */ });
      };
      dlg.showModal();
      ta.focus();
    }

    // loadStaff lists whom a ticket can be assigned to: GET /users for whoever may read users
    // (admins), else GET /reports/agents (supervisors), so a supervisor's page does not ask
    // /users for a 403 every time.
    function loadStaff() {
      if (KD.can(me, 'users_read')) {
        return KD.api('/users', { staff: true }).then(function (r) { return (r && (r.items || r.users)) || []; }, function () { return []; });
      }
      return KD.api('/reports/agents', { staff: true }).then(function (r) {
        return ((r && r.agents) || []).filter(function (a) { return a.active !== false && a.assignable !== false; })
          .map(function (a) { return { id: a.user_id, name: a.name || a.email }; });
      }, function () { return []; });
    }

    KD.onLang(function () { if (data) render(); });
    KD.staffShell().then(function (m) {
      me = m;
      KD.api('/macros', { staff: true }).then(function (r) { macros = (r && (r.items || r.macros)) || (Array.isArray(r) ? r : []); if (data) renderMacros(); }, function () {});
      stopPoll = KD.poll(function () {
        if (document.activeElement && document.activeElement.closest && document.activeElement.closest('#actions, dialog')) return null;
        return load();
      }, 5000);
    });
  });
})();
