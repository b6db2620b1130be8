// The Queue panel of supervisors and admins against the real server, in headless Debian
// chromium: the demo admin and the demo agent sign in and pause; a visitor (over the real
// visitor API, from a shop's cart page) asks for a human and waits. The admin's panel lists
// them at once (the server pushes a QUEUES frame; the fallback poll is 30 s away) with their
// place in line, their page and a wait time that ticks, and the polite live region says how
// many wait; the agent has no such panel and gets no such frame. The agent is Ready: the
// panel shows the offer pending for them; they accept: the chat is live under their name.
// The admin reads its transcript read-only in a dialog, closes it with Escape and is back on
// the button; the agent ends the chat: the list is drawn again with the chat under the
// agent's after-chat work, and the keyboard focus stays on that chat's button.
// axe-core reports no violation with a visitor waiting and with the dialog open.
// Waits are for conditions only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir, axe } from './harness.mjs';
import { HttpVisitor, launchConsoleBrowser, openConsole, signIn, startServer, until } from './console-server.mjs';

let server;
let browser;

before(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  server = await startServer();
  browser = await launchConsoleBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an admin sees the waiting visitor, then the chat live under the agent, and reads it', async () => {
  const admin = await openConsole(browser, server);
  await signIn(admin.page, server, 'demo-admin');
  await admin.page.getByLabel('My state').selectOption('pause');
  await admin.desk.next('PAUSE');
  const agent = await openConsole(browser, server);
  await signIn(agent.page, server, 'demo-agent');
  await agent.page.getByLabel('My state').selectOption('pause');
  await agent.desk.next('PAUSE');

  const panel = admin.page.getByRole('region', { name: 'Queue' });
  await panel.waitFor();
  assert.equal(await agent.page.locator('#queues').isVisible(), false, 'agents have no Queue panel');

  const visitor = new HttpVisitor(server, `http://localhost:${new URL(server.url).port}`);
  await visitor.start('console-queue-visitor-1', 'https://shop.example/cart');
  await visitor.say('Where is my parcel?');
  const pushesBefore = admin.desk.frames.filter((f) => f.event === 'QUEUES').length;
  const asked = Date.now();
  assert.equal((await visitor.askForHuman()).outcome, 'queued');

  // Pushed, not polled: the QUEUES frame comes and the line shows well before a poll would.
  await until('a QUEUES frame', () => admin.desk.frames.filter((f) => f.event === 'QUEUES').length > pushesBefore, 5000);
  const waiting = panel.locator(`.queue-waiting li[data-chat="${visitor.chatId}"]`);
  await waiting.waitFor({ timeout: 5000 });
  assert.ok(Date.now() - asked < 10_000, 'shown within seconds, the poll is every 30 s');
  assert.equal(agent.desk.frames.some((f) => f.event === 'QUEUES'), false, 'agents get no QUEUES frame');
  assert.match(await waiting.textContent(), /Place 1 in line/);
  assert.match(await waiting.textContent(), /https:\/\/shop\.example\/cart/);
  await until('the live region counts the waiting visitor', async () => (
    await admin.page.locator('#queues-count').textContent()) === '1 visitor waiting, 0 live chats.');
  assert.equal(await admin.page.locator('#queues-count').getAttribute('aria-live'), 'polite');
  const first = await waiting.locator('.wait').textContent();
  assert.match(first, /^waiting \d+:\d\d$/);
  await until('the wait time ticks', async () => (await waiting.locator('.wait').textContent()) !== first, 5000);
  assert.deepEqual(await axe(admin.page), [], 'the console with a visitor waiting');
  await admin.page.screenshot({ path: join(artifactsDir, 'console-queue-waiting.png') });

  // The agent is Ready: the chat is offered to them, then accepted.
  await agent.page.getByLabel('My state').selectOption('ready');
  await agent.desk.next('POPUP');
  await until('the offer shows in the queue', async () => /Offered to Demo Agent/.test(await waiting.textContent()));
  await agent.page.locator('.offer').getByRole('button', { name: 'Accept' }).click();
  await agent.desk.next('ESTABLISHED');

  const live = panel.locator(`.queue-live li[data-chat="${visitor.chatId}"]`);
  await live.waitFor();
  assert.match(await live.textContent(), /Demo Agent/);
  await waiting.waitFor({ state: 'detached' });
  await until('the live region counts the live chat', async () => (
    await admin.page.locator('#queues-count').textContent()) === '0 visitors waiting, 1 live chat.');

  // The admin reads the chat, read-only.
  const read = live.getByRole('button', { name: "Read Demo Agent's chat" });
  await read.click();
  const dialog = admin.page.getByRole('dialog', { name: 'Chat transcript (read-only)' });
  await dialog.waitFor();
  await dialog.locator('.msg-visitor', { hasText: 'Where is my parcel?' }).waitFor();
  assert.equal(await dialog.locator('textarea, form').count(), 0, 'nothing to write with');
  assert.match(await dialog.locator('#transcript-dialog-status').textContent(), /shop\.example\/cart/);
  assert.deepEqual(await axe(admin.page), [], 'the console with the read-only transcript open');
  await admin.page.screenshot({ path: join(artifactsDir, 'console-queue-transcript.png') });
  await admin.page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await read.evaluate((b) => b === document.activeElement), true, 'focus is back on the button');
  // The agent ends the chat: pushed again, the chat is listed under their after-chat work,
  // and the keyboard focus stays on that chat's button.
  await agent.page.getByRole('button', { name: 'End chat' }).click();
  await agent.desk.next('CONNECTIONCLEARED');
  const wrapUp = panel.locator(`.queue-wrap-up li[data-chat="${visitor.chatId}"]`);
  await wrapUp.waitFor({ timeout: 5000 });
  await live.waitFor({ state: 'detached' });
  assert.match(await wrapUp.textContent(), /Demo Agent/);
  assert.match(await wrapUp.locator('.wait').textContent(), /^wrapping up for \d+:\d\d$/);
  const wrapUpRead = wrapUp.getByRole('button', { name: 'Read the chat Demo Agent is wrapping up' });
  await until('the focus follows the chat', () => wrapUpRead.evaluate((b) => b === document.activeElement));

  assert.deepEqual(admin.errors, []);
  assert.deepEqual(agent.errors, []);
  await admin.context.close();
  await agent.context.close();
});
