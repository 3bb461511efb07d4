/* Knowledge base for staff (/kb): the article list (everyone signed in: agents copy links
 * into replies), the editor with a live preview (admins: settings.edit), and the deflection
 * report (reports.read). The API refuses what the role may not do; this page only hides it. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;

  KD.onReady(function () {
    var me = null, canEdit = false, cursor = null, editing = null;
    function fail(err) { var b = $('#load-error'); b.textContent = KD.errorText(err); b.hidden = false; }
    function perm(p) { return ((me && me.permissions) || []).indexOf(p) >= 0; }

    function query() {
      var f = $('#kb-filter');
      return { q: f.elements.q.value.trim(), status: f.elements.status.value, language: f.elements.language.value };
    }
    function load(more) {
      var q = query();
      if (more && cursor) q.cursor = cursor;
      return KD.api('/kb/articles', { staff: true, query: q }).then(function (res) {
        var body = $('#kb-body-rows');
        if (!more) KD.clear(body);
        var arts = (res && res.articles) || [];
        arts.forEach(function (a) { body.appendChild(row(a)); });
        cursor = res && res.next_cursor;
        $('#kb-more').hidden = !cursor;
        $('#kb-empty').hidden = body.childNodes.length > 0;
      }, fail);
    }
    function publicLink(a) { return KD.publicURL().replace(/\/$/, '') + a.url; }
    function row(a) {
      var actions = el('td', { class: 'actions' });
      if (canEdit) actions.appendChild(el('button', { type: 'button', class: 'linkish', i18n: 'kb.edit', onclick: function () { edit(a); } }));
      actions.appendChild(el('button', { type: 'button', class: 'linkish', i18n: 'kb.copy_link', onclick: function () {
        var link = publicLink(a);
        if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(link).then(function () { KD.toast(KD.t('common.copied')); }, function () {});
      } }));
      return el('tr', { 'data-id': a.id }, el('td', { text: a.title, lang: a.language }), el('td', { text: a.slug }),
        el('td', { text: KD.t(a.language === 'en' ? 'kb.lang_en' : 'kb.lang_zh') }),
        el('td', null, el('span', { class: 'badge ' + (a.status === 'published' ? 'ok' : 'muted'), i18n: a.status === 'published' ? 'kb.status_published' : 'kb.status_draft' })), actions);
    }

    var form = $('#kb-form-edit');
    function preview() {
      $('#kb-prev-title').textContent = form.elements.title.value;
      KD.renderKBText($('#kb-prev-body'), form.elements.body.value);
    }
    form.addEventListener('input', preview);
    function edit(a) {
      editing = a && a.id ? a : null;
      a = a || { slug: '', language: KD.lang() === 'en' ? 'en' : 'zh-CN', status: 'draft', title: '', tags: '', body: '' };
      ['slug', 'language', 'status', 'title', 'tags', 'body'].forEach(function (k) { form.elements[k].value = a[k] || ''; });
      KD.clearFieldErrors(form);
      $('#kb-delete').hidden = !editing;
      $('#kb-editor').hidden = false;
      preview();
      form.elements[editing ? 'title' : 'slug'].focus();
    }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      KD.clearFieldErrors(form);
      var body = {};
      ['slug', 'language', 'status', 'title', 'tags', 'body'].forEach(function (k) { body[k] = form.elements[k].value; });
      var req = editing ? KD.api('/kb/articles/' + editing.id, { method: 'PUT', staff: true, body: body })
        : KD.api('/kb/articles', { method: 'POST', staff: true, body: body });
      KD.busy(form.querySelector('button[type=submit]'), req).then(function (a) {
        editing = a;
        $('#kb-delete').hidden = false;
        KD.toast(KD.t('kb.saved'));
        load(false);
      }, function (err) {
        KD.showFieldErrors(form, err.fields || {}, $('#kb-form-summary'));
        KD.announce(KD.errorText(err));
      });
    });
    $('#kb-cancel').addEventListener('click', function () { $('#kb-editor').hidden = true; editing = null; });
    $('#kb-delete').addEventListener('click', function () {
      if (!editing || !window.confirm(KD.t('kb.confirm_delete'))) return;
      KD.api('/kb/articles/' + editing.id, { method: 'DELETE', staff: true }).then(function () {
        KD.toast(KD.t('kb.deleted'));
        $('#kb-editor').hidden = true;
        editing = null;
        load(false);
      }, function (err) { KD.toast(KD.errorText(err), 'error'); });
    });
    $('#kb-new').addEventListener('click', function () { edit(null); });
    $('#kb-filter').addEventListener('submit', function (ev) { ev.preventDefault(); load(false); });
    $('#kb-more').addEventListener('click', function () { load(true); });

    function pct(x) { return Math.round((x || 0) * 1000) / 10 + '%'; }
    function loadReport() {
      var days = $('#kb-days').value;
      $('#kb-report-h').textContent = KD.t('kb.report', { days: days });
      return KD.api('/kb/report', { staff: true, query: { days: days } }).then(function (r) {
        $('#kb-totals').textContent = r.opened ? KD.t('kb.r_totals', { opened: r.opened, deflected: r.deflected, submitted: r.submitted,
          pending: r.pending, without: r.submitted_without_opening, rate: pct(r.rate) }) : KD.t('kb.r_none');
        var body = KD.clear($('#kb-report-rows'));
        (r.articles || []).forEach(function (a) {
          body.appendChild(el('tr', null, el('td', { text: a.title, lang: a.language }), el('td', { text: a.shown }), el('td', { text: a.opened }),
            el('td', { text: a.deflected }), el('td', { text: a.submitted }), el('td', { text: a.deflected + a.submitted ? pct(a.rate) : '—' })));
        });
      }, fail);
    }
    $('#kb-days').addEventListener('change', loadReport);

    KD.staffShell().then(function (m) {
      me = m;
      canEdit = perm('settings.edit');
      $('#kb-new').hidden = !canEdit;
      $('#kb-readonly').hidden = canEdit;
      load(false);
      if (perm('reports.read')) { $('#kb-report').hidden = false; loadReport(); }
      var p = new URLSearchParams(location.search);
      if (canEdit && p.get('new') === '1') edit(null);
    });
  });
})();
