/* Ticket search box (issue 15) on the agent and supervisor pages: GET /search/tickets with
 * the typed text, status and sort; results with the ticket, how it matched and a snippet whose
 * matched words are highlighted. The snippet arrives as escaped HTML with <mark> only; it is
 * rebuilt here from text nodes and <mark> elements, so nothing else can reach the page. */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el, $ = KD.$;

  KD.onReady(function () {
    var form = $('#ticket-search');
    if (!form) return;
    var list = $('#search-list'), box = $('#search-results'), more = $('#search-more');
    var cursor = null, shown = 0, lastQuery = null;

    function query() {
      var q = { q: form.elements.q.value.trim(), status: form.elements.status.value, sort: form.elements.sort.value };
      if (!q.q) q.sort = 'newest';
      return q;
    }
    function item(h) {
      var label = { exact: 'search.match_exact', key: 'search.match_key', text: 'search.match_text' }[h.match];
      var match = label ? el('span', { class: 'badge match match-' + h.match, i18n: label }) : null;
      return el('li', { class: 'search-hit', 'data-ticket': h.id },
        el('div', null,
          el('a', { href: '/agent/tickets/' + encodeURIComponent(h.id), class: 'ticket-link' },
            el('span', { class: 'ref', text: h.ref }), ' ', el('span', { class: 'subject', text: h.subject || KD.word('cat', h.category) })),
          ' ', el('span', { class: 'badge st st-' + h.status, text: KD.word('status', h.status) }), ' ', match),
        h.snippet ? el('p', { class: 'snippet small' }, KD.snippetNodes(h.snippet)) : null,
        el('div', { class: 'muted small', text: KD.word('cat', h.category) + ' · ' + new Date(h.updated_at || h.created_at).toLocaleString(KD.lang()) }));
    }
    function run(append) {
      var q = append ? lastQuery : query();
      if (!append) { lastQuery = q; cursor = null; shown = 0; }
      var params = {};
      Object.keys(q).forEach(function (k) { params[k] = q[k]; });
      if (append && cursor) params.cursor = cursor;
      return KD.api('/search/tickets', { staff: true, query: params }).then(function (res) {
        var hits = (res && res.hits) || [];
        if (!append) KD.clear(list);
        hits.forEach(function (h) { list.appendChild(item(h)); });
        shown += hits.length;
        cursor = res && res.next_cursor || null;
        more.hidden = !cursor;
        box.hidden = false;
        var msg = shown ? KD.t('search.count', { n: shown }) : KD.t('search.none');
        // partial: the server stopped at its scan limit; older tickets may match too.
        if (res && res.partial) msg += ' ' + KD.t('search.partial', { more: KD.t(cursor ? 'search.partial_more' : 'search.partial_newest') });
        $('#search-count').textContent = msg;
        KD.announce(msg);
      }).catch(function (err) {
        box.hidden = false;
        $('#search-count').textContent = (err && err.message) || KD.t('search.failed');
      });
    }
    form.addEventListener('submit', function (ev) { ev.preventDefault(); run(false); });
    form.elements.status.addEventListener('change', function () { if (lastQuery) run(false); });
    form.elements.sort.addEventListener('change', function () { if (lastQuery) run(false); });
    more.addEventListener('click', function () { run(true); });
    $('#search-clear').addEventListener('click', function () {
      form.elements.q.value = ''; KD.clear(list); box.hidden = true; lastQuery = null; form.elements.q.focus();
    });
  });
})();
