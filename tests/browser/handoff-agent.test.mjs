// The visitor's side of a live-agent handoff in the real widget against the real server and
// desk (issue 6 item 5): an agent is logged in at the desk (over the real agent websocket)
// but paused, so the visitor who asks for a human waits in the queue and sees their
// position (no estimated wait: the only agent is paused) with "Stop waiting"; stopping (handoff_cancelled: a system
// line and the instance's handoff:cancelled) brings the bot back; asking
// again and the agent taking the conversation shows agent_joined, the agent's name in the
// header, the agent typing (named) and stopping, the agent's message with their name, the visitor's reply
// reaching the agent, a reload keeping the live conversation, and the agent ending it.
// axe-core reports no violation while waiting and while the agent has the conversation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, axe, desktop, inWidget, setUp, widget } from './harness.mjs';
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

const handoffPhase = async (page) => (await widget(page).state()).conversation.handoff;

test('a visitor waits in the queue, stops waiting, asks again and chats with the agent who takes over', async () => {
  const token = await createAgent(env.server, { login: 'ada', displayName: 'Ada' });
  const desk = await openDesk(env.browser, env.server, token);
  await desk.next('SNAPSHOT');
  // Logged in but paused: a visitor asking for a human waits in the queue.
  await desk.send({ command: 'set_state', state: 'pause' });
  await desk.next('PAUSE');

  const context = await env.browser.newContext({ ...desktop, locale: 'en-US' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.fixtures}/plain`);
  await widget(page).ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });

  // The dialog's connect_to_agent starts the handoff; the desk queues the visitor.
  await say(page, 'talk to a human');
  const queueNotice = inWidget(page, '.notice p').filter({ hasText: 'You are number 1 in the queue.' });
  await queueNotice.first().waitFor({ timeout: 15_000 });
  // Ada, the only agent, is paused: nobody could be offered the chat now, so no wait is
  // made up (the estimate counts only agents who could be offered it).
  assert.equal(await queueNotice.first().textContent(), 'You are number 1 in the queue.');
  const bar = inWidget(page, '[part="handoff"]');
  await bar.waitFor();
  assert.match(await bar.locator('[part="handoff-text"]').textContent(), /You are number 1 in the queue\./);
  const stop = bar.getByRole('button', { name: 'Stop waiting' });
  assert.equal(await handoffPhase(page), 'waiting');
  // The header's restart would end the wait at one click: hidden while the bar is there.
  const restart = inWidget(page, '[part="restart-button"]');
  assert.equal(await restart.isHidden(), true, 'no restart while waiting');
  assert.deepEqual(await axe(page), [], 'waiting in the queue');

  // Stop waiting: the server writes handoff_cancelled, its text is a system line, the
  // instance says why, and the bot answers again.
  await page.evaluate(() => {
    window.cancelled = [];
    window.Staffetta.instances.default.on('handoff:cancelled', (e) => window.cancelled.push(e));
  });
  await stop.click();
  await inWidget(page, '.msg-system').filter({ hasText: 'You left the queue' }).waitFor();
  const cancelled = await page.evaluate(() => window.cancelled.map((e) => [e.by, e.reason]));
  assert.deepEqual(cancelled, [['visitor', 'visitor_cancelled']]);
  await bar.waitFor({ state: 'hidden' });
  assert.equal(await handoffPhase(page), 'bot');
  assert.equal(await restart.isVisible(), true, 'restart is back with the bot');
  assert.equal(await page.evaluate(() => document.querySelector('.staffetta-root').shadowRoot.activeElement?.tagName), 'TEXTAREA',
    'focus goes to the composer once the bar is gone');

  // Ask again, through the instance API this time.
  const answer = await page.evaluate(() => window.Staffetta.instances.default.requestAgent());
  assert.equal(answer.outcome, 'queued', JSON.stringify(answer));
  await until('waiting again', async () => (await handoffPhase(page)) === 'waiting');
  await bar.getByRole('button', { name: 'Stop waiting' }).waitFor();

  // The agent is ready: the offer pops up and is accepted.
  await desk.send({ command: 'set_state', state: 'ready' });
  const popup = await desk.next('POPUP');
  await desk.send({ command: 'accept', offer: popup.id });
  await desk.next('JOBSTARTED');
  const chatId = popup.chat_id;
  await inWidget(page, '.notice p').filter({ hasText: 'Ada joined the chat.' }).waitFor();
  await until('the header names the agent', async () => (await inWidget(page, '[part="status"]').textContent()) === 'Chatting with Ada');
  await bar.getByRole('button', { name: 'End chat' }).waitFor();
  assert.equal(await bar.locator('[part="handoff-text"]').isHidden(), true);
  assert.equal(await restart.isHidden(), true, 'no restart while chatting with the agent');

  // The agent types: the indicator names them; when they stop it goes at once.
  await desk.send({ command: 'typing', conversation: chatId });
  const typing = inWidget(page, '[part="typing"]');
  await typing.waitFor();
  assert.equal(await typing.getAttribute('aria-label'), 'Ada is typing…');
  assert.equal(await inWidget(page, '[part="typing-name"]').innerText(), 'Ada is typing…', 'the name is shown, not only labelled');
  await desk.send({ command: 'typing', conversation: chatId, typing: false });
  await typing.waitFor({ state: 'hidden', timeout: 3000 });
  await desk.send({ command: 'typing', conversation: chatId, typing: true });
  await typing.waitFor();

  // The agent's message, with their name, rendered from the server's HTML.
  await desk.send({ command: 'send', conversation: chatId, text: 'Hello, I am **Ada** from customer care.' });
  const agentMessage = inWidget(page, '.msg-agent').filter({ hasText: 'from customer care' });
  await agentMessage.waitFor();
  assert.equal(await agentMessage.locator('[part~="agent-name"]').textContent(), 'Ada');
  assert.equal(await agentMessage.locator('.bubble strong').textContent(), 'Ada');
  await typing.waitFor({ state: 'hidden' });

  // The visitor answers; the agent gets it.
  await say(page, 'My parcel has not arrived');
  const fromVisitor = await desk.next('MESSAGE', (f) => f.from === 'visitor');
  assert.equal(fromVisitor.text, 'My parcel has not arrived');
  assert.deepEqual(await axe(page), [], 'with the agent');
  await page.screenshot({ path: join(artifactsDir, 'handoff-agent.png') });

  // A reload keeps the live conversation and who has it.
  await page.reload();
  await widget(page).ready();
  await agentMessage.waitFor();
  await until('the header still names the agent', async () => (await inWidget(page, '[part="status"]').textContent()) === 'Chatting with Ada');
  assert.equal(await handoffPhase(page), 'agent');
  assert.equal(await restart.isHidden(), true, 'no restart after a reload either');

  // The agent ends the conversation: the restart notice, and the bar goes.
  await desk.send({ command: 'end', conversation: chatId });
  const ended = inWidget(page, '.notice').filter({ hasText: 'Ada ended the chat.' });
  await ended.waitFor();
  await ended.getByRole('button', { name: 'Start a new conversation' }).waitFor();
  await bar.waitFor({ state: 'hidden' });
  assert.equal(await handoffPhase(page), 'ended');
  assert.equal(await restart.isVisible(), true, 'restart once the chat has ended');

  // Writing after the end starts a new conversation instead of a message the server refuses
  // (it stayed "Sending…" for ever).
  const endedSession = (await widget(page).state()).conversation.sessionId;
  await say(page, 'One more question');
  await until('a new conversation', async () => {
    const c = (await widget(page).state()).conversation;
    return c.sessionId && c.sessionId !== endedSession && c.handoff === 'bot' && c.queued === 0;
  });
  const mine = inWidget(page, '.msg-visitor').filter({ hasText: 'One more question' });
  await mine.waitFor();
  await until('the message is delivered', async () => (await mine.locator('[part~="message-status"]').count()) === 0);
  await inWidget(page, '.msg-bot .bubble').first().waitFor();
  assert.notEqual(await inWidget(page, '[part="status"]').textContent(), 'Chatting with Ada');

  assert.deepEqual(errors, []);
  await context.close();
  await desk.close();
});
