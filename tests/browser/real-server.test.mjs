// The widget against the server's own visitor API (no fake): the demo site's dialog
// answers over the websocket, over long-poll when websockets are blocked, and the
// conversation resumes after the server process restarts. These tests are skipped, with
// the reason printed, when the server under test has no visitor API mounted (for example
// the asset-only `dev_server` example).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, desktop, inWidget, openChat, setUp } from './harness.mjs';

let env;
let apiMissing = 'not probed yet';
before(async () => {
  env = await setUp();
  const r = await fetch(`${env.server}/api/v1/sites/demo/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: env.fixtures },
    body: JSON.stringify({ locale: 'en', anonymous_id: '00000000-0000-4000-8000-000000000000' }),
  });
  apiMissing = r.status === 404 || r.status === 405 ? `POST /api/v1/sites/demo/sessions answered ${r.status}` : false;
});
after(async () => { await env?.stop(); });

const start = (context) => openChat(env, context);

const bots = (page) => inWidget(page, '.msg-bot .bubble, .msg-bot .group, .msg-bot figure');

async function sayAndAwaitReply(page, words) {
  const before = await bots(page).count();
  await inWidget(page, 'textarea').fill(words);
  await inWidget(page, 'textarea').press('Enter');
  await page.waitForFunction(
    ([n]) => document.querySelector('.staffetta-root').shadowRoot.querySelectorAll('.msg-bot .bubble, .msg-bot .group, .msg-bot figure').length > n,
    [before], { timeout: 15_000 },
  );
}

describe('against the real visitor API', () => {
  test('the welcome and a reply arrive over the websocket', async (t) => {
    if (apiMissing) return t.skip(apiMissing);
    const context = await env.browser.newContext(desktop);
    const { page, w, errors } = await start(context);
    await sayAndAwaitReply(page, 'hello');
    await page.screenshot({ path: join(artifactsDir, 'window-conversation-real-server.png') });
    const state = (await w.state()).conversation;
    assert.equal(state.transport, 'websocket');
    assert.equal(state.status, 'online');
    assert.equal(await inWidget(page, '.meta-status').count(), 0, 'the message was acknowledged');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('with websockets blocked the conversation runs over long-poll', async (t) => {
    if (apiMissing) return t.skip(apiMissing);
    const context = await env.browser.newContext(desktop);
    await context.routeWebSocket(/./, (ws) => ws.close({ code: 1008, reason: 'blocked by the test' }));
    const { page, w } = await start(context);
    await sayAndAwaitReply(page, 'hello');
    assert.equal((await w.state()).conversation.transport, 'long-poll');
    await context.close();
  });

  test('after a server restart the conversation resumes, without duplicates', async (t) => {
    if (apiMissing) return t.skip(apiMissing);
    const context = await env.browser.newContext(desktop);
    const { page, w } = await start(context);
    await sayAndAwaitReply(page, 'hello');
    const rendered = await inWidget(page, '.msg').count();
    const sessionId = (await w.state()).conversation.sessionId;
    await env.restartServer();
    await page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation.status === 'online', null, { timeout: 30_000 });
    assert.equal((await w.state()).conversation.sessionId, sessionId);
    assert.equal(await inWidget(page, '.msg').count(), rendered, 'nothing replayed twice');
    await sayAndAwaitReply(page, 'still there?');
    await page.reload();
    await w.ready();
    assert.ok(await inWidget(page, '.msg').count() >= rendered + 2, 'history kept over the reload');
    await context.close();
  });

  test('a message written while the server is down is sent when it is back, and the answer arrives', async (t) => {
    if (apiMissing) return t.skip(apiMissing);
    const context = await env.browser.newContext(desktop);
    const { page, w } = await start(context);
    await sayAndAwaitReply(page, 'hello');
    const failed = [];
    page.on('requestfailed', (r) => failed.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await env.stopServer();
    // The widget notices, and its attempt to reconnect fails (the server is away)...
    await until('a failed reconnect', () => failed.some((f) => f.startsWith('GET ') && f.endsWith('/events')));
    const before = await bots(page).count();
    // ...then the visitor writes: the message waits, and its own attempt fails too.
    await inWidget(page, 'textarea').fill('opening hours');
    await inWidget(page, 'textarea').press('Enter');
    await until('a failed send', () => failed.some((f) => f.startsWith('POST ') && f.endsWith('/message')));
    await env.startServerAgain();
    // The message goes out and the bot's answer, read from the conversation's event stream,
    // shows: the widget listens again instead of only posting.
    await page.waitForFunction(
      ([n]) => document.querySelector('.staffetta-root').shadowRoot.querySelectorAll('.msg-bot .bubble, .msg-bot .group, .msg-bot figure').length > n,
      [before], { timeout: 30_000 },
    );
    const state = (await w.state()).conversation;
    assert.equal(state.queued, 0);
    assert.equal(state.status, 'online');
    await context.close();
  });
});

/** Polls `check` until it is true, or fails naming `what`. */
async function until(what, check, timeout = 15_000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
