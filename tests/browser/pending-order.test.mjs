// R14: a message the visitor wrote while it could not be sent was shown above an agent
// message the server stored before it. The widget shows a pending message at the bottom at
// once and appended what arrived later after it, so the agent's "Are you still there?"
// (seq N) stayed under the visitor's "typed while offline" (seq N+1) once that was sent,
// while a reload (the log, by seq) showed them the other way round. G3: clients render by
// seq. Now a message that is stored takes its place by seq, and what is stored meanwhile
// goes above the messages still pending. Against the real server and a real agent desk.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { desktop, inWidget, openChat, setUp, widget } from './harness.mjs';
import { createAgent, openDesk, until, useHandoffConfig } from './handoff-server.mjs';

let env;
before(async () => {
  useHandoffConfig();
  env = await setUp();
});
after(async () => { await env?.stop(); });

async function say(page, words) {
  await inWidget(page, 'textarea').fill(words);
  await inWidget(page, 'textarea').press('Enter');
}

/** The texts of the message list, top to bottom (agent and visitor bubbles only). */
const shown = (page) => inWidget(page, '.msg-agent .bubble, .msg-visitor .bubble').evaluateAll(
  (nodes) => nodes.filter((n) => !n.closest('[hidden]')).map((n) => n.textContent.replace(/^You: /, '').trim()),
);

test('a message sent late takes its place by seq under the agent message stored before it, live and after reloads', async () => {
  const token = await createAgent(env.server, { login: 'ada', displayName: 'Ada' });
  const desk = await openDesk(env.browser, env.server, token);
  await desk.next('SNAPSHOT');
  await desk.send({ command: 'set_state', state: 'ready' });

  const context = await env.browser.newContext(desktop);
  const { page, errors } = await openChat(env, context);
  await say(page, 'talk to a human');
  const popup = await desk.next('POPUP');
  await desk.send({ command: 'accept', offer: popup.id });
  await desk.next('JOBSTARTED');
  await inWidget(page, '.notice p').filter({ hasText: 'Ada joined the chat.' }).waitFor();

  // The visitor's next messages do not get through (the network is down) ...
  const held = [];
  let released = false;
  await page.route(/\/sessions\/[^/]+\/message$/, (route) => {
    if (released || route.request().method() !== 'POST') return route.continue();
    held.push(route);
    return undefined;
  });
  await say(page, 'typed while offline');
  await say(page, 'and this too');
  await until('the first message on its way', async () => held.length === 1);
  await inWidget(page, '.msg-visitor[data-pending]').nth(1).waitFor();

  // ... while the agent writes: stored first, shown above the messages still pending.
  await desk.send({ command: 'send', conversation: popup.chat_id, text: 'Are you still there?' });
  await inWidget(page, '.msg-agent').filter({ hasText: 'Are you still there?' }).waitFor();
  assert.deepEqual((await shown(page)).slice(-3), ['Are you still there?', 'typed while offline', 'and this too']);

  // The network is back: the messages are stored after the agent's.
  released = true;
  await held[0].continue();
  await until('both messages delivered', async () => (await inWidget(page, '.msg-visitor[data-pending]').count()) === 0);
  await desk.next('MESSAGE', (f) => f.from === 'visitor' && f.text === 'and this too');
  const live = (await shown(page)).slice(-3);
  assert.deepEqual(live, ['Are you still there?', 'typed while offline', 'and this too']);

  // The same order after a reload, from the widget's own history ...
  await page.reload();
  await widget(page).ready();
  await inWidget(page, '.msg-visitor').filter({ hasText: 'and this too' }).waitFor();
  assert.deepEqual((await shown(page)).slice(-3), live);

  // ... and from the server's log (replayed by seq).
  await page.evaluate(() => {
    sessionStorage.removeItem('staffetta:default:history');
    const session = JSON.parse(sessionStorage.getItem('staffetta:default:session'));
    sessionStorage.setItem('staffetta:default:session', JSON.stringify({ ...session, lastSeq: 0 }));
  });
  await page.reload();
  await widget(page).ready();
  await inWidget(page, '.msg-visitor').filter({ hasText: 'and this too' }).waitFor();
  assert.deepEqual((await shown(page)).slice(-3), live);
  assert.deepEqual(errors, []);
  await context.close();
  await desk.close();
});
