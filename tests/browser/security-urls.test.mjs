// K-03: no visitor credential in a URL. The widget talks to the real server over the
// websocket and, with websockets blocked, over the long-poll; every URL it requests is
// recorded and checked: the session token (the credential), the conversation id and the
// restore state appear nowhere in a URL; the session id appears only as the path segment
// after `/sessions/` (the API's addressing), and the id alone opens nothing (401).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { desktop, inWidget, setUp, widget } from './harness.mjs';

let env;
let apiMissing = 'not probed yet';
before(async () => {
  env = await setUp();
  const r = await fetch(`${env.server}/api/v1/sites/demo/config`, { headers: { origin: env.fixtures } });
  apiMissing = r.status === 404 ? `GET /api/v1/sites/demo/config answered ${r.status}` : false;
});
after(async () => { await env?.stop(); });

/** Opens the widget, says hello, waits for the reply; returns every URL and the session start. */
async function converse(context) {
  const page = await context.newPage();
  const urls = [];
  let started = null;
  page.on('request', (request) => urls.push(request.url()));
  page.on('websocket', (socket) => urls.push(socket.url()));
  page.on('response', async (response) => {
    const { pathname } = new URL(response.url());
    if (response.request().method() === 'POST' && pathname.endsWith('/sessions')) {
      started = await response.json().catch(() => null);
    }
  });
  await page.goto(`${env.fixtures}/plain`);
  await widget(page).ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });
  const before = await inWidget(page, '.msg-bot .bubble, .msg-bot .group').count();
  await inWidget(page, 'textarea').fill('hello');
  await inWidget(page, 'textarea').press('Enter');
  await page.waitForFunction(
    ([n]) => document.querySelector('.staffetta-root').shadowRoot
      .querySelectorAll('.msg-bot .bubble, .msg-bot .group').length > n,
    [before], { timeout: 15_000 },
  );
  return { page, urls, started };
}

test('no visitor credential travels in a URL, over the websocket or the long-poll', async (t) => {
  if (apiMissing) return t.skip(apiMissing);
  for (const blocked of [false, true]) {
    const context = await env.browser.newContext(desktop);
    if (blocked) await context.routeWebSocket(/./, (ws) => ws.close({ code: 1008, reason: 'blocked by the test' }));
    const { page, urls, started } = await converse(context);
    assert.ok(started && started.session_id, 'the session start was seen');
    assert.match(started.session_token || '', /^[0-9a-f]{64}$/, 'the session start returns a token');
    const secrets = [started.session_id, started.conversation_id, started.state].filter(Boolean);
    const ws = env.server.replace(/^http/, 'ws');
    const api = urls.filter((u) => u.startsWith(env.server) || u.startsWith(ws));
    assert.ok(api.some((u) => u.includes(blocked ? '/events' : '/ws')), `${blocked ? 'long-poll' : 'websocket'} used: ${api.join(' ')}`);
    for (const raw of api) {
      const url = new URL(raw);
      assert.equal(url.username + url.password, '', raw);
      for (const secret of secrets) {
        assert.ok(!url.search.includes(secret), `a credential in the query of ${raw}`);
        assert.ok(!url.hash.includes(secret), `a credential in the fragment of ${raw}`);
      }
      assert.ok(!raw.includes(started.session_token), `the session token in ${raw}`);
      const segments = url.pathname.split('/');
      segments.forEach((segment, i) => {
        if (segment === started.session_id) assert.equal(segments[i - 1], 'sessions', raw);
        assert.notEqual(segment, started.state, raw);
        assert.notEqual(segment, started.conversation_id, raw);
      });
    }
    if (!blocked) {
      const status = await page.evaluate(() => window.Staffetta.instances.default.getState().conversation.transport);
      assert.equal(status, 'websocket', 'the socket with the token subprotocol opened');
    }
    // What a proxy log shows (the URL) is not enough to read the conversation.
    const events = `${env.server}/api/v1/sites/demo/sessions/${started.session_id}/events?after=0`;
    const bare = await fetch(events, { headers: { origin: env.fixtures } });
    assert.equal(bare.status, 401);
    assert.equal((await bare.json()).error.code, 'session_token_required');
    assert.match(bare.headers.get('www-authenticate') || '', /^Bearer/);
    await context.close();
  }
});
