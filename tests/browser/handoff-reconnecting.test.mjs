// The visitor's side of a lost agent console, in the real widget against the real server
// and desk: the agent takes the conversation over the real agent websocket, then their
// console goes away. The desk waits for them (the disconnect grace period) and the widget
// shows a short system line that the agent is reconnecting (the `agent_reconnecting` event);
// when the agent's console is back within the grace, the line goes (`agent_reconnected`),
// and stays gone after a reload (the events are replayed from the log). axe-core reports no
// violation while the line is shown.
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

test('the visitor sees that the agent is reconnecting, and the line goes when the agent is back', async () => {
  const token = await createAgent(env.server, { login: 'ada', displayName: 'Ada' });
  const desk = await openDesk(env.browser, env.server, token);
  await desk.next('SNAPSHOT');

  const context = await env.browser.newContext({ ...desktop, locale: 'en-US' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.fixtures}/plain`);
  await widget(page).ready();
  await page.evaluate(() => {
    window.seen = [];
    const instance = window.Staffetta.instances.default;
    instance.on('agent:reconnecting', (e) => window.seen.push(['reconnecting', e.agent.name]));
    instance.on('agent:reconnected', (e) => window.seen.push(['reconnected', e.agent.name]));
  });
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });
  await inWidget(page, 'textarea').fill('talk to a human');
  await inWidget(page, 'textarea').press('Enter');
  const popup = await desk.next('POPUP');
  await desk.send({ command: 'accept', offer: popup.id });
  await desk.next('JOBSTARTED');
  await inWidget(page, '.notice p').filter({ hasText: 'Ada joined the chat.' }).waitFor();

  // The agent's console goes away: the grace period starts and the visitor is told.
  await desk.close();
  const line = inWidget(page, '.msg-system').filter({ hasText: 'Ada lost the connection and is reconnecting…' });
  await line.waitFor();
  assert.deepEqual(await axe(page), [], 'with the reconnecting line');

  // Back within the grace: the line goes.
  const again = await openDesk(env.browser, env.server, token);
  const snapshot = await again.next('SNAPSHOT');
  assert.equal(snapshot.conversations[0].phase, 'online');
  await line.waitFor({ state: 'hidden' });
  assert.deepEqual(await page.evaluate(() => window.seen), [['reconnecting', 'Ada'], ['reconnected', 'Ada']]);

  // A reload replays the events: the line stays gone, the agent still has the chat.
  await page.reload();
  await widget(page).ready();
  await inWidget(page, '.notice p').filter({ hasText: 'Ada joined the chat.' }).waitFor();
  assert.equal(await line.isVisible(), false);
  assert.equal((await widget(page).state()).conversation.handoff, 'agent');

  assert.deepEqual(errors, []);
  await context.close();
  await again.close();
});
