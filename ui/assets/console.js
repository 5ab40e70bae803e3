// Helpers shared by the officer and technician consoles.
'use strict';
window.XPT = (function () {
  // el builds an element; text goes in with textContent only, so data from
  // the kiosk can never become markup.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  async function api(method, path, body) {
    const opts = { method, credentials: 'same-origin', cache: 'no-store', headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    if (r.status === 401) { location.reload(); throw new Error('signed out'); }
    const data = r.status === 204 ? null : await r.json().catch(() => null);
    if (!r.ok) {
      const e = new Error((data && data.error) || ('HTTP ' + r.status));
      e.status = r.status; e.data = data;
      throw e;
    }
    return data;
  }

  // live keeps a snapshot fresh: server-sent events, else polling.
  function live(eventsPath, snapshotPath, onData, onLink) {
    let failures = 0;
    let polling = false;
    const es = window.EventSource ? new EventSource(eventsPath) : null;
    async function poll() {
      if (polling) return;
      polling = true;
      for (;;) {
        try { onData(await api('GET', snapshotPath)); onLink(true); } catch (e) { onLink(false); }
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
    if (!es) { poll(); return; }
    es.addEventListener('open', () => { failures = 0; onLink(true); });
    es.addEventListener('snapshot', (e) => { failures = 0; onLink(true); onData(JSON.parse(e.data)); });
    es.addEventListener('error', async () => {
      failures++;
      onLink(false);
      if (failures >= 3) {
        es.close();
        // A 401 means the session ended: api() reloads into the login form.
        try { await api('GET', snapshotPath); } catch (e) { /* handled */ }
        poll();
      }
    });
  }

  function time(iso) {
    if (!iso || iso.startsWith('0001-')) return '—';
    const d = new Date(iso);
    return d.toLocaleTimeString('en-CA', { hour12: false });
  }

  function dateTime(iso) {
    if (!iso || iso.startsWith('0001-')) return '—';
    const d = new Date(iso);
    return d.toLocaleDateString('en-CA') + ' ' + d.toLocaleTimeString('en-CA', { hour12: false });
  }

  function ago(iso) {
    if (!iso || iso.startsWith('0001-')) return '';
    const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d';
  }

  function logout(role, why) {
    api('POST', '/api/' + role + '/logout', {}).catch(() => null)
      .finally(() => location.replace(location.pathname + '?ended=' + (why || 'signed-out')));
  }

  // idleLock signs the person out after the server's idle time with no
  // click, key or touch, warning in the last 30 s; while they work it tells
  // the server (at most every 30 s), which holds the same lock on its side
  // and ends the session even if this page is gone.
  async function idleLock(role) {
    let s;
    try { s = await api('GET', '/api/' + role + '/session'); } catch (e) { return; }
    if (!s || !s.idleLockSeconds) return;
    const idleMs = s.idleLockSeconds * 1000;
    let last = Date.now();
    let told = Date.now();
    const banner = el('p', { class: 'idle-warning', role: 'alert', hidden: true });
    document.body.prepend(banner);
    async function beat() {
      told = Date.now();
      try {
        await fetch('/api/' + role + '/session', { credentials: 'same-origin', cache: 'no-store', headers: { 'X-XPT-Activity': '1' } })
          .then((r) => { if (r.status === 401) location.replace(location.pathname + '?ended=idle'); });
      } catch (e) { /* the link: the server's own lock still holds */ }
    }
    for (const ev of ['pointerdown', 'keydown', 'wheel', 'touchstart']) {
      document.addEventListener(ev, () => {
        last = Date.now();
        banner.hidden = true;
        if (last - told > 30000) beat();
      }, { passive: true, capture: true });
    }
    setInterval(() => {
      const left = idleMs - (Date.now() - last);
      if (left <= 0) { logout(role, 'idle'); return; }
      if (left <= 30000) {
        banner.hidden = false;
        banner.textContent = 'No activity: this console locks in ' + Math.ceil(left / 1000) + ' s. Click or press a key to stay signed in.';
      }
    }, 1000);
  }

  return { el, api, live, time, dateTime, ago, logout, idleLock };
})();
