// Console sign-in: sends the account and password as JSON; the server
// answers with a session cookie and the page reloads into the console.
'use strict';
(function () {
  const form = document.getElementById('login');
  const err = document.getElementById('login-error');
  const notice = document.getElementById('login-notice');
  const first = form.querySelector('input');
  if (first) first.focus();
  const why = new URLSearchParams(location.search).get('ended');
  if (why === 'idle') notice.textContent = 'Locked after a time with no activity. Sign in again. / Verrouillé après une période d’inactivité. Reconnectez-vous.';
  else if (why === 'signed-out') notice.textContent = 'Signed out. / Session fermée.';
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    const body = {};
    for (const input of form.querySelectorAll('input')) {
      const v = input.type === 'password' ? input.value : input.value.trim();
      if (!v) { err.textContent = input.labels[0].textContent + ': required.'; input.focus(); return; }
      body[input.name] = v;
    }
    const btn = form.querySelector('button');
    btn.disabled = true;
    try {
      const r = await fetch('/api/' + form.dataset.role + '/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body), credentials: 'same-origin',
      });
      if (r.ok) { location.replace(location.pathname); return; }
      const data = await r.json().catch(() => ({}));
      if (r.status === 401) err.textContent = 'Wrong account or password. / Compte ou mot de passe incorrect.';
      else if (r.status === 429) err.textContent = (() => { const n = r.headers.get('Retry-After') || '1'; return 'Too many attempts: wait ' + n + ' s. / Trop de tentatives\u202f: attendez ' + n + '\u00a0s.'; })();
      else err.textContent = data.error || ('Sign-in failed (' + r.status + ').');
      const pw = form.querySelector('#password');
      pw.value = '';
      pw.focus();
    } catch (ex) {
      err.textContent = 'The kiosk does not answer. Check the connection.';
    } finally {
      btn.disabled = false;
    }
  });
})();
