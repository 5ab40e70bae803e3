// Technician console: the kiosk's health, device by device, and in the
// demo the simulator panel that drives the simulated devices.
'use strict';
(function () {
  const { el, api, live, time, dateTime, ago, duration, logout, t, tx, has, num, pct, onLang, linkState } = window.XPT;
  const $ = (id) => document.getElementById(id);
  let snap = null;
  let simBuilt = '';
  let previewOn = false;

  const STATE_CLASS = { online: 'good', ok: 'good', degraded: 'warn', locked: 'bad', offline: 'bad', fault: 'bad', absent: 'bad', not_built: 'warn', disabled: 'muted' };
  // A state in words; a state the table does not know shows as it is.
  const stateText = (s) => (!s ? t('state.unknown') : has('state.' + s) ? t('state.' + s) : s);
  const badge = (s) => el('span', { class: 'badge ' + (STATE_CLASS[s] || 'muted') }, stateText(s));
  // Words the agent sends as they are (device messages, errors, details)
  // are in English: marked so, for screen readers.
  const agentText = (s) => (s ? el('span', { lang: 'en' }, s) : s);

  function dl(rows) {
    return el('dl', { class: 'kv' }, rows.filter(Boolean).map(([k, v, cls]) => [el('dt', {}, k), el('dd', { class: cls || '' }, v === undefined || v === '' || v === null ? '—' : v)]));
  }
  // (null children are left out: replaceChildren would write "null")
  function body(id, ...children) { $(id).querySelector('.body').replaceChildren(...children.filter((c) => c !== null && c !== undefined)); }
  const n = (x) => num(x);
  // Sequence numbers are identifiers: no grouping.
  const seq = (x) => num(x, { useGrouping: false });
  const word = (prefix, code) => (code && has(prefix + code) ? t(prefix + code) : code);

  // The share of travelers referred at random, said so that nobody wonders
  // why some are referred.
  function policyRate(p) {
    const r = p && typeof p.randomReferralRate === 'number' ? p.randomReferralRate : 0;
    if (!r) return t('tech.randomNone');
    return el('span', { class: 'badge warn', title: t('tech.randomTitle') }, t('tech.randomRate', { rate: pct(r, 4) }));
  }

  // The kiosk's own reasons for its state: locked, outbox_full,
  // authz_stale, <device>_<code>.
  function kioskReason(r) {
    if (has('kioskReason.' + r)) return t('kioskReason.' + r);
    const m = /^([A-Za-z]+)_(.+)$/.exec(r);
    if (m && has('device.' + m[1])) return t('kioskReason.device', { device: t('device.' + m[1]), code: m[2] });
    return r;
  }
  const deviceName = (d) => (has('device.' + d) ? [t('device.' + d), ' ', el('span', { class: 'key mono' }, d)] : d);

  // The kiosk's state; taken out of service here, it says so.
  const stateBadge = (x) => (x.maintenance ? el('span', { class: 'badge bad' }, t('state.maintenance')) : badge(x.state));

  // Maintenance: the technician takes the kiosk out of service from here
  // (raw capture needs it), and returns it to service, each after a
  // confirmation. Returning to service does not lift a central lock.
  let maintAsk = null; // the confirmation shown: true (take out) | false (return) | null
  let maintBusy = false;
  let maintErr = '';
  let maintShown = '';
  function renderMaint(x) {
    const on = !!x.maintenance;
    if (maintAsk === on) maintAsk = null; // done meanwhile (another console)
    const key = JSON.stringify([on, maintAsk, maintBusy, maintErr, window.XPT.lang()]);
    if (key === maintShown) return;
    maintShown = key;
    $('maint').replaceChildren(el('button', {
      type: 'button', class: 'btn small' + (on ? ' primary' : ' danger'), id: 'maint-toggle', disabled: maintBusy,
      'aria-expanded': String(maintAsk !== null), 'aria-controls': 'maint-confirm',
      onclick: () => {
        maintErr = '';
        maintAsk = maintAsk === null ? !on : null;
        renderMaint(snap);
        if ($('maint-yes')) $('maint-yes').focus();
      },
    }, on ? t('tech.maint.return') : t('tech.maint.take')));
    const box = $('maint-confirm');
    if (maintAsk === null) {
      box.replaceChildren(...(maintErr ? [el('p', { class: 'maint-error', role: 'alert' }, t('tech.maint.failed', { error: maintErr }))] : []));
      return;
    }
    const want = maintAsk;
    box.replaceChildren(
      el('p', {}, t(want ? 'tech.maint.confirmOn' : 'tech.maint.confirmOff')),
      el('button', { type: 'button', class: 'btn ' + (want ? 'refuse' : 'primary'), id: 'maint-yes', disabled: maintBusy, onclick: () => setMaint(want) },
        t(want ? 'tech.maint.yesOn' : 'tech.maint.yesOff')),
      el('button', { type: 'button', class: 'btn plain', id: 'maint-cancel', disabled: maintBusy,
        onclick: () => { maintAsk = null; renderMaint(snap); $('maint-toggle').focus(); } }, t('tech.maint.cancel')));
  }
  async function setMaint(on) {
    maintBusy = true; maintErr = '';
    renderMaint(snap);
    try {
      const x = await api('POST', '/api/tech/maintenance', { on });
      maintAsk = null;
      maintBusy = false;
      render(x);
    } catch (e) {
      maintAsk = null;
      maintBusy = false;
      maintErr = e.message;
      renderMaint(snap);
    }
    $('maint-toggle').focus();
  }

  function render(x) {
    snap = x;
    $('state-badge').replaceChildren(...window.XPT.tx('tech.kioskState', { state: stateBadge(x) }));
    renderMaint(x);
    const p = x.policy || {};
    const up = x.startedAt && !x.startedAt.startsWith('0001-') ? duration(Date.now() - new Date(x.startedAt).getTime()) : '';
    body('kiosk', dl([
      [t('tech.kioskId'), x.kioskId, 'mono'], [t('tech.port'), x.portCode], [t('tech.direction'), x.direction], [t('tech.version'), x.version, 'mono'],
      [t('tech.state'), stateBadge(x)],
      [t('tech.why'), (x.reasons && x.reasons.length)
        ? el('ul', { class: 'plain' }, x.reasons.map((r) => el('li', {}, kioskReason(r), kioskReason(r) !== r ? [' ', el('span', { class: 'key mono' }, r)] : null)))
        : t('tech.nothingWrong')],
      [t('tech.travelerScreen'), word('screen.', x.travelerScreen)],
      [t('tech.randomReferrals'), policyRate(p)],
      [t('tech.cardRequired'), p.requireCard ? t('tech.cardAlways') : t('tech.cardWhere')],
      [t('tech.faceRequired'), p.faceUnavailable
        ? el('span', { class: 'badge bad' }, window.XPT.tx('tech.faceUnavailable', { why: agentText(p.faceUnavailable) }))
        : (p.requireFace ? t('tech.faceYes') : t('tech.faceNo'))],
      [t('tech.started'), up ? t('tech.uptime', { when: dateTime(x.startedAt), uptime: up }) : dateTime(x.startedAt)],
    ]));
    body('devices', el('table', {},
      el('thead', {}, el('tr', {}, ['device', 'kind', 'state', 'code', 'message', 'path', 'since'].map((h) => el('th', { scope: 'col' }, t('tech.col.' + h))),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, t('tech.col.simulated'))))),
      el('tbody', {}, (x.devices || []).map((d) => el('tr', { class: d.state !== 'ok' && d.state !== 'disabled' ? 'attn' : '' },
        el('th', { scope: 'row' }, deviceName(d.name)), el('td', { class: 'mono' }, d.kind), el('td', {}, badge(d.state)),
        el('td', { class: 'mono' }, d.code || ''), el('td', {}, agentText(d.message || '')), el('td', { class: 'mono' }, d.path || ''),
        el('td', {}, time(d.since) + (ago(d.since) ? ' (' + ago(d.since) + ')' : '')),
        el('td', {}, d.simulated ? el('span', { class: 'badge muted' }, t('tech.simulated')) : ''))))));
    const b = x.broker || {};
    body('broker', dl([
      [t('tech.url'), b.url, 'mono'], [t('tech.link'), b.connected ? badge('ok') : el('span', { class: 'badge bad' }, t('tech.disconnected'))],
      [t('tech.since'), dateTime(b.since)], [t('tech.reconnects'), n(b.reconnects)], b.lastError ? [t('tech.lastError'), agentText(b.lastError), 'err'] : null,
    ]));
    const a = x.authz || {};
    // Staleness is in nanoseconds.
    const stale = typeof a.staleness === 'number' ? duration(a.staleness / 1e6) : (x.stalenessText || '—');
    body('authz', dl([
      [t('tech.seq'), seq(a.seq), 'mono'], [t('tech.records'), n(a.records)], [t('tech.lastSync'), dateTime(a.lastSyncAt)],
      [t('tech.staleness'), el('span', { class: a.stale ? 'badge bad' : '' }, a.stale ? t('tech.stale', { staleness: stale }) : stale)],
      [t('tech.rejected'), n(a.rejected)],
    ]));
    const o = x.outbox || {};
    const share = o.capacity ? Math.min(1, (o.depth || 0) / o.capacity) : 0;
    const meter = el('meter', { min: '0', max: String(o.capacity || 1), value: String(o.depth || 0), high: String(Math.round((o.capacity || 1) * 0.8)), optimum: '0', 'aria-label': t('tech.depthLabel') });
    body('outbox', dl([
      [t('tech.depth'), o.capacity ? [t('tech.depthOf', { depth: n(o.depth), capacity: n(o.capacity), percent: pct(share, 0) }) + ' ', meter] : t('tech.depthNoCap', { depth: n(o.depth) })],
      [t('tech.nextSeq'), seq(o.nextSeq), 'mono'], [t('tech.ackedSeq'), seq(o.ackedSeq), 'mono'],
      [t('tech.full'), o.full ? el('span', { class: 'badge bad' }, t('tech.fullYes')) : t('common.no')],
    ]));
    const f = x.face || {};
    const [vState, ...vWhy] = String(f.verification || '').split(':');
    body('face', dl([
      [t('tech.capture'), badge(f.capture)],
      f.captureDetail ? [t('tech.captureChecks'), agentText(f.captureDetail)] : null,
      [t('tech.verification'), [el('span', { class: 'badge ' + (vState === 'ok' ? 'good' : 'warn') }, vState ? word('verif.', vState) : t('state.unknown')),
        vWhy.length ? [' ', agentText(vWhy.join(':').trim())] : '']],
    ]), el('p', { class: 'plain-words' }, faceInWords(f, vState)));
    renderReceipt(x);
    const counters = Object.entries(x.counters || {}).sort(([k1], [k2]) => k1.localeCompare(k2));
    // In words, with the raw key beside for support staff (logs, metrics).
    body('counters', counters.length ? el('table', { class: 'compact' }, el('tbody', {}, counters.map(([k, v]) =>
      el('tr', { class: v > 0 && /reject|fault|error/.test(k) ? 'attn' : '' },
        el('th', { scope: 'row', title: k }, counterLabel(k), ' ', el('span', { class: 'key mono' }, k)),
        el('td', { class: 'num' }, n(v))))))
      : el('p', { class: 'empty' }, t('tech.noCounters')));
    body('recent', (x.recent && x.recent.length) ? el('table', {},
      el('thead', {}, el('tr', {}, ['time', 'transaction', 'seq', 'outcome', 'reasons'].map((h) => el('th', { scope: 'col' }, t('tech.col.' + h))))),
      el('tbody', {}, x.recent.map((r) => el('tr', {},
        el('td', {}, time(r.at)), el('td', { class: 'mono' }, r.id), el('td', { class: 'mono num' }, seq(r.seq)),
        el('td', {}, el('span', { class: 'badge ' + ({ admitted: 'good', referred: 'warn', aborted: 'muted' }[r.outcome] || 'muted') }, word('outcome.', r.outcome))),
        el('td', { class: 'mono' }, (r.reasons || []).join(', '))))))
      : el('p', { class: 'empty' }, t('tech.noRecent')));
    $('preview').hidden = !x.preview;
    if (x.preview && !$('preview').querySelector('button, img')) renderPreview();
    $('sim').hidden = !x.simulator;
    if (x.simulator) renderSim(x.simulator);
    window.XPT_DIAG.render(x);
  }

  // Counter keys in words. The kiosk names its counters outcome_<outcome>,
  // rejected_<reject code>, command_<type> and the plain names in COUNTERS
  // (the development server transactions.<outcome> and
  // security.message_rejected.<code>); a key not known here is spelled out
  // from its parts.
  const words = (s) => s.replace(/[._]+/g, ' ').trim();
  function counterLabel(k) {
    if (has('counter.' + k)) return t('counter.' + k);
    let m = /^(?:outcome_|transactions\.)(.+)$/.exec(k);
    if (m) return has('counter.outcome.' + m[1]) ? t('counter.outcome.' + m[1]) : t('counter.outcome.other', { what: words(m[1]) });
    m = /^(?:rejected_|security\.message_rejected\.)(.+)$/.exec(k);
    if (m) return t('counter.rejected', { why: has('reject.' + m[1]) ? t('reject.' + m[1]) : words(m[1]) });
    m = /^command_(.+)$/.exec(k);
    if (m) return t('counter.command', { what: has('command.' + m[1]) ? t('command.' + m[1]) : words(m[1]) });
    return t('counter.other', { what: words(k) });
  }

  // The receipt printer: its health in words, what it printed, and the
  // last receipt (its image when the printer is simulated).
  const printerWord = (code) => (code && has('printer.' + code) ? t('printer.' + code) : code);
  function printerHealth(d) {
    if (!d || d.state === 'disabled') return el('span', { class: 'badge muted' }, t('printer.notConfigured'));
    if (d.state === 'ok') return el('span', { class: 'badge good' }, t('printer.ok'));
    return el('span', { class: 'badge ' + (d.code === 'paper_near_end' ? 'warn' : 'bad') }, printerWord(d.code) || stateText(d.state));
  }
  let receiptShown = '';
  function renderReceipt(x) {
    const d = (x.devices || []).find((dv) => dv.name === 'printer');
    const r = x.receipts;
    $('receipt').hidden = !d && !r;
    if (!d && !r) return;
    const last = r && r.last;
    const lr = x.lastReceipt;
    const key = JSON.stringify([d, r, lr && lr.at, window.XPT.lang()]);
    if (key === receiptShown) return;
    receiptShown = key;
    body('receipt', dl([
      [t('printer.health'), printerHealth(d)],
      d && d.message ? [t('tech.why'), agentText(d.message)] : null,
      [t('printer.printed'), n(r && r.printed)], [t('printer.failed'), n(r && r.failed)],
      [t('printer.last'), last ? [time(last.at) + ' ', el('span', { class: 'badge ' + (last.result === 'printed' ? 'good' : last.result === 'queued' ? 'muted' : 'bad') },
        last.result === 'printed' ? t('printer.lastPrinted') : last.result === 'queued' ? t('printer.lastQueued') : t('printer.lastFailed', { why: printerWord(last.result) })),
      ' ', el('span', { class: 'mono' }, last.transactionId)] : t('printer.noneYet')],
    ]), lr && lr.image ? el('figure', { class: 'receipt' },
      // The receipt is in the traveler's language, not the console's.
      el('a', { href: lr.image, target: '_blank', rel: 'noopener' }, el('img', { src: lr.image, alt: t('printer.imageAlt', { text: lr.text.replace(/\s+/g, ' ').trim() }) })),
      el('figcaption', {}, t('printer.caption', { time: time(lr.at) }))) : null,
    lr ? el('details', {}, el('summary', {}, t('printer.text')), el('pre', { class: 'mono' }, lr.text)) : null);
  }

  function faceInWords(f, vState) {
    if (f.capture === 'disabled') return t('tech.face.off');
    if (f.capture !== 'ok') return t('tech.face.broken', { state: stateText(f.capture) });
    if (vState === 'ok') return t('tech.face.compared');
    return t('tech.face.notCompared');
  }

  // The preview shows a live face: it runs only while a technician asks.
  function renderPreview() {
    const box = $('preview').querySelector('.body');
    if (!previewOn) {
      box.replaceChildren(el('p', {}, t('tech.previewWarn')),
        el('button', { type: 'button', class: 'btn', id: 'preview-on', onclick: () => { previewOn = true; renderPreview(); } }, t('tech.previewShow')));
      return;
    }
    box.replaceChildren(
      el('img', { class: 'preview', src: '/api/tech/preview?t=' + Date.now(), alt: t('tech.previewAlt') }),
      el('button', { type: 'button', class: 'btn', id: 'preview-off', onclick: () => { previewOn = false; renderPreview(); } }, t('tech.previewHide')));
  }

  function renderSim(sim) {
    const key = JSON.stringify([sim, window.XPT.lang()]);
    if (key === simBuilt) return;
    simBuilt = key;
    const status = el('p', { id: 'sim-status', class: 'sim-status', role: 'status' });
    async function run(label, path, payload) {
      status.textContent = t('sim.running', { action: label });
      status.className = 'sim-status';
      try {
        await api('POST', path, payload);
        status.textContent = t('sim.done', { action: label });
      } catch (e) {
        status.textContent = t('sim.failed', { action: label, error: e.message });
        status.className = 'sim-status err';
      }
    }
    // The demo travelers' labels are the agent's, in English.
    const rows = sim.travelers.map((tr, i) => el('tr', {},
      el('th', { scope: 'row', lang: 'en' }, tr.label),
      el('td', {}, el('span', { class: 'badge ' + (tr.expected === 'admitted' ? 'good' : 'warn') }, word('outcome.', tr.expected)),
        (tr.reasons && tr.reasons.length) ? ' ' + tr.reasons.join(', ') : ''),
      el('td', { class: 'actions' }, el('div', {},
        el('button', { type: 'button', class: 'btn small', 'data-sim': 'doc-' + i, onclick: () => run(t('sim.presentFor', { traveler: tr.label }), '/api/tech/sim/present', { index: i, withCard: false }) }, t('sim.present')),
        tr.hasCard ? el('button', { type: 'button', class: 'btn small', 'data-sim': 'doccard-' + i, onclick: () => run(t('sim.presentCardFor', { traveler: tr.label }), '/api/tech/sim/present', { index: i, withCard: true }) }, t('sim.presentCard')) : null))));
    const tag = el('input', { id: 'sim-tag', value: '0A1B2C3D4E', maxlength: '10', size: '12', class: 'mono', autocomplete: 'off', spellcheck: 'false' });
    const cardForm = el('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); run(t('sim.cardFor', { tag: tag.value }), '/api/tech/sim/card', { tag: tag.value.trim() }); } },
      el('label', { for: 'sim-tag' }, t('sim.tag')), tag, el('button', { type: 'submit', class: 'btn small' }, t('sim.card')));
    // 'clear' ends every fault; 'printer-ok' (a device's '-ok') ends that device's.
    const clears = (k) => k === 'clear' || /-ok$/.test(k);
    const faults = el('div', { class: 'faults' }, sim.faults.map((k) => el('button', {
      type: 'button', class: 'btn small ' + (clears(k) ? '' : 'danger'), 'data-fault': k,
      onclick: () => run(t('sim.faultRun', { fault: k }), '/api/tech/sim/fault', { kind: k }),
    }, k === 'clear' ? t('sim.clearAll') : clears(k) ? tx('sim.clearDevice', { device: el('span', { class: 'mono' }, k.slice(0, -3)) })
      : tx('sim.inject', { fault: el('span', { class: 'mono' }, k) }))));
    // A long list (the demo has dozens) gets a filter and its own scroll.
    const tbody = el('tbody', {}, rows);
    const filter = el('input', { id: 'sim-filter', type: 'search', placeholder: t('sim.filterPlaceholder'), autocomplete: 'off', spellcheck: 'false',
      oninput: () => {
        const q = filter.value.trim().toLowerCase();
        for (const tr of tbody.children) tr.hidden = q !== '' && !tr.textContent.toLowerCase().includes(q);
      } });
    body('sim',
      sim.travelers.length > 8 ? el('div', { class: 'inline' }, el('label', { for: 'sim-filter' }, t('sim.filter', { count: n(sim.travelers.length) })), filter) : null,
      el('div', { class: 'sim-list' }, el('table', {}, el('thead', {}, el('tr', {}, ['traveler', 'expected'].map((h) => el('th', { scope: 'col' }, t('sim.col.' + h))),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, t('sim.col.actions'))))), tbody)),
      cardForm, el('h3', {}, t('sim.faults')), faults, status);
  }

  let linkOK = null;
  function onLink(ok) {
    linkOK = ok;
    linkState($('link'), ok);
  }

  // A change of language redraws the page (the simulator panel's filter
  // and the preview's state kept).
  onLang(() => {
    document.title = t('page.title', { console: t('tech.title') });
    if (linkOK !== null) onLink(linkOK);
    const q = $('sim-filter') ? $('sim-filter').value : '';
    if ($('preview').querySelector('button, img')) renderPreview();
    if (snap) render(snap);
    if (q && $('sim-filter')) { $('sim-filter').value = q; $('sim-filter').dispatchEvent(new Event('input')); }
  });
  document.title = t('page.title', { console: t('tech.title') });

  $('logout').addEventListener('click', () => logout('tech'));
  window.XPT.idleLock('tech');
  live('/api/tech/events', '/api/tech', render, onLink);
  setInterval(() => { if (snap) render(snap); }, 10000);
})();
