/* Buyer status page: /t/{ref}#token=… The token lives in the URL fragment, which browsers
 * never send to the server, and travels only in the Authorization header. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  var OPEN = { new: 1, open: 1, pending_internal: 1, pending_customer: 1 };

  KD.onReady(function () {
    KD.useDeviceId(); // every buyer request of this page carries the device id
    var ref = KD.pathParam(1);
    var token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
    var query = new URLSearchParams(location.search);
    if (!token && query.get('token')) {
      // A link pasted with ?token=: use it, then drop it from the address bar and history.
      token = query.get('token');
      history.replaceState(null, '', location.pathname + '#token=' + encodeURIComponent(token));
    }
    var storeKey = 'keydesk.ticket.' + ref;
    if (token) { try { sessionStorage.setItem(storeKey, token); } catch (e) { /* ignore */ } }
    else { try { token = sessionStorage.getItem(storeKey) || ''; } catch (e) { /* ignore */ } }
    if (!token) { $('#loading-card').hidden = true; showResend(ref, false); return; }

    var last = null;
    var lastMsgCount = -1;
    var noReplacement = false;
    var stop = KD.poll(load, 4000);
    KD.onLang(function () { if (last) render(last, true); });

    function load() {
      return KD.api('/tickets/' + encodeURIComponent(ref), { token: token }).then(function (t) {
        render(t, false);
      }, function (err) {
        if (!last) {
          // Nothing shown yet: say why, in the page's language (polling retries).
          var lt = $('#loading-text');
          lt.setAttribute('data-i18n', 'status.load_failed');
          lt.textContent = KD.t('status.load_failed');
          lt.className = 'bad';
        }
        if (err.status === 401 || err.status === 403 || err.status === 404) {
          $('#loading-card').hidden = true;
          stop();
          $('#ticket').hidden = true;
          $('#error-card').hidden = false;
          $('#error-text').textContent = KD.t('status.err_body');
          showResend(ref, true); // an old or mistyped link: ask for a new one right here
        }
        throw err;
      });
    }

    function render(t, relabel) {
      var prev = last;
      last = t;
      $('#loading-card').hidden = true;
      $('#ticket').hidden = false;
      $('#t-ref').textContent = t.ref || ref;
      $('#t-subject').textContent = t.subject || KD.word('cat', t.category);
      // The stage (from the API) says what is happening; without one the status does.
      var stage = t.stage || '';
      var stageWord = stage ? KD.t('stage.' + stage) : '';
      $('#t-status').textContent = stage && stageWord !== 'stage.' + stage ? stageWord : KD.word('status', t.status);
      $('#t-dot').className = 'dot dot-' + (stage === 'denied' ? 'denied' : t.status);
      var plain = stage ? KD.t('stage_plain.' + stage) : '';
      if (!plain || plain === 'stage_plain.' + stage) plain = KD.t('plain.' + t.status);
      if (stage === 'denied' && t.stage_reason) plain += ' ' + KD.t('stage.denied_reason', { reason: t.stage_reason });
      // Step-up delivery: the key went to the order's mailbox; say where (no key button).
      if (t.replacement_sent_to) plain = KD.t('status.sent_to', { to: t.replacement_sent_to });
      $('#t-status-plain').textContent = plain;
      var qn = $('#t-queue');
      var pos = t.queue_position;
      var eta = t.estimated_wait_seconds !== undefined ? t.estimated_wait_seconds : t.eta_seconds;
      if (OPEN[t.status] && t.status !== 'pending_customer' && pos) {
        // An estimate beyond a day says more about a quiet week than about this ticket: omit it.
        qn.textContent = KD.t('status.queue', { n: pos }) + (eta && eta < 86400 ? ' ' + KD.t('status.eta', { d: KD.fmtDuration(eta) }) : '');
        qn.hidden = false;
      } else qn.hidden = true;
      $('#t-updated').textContent = KD.fmtTime(t.updated_at || new Date().toISOString());
      if (prev && prev.status !== t.status && !relabel) KD.announce(KD.t('status.changed', { s: KD.word('status', t.status) }));

      var rep = hasReplacement(t);
      $('#replacement').hidden = !rep || noReplacement || t.stage === 'denied' || !!t.replacement_sent_to;
      $('#rep-title').textContent = KD.t(rep === 'maybe' ? 'status.rep_title_maybe' : 'status.rep_title');
      renderMessages(t.messages || [], relabel);
      renderAttachments(t.attachments || []);
      var rated = t.csat || t.csat_score;
      var closed = t.status === 'resolved' || t.status === 'closed';
      // A denied claim is not a solved problem: no "how did we do?" stars while it stands.
      $('#csat-form').hidden = !closed || !!rated || t.stage === 'denied';
      $('#csat-thanks').hidden = !rated;
    }

    // hasReplacement: true when the API says a replacement was issued, 'maybe' when it does
    // not say (a key claim that has been answered): the button then asks, and a 404 hides it.
    function hasReplacement(t) {
      if (t.replacement_available !== undefined) return !!t.replacement_available;
      if (t.replacement_key_available !== undefined) return !!t.replacement_key_available;
      var keyClaim = t.category === 'key_invalid' || t.category === 'key_missing';
      var answered = t.status === 'resolved' || t.status === 'closed' || t.status === 'pending_customer';
      return keyClaim && answered ? 'maybe' : false;
    }

    function renderMessages(msgs, relabel) {
      if (!relabel && msgs.length === lastMsgCount) return;
      var list = KD.clear($('#messages'));
      msgs.forEach(function (m) {
        var mine = (m.author_kind || m.author) === 'customer';
        var who = mine ? KD.t('status.you') : (m.author_kind === 'system' || m.author_kind === 'bot' ? KD.t('status.system') : (m.author_name || KD.t('status.support')));
        list.appendChild(el('li', { class: 'msg ' + (mine ? 'mine' : 'theirs') },
          el('div', { class: 'meta' }, el('strong', { text: who }), ' · ', el('time', { datetime: m.created_at, text: KD.fmtTime(m.created_at) })),
          el('p', { class: 'body', text: KD.msgText(m) })));
      });
      if (!msgs.length) list.appendChild(el('li', { class: 'muted', i18n: 'status.no_messages' }));
      if (lastMsgCount >= 0 && msgs.length > lastMsgCount && !relabel) {
        var newest = msgs[msgs.length - 1];
        if (newest && newest.author_kind !== 'customer') KD.announce(KD.t('status.new_reply'));
      }
      lastMsgCount = msgs.length;
    }

    // The buyer's screenshots, drawn again only when the list changes (the page polls).
    var attKey = null;
    function renderAttachments(items) {
      var key = items.map(function (a) { return a.id + (a.purged_at ? 'p' : ''); }).join(',');
      if (key === attKey || !KD.files) return;
      attKey = key;
      $('#attachments-box').hidden = !items.length;
      KD.files.render($('#attachments'), items, '/api/v1/tickets/' + encodeURIComponent(ref), function () { return token; });
    }

    var replyFile = $('#reply-file');
    replyFile.addEventListener('change', function () {
      var form = $('#reply-form');
      var problem = KD.files.check(replyFile.files && replyFile.files[0]);
      KD.clearFieldErrors(form);
      if (problem) { replyFile.value = ''; KD.showFieldErrors(form, { file: problem }); }
    });

    // A reply may carry a screenshot, or be only one: the text goes first, then the file.
    $('#reply-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var form = ev.target;
      KD.clearFieldErrors(form);
      var body = form.elements.body.value;
      var file = replyFile.files && replyFile.files[0];
      if (!body.trim() && !file) { KD.showFieldErrors(form, { body: KD.t('v.required') }); return; }
      var btn = form.querySelector('button[type=submit]');
      var sendText = body.trim() ? KD.api('/tickets/' + encodeURIComponent(ref) + '/messages', { method: 'POST', token: token, idem: KD.newRequestId(), body: { body: body } }) : Promise.resolve(null);
      KD.busy(btn, sendText.then(function () {
        form.elements.body.value = '';
        if (!file) return null;
        return KD.files.upload(ref, token, file).then(function () { replyFile.value = ''; }, function (err) {
          err.uploadFailed = true;
          throw err;
        });
      })).then(function () {
        KD.toast(KD.t('status.sent'));
        lastMsgCount = -2;
        return load();
      }, function (err) {
        if (err.uploadFailed) {
          KD.showFieldErrors(form, { file: KD.files.errorText(err) });
          lastMsgCount = -2;
          load();
          return;
        }
        if (!KD.showFieldErrors(form, err.fields || {})) KD.toast(KD.errorText(err), 'error');
      });
    });

    $('#show-key').addEventListener('click', function (ev) {
      KD.busy(ev.target, KD.api('/tickets/' + encodeURIComponent(ref) + '/replacement-key', { token: token })).then(function (res) {
        var secret = (res && res.secret) || '';
        $('#key-value').textContent = secret;
        $('#key-box').hidden = false;
        ev.target.hidden = true;
        $('#key-value').focus();
        KD.announce(KD.t('status.key_shown'));
      }, function (err) {
        if (err.status === 404) {
          noReplacement = true;
          $('#replacement').hidden = true;
          KD.toast(KD.t('status.no_replacement'));
          KD.announce(KD.t('status.no_replacement'));
          $('#reply-body').focus();
          return;
        }
        KD.toast(KD.errorText(err), 'error');
      });
    });
    $('#copy-key').addEventListener('click', function () {
      var v = $('#key-value').textContent;
      if (navigator.clipboard) navigator.clipboard.writeText(v).then(function () { KD.toast(KD.t('common.copied')); }, function () {});
    });

    // CSAT: five labelled radio buttons.
    var stars = $('#stars');
    for (var i = 1; i <= 5; i++) {
      var id = 'star-' + i;
      stars.appendChild(el('span', { class: 'star' },
        el('input', { type: 'radio', name: 'score', id: id, value: String(i) }),
        el('label', { for: id, title: KD.t('csat.' + i) }, el('span', { 'aria-hidden': 'true', text: '★' }), el('span', { class: 'sr-only', i18n: 'csat.' + i }))));
    }
    $('#csat-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var form = ev.target;
      var checked = form.querySelector('input[name=score]:checked');
      if (!checked) { KD.toast(KD.t('status.csat_pick'), 'error'); return; }
      KD.busy(form.querySelector('button[type=submit]'), KD.api('/tickets/' + encodeURIComponent(ref) + '/csat', {
        method: 'POST', token: token, idem: KD.newRequestId(), body: { score: parseInt(checked.value, 10), comment: form.elements.comment.value }
      })).then(function () {
        form.hidden = true;
        $('#csat-thanks').hidden = false;
        KD.announce(KD.t('status.csat_thanks'));
        if (last) last.csat = parseInt(checked.value, 10);
      }, function (err) { KD.toast(KD.errorText(err), 'error'); });
    });
  });

  // showResend shows the form that sends the private link again; on the invalid-link card it
  // moves there. The ticket's ref names the shop, so buyers are never asked for it.
  var resendReady = false;
  function showResend(ref, onErrorCard) {
    var form = $('#resend-form');
    if (onErrorCard) $('#error-resend').appendChild(form);
    else $('#nolink').hidden = false;
    if (resendReady) return;
    resendReady = true;
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      KD.clearFieldErrors(form);
      var body = { ref: ref, order_no: form.elements.order_no.value.trim(), contact: form.elements.contact.value.trim() };
      KD.busy(form.querySelector('button'), KD.api('/tickets/resend-link', { method: 'POST', body: body })).then(function () {
        KD.toast(KD.t('status.resent'));
        KD.announce(KD.t('status.resent'));
      }, function (err) {
        if (!KD.showFieldErrors(form, err.fields || {})) KD.toast(KD.errorText(err), 'error');
      });
    });
  }
})();
