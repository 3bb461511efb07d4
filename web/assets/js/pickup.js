/* Replacement pickup page: /k#token=… The link was sent to the order's e-mail address when a
 * claim came from a device and network the buyer never used (step-up delivery). The token
 * lives in the fragment, never sent to the server except in the request body. */
(function () {
  'use strict';
  var KD = window.KD, $ = KD.$;

  KD.onReady(function () {
    KD.useDeviceId();
    var token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
    var err = $('#pickup-error');
    function fail(text) {
      err.textContent = text;
      err.hidden = false;
    }
    if (!token) {
      $('#pickup-show').hidden = true;
      fail(KD.t('pickup.no_token'));
      return;
    }
    $('#pickup-show').addEventListener('click', function (ev) {
      err.hidden = true;
      KD.busy(ev.target, KD.api('/key-pickup', { method: 'POST', body: { token: token } })).then(function (res) {
        $('#pickup-value').textContent = (res && res.secret) || '';
        $('#pickup-box').hidden = false;
        ev.target.hidden = true;
        if (res && res.order_no) {
          $('#pickup-order').textContent = KD.t('pickup.order', { order: res.order_no, product: res.product || '' });
          $('#pickup-order').hidden = false;
        }
        $('#pickup-value').focus();
        KD.announce(KD.t('status.key_shown'));
      }, function (e) {
        if (e.status === 410) fail(KD.t('pickup.expired'));
        else if (e.status === 404) fail(KD.t('pickup.invalid'));
        else fail(KD.errorText(e));
      });
    });
    $('#pickup-copy').addEventListener('click', function () {
      var v = $('#pickup-value').textContent;
      if (navigator.clipboard) navigator.clipboard.writeText(v).then(function () { KD.toast(KD.t('common.copied')); }, function () {});
    });
  });
})();
