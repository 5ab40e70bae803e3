// Console sign-in: sends the account and password as JSON; the server
// answers with a session cookie and the page reloads into the console.
// The page speaks the language chosen with the EN | FR switch (console.js).
'use strict';
(function () {
  const { t, onLang } = window.XPT;
  const form = document.getElementById('login');
  const err = document.getElementById('login-error');
  const notice = document.getElementById('login-notice');
  const first = form.querySelector('input');
  if (first) first.focus();

  // What the notice and the error say, kept as keys so that they follow a
  // change of language.
  let noticeMsg = null;
  let errMsg = null;
  function show() {
    const consoleName = t(form.dataset.role + '.title');
    document.title = t('login.pageTitle', { console: consoleName });
    notice.textContent = noticeMsg ? t(noticeMsg[0], noticeMsg[1]) : '';
    err.textContent = errMsg ? (errMsg[0] === null ? errMsg[1] : t(errMsg[0], errMsg[1])) : '';
    if (errMsg && errMsg[0] === null) err.lang = 'en'; else err.removeAttribute('lang');
  }
  function setErr(key, vars) { errMsg = key === '' ? null : [key, vars]; show(); }

  const why = new URLSearchParams(location.search).get('ended');
  if (why === 'idle') noticeMsg = ['login.ended.idle'];
  else if (why === 'signed-out') noticeMsg = ['login.ended.signedOut'];
  onLang(show);
  show();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setErr('');
    const body = {};
    for (const input of form.querySelectorAll('input')) {
      const v = input.type === 'password' ? input.value : input.value.trim();
      if (!v) {
        setErr('login.required', { field: t(input.name === 'password' ? 'login.password' : 'login.account') });
        input.focus();
        return;
      }
      body[input.name] = v;
    }
    const btn = form.querySelector('button[type="submit"]');
    btn.disabled = true;
    try {
      const r = await fetch('/api/' + form.dataset.role + '/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body), credentials: 'same-origin',
      });
      if (r.ok) { location.replace(location.pathname); return; }
      const data = await r.json().catch(() => ({}));
      if (r.status === 401) setErr('login.wrong');
      else if (r.status === 429) setErr('login.heldBack', { seconds: r.headers.get('Retry-After') || '1' });
      // The server's own words (in English) for anything else, else the status.
      else if (data.error) setErr(null, data.error + ' (' + r.status + ')');
      else setErr('login.failed', { status: r.status });
      const pw = form.querySelector('#password');
      pw.value = '';
      pw.focus();
    } catch (ex) {
      setErr('login.noAnswer');
    } finally {
      btn.disabled = false;
    }
  });
})();
