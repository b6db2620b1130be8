// "Continue" on the idle warning keeps the session alive: the widget sends the `continue`
// frame on the websocket, or POST .../continue on long-poll (also once the network is back),
// and hides the notice. Against the real server (idle timeout 10 s, warning 9 s before) the
// session outlives its first deadline after a Continue, then expires 10 s after it; axe
// checks the expiring and expired notices as the server sends them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, desktop, inWidget, setUp, widget } from './harness.mjs';
import { FakeApi } from './fake-api.mjs';
import { apiMissing, useConfig } from './real-config.mjs';

/** The fake API, also answering POST .../continue and recording websocket frames. */
class KeepAliveApi extends FakeApi {
  constructor(options) {
    super(options);
    this.frames = [];
    this.continues = 0;
    this.continueStatus = 204;
  }

  async http(route) {
    const request = route.request();
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/continue') && !this.down) {
      this.continues += 1;
      if (this.continueStatus === 204) return route.fulfill({ status: 204, headers: { 'access-control-allow-origin': '*' } });
      return this.json(route, this.continueStatus, { error: { code: 'session_expired', message: 'expired' } });
    }
    return super.http(route);
  }

  socket(ws) {
    const listen = ws.onMessage.bind(ws);
    ws.onMessage = (handler) => listen((text) => {
      this.frames.push(JSON.parse(String(text)));
      handler(text);
    });
    super.socket(ws);
  }
}

let env;
let missing = 'not probed yet';
before(async () => {
  useConfig({ dialog: 'every-response', idleTimeoutS: 10, idleWarningS: 9 });
  env = await setUp();
  missing = await apiMissing(env);
});
after(async () => { await env?.stop(); });

const continueButton = (page) => inWidget(page, '[part~="notice-action"]').filter({ hasText: 'Continue' });
const activeTag = (page) => page.evaluate(() => document.querySelector('.staffetta-root').shadowRoot.activeElement?.tagName);

async function openWith(fake) {
  const context = await env.browser.newContext(desktop);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (fake) await fake.install(page);
  await page.goto(`${env.fixtures}/plain`);
  const w = widget(page);
  await w.ready();
  await page.evaluate(() => {
    window.__expiring = [];
    window.__expired = 0;
    const instance = window.Staffetta.instances.default;
    instance.on('session:expiring', (e) => window.__expiring.push(e.event.expires_at));
    instance.on('session:expired', () => { window.__expired += 1; });
  });
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });
  return { context, page, w, errors };
}

function warn(fake) {
  fake.push({ type: 'session_expiring', expires_at: Date.now() + 60_000, text: 'Are you still there?' });
}

describe('with the fake API', () => {
  test('Continue sends the continue frame on the websocket and hides the notice', async () => {
    const fake = new KeepAliveApi();
    const { context, page, w, errors } = await openWith(fake);
    warn(fake);
    await continueButton(page).click();
    await page.waitForFunction(() => document.querySelector('.staffetta-root').shadowRoot.querySelector('[part~="notice"]')?.closest('.msg').hidden);
    assert.deepEqual(fake.frames.filter((f) => f.type === 'continue'), [{ type: 'continue' }]);
    assert.equal(fake.frames.filter((f) => f.type === 'ping').length, 0, 'no ping stands in for it');
    assert.equal(fake.continues, 0, 'no HTTP call on the websocket');
    assert.equal(await activeTag(page), 'TEXTAREA', 'focus goes to the composer, not to the page');
    assert.equal((await w.state()).conversation.transport, 'websocket');

    await page.reload();
    await w.ready();
    await inWidget(page, '.msg-bot .bubble').first().waitFor();
    assert.equal(await continueButton(page).count(), 0, 'the notice stays hidden after a reload');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('on long-poll Continue is POST .../continue', async () => {
    const fake = new KeepAliveApi({ blockWebSocket: true });
    const { context, page, w } = await openWith(fake);
    warn(fake);
    await continueButton(page).click();
    await page.waitForFunction(() => !document.querySelector('.staffetta-root').shadowRoot.querySelector('[part~="notice-action"]'));
    await waitFor(() => fake.continues === 1);
    assert.equal((await w.state()).conversation.transport, 'long-poll');
    await context.close();
  });

  test('a Continue made while the network is down is sent once it is back', async () => {
    const fake = new KeepAliveApi({ blockWebSocket: true });
    const { context, page } = await openWith(fake);
    warn(fake);
    await continueButton(page).waitFor();
    fake.down = true;
    await continueButton(page).click();
    await page.waitForTimeout(300);
    assert.equal(fake.continues, 0);
    fake.down = false;
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await waitFor(() => fake.continues === 1);
    await page.waitForTimeout(500);
    assert.equal(fake.continues, 1, 'sent once');
    await context.close();
  });

  test('the idle warning names the time left when shown, counts down, and is not shown after a reload once its deadline passed', async () => {
    const fake = new KeepAliveApi();
    const { context, page, w, errors } = await openWith(fake);
    // The server wrote its text with the time left then; the deadline is what counts.
    const expiresAt = Date.now() + 3_000;
    fake.push({ type: 'session_expiring', expires_at: expiresAt, text: 'Are you still there? This chat will close in 1 minute.' });
    await continueButton(page).waitFor();
    const notice = inWidget(page, '[part~="notice"] p').filter({ hasText: 'still there' });
    const first = await notice.textContent();
    assert.match(first, /^Are you still there\? The conversation will end in [23] seconds\.$/);
    await page.waitForFunction(() => /in 1 second\.$/.test(document.querySelector('.staffetta-root').shadowRoot.querySelector('[part~="notice"] p[data-deadline]')?.textContent || ''));
    // Counted down on screen, not announced every second: screen readers get the first text.
    assert.equal(await notice.getAttribute('aria-hidden'), 'true');
    assert.equal(await inWidget(page, '[part~="notice"] .sr-only').textContent(), first);
    assert.deepEqual(await axe(page), []);

    // The page is away until after the deadline: the warning is not current any more.
    while (Date.now() <= expiresAt + 100) await new Promise((r) => setTimeout(r, 100));
    await page.reload();
    await w.ready();
    await inWidget(page, '.msg-bot .bubble').first().waitFor();
    assert.equal(await continueButton(page).count(), 0, 'no Continue on a past warning');
    assert.equal(await inWidget(page, '[part~="notice"]').filter({ hasText: 'still there' }).filter({ visible: true }).count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a message the visitor wrote in another tab answers the idle warning', async () => {
    const fake = new KeepAliveApi();
    const { context, page, errors } = await openWith(fake);
    warn(fake);
    await continueButton(page).waitFor();
    fake.push({ type: 'message', from: 'visitor', at: Date.now(), client_message_id: 'from-another-tab', input: { text: 'still here' } });
    await inWidget(page, '.msg-visitor').filter({ hasText: 'still here' }).waitFor();
    assert.equal(await continueButton(page).count(), 0);
    assert.equal(await inWidget(page, '[part~="notice"]').filter({ hasText: 'still there' }).filter({ visible: true }).count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a Continue refused with 410 shows the expired notice with Restore', async () => {
    const fake = new KeepAliveApi({ blockWebSocket: true });
    fake.continueStatus = 410;
    const { context, page, w } = await openWith(fake);
    warn(fake);
    await continueButton(page).click();
    await inWidget(page, '[part~="notice-action"]').filter({ hasText: 'Restore the conversation' }).waitFor();
    assert.equal((await w.state()).conversation.status, 'expired');
    await context.close();
  });
});

describe('against the real server (idle timeout 10 s, warning at 1 s)', () => {
  test('after Continue the session outlives its first deadline, then expires 10 s after the click', async (t) => {
    if (missing) return t.skip(missing);
    const { context, page, errors } = await openWith(null);
    await continueButton(page).waitFor({ timeout: 10_000 });
    const [firstExpiry] = await page.evaluate(() => window.__expiring);
    assert.deepEqual(await axe(page), [], 'the expiring notice, as the server sends it');
    const clickedAt = Date.now();
    await continueButton(page).click();

    // The next warning comes 1 s after the click, for an expiry 10 s after it.
    await page.waitForFunction(() => window.__expiring.length === 2, null, { timeout: 10_000 });
    const secondExpiry = (await page.evaluate(() => window.__expiring))[1];
    assert.ok(secondExpiry - firstExpiry >= 900, `expiry moved from ${firstExpiry} to ${secondExpiry}`);
    assert.ok(Math.abs(secondExpiry - (clickedAt + 10_000)) < 2_000, 'about 10 s after the click');

    // Left alone this time: it expires at the new deadline, not before.
    await inWidget(page, '[part~="notice-action"]').filter({ hasText: 'Restore the conversation' }).waitFor({ timeout: 15_000 });
    assert.ok(Date.now() >= firstExpiry + 500, 'alive past the first deadline');
    assert.equal(await page.evaluate(() => window.__expired), 1);
    assert.equal(await continueButton(page).count(), 0, 'no Continue left on an expired session');
    assert.deepEqual(await axe(page), [], 'the expired notice with Restore');

    // Restore starts a new session whose seqs start at 1 again: its replies are shown,
    // also after a reload (the old conversation's higher seqs hid them).
    const sizes = inWidget(page, '.msg-bot').filter({ hasText: 'Pick a size' });
    assert.equal(await sizes.count(), 0);
    const expiredSession = (await widget(page).state()).conversation.sessionId;
    await inWidget(page, '[part~="notice-action"]').filter({ hasText: 'Restore the conversation' }).click();
    await page.waitForFunction((old) => {
      const id = window.Staffetta.instances.default.getState().conversation.sessionId;
      return id && id !== old;
    }, expiredSession);
    await inWidget(page, 'textarea').fill('Sizes');
    await inWidget(page, 'textarea').press('Enter');
    await sizes.first().waitFor({ timeout: 5_000 });
    await page.reload();
    await widget(page).ready();
    await sizes.first().waitFor();
    await inWidget(page, 'textarea').fill('Sizes');
    await inWidget(page, 'textarea').press('Enter');
    await page.waitForFunction(() => {
      const root = document.querySelector('.staffetta-root').shadowRoot;
      return [...root.querySelectorAll('.msg-bot')].filter((m) => m.textContent.includes('Pick a size')).length === 2;
    }, null, { timeout: 5_000 });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a message written after the idle expiry goes to a new conversation and is answered', async (t) => {
    if (missing) return t.skip(missing);
    const { context, page, w, errors } = await openWith(null);
    const restore = inWidget(page, '[part~="notice-action"]').filter({ hasText: 'Restore the conversation' });
    await restore.waitFor({ timeout: 20_000 });
    const expiredSession = (await w.state()).conversation.sessionId;
    const sizes = inWidget(page, '.msg-bot').filter({ hasText: 'Pick a size' });
    assert.equal(await sizes.count(), 0);

    // What the expired notice invites: write, without pressing Restore first.
    await inWidget(page, 'textarea').fill('Sizes');
    await inWidget(page, 'textarea').press('Enter');
    await sizes.first().waitFor({ timeout: 10_000 });
    const state = (await w.state()).conversation;
    assert.notEqual(state.sessionId, expiredSession, 'a new session');
    assert.notEqual(state.status, 'expired');
    assert.equal(state.queued, 0, 'nothing left unsent');
    assert.equal(await inWidget(page, '.msg-visitor').filter({ hasText: 'Sending' }).count(), 0);
    assert.equal(await restore.count(), 0, 'the expired notice offers no Restore any more');
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('on long-poll Continue moves the expiry too', async (t) => {
    if (missing) return t.skip(missing);
    const context = await env.browser.newContext(desktop);
    await context.routeWebSocket(/./, (ws) => ws.close({ code: 1008, reason: 'blocked by the test' }));
    const page = await context.newPage();
    await page.goto(`${env.fixtures}/plain`);
    const w = widget(page);
    await w.ready();
    await page.evaluate(() => {
      window.__expiring = [];
      window.Staffetta.instances.default.on('session:expiring', (e) => window.__expiring.push(e.event.expires_at));
    });
    await inWidget(page, '.launcher-button').click();
    await continueButton(page).waitFor({ timeout: 10_000 });
    assert.equal((await w.state()).conversation.transport, 'long-poll');
    await continueButton(page).click();
    await page.waitForFunction(() => window.__expiring.length === 2, null, { timeout: 10_000 });
    const [first, second] = await page.evaluate(() => window.__expiring);
    assert.ok(second - first >= 900, `expiry moved from ${first} to ${second}`);
    await context.close();
  });
});

async function waitFor(check, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
