// Shared set-up for the browser tests: the real server binary on a free port with a temp
// data dir, a tiny fixture server on another port (host pages of "other sites", so the
// widget is embedded cross-origin), and headless Debian chromium through playwright-core.
//
// STAFFETTA_BIN   server binary (default: <repo>/target/debug/staffetta). It is started as
//                 `serve --listen 127.0.0.1:0 --data-dir DIR` and must print
//                 `Staffetta listening on http://HOST:PORT` on stdout.
// CHROMIUM_BIN    browser (default: /usr/bin/chromium). Never downloaded.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const artifactsDir = join(repoRoot, 'target', 'browser-artifacts');
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Starts the server binary; resolves with { url, stop(), restart(), halt(), again() } once
 * /healthz answers. restart() stops the process and starts it again on the same port and data
 * dir; halt() only stops it (the data dir is kept) and again() starts it as restart() does.
 */
export async function startServer(listen = '127.0.0.1:0', dataDir = mkdtempSync(join(tmpdir(), 'staffetta-browser-'))) {
  const bin = process.env.STAFFETTA_BIN || join(repoRoot, 'target', 'debug', 'staffetta');
  const child = spawn(bin, ['serve', '--listen', listen, '--data-dir', dataDir], {
    cwd: repoRoot, // the default config reads ./dialogs and ./locales
    env: { ...process.env, STAFFETTA__STORE__PATH: dataDir, RUST_LOG: process.env.RUST_LOG || 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const url = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`no "Staffetta listening on" line within 60 s from ${bin}\n${out}\n${stderr}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /Staffetta listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1].replace(/\/$/, ''));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${bin} exited with ${code}\n${out}\n${stderr}`));
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
  });
  for (let i = 0; ; i += 1) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not yet
    }
    if (i > 100) throw new Error('/healthz never answered');
    await new Promise((r) => setTimeout(r, 100));
  }
  const halt = () => new Promise((r) => {
    if (child.exitCode !== null) r();
    else {
      child.on('exit', r);
      child.kill('SIGTERM');
      setTimeout(() => { child.kill('SIGKILL'); r(); }, 5000);
    }
  });
  return {
    url,
    async stop() {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await halt();
      return startServer(new URL(url).host, dataDir);
    },
    halt,
    again: () => startServer(new URL(url).host, dataDir),
  };
}

/**
 * Serves tests/browser/fixtures/NAME.html on its own origin. In each page `{{SERVER}}` is
 * the widget server's URL and `{{NONCE}}` a fresh nonce; pages whose name starts with
 * `csp-` are sent with a strict nonce-based Content-Security-Policy.
 */
export async function startFixtures(serverUrl) {
  const server = createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '') || 'index';
    if (!/^[a-z0-9-]+$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    let html;
    try {
      html = readFileSync(join(here, 'fixtures', `${name}.html`), 'utf8');
    } catch {
      res.writeHead(404).end('no such fixture');
      return;
    }
    const nonce = randomBytes(16).toString('base64');
    const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    if (name.startsWith('csp-')) {
      const ws = serverUrl.replace(/^http/, 'ws');
      headers['content-security-policy'] = [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src 'nonce-${nonce}'`,
        `img-src ${serverUrl} data:`,
        `media-src ${serverUrl}`,
        `frame-src ${serverUrl}`,
        `connect-src ${serverUrl} ${ws}`,
        "base-uri 'none'",
      ].join('; ');
    }
    res.writeHead(200, headers);
    res.end(html.replaceAll('{{SERVER}}', serverUrl).replaceAll('{{NONCE}}', nonce));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => server.close(r)) };
}

export async function launchBrowser() {
  // playwright creates a fresh temporary user-data-dir for every launch.
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export const desktop = { viewport: { width: 1280, height: 800 } };
export const mobile = {
  viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
};

/** Everything a test file needs; call in before(), and `await env.stop()` in after(). */
export async function setUp() {
  mkdirSync(artifactsDir, { recursive: true });
  const server = await startServer();
  const fixtures = await startFixtures(server.url);
  const browser = await launchBrowser();
  const env = {
    server: server.url,
    fixtures: fixtures.url,
    browser,
    process: server,
    /** Restarts the server process (same port, same data dir). */
    async restartServer() {
      env.process = await env.process.restart();
    },
    /** Stops the server process (an outage); `startServerAgain()` ends it. */
    async stopServer() {
      await env.process.halt();
    },
    /** Starts the stopped server again (same port, same data dir). */
    async startServerAgain() {
      env.process = await env.process.again();
    },
    async stop() {
      await browser.close();
      await fixtures.stop();
      await env.process.stop();
    },
  };
  return env;
}

/** Runs axe-core in the page (shadow DOM included) and returns its violations. */
export async function axe(page, context) {
  await page.evaluate(axeSource);
  return page.evaluate(async (ctx) => {
    const result = await window.axe.run(ctx || document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ') + ' ' + n.failureSummary),
    }));
  }, context);
}

/** Calls a method on a widget instance in the page and returns its JSON-able result. */
export function widget(page, namespace = 'default') {
  return {
    state: () => page.evaluate((ns) => window.Staffetta.instances[ns].getState(), namespace),
    call: (method, ...args) => page.evaluate(([ns, m, a]) => Promise.resolve(window.Staffetta.instances[ns][m](...a)).then(() => true), [namespace, method, args]),
    ready: () => page.waitForFunction((ns) => window.Staffetta && window.Staffetta.instances[ns] && window.Staffetta.instances[ns].getState().rendered, namespace),
  };
}

/** Opens the fixture page `path` in a new page of `context`, opens the launcher and waits for
 * the bot's first bubble; resolves with { page, w, errors } (the page's uncaught errors). */
export async function openChat(env, context, path = 'plain') {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.fixtures}/${path}`);
  const w = widget(page);
  await w.ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });
  return { page, w, errors };
}

/** A locator inside the widget's shadow root (playwright pierces open shadow roots). */
export function inWidget(page, selector, namespace = 'default') {
  return page.locator(`.staffetta-root[data-namespace="${namespace}"] ${selector}`);
}
