/* Knowledge-base suggestions on the buyer form (issue 15): while the buyer types, GET
 * /kb/suggest (debounced, stale answers dropped) lists the shop's published articles that
 * answer the question, with a snippet whose matched words are highlighted (the snippet arrives
 * as escaped HTML with <mark> only and is rebuilt here from text nodes and <mark> elements).
 * The form reports, once per form session, which articles were shown and opened, and that the
 * form was sent (POST /kb/events): the supervisors' deflection report counts from them. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;

  /** session is this form's random id (kept for the tab, so a reload is the same session). */
  function session(merchant) {
    var key = 'keydesk.kbsession.' + merchant, s = null;
    try { s = sessionStorage.getItem(key); } catch (e) { /* disabled */ }
    if (!s) {
      s = KD.newRequestId().replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
      try { sessionStorage.setItem(key, s); } catch (e) { /* disabled */ }
    }
    return s;
  }

  KD.onReady(function () {
    var form = $('#ticket-form');
    if (!form || !$('#kb')) return;
    var merchant = KD.pathParam(1);
    var sent = {}; // kind:article already reported
    function report(kind, articleId) {
      var k = kind + ':' + (articleId || 0);
      if (sent[k]) return;
      sent[k] = true;
      var ev = { kind: kind };
      if (articleId) ev.article_id = articleId;
      KD.api('/kb/events', { method: 'POST', body: { merchant: merchant, session: session(merchant), events: [ev] } }).catch(function () { /* optional */ });
    }
    /** KD.kbSubmitted is called by the form once the ticket exists. */
    KD.kbSubmitted = function () { report('submitted'); try { sessionStorage.removeItem('keydesk.kbsession.' + merchant); } catch (e) { /* ignore */ } };

    var seq = 0;
    var suggest = KD.debounce(function () {
      var text = (form.elements.subject.value + ' ' + form.elements.description.value).trim();
      var mine = ++seq;
      if (text.length < 2) { $('#kb').hidden = true; return; }
      KD.api('/kb/suggest', { query: { q: text.slice(0, 500), merchant: merchant, lang: KD.lang() } }).then(function (res) {
        if (mine !== seq) return;
        var items = ((res && res.articles) || []).slice(0, 5);
        var list = KD.clear($('#kb-list'));
        items.forEach(function (a) {
          var det = el('details', { class: 'kb-item', 'data-article': a.id },
            el('summary', { text: a.title || a.slug }),
            el('p', { class: 'kb-snippet' }, KD.snippetNodes(a.snippet)),
            el('a', { href: a.url, target: '_blank', rel: 'noopener', class: 'kb-open', i18n: 'kb.read_more', onclick: function () { report('opened', a.id); } }));
          det.addEventListener('toggle', function () { if (det.open) report('opened', a.id); });
          list.appendChild(el('li', null, det));
          report('shown', a.id);
        });
        $('#kb').hidden = items.length === 0;
      }).catch(function () { /* suggestions are optional */ });
    }, 300);
    form.elements.description.addEventListener('input', suggest);
    form.elements.subject.addEventListener('input', suggest);
    if (form.elements.description.value || form.elements.subject.value) suggest();
  });
})();
