// The widget on a site that requires a signed identity token, against the real server: a page
// whose identity is missing or refused hears the server's reason through onError (it is not
// told that a sign-in expired), and a token that expires mid-conversation waits quietly for
// the page's new one, which reaches the server (PUT .../identity) on the websocket and on
// long-poll alike, so the message written meanwhile is sent and answered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { desktop, inWidget, setUp } from './harness.mjs';
import { apiMissing, useConfig } from './real-config.mjs';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'browser-test';

/** An RS256 identity token for the `demo` site, expiring `ttlS` seconds from now. */
function token(sub, ttlS, aud = 'demo') {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid: KID })}.${part({ sub, iss: 'https://shop.test', aud, exp: now + ttlS })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
  return `${unsigned}.${signature}`;
}

let env;
let missing = 'not probed yet';
before(async () => {
  useConfig({
    dialog: 'bottega-aurora',
    repoDialogs: true,
    identity: { kid: KID, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) },
  });
  env = await setUp();
  missing = await apiMissing(env);
});
after(async () => { await env?.stop(); });

/**
 * Opens the bare fixture, creates the widget with `options` (and an `onError` that records),
 * counts its `identityTokenExpired` events and opens the window. `blockWebSocket` forces
 * long-poll. Resolves with { page, requests } (`requests`: "METHOD /path STATUS" of API calls).
 */
async function openWidget(options, { blockWebSocket = false } = {}) {
  const context = await env.browser.newContext(desktop);
  if (blockWebSocket) await context.routeWebSocket(/./, (ws) => ws.close({ code: 1008, reason: 'blocked by the test' }));
  const page = await context.newPage();
  const requests = [];
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/api/')) requests.push(`${r.request().method()} ${url.pathname.replace(/^.*\/sessions\/[^/]+/, '/sessions/ID')} ${r.status()}`);
  });
  await page.goto(`${env.fixtures}/bare`);
  await page.waitForFunction(() => window.Staffetta && window.Staffetta.create);
  await page.evaluate((o) => {
    window.errors_ = [];
    window.expired_ = 0;
    return window.Staffetta.create({ siteId: 'demo', serverUrl: o.server, ...o.options, onError: (e) => window.errors_.push(e) }).then((i) => {
      i.on('identityTokenExpired', () => { window.expired_ += 1; });
      return i.render().then(() => i.open());
    });
  }, { server: env.server, options });
  return { page, context, requests };
}

const errors = (page) => page.evaluate(() => window.errors_);
const expiredCount = (page) => page.evaluate(() => window.expired_);
const state = (page) => page.evaluate(() => window.Staffetta.instances.default.getState().conversation);
const botBubbles = (page) => inWidget(page, '.msg-bot .bubble, .msg-bot .group').count();

async function until(what, check, timeout = 15_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a site that requires an identity token', () => {
  test('a page without a token hears identity_required through onError, not that a sign-in expired', async (t) => {
    if (missing) return t.skip(missing);
    const { page, context } = await openWidget({ userID: 'customer-42' });
    const error = await until('an error', async () => (await errors(page)).find((e) => e.code === 'identity_required'));
    assert.match(error.message, /identity/i, 'the server\'s message is passed on');
    assert.equal(await expiredCount(page), 0);
    // The visitor cannot chat on this page: they read that, not that a sign-in expired.
    const banner = await inWidget(page, '[part~="banner"]').innerText();
    assert.match(banner, /not available/);
    assert.doesNotMatch(banner, /sign-in/i);
    await context.close();
  });

  test('a token the site\'s keys refuse is reported as invalid_identity_token', async (t) => {
    if (missing) return t.skip(missing);
    const { page, context } = await openWidget({ identityToken: token('customer-42', 600, 'another-site') });
    await until('an error', async () => (await errors(page)).some((e) => e.code === 'invalid_identity_token'));
    assert.equal(await expiredCount(page), 0);
    await context.close();
  });

  for (const transport of ['websocket', 'long-poll']) {
    test(`a token expiring mid-conversation waits for the page's new one, which the server gets (${transport})`, async (t) => {
      if (missing) return t.skip(missing);
      // Expires 3 s after the start: the start's answer is written before the expiry.
      const { page, context, requests } = await openWidget(
        { identityToken: token('customer-7', 3) },
        { blockWebSocket: transport === 'long-poll' },
      );
      await until('identityTokenExpired', async () => (await expiredCount(page)) > 0);
      await until(`the ${transport}`, async () => (await state(page)).transport === transport);
      const before = await botBubbles(page);
      await inWidget(page, 'textarea').fill('opening hours');
      await inWidget(page, 'textarea').press('Enter');
      // Nothing is sent while the identity is expired, and nothing loops.
      const calls = requests.length;
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(requests.length - calls < 5, `quiet while waiting for a token, got:\n${requests.slice(calls).join('\n')}`);
      assert.equal((await state(page)).queued, 1, 'the message waits');
      await page.evaluate((fresh) => window.Staffetta.instances.default.updateIdentityToken(fresh), token('customer-7', 600));
      await until('the bot\'s answer', async () => (await botBubbles(page)) > before, 20_000);
      assert.ok(requests.includes('PUT /sessions/ID/identity 204'), `the new token reached the server:\n${requests.join('\n')}`);
      assert.equal(requests.filter((r) => r === 'POST /sessions/ID/message 401').length, 0, 'no message refused for the identity');
      assert.equal(await expiredCount(page), 1, 'one expiry, one event');
      assert.equal((await state(page)).queued, 0);
      assert.deepEqual(await errors(page), []);
      await context.close();
    });
  }
});
