// Helpers shared by the officer and technician consoles and their sign-in
// page, and the consoles' languages: English and French with equal
// standing. The strings are in console-strings.js (window.XPT_STRINGS);
// the chosen language is kept per browser in localStorage.
'use strict';
window.XPT = (function () {
  const STRINGS = window.XPT_STRINGS || { en: {}, fr: {} };
  const LANGS = ['en', 'fr'];
  const LANG_KEY = 'xpt.console.lang';
  const listeners = [];

  function stored() {
    try { return localStorage.getItem(LANG_KEY); } catch (e) { return null; }
  }
  // A browser that never chose: its own preference, else English.
  function firstLang() {
    const s = stored();
    if (LANGS.includes(s)) return s;
    for (const l of navigator.languages || [navigator.language || '']) {
      const p = String(l).slice(0, 2).toLowerCase();
      if (LANGS.includes(p)) return p;
    }
    return 'en';
  }
  let lang = firstLang();

  function locale() { return lang === 'fr' ? 'fr-CA' : 'en-CA'; }

  function fill(s, vars) {
    return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
  }
  function raw(key) {
    const table = STRINGS[lang] || STRINGS.en;
    if (key in table) return table[key];
    if (key in STRINGS.en) return STRINGS.en[key];
    return undefined;
  }
  // t is the string for key in the current language, with {name} filled
  // in from vars; a key the table lacks gives back the key.
  function t(key, vars) {
    const s = raw(key);
    return s === undefined ? key : fill(s, vars);
  }
  // has says whether the table knows key (for codes that may have words).
  function has(key) { return raw(key) !== undefined; }
  // tn is a plural: key.one or key.other by the language's rules, with the
  // count put in as {count}, formatted for the language.
  function tn(key, count, vars) {
    const form = new Intl.PluralRules(locale()).select(count) === 'one' ? 'one' : 'other';
    return t(key + '.' + form, Object.assign({ count: num(count) }, vars));
  }
  // tx is t for text with elements in it: the vars that are nodes are put
  // in as they are, the rest as text. It gives a list for el().
  function tx(key, vars) {
    const s = raw(key);
    if (s === undefined) return [key];
    const out = [];
    let last = 0;
    s.replace(/\{(\w+)\}/g, (m, k, at) => {
      out.push(s.slice(last, at));
      out.push(vars && k in vars ? vars[k] : m);
      last = at + m.length;
      return m;
    });
    out.push(s.slice(last));
    return out.filter((x) => x !== '');
  }

  function num(n, opts) {
    return typeof n === 'number' && isFinite(n) ? new Intl.NumberFormat(locale(), opts).format(n) : '—';
  }
  function pct(r, digits) {
    return num(r, { style: 'percent', maximumFractionDigits: digits === undefined ? 2 : digits });
  }

  // applyLang puts the language on the page: <html lang>, the switch's
  // aria-pressed, and the static strings named by data-i18n (text) and
  // data-i18n-attr ("attribute:key attribute:key").
  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t(e.dataset.i18n); });
    document.querySelectorAll('[data-i18n-attr]').forEach((e) => {
      for (const pair of e.dataset.i18nAttr.split(/\s+/)) {
        const [attr, key] = pair.split(':');
        if (attr && key) e.setAttribute(attr, t(key));
      }
    });
    document.querySelectorAll('.lang-switch [data-lang]').forEach((b) => {
      b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    });
  }

  function setLang(l, remember) {
    if (!LANGS.includes(l)) return;
    const changed = l !== lang;
    lang = l;
    if (remember !== false) {
      try { localStorage.setItem(LANG_KEY, l); } catch (e) { /* not kept: a private window */ }
    }
    applyLang();
    if (changed) for (const fn of listeners) fn(l);
  }
  // onLang calls fn after each change of language (to redraw).
  function onLang(fn) { listeners.push(fn); }

  // The EN | FR switch in the top bar: two buttons, the chosen one pressed.
  document.querySelectorAll('.lang-switch [data-lang]').forEach((b) => {
    b.addEventListener('click', () => setLang(b.dataset.lang));
  });
  // Another tab of the same browser chose: follow it.
  window.addEventListener('storage', (e) => {
    if (e.key === LANG_KEY && LANGS.includes(e.newValue)) setLang(e.newValue, false);
  });
  applyLang();

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
    if (r.status === 401) { location.reload(); throw new Error(t('common.signedOutErr')); }
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

  // Times on a 24-hour clock (fr-CA's own format says 14 h 05 min 03 s;
  // the consoles write 14:05:03 in both languages), dates per locale.
  function clock(d) {
    const parts = new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(d);
    const v = (type) => (parts.find((p) => p.type === type) || {}).value || '00';
    return v('hour') + ':' + v('minute') + ':' + v('second');
  }

  function time(iso) {
    if (!iso || iso.startsWith('0001-')) return '—';
    return clock(new Date(iso));
  }

  function dateTime(iso) {
    if (!iso || iso.startsWith('0001-')) return '—';
    const d = new Date(iso);
    return d.toLocaleDateString(locale()) + ' ' + clock(d);
  }

  // duration says a length of time in seconds, minutes, hours or days.
  function duration(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '—';
    const s = Math.max(0, Math.round(ms / 1000));
    const u = (unit, n) => t('unit.' + unit, { n: num(n) });
    if (s < 60) return u('s', s);
    if (s < 3600) return u('min', Math.floor(s / 60)) + (s % 60 ? ' ' + u('s', s % 60) : '');
    if (s < 86400) return u('h', Math.floor(s / 3600)) + ' ' + u('min', Math.floor((s % 3600) / 60));
    return u('d', Math.floor(s / 86400)) + ' ' + u('h', Math.floor((s % 86400) / 3600));
  }

  function ago(iso) {
    if (!iso || iso.startsWith('0001-')) return '';
    const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    const u = (unit, n) => t('unit.' + unit, { n: num(n) });
    if (s < 60) return u('s', s);
    if (s < 3600) return u('min', Math.floor(s / 60));
    if (s < 86400) return u('h', Math.floor(s / 3600)) + ' ' + u('min', Math.floor((s % 3600) / 60));
    return u('d', Math.floor(s / 86400));
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
        banner.textContent = t('common.idle', { seconds: num(Math.ceil(left / 1000)) });
      }
    }, 1000);
  }

  // The link to the kiosk, in the top bar.
  function linkState(node, ok) {
    node.textContent = ok ? t('common.live') : t('common.linkLost');
    node.className = 'link ' + (ok ? 'ok' : 'bad');
  }

  return {
    el, api, live, time, dateTime, ago, duration, logout, idleLock, linkState,
    t, tn, tx, has, num, pct, onLang, setLang, lang: () => lang, locale,
  };
})();
