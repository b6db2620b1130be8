// Edge cases of a tab's start (session 10): one start never gives the visitor two
// conversations.
// - A start whose POST /sessions failed (network) retried the POST outside the Web Lock
//   `staffetta:<namespace>:start`: a second tab took the lock meanwhile, found nobody with a
//   session and started one, then the first tab's retry started another. Now the retry asks
//   the other tabs again, under the lock, and joins the second tab's conversation.
// - A start that asked the other tabs while the visitor restarted the conversation (the
//   restart starts one of its own) started a second one when the ask ended, because a session
//   had appeared meanwhile. Now the ask leaves it alone.
// Against the real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { desktop, setUp, widget } from './harness.mjs';
import { until } from './handoff-server.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

const START = /\/api\/v1\/sites\/demo\/sessions$/;

/** A page of the shop with the widget rendered and chat.js loaded, the window still shut. */
async function shopPage(context) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
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

/** Counts the session starts the server answered (2xx) in `context`. */
function countStarts(context) {
  const answered = [];
  context.on('response', (r) => {
    if (r.request().method() === 'POST' && START.test(r.url()) && r.ok()) answered.push(r.url());
  });
  return answered;
}

test('a start that failed on the network asks the other tabs again before it retries, and joins the conversation one of them started', async () => {
  const context = await env.browser.newContext(desktop);
  const starts = countStarts(context);
  let held = null;
  const reached = new Promise((resolve) => {
    context.route(START, (route) => {
      if (route.request().method() !== 'POST' || held) return route.continue();
      held = route;
      resolve();
      return undefined;
    });
  });
  const first = await shopPage(context);
  openWindow(first);
  await reached;

  // The second tab waits for the lock the first holds while it starts.
  const second = await shopPage(context);
  openWindow(second);
  await until('the second tab waits for the start lock', () => second.page.evaluate(
    () => navigator.locks.query().then((q) => q.pending.some((l) => l.name === 'staffetta:default:start')),
  ), 10_000);
  // The first tab's start fails on the network: it lets the lock go and retries later.
  await held.abort('connectionfailed');

  await Promise.all([online(first), online(second)]);
  const [a, b] = [await conversation(first), await conversation(second)];
  assert.ok(b.sessionId, 'the second tab started the conversation');
  assert.equal(a.sessionId, b.sessionId, 'the first tab joined it');
  assert.equal(starts.length, 1, 'one conversation started');
  assert.deepEqual([...first.errors, ...second.errors], []);
  await context.close();
});

test('a restart while the start asks the other tabs gives the visitor one conversation, not two', async () => {
  const context = await env.browser.newContext(desktop);
  const starts = countStarts(context);
  const tab = await shopPage(context);
  // The window opens (its start asks the other tabs for 300 ms), and the visitor restarts
  // at once: the restart starts a conversation of its own.
  await tab.page.evaluate(async () => {
    const widget = window.Staffetta.instances.default;
    await widget.open();
    await widget.restartConversation();
  });
  await online(tab);
  const started = (await conversation(tab)).sessionId;
  assert.ok(started);
  // Long after the ask ended, still that one conversation.
  await tab.page.waitForTimeout(1500);
  assert.equal(starts.length, 1, 'one conversation started');
  assert.equal((await conversation(tab)).sessionId, started);
  assert.deepEqual(tab.errors, []);
  await context.close();
});
