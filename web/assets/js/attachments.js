/* Screenshots, shared by the buyer form, the status page and the agent ticket view.
 * The API takes one image per request as multipart/form-data (field "file") with the ticket's
 * token, and checks the type from the bytes; here the type and size are checked first so the
 * buyer hears at once. Images are read back with fetch and a bearer token and shown through
 * object URLs: neither the ticket token nor the staff token is a cookie, so <img src> to the
 * API could not authenticate (and a token in a URL would leak into history). */
(function () {
  'use strict';
  var KD = window.KD, el = KD.el;
  var MAX = 5 * 1024 * 1024;
  var TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
  var EXT = /\.(png|jpe?g|webp|gif)$/i;
  var urls = {}; // attachment URL → object URL (kept for the page's life: at most 5 a ticket)

  /** check returns what is wrong with file f (a sentence), or '' when it may be sent. */
  function check(f) {
    if (!f) return '';
    var typeOK = f.type ? TYPES.indexOf(f.type) >= 0 : EXT.test(f.name || '');
    if (!typeOK) return KD.t('support.att_type');
    if (f.size > MAX) return KD.t('support.att_size');
    if (!f.size) return KD.t('att.empty');
    return '';
  }

  /** upload sends file to the ticket ref with the buyer's token; resolves the attachment. */
  function upload(ref, token, file) {
    var fd = new FormData();
    fd.append('file', file, file.name || 'screenshot');
    return fetch('/api/v1/tickets/' + encodeURIComponent(ref) + '/attachments', {
      method: 'POST', body: fd, cache: 'no-store', credentials: 'same-origin',
      headers: KD.deviceHeaders({ 'Accept': 'application/json', 'Authorization': 'Bearer ' + token })
    }).then(function (res) {
      return res.text().then(function (txt) {
        var data = null;
        try { data = txt ? JSON.parse(txt) : null; } catch (e) { data = null; }
        if (!res.ok) throw new KD.ApiError(res.status, data);
        return data;
      });
    }, function () {
      var err = new KD.ApiError(0, null);
      err.code = 'network';
      err.message = KD.t('err.network');
      throw err;
    });
  }

  /** errorText words an upload failure for the buyer. */
  function errorText(err) {
    if (err && err.status === 413) return KD.t('support.att_size');
    if (err && err.status === 415) return KD.t('support.att_type');
    if (err && err.status === 422) return KD.t('att.too_many');
    return KD.errorText(err);
  }

  /** objectURL fetches an attachment with a bearer token once and returns an object URL. */
  function objectURL(url, token) {
    if (urls[url]) return Promise.resolve(urls[url]);
    return fetch(url, { headers: { 'Authorization': 'Bearer ' + token }, cache: 'no-store', credentials: 'same-origin' }).then(function (res) {
      if (!res.ok) throw new Error('attachment ' + res.status);
      return res.blob();
    }).then(function (b) {
      urls[url] = URL.createObjectURL(b);
      return urls[url];
    });
  }

  function size(n) {
    return n >= 1024 * 1024 ? (n / 1024 / 1024).toFixed(1) + ' MB' : Math.max(1, Math.ceil(n / 1024)) + ' KB';
  }

  /** render lists attachments in box as thumbnails that open the image (a purged one by its
   * name only). base is the ticket's API path (/api/v1/tickets/{ref or id}); token returns
   * the bearer token to use. */
  function render(box, items, base, token) {
    KD.clear(box);
    box.hidden = !items.length;
    items.forEach(function (a) {
      if (a.purged_at) {
        // The bytes went after the retention of closed tickets: the name stays, no request.
        box.appendChild(el('li', { class: 'attachment purged', 'data-id': a.id },
          el('span', { class: 'muted small', text: a.filename + ' · ' + size(a.size || 0) + ' · ' + KD.t('att.purged') })));
        return;
      }
      var url = base + '/attachments/' + encodeURIComponent(a.id);
      var link = el('a', { class: 'attachment', target: '_blank', rel: 'noopener', 'data-id': a.id, title: a.filename });
      var img = el('img', { class: 'thumb', alt: a.filename, hidden: true });
      link.appendChild(img);
      link.appendChild(el('span', { class: 'muted small', text: a.filename + ' · ' + size(a.size || 0) }));
      box.appendChild(el('li', null, link));
      objectURL(url, token()).then(function (u) {
        link.setAttribute('href', u);
        img.src = u;
        img.hidden = false;
      }, function () {
        link.appendChild(el('span', { class: 'field-error', text: ' ' + KD.t('att.unavailable') }));
      });
    });
  }

  KD.files = { MAX: MAX, TYPES: TYPES, check: check, upload: upload, errorText: errorText, objectURL: objectURL, render: render, size: size };
})();
