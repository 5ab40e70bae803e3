// Traveler kiosk screen. Renders the agent's traveler snapshot, pushed by
// server-sent events (with long polling as the fallback), in the chosen
// language. It shows codes through the message catalogue only, never raw.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  let catalogue = null;
  let snap = null;          // last snapshot from the server
  let lang = 'en';
  let deadlineAt = 0;       // performance.now() at which the step times out
  let stepTotal = 0;        // the step's length in ms when first seen
  let stepKey = '';
  let lastAnnounced = '';
  let busy = false;

  const screens = {
    welcome:    { icon: 'welcome' },
    document:   { icon: 'passport', actions: [['button.cancel', 'cancel', 'secondary']] },
    chip:       { icon: 'passport', actions: [['button.cancel', 'cancel', 'secondary']] },
    card:       { icon: 'card', actions: [['button.cancel', 'cancel', 'secondary']] },
    face:       { icon: 'face', actions: [['button.cancel', 'cancel', 'secondary']] },
    processing: { icon: 'wait' },
    admitted:   { icon: 'check', actions: [['button.done', 'finish', 'primary']] },
    referred:   { icon: 'officer', actions: [['button.done', 'finish', 'primary']] },
    aborted:    { icon: 'stop', actions: [['button.again', 'finish', 'primary']] },
    closed:     { icon: 'closed' },
  };

  function t(key, vars, l) {
    const table = catalogue[l || lang] || catalogue.en;
    let s = table[key];
    if (s === undefined) s = catalogue.en[key];
    if (s === undefined) return '';
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }

  // codeText turns a guidance or message code into words; an unknown code
  // gets a generic sentence, never the code itself.
  function codeText(prefix, code) {
    if (!code) return '';
    const s = t(prefix + '.' + code);
    return s || t(prefix + '.unknown');
  }

  function button(label, cls, onClick, l) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'btn ' + cls;
    b.textContent = label;
    if (l) b.lang = l;
    b.addEventListener('click', onClick);
    return b;
  }

  async function post(path, body) {
    if (busy) return;
    busy = true;
    document.querySelectorAll('.btn').forEach((b) => { b.disabled = true; });
    try {
      const r = await fetch('/api/traveler/' + path, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body || {}), credentials: 'same-origin',
      });
      const data = await r.json().catch(() => null);
      if (r.ok && data) apply(data);
      else if (r.status === 409 && data && data.traveler) apply(data.traveler);
    } catch (e) {
      showOffline(true);
    } finally {
      busy = false;
      document.querySelectorAll('.btn').forEach((b) => { b.disabled = false; });
    }
  }

  function setLanguage(l) {
    if (l !== 'en' && l !== 'fr') return;
    lang = l;
    render();
    post('language', { lang: l });
  }

  function apply(s) {
    if (!s || typeof s.screen !== 'string') return;
    if (snap && s.version < snap.version) return; // an older answer overtaken by an event
    const key = s.screen + '/' + s.version;
    if (s.remainingMs > 0) {
      const left = s.remainingMs;
      // A new step (or a new deadline) restarts the bar from full.
      const newStep = !snap || snap.screen !== s.screen || String(snap.deadline) !== String(s.deadline);
      deadlineAt = performance.now() + left;
      if (newStep || !stepTotal) stepTotal = left;
    } else {
      deadlineAt = 0;
      stepTotal = 0;
    }
    stepKey = key;
    snap = s;
    if (s.lang === 'en' || s.lang === 'fr') lang = s.lang;
    render();
  }

  function render() {
    if (!catalogue || !snap) return;
    const screen = screens[snap.screen] ? snap.screen : 'unknown';
    const def = screens[screen] || { icon: 'wait' };
    document.documentElement.lang = lang;
    document.title = t('app.program') + ' — ' + t('app.title');
    document.body.className = 'screen-' + screen;
    $('app-title').textContent = t('app.title');
    document.querySelectorAll('.lang').forEach((b) => {
      b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    });
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });

    const icon = $('icon');
    icon.className = 'icon i-' + def.icon;

    const title = t('screen.' + screen + '.title');
    const body = t('screen.' + screen + '.body');
    const announce = screen + '/' + lang;
    if ($('title').textContent !== title) $('title').textContent = title;
    if ($('body').textContent !== body) $('body').textContent = body;
    if (announce !== lastAnnounced) {
      lastAnnounced = announce;
      // Move focus to the new instruction, so that a screen reader reads
      // it and keyboard users start from the top of the step.
      if (document.activeElement === document.body || !document.activeElement ||
          !document.activeElement.isConnected || document.activeElement.classList.contains('btn')) {
        $('title').focus({ preventScroll: true });
      }
    }
    // Before a language is chosen, and when closed, say it in both, with
    // equal prominence (side by side, same type).
    const other = lang === 'en' ? 'fr' : 'en';
    const bilingual = screen === 'welcome' || screen === 'closed';
    $('texts').classList.toggle('bi', bilingual);
    $('alt').hidden = !bilingual;
    $('alt').lang = other;
    $('alt-title').textContent = bilingual ? t('screen.' + screen + '.title', null, other) : '';
    $('alt-body').textContent = bilingual ? t('screen.' + screen + '.body', null, other) : '';

    // On an outcome, the guidance line carries the traveler's reference,
    // which the officer at the desk finds the referral by.
    let g = screen === 'face' || screen === 'chip' ? codeText('guidance', snap.guidance) : '';
    if ((screen === 'admitted' || screen === 'referred') && snap.reference) {
      g = t('outcome.reference', { reference: snap.reference });
    }
    if ($('guidance').textContent !== g) $('guidance').textContent = g;
    // A card or letter held on the welcome screen is good news, said in
    // both languages like the rest of that screen; other messages are
    // problems.
    const held = /_held$/.test(snap.message || '');
    let m = codeText('message', snap.message);
    if (snap.moreTime) m = t('prompt.more_time');
    if (held && bilingual) m += '\n' + t('message.' + snap.message, null, other);
    if ($('message').textContent !== m) $('message').textContent = m;
    $('message').classList.toggle('info', held || !!snap.moreTime);

    // Progress: only during a session. The agent says how many steps
    // there are (three without a camera, four with one).
    const inSession = snap.step > 0 && snap.steps > 0;
    $('progress-wrap').hidden = !inSession;
    if (inSession) renderProgress(screen);

    // Actions.
    const actions = $('actions');
    actions.replaceChildren();
    if (screen === 'welcome') {
      // Each start button speaks its own language; neither stands out.
      actions.append(
        button(t('start.in', null, 'en'), 'primary', () => post('start', { lang: 'en' }), 'en'),
        button(t('start.in', null, 'fr'), 'primary', () => post('start', { lang: 'fr' }), 'fr'));
    } else {
      if (snap.moreTime) actions.append(button(t('button.more_time'), 'primary', () => post('more-time')));
      for (const [label, cmd, cls] of def.actions || []) {
        actions.append(button(t(label), cls, () => post(cmd)));
      }
    }
    tickCountdown();
  }

  // Step names by number of steps; another count shows numbers only.
  const STEP_LABELS = {
    3: ['progress.document', 'progress.card', 'progress.result'],
    4: ['progress.document', 'progress.card', 'progress.face', 'progress.result'],
  };

  function renderProgress(screen) {
    const steps = Math.min(snap.steps, 8);
    const labels = STEP_LABELS[steps] || [];
    const list = $('progress');
    if (list.children.length !== steps) {
      list.replaceChildren();
      for (let n = 1; n <= steps; n++) {
        const li = document.createElement('li');
        const num = document.createElement('span');
        num.className = 'num';
        num.setAttribute('aria-hidden', 'true');
        num.textContent = String(n);
        const lbl = document.createElement('span');
        lbl.className = 'lbl';
        li.append(num, lbl);
        list.append(li);
      }
    }
    // On the outcome every step is done.
    const finished = ['admitted', 'referred', 'aborted'].includes(screen);
    $('progress-text').textContent = t('progress.label', { step: snap.step, steps: snap.steps });
    Array.from(list.children).forEach((li, i) => {
      const n = i + 1;
      // A step this traveler did not need (the card) says so, not "done".
      const skipped = (snap.skipped || []).includes(n);
      li.querySelector('.lbl').textContent = (labels[i] ? t(labels[i]) : '') + (skipped ? ' — ' + t('progress.not_needed') : '');
      li.classList.toggle('skipped', skipped);
      const done = !skipped && (n < snap.step || (finished && n <= snap.step));
      li.classList.toggle('done', done);
      li.classList.toggle('current', n === snap.step && !done);
      if (n === snap.step) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    });
  }

  function tickCountdown() {
    const box = $('countdown');
    if (!snap || !deadlineAt) { box.hidden = true; return; }
    const left = Math.max(0, deadlineAt - performance.now());
    box.hidden = false;
    const secs = Math.ceil(left / 1000);
    // On a step the countdown is the traveler's time; on an outcome it is
    // only when the screen goes back to the start.
    const closes = ['admitted', 'referred', 'aborted'].includes(snap.screen);
    box.classList.toggle('closes', closes);
    $('countdown-label').textContent = t(closes ? 'countdown.closes' : 'countdown.label');
    $('countdown-time').textContent = Math.floor(secs / 60) + ':' + String(secs % 60).padStart(2, '0');
    $('countdown-fill').style.width = (stepTotal ? Math.min(100, 100 * left / stepTotal) : 0).toFixed(1) + '%';
    // Warn near the end of a long step only: a short step (the face
    // capture) would start in the warning colour.
    const low = !closes && stepTotal > 20000 && secs <= 10;
    box.classList.toggle('low', low);
    const sr = $('countdown-sr');
    const warn = low && secs === 10 ? t('countdown.warning', { seconds: 10 }) : '';
    if (warn && sr.textContent !== warn) sr.textContent = warn;
    if (secs > 10 && sr.textContent) sr.textContent = '';
  }

  function showOffline(on) {
    const el = $('offline');
    el.hidden = !on;
    if (on && catalogue) el.textContent = t('connection.lost');
  }

  // Updates: server-sent events; after repeated failures, long polling.
  let failures = 0;
  function connect() {
    if (!window.EventSource) { poll(); return; }
    const es = new EventSource('/api/traveler/events');
    es.addEventListener('open', () => { failures = 0; showOffline(false); });
    es.addEventListener('snapshot', (e) => {
      failures = 0; showOffline(false);
      try { apply(JSON.parse(e.data)); } catch (err) { /* ignore a bad frame */ }
    });
    es.addEventListener('error', () => {
      failures++;
      showOffline(true);
      if (failures >= 3) { es.close(); poll(); }
    });
  }

  async function poll() {
    for (;;) {
      try {
        const v = snap ? snap.version : 0;
        const r = await fetch('/api/traveler?since=' + v + '&wait=25', { cache: 'no-store' });
        if (r.ok) { apply(await r.json()); showOffline(false); }
        else await sleep(2000);
      } catch (e) {
        showOffline(true);
        await sleep(2000);
      }
    }
  }

  const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

  async function init() {
    const r = await fetch('/assets/messages.json');
    catalogue = await r.json();
    document.querySelectorAll('.lang').forEach((b) => {
      b.addEventListener('click', () => setLanguage(b.dataset.lang));
    });
    // A kiosk: no context menu on a long press, no text selection.
    document.addEventListener('contextmenu', (e) => e.preventDefault());
    try {
      const s = await fetch('/api/traveler', { cache: 'no-store' });
      if (s.ok) apply(await s.json());
    } catch (e) { showOffline(true); }
    if (new URLSearchParams(location.search).has('poll')) poll(); else connect();
    setInterval(tickCountdown, 250);
  }

  init().catch(() => {
    setTimeout(() => location.reload(), 5000);
  });
})();
