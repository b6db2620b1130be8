// Helpers of the agent console tests: the server binary with its one-time demo operator
// credentials (restartable on the same port and data dir), a visitor over HTTP, a recorder
// of the console's websocket frames, and waiting for conditions (never fixed sleeps).
//
// STAFFETTA_CONSOLE_ASSETS=disk serves /agent/* from widget/assets/console/ instead of the
// copies embedded in the binary, to try console edits without rebuilding the server.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { desktop, launchBrowser, repoRoot } from './harness.mjs';

/**
 * Starts `staffetta serve` and collects the demo operators' credentials (printed once);
 * `env` adds configuration variables (`STAFFETTA__...`), kept across restarts.
 */
export async function startServer(listen = '127.0.0.1:0', dataDir = mkdtempSync(join(tmpdir(), 'staffetta-console-')), env = {}) {
  const bin = process.env.STAFFETTA_BIN || join(repoRoot, 'target', 'debug', 'staffetta');
  const child = spawn(bin, ['serve', '--listen', listen, '--data-dir', dataDir], {
    cwd: repoRoot,
    env: { ...process.env, ...env, STAFFETTA__STORE__PATH: dataDir, RUST_LOG: process.env.RUST_LOG || 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const exited = new Promise((r) => child.on('exit', r));
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no "Staffetta listening on" line within 60 s\n${out}\n${err}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /Staffetta listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); ok(m[1].replace(/\/$/, '')); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`${bin} exited with ${code}\n${out}\n${err}`)); });
  });
  await until('/healthz answers', async () => {
    try { return (await fetch(`${url}/healthz`)).ok; } catch { return false; }
  }, 10_000);
  // The credentials are printed right after the URL lines, before the first request is served.
  const credentials = new Map();
  for (const m of out.matchAll(/login\s+(\S+)\s+password\s+(\S+)/g)) credentials.set(m[1], m[2]);
  const halt = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  };
  return {
    url,
    credentials,
    /** The server's stdout and stderr so far (for failure messages). */
    output: () => `${out}\n${err}`,
    async stop() {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
    /** Stops the process and starts it again on the same port and data dir. */
    async restart() {
      await halt();
      const again = await startServer(new URL(url).host, dataDir, env);
      again.credentials = credentials;
      return again;
    },
  };
}

/**
 * A console page in a fresh context; `errors` collects page errors and console errors (the
 * boot's 401 and refused reconnects aside); `desk` records the websocket frames; the page
 * records the desktop notifications, permission requests and oscillators it starts.
 * `options.context` adds browser context options (`{ locale: 'it-IT' }`).
 */
export async function openConsole(browser, server, options = {}) {
  const context = await browser.newContext({ ...desktop, ...options.context });
  await consoleAssets(context);
  if (options.notifications) await context.grantPermissions(['notifications'], { origin: server.url });
  await context.addInitScript(() => {
    window.__notifications = [];
    window.__tones = 0;
    window.__permissionRequests = [];
    const Real = window.Notification;
    class Recorded {
      constructor(title, opts) { window.__notifications.push({ title, body: opts && opts.body }); }
      close() {}
      static get permission() { return Real.permission; }
      static requestPermission() {
        window.__permissionRequests.push({ withGesture: navigator.userActivation.isActive });
        return Promise.resolve('granted');
      }
    }
    window.Notification = Recorded;
    const create = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function createOscillator() {
      window.__tones += 1;
      return create.call(this);
    };
  });
  if (options.route) await options.route(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401|ERR_CONNECTION_REFUSED|WebSocket connection to/.test(m.text())) errors.push(m.text());
  });
  const desk = recordDesk(page);
  await page.goto(`${server.url}/agent`);
  return { context, page, errors, desk };
}

/** Signs in with the demo credentials the server printed; resolves once connected. */
export async function signIn(page, server, login = 'demo-agent') {
  await page.getByLabel('Site id').fill('demo');
  await page.getByLabel('Login', { exact: true }).fill(login);
  await page.getByLabel('Password').fill(server.credentials.get(login));
  await page.getByLabel('Password').press('Enter');
  await page.locator('#desk-view').waitFor({ state: 'visible' });
  await page.locator('#connection', { hasText: 'Connected' }).waitFor();
}

/** Polls `check` until it returns a truthy value (returned), or fails naming `what`. */
export async function until(what, check, timeout = 10_000, every = 50) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * The browser of the console tests. With the files served from disk the page is a routed
 * response, which Chromium's local network access checks treat as public: they are turned
 * off in that mode only.
 */
export function launchConsoleBrowser() {
  if (process.env.STAFFETTA_CONSOLE_ASSETS !== 'disk') return launchBrowser();
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-features=LocalNetworkAccessChecks'],
  });
}

/** Serves the console files from the working tree when STAFFETTA_CONSOLE_ASSETS=disk. */
export async function consoleAssets(context) {
  if (process.env.STAFFETTA_CONSOLE_ASSETS !== 'disk') return;
  await context.route(/\/agent\/[a-z0-9-]+\.(js|css)$/, (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    const type = name.endsWith('.css') ? 'text/css' : 'text/javascript';
    route.fulfill({ body: readFileSync(join(repoRoot, 'widget', 'assets', 'console', name)), contentType: type });
  });
  await context.route(/\/agent\/?$/, (route) => route.fetch().then((response) => route.fulfill({
    response, body: readFileSync(join(repoRoot, 'widget', 'assets', 'console', 'console.html'), 'utf8'),
  })));
}

/**
 * Records the frames of the page's agent websockets: `frames` (received, parsed),
 * `commands` (sent, parsed), `sockets` (how many were opened), `urls` (each socket's URL);
 * `next(event, predicate)` waits for a received frame.
 */
export function recordDesk(page) {
  const record = { frames: [], commands: [], sockets: 0, urls: [] };
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/api/v1/agent/ws')) return;
    record.sockets += 1;
    record.urls.push(ws.url());
    ws.on('framereceived', ({ payload }) => { try { record.frames.push(JSON.parse(payload)); } catch { /* not JSON */ } });
    ws.on('framesent', ({ payload }) => { try { record.commands.push(JSON.parse(payload)); } catch { /* not JSON */ } });
  });
  record.next = (event, predicate = () => true, timeout = 10_000) => until(
    `a ${event} frame`, () => record.frames.find((f) => f.event === event && predicate(f)), timeout,
  );
  return record;
}

/**
 * A visitor of the demo site over HTTP, from an allowed origin; with `forwardedFor`, as a
 * reverse proxy on loopback forwards them (`X-Forwarded-For`, believed when the server lists
 * 127.0.0.1 in `server.trusted_proxies`).
 */
export class HttpVisitor {
  constructor(server, origin, forwardedFor = undefined) {
    this.server = server;
    this.origin = origin;
    this.forwardedFor = forwardedFor;
    this.count = 0;
  }

  headers() {
    const headers = { 'content-type': 'application/json', origin: this.origin };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.forwardedFor) headers['x-forwarded-for'] = this.forwardedFor;
    return headers;
  }

  async start(anonymousId, pageUrl) {
    const r = await fetch(`${this.server.url}/api/v1/sites/demo/sessions`, {
      method: 'POST', headers: this.headers(),
      body: JSON.stringify({ locale: 'en', anonymous_id: anonymousId, page_url: pageUrl }),
    });
    if (r.status !== 201) throw new Error(`session start answered ${r.status}: ${await r.text()}`);
    const body = await r.json();
    this.sessionId = body.session_id;
    this.token = body.session_token;
    this.chatId = body.conversation_id;
    return body;
  }

  async askForHuman() {
    const r = await fetch(`${this.server.url}/api/v1/sites/demo/sessions/${this.sessionId}/handoff`, {
      method: 'POST', headers: this.headers(), body: '{}',
    });
    if (r.status !== 200) throw new Error(`handoff answered ${r.status}: ${await r.text()}`);
    return r.json();
  }

  async leave() {
    const r = await fetch(`${this.server.url}/api/v1/sites/demo/sessions/${this.sessionId}/handoff`, {
      method: 'DELETE', headers: this.headers(),
    });
    return r.status;
  }

  async say(text) {
    this.count += 1;
    const r = await fetch(`${this.server.url}/api/v1/sites/demo/sessions/${this.sessionId}/message`, {
      method: 'POST', headers: this.headers(),
      body: JSON.stringify({ client_message_id: `m-${this.sessionId}-${this.count}`, input: { text } }),
    });
    if (!r.ok) throw new Error(`message answered ${r.status}: ${await r.text()}`);
    return r.json();
  }

  async events() {
    const r = await fetch(`${this.server.url}/api/v1/sites/demo/sessions/${this.sessionId}/events?after=0`, { headers: this.headers() });
    const body = await r.json();
    return body.events || [];
  }

  /** Waits for a persisted event of the visitor's log. */
  event(type, predicate = () => true) {
    return until(`visitor event ${type}`, async () => (await this.events()).find((e) => e.type === type && predicate(e)));
  }
}
