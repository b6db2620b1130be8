// After falling back to long-poll the widget tries the websocket again in the background
// (every 30-60 s, jittered) and switches back once one opens, resuming after the last seq:
// events sent around the switch are shown once, none is lost, and the long-poll stops.
// Against the real server; the page clock is faked so the minutes pass at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { desktop, inWidget, setUp, widget } from './harness.mjs';
import { apiMissing, useConfig } from './real-config.mjs';

let env;
let missing = 'not probed yet';
before(async () => {
  useConfig({ dialog: 'every-response' });
  env = await setUp();
  missing = await apiMissing(env);
});
after(async () => { await env?.stop(); });

const transport = (w) => w.state().then((s) => s.conversation.transport);

test('a widget on long-poll returns to the websocket when it works again, without losing or repeating events', async (t) => {
  if (missing) return t.skip(missing);
  const context = await env.browser.newContext(desktop);
  const socket = { blocked: true, attempts: 0 };
  await context.routeWebSocket(/\/ws(\?|$)/, (ws) => {
    socket.attempts += 1;
    if (socket.blocked) ws.close({ code: 1008, reason: 'blocked by the test' });
    else ws.connectToServer();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const polls = [];
  page.on('request', (r) => { if (/\/events\?/.test(r.url())) polls.push(Date.now()); });
  await page.clock.install();
  await page.goto(`${env.fixtures}/plain`);
  const w = widget(page);
  await w.ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation.status === 'polling', null, { timeout: 15_000 });
  assert.equal(await transport(w), 'long-poll');
  const refused = socket.attempts;
  assert.equal(refused, 2, 'two refusals before the fallback');

  // Not before 30 s; a refused background attempt leaves the long-poll working.
  await page.clock.fastForward(29_000);
  assert.equal(socket.attempts, refused);
  await page.clock.fastForward(32_000);
  await waitFor(() => socket.attempts === refused + 1);
  assert.equal(await transport(w), 'long-poll');
  await inWidget(page, '[part~="option"]').filter({ hasText: 'Sizes' }).click();
  await inWidget(page, 'select').waitFor({ timeout: 15_000 });

  // Another tab sends a message just before the socket comes back: its events may arrive by
  // the last long-poll or by the websocket's resume, and are shown once either way.
  const { sessionId } = (await w.state()).conversation;
  // The session token as the widget keeps it (never in the public state).
  const token = await page.evaluate(() => {
    const key = Object.keys(sessionStorage).find((k) => k.endsWith(':session'));
    return JSON.parse(sessionStorage.getItem(key)).token;
  });
  const authorization = `Bearer ${token}`;
  const sent = await fetch(`${env.server}/api/v1/sites/demo/sessions/${sessionId}/message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: env.fixtures, authorization },
    body: JSON.stringify({ client_message_id: 'other-tab-1', input: { option: 'visit' } }),
  });
  assert.equal(sent.status, 200);
  socket.blocked = false;
  await page.clock.fastForward(61_000);
  await page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation.transport === 'websocket', null, { timeout: 15_000 });
  const switchedAt = Date.now();
  await page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation.status === 'online');
  await inWidget(page, '[part~="date-text"]').waitFor({ timeout: 15_000 });

  // Now over the websocket: answer the date question the other tab's message opened.
  const day = new Date(Date.now() + 3 * 86_400_000);
  const typed = `${String(day.getMonth() + 1).padStart(2, '0')}/${String(day.getDate()).padStart(2, '0')}/${day.getFullYear()}`;
  await inWidget(page, '[part~="date-text"]').fill(typed);
  await inWidget(page, '[part~="date-submit"]').click();
  await inWidget(page, '.bubble').filter({ hasText: 'See you on' }).waitFor({ timeout: 15_000 });
  await page.waitForTimeout(500);
  assert.equal(polls.filter((at) => at > switchedAt + 100).length, 0, 'the long-poll stopped');

  const log = await (await fetch(`${env.server}/api/v1/sites/demo/sessions/${sessionId}/events?after=0`, { headers: { origin: env.fixtures, authorization } })).json();
  const head = log.events.at(-1).seq;
  assert.equal((await w.state()).conversation.lastSeq, head, 'every event up to the head was taken');
  const counts = await page.evaluate(() => {
    const root = document.querySelector('.staffetta-root').shadowRoot;
    const count = (selector, text) => [...root.querySelectorAll(selector)].filter((n) => n.textContent.includes(text)).length;
    return {
      welcome: count('.msg-bot .bubble', 'Welcome to the'),
      sizes: root.querySelectorAll('select').length,
      otherTab: count('.msg-visitor .bubble', 'visit'),
      datePickers: root.querySelectorAll('[part~="date-text"]').length,
      booked: count('.msg-bot .bubble', 'See you on'),
    };
  });
  assert.deepEqual(counts, { welcome: 1, sizes: 1, otherTab: 1, datePickers: 1, booked: 1 });
  assert.deepEqual(errors, []);
  await context.close();
});

async function waitFor(check, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
