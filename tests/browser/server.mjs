// Starts the screens' HTTP server for the browser tests on a free loopback
// port, and Debian's Chromium to look at them.
//
// The command is one variable: XPT_UI_CMD, a shell command in which {addr}
// stands for host:port, run from the repository root. By default it is the
// ui package's development server over its in-memory kiosk; the real one is
//   XPT_UI_CMD='bin/xpt-kiosk run --demo --listen {addr}'
// The API tokens are handed over as XPT_OFFICER_TOKEN and
// XPT_TECHNICIAN_TOKEN in the command's environment; when those are set
// already they are used as they are (for a server with fixed tokens).
// People sign in with the demo's accounts (the demo and uidev both have
// them): srv.officer and srv.tech, overridden by XPT_OFFICER_ACCOUNT,
// XPT_OFFICER_PASSWORD, XPT_TECHNICIAN_ACCOUNT, XPT_TECHNICIAN_PASSWORD.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const shotsDir = path.join(here, 'screenshots');

export function serverCommand(addr) {
  const tmpl = process.env.XPT_UI_CMD ||
    (process.env.XPT_UI_BIN ? process.env.XPT_UI_BIN : 'go run ./ui/uitest/cmd/uidev') + ' -listen {addr}';
  return tmpl.replaceAll('{addr}', addr);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// startServer runs the command and waits until /api/traveler answers.
export async function startServer({ timeoutMs = 120000 } = {}) {
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  // Fresh tokens, unless the server under test has its own (the demo's).
  const officerToken = process.env.XPT_OFFICER_TOKEN || 'officer-' + randomBytes(6).toString('hex');
  const techToken = process.env.XPT_TECHNICIAN_TOKEN || 'tech-' + randomBytes(6).toString('hex');
  const cmd = serverCommand(addr);
  let log = '';
  const child = spawn('sh', ['-c', 'exec ' + cmd], {
    cwd: repoRoot,
    env: { ...process.env, XPT_OFFICER_TOKEN: officerToken, XPT_TECHNICIAN_TOKEN: techToken },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so that `go run`'s child goes too
  });
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const url = `http://${addr}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`server command exited (${JSON.stringify(exited)}): ${cmd}\n${log}`);
    try {
      const r = await fetch(url + '/api/traveler');
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      stopGroup(child);
      throw new Error(`server did not answer on ${url} within ${timeoutMs} ms: ${cmd}\n${log}`);
    }
    await sleep(200);
  }
  return {
    url, officerToken, techToken, log: () => log,
    officer: { account: process.env.XPT_OFFICER_ACCOUNT || 'B1234', password: process.env.XPT_OFFICER_PASSWORD || 'officer-demo-password' },
    tech: { account: process.env.XPT_TECHNICIAN_ACCOUNT || 'T100', password: process.env.XPT_TECHNICIAN_PASSWORD || 'technician-demo-password' },
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.on('exit', r));
      stopGroup(child, 'SIGTERM');
      const t = setTimeout(() => stopGroup(child, 'SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    },
  };
}

function stopGroup(child, sig = 'SIGTERM') {
  try { process.kill(-child.pid, sig); } catch { /* gone */ }
}

// launchBrowser starts Debian's Chromium (never a downloaded one) with a
// new, empty profile.
export async function launchBrowser() {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'xpt-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.XPT_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 1024 },
    locale: 'en-CA',
    timezoneId: 'America/Toronto',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export function shot(name) {
  mkdirSync(shotsDir, { recursive: true });
  return path.join(shotsDir, name + '.png');
}

// techAPI calls the technician API with the bearer token (the simulator
// panel's commands), as a script would.
export async function techAPI(srv, method, p, body) {
  const r = await fetch(srv.url + p, {
    method,
    headers: { Authorization: 'Bearer ' + srv.techToken, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
