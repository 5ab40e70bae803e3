// Console sign-in: sends the token as JSON; the server answers with a
// session cookie and the page reloads into the console.
'use strict';
(function () {
  const form = document.getElementById('login');
  const err = document.getElementById('login-error');
  const first = form.querySelector('input');
  if (first) first.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    const body = {};
    for (const input of form.querySelectorAll('input')) {
      if (!input.value.trim()) { err.textContent = input.labels[0].textContent + ' is required.'; input.focus(); return; }
      body[input.name] = input.value.trim();
    }
    const btn = form.querySelector('button');
    btn.disabled = true;
    try {
      const r = await fetch('/api/' + form.dataset.role + '/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body), credentials: 'same-origin',
      });
      if (r.ok) { location.reload(); return; }
      const data = await r.json().catch(() => ({}));
      err.textContent = r.status === 401 ? 'Wrong token. Try again.' : (data.error || ('Sign-in failed (' + r.status + ').'));
      form.querySelector('#token').select();
    } catch (ex) {
      err.textContent = 'The kiosk does not answer. Check the connection.';
    } finally {
      btn.disabled = false;
    }
  });
})();
