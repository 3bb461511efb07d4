/* Staff sign-in: POST /auth/login, keep the short-lived token, go where the user was going. */
(function () {
  'use strict';
  var KD = window.KD, $ = KD.$;
  KD.onReady(function () {
    var form = $('#login-form');
    var next = new URLSearchParams(location.search).get('next') || '';
    if (!/^\/[^/\\]/.test(next)) next = ''; // same-site paths only: no open redirect
    if (KD.staffToken()) { location.replace(next || '/agent'); return; }
    form.elements.email.focus();
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      KD.clearFieldErrors(form);
      var err = $('#login-error');
      err.hidden = true;
      var body = { email: form.elements.email.value.trim(), password: form.elements.password.value };
      var local = {};
      if (!body.email) local.email = KD.t('v.required');
      if (!body.password) local.password = KD.t('v.required');
      if (Object.keys(local).length) { KD.showFieldErrors(form, local); return; }
      KD.busy($('#login-submit'), KD.api('/auth/login', { method: 'POST', body: body })).then(function (res) {
        var token = res.access_token || res.token;
        var exp = res.expires_at || (res.expires_in ? new Date(Date.now() + res.expires_in * 1000).toISOString() : null);
        KD.setStaff({ token: token, expires_at: exp, refresh_token: res.refresh_token || null });
        location.assign(next || landing(res));
      }, function (e) {
        form.elements.password.value = '';
        if (!KD.showFieldErrors(form, e.fields || {})) {
          err.textContent = e.code === 'invalid_credentials' ? KD.t('login.bad') : KD.errorText(e);
          err.hidden = false;
          form.elements.password.focus();
        }
      });
    });
  });
  // landing sends each role to the page it works on.
  function landing(res) {
    var roles = (res.user && res.user.roles) || res.roles || [];
    if (roles.indexOf('risk_agent') >= 0 && roles.indexOf('agent') < 0) return '/risk';
    return '/agent';
  }
})();
