// The traveler's chip screen ("keep the passport still" while the
// passport's chip is read), in English and French, with axe-core. The
// in-memory kiosk of the development server has no chip step, so the page
// is given the agent's chip snapshots (what agent/kiosk sends during the
// chip step: screen "chip", step 1, guidance chip_waiting then
// chip_reading) through the long-polling API, intercepted in the browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, shot, repoRoot } from './server.mjs';
import { axeViolations, formatViolations } from './axe.mjs';

const MESSAGES = JSON.parse(readFileSync(path.join(repoRoot, 'ui/assets/messages.json'), 'utf8'));
const CHIP_REASONS = ['CHIP_UNREADABLE', 'CHIP_MRZ_MISMATCH', 'CHIP_INVALID', 'CHIP_UNTRUSTED'];

let srv;
let browser;

before(async () => {
  srv = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

// chipPage opens the traveler page fed with the chip screen's snapshots;
// set(guidance) changes what the agent says next.
async function chipPage(lang, viewport) {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  let snap = { screen: 'chip', lang, guidance: 'chip_waiting', step: 1, steps: 4, version: 100 };
  await page.route(/\/api\/traveler(\?.*)?$/, async (route) => {
    const since = new URL(route.request().url()).searchParams.get('since');
    if (since !== null && Number(since) >= snap.version) await new Promise((r) => setTimeout(r, 300));
    await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(snap) });
  });
  await page.goto(srv.url + '/?poll');
  await page.waitForFunction(() => document.body.classList.contains('screen-chip'));
  return {
    page,
    set(guidance) { snap = { ...snap, guidance, version: snap.version + 1 }; },
  };
}

async function text(page, id) {
  return (await page.locator('#' + id).textContent()).trim();
}

async function axe(page, label) {
  const v = await axeViolations(page);
  assert.equal(v.length, 0, 'axe-core violations\n' + formatViolations(label, v));
}

for (const lang of ['en', 'fr']) {
  test(`traveler: the chip screen (${lang})`, async () => {
    const m = MESSAGES[lang];
    const { page, set } = await chipPage(lang);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
    assert.equal(await text(page, 'title'), m['screen.chip.title']);
    assert.equal(await text(page, 'body'), m['screen.chip.body']);
    await page.locator('#guidance', { hasText: m['guidance.chip_waiting'] }).waitFor();
    await axe(page, `traveler-${lang}-chip-waiting`);
    set('chip_reading');
    await page.locator('#guidance', { hasText: m['guidance.chip_reading'] }).waitFor();
    await page.screenshot({ path: shot(`traveler-${lang}-chip-reading`) });
    await axe(page, `traveler-${lang}-chip-reading`);
    // The passport's step in the progress indicator, and a way out.
    assert.ok(!(await page.locator('#progress-wrap').isHidden()), 'no progress indicator on the chip screen');
    const cancel = m['button.cancel'];
    assert.equal(await page.getByRole('button', { name: cancel }).count(), 1, 'no cancel button');
    // The screen never says why a chip would refer.
    const all = await page.evaluate(() => document.body.innerText);
    for (const r of CHIP_REASONS) assert.ok(!all.includes(r), 'the chip screen says ' + r);
    assert.ok(!/signature|CSCA|DG1|DG2|passive/i.test(all), 'the chip screen speaks of verification: ' + all);
    await page.close();
  });
}

test('traveler: the chip screen on a portrait screen', async () => {
  const { page } = await chipPage('fr', { width: 1080, height: 1920 });
  await page.locator('#title', { hasText: MESSAGES.fr['screen.chip.title'] }).waitFor();
  await page.screenshot({ path: shot('traveler-portrait-chip') });
  await axe(page, 'traveler-portrait-chip');
  await page.close();
});

test('chip screen strings: both languages, French typography', () => {
  for (const k of ['screen.chip.title', 'screen.chip.body', 'guidance.chip_waiting', 'guidance.chip_reading']) {
    assert.ok(MESSAGES.en[k] && MESSAGES.fr[k], 'missing ' + k);
    assert.notEqual(MESSAGES.en[k], MESSAGES.fr[k], k + ' is not translated');
    assert.ok(!/'/.test(MESSAGES.fr[k]), k + ': use ’, not \': ' + MESSAGES.fr[k]);
    assert.ok(!/ [:;!?]/.test(MESSAGES.fr[k]) && !/[^\u00a0][:;!?]/.test(MESSAGES.fr[k]),
      k + ': a no-break space (U+00A0) before : ; ! ?: ' + MESSAGES.fr[k]);
  }
});
