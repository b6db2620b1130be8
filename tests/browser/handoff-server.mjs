// Helpers of the widget's handoff tests against the real server: a config with the admin API,
// cheap password hashing and the demo site's queue (optionally with office hours), operators
// created through the admin API, and an agent desk driven over the real agent websocket
// from a page of the server's own origin (Node 20 has no WebSocket client; the page's
// Origin is the server's, as the desk requires of browsers). Waits are for conditions only.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './harness.mjs';

export const ADMIN_TOKEN = randomBytes(24).toString('hex');

/**
 * Writes the config and points STAFFETTA_CONFIG at it (call before setUp()). officeHours:
 * `{ timeZone, weekly: { monday: ['09:00-10:00'] } }` for the demo site's queue;
 * visitorGoneS: the site's `handoff.visitor_gone_s`; moreResources: further queues
 * `[{ id, name, maxWaitS }]` after "customer-care" (the default one).
 */
export function useHandoffConfig({ officeHours, visitorGoneS, moreResources = [] } = {}) {
  const toml = [
    '[paths]',
    `dialogs = ${JSON.stringify(join(repoRoot, 'dialogs'))}`,
    `locales = ${JSON.stringify(join(repoRoot, 'locales'))}`,
    '',
    '[admin]',
    `token = "${ADMIN_TOKEN}"`,
    '',
    '[agent]',
    'demo_operators = false',
    'password_hashing = "test_cheap"',
    '',
    '[[sites]]',
    'id = "demo"',
    'allowed_origins = ["http://127.0.0.1:*", "http://localhost:*"]',
    'dialog = "bottega-aurora"',
    'default_locale = "en"',
    '',
  ];
  if (visitorGoneS) toml.push('[sites.handoff]', `visitor_gone_s = ${visitorGoneS}`, '');
  toml.push('[[sites.resources]]', 'id = "customer-care"', 'name = "Customer care"');
  if (officeHours) {
    toml.push('[sites.resources.office_hours]', `time_zone = ${JSON.stringify(officeHours.timeZone)}`);
    const days = Object.entries(officeHours.weekly).map(([day, spans]) => `${day} = ${JSON.stringify(spans)}`);
    toml.push(`weekly = { ${days.join(', ')} }`);
  }
  for (const r of moreResources) {
    toml.push('', '[[sites.resources]]', `id = ${JSON.stringify(r.id)}`, `name = ${JSON.stringify(r.name)}`);
    if (r.maxWaitS) toml.push(`max_wait_s = ${r.maxWaitS}`);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'staffetta-handoff-')), 'staffetta.toml');
  writeFileSync(file, `${toml.join('\n')}\n`);
  process.env.STAFFETTA_CONFIG = file;
  return file;
}

/**
 * Creates an operator (role `agent` unless told) through the admin API and signs them in:
 * resolves with the access token.
 */
export async function createAgent(server, { login, displayName, role = 'agent' }) {
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const created = await fetch(`${server}/api/v1/admin/sites/demo/operators`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ login, password, display_name: displayName, role }),
  });
  if (created.status !== 201) throw new Error(`operator creation answered ${created.status}: ${await created.text()}`);
  const signedIn = await fetch(`${server}/api/v1/agent/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ site_id: 'demo', login, password }),
  });
  if (signedIn.status !== 200) throw new Error(`agent login answered ${signedIn.status}: ${await signedIn.text()}`);
  return (await signedIn.json()).access_token;
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
 * An agent at the desk: a page of the server's origin holding the agent websocket. `next`
 * waits for a frame (`event` name and predicate) received after the previous `next` of the
 * same name; `send` sends a command.
 */
export async function openDesk(browser, server, token) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server}/healthz`);
  await page.evaluate(([url, token]) => new Promise((resolve, reject) => {
    window.frames_ = [];
    const ws = new WebSocket(url, ['staffetta.agent.v1', `staffetta.agent.token.${token}`]);
    window.desk_ = ws;
    ws.onmessage = (m) => { try { window.frames_.push(JSON.parse(m.data)); } catch { /* not JSON */ } };
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('the agent websocket did not open'));
  }), [`${server.replace(/^http/, 'ws')}/api/v1/agent/ws`, token]);
  const seen = new Set();
  return {
    context,
    frames: () => page.evaluate(() => window.frames_),
    async next(event, predicate = () => true, timeout = 10_000) {
      return until(`a ${event} frame`, async () => {
        const frames = await page.evaluate(() => window.frames_);
        const index = frames.findIndex((f, i) => !seen.has(i) && f.event === event && predicate(f));
        if (index < 0) return null;
        seen.add(index);
        return frames[index];
      }, timeout);
    },
    send: (command) => page.evaluate((c) => window.desk_.send(JSON.stringify(c)), command),
    close: () => context.close(),
  };
}
