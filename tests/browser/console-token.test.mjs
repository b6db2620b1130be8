// The agent console keeps its socket, its state and its chats while short-lived access tokens
// expire, without a page reload, against the real server in headless Debian chromium. The
// only server setting changed is `agent.access_token_ttl_s` (900 s by default), set to 4 s
// through the config's environment variables so tokens expire during the test: the server
// warns (TOKEN_EXPIRING) about 2 s before each expiry, the console refreshes over HTTP and
// renews the token on the same socket (`reauth`, TOKEN_RENEWED), and the chat goes on. Then
// the refresh call is made to fail: the token runs out, the server sends ERROR token_expired
// and closes with 1008, and once the refresh works again the console reconnects on its own,
// within the grace period, with the chat still open and the visitor none the wiser. Waits are
// for conditions only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpVisitor, launchConsoleBrowser, openConsole, signIn, startServer, until } from './console-server.mjs';

let server;
let browser;

before(async () => {
  process.env.STAFFETTA__AGENT__ACCESS_TOKEN_TTL_S = '4';
  server = await startServer();
  browser = await launchConsoleBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the console renews its expiring token in-band, and after a missed renewal reconnects by itself with its chat', async () => {
  const { page, desk, errors } = await openConsole(browser, server);
  await signIn(page, server);
  await desk.next('SNAPSHOT');
  // Survives only as long as the page is not reloaded.
  await page.evaluate(() => { window.__samePage = true; });

  const visitor = new HttpVisitor(server, `http://localhost:${new URL(server.url).port}`);
  await visitor.start('console-token-visitor-1', 'https://shop.example/token');
  await visitor.askForHuman();
  await page.locator('.offer').getByRole('button', { name: 'Accept' }).click();
  await desk.next('ESTABLISHED');
  const conv = page.locator('.conversation');
  await conv.locator('.conv-phase', { hasText: 'Live' }).waitFor();

  // Two tokens expire under the open socket: each is renewed on it.
  const renewed = () => desk.frames.filter((f) => f.event === 'TOKEN_RENEWED');
  await until('two renewals', () => renewed().length >= 2, 20_000);
  assert.equal(desk.sockets, 1, 'the socket was never replaced');
  const reauths = desk.commands.filter((c) => c.command === 'reauth');
  assert.ok(reauths.length >= 2 && reauths.every((c) => typeof c.token === 'string' && c.token.length > 20), JSON.stringify(reauths));
  assert.ok(renewed()[1].expires_at > renewed()[0].expires_at, 'each renewal moves the expiry');
  assert.deepEqual(desk.frames.filter((f) => f.event === 'ERROR'), []);
  await visitor.say('Still with me?');
  await conv.locator('.msg-visitor', { hasText: 'Still with me?' }).waitFor();
  await conv.getByLabel('Message').fill('Yes, right here.');
  await conv.getByLabel('Message').press('Enter');
  await visitor.event('message', (e) => e.from === 'agent' && JSON.stringify(e).includes('right here'));

  // The refresh fails (a network error): no renewal, the token runs out.
  const refreshCall = /\/api\/v1\/agent\/refresh$/;
  await page.route(refreshCall, (route) => route.abort());
  const expired = await desk.next('ERROR', (f) => f.code === 'token_expired', 20_000);
  assert.equal(expired.command, undefined, 'the expiry is not the answer to a command');
  await page.unroute(refreshCall);
  await until('a new console socket', () => desk.sockets === 2, 20_000);
  await page.locator('#connection', { hasText: 'Connected' }).waitFor({ timeout: 20_000 });
  assert.equal(desk.frames.filter((f) => f.event === 'SNAPSHOT').length, 2);
  assert.equal(await page.evaluate(() => window.__samePage), true, 'no page reload');
  assert.equal(await page.locator('#login-view').isVisible(), false, 'no password asked');
  assert.equal(await conv.count(), 1, 'the chat is still open');
  assert.equal(await conv.locator('.msg-agent', { hasText: 'Yes, right here.' }).count(), 1, 'its lines are kept, once');
  await visitor.say('And now?');
  await conv.locator('.msg-visitor', { hasText: 'And now?' }).waitFor();
  // The new socket renews its token too.
  const renewalsBefore = renewed().length;
  await until('a renewal on the new socket', () => renewed().length > renewalsBefore, 20_000);
  assert.equal(desk.sockets, 2);
  // K-05: the access token travels as a subprotocol, never in the socket's URL (proxy logs).
  assert.deepEqual(desk.urls.map((u) => new URL(u).search), ['', ''], 'no token in the websocket URLs');
  assert.deepEqual((await visitor.events()).filter((e) => e.type === 'agent_left'), [], 'the visitor never lost the agent');
  assert.equal(await page.locator('#alerts').textContent(), '', 'nothing to alarm the agent');
  assert.deepEqual(errors.filter((e) => !/ERR_FAILED/.test(e)), []);
  await page.context().close();
});
