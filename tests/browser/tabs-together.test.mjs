// Tabs of one visitor opened together share one conversation (acceptance review of session 9:
// two tabs that opened the chat within the same ~300 ms, both without a session, started a
// conversation each, and a handoff from each put the visitor twice in the queue). The
// "ask the other tabs, else start" step runs under the Web Lock
// `staffetta:<namespace>:start`, so the second tab waits for the first's start and joins it.
// Without the Web Locks API the widget still works as before: a tab opened later joins.
// Against the real server, with the demo queue and a paused agent (so a visitor waits).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, desktop, inWidget, setUp, widget } from './harness.mjs';
import { createAgent, openDesk, useHandoffConfig } from './handoff-server.mjs';

let env;
before(async () => {
  useHandoffConfig();
  env = await setUp();
});
after(async () => { await env?.stop(); });

/** A page of the shop with the widget rendered and chat.js loaded, the window still shut. */
async function shopPage(context, { withoutLocks = false } = {}) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (withoutLocks) {
    await page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined });
    });
  }
  await page.goto(`${env.fixtures}/plain`);
  await widget(page).ready();
  await page.evaluate(() => window.Staffetta.instances.default._loadChat());
  return { page, w: widget(page), errors };
}

const conversation = async (tab) => (await tab.w.state()).conversation;
const online = (tab) => tab.page.waitForFunction(
  () => window.Staffetta.instances.default.getState().conversation?.status === 'online',
  null,
  { timeout: 15_000 },
);
const openWindow = (tab) => tab.page.evaluate(() => window.Staffetta.instances.default.open().then(() => true));

test('two tabs that open the chat at the same moment share one conversation and wait once for an agent', async () => {
  const desk = await openDesk(env.browser, env.server, await createAgent(env.server, { login: 'ada', displayName: 'Ada' }));
  await desk.next('SNAPSHOT');
  await desk.send({ command: 'set_state', state: 'pause' });
  await desk.next('PAUSE');

  const context = await env.browser.newContext(desktop);
  const first = await shopPage(context);
  const second = await shopPage(context);
  await Promise.all([openWindow(first), openWindow(second)]);
  await Promise.all([online(first), online(second)]);

  const [a, b] = [await conversation(first), await conversation(second)];
  assert.ok(a.sessionId, 'a session');
  assert.equal(b.sessionId, a.sessionId, 'one session for both tabs');
  assert.equal(b.conversationId, a.conversationId, 'one conversation');
  // Both show the one welcome (the joining tab replays it from the log).
  for (const tab of [first, second]) {
    await inWidget(tab.page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });
  }
  const welcome = (tab) => inWidget(tab.page, '.msg-bot .bubble').first().textContent();
  assert.equal(await welcome(second), await welcome(first));
  await first.page.waitForFunction((seq) => window.Staffetta.instances.default.getState().conversation.lastSeq >= seq, b.lastSeq);
  await second.page.waitForFunction((seq) => window.Staffetta.instances.default.getState().conversation.lastSeq >= seq, a.lastSeq);

  // Both tabs ask for a person at once: one wait in the queue, the other is told so.
  const ask = (tab) => tab.page.evaluate(() => window.Staffetta.instances.default.requestAgent().then(
    (answer) => ({ answer }),
    (error) => ({ error: { status: error.status, code: error.code } }),
  ));
  const answers = await Promise.all([ask(first), ask(second)]);
  const queued = answers.filter((r) => r.answer && r.answer.outcome === 'queued');
  assert.equal(queued.length, 1, JSON.stringify(answers));
  assert.equal(queued[0].answer.position, 1, 'the only one waiting');
  assert.deepEqual(answers.find((r) => r !== queued[0]).error, { status: 409, code: 'already_in_handoff' });

  assert.deepEqual(await axe(second.page), []);
  assert.deepEqual([...first.errors, ...second.errors], []);
  await context.close();
  await desk.close();
});

test('without the Web Locks API a tab opened after another still joins its conversation', async () => {
  const context = await env.browser.newContext(desktop);
  const first = await shopPage(context, { withoutLocks: true });
  assert.equal(await first.page.evaluate(() => navigator.locks), undefined);
  await openWindow(first);
  await online(first);
  const second = await shopPage(context, { withoutLocks: true });
  await openWindow(second);
  await online(second);
  assert.equal((await conversation(second)).sessionId, (await conversation(first)).sessionId);
  assert.deepEqual([...first.errors, ...second.errors], []);
  await context.close();
});
