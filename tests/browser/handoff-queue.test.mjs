// The visitor's side of what happens to a wait for an agent after it began, in the real
// widget against the real server and desk (agents over the real agent websocket):
// - a transfer: Ada has the chat and hands it to Bob; the visitor sees Ada leave (her
//   typing indicator goes at once), waits with "Stop waiting", then Bob joins and chats;
// - `wait_too_long`: the queue "quick" has `max_wait_s = 3`; the visitor who waits longer
//   gets the server's apology with "Leave a message", the bot answers again;
// - `handoff_cancelled` by the system: with `handoff.visitor_gone_s = 10` a visitor who
//   closes the tab while waiting is taken out of the queue; when the tab comes back (its
//   sessionStorage restored, as a reopened or duplicated tab has it) the widget shows why.
// axe-core reports no violation in each of these states. Only config values are set (the
// site config the test server reads), no server knob.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, axe, desktop, inWidget, setUp, widget } from './harness.mjs';
import { createAgent, openDesk, until, useHandoffConfig } from './handoff-server.mjs';

let env;
before(async () => {
  useHandoffConfig({ visitorGoneS: 10, moreResources: [{ id: 'quick', name: 'Quick questions', maxWaitS: 3 }] });
  env = await setUp();
});
after(async () => { await env?.stop(); });

const handoffPhase = async (page) => (await widget(page).state()).conversation.handoff;
const status = (page) => inWidget(page, '[part="status"]').textContent();

/** A visitor page with the chat window open and the bot's welcome shown. */
async function openVisitor(context = null) {
  const ctx = context || await env.browser.newContext({ ...desktop, locale: 'en-US' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.fixtures}/plain`);
  await widget(page).ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });
  return { context: ctx, page, errors };
}

/** An agent at the desk, paused (so a visitor who asks waits in the queue). */
async function pausedAgent(login, displayName, role) {
  const desk = await openDesk(env.browser, env.server, await createAgent(env.server, { login, displayName, role }));
  await desk.next('SNAPSHOT');
  await desk.send({ command: 'set_state', state: 'pause' });
  await desk.next('PAUSE');
  return desk;
}

/** Records the widget instance's events of these names in `window.seen`. */
const record = (page, names) => page.evaluate((list) => {
  window.seen = [];
  for (const name of list) window.Staffetta.instances.default.on(name, (e) => window.seen.push([name, e]));
}, names);

test('the agent transfers the chat to a colleague: the visitor sees who left, waits, and who joined', async () => {
  const ada = await openDesk(env.browser, env.server, await createAgent(env.server, { login: 'ada', displayName: 'Ada' }));
  await ada.next('SNAPSHOT');
  const { context, page, errors } = await openVisitor();
  await record(page, ['agent:left', 'agent:joined']);

  const answer = await page.evaluate(() => window.Staffetta.instances.default.requestAgent());
  assert.equal(answer.outcome, 'offered', JSON.stringify(answer));
  const offer = await ada.next('POPUP');
  await ada.send({ command: 'accept', offer: offer.id });
  await ada.next('JOBSTARTED');
  const chatId = offer.chat_id;
  await inWidget(page, '.notice p').filter({ hasText: 'Ada joined the chat.' }).waitFor();
  await until('the header names Ada', async () => (await status(page)) === 'Chatting with Ada');
  await ada.send({ command: 'send', conversation: chatId, text: 'Let me ask my colleague Bob.' });
  await inWidget(page, '.msg-agent').filter({ hasText: 'Let me ask my colleague Bob.' }).waitFor();

  // Bob signs in (Ready); Ada types, then transfers the chat to him.
  const bob = await openDesk(env.browser, env.server, await createAgent(env.server, { login: 'bob', displayName: 'Bob' }));
  const bobId = (await bob.next('SNAPSHOT')).agent.id;
  await ada.send({ command: 'typing', conversation: chatId, typing: true });
  const typing = inWidget(page, '[part="typing"]');
  await typing.waitFor();
  assert.equal(await typing.getAttribute('aria-label'), 'Ada is typing…');
  await ada.send({ command: 'transfer', conversation: chatId, to: { kind: 'agent', id: bobId } });
  assert.equal((await ada.next('CONNECTIONCLEARED')).reason, 'transferred');
  const second = await bob.next('POPUP');
  assert.equal(second.chat_id, chatId);

  // Before Bob accepts: Ada left, her typing indicator is gone, the visitor waits again.
  await inWidget(page, '.notice p').filter({ hasText: 'Ada left the chat.' }).waitFor();
  await typing.waitFor({ state: 'hidden', timeout: 2000 });
  const bar = inWidget(page, '[part="handoff"]');
  await bar.getByRole('button', { name: 'Stop waiting' }).waitFor();
  assert.equal(await bar.locator('[part="handoff-text"]').textContent(), 'Checking whether someone from the team is free…');
  assert.equal(await handoffPhase(page), 'waiting');
  assert.notEqual(await status(page), 'Chatting with Ada');
  assert.deepEqual(await axe(page), [], 'waiting for the colleague after a transfer');

  // Bob takes it: he is named, his messages carry his name, the visitor's reach him.
  await bob.send({ command: 'accept', offer: second.id });
  await bob.next('JOBSTARTED');
  await inWidget(page, '.notice p').filter({ hasText: 'Bob joined the chat.' }).waitFor();
  await until('the header names Bob', async () => (await status(page)) === 'Chatting with Bob');
  await bar.getByRole('button', { name: 'End chat' }).waitFor();
  await bob.send({ command: 'send', conversation: chatId, text: 'Hi, Bob here. I read what you wrote.' });
  const fromBob = inWidget(page, '.msg-agent').filter({ hasText: 'Bob here' });
  await fromBob.waitFor();
  assert.equal(await fromBob.locator('[part~="agent-name"]').textContent(), 'Bob');
  await inWidget(page, 'textarea').fill('Thanks Bob');
  await inWidget(page, 'textarea').press('Enter');
  assert.equal((await bob.next('MESSAGE', (f) => f.from === 'visitor')).text, 'Thanks Bob');
  assert.equal((await ada.frames()).some((f) => f.event === 'MESSAGE' && f.text === 'Thanks Bob'), false, 'Ada no longer gets the chat');
  const seen = await page.evaluate(() => window.seen.map(([name, e]) => [name, e.agent && e.agent.name]));
  assert.deepEqual(seen, [['agent:joined', 'Ada'], ['agent:left', 'Ada'], ['agent:joined', 'Bob']]);
  assert.deepEqual(await axe(page), [], 'with the colleague');
  await page.screenshot({ path: join(artifactsDir, 'handoff-transfer.png') });

  // Nobody here takes the next tests' visitors.
  await bob.send({ command: 'end', conversation: chatId });
  await inWidget(page, '.notice').filter({ hasText: 'Bob ended the chat.' }).waitFor();
  for (const desk of [ada, bob]) {
    await desk.send({ command: 'set_state', state: 'pause' });
    await desk.next('PAUSE');
    await desk.close();
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('a visitor who waits longer than the queue\'s maximum gets the apology and "Leave a message"; the bot answers again', async () => {
  const cleo = await pausedAgent('cleo', 'Cleo');
  const { context, page, errors } = await openVisitor();
  await record(page, ['queue:closed']);

  const answer = await page.evaluate(() => window.Staffetta.instances.default.requestAgent({ resource: 'quick' }));
  assert.equal(answer.outcome, 'queued', JSON.stringify(answer));
  const bar = inWidget(page, '[part="handoff"]');
  await bar.getByRole('button', { name: 'Stop waiting' }).waitFor();

  // After max_wait_s (3 s) the desk gives up.
  const sorry = inWidget(page, '.notice').filter({ hasText: 'Sorry for the long wait: our team is still busy.' });
  await sorry.waitFor({ timeout: 20_000 });
  assert.equal(await sorry.locator('p').first().textContent(),
    'Sorry for the long wait: our team is still busy. Leave us a message and we will reply by e-mail.');
  await sorry.getByRole('button', { name: 'Leave a message' }).waitFor();
  await bar.waitFor({ state: 'hidden' });
  assert.equal(await handoffPhase(page), 'bot');
  const seen = await page.evaluate(() => window.seen.map(([name, e]) => [name, e.reason, e.nextOpening]));
  assert.deepEqual(seen, [['queue:closed', 'wait_too_long', null]]);
  assert.deepEqual(await axe(page), [], 'after the wait was too long');
  await page.screenshot({ path: join(artifactsDir, 'handoff-wait-too-long.png') });

  // The bot has the conversation again.
  const bubbles = await inWidget(page, '.msg-bot').count();
  await inWidget(page, 'textarea').fill('What are your opening hours?');
  await inWidget(page, 'textarea').press('Enter');
  await until('the bot answers', async () => (await inWidget(page, '.msg-bot').count()) > bubbles, 15_000);
  assert.equal((await cleo.frames()).some((f) => f.event === 'POPUP'), false, 'the paused agent was never offered the chat');

  assert.deepEqual(errors, []);
  await cleo.close();
  await context.close();
});

test('a visitor who closed the tab while waiting is taken out of the queue; the tab that comes back says so', async () => {
  const dana = await pausedAgent('dana', 'Dana');
  const supervisorToken = await createAgent(env.server, { login: 'erin', displayName: 'Erin', role: 'supervisor' });
  const { context, page } = await openVisitor();
  const answer = await page.evaluate(() => window.Staffetta.instances.default.requestAgent());
  assert.equal(answer.outcome, 'queued', JSON.stringify(answer));
  await inWidget(page, '.notice p').filter({ hasText: 'You are number 1 in the queue.' }).waitFor();
  const { conversationId } = (await widget(page).state()).conversation;
  const saved = await page.evaluate(() => Object.entries(sessionStorage));

  // Every tab goes; visitor_gone_s later the server cancels the wait (read through a
  // supervisor's transcript, which does not count as the visitor being there).
  await page.close();
  const cancelled = await until('handoff_cancelled in the transcript', async () => {
    const r = await fetch(`${env.server}/api/v1/agent/conversations/${conversationId}`, {
      headers: { authorization: `Bearer ${supervisorToken}` },
    });
    const body = await r.json();
    return (body.messages || []).map((m) => m.event).find((e) => e && e.type === 'handoff_cancelled');
  }, 60_000, 500);
  assert.equal(cancelled.by, 'system');
  assert.equal(cancelled.reason, 'visitor_gone');

  // The visitor comes back in a tab with this tab's sessionStorage (reopened or duplicated).
  const back = await context.newPage();
  const errors = [];
  back.on('pageerror', (e) => errors.push(e.message));
  await back.addInitScript((entries) => {
    if (sessionStorage.length === 0) for (const [key, value] of entries) sessionStorage.setItem(key, value);
    window.seen = [];
    const hook = setInterval(() => {
      const instance = window.Staffetta && window.Staffetta.instances && window.Staffetta.instances.default;
      if (!instance) return;
      clearInterval(hook);
      instance.on('handoff:cancelled', (e) => window.seen.push([e.by, e.reason]));
    }, 1);
  }, saved);
  await back.goto(`${env.fixtures}/plain`);
  await widget(back).ready();
  const gone = inWidget(back, '.notice p').filter({ hasText: 'You were away for a while, so you left the queue.' });
  await gone.waitFor({ timeout: 15_000 });
  assert.equal(await gone.textContent(), 'You were away for a while, so you left the queue. I\'m here if you need anything else.');
  assert.equal((await widget(back).state()).isOpen, true, 'the window is open as the visitor left it');
  await inWidget(back, '[part="handoff"]').waitFor({ state: 'hidden' });
  assert.equal(await handoffPhase(back), 'bot');
  assert.deepEqual(await back.evaluate(() => window.seen), [['system', 'visitor_gone']]);
  assert.deepEqual(await axe(back), [], 'back after the wait was cancelled');
  await back.screenshot({ path: join(artifactsDir, 'handoff-visitor-gone.png') });
  assert.equal((await dana.frames()).some((f) => f.event === 'POPUP'), false);

  assert.deepEqual(errors, []);
  await dana.close();
  await context.close();
});
