// axe-core in the browser tests: injects the npm package (never a CDN copy)
// into a page and runs it with the WCAG 2.x A/AA rules and axe's best
// practices (landmarks, one h1, ...), which is what issue 12 checks.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Evaluated through the DevTools protocol, not as a <script>: the consoles'
// Content-Security-Policy (script-src 'self') rightly refuses inline code.
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axeViolations runs axe on the page as it is now and returns its
// violations, each with the selectors of the nodes at fault.
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource);
  }
  const res = await page.evaluate(async () => window.axe.run(document, {
    resultTypes: ['violations'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  return res.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
  }));
}

// formatViolations prints violations as a reader wants them in a test
// failure: rule, how many, where, why.
export function formatViolations(label, violations) {
  return violations.map((v) => `${label}: ${v.id} (${v.impact}) x${v.nodes.length}: ${v.help}\n` +
    v.nodes.map((n) => `    ${n.target}\n      ${String(n.summary || '').replaceAll('\n', '\n      ')}`).join('\n')).join('\n');
}
