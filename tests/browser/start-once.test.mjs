// A start whose answer is lost (the network cut after the server created the session) made
// the widget's retry start a second conversation, leaving the first an orphan. Now every
// attempt of one start carries the same `client_start_id`, and the server answers the
// repeat with the session it created (200). Against the real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { desktop, inWidget, openChat, setUp } from './harness.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

const START = /\/api\/v1\/sites\/demo\/sessions$/;

test('a start whose answer was lost is repeated with the same client_start_id and gets the session the server created', async () => {
  const context = await env.browser.newContext(desktop);
  const bodies = [];
  const statuses = [];
  let created = null;
  await context.route(START, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    bodies.push(JSON.parse(route.request().postData() || '{}'));
    if (created) return route.continue();
    // The server creates the session, and its answer never reaches the page.
    const response = await route.fetch();
    created = await response.json();
    return route.abort('connectionreset');
  });
  context.on('response', (r) => {
    if (r.request().method() === 'POST' && START.test(r.url())) statuses.push(r.status());
  });
  const { page, w, errors } = await openChat(env, context);
  const state = (await w.state()).conversation;
  assert.ok(created?.session_id, JSON.stringify(created));
  assert.equal(bodies.length, 2, JSON.stringify(bodies));
  assert.match(bodies[0].client_start_id, /^[A-Za-z0-9_-]{16,128}$/);
  assert.equal(bodies[1].client_start_id, bodies[0].client_start_id, 'the retry repeats the start');
  assert.deepEqual(statuses, [200], 'the repeat is answered with the session the first attempt created');
  assert.equal(state.sessionId, created.session_id);
  assert.equal(state.conversationId, created.conversation_id);
  await page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation.status === 'online');
  assert.equal(await inWidget(page, '[part~="message-bot"]').count(), 1, 'one welcome');

  // A new conversation (the restart) is a start of its own, with an id of its own.
  await inWidget(page, '[part="restart-button"]').click();
  await page.waitForFunction((before) => {
    const c = window.Staffetta.instances.default.getState().conversation;
    return c.sessionId && c.sessionId !== before && c.status === 'online';
  }, created.session_id);
  assert.equal(bodies.length, 3);
  assert.notEqual(bodies[2].client_start_id, bodies[0].client_start_id);
  assert.deepEqual(statuses, [200, 201]);
  assert.deepEqual(errors, []);
  await context.close();
});
