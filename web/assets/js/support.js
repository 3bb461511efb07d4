/* Buyer submission form: /support/{merchant}?order_no=…&email=…&contact=… */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;
  var MAX_ATTACHMENT = 2 * 1024 * 1024;
  var TYPES = ['image/png', 'image/jpeg', 'image/webp'];
  var FIELDS = ['order_no', 'email', 'contact', 'category', 'subject', 'description'];
  // The ticket API (createTicketReq) has no attachment field yet and rejects unknown fields,
  // so the screenshot field stays hidden until it does; then set this to true.
  var ATTACHMENTS = false;

  KD.onReady(function () {
    var merchant = KD.pathParam(1);
    var form = $('#ticket-form');
    var draftKey = 'keydesk.draft.' + merchant;
    var attachment = null; // {filename, content_type, data(base64)}
    $('#merchant-name').textContent = merchant;

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

    // Knowledge-base suggestions while typing (debounced; stale answers dropped).
    var kbSeq = 0;
    var suggest = KD.debounce(function () {
      var text = (form.elements.subject.value + ' ' + form.elements.description.value).trim();
      var seq = ++kbSeq;
      if (text.length < 4) { $('#kb').hidden = true; return; }
      KD.api('/kb/suggest', { query: { q: text.slice(0, 200), merchant: merchant } }).then(function (res) {
        if (seq !== kbSeq) return;
        var items = (res && res.articles) || [];
        var list = KD.clear($('#kb-list'));
        items.slice(0, 5).forEach(function (a) {
          list.appendChild(el('li', null,
            el('details', null,
              el('summary', { text: a.title || a.slug }),
              el('p', { class: 'kb-body', text: a.body || '' }))));
        });
        $('#kb').hidden = items.length === 0;
      }).catch(function () { /* suggestions are optional */ });
    }, 350);
    form.elements.description.addEventListener('input', suggest);
    form.elements.subject.addEventListener('input', suggest);

    // Screenshot: type and size checked here, sent base64 in the JSON body.
    var fileInput = form.elements.attachment;
    if (!ATTACHMENTS) fileInput.closest('.field').hidden = true;
    fileInput.addEventListener('change', function () {
      attachment = null;
      var prev = KD.clear($('#attachment-preview'));
      prev.hidden = true;
      KD.clearFieldErrors(fileInput.closest('.field'));
      var f = fileInput.files && fileInput.files[0];
      if (!f) return;
      var problem = TYPES.indexOf(f.type) < 0 ? KD.t('support.att_type') : (f.size > MAX_ATTACHMENT ? KD.t('support.att_size') : '');
      if (problem) {
        fileInput.value = '';
        KD.showFieldErrors(form, { attachment: problem });
        return;
      }
      var r = new FileReader();
      r.onload = function () {
        var s = String(r.result);
        attachment = { filename: f.name.slice(0, 200), content_type: f.type, data: s.slice(s.indexOf(',') + 1) };
        prev.appendChild(el('img', { src: s, alt: KD.t('support.att_preview'), class: 'thumb' }));
        prev.appendChild(el('span', { class: 'muted', text: f.name + ' · ' + Math.ceil(f.size / 1024) + ' KB' }));
        prev.appendChild(el('button', { type: 'button', class: 'linkish', i18n: 'common.remove', onclick: function () {
          attachment = null; fileInput.value = ''; KD.clear(prev); prev.hidden = true; fileInput.focus();
        } }));
        prev.hidden = false;
      };
      r.readAsDataURL(f);
    });

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      KD.clearFieldErrors(form);
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
      if (!body.category) local.category = KD.t('v.required');
      if (!body.description.trim()) local.description = KD.t('v.required');
      if (Object.keys(local).length) { KD.showFieldErrors(form, local, $('#form-summary')); return; }
      if (!body.subject) body.subject = KD.t('cat.' + body.category);
      if (attachment && ATTACHMENTS) body.attachment = attachment;
      var btn = $('#submit');
      KD.busy(btn, KD.api('/tickets', { method: 'POST', body: body, headers: { 'Idempotency-Key': idempotencyKey() } }))
        .then(done, function (err) {
          // Nothing typed is lost: the form stays as it is, errors go next to the fields.
          var first = KD.showFieldErrors(form, err.fields || {}, $('#form-summary'));
          if (!first) {
            var s = $('#form-summary');
            s.textContent = KD.errorText(err);
            s.hidden = false;
            s.focus && s.setAttribute('tabindex', '-1');
            s.focus();
          }
          KD.announce(KD.errorText(err));
        });
    });

    function done(res) {
      try { sessionStorage.removeItem(draftKey); } catch (e) { /* ignore */ }
      var link = statusLink(res);
      $('#done-ref').textContent = res.ref;
      $('#done-link').value = link;
      $('#open-status').setAttribute('href', link);
      $('#form-card').hidden = true;
      var d = $('#done');
      d.hidden = false;
      d.focus();
      KD.announce(KD.t('support.done_title') + ' ' + res.ref);
    }
    $('#copy-link').addEventListener('click', function () {
      copy($('#done-link').value);
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

  function copy(text) {
    var ok = function () { KD.toast(KD.t('common.copied')); };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(ok, function () {});
  }
})();
