// The chat window against the visitor wire contract, served by the in-test FakeApi
// (fake-api.mjs) until the real API exists: every response type renders and is operable,
// the 5-option threshold, the date picker (typed in the locale's format or picked), axe on
// a conversation showing every type, websocket blocked -> long-poll, reload keeps the
// history and resumes after the last seq, messages typed while the network is down are
// sent once when it is back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, axe, desktop, inWidget, setUp, widget } from './harness.mjs';
import { FakeApi } from './fake-api.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

const text = (t) => ({ response_type: 'text', text: t, html: `<p>${t}</p>` });
const sizes = ['XS', 'S', 'M', 'L', 'XL'].map((v) => ({ label: v, value: v.toLowerCase() }));
const colours = [{ label: 'Red', value: 'red' }, { label: 'Green', value: 'green' }, { label: 'Blue', value: 'blue' }];

function everything() {
  return [
    {
      response_type: 'text', text: 'See **this**',
      html: '<p>See <strong>this</strong>, <a href="https://example.com/a">a link</a> and https://example.com/bare.</p>' +
        '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2" alt="">',
    },
    { response_type: 'pause', time: 200, typing: true },
    { response_type: 'option', title: 'Pick a colour', options: colours, preference: 'button' },
    { response_type: 'option', title: 'Pick a size', options: sizes, preference: 'dropdown' },
    { response_type: 'date' },
    { response_type: 'image', source: '/demo/media/vase.svg', title: 'Terracotta vase', alt_text: 'Terracotta vase with a blue band' },
    { response_type: 'audio', source: '/demo/media/chime.wav', title: 'The shop door chime' },
    { response_type: 'video', source: '/demo/media/chime.wav', title: 'Workshop tour (sound only)' },
    { response_type: 'iframe', source: 'https://maps.example.test/embed', title: 'Map to the shop' },
    { response_type: 'connect_to_agent', message_to_agent: 'The visitor asks for a person' },
  ];
}

async function start(fake, options = desktop) {
  const context = await env.browser.newContext(options);
  // The iframe item's https host, answered here (no network).
  await context.route('https://maps.example.test/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>map</title>' }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await fake.install(page);
  await page.goto(`${env.fixtures}/plain`);
  const w = widget(page);
  await w.ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor();
  return { context, page, w, errors };
}

async function until(check, timeout = 5000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function say(page, words) {
  await inWidget(page, 'textarea').fill(words);
  await inWidget(page, 'textarea').press('Enter');
}

// "Estimated wait" was rounded up to whole minutes: 10 s read "1 minute", and the queue_update
// of a chat offered to an agent at once (estimate 0) read "Estimated wait: 1 minute" too.
test('the estimated wait says seconds under a minute, minutes from a minute up, and nothing for none or without one', async () => {
  const fake = new FakeApi({ reply: () => [] });
  const { context, page, errors } = await start(fake);
  const notices = () => inWidget(page, '.notice p').allTextContents();
  fake.push({ type: 'queue_update', position: 2, estimated_wait_s: 10 });
  await inWidget(page, '.notice').filter({ hasText: 'Estimated wait: 10 seconds.' }).waitFor();
  fake.push({ type: 'queue_update', position: 1, estimated_wait_s: 1 });
  await inWidget(page, '.notice').filter({ hasText: 'Estimated wait: 1 second.' }).waitFor();
  fake.push({ type: 'queue_update', position: 1, estimated_wait_s: 90 });
  await inWidget(page, '.notice').filter({ hasText: 'Estimated wait: 2 minutes.' }).waitFor();
  fake.push({ type: 'queue_update', position: 1, estimated_wait_s: 0 });
  await until(async () => (await notices()).filter((n) => n.startsWith('You are number 1')).length === 3);
  // No estimate at all (nobody could be offered the chat now): the place only.
  fake.push({ type: 'queue_update', position: 3 });
  await inWidget(page, '.notice').filter({ hasText: 'You are number 3 in the queue.' }).waitFor();
  assert.deepEqual((await notices()).filter((n) => n.startsWith('You are number')), [
    'You are number 2 in the queue. Estimated wait: 10 seconds.',
    'You are number 1 in the queue. Estimated wait: 1 second.',
    'You are number 1 in the queue. Estimated wait: 2 minutes.',
    'You are number 1 in the queue.',
    'You are number 3 in the queue.',
  ]);
  assert.deepEqual(errors, []);
  await context.close();
});

test('every response type renders, server HTML stays inert, and axe finds no violation', async () => {
  const fake = new FakeApi({ reply: (input) => (input.text === 'show everything' ? everything() : []) });
  const { context, page, errors } = await start(fake);
  assert.equal(fake.started.anonymous_id.length, 36);
  assert.equal(fake.started.locale, 'en');
  await say(page, 'show everything');
  await inWidget(page, '[part~="iframe"]').waitFor({ state: 'attached' });
  fake.push({ type: 'agent_joined', agent_name: 'Giulia' });
  fake.push({ type: 'message', from: 'agent', at: Date.now(), agent_name: 'Giulia', output: { generic: [text('Hi, I am Giulia from the workshop.')] } });
  fake.push({ type: 'queue_update', position: 2, estimated_wait_s: 180 });
  fake.push({ type: 'session_expiring', expires_at: Date.now() + 60_000, text: 'Are you still there?' });
  await inWidget(page, '.notice-action, [part~="notice-action"]').waitFor();

  const seen = await page.evaluate(() => {
    const root = document.querySelector('.staffetta-root').shadowRoot;
    const q = (s) => root.querySelectorAll(s);
    return {
      pwned: window.__pwned,
      scripts: q('.messages script').length,
      handlers: [...q('.messages *')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
      links: [...q('.messages a')].map((a) => [a.textContent, a.target, a.rel]),
      colourButtons: q('[part~="option"]').length,
      selects: q('select').length,
      dateInputs: [q('input[type=date]').length, q('input[type=text]').length],
      image: root.querySelector('.img-button img')?.alt,
      audio: q('audio[controls]').length,
      video: q('video[controls]').length,
      iframe: [root.querySelector('iframe')?.title, root.querySelector('iframe')?.getAttribute('sandbox')],
      agentName: root.querySelector('.msg-agent [part~="agent-name"]')?.textContent,
      notices: [...q('.notice p, div.notice')].map((n) => n.textContent),
    };
  });
  assert.equal(seen.pwned, undefined);
  assert.equal(seen.scripts, 0);
  assert.equal(seen.handlers, 0);
  assert.deepEqual(seen.links, [
    ['a link', '_blank', 'noopener noreferrer'],
    ['https://example.com/bare', '_blank', 'noopener noreferrer'],
  ]);
  assert.equal(seen.colourButtons, 3);
  assert.equal(seen.selects, 1);
  assert.deepEqual(seen.dateInputs, [1, 1]);
  assert.equal(seen.image, 'Terracotta vase with a blue band');
  assert.equal(seen.audio, 1);
  assert.equal(seen.video, 1);
  assert.deepEqual(seen.iframe, ['Map to the shop', 'allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox']);
  assert.equal(seen.agentName, 'Giulia');
  for (const expected of ['Checking whether someone from the team is free…', 'Giulia joined the chat.', 'You are number 2 in the queue. Estimated wait: 3 minutes.', 'Are you still there? The conversation will end in 1 minute.']) {
    assert.ok(seen.notices.includes(expected), `notice "${expected}" in ${JSON.stringify(seen.notices)}`);
  }

  await inWidget(page, '.img-button').click();
  await inWidget(page, '.lightbox').waitFor();
  await page.keyboard.press('Escape');
  assert.equal(await inWidget(page, '.lightbox').count(), 0, 'Escape closes the enlarged image');
  assert.equal((await widget(page).state()).isOpen, true, '... and not the window');

  await inWidget(page, '.body').evaluate((body) => { body.scrollTop = body.scrollHeight; });
  await page.screenshot({ path: join(artifactsDir, 'window-conversation.png') });
  assert.deepEqual(await axe(page), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('fewer than five options are buttons, five or more a dropdown; each sends its value once', async () => {
  const fake = new FakeApi({
    reply: (input) => {
      if (input.text === 'colours') return [{ response_type: 'option', title: 'Pick a colour', options: colours }];
      if (input.text === 'sizes') return [{ response_type: 'option', title: 'Pick a size', options: sizes }];
      return [text(`got ${JSON.stringify(input)}`)];
    },
  });
  const { context, page } = await start(fake);
  await say(page, 'colours');
  await inWidget(page, '[part~="option"]').first().waitFor();
  assert.equal(await inWidget(page, 'select').count(), 0);
  await inWidget(page, '[part~="option"]', 'default').filter({ hasText: 'Green' }).click();
  await inWidget(page, '.bubble').filter({ hasText: 'got {"option":"green"}' }).waitFor();
  assert.equal(await inWidget(page, '[part~="option"][aria-pressed="true"]').innerText(), 'Green');
  assert.equal(await inWidget(page, '[part~="option"]:disabled').count(), 3);

  await say(page, 'sizes');
  await inWidget(page, 'select').waitFor();
  await inWidget(page, 'select').selectOption({ label: 'M' });
  await inWidget(page, '[part~="option-submit"]').click();
  await inWidget(page, '.bubble').filter({ hasText: 'got {"option":"m"}' }).waitFor();
  assert.deepEqual(fake.posts.map((p) => p.input), [{ text: 'colours' }, { option: 'green' }, { text: 'sizes' }, { option: 'm' }]);
  await context.close();
});

test('the date picker accepts a date typed in the locale format or picked from the calendar', async () => {
  const fake = new FakeApi({
    reply: (input) => (input.text === 'when' ? [{ response_type: 'date' }] : [text(`got ${JSON.stringify(input)}`)]),
  });
  const { context, page } = await start(fake);
  await say(page, 'when');
  const typed = inWidget(page, '[part~="date-text"]').last();
  await typed.waitFor();
  assert.equal(await typed.getAttribute('placeholder'), '12/24/2031', 'en: month/day/year');
  await typed.fill('24/12/2031');
  await inWidget(page, '[part~="date-submit"]').last().click();
  assert.match(await inWidget(page, '.error').last().innerText(), /not a valid date/);
  assert.equal(await typed.getAttribute('aria-invalid'), 'true');
  await typed.fill('12/24/2031');
  await inWidget(page, '[part~="date-submit"]').last().click();
  await inWidget(page, '.bubble').filter({ hasText: 'got {"date":"2031-12-24"}' }).waitFor();
  assert.equal(await inWidget(page, '.msg-visitor .bubble').last().textContent(), 'You: December 24, 2031');

  await say(page, 'when');
  await inWidget(page, '[part~="date-picker"]').nth(1).fill('2031-01-05');
  assert.equal(await inWidget(page, '[part~="date-text"]').nth(1).inputValue(), '01/05/2031');
  await inWidget(page, '[part~="date-submit"]').nth(1).click();
  await inWidget(page, '.bubble').filter({ hasText: 'got {"date":"2031-01-05"}' }).waitFor();
  await context.close();
});

test('when the websocket is blocked the conversation continues over long-poll', async () => {
  const fake = new FakeApi({ blockWebSocket: true, reply: (input) => [text(`echo ${input.text}`)] });
  const { context, page, w } = await start(fake);
  await say(page, 'hello');
  await inWidget(page, '.bubble').filter({ hasText: 'echo hello' }).waitFor();
  const state = (await w.state()).conversation;
  assert.equal(state.transport, 'long-poll');
  assert.ok(fake.pollAfters.length > 0);
  await context.close();
});

test('a reload shows the history at once and resumes after the last seq', async () => {
  const fake = new FakeApi({ reply: (input) => [text(`echo ${input.text}`)] });
  const { context, page, w } = await start(fake);
  await say(page, 'first');
  await inWidget(page, '.bubble').filter({ hasText: 'echo first' }).waitFor();
  const before = (await w.state()).conversation.lastSeq;
  assert.equal(before, 3);
  await page.reload();
  await w.ready();
  await inWidget(page, '.bubble').filter({ hasText: 'echo first' }).waitFor();
  assert.equal(await inWidget(page, '.bubble').filter({ hasText: 'echo first' }).count(), 1, 'rendered once');
  await page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation?.status === 'online');
  assert.equal(fake.resumes.at(-1), before);
  assert.equal(fake.posts.length, 1);
  await context.close();
});

test('a message typed while the network is down is queued, shown as pending, and sent once', async () => {
  const fake = new FakeApi({ reply: (input) => [text(`echo ${input.text}`)] });
  const { context, page } = await start(fake);
  fake.down = true;
  await say(page, 'are you there');
  await inWidget(page, '.banner').waitFor({ state: 'visible' });
  assert.match(await inWidget(page, '.meta-status').innerText(), /Not sent yet/);
  fake.down = false;
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await inWidget(page, '.bubble').filter({ hasText: 'echo are you there' }).waitFor();
  assert.equal(await inWidget(page, '.meta-status').count(), 0);
  assert.equal(await inWidget(page, '.banner').isVisible(), false);
  const ids = new Set(fake.posts.map((p) => p.client_message_id));
  assert.equal(ids.size, 1, 'one client_message_id whatever the retries');
  assert.equal(fake.events.filter((e) => e.from === 'visitor').length, 1);
  await context.close();
});

test('messages queued while their conversation ended go to a new conversation, in order, not lost', async () => {
  const fake = new FakeApi({ reply: (input) => [text(`echo ${input.text}`)] });
  const { context, page, w } = await start(fake);
  const errors = [];
  await page.evaluate(() => { window.__errors = []; window.Staffetta.instances.default.on('error', (e) => window.__errors.push(e.code)); });
  fake.down = true;
  await say(page, 'first while away');
  await say(page, 'second while away');
  await inWidget(page, '.banner').waitFor({ state: 'visible' });
  // Meanwhile the conversation ended on the server (an agent ended it, say).
  fake.ended = true;
  fake.down = false;
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await inWidget(page, '.bubble').filter({ hasText: 'echo second while away' }).waitFor();
  assert.equal(fake.starts.length, 2, 'a new conversation was started');
  const delivered = fake.events.filter((e) => e.from === 'visitor').map((e) => e.input.text);
  assert.deepEqual(delivered, ['first while away', 'second while away'], 'both, once, in order');
  assert.equal(await inWidget(page, '.meta-status').count(), 0, 'nothing left pending');
  assert.equal((await w.state()).conversation.status, 'online');
  errors.push(...await page.evaluate(() => window.__errors));
  assert.deepEqual(errors, [], 'no duplicate_message error');
  await context.close();
});

test('an expired session shows a notice whose Restore starts a new session with the old state', async () => {
  const fake = new FakeApi({ reply: (input) => [text(`echo ${input.text}`)] });
  const { context, page, w } = await start(fake);
  await say(page, 'before');
  await inWidget(page, '.bubble').filter({ hasText: 'echo before' }).waitFor();
  fake.push({ type: 'session_expired', text: 'The session ended after 5 minutes of silence.' });
  const restore = inWidget(page, '[part~="notice-action"]').filter({ hasText: 'Restore the conversation' });
  await restore.waitFor();
  assert.equal((await w.state()).conversation.status, 'expired');
  await restore.click();
  await page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation.status === 'online');
  assert.equal(fake.starts.length, 2);
  assert.equal(fake.starts[1].restore, 'opaque-state');
  await say(page, 'after');
  await inWidget(page, '.bubble').filter({ hasText: 'echo after' }).waitFor();
  assert.equal(await inWidget(page, '.bubble').filter({ hasText: 'echo before' }).count(), 1, 'history kept');
  await context.close();
});

test('an expired identity token raises identityTokenExpired and resumes after updateIdentityToken', async () => {
  const fake = new FakeApi({ identityFailures: 1 });
  const context = await env.browser.newContext(desktop);
  const page = await context.newPage();
  await fake.install(page);
  await page.goto(`${env.fixtures}/plain`);
  const w = widget(page);
  await w.ready();
  await page.evaluate(() => {
    window.__expired = 0;
    window.Staffetta.instances.default.on('identityTokenExpired', () => { window.__expired += 1; });
  });
  await w.call('open');
  await page.waitForFunction(() => window.__expired === 1);
  assert.match(await inWidget(page, '.banner').innerText(), /sign-in has expired/);
  await w.call('updateIdentityToken', 'fresh-token');
  await inWidget(page, '.bubble').filter({ hasText: 'Hello from the fake API.' }).waitFor();
  assert.equal(fake.starts.at(-1).identity_token, 'fresh-token');
  assert.equal(await inWidget(page, '.banner').isVisible(), false);
  await context.close();
});

test('a start refused while the visitor\'s data is being erased is tried again and the chat opens', async () => {
  const erasing = { status: 409, code: 'erasure_in_progress', message: 'Your data is being erased; try again in a few seconds.' };
  const fake = new FakeApi({ startRefusals: [erasing, erasing] });
  const { context, page } = await start(fake);
  assert.equal(fake.starts.length, 3, 'two refusals, then the start that opened the chat');
  assert.equal(await inWidget(page, '.bubble').filter({ hasText: 'Hello from the fake API.' }).count(), 1);
  assert.equal(await inWidget(page, '.banner').isVisible(), false, 'no error is left on screen');
  await context.close();
});

test('a start the site refuses (monthly user limit) tells the visitor instead of connecting for ever', async () => {
  const refused = { status: 403, code: 'mau_limit_reached', message: 'This site has reached its monthly user limit; please try again next month.' };
  const fake = new FakeApi({ startRefusals: [refused] });
  const context = await env.browser.newContext(desktop);
  const page = await context.newPage();
  await fake.install(page);
  await page.goto(`${env.fixtures}/plain`);
  const w = widget(page);
  await w.ready();
  await page.evaluate(() => {
    window.__errors = [];
    window.Staffetta.instances.default.on('error', (e) => window.__errors.push(e.code));
  });
  await w.call('open');
  const banner = inWidget(page, '.banner');
  await banner.filter({ hasText: 'The chat is not available at the moment.' }).waitFor();
  assert.deepEqual(await page.evaluate(() => window.__errors), ['mau_limit_reached'], 'the page learns the code');
  assert.doesNotMatch(await inWidget(page, '[part~="status"]').innerText(), /Connecting/);
  await inWidget(page, 'textarea').fill('Is anyone there?');
  await inWidget(page, 'textarea').press('Enter');
  await inWidget(page, '.msg-visitor').filter({ hasText: 'Not sent.' }).waitFor();
  assert.equal(fake.starts.length, 1, 'a refused start is not tried again on its own');
  assert.deepEqual(await axe(page), []);
  await context.close();
});

test('a message that arrives while the window is closed shows on the launcher and is announced', async () => {
  const fake = new FakeApi();
  const { context, page, w } = await start(fake);
  await w.call('close');
  fake.push({ type: 'message', from: 'agent', at: Date.now(), agent_name: 'Giulia', output: { generic: [text('Your vase ships today.')] } });
  await inWidget(page, '[part~="launcher-badge"]').waitFor({ state: 'visible' });
  assert.equal(await inWidget(page, '[part~="launcher-badge"]').innerText(), '1');
  assert.equal(await inWidget(page, '.launcher-button').getAttribute('aria-label'), 'Open chat (1 new)');
  await page.waitForFunction(() => document.querySelector('.staffetta-root').shadowRoot.querySelector('[part~="live"]').textContent === 'New message from Giulia');
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.bubble').filter({ hasText: 'Your vase ships today.' }).waitFor();
  assert.equal(await inWidget(page, '[part~="launcher-badge"]').isVisible(), false);
  await context.close();
});
