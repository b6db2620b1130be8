// A message that races an admin erasure of the visitor (acceptance review of session 9): the
// server answers it 404 `session_not_found`, and the widget told the visitor the conversation
// "ended because of inactivity", with a Restore button that would have started a new session
// carrying the erased conversation's state. Now the widget says, without claiming a cause,
// that the conversation is no longer available, drops what it kept of it (history, state,
// the unsent message) and offers a new conversation, which starts without `restore`.
// Against the real server and its admin API.
//
// An erasure while the tab is open and idle (session 10): the tab kept the erased
// conversation (shown, and in sessionStorage) under "The conversation has ended." until the
// visitor's next call got 404. Now the server closes its socket with 4404 after an `error`
// frame `session_not_found` (and answers a waiting long-poll 404), and the tab drops the
// conversation at once, with no action of the visitor.
//
// The erasure ends a live conversation first (`conversation_ended` by `system`), and the tab
// briefly showed "The conversation has ended." before "This conversation is no longer
// available." (session 11). Now it shows only the latter.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, desktop, inWidget, openChat, setUp } from './harness.mjs';
import { ADMIN_TOKEN, until, useHandoffConfig } from './handoff-server.mjs';

let env;
before(async () => {
  useHandoffConfig();
  env = await setUp();
});
after(async () => { await env?.stop(); });

async function eraseVisitorOf(context) {
  const cookie = (await context.cookies()).find((c) => c.name === 'staffetta_aid');
  assert.ok(cookie, 'the anonymous id cookie');
  const erased = await fetch(`${env.server}/api/v1/admin/sites/demo/users/${encodeURIComponent(`a:${cookie.value}`)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(erased.status, 200, await erased.text());
}

/** The tab says the conversation is no longer available and keeps nothing of it. */
async function droppedWithoutAction(page, words) {
  const notice = inWidget(page, '.notice p').filter({ hasText: 'This conversation is no longer available.' });
  await notice.waitFor({ timeout: 15_000 });
  assert.equal(await inWidget(page, '.msg-visitor').count(), 0, 'the erased conversation is not shown any more');
  const kept = await page.evaluate(() => [sessionStorage.getItem('staffetta:default:session'), sessionStorage.getItem('staffetta:default:history')].join('\n'));
  assert.ok(!kept.includes(words), kept);
  const session = JSON.parse(await page.evaluate(() => sessionStorage.getItem('staffetta:default:session')));
  assert.equal(session.sessionId, '');
  assert.equal(session.state, null);
  assert.equal(await inWidget(page, '[part~="notice-action"]').filter({ hasText: 'Start a new conversation' }).count(), 1);
}

async function say(page, words) {
  await inWidget(page, 'textarea').fill(words);
  await inWidget(page, 'textarea').press('Enter');
}

test('a message that races an erasure says the conversation is no longer available, and nothing restores it', async () => {
  const context = await env.browser.newContext(desktop);
  const { page, w, errors } = await openChat(env, context);
  await page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation.status === 'online');
  await say(page, 'what are your opening hours?');
  await inWidget(page, '.msg-visitor').filter({ hasText: 'opening hours' }).waitFor();
  const before = (await w.state()).conversation.sessionId;

  // The next message is held on its way until the erasure has answered.
  let held;
  const reached = new Promise((resolve) => {
    page.route(/\/sessions\/[^/]+\/message$/, (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      held = route;
      resolve();
      return undefined;
    });
  });
  const starts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/v1\/sites\/demo\/sessions$/.test(r.url())) starts.push(JSON.parse(r.postData() || '{}'));
  });
  await say(page, 'my order number is 1234');
  await reached;

  const cookie = (await context.cookies()).find((c) => c.name === 'staffetta_aid');
  assert.ok(cookie, 'the anonymous id cookie');
  const erased = await fetch(`${env.server}/api/v1/admin/sites/demo/users/${encodeURIComponent(`a:${cookie.value}`)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(erased.status, 200, await erased.text());
  await held.continue();

  const notice = inWidget(page, '.notice p').filter({ hasText: 'This conversation is no longer available.' });
  await notice.waitFor({ timeout: 15_000 });
  assert.equal(await inWidget(page, '.notice').filter({ hasText: 'inactivity' }).count(), 0, 'no claim of inactivity');
  assert.equal(await inWidget(page, '[part~="notice-action"]').filter({ hasText: 'Restore' }).count(), 0, 'no Restore');
  assert.equal(await inWidget(page, '.msg-visitor').count(), 0, 'the erased conversation is not shown any more');
  const kept = await page.evaluate(() => [sessionStorage.getItem('staffetta:default:session'), sessionStorage.getItem('staffetta:default:history')].join('\n'));
  assert.ok(!kept.includes('opening hours') && !kept.includes('1234'), kept);
  assert.equal(JSON.parse(await page.evaluate(() => sessionStorage.getItem('staffetta:default:session'))).state, null);
  assert.deepEqual(await axe(page), []);
  const asked = await page.evaluate(() => window.Staffetta.instances.default.requestAgent().then(
    () => null,
    (e) => ({ status: e.status, code: e.code }),
  ));
  assert.deepEqual(asked, { status: 404, code: 'session_not_found' }, 'no handoff of a conversation that is gone, and no claim of expiry');

  await inWidget(page, '[part~="notice-action"]').filter({ hasText: 'Start a new conversation' }).click();
  const after = await until('a new session', async () => {
    const c = (await w.state()).conversation;
    return c.sessionId && c.sessionId !== before && c.status === 'online' ? c.sessionId : null;
  }, 15_000);
  assert.notEqual(after, before);
  assert.equal(starts.length, 1, JSON.stringify(starts));
  assert.equal(starts[0].restore, undefined, 'the new conversation carries nothing of the erased one');
  assert.deepEqual(errors, []);
  await context.close();
});

for (const transport of ['websocket', 'long-poll']) {
  test(`an erasure while the tab is open drops the conversation from the tab at once (${transport})`, async () => {
    const context = await env.browser.newContext(desktop);
    if (transport === 'long-poll') await context.routeWebSocket(/./, (ws) => ws.close({ code: 1008, reason: 'blocked by the test' }));
    const { page, w, errors } = await openChat(env, context);
    await say(page, 'what are your opening hours?');
    await inWidget(page, '.msg-visitor').filter({ hasText: 'opening hours' }).waitFor();
    await until(`the tab is on ${transport}`, async () => {
      const c = (await w.state()).conversation;
      return c.transport === transport && (c.status === 'online' || c.status === 'polling');
    }, 15_000);
    const requests = [];
    page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
    // Every text the message list shows from now on, however briefly.
    await page.evaluate(() => {
      window.shown_ = [];
      const list = document.querySelector('.staffetta-root').shadowRoot.querySelector('[part="messages"]');
      new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach((n) => window.shown_.push(n.textContent)))).observe(list, { childList: true, subtree: true });
    });

    await eraseVisitorOf(context);
    await droppedWithoutAction(page, 'opening hours');
    const shown = await page.evaluate(() => window.shown_);
    assert.ok(shown.some((t) => t.includes('This conversation is no longer available.')), JSON.stringify(shown));
    assert.deepEqual(shown.filter((t) => t.includes('ended')), [], 'never "The conversation has ended." on the way');
    assert.deepEqual(requests.filter((r) => r.startsWith('POST ')), [], 'the visitor did nothing');
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
