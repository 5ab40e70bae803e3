// Officer console: the referral queue, one referral's details, and the
// decision (admit | refuse | secondary) with a note.
'use strict';
(function () {
  const { el, api, live, time, dateTime, ago, logout } = window.XPT;
  const $ = (id) => document.getElementById(id);

  const { t, tn, tx, has, num, onLang, linkState } = window.XPT;

  // What each reason means, for the officer (the traveler never sees
  // these), is in the string table: reason.<CODE>.
  const reasonText = (code) => (has('reason.' + code) ? t('reason.' + code) : t('officer.reasonUnknown'));
  const DECISIONS = { admit: 'admit', refuse: 'refuse', secondary: 'secondary' }; // decision → button class
  const decided = (d) => (has('decided.' + d) ? t('decided.' + d) : d);
  const decidedBy = (r) => (r.decidedBy ? t('officer.decidedBy', { decision: decided(r.decision), officer: r.decidedBy }) : decided(r.decision));

  let data = { referrals: [], open: 0, officer: '' };
  let selected = '';
  let lastOpen = -1;
  let draft = { id: '', decision: '', note: '' }; // survives re-renders

  function normRef(s) { return (s || '').toUpperCase().replace(/[\s-]/g, ''); }

  function fullName(r) {
    return [r.surname, r.givenNames].filter(Boolean).join(', ') || t('officer.noName');
  }

  function reasonChip(code) {
    return el('span', { class: 'chip', title: reasonText(code) }, code);
  }

  function renderQueue() {
    const list = $('queue');
    list.replaceChildren();
    const open = data.referrals.filter((r) => !r.decision);
    $('open-count').textContent = tn('officer.waiting', open.length);
    $('open-count').classList.toggle('alert', open.length > 0);
    // A new traveler waiting: the count flashes for a few seconds.
    if (open.length > lastOpen && lastOpen >= 0) {
      $('open-count').classList.remove('flash');
      void $('open-count').offsetWidth; // restart the animation
      $('open-count').classList.add('flash');
    }
    lastOpen = open.length;
    document.title = (open.length ? '(' + num(open.length) + ') ' : '') + t('page.title', { console: t('officer.title') });
    // The reference the traveler shows at the desk finds their referral.
    const q = normRef($('find').value);
    const shown = q ? data.referrals.filter((r) => normRef(r.reference).startsWith(q)) : data.referrals;
    $('queue-empty').hidden = shown.length > 0;
    $('queue-empty').textContent = q ? t('officer.noMatch', { reference: $('find').value.trim().toUpperCase() }) : t('officer.queueEmpty');
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
          r.reference ? el('code', { class: 'q-ref', title: t('officer.refTitle') }, r.reference) : null,
          el('span', { class: 'q-nat' }, r.nationality || '')),
        el('span', { class: 'q-meta' },
          decided
            ? el('span', { class: 'status ' + r.decision }, decidedBy(r))
            : el('span', { class: 'status waiting' }, t('officer.waitingSince', { ago: ago(r.openedAt) })),
          el('span', { class: 'q-time' }, time(r.openedAt))),
        el('span', { class: 'q-reasons' }, (r.reasons || []).map(reasonChip))));
      list.append(item);
    }
  }

  function row(label, value, cls) {
    return [el('dt', {}, label), el('dd', { class: cls || '' }, value === undefined || value === '' || value === null ? '—' : value)];
  }

  function fmtNum(n) { return num(n, { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
  const resultText = (r) => (has('result.' + r) ? t('result.' + r) : r);
  // A check in words where the table knows it, its code beside.
  const checkName = (c) => (has('check.' + c) ? [t('check.' + c), ' ', el('code', { class: 'key' }, c)] : el('code', {}, c));
  const category = (c) => (c && has('category.' + c) ? t('category.' + c) : c);

  const photoURL = (r, which) => '/api/officer/referrals/' + encodeURIComponent(r.referralId) + '/' + which;
  function livePhoto(r, cls) {
    return r.hasPhoto
      ? el('img', { class: cls, src: photoURL(r, 'photo'), alt: t('officer.photoAlt') })
      : el('div', { class: cls + ' none' }, t('officer.noPhoto'));
  }
  // The agent's own words, in English: marked so (a screen reader, the
  // French page's readers).
  const agentSays = (x) => (x ? [' ', el('span', { class: 'agent', lang: 'en' }, '(' + x + ')')] : null);
  const FORMATS = { 'image/jp2': 'JPEG 2000', 'image/jpeg': 'JPEG' };

  // chipCell is the first cell of the detail grid when the kiosk read (or
  // tried to read) the passport chip: the chip's photo (DG2) and the live
  // capture side by side, each labelled, then the face match and the chip's
  // verification in a few lines, no taller than the photo of old.
  function chipCell(r) {
    const chipFig = el('figure', { class: 'ph' },
      r.hasChipPhoto
        ? el('img', { class: 'photo chip-photo', src: photoURL(r, 'chip-photo'), alt: t('officer.chipPhotoAlt') })
        : el('div', { class: 'photo chip-photo none' }, t('officer.noChipPhoto')),
      el('figcaption', {}, t('officer.chipPhoto'),
        r.chipPhotoOriginalType && r.chipPhotoOriginalType !== r.chipPhotoType
          ? [' ', el('span', { class: 'conv', title: r.chipPhotoOriginalType }, t('officer.chipPhotoConverted', { format: FORMATS[r.chipPhotoOriginalType] || r.chipPhotoOriginalType }))]
          : null));
    const liveFig = el('figure', { class: 'ph' }, livePhoto(r, 'photo live-photo'), el('figcaption', {}, t('officer.livePhoto')));
    const facts = [];
    const fact = (cls, label, ...value) => facts.push(el('div', { class: cls }, el('dt', {}, label), el('dd', {}, value)));
    const m = r.faceMatch;
    if (m) {
      fact('f-match', t('officer.faceMatch'),
        el('span', { class: 'result ' + m.result }, resultText(m.result)),
        typeof m.score === 'number' ? [', ', el('span', { class: 'score' }, t('officer.faceMatch.score', { score: fmtNum(m.score), threshold: fmtNum(m.threshold) }))] : null,
        ', ', el('span', { title: t('officer.faceMatch.refTitle') }, has('officer.faceMatch.ref.' + m.reference) ? t('officer.faceMatch.ref.' + m.reference) : m.reference),
        // Why it did not run, unless it is the missing reference, already said.
        m.result === 'successful' || m.result === 'failed' || m.reference === 'none' ? null : agentSays(m.detail));
    }
    const c = r.chip;
    if (c) {
      const failure = (f) => (has('chipFailure.' + f) ? t('chipFailure.' + f) : el('code', {}, f));
      const dg1 = (ok) => el('span', { class: ok ? '' : 'result failed', title: t(ok ? 'officer.chip.dg1MatchTitle' : 'officer.chip.dg1MismatchTitle') },
        t(ok ? 'officer.chip.dg1Match' : 'officer.chip.dg1Mismatch'));
      fact('f-chip', t('officer.chip'),
        c.read ? el('span', { class: 'result successful' }, t('officer.chip.read')) : el('span', { class: 'result failed' }, failure(c.failure)),
        c.protocol ? [' · ', el('code', {}, c.protocol)] : null,
        typeof c.dg1Matches === 'boolean' ? [' · ', dg1(c.dg1Matches)] : null,
        c.read && c.dg1Matches !== false ? null : agentSays(c.detail));
      const pa = c.passiveAuth;
      // Active and chip authentication (the chip is the issued one, not a
      // copy) ride on passive authentication's line, short: one verdict
      // for both when they agree ("AA+CA valid"), the algorithms and the
      // agent's why in the title, and the checks table says each in full
      // (chip.active_auth, chip.chip_auth).
      const aaCls = (s) => (s === 'valid' ? 'successful' : s === 'invalid' ? 'failed' : 'undetermined');
      const auths = [['aa', 'AA', c.activeAuth], ['ca', 'CA', c.chipAuth]].filter((a) => a[2]);
      const title = (a) => t('officer.' + a[0]) + (a[2].algorithm ? ' — ' + a[2].algorithm : '') + (a[2].detail ? ' (' + a[2].detail + ')' : '');
      const verdict = (s) => el('span', { class: 'result ' + aaCls(s) }, has('aa.' + s) ? t('aa.' + s) : s);
      let aaFact = null;
      if (auths.length === 2 && auths[0][2].status === auths[1][2].status) {
        aaFact = [' · ', el('span', { class: 'aa', title: auths.map(title).join('\n') },
          el('abbr', { title: t('officer.aa') }, 'AA'), '+', el('abbr', { title: t('officer.ca') }, 'CA'), ' ', verdict(auths[0][2].status))];
      } else if (auths.length) {
        aaFact = auths.map((a) => [' · ', el('span', { class: a[0], title: title(a) },
          el('abbr', { title: t('officer.' + a[0]) }, a[1]), ' ', verdict(a[2].status))]);
      }
      if (pa) {
        const cls = pa.status === 'valid' ? 'successful' : pa.status === 'invalid' ? 'failed' : 'undetermined';
        fact('f-pa', t('officer.pa'),
          el('span', { class: 'result ' + cls }, has('pa.' + pa.status) ? t('pa.' + pa.status) : pa.status),
          pa.step ? [' — ', el('span', { class: 'step', title: pa.step }, has('pa.step.' + pa.step) ? t('pa.step.' + pa.step, { dg: pa.dg || '?' }) : pa.step)] : null,
          pa.country || pa.csca ? [' · ', el('span', { class: 'signer', title: t('officer.pa.signer') },
            pa.country ? el('code', {}, pa.country) : null,
            pa.country && pa.csca ? ' · ' : null,
            pa.csca ? el('code', { class: 'csca', title: pa.csca }, cscaName(pa.csca)) : null)] : null,
          aaFact);
      }
    }
    return el('section', { class: 'd-photos', 'aria-label': t('officer.photos') },
      el('div', { class: 'ph-row' }, chipFig, liveFig),
      facts.length ? el('dl', { class: 'chip-facts' }, facts) : null);
  }
  // The CSCA's common name, else its whole distinguished name.
  function cscaName(dn) {
    const cn = /(?:^|,)\s*CN=([^,]+)/.exec(dn);
    return cn ? cn[1] : dn;
  }

  function renderDetail() {
    const box = $('referral');
    const r = data.referrals.find((x) => x.referralId === selected);
    $('detail-empty').hidden = !!r;
    if (!r) { box.replaceChildren(); return; }
    const focused = document.activeElement && document.activeElement.id;
    const checks = el('table', { class: 'checks' },
      el('thead', {}, el('tr', {}, ['check', 'result', 'score', 'threshold', 'detail'].map((h) => el('th', { scope: 'col' }, t('officer.col.' + h))))),
      el('tbody', {}, (r.checks || []).map((c) => el('tr', {},
        el('td', {}, checkName(c.name)),
        el('td', {}, el('span', { class: 'result ' + c.result }, resultText(c.result))),
        el('td', { class: 'num' }, fmtNum(c.score)),
        el('td', { class: 'num' }, fmtNum(c.threshold)),
        // The agent's own detail, in English: marked so for screen readers.
        el('td', { lang: c.detail && !/^[A-Z0-9-]+$/.test(c.detail) ? 'en' : null }, c.detail || '')))));
    const photo = (r.chip || r.hasChipPhoto || r.faceMatch) ? chipCell(r) : livePhoto(r, 'photo');

    // The details scroll in their own pane; the decision sits below it, in
    // view, and never covers the authorization or the checks. The pane
    // keeps its scroll position across refreshes of the same referral.
    const prev = box.querySelector('.d-scroll');
    const scrollTop = prev && box.dataset.referral === r.referralId ? prev.scrollTop : 0;
    box.dataset.referral = r.referralId;
    const details = el('div', { class: 'd-scroll', tabindex: '0', role: 'region', 'aria-label': t('officer.details') },
      el('header', { class: 'd-head' },
        el('div', {},
          el('h3', { class: 'd-name' }, fullName(r)),
          el('p', { class: 'd-sub' }, r.reference ? [t('officer.sub.reference'), ' ', el('code', { class: 'd-ref' }, r.reference), ' · '] : null,
            t('officer.sub.referral'), ' ', el('code', {}, r.referralId), ' · ', t('officer.sub.opened', { when: dateTime(r.openedAt), ago: ago(r.openedAt) }),
            ' · ', t('officer.sub.transaction'), ' ', el('code', {}, r.transactionId || '—'))),
        r.decision ? el('p', { class: 'status big ' + r.decision }, decidedBy(r)) : null),
      el('section', { class: 'reasons', 'aria-label': t('officer.reasonsLabel') },
        el('h4', {}, t('officer.reasonsHeading')),
        el('ul', {}, (r.reasons || []).map((c) => el('li', {}, el('code', {}, c), ' — ', reasonText(c))))),
      el('div', { class: 'd-grid' },
        photo,
        el('section', {}, el('h4', {}, t('officer.holder')), el('dl', {},
          row(t('officer.surname'), r.surname), row(t('officer.givenNames'), r.givenNames), row(t('officer.nationality'), r.nationality), row(t('officer.birthDate'), r.birthDate))),
        el('section', {}, el('h4', {}, t('officer.document')), el('dl', {},
          row(t('officer.docType'), r.documentCode), row(t('officer.issuingState'), r.issuingState), row(t('officer.docNumber'), r.documentNumber, 'mono'), row(t('officer.expiry'), r.expiryDate))),
        el('section', { class: 'd-auth' }, el('h4', {}, t('officer.authorization')), el('dl', {},
          row(t('officer.authId'), r.authorizationId, 'mono'), row(t('officer.category'), category(r.category)),
          // Occupation and employer are the enrolment record's words, as enrolled.
          row(t('officer.occupation'), r.occupation), row(t('officer.employer'), r.employer)))),
      el('section', { class: 'd-checks' }, el('h4', {}, t('officer.checks')), (r.checks && r.checks.length) ? checks : el('p', { class: 'empty' }, t('officer.noChecks'))));
    box.replaceChildren(details, r.decision ? null : decisionForm(r));
    details.scrollTop = scrollTop;
    if (focused && $(focused)) $(focused).focus();
  }

  function decisionForm(r) {
    if (draft.id !== r.referralId) draft = { id: r.referralId, decision: '', note: '' };
    const note = el('textarea', { id: 'note', rows: '2', maxlength: '1000', placeholder: t('officer.notePlaceholder') });
    note.value = draft.note;
    note.addEventListener('input', () => { draft.note = note.value; });
    const msg = el('p', { id: 'decide-error', class: 'error', role: 'alert' });
    const confirmBox = el('div', { class: 'confirm', id: 'confirm' });
    function renderConfirm() {
      confirmBox.replaceChildren();
      if (!draft.decision) return;
      const k = draft.decision;
      confirmBox.append(
        el('p', {}, tx('officer.confirmQuestion', { decision: el('strong', {}, t('decision.' + k)), name: fullName(r) })),
        el('button', { type: 'button', class: 'btn ' + DECISIONS[k], id: 'confirm-yes', onclick: () => send(r, msg) }, t('decision.' + k + '.confirm')),
        el('button', { type: 'button', class: 'btn plain', onclick: () => { draft.decision = ''; renderConfirm(); } }, t('officer.back')));
      $('confirm-yes') && $('confirm-yes').focus();
    }
    const buttons = Object.entries(DECISIONS).map(([k, cls]) => el('button', {
      type: 'button', class: 'btn ' + cls, 'data-decision': k,
      onclick: () => {
        msg.textContent = '';
        if ((k === 'refuse' || k === 'secondary') && !draft.note.trim()) {
          msg.textContent = t('officer.noteFirst.' + k);
          note.focus();
          return;
        }
        draft.decision = k;
        renderConfirm();
      },
    }, t('decision.' + k)));
    const form = el('section', { class: 'decide', 'aria-label': t('officer.decision') },
      el('h4', {}, t('officer.decision')),
      el('label', { for: 'note' }, t('officer.note')), note,
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
      // The cases an officer meets in words; anything else as the agent says it.
      const other = e.data && e.data.referral;
      if (e.status === 409 && other && other.decision) msg.textContent = t('officer.alreadyDecided', { decided: decidedBy(other) });
      else if (e.status === 404) msg.textContent = t('officer.gone');
      else msg.replaceChildren(...tx('officer.notRecorded', { error: el('span', { lang: 'en' }, e.message) }));
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
    $('who').textContent = d.officer ? t('officer.who', { officer: d.officer }) : '';
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

  let linkOK = null;
  function onLink(ok) {
    linkOK = ok;
    linkState($('link'), ok);
  }

  // A change of language redraws everything, the note being written kept.
  onLang(() => {
    if (linkOK !== null) onLink(linkOK);
    onData(data);
    if (document.activeElement && document.activeElement.id === 'note') renderDetail();
  });

  $('find').addEventListener('input', renderQueue);
  $('logout').addEventListener('click', () => logout('officer'));
  window.XPT.idleLock('officer');
  if (location.hash.length > 1) selected = decodeURIComponent(location.hash.slice(1));
  live('/api/officer/events', '/api/officer/referrals', onData, onLink);
  setInterval(() => { renderQueue(); }, 15000);
})();
