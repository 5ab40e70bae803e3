// Technician console: the self-test and the raw capture, run in the
// running agent. A raw capture holds personal data (a passport's MRZ is on
// the wire): the server allows it only while the kiosk is out of service
// (taken out of service on this console, or locked by the central system),
// keeps it in this session's memory only and drops it when the session
// ends or the kiosk returns to service; this page keeps nothing
// either (no storage), and forgets it as soon as the server does.
'use strict';
window.XPT_DIAG = (function () {
  const { el, api, t, tn, tx, has, num, time, onLang } = window.XPT;
  const $ = (id) => document.getElementById(id);
  const agentText = (s) => (s ? el('span', { lang: 'en' }, s) : s);
  const STATUS_CLASS = { ok: 'good', warn: 'warn', fail: 'bad' };

  // ---- Self-test

  let st = null; // the last result
  let stRunning = false;
  let stError = '';

  const checkLabel = (name) => (has('tech.st.check.' + name) ? t('tech.st.check.' + name) : name);

  function drawSelfTest() {
    const box = $('selftest').querySelector('.body');
    const run = el('button', { type: 'button', class: 'btn', id: 'selftest-run', disabled: stRunning, onclick: runSelfTest }, t('tech.st.run'));
    const status = el('p', { class: 'sim-status' + (stError ? ' err' : ''), id: 'selftest-status', role: 'status' },
      stRunning ? t('tech.st.running') : stError ? t('tech.st.failedRun', { error: stError }) : '');
    const parts = [el('p', { class: 'plain-words' }, t('tech.st.intro')), el('div', { class: 'inline' }, run), status];
    if (st) {
      const n = { ok: 0, warn: 0, fail: 0 };
      for (const c of st.checks) n[c.status] = (n[c.status] || 0) + 1;
      parts.push(el('p', { id: 'selftest-summary', class: 'st-summary' },
        el('span', { class: 'badge ' + (st.ok ? 'good' : 'bad') }, st.ok ? t('tech.st.passed') : t('tech.st.failed')), ' ',
        [tn('tech.st.nOk', n.ok), tn('tech.st.nWarn', n.warn), tn('tech.st.nFail', n.fail)].join(', '), ' — ',
        t('tech.st.when', { time: time(st.at), who: st.by })));
      parts.push(el('table', { id: 'selftest-checks' },
        el('thead', {}, el('tr', {}, ['check', 'result', 'detail'].map((h) => el('th', { scope: 'col' }, t('tech.st.col.' + h))))),
        el('tbody', {}, st.checks.map((c) => el('tr', { class: c.status === 'fail' ? 'attn' : '', 'data-check': c.name },
          el('th', { scope: 'row' }, checkLabel(c.name), checkLabel(c.name) !== c.name ? el('span', { class: 'key mono' }, c.name) : null),
          el('td', {}, el('span', { class: 'badge ' + (STATUS_CLASS[c.status] || 'muted') }, has('tech.st.status.' + c.status) ? t('tech.st.status.' + c.status) : c.status)),
          el('td', { class: 'st-detail' }, agentText(c.detail)))))));
    }
    box.replaceChildren(...parts);
  }

  async function runSelfTest() {
    stRunning = true; stError = '';
    drawSelfTest();
    try {
      st = await api('POST', '/api/tech/selftest', {});
    } catch (e) {
      stError = e.message;
    }
    stRunning = false;
    drawSelfTest();
    const s = $('selftest-summary') || $('selftest-status');
    if (s) { s.tabIndex = -1; s.focus(); }
  }

  // ---- Raw capture

  let cap = null; // GET /api/tech/capture
  let capErr = '';
  let capDevice = '';
  let capSeconds = 10;
  let capTimer = 0;
  let lastLocked = null;

  async function refreshCapture() {
    clearTimeout(capTimer);
    try {
      cap = await api('GET', '/api/tech/capture');
    } catch (e) {
      capErr = e.message;
    }
    drawCapture();
    if (cap && cap.capture && cap.capture.running) capTimer = setTimeout(refreshCapture, 500);
  }

  async function startCapture() {
    capErr = '';
    const d = (cap.devices || []).find((x) => x.name === capDevice);
    const body = { device: capDevice };
    if (d && d.kind === 'serial') body.seconds = capSeconds;
    try {
      cap = await api('POST', '/api/tech/capture', body);
    } catch (e) {
      capErr = e.message;
    }
    drawCapture();
    if (cap && cap.capture && cap.capture.running) capTimer = setTimeout(refreshCapture, 500);
    const s = $('capture-status');
    if (s && capErr) s.focus();
  }

  async function clearCapture() {
    try { await api('POST', '/api/tech/capture/clear', {}); } catch (e) { capErr = e.message; }
    refreshCapture();
  }

  const deviceLabel = (d) => (has('device.' + d) ? t('device.' + d) : d);

  function drawCapture() {
    const box = $('capture').querySelector('.body');
    if (!cap) { box.replaceChildren(); return; }
    const devs = cap.devices || [];
    if (!devs.some((d) => d.name === capDevice) && devs.length) capDevice = devs[0].name;
    const dev = devs.find((d) => d.name === capDevice) || {};
    const c = cap.capture;
    const running = !!(c && c.running);
    const parts = [];
    if (!cap.locked) {
      parts.push(el('p', { class: 'cap-notice warn', id: 'capture-locked' }, el('strong', {}, t('tech.cap.notLockedTitle')), ' ', t('tech.cap.notLocked')));
    } else {
      parts.push(el('p', { class: 'cap-notice', id: 'capture-locked' }, t('tech.cap.locked')));
    }
    const off = !cap.locked || running || cap.busy;
    const select = el('select', { id: 'capture-device', disabled: off, onchange: (e) => { capDevice = e.target.value; drawCapture(); } },
      devs.map((d) => el('option', { value: d.name, selected: d.name === capDevice }, deviceLabel(d.name) + (d.profile ? ' (' + d.profile + ')' : ''))));
    const secs = el('input', { id: 'capture-seconds', type: 'number', min: '1', max: String(cap.maxSeconds || 60), value: String(capSeconds), disabled: off || dev.kind !== 'serial',
      oninput: (e) => { capSeconds = Math.max(1, Math.min(cap.maxSeconds || 60, parseInt(e.target.value, 10) || 1)); } });
    parts.push(el('form', { class: 'inline', id: 'capture-form', onsubmit: (e) => { e.preventDefault(); startCapture(); } },
      el('label', { for: 'capture-device' }, t('tech.cap.device')), select,
      dev.kind === 'serial' ? [el('label', { for: 'capture-seconds' }, t('tech.cap.seconds', { max: num(cap.maxSeconds || 60) })), secs] : null,
      el('button', { type: 'submit', class: 'btn small', id: 'capture-start', disabled: off }, dev.kind === 'camera' ? t('tech.cap.frame') : t('tech.cap.start')),
      c && !running ? el('button', { type: 'button', class: 'btn small', id: 'capture-clear', onclick: clearCapture }, t('tech.cap.clear')) : null));
    let status = '';
    if (capErr) status = t('tech.cap.error', { error: capErr });
    else if (cap.busy) status = t('tech.cap.busy');
    else if (running) {
      const left = c.endsAt ? Math.max(0, Math.round((new Date(c.endsAt).getTime() - Date.now()) / 1000)) : 0;
      status = t('tech.cap.running', { device: deviceLabel(c.device), seconds: num(left) });
    } else if (c && c.error) status = t('tech.cap.error', { error: c.error });
    parts.push(el('p', { class: 'sim-status' + (capErr || (c && c.error) ? ' err' : ''), id: 'capture-status', role: 'status', tabindex: '-1' }, status));
    if (c && c.serial) parts.push(drawSerial(c, c.serial));
    if (c && c.camera) parts.push(drawCamera(c, c.camera));
    box.replaceChildren(...parts);
  }

  function drawSerial(c, s) {
    const st = s.stats || {};
    const refused = (st.partial || 0) + (st.oversize || 0) + (st.badCheck || 0) + (st.malformed || 0);
    const hints = [];
    if (!s.bytes && !c.running) hints.push(t('tech.cap.hintNothing'));
    else if (s.bytes && !st.frames && !c.running) hints.push(t('tech.cap.hintNoFrame'));
    if (s.high * 4 > s.bytes && s.bytes) hints.push(t('tech.cap.hintBaud'));
    const summary = el('dl', { class: 'kv' },
      el('dt', {}, t('tech.cap.what')), el('dd', {}, t('tech.cap.whatValue', { device: deviceLabel(s.device), profile: s.profile, when: time(c.startedAt), who: c.by })),
      el('dt', {}, t('tech.cap.bytes')), el('dd', {}, tn('tech.cap.nBytes', s.bytes), s.truncated ? [' ', el('span', { class: 'badge warn' }, t('tech.cap.truncated', { dropped: num(s.dropped) }))] : null),
      el('dt', {}, t('tech.cap.frames')), el('dd', {}, num(st.frames || 0)),
      el('dt', {}, t('tech.cap.refused')), el('dd', {}, num(refused), refused ? ' (' + ['partial', 'oversize', 'badCheck', 'malformed'].filter((k) => st[k]).map((k) => t('tech.cap.reject.' + k) + ' ' + num(st[k])).join(', ') + ')' : ''),
      el('dt', {}, t('tech.cap.garbage')), el('dd', {}, tn('tech.cap.nBytes', st.skipped || 0)));
    const notes = (s.notes || []).length ? el('ol', { class: 'cap-notes', id: 'capture-notes' }, s.notes.map((n) => el('li', { 'data-kind': n.kind },
      el('span', { class: 'mono cap-at' }, '+' + num(n.atMs / 1000, { minimumFractionDigits: 3, maximumFractionDigits: 3 }) + ' s'), ' ',
      n.kind === 'document' ? [el('span', { class: 'badge ' + (n.valid ? 'good' : 'warn') }, n.valid ? t('tech.cap.docValid', { format: n.format || '?' }) : t('tech.cap.docInvalid')),
        ' ', tn('tech.cap.nBytes', n.bytes), n.problem ? [' ', agentText(n.problem)] : null,
        el('pre', { class: 'mono cap-lines', translate: 'no' }, (n.lines || []).join('\n'))]
        : n.kind === 'card' ? [el('span', { class: 'badge good' }, t('tech.cap.card')), ' ', el('span', { class: 'mono' }, n.tag), n.rssi ? ' ' + t('tech.cap.rssi', { rssi: num(n.rssi) }) : '']
          : [el('span', { class: 'badge bad' }, t('tech.cap.refusedNote', { kind: has('tech.cap.reject.' + camel(n.reject)) ? t('tech.cap.reject.' + camel(n.reject)) : n.reject })),
            ' ', tn('tech.cap.nBytes', n.bytes), ' ', el('span', { class: 'key mono' }, n.reject), n.reason ? [' ', agentText(n.reason)] : null])))
      : el('p', { class: 'empty' }, c.running ? t('tech.cap.waiting') : t('tech.cap.noFrames'));
    // The bytes, 16 a row: offset, time, hex, characters (control
    // characters by their names).
    const rows = [];
    for (const b of s.blocks || []) {
      const hex = b.hex ? b.hex.split(' ') : [];
      for (let i = 0; i < hex.length; i += 16) {
        rows.push(el('tr', {},
          el('td', { class: 'mono num' }, (b.offset + i).toString(16).padStart(6, '0')),
          el('td', { class: 'mono num' }, i === 0 ? '+' + num(b.atMs / 1000, { minimumFractionDigits: 3, maximumFractionDigits: 3 }) : ''),
          el('td', { class: 'mono cap-hex' }, hex.slice(i, i + 16).join(' ')),
          el('td', { class: 'mono cap-chars', translate: 'no' }, b.chars.slice(i, i + 16).map((ch) => (ch.length > 1
            ? el('span', { class: 'ctl', title: t('tech.cap.ctlTitle', { name: ch }) }, ch)
            : ch === '' ? el('span', { class: 'hi', title: t('tech.cap.highTitle') }, '·') : ch === ' ' ? el('span', { class: 'sp', title: t('tech.cap.spaceTitle') }, '␠') : ch)))));
      }
    }
    // The bytes scroll in their own box: it takes the keyboard focus, so
    // that the keys scroll it too.
    const bytes = rows.length ? el('div', { class: 'cap-bytes', tabindex: '0', role: 'region', 'aria-label': t('tech.cap.wire') }, el('table', { class: 'compact', id: 'capture-bytes' },
      el('thead', {}, el('tr', {}, ['offset', 'at', 'hex', 'chars'].map((h) => el('th', { scope: 'col' }, t('tech.cap.col.' + h))))),
      el('tbody', {}, rows))) : null;
    return el('div', { class: 'cap-result', id: 'capture-result' }, summary,
      hints.length ? el('ul', { class: 'plain cap-hints' }, hints.map((h) => el('li', {}, h))) : null,
      el('h3', {}, t('tech.cap.framer')), notes, bytes ? [el('h3', {}, t('tech.cap.wire')), bytes] : null);
  }
  const camel = (s) => String(s || '').replace(/_(\w)/g, (m, c) => c.toUpperCase());

  function drawCamera(c, cam) {
    const fig = (f) => {
      const v = f.name === 'faceRatio' || f.name === 'offset' ? window.XPT.pct(f.value, 0) : f.name === 'score' ? num(f.value, { maximumFractionDigits: 3 }) : num(f.value, { maximumFractionDigits: 0 });
      const fmt = (x) => (f.name === 'faceRatio' || f.name === 'offset' ? window.XPT.pct(x, 0) : num(x, { maximumFractionDigits: 0 }));
      const want = f.min !== undefined && f.max !== undefined ? t('tech.cap.between', { min: fmt(f.min), max: fmt(f.max) })
        : f.min !== undefined ? t('tech.cap.atLeast', { min: fmt(f.min) }) : f.max !== undefined ? t('tech.cap.atMost', { max: fmt(f.max) }) : '—';
      return el('tr', {}, el('th', { scope: 'row' }, has('tech.cap.fig.' + f.name) ? t('tech.cap.fig.' + f.name) : f.name), el('td', { class: 'num' }, v), el('td', {}, want));
    };
    return el('div', { class: 'cap-result cap-camera', id: 'capture-result' },
      el('figure', { class: 'cap-frame' }, el('img', { src: cam.image, alt: t('tech.cap.frameAlt') }),
        el('figcaption', {}, t('tech.cap.frameCaption', { time: time(c.startedAt), who: c.by, width: num(cam.width, { useGrouping: false }), height: num(cam.height, { useGrouping: false }) }))),
      el('div', {},
        el('p', {}, el('span', { class: 'badge ' + (cam.ok ? 'good' : 'warn') }, cam.ok ? t('tech.cap.passes') : t('tech.cap.failsRule')), ' ',
          tn('tech.cap.nFaces', cam.faces), ' ', el('span', { class: 'key mono' }, cam.guidance)),
        el('table', { class: 'compact', id: 'capture-figures' },
          el('thead', {}, el('tr', {}, ['figure', 'value', 'wanted'].map((h) => el('th', { scope: 'col', class: h === 'value' ? 'num' : '' }, t('tech.cap.col.' + h))))),
          el('tbody', {}, (cam.figures || []).map(fig)))));
  }

  // render follows the technician page's snapshot: the panels are shown
  // when the agent offers them, and the capture's state is asked again
  // when the kiosk is locked or unlocked.
  function render(x) {
    const on = !!x.diagnostics;
    $('selftest').hidden = !on;
    $('capture').hidden = !on;
    if (!on) return;
    if (!$('selftest-run')) drawSelfTest();
    const locked = x.state === 'locked' || !!x.maintenance;
    if (locked !== lastLocked) {
      lastLocked = locked;
      if (!locked) cap = cap && Object.assign({}, cap, { locked: false, capture: null });
      refreshCapture();
    }
  }

  onLang(() => { if ($('selftest-run')) drawSelfTest(); drawCapture(); });
  // The running capture's countdown.
  setInterval(() => { if (cap && cap.capture && cap.capture.running) drawCapture(); }, 1000);
  return { render };
})();
