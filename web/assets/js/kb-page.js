/* Public help article: /help/{merchant}/{slug}?lang=… (GET /kb/pages/{merchant}/{slug}).
 * The body is plain text rendered as text: blank lines separate paragraphs, lines starting
 * with "- " are list items. Opening the page from a suggestion counts as "opened" (the form
 * reports it); this page reports nothing itself. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;

  /** renderText builds paragraphs and lists from plain text, as text nodes only. */
  function renderText(box, text) {
    KD.clear(box);
    String(text || '').replace(/\r\n/g, '\n').split(/\n\s*\n/).forEach(function (block) {
      // Consecutive "- " lines are one list; other consecutive lines one paragraph.
      var para = [], list = null;
      function flush() {
        if (para.length) box.appendChild(el('p', { text: para.join('\n') }));
        para = [];
      }
      block.split('\n').forEach(function (l) {
        if (l.trim() === '') return;
        if (/^\s*- /.test(l)) {
          flush();
          if (!list) { list = el('ul'); box.appendChild(list); }
          list.appendChild(el('li', { text: l.replace(/^\s*- /, '') }));
        } else {
          list = null;
          para.push(l);
        }
      });
      flush();
    });
  }
  KD.renderKBText = renderText;

  KD.onReady(function () {
    if (!$('#kb-article')) return;
    var merchant = KD.pathParam(1), slug = KD.pathParam(2);
    $('#kb-shop').textContent = merchant;
    $('#kb-form').setAttribute('href', '/support/' + encodeURIComponent(merchant));
    var want = new URLSearchParams(location.search).get('lang') || KD.lang();
    function load(lang) {
      KD.api('/kb/pages/' + encodeURIComponent(merchant) + '/' + encodeURIComponent(slug), { query: { lang: lang } }).then(function (a) {
        $('#kb-title').textContent = a.title;
        document.title = a.title;
        $('#kb-article').setAttribute('lang', a.language);
        renderText($('#kb-body'), a.body);
        $('#kb-updated').textContent = KD.t('kb.updated', { time: KD.fmtTime(a.updated_at) });
        var links = KD.clear($('#kb-lang-links'));
        (a.languages || []).filter(function (l) { return l !== a.language; }).forEach(function (l) {
          links.appendChild(el('a', { href: '?lang=' + encodeURIComponent(l), text: KD.t(l === 'en' ? 'kb.lang_en' : 'kb.lang_zh'), onclick: function (ev) {
            ev.preventDefault(); history.replaceState(null, '', '?lang=' + encodeURIComponent(l)); load(l);
          } }));
        });
        $('#kb-langs').hidden = !links.childNodes.length;
        $('#kb-article').removeAttribute('aria-busy');
      }, function () {
        $('#kb-missing').hidden = false;
        $('#kb-article').removeAttribute('aria-busy');
      });
    }
    load(want);
  });
})();
