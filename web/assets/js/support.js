/* Buyer submission form: /support/{merchant}?order_no=…&email=…&contact=… */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  var FIELDS = ['order_no', 'email', 'contact', 'category', 'subject', 'description'];

  KD.onReady(function () {
    KD.useDeviceId(); // every buyer request of this page carries the device id
    var merchant = KD.pathParam(1);
    var form = $('#ticket-form');
    var draftKey = 'keydesk.draft.' + merchant;
    var attachment = null; // the chosen screenshot (a File), uploaded once the ticket exists
    $('#merchant-name').textContent = merchant;
    // The shop's name, not its slug; an unknown shop gets a clear message instead of a form
    // that could never be sent.
    KD.api('/shops/' + encodeURIComponent(merchant)).then(function (shop) {
      if (shop && shop.name) $('#merchant-name').textContent = shop.name;
    }, function (err) {
      if (!err || err.status !== 404) return;
      form.hidden = true;
      var box = $('#shop-missing');
      box.textContent = KD.t('support.no_shop', { shop: merchant });
      box.hidden = false;
    });

    // Prefill: the draft (what the buyer typed) wins over the shop's query string.
    var q = new URLSearchParams(location.search);
    var draft = loadDraft();
    FIELDS.forEach(function (f) {
      var v = draft[f] || q.get(f) || (f === 'order_no' ? q.get('order') : '') || '';
      if (v) form.elements[f].value = v;
    });
    if (!form.elements.category.value && q.get('category')) form.elements.category.value = q.get('category');

    form.addEventListener('input', saveDraft);
    form.addEventListener('change', saveDraft);

    function loadDraft() {
      try { return JSON.parse(sessionStorage.getItem(draftKey) || '{}') || {}; } catch (e) { return {}; }
    }
    function saveDraft() {
      var d = loadDraft();
      FIELDS.forEach(function (f) { d[f] = form.elements[f].value; });
      try { sessionStorage.setItem(draftKey, JSON.stringify(d)); } catch (e) { /* full or disabled */ }
    }
    function idempotencyKey() {
      var d = loadDraft();
      if (!d.idem) { d.idem = KD.newRequestId(); sessionStorage.setItem(draftKey, JSON.stringify(d)); }
      return d.idem;
    }

    // Knowledge-base suggestions while typing: kb-suggest.js (it reports the form as sent via KD.kbSubmitted).

    // Screenshot: type and size checked here (the API checks the bytes again); it is uploaded
    // right after the ticket is created, with the ticket's token.
    var fileInput = form.elements.attachment;
    var preview = $('#attachment-preview');
    function dropAttachment() {
      if (preview.dataset.url) URL.revokeObjectURL(preview.dataset.url);
      delete preview.dataset.url;
      attachment = null;
      KD.clear(preview).hidden = true;
    }
    fileInput.addEventListener('change', function () {
      dropAttachment();
      var field = fileInput.closest('.field');
      field.querySelectorAll('.field-error').forEach(function (n) { n.remove(); });
      field.classList.remove('has-error');
      fileInput.removeAttribute('aria-invalid');
      var f = fileInput.files && fileInput.files[0];
      if (!f) return;
      var problem = KD.files.check(f);
      if (problem) {
        // Only this field is touched: everything typed elsewhere stays as it is.
        fileInput.value = '';
        field.appendChild(el('p', { class: 'field-error', id: 'err-attachment', role: 'alert', text: problem }));
        field.classList.add('has-error');
        fileInput.setAttribute('aria-invalid', 'true');
        fileInput.setAttribute('aria-describedby', 'err-attachment');
        return;
      }
      fileInput.removeAttribute('aria-describedby');
      attachment = f;
      preview.dataset.url = URL.createObjectURL(f);
      preview.appendChild(el('img', { src: preview.dataset.url, alt: KD.t('support.att_preview'), class: 'thumb' }));
      preview.appendChild(el('span', { class: 'muted', text: f.name + ' · ' + KD.files.size(f.size) }));
      preview.appendChild(el('button', { type: 'button', class: 'linkish', i18n: 'common.remove', onclick: function () {
        dropAttachment(); fileInput.value = ''; fileInput.focus();
      } }));
      preview.hidden = false;
    });

    /** formBody reads the form into the API's body, or marks what is missing and answers null. */
    function formBody() {
      var body = {
        merchant: merchant,
        order_no: form.elements.order_no.value.trim(),
        email: form.elements.email.value.trim(),
        contact: form.elements.contact.value.trim(),
        category: form.elements.category.value,
        subject: form.elements.subject.value.trim(),
        description: form.elements.description.value,
        language: KD.lang()
      };
      var local = {};
      if (!body.order_no) local.order_no = KD.t('v.required');
      if (!body.email && !body.contact) local.email = KD.t('v.contact');
      if (body.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) local.email = KD.t('v.email');
      if (!body.description.trim()) local.description = KD.t('v.required');
      if (Object.keys(local).length) { KD.showFieldErrors(form, local, $('#form-summary')); return null; }
      // No category ("not sure"): the server reads the description; the subject is its first line.
      if (!body.subject) body.subject = body.category ? KD.t('cat.' + body.category) : body.description.trim().split('\n')[0].slice(0, 80);
      return body;
    }
    function send(body, btn) {
      return KD.busy(btn, KD.api('/tickets', { method: 'POST', body: body, headers: { 'Idempotency-Key': idempotencyKey() } }));
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      KD.clearFieldErrors(form);
      $('#manual-offer').hidden = true;
      var body = formBody();
      if (body) send(body, $('#submit')).then(done, failed);
    });

    // Manual check: the order number and e-mail / contact proved no order (often an order
    // bought with a mistyped e-mail); the buyer may send it anyway for an agent to verify.
    $('#manual-send').addEventListener('click', function (ev) {
      var body = formBody();
      if (!body) { $('#manual-offer').hidden = true; return; }
      body.manual_check = true;
      send(body, ev.currentTarget).then(function (res) {
        // The order matched after all (the buyer corrected it): a ticket as usual.
        if (res && res.ref) done(res); else manualDone(body);
      }, function (err) { failed(err, true); });
    });

    function failed(err, manual) {
      // Nothing typed is lost: the form stays as it is, errors go next to the fields.
      var first = KD.showFieldErrors(form, err.fields || {}, $('#form-summary'));
      if (!first) {
        // A field the form has no input for (the shop) is named in the summary already.
        var s = $('#form-summary');
        if (s.hidden || !s.textContent) s.textContent = KD.errorText(err);
        s.hidden = false;
        s.focus && s.setAttribute('tabindex', '-1');
        s.focus();
      }
      // Only "no order with this number and e-mail" offers the manual check, whatever the
      // status; a manual check the server could not take (offline, busy) stays offered.
      var noOrder = KD.serverKey((err.fields || {}).order_no) === 'srv.no_order';
      var retry = manual && (err.code === 'network' || err.status >= 500);
      $('#manual-offer').hidden = !(noOrder || retry);
      KD.announce(KD.errorText(err));
    }

    function forgetDraft() {
      try { sessionStorage.removeItem(draftKey); } catch (e) { /* ignore */ }
      if (KD.kbSubmitted) KD.kbSubmitted();
    }

    /** manualDone replaces the form with "waiting for a manual check": no ticket, so no link. */
    function manualDone(body) {
      forgetDraft();
      var text = $('#manual-done-text');
      var say = function () { text.textContent = KD.t('support.mc_done_text', { order_no: body.order_no, to: body.email || body.contact }); };
      say();
      KD.onLang(say);
      // The screenshot waits for the ticket: it can only be attached with the ticket's token.
      $('#manual-done-attachment').hidden = !attachment;
      $('#form-card').hidden = true;
      var d = $('#manual-done');
      d.hidden = false;
      d.focus();
      KD.announce(KD.t('support.mc_done_title') + ' ' + text.textContent);
    }

    function done(res) {
      forgetDraft();
      // A repeated submission (same Idempotency-Key) answers the ticket without its token:
      // the link is shown once only, so point to the ticket page, which offers to re-send it.
      var replayed = !res.token;
      $('#done-replayed').hidden = !replayed;
      $('#done-keep').hidden = replayed;
      $('#done-linkbox').hidden = replayed;
      var link = replayed ? KD.publicURL().replace(/\/$/, '') + '/t/' + encodeURIComponent(res.ref) : statusLink(res);
      $('#done-ref').textContent = res.ref;
      $('#done-link').value = link;
      $('#open-status').setAttribute('href', link);
      $('#form-card').hidden = true;
      var d = $('#done');
      d.hidden = false;
      d.focus();
      KD.announce(KD.t('support.done_title') + ' ' + res.ref);
      if (attachment && res.token) sendAttachment(res, attachment);
    }

    // sendAttachment uploads the screenshot to the new ticket. The ticket exists whatever
    // happens here, so a failure is reported on the done card, never as a failed request.
    function sendAttachment(res, file) {
      var note = $('#done-attachment');
      note.className = 'muted';
      note.textContent = KD.t('support.att_uploading');
      note.hidden = false;
      KD.files.upload(res.ref, res.token, file).then(function () {
        dropAttachment();
        note.className = 'success-note';
        note.textContent = KD.t('support.att_done');
        KD.announce(note.textContent);
      }, function (err) {
        note.className = 'error-summary';
        note.textContent = KD.t('support.att_failed', { reason: KD.files.errorText(err) });
        KD.announce(note.textContent);
      });
    }
    $('#copy-link').addEventListener('click', function () {
      KD.copy($('#done-link').value);
    });
  });

  /** statusLink builds the private link: the token goes in the fragment, never the path. */
  function statusLink(res) {
    var base = KD.publicURL().replace(/\/$/, '');
    var url = res.status_url || '';
    if (!url) url = '/t/' + encodeURIComponent(res.ref);
    if (url.charAt(0) === '/') url = base + url;
    if (url.indexOf('#token=') >= 0) return url;
    // Never put the token anywhere but the fragment, whatever the server suggested.
    return url.replace(/[?#].*$/, '') + '#token=' + encodeURIComponent(res.token);
  }
})();
