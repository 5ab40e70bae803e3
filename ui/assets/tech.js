// Technician console: the kiosk's health, device by device, and in the
// demo the simulator panel that drives the simulated devices.
'use strict';
(function () {
  const { el, api, live, time, dateTime, ago, logout } = window.XPT;
  const $ = (id) => document.getElementById(id);
  let snap = null;
  let simBuilt = '';
  let previewOn = false;

  const STATE_CLASS = { online: 'good', ok: 'good', degraded: 'warn', locked: 'bad', offline: 'bad', fault: 'bad', absent: 'bad', not_built: 'warn', disabled: 'muted' };
  const badge = (s) => el('span', { class: 'badge ' + (STATE_CLASS[s] || 'muted') }, s || 'unknown');

  function dl(rows) {
    return el('dl', { class: 'kv' }, rows.filter(Boolean).map(([k, v, cls]) => [el('dt', {}, k), el('dd', { class: cls || '' }, v === undefined || v === '' || v === null ? '—' : v)]));
  }
  function body(id, ...children) { $(id).querySelector('.body').replaceChildren(...children); }
  const n = (x) => (typeof x === 'number' ? x.toLocaleString('en-CA') : '—');

  // The share of travelers referred at random, said so that nobody wonders
  // why some are referred.
  function policyRate(p) {
    const r = p && typeof p.randomReferralRate === 'number' ? p.randomReferralRate : 0;
    if (!r) return 'none';
    return el('span', { class: 'badge warn', title: 'policy.randomReferralRate, or the central system\'s last set_referral_rate command' },
      (r * 100).toLocaleString('en-CA', { maximumFractionDigits: 2 }) + ' % of travelers (RANDOM_REFERRAL)');
  }

  function render(t) {
    snap = t;
    $('state-badge').replaceChildren('Kiosk ', badge(t.state));
    body('kiosk', dl([
      ['Kiosk ID', t.kioskId, 'mono'], ['Port', t.portCode], ['Direction', t.direction], ['Version', t.version, 'mono'],
      ['State', badge(t.state)],
      ['Why', (t.reasons && t.reasons.length) ? el('ul', { class: 'plain' }, t.reasons.map((r) => el('li', {}, r))) : 'nothing wrong'],
      ['Traveler screen', t.travelerScreen],
      ['Random referrals', policyRate(t.policy)],
      ['Card required', t.policy && t.policy.requireCard ? 'yes, for every traveler' : 'only where the authorization says so'],
      ['Face check required', t.policy && t.policy.faceUnavailable
        ? el('span', { class: 'badge bad' }, 'configured but unavailable, every traveler is referred: ' + t.policy.faceUnavailable)
        : (t.policy && t.policy.requireFace ? 'yes: refer when it cannot run' : 'no: the policy decides when it cannot run')],
      ['Started', dateTime(t.startedAt) + (t.uptime ? ' (up ' + t.uptime + ')' : '')],
    ]));
    body('devices', el('table', {},
      el('thead', {}, el('tr', {}, ['Device', 'Kind', 'State', 'Code', 'Message', 'Path', 'Since'].map((h) => el('th', { scope: 'col' }, h)),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Simulated')))),
      el('tbody', {}, (t.devices || []).map((d) => el('tr', { class: d.state !== 'ok' && d.state !== 'disabled' ? 'attn' : '' },
        el('th', { scope: 'row' }, d.name), el('td', {}, d.kind), el('td', {}, badge(d.state)),
        el('td', { class: 'mono' }, d.code || ''), el('td', {}, d.message || ''), el('td', { class: 'mono' }, d.path || ''),
        el('td', {}, time(d.since) + (ago(d.since) ? ' (' + ago(d.since) + ')' : '')),
        el('td', {}, d.simulated ? el('span', { class: 'badge muted' }, 'simulated') : ''))))));
    const b = t.broker || {};
    body('broker', dl([
      ['URL', b.url, 'mono'], ['Link', b.connected ? badge('ok') : el('span', { class: 'badge bad' }, 'disconnected')],
      ['Since', dateTime(b.since)], ['Reconnects', n(b.reconnects)], b.lastError ? ['Last error', b.lastError, 'err'] : null,
    ]));
    const a = t.authz || {};
    body('authz', dl([
      ['Sequence', n(a.seq), 'mono'], ['Records', n(a.records)], ['Last sync', dateTime(a.lastSyncAt)],
      ['Staleness', el('span', { class: a.stale ? 'badge bad' : '' }, (t.stalenessText || '—') + (a.stale ? ' — STALE, travelers are referred' : ''))],
      ['Rejected messages', n(a.rejected)],
    ]));
    const o = t.outbox || {};
    const pct = o.capacity ? Math.min(100, Math.round(100 * o.depth / o.capacity)) : 0;
    const meter = el('meter', { min: '0', max: String(o.capacity || 1), value: String(o.depth || 0), high: String(Math.round((o.capacity || 1) * 0.8)), optimum: '0', 'aria-label': 'Outbox depth' });
    body('outbox', dl([
      ['Depth', o.capacity ? [n(o.depth) + ' / ' + n(o.capacity) + ' (' + pct + ' %) ', meter] : n(o.depth) + ' waiting (capacity not reported)'],
      ['Next seq', n(o.nextSeq), 'mono'], ['Acked seq', n(o.ackedSeq), 'mono'],
      ['Full', o.full ? el('span', { class: 'badge bad' }, 'FULL — kiosk stops admitting') : 'no'],
    ]));
    const f = t.face || {};
    const [vState, ...vWhy] = String(f.verification || '').split(':');
    body('face', dl([
      ['Capture', badge(f.capture)],
      f.captureDetail ? ['Checks', f.captureDetail] : null,
      ['Verification', [el('span', { class: 'badge ' + (vState === 'ok' ? 'good' : 'warn') }, vState || 'unknown'), vWhy.length ? ' ' + vWhy.join(':').trim() : '']],
    ]), el('p', { class: 'plain-words' }, faceInWords(f, vState)));
    renderReceipt(t);
    const counters = Object.entries(t.counters || {}).sort(([x], [y]) => x.localeCompare(y));
    // In words, with the raw key beside for support staff (logs, metrics).
    body('counters', counters.length ? el('table', { class: 'compact' }, el('tbody', {}, counters.map(([k, v]) =>
      el('tr', { class: v > 0 && /reject|fault|error/.test(k) ? 'attn' : '' },
        el('th', { scope: 'row', title: k }, counterLabel(k), ' ', el('span', { class: 'key mono' }, k)),
        el('td', { class: 'num' }, n(v))))))
      : el('p', { class: 'empty' }, 'No counters yet.'));
    body('recent', (t.recent && t.recent.length) ? el('table', {},
      el('thead', {}, el('tr', {}, ['Time', 'Transaction', 'Seq', 'Outcome', 'Reasons'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, t.recent.map((x) => el('tr', {},
        el('td', {}, time(x.at)), el('td', { class: 'mono' }, x.id), el('td', { class: 'mono num' }, String(x.seq)),
        el('td', {}, el('span', { class: 'badge ' + ({ admitted: 'good', referred: 'warn', aborted: 'muted' }[x.outcome] || 'muted') }, x.outcome)),
        el('td', { class: 'mono' }, (x.reasons || []).join(', '))))))
      : el('p', { class: 'empty' }, 'No transaction since the kiosk started.'));
    $('preview').hidden = !t.preview;
    if (t.preview && !$('preview').querySelector('button, img')) renderPreview();
    $('sim').hidden = !t.simulator;
    if (t.simulator) renderSim(t.simulator);
  }

  // Counter keys in words. The kiosk names its counters outcome_<outcome>,
  // rejected_<reject code>, command_<type> and the plain names in COUNTERS
  // (the development server transactions.<outcome> and
  // security.message_rejected.<code>); a key not known here is spelled out
  // from its parts.
  const OUTCOMES = { admitted: 'Travelers admitted', referred: 'Travelers referred to an officer', aborted: 'Sessions abandoned or cancelled' };
  const REJECTS = {
    malformed: 'malformed', unknown_key: 'unknown signing key', bad_alg: 'wrong signature algorithm',
    bad_signature: 'bad signature', too_large: 'too large', schema: 'breaks the schema', expired: 'expired',
    replay: 'replayed', out_of_order: 'out of order', mismatch: 'addressed elsewhere',
  };
  const COUNTERS = {
    sessions: 'Sessions started', documents: 'Documents read', documents_unreadable: 'Documents that could not be read',
    documents_ignored: 'Documents ignored (presented mid-session)', cards: 'Cards read', letters: 'Pre-approval letters read',
    decisions: 'Officer decisions recorded', device_faults: 'Device faults',
    audit_errors: 'Audit log write errors', event_errors: 'Event outbox write errors',
    receipts_printed: 'Receipts printed', receipts_failed: 'Receipts not printed',
  };
  const words = (s) => s.replace(/[._]+/g, ' ').trim();
  function counterLabel(k) {
    if (COUNTERS[k]) return COUNTERS[k];
    let m = /^(?:outcome_|transactions\.)(.+)$/.exec(k);
    if (m) return OUTCOMES[m[1]] || 'Sessions ended ' + words(m[1]);
    m = /^(?:rejected_|security\.message_rejected\.)(.+)$/.exec(k);
    if (m) return 'Messages refused: ' + (REJECTS[m[1]] || words(m[1]));
    m = /^command_(.+)$/.exec(k);
    if (m) return 'Central commands: ' + words(m[1]);
    const w = words(k);
    return w.charAt(0).toUpperCase() + w.slice(1);
  }

  // The receipt printer: its health in words, what it printed, and the
  // last receipt (its image when the printer is simulated).
  const PRINTER_WORDS = {
    paper_out: 'Out of paper', paper_near_end: 'Paper nearly out (still printing)', cover_open: 'Cover open',
    offline: 'Off line', timeout: 'Not answering', disconnected: 'Not connected', not_found: 'Not connected',
  };
  function printerHealth(d) {
    if (!d) return el('span', { class: 'badge muted' }, 'not configured');
    if (d.state === 'disabled') return el('span', { class: 'badge muted' }, 'not configured');
    if (d.state === 'ok') return el('span', { class: 'badge good' }, 'ok');
    return el('span', { class: 'badge ' + (d.code === 'paper_near_end' ? 'warn' : 'bad') }, PRINTER_WORDS[d.code] || d.code || d.state);
  }
  let receiptShown = '';
  function renderReceipt(t) {
    const d = (t.devices || []).find((x) => x.name === 'printer');
    const r = t.receipts;
    $('receipt').hidden = !d && !r;
    if (!d && !r) return;
    const last = r && r.last;
    const lr = t.lastReceipt;
    const key = JSON.stringify([d, r, lr && lr.at]);
    if (key === receiptShown) return;
    receiptShown = key;
    body('receipt', dl([
      ['Health', printerHealth(d)],
      d && d.message ? ['Why', d.message] : null,
      ['Printed', n(r && r.printed)], ['Not printed', n(r && r.failed)],
      ['Last receipt', last ? [time(last.at) + ' ', el('span', { class: 'badge ' + (last.result === 'printed' ? 'good' : last.result === 'queued' ? 'muted' : 'bad') },
        last.result === 'printed' ? 'printed' : last.result === 'queued' ? 'printing' : 'not printed: ' + (PRINTER_WORDS[last.result] || last.result)),
      ' ', el('span', { class: 'mono' }, last.transactionId)] : 'none yet'],
    ]), lr && lr.image ? el('figure', { class: 'receipt' },
      el('a', { href: lr.image, target: '_blank', rel: 'noopener' }, el('img', { src: lr.image, alt: 'The last receipt printed: ' + lr.text.replace(/\s+/g, ' ').trim() })),
      el('figcaption', {}, 'Printed ' + time(lr.at) + ' (simulated printer)')) : null,
    lr ? el('details', {}, el('summary', {}, 'Receipt text'), el('pre', { class: 'mono' }, lr.text)) : null);
  }

  function faceInWords(f, vState) {
    if (f.capture === 'disabled') return 'Face capture is switched off: sessions run without a face photo.';
    if (f.capture !== 'ok') return 'Face capture is not working (' + (f.capture || 'unknown') + '): see the camera in Devices.';
    if (vState === 'ok') return 'Faces are captured and compared with the enrolled photo.';
    return 'Faces are captured and shown to officers, but not compared automatically.';
  }

  // The preview shows a live face: it runs only while a technician asks.
  function renderPreview() {
    const box = $('preview').querySelector('.body');
    if (!previewOn) {
      box.replaceChildren(el('p', {}, 'The preview shows whoever stands at the kiosk. Open it only while you need it.'),
        el('button', { type: 'button', class: 'btn', id: 'preview-on', onclick: () => { previewOn = true; renderPreview(); } }, 'Show camera preview'));
      return;
    }
    box.replaceChildren(
      el('img', { class: 'preview', src: '/api/tech/preview?t=' + Date.now(), alt: 'Live camera preview' }),
      el('button', { type: 'button', class: 'btn', onclick: () => { previewOn = false; renderPreview(); } }, 'Hide preview'));
  }

  function renderSim(sim) {
    const key = JSON.stringify(sim);
    if (key === simBuilt) return;
    simBuilt = key;
    const status = el('p', { id: 'sim-status', class: 'sim-status', role: 'status' });
    async function run(label, path, payload) {
      status.textContent = label + '…';
      status.className = 'sim-status';
      try {
        await api('POST', path, payload);
        status.textContent = label + ': done.';
      } catch (e) {
        status.textContent = label + ': ' + e.message;
        status.className = 'sim-status err';
      }
    }
    const rows = sim.travelers.map((tr, i) => el('tr', {},
      el('th', { scope: 'row' }, tr.label),
      el('td', {}, el('span', { class: 'badge ' + (tr.expected === 'admitted' ? 'good' : 'warn') }, tr.expected),
        (tr.reasons && tr.reasons.length) ? ' ' + tr.reasons.join(', ') : ''),
      el('td', { class: 'actions' },
        el('button', { type: 'button', class: 'btn small', 'data-sim': 'doc-' + i, onclick: () => run('Present document (' + tr.label + ')', '/api/tech/sim/present', { index: i, withCard: false }) }, 'Present document'),
        tr.hasCard ? el('button', { type: 'button', class: 'btn small', 'data-sim': 'doccard-' + i, onclick: () => run('Present document + card (' + tr.label + ')', '/api/tech/sim/present', { index: i, withCard: true }) }, 'Present document + card') : null)));
    const tag = el('input', { id: 'sim-tag', value: '0A1B2C3D4E', maxlength: '10', size: '12', class: 'mono', autocomplete: 'off', spellcheck: 'false' });
    const cardForm = el('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); run('Present card ' + tag.value, '/api/tech/sim/card', { tag: tag.value.trim() }); } },
      el('label', { for: 'sim-tag' }, 'Card tag (EM4100, 10 hex digits)'), tag, el('button', { type: 'submit', class: 'btn small' }, 'Present card'));
    // 'clear' ends every fault; 'printer-ok' (a device's '-ok') ends that device's.
    const clears = (k) => k === 'clear' || /-ok$/.test(k);
    const faults = el('div', { class: 'faults' }, sim.faults.map((k) => el('button', {
      type: 'button', class: 'btn small ' + (clears(k) ? '' : 'danger'), 'data-fault': k,
      onclick: () => run('Fault ' + k, '/api/tech/sim/fault', { kind: k }),
    }, k === 'clear' ? 'Clear faults' : clears(k) ? 'Clear ' + k.slice(0, -3) + ' faults' : 'Inject ' + k)));
    // A long list (the demo has dozens) gets a filter and its own scroll.
    const tbody = el('tbody', {}, rows);
    const filter = el('input', { id: 'sim-filter', type: 'search', placeholder: 'name, outcome or reason', autocomplete: 'off', spellcheck: 'false',
      oninput: () => {
        const q = filter.value.trim().toLowerCase();
        for (const tr of tbody.children) tr.hidden = q !== '' && !tr.textContent.toLowerCase().includes(q);
      } });
    body('sim',
      sim.travelers.length > 8 ? el('div', { class: 'inline' }, el('label', { for: 'sim-filter' }, 'Filter ' + sim.travelers.length + ' travelers'), filter) : null,
      el('div', { class: 'sim-list' }, el('table', {}, el('thead', {}, el('tr', {}, ['Demo traveler', 'Expected outcome'].map((h) => el('th', { scope: 'col' }, h)),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))), tbody)),
      cardForm, el('h3', {}, 'Faults'), faults, status);
  }

  function onLink(ok) {
    $('link').textContent = ok ? 'Live' : 'Connection lost — retrying';
    $('link').className = 'link ' + (ok ? 'ok' : 'bad');
  }

  $('logout').addEventListener('click', () => logout('tech'));
  window.XPT.idleLock('tech');
  live('/api/tech/events', '/api/tech', render, onLink);
  setInterval(() => { if (snap) render(snap); }, 10000);
})();
