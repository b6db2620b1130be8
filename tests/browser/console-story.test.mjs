// The agent console against the real server end to end (the binary with a fresh demo
// install; the demo operators' credentials are printed once at start), in headless Debian
// chromium, one story in steps that run in order:
// demo-agent signs in with the site id, switches state (the pause reasons come from the
// server) and is asked about notifications once; a visitor in the real widget, on another
// origin, talks to the bot and asks for a human; the console pops the offer up with a
// countdown to the server's deadline, a sound and a desktop notification; the agent
// accepts; they chat both ways with typing indicators; the bot part before the handoff and
// the visitor box are shown; a second visitor (over HTTP) makes two conversations side by
// side; an offline request arrives live; the server restarts and the console reconnects
// without the password; a transfer to a colleague; end, wrap-up and JOBFINISHED; an IP ban
// by the operator allowed to see addresses. axe-core reports no violation with an offer,
// with two conversations and with a wrap-up form open. Waits are for conditions only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir, axe, desktop, inWidget, startFixtures, widget } from './harness.mjs';
import { HttpVisitor, launchConsoleBrowser, openConsole, signIn, startServer, until } from './console-server.mjs';

let server;
let fixtures;
let browser;
/** The second visitor's own address, forwarded by the trusted proxy. */
const SECOND_VISITOR_IP = '198.51.100.60';

before(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  // Behind a trusted reverse proxy on loopback: the second visitor comes through it with an
  // address of their own, which the admin bans (a loopback address is never banned).
  server = await startServer(undefined, undefined, { STAFFETTA__SERVER__TRUSTED_PROXIES: '["127.0.0.1/32"]' });
  fixtures = await startFixtures(server.url);
  browser = await launchConsoleBrowser();
  assert.ok(server.credentials.has('demo-agent') && server.credentials.has('demo-admin'),
    `a fresh demo install prints the demo operators' credentials once:\n${server.output()}`);
});
after(async () => {
  await browser?.close();
  await fixtures?.stop();
  await server?.stop();
});

const localhost = () => `http://localhost:${new URL(server.url).port}`;

describe('a day at the desk, end to end', () => {
  const story = {};

  test('the agent signs in, is asked once about notifications, and switches state with the server\'s pause reasons', async () => {
    story.agent = await openConsole(browser, server, { notifications: true });
    const { page, desk } = story.agent;
    await signIn(page, server);
    const snapshot = await desk.next('SNAPSHOT');
    // A colleague who may see visitor addresses signs in next, and pauses: the agent's
    // console learns about them from the AGENTS roster frame.
    story.admin = await openConsole(browser, server);
    await signIn(story.admin.page, server, 'demo-admin');
    await story.admin.page.getByLabel('My state').selectOption({ label: 'Pause: Training' });
    await story.admin.desk.next('PAUSESUBSTATE', (f) => f.reason === '1702');
    await desk.next('AGENTS', (f) => f.agents.some((a) => a.display_name === 'Demo Admin'));
    assert.deepEqual(snapshot.pause_reasons.map((r) => r.label), ['Break', 'Training']);
    const state = page.getByLabel('My state');
    assert.equal(await state.inputValue(), 'ready', 'a fresh sign-in is Ready');
    const labels = await state.locator('option:not([hidden])').allTextContents();
    assert.deepEqual(labels, ['Ready', 'Pause', 'Pause: Break', 'Pause: Training']);
    await state.selectOption({ label: 'Pause: Break' });
    await desk.next('PAUSESUBSTATE', (f) => f.reason === '1701');
    assert.equal(await state.inputValue(), 'pause:1701');
    await state.selectOption('ready');
    await desk.next('LOGGEDIN');
    assert.deepEqual(desk.commands.slice(0, 2), [
      { command: 'set_state', state: 'pause', reason: 1701 },
      { command: 'set_state', state: 'ready' },
    ]);

    // Notifications are granted in this context, so nothing is asked; a context where the
    // browser has not been answered yet shows the button, and asks once, on the click.
    assert.equal(await page.locator('#notify-button').isVisible(), false);
    const fresh = await openConsole(browser, server);
    await signIn(fresh.page, server);
    const ask = fresh.page.getByRole('button', { name: 'Enable notifications' });
    await ask.click();
    await ask.waitFor({ state: 'hidden' });
    assert.deepEqual(await fresh.page.evaluate(() => window.__permissionRequests), [{ withGesture: true }]);
    await fresh.page.reload();
    await fresh.page.locator('#connection', { hasText: 'Connected' }).waitFor();
    assert.equal(await fresh.page.locator('#notify-button').isVisible(), false, 'asked once only');
    await fresh.context.close();
    await page.locator('#connection', { hasText: 'Connected' }).waitFor();
  });

  test('a visitor in the real widget asks for a human: the offer pops up with a countdown, a sound and a notification', async () => {
    const { page, desk } = story.agent;
    // The visitor, on another origin, talks to the bot first.
    story.visitorContext = await browser.newContext(desktop);
    const visitor = await story.visitorContext.newPage();
    story.visitor = visitor;
    await visitor.goto(`${fixtures.url}/plain`);
    const w = widget(visitor);
    await w.ready();
    await inWidget(visitor, '.launcher-button').click();
    await inWidget(visitor, '.msg-bot .bubble').first().waitFor();
    await inWidget(visitor, 'textarea').fill('What are your opening hours?');
    await inWidget(visitor, 'textarea').press('Enter');
    await inWidget(visitor, '.msg-visitor').filter({ hasText: 'opening hours' }).waitFor();
    await inWidget(visitor, '.msg-bot').filter({ hasText: /open/i }).first().waitFor();
    // The dialog hands over when the visitor asks for a person (connect_to_agent).
    await inWidget(visitor, 'textarea').fill('I want to talk to a human');
    await inWidget(visitor, 'textarea').press('Enter');
    const widgetVisitor = new HttpVisitor(server, fixtures.url);
    widgetVisitor.sessionId = (await w.state()).conversation.sessionId;
    story.widgetVisitor = widgetVisitor;

    const popup = await desk.next('POPUP');
    assert.ok(popup.deadline > Date.now(), 'the POPUP carries the deadline');
    const offer = page.locator('.offer');
    await offer.waitFor();
    const left = Number(/(\d+) s left to accept/.exec(await offer.locator('.countdown').textContent())[1]);
    assert.ok(left >= 15 && left <= 20, `countdown from the server's deadline: ${left}`);
    await page.waitForFunction((before) => {
      const match = /(\d+) s left/.exec(document.querySelector('.offer .countdown').textContent);
      return match && Number(match[1]) < before;
    }, left);
    await offer.getByText('The visitor wrote: “I want to talk to a human”').waitFor();
    assert.match(await page.locator('#announcer').textContent(), /New chat offer for Customer care/);
    assert.ok(await page.evaluate(() => window.__tones) >= 1, 'a tone was played');
    assert.deepEqual(await page.evaluate(() => window.__notifications.map((n) => n.title)), ['New chat offer']);
    await page.screenshot({ path: join(artifactsDir, 'console-offer.png') });
    assert.deepEqual(await axe(page), [], 'the desk with an offer');

    await offer.getByRole('button', { name: 'Accept' }).click();
    const established = await desk.next('ESTABLISHED');
    story.job1 = established.id;
    story.chat1 = established.chat_id;
    await offer.waitFor({ state: 'detached' });
    const conv = page.locator('.conversation');
    await conv.locator('.conv-phase', { hasText: 'Live' }).waitFor();
    assert.equal(await conv.getByLabel('Message').evaluate((n) => n === document.activeElement), true, 'focus moves to the reply box');
    await inWidget(visitor, '.notice').filter({ hasText: 'Demo Agent' }).first().waitFor();
  });

  test('they chat both ways with typing indicators; the bot part and the visitor box are shown', async () => {
    const { page, desk } = story.agent;
    const { visitor } = story;
    const conv = page.locator('.conversation').first();
    story.conv1 = conv;
    // The bot part before the handoff, and the divider where the handoff began.
    await conv.locator('.msg-bot', { hasText: 'Aurora' }).first().waitFor();
    await conv.locator('.msg-visitor', { hasText: 'What are your opening hours?' }).waitFor();
    await conv.locator('.handoff-mark').waitFor();
    const order = await conv.locator('.transcript > li').evaluateAll((items) => items.map((i) => i.className));
    assert.ok(order.indexOf('handoff-mark') > order.findIndex((c) => c.includes('msg-bot')), 'the bot lines come before the divider');
    const info = conv.locator('.visitor-info');
    await info.locator('dt', { hasText: 'Page' }).waitFor();
    assert.match(await info.textContent(), /Page.*\/plain/s);
    assert.match(await info.textContent(), /Device/);
    assert.doesNotMatch(await info.textContent(), /IP address/, 'demo-agent may not see visitor addresses');

    // The visitor types: the agent sees it; then the message, rendered as text.
    await inWidget(visitor, 'textarea').pressSequentially('<b>not bold</b> <img src=x onerror="window.pwned=1">');
    await conv.getByText('The visitor is typing…').waitFor();
    await inWidget(visitor, 'textarea').press('Enter');
    const said = conv.locator('.msg-visitor', { hasText: '<b>not bold</b>' });
    await said.waitFor();
    assert.equal(await said.locator('.body').textContent(), '<b>not bold</b> <img src=x onerror="window.pwned=1">');
    assert.equal(await conv.locator('.transcript img, .transcript b').count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    await conv.getByText('The visitor is typing…').waitFor({ state: 'detached' }).catch(() => {});
    assert.equal(await conv.locator('.typing').textContent(), '', 'the indicator stops with the message');

    // The agent types: one typing command for a burst of keys, and the widget shows it
    // with the agent's name.
    const before = desk.commands.filter((c) => c.command === 'typing').length;
    await conv.getByLabel('Message').pressSequentially('Hello, I am **Demo**');
    const typing = () => desk.commands.filter((c) => c.command === 'typing').slice(before);
    assert.deepEqual(typing(), [{ command: 'typing', conversation: story.chat1, typing: true }], 'at most one typing command every 2 s');
    const indicator = inWidget(visitor, '[part="typing"]');
    await indicator.waitFor();
    assert.equal(await indicator.getAttribute('aria-label'), 'Demo Agent is typing…');
    // Sending stops it first.
    await conv.getByLabel('Message').press('Enter');
    await until('the stop before the message', async () => typing().length === 2);
    assert.deepEqual(typing()[1], { command: 'typing', conversation: story.chat1, typing: false });
    const sent = desk.commands.map((c) => c.command);
    assert.ok(sent.lastIndexOf('typing') < sent.lastIndexOf('send'), 'typing: false goes before the message');
    const echoed = conv.locator('.msg-agent', { hasText: 'Hello, I am' });
    await echoed.waitFor();
    assert.equal(await echoed.locator('strong').textContent(), 'Demo', 'agent HTML from the server');
    assert.equal(await conv.getByLabel('Message').inputValue(), '');
    await inWidget(visitor, '.msg-agent').filter({ hasText: 'Hello, I am' }).waitFor();
  });

  test('a second visitor makes two conversations side by side, accepted from the keyboard; axe-clean', async () => {
    const { page, desk } = story.agent;
    const second = new HttpVisitor(server, localhost(), SECOND_VISITOR_IP);
    story.second = second;
    await second.start('anon-console-second-01', 'https://shop.example/cart?item=lamp');
    await second.say('hello');
    assert.equal((await second.askForHuman()).outcome, 'offered');
    await page.locator('.offer').waitFor();
    await page.keyboard.press('Alt+Shift+A');
    const established = await desk.next('ESTABLISHED', (f) => f.chat_id === second.chatId);
    story.job2 = established.id;
    const conv2 = page.locator('.conversation').nth(1);
    story.conv2 = conv2;
    await conv2.locator('.visitor-info', { hasText: 'item=lamp' }).waitFor();
    await second.say('Is the lamp in stock?');
    await conv2.locator('.msg-visitor', { hasText: 'Is the lamp in stock?' }).waitFor();
    const [a, b] = [await story.conv1.boundingBox(), await conv2.boundingBox()];
    assert.ok(b.x >= a.x + a.width && Math.abs(a.y - b.y) < 2, `side by side: ${JSON.stringify([a, b])}`);
    await page.screenshot({ path: join(artifactsDir, 'console-conversation.png') });
    assert.deepEqual(await axe(page), [], 'the desk with two conversations open');
    // The colleague who signed in after the agent is a transfer target (AGENTS frame).
    await story.conv1.getByText('Transfer or ban').click();
    const targets = await story.conv1.getByLabel('Transfer to').locator('option').allTextContents();
    assert.deepEqual(targets, ['Choose…', 'Customer care', 'Demo Admin']);
    await story.conv1.getByText('Transfer or ban').click();
  });

  test('an offline request appears at once and is in the list', async () => {
    const { page } = story.agent;
    const r = await fetch(`${server.url}/api/v1/sites/demo/offline-requests`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: localhost() },
      body: JSON.stringify({ name: 'Giulia', email: 'giulia@example.org', text: 'Please call me back <script>x</script>' }),
    });
    assert.equal(r.status, 201, await r.text());
    const item = page.locator('#offline-list li', { hasText: 'Giulia' });
    await item.waitFor();
    assert.match(await item.textContent(), /giulia@example\.org.*Please call me back <script>x<\/script>/s);
    await page.getByRole('button', { name: 'Refresh the list' }).click();
    await page.locator('#offline-count', { hasText: '(1)' }).waitFor();
    await item.waitFor();
  });

  test('after a network loss (the server restarts) the console reconnects without the password and keeps its chats', async () => {
    const { page, desk } = story.agent;
    const socketsBefore = desk.sockets;
    server = await server.restart();
    await until('a new console socket', () => desk.sockets > socketsBefore, 20_000);
    await page.locator('#connection', { hasText: 'Connected' }).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#login-view').isVisible(), false, 'no password asked');
    assert.equal(await page.locator('.conversation').count(), 2, 'both conversations are kept');
    assert.equal(await story.conv1.locator('.msg-agent', { hasText: 'Hello, I am' }).count(), 1, 'no line shown twice');
    await story.second.say('Are you still there?');
    await story.conv2.locator('.msg-visitor', { hasText: 'Are you still there?' }).waitFor();
    await story.conv2.getByLabel('Message').fill('Yes, still here.');
    await story.conv2.getByLabel('Message').press('Enter');
    await story.second.event('message', (e) => e.from === 'agent' && JSON.stringify(e).includes('still here'));
    await story.admin.page.locator('#connection', { hasText: 'Connected' }).waitFor({ timeout: 20_000 });
  });

  test('a transfer to a colleague: the colleague gets the history and the visitor\'s address, the agent wraps up', async () => {
    const { page, desk } = story.agent;
    const admin = story.admin;
    await admin.page.getByLabel('My state').selectOption('ready');
    await admin.desk.next('LOGGEDIN');
    const conv2 = story.conv2;
    await conv2.getByText('Transfer or ban').click();
    assert.equal(await conv2.locator('.ban').isVisible(), false, 'no ban for demo-agent');
    await conv2.getByLabel('Transfer to').selectOption({ label: 'Demo Admin' });
    await conv2.getByRole('button', { name: 'Transfer' }).click();
    assert.equal((await desk.next('CONNECTIONCLEARED', (f) => f.chat_id === story.second.chatId)).reason, 'transferred');
    await conv2.locator('.wrapup').waitFor({ state: 'visible' });
    await conv2.getByLabel('Disposition').selectOption('follow_up');
    await conv2.getByRole('button', { name: 'Finish wrap-up' }).click();
    assert.equal((await desk.next('JOBFINISHED', (f) => f.id === story.job2)).reason, 'follow_up');
    await conv2.waitFor({ state: 'detached' });

    await admin.page.locator('.offer').getByRole('button', { name: 'Accept' }).click();
    const adminConv = admin.page.locator('.conversation');
    await adminConv.locator('.msg-agent', { hasText: 'Yes, still here.' }).waitFor();
    await adminConv.locator('.msg-visitor', { hasText: 'Is the lamp in stock?' }).waitFor();
    await adminConv.locator('.visitor-info dt', { hasText: 'IP address' }).waitFor();
    assert.match(await adminConv.locator('.visitor-info').textContent(), /IP address\s*198\.51\.100\.60/);
    story.adminConv = adminConv.first();
  });

  test('the agent ends the chat and submits the wrap-up: JOBFINISHED frees the slot', async () => {
    const { page, desk, errors } = story.agent;
    const conv = story.conv1;
    await conv.getByRole('button', { name: 'End chat' }).click();
    assert.equal((await desk.next('CONNECTIONCLEARED', (f) => f.chat_id === story.chat1)).reason, 'agent');
    const wrapup = conv.locator('.wrapup');
    await wrapup.waitFor({ state: 'visible' });
    await conv.getByText('You ended the chat.').first().waitFor();
    await wrapup.getByLabel('Disposition').selectOption('solved');
    await wrapup.getByLabel('Notes').fill('Opening hours given.');
    await page.screenshot({ path: join(artifactsDir, 'console-wrapup.png') });
    assert.deepEqual(await axe(page), [], 'the desk with a wrap-up form');
    await wrapup.getByRole('button', { name: 'Finish wrap-up' }).click();
    const finished = await desk.next('JOBFINISHED', (f) => f.id === story.job1);
    assert.equal(finished.reason, 'solved');
    assert.deepEqual(desk.commands.find((c) => c.command === 'wrapup_done' && c.job === story.job1),
      { command: 'wrapup_done', job: story.job1, disposition: 'solved', notes: 'Opening hours given.' });
    await conv.waitFor({ state: 'detached' });
    await page.locator('#empty').waitFor({ state: 'visible' });
    await inWidget(story.visitor, '.notice').filter({ hasText: /ended/i }).first().waitFor();

    // With no chat left the agent signs out; the cookie is gone, so a reload asks again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You signed out.').waitFor();
    await page.reload();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    assert.deepEqual(errors, []);
  });

  test('the visitor comes back: the colleague sees the earlier chat in the visitor box and reads it', async () => {
    const admin = story.admin;
    const { visitor } = story;
    // The widget offers a new conversation after the end; the visitor is the same browser.
    await inWidget(visitor, '.notice .action').filter({ hasText: /new|start|restart/i }).first().click();
    await until('a new widget conversation', async () => {
      const { sessionId } = (await widget(visitor).state()).conversation;
      return sessionId && sessionId !== story.widgetVisitor.sessionId;
    });
    const back = new HttpVisitor(server, fixtures.url);
    back.sessionId = (await widget(visitor).state()).conversation.sessionId;
    // The session token as the widget keeps it (never in the public state).
    back.token = await visitor.evaluate(() => {
      const key = Object.keys(sessionStorage).find((k) => k.endsWith(':session'));
      return JSON.parse(sessionStorage.getItem(key)).token;
    });
    assert.equal((await back.askForHuman()).outcome, 'offered');
    await admin.page.locator('.offer').getByRole('button', { name: 'Accept' }).click();
    const conv3 = admin.page.locator('.conversation').nth(1);
    const earlier = conv3.locator('.visitor-info details', { hasText: /\d/ });
    await conv3.locator('.visitor-info dt', { hasText: 'Earlier chats (1)' }).waitFor();
    await earlier.locator('summary').click();
    await earlier.locator('.msg-agent', { hasText: 'Hello, I am' }).waitFor();
    await earlier.locator('.msg-visitor', { hasText: 'What are your opening hours?' }).waitFor();
    await conv3.getByRole('button', { name: 'End chat' }).click();
    await conv3.locator('.wrapup').waitFor({ state: 'visible' });
    await conv3.getByRole('button', { name: 'Finish wrap-up' }).click();
    await conv3.waitFor({ state: 'detached' });
  });

  test('the operator allowed to see addresses bans the visitor\'s IP; the visitor who leaves starts the colleague\'s wrap-up', async () => {
    const admin = story.admin;
    const conv = story.adminConv;
    await conv.getByText('Transfer or ban').click();
    await conv.getByLabel('Ban the visitor\'s IP address for').selectOption({ label: '1 hour' });
    await conv.getByRole('button', { name: 'Ban IP address' }).click();
    const banned = await admin.desk.next('IP_BANNED');
    assert.ok(banned.until > Date.now());
    await conv.locator('.conv-status', { hasText: 'banned until' }).waitFor();
    const refused = await fetch(`${server.url}/api/v1/sites/demo/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: localhost(), 'x-forwarded-for': SECOND_VISITOR_IP },
      body: JSON.stringify({ locale: 'en', anonymous_id: 'anon-console-banned-1' }),
    });
    assert.equal(refused.status, 403);
    assert.equal(await story.second.leave(), 204);
    await conv.locator('.wrapup').waitFor({ state: 'visible' });
    await conv.getByText('The visitor left the chat.').first().waitFor();
    for (const party of [story.agent, story.admin]) await party.context.close();
    await story.visitorContext.close();
  });
});

