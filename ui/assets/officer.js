// Officer console: the referral queue, one referral's details, and the
// decision (admit | refuse | secondary) with a note.
'use strict';
(function () {
  const { el, api, live, time, dateTime, ago, logout } = window.XPT;
  const $ = (id) => document.getElementById(id);

  // What each reason means, for the officer (the traveler never sees these).
  const REASONS = {
    MRZ_UNREADABLE: 'No document could be read in the time allowed',
    MRZ_INVALID: 'Document MRZ failed a check digit or its format, even after correction',
    DOC_EXPIRED: 'The travel document has expired',
    NOT_AUTHORIZED: 'No XPT authorization lists this document, and no card maps to one',
    HOLDER_MISMATCH: 'Birth date, nationality, sex or name differ from the authorization record',
    AUTH_SUSPENDED: 'The authorization is suspended',
    AUTH_REVOKED: 'The authorization is revoked',
    AUTH_NOT_YET_VALID: 'The authorization is not valid yet',
    AUTH_EXPIRED: 'The authorization has expired',
    DIRECTION_NOT_ALLOWED: 'The authorization does not allow entry in this direction',
    CARD_MISSING: 'A trusted-traveler card is required and none was presented in time',
    CARD_MISMATCH: 'The card presented is not the one on the authorization record',
    FACE_CAPTURE_FAILED: 'No face of sufficient quality was captured in time',
    FACE_MISMATCH: 'Face comparison score below the threshold',
    PREAPPROVAL_INVALID: 'Pre-approval letter fails its signature or does not match the document',
    DATA_STALE: 'The kiosk’s authorization data is older than policy allows',
    DEVICE_FAULT: 'A required device failed during the session',
    RANDOM_SELECTION: 'Random selection (no adverse finding)',
  };
  const DECISIONS = {
    admit: { label: 'Admit', cls: 'admit' },
    refuse: { label: 'Refuse', cls: 'refuse' },
    secondary: { label: 'Secondary', cls: 'secondary' },
  };
  const DECIDED = { admit: 'Admitted', refuse: 'Refused', secondary: 'Sent to secondary' };

  let data = { referrals: [], open: 0, officer: '' };
  let selected = '';
  let lastOpen = -1;
  let draft = { id: '', decision: '', note: '' }; // survives re-renders

  function normRef(s) { return (s || '').toUpperCase().replace(/[\s-]/g, ''); }

  function fullName(r) {
    return [r.surname, r.givenNames].filter(Boolean).join(', ') || '(no name read)';
  }

  function reasonChip(code) {
    return el('span', { class: 'chip', title: REASONS[code] || code }, code);
  }

  function renderQueue() {
    const list = $('queue');
    list.replaceChildren();
    const open = data.referrals.filter((r) => !r.decision);
    $('open-count').textContent = open.length === 1 ? '1 traveler waiting' : open.length + ' travelers waiting';
    $('open-count').classList.toggle('alert', open.length > 0);
    // A new traveler waiting: the count flashes for a few seconds.
    if (open.length > lastOpen && lastOpen >= 0) {
      $('open-count').classList.remove('flash');
      void $('open-count').offsetWidth; // restart the animation
      $('open-count').classList.add('flash');
    }
    lastOpen = open.length;
    document.title = (open.length ? '(' + open.length + ') ' : '') + 'Officer console — XPT kiosk';
    // The reference the traveler shows at the desk finds their referral.
    const q = normRef($('find').value);
    const shown = q ? data.referrals.filter((r) => normRef(r.reference).startsWith(q)) : data.referrals;
    $('queue-empty').hidden = shown.length > 0;
    $('queue-empty').textContent = q ? 'No referral with reference ' + $('find').value.trim().toUpperCase() + '.' : 'No traveler is waiting.';
    if (q.length === 6 && shown.length === 1 && shown[0].referralId !== selected) {
      const id = shown[0].referralId;
      setTimeout(() => select(id), 0);
    }
    for (const r of shown) {
      const decided = !!r.decision;
      const item = el('li', { class: 'q-item' + (decided ? ' decided' : '') + (r.referralId === selected ? ' selected' : '') },
        el('button', {
          type: 'button', class: 'q-button', 'aria-current': r.referralId === selected ? 'true' : null,
          onclick: () => select(r.referralId),
        },
        el('span', { class: 'q-top' },
          el('span', { class: 'q-name' }, fullName(r)),
          r.reference ? el('code', { class: 'q-ref', title: 'Reference shown to the traveler' }, r.reference) : null,
          el('span', { class: 'q-nat' }, r.nationality || '')),
        el('span', { class: 'q-meta' },
          decided
            ? el('span', { class: 'status ' + r.decision }, (DECIDED[r.decision] || r.decision) + (r.decidedBy ? ' by ' + r.decidedBy : ''))
            : el('span', { class: 'status waiting' }, 'Waiting ' + ago(r.openedAt)),
          el('span', { class: 'q-time' }, time(r.openedAt))),
        el('span', { class: 'q-reasons' }, (r.reasons || []).map(reasonChip))));
      list.append(item);
    }
  }

  function row(label, value, cls) {
    return [el('dt', {}, label), el('dd', { class: cls || '' }, value === undefined || value === '' || value === null ? '—' : value)];
  }

  function fmtNum(n) { return typeof n === 'number' ? n.toFixed(2) : '—'; }

  function renderDetail() {
    const box = $('referral');
    const r = data.referrals.find((x) => x.referralId === selected);
    $('detail-empty').hidden = !!r;
    if (!r) { box.replaceChildren(); return; }
    const focused = document.activeElement && document.activeElement.id;
    const checks = el('table', { class: 'checks' },
      el('thead', {}, el('tr', {}, ['Check', 'Result', 'Score', 'Threshold', 'Detail'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, (r.checks || []).map((c) => el('tr', {},
        el('td', {}, c.name),
        el('td', {}, el('span', { class: 'result ' + c.result }, c.result)),
        el('td', { class: 'num' }, fmtNum(c.score)),
        el('td', { class: 'num' }, fmtNum(c.threshold)),
        el('td', {}, c.detail || '')))));
    const photo = r.hasPhoto
      ? el('img', { class: 'photo', src: '/api/officer/referrals/' + encodeURIComponent(r.referralId) + '/photo', alt: 'Live capture of the traveler at the kiosk' })
      : el('div', { class: 'photo none' }, 'No photo captured');

    // The details scroll in their own pane; the decision sits below it, in
    // view, and never covers the authorization or the checks. The pane
    // keeps its scroll position across refreshes of the same referral.
    const prev = box.querySelector('.d-scroll');
    const scrollTop = prev && box.dataset.referral === r.referralId ? prev.scrollTop : 0;
    box.dataset.referral = r.referralId;
    const details = el('div', { class: 'd-scroll', tabindex: '0', role: 'region', 'aria-label': 'Referral details' },
      el('header', { class: 'd-head' },
        el('div', {},
          el('h3', { class: 'd-name' }, fullName(r)),
          el('p', { class: 'd-sub' }, r.reference ? ['Reference ', el('code', { class: 'd-ref' }, r.reference), ' · '] : null,
            'Referral ', el('code', {}, r.referralId), ' · opened ', dateTime(r.openedAt),
            ' (' + ago(r.openedAt) + ' ago) · transaction ', el('code', {}, r.transactionId || '—'))),
        r.decision ? el('p', { class: 'status big ' + r.decision }, (DECIDED[r.decision] || r.decision) + (r.decidedBy ? ' by ' + r.decidedBy : '')) : null),
      el('section', { class: 'reasons', 'aria-label': 'Reasons for referral' },
        el('h4', {}, 'Why this traveler was referred'),
        el('ul', {}, (r.reasons || []).map((c) => el('li', {}, el('code', {}, c), ' — ', REASONS[c] || 'Reason not described on this console')))),
      el('div', { class: 'd-grid' },
        photo,
        el('section', {}, el('h4', {}, 'Holder'), el('dl', {},
          row('Surname', r.surname), row('Given names', r.givenNames), row('Nationality', r.nationality), row('Birth date', r.birthDate))),
        el('section', {}, el('h4', {}, 'Document'), el('dl', {},
          row('Type', r.documentCode), row('Issuing state', r.issuingState), row('Number', r.documentNumber, 'mono'), row('Expiry date', r.expiryDate))),
        el('section', { class: 'd-auth' }, el('h4', {}, 'Authorization'), el('dl', {},
          row('ID', r.authorizationId, 'mono'), row('Category', r.category), row('Occupation', r.occupation), row('Employer', r.employer)))),
      el('section', { class: 'd-checks' }, el('h4', {}, 'Checks'), (r.checks && r.checks.length) ? checks : el('p', { class: 'empty' }, 'No checks recorded for this referral.')));
    box.replaceChildren(details, r.decision ? null : decisionForm(r));
    details.scrollTop = scrollTop;
    if (focused && $(focused)) $(focused).focus();
  }

  function decisionForm(r) {
    if (draft.id !== r.referralId) draft = { id: r.referralId, decision: '', note: '' };
    const note = el('textarea', { id: 'note', rows: '2', maxlength: '1000', placeholder: 'Note for the record (required to refuse or send to secondary)' });
    note.value = draft.note;
    note.addEventListener('input', () => { draft.note = note.value; });
    const msg = el('p', { id: 'decide-error', class: 'error', role: 'alert' });
    const confirmBox = el('div', { class: 'confirm', id: 'confirm' });
    function renderConfirm() {
      confirmBox.replaceChildren();
      if (!draft.decision) return;
      const d = DECISIONS[draft.decision];
      confirmBox.append(
        el('p', {}, 'Record decision: ', el('strong', {}, d.label), ' for ', fullName(r), '?'),
        el('button', { type: 'button', class: 'btn ' + d.cls, id: 'confirm-yes', onclick: () => send(r, msg) }, 'Confirm ' + d.label),
        el('button', { type: 'button', class: 'btn plain', onclick: () => { draft.decision = ''; renderConfirm(); } }, 'Back'));
      $('confirm-yes') && $('confirm-yes').focus();
    }
    const buttons = Object.entries(DECISIONS).map(([k, d]) => el('button', {
      type: 'button', class: 'btn ' + d.cls, 'data-decision': k,
      onclick: () => {
        msg.textContent = '';
        if ((k === 'refuse' || k === 'secondary') && !draft.note.trim()) {
          msg.textContent = 'Write a note before you ' + (k === 'refuse' ? 'refuse' : 'send to secondary') + '.';
          note.focus();
          return;
        }
        draft.decision = k;
        renderConfirm();
      },
    }, d.label));
    const form = el('section', { class: 'decide', 'aria-label': 'Decision' },
      el('h4', {}, 'Decision'),
      el('label', { for: 'note' }, 'Note'), note,
      el('div', { class: 'd-buttons' }, buttons), confirmBox, msg);
    setTimeout(renderConfirm, 0);
    return form;
  }

  async function send(r, msg) {
    const d = draft.decision;
    document.querySelectorAll('.decide button').forEach((b) => { b.disabled = true; });
    try {
      await api('POST', '/api/officer/referrals/' + encodeURIComponent(r.referralId) + '/decision', { decision: d, note: draft.note });
      draft = { id: '', decision: '', note: '' };
      // Move on to the next traveler waiting, if any.
      const next = data.referrals.find((x) => !x.decision && x.referralId !== r.referralId);
      if (next) selected = next.referralId;
      refresh();
    } catch (e) {
      msg.textContent = 'Not recorded: ' + e.message;
      document.querySelectorAll('.decide button').forEach((b) => { b.disabled = false; });
      if (e.status === 409) refresh();
    }
  }

  function select(id) {
    selected = id;
    history.replaceState(null, '', '#' + encodeURIComponent(id));
    renderQueue();
    renderDetail();
  }

  function onData(d) {
    data = d;
    $('who').textContent = d.officer ? 'Signed in: ' + d.officer : '';
    if (!selected || !data.referrals.some((r) => r.referralId === selected)) {
      const first = data.referrals.find((r) => !r.decision);
      selected = first ? first.referralId : '';
    }
    renderQueue();
    // Do not redraw the form under an officer who is typing a note.
    const typing = document.activeElement && document.activeElement.id === 'note';
    if (!typing) renderDetail();
  }

  async function refresh() {
    try { onData(await api('GET', '/api/officer/referrals')); } catch (e) { /* the stream retries */ }
  }

  function onLink(ok) {
    $('link').textContent = ok ? 'Live' : 'Connection lost — retrying';
    $('link').className = 'link ' + (ok ? 'ok' : 'bad');
  }

  $('find').addEventListener('input', renderQueue);
  $('logout').addEventListener('click', () => logout('officer'));
  window.XPT.idleLock('officer');
  if (location.hash.length > 1) selected = decodeURIComponent(location.hash.slice(1));
  live('/api/officer/events', '/api/officer/referrals', onData, onLink);
  setInterval(() => { renderQueue(); }, 15000);
})();
