// The agent console's "Load earlier messages" against the real server, in headless Debian
// chromium: a visitor (over the real visitor API) asks for a human and writes 2,100 lines
// while the agent is paused; the agent accepts and the transcript call answers the latest
// 2000 log entries with `earlier: true`. The button is reached with the keyboard, axe-core
// reports no violation while it shows, a failed page (a 503 routed in for one request)
// shows an error under the button and can be retried, the retry adds the older lines
// above without moving the line the agent was reading, the live region says how many lines
// came, and the button goes once the first line is there (focus moves to the transcript).
// The only server setting changed is `limits.messages_per_minute` (30 by default), through
// the config's environment variables, so one visitor may write 2,100 lines. axe checks that
// console without the 2,000 transcript items (they take axe tens of seconds on a busy
// machine); a second test serves three scripted pages (3,050 lines, which the real server
// would take minutes to build) and runs axe on the whole console with the button shown, then
// shows the button staying while older pages exist and a reconnect's reload of the latest
// page not losing how far back the agent has read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir, axe, desktop } from './harness.mjs';
import {
  HttpVisitor, consoleAssets, launchConsoleBrowser, openConsole, signIn, startServer, until,
} from './console-server.mjs';

const LINES = 2100;

let server;
let browser;

before(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  process.env.STAFFETTA__LIMITS__MESSAGES_PER_MINUTE = String(LINES * 2);
  server = await startServer();
  browser = await launchConsoleBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The transcript's lines as text (system lines, the divider and messages alike). */
const lineTexts = (transcript) => transcript.locator(':scope > li').evaluateAll(
  (items) => items.map((i) => (i.querySelector('.body') || i).textContent.trim()),
);

/** The first line in view of the transcript and its distance from the list's top edge. */
const firstInView = (transcript) => transcript.evaluate((list) => {
  const top = list.getBoundingClientRect().top;
  const item = [...list.children].find((i) => i.getBoundingClientRect().bottom > top);
  return { text: item.textContent, offset: item.getBoundingClientRect().top - top };
});

test('a conversation of 2,100 lines: the agent loads the earlier lines from the keyboard, after a failed try, without losing their place', async () => {
  const { page, desk, errors } = await openConsole(browser, server);
  await signIn(page, server);
  await desk.next('SNAPSHOT');
  await page.getByLabel('My state').selectOption('pause');
  await desk.next('PAUSE');

  // The visitor waits in the queue and writes; the lines are kept for the agent.
  const visitor = new HttpVisitor(server, `http://localhost:${new URL(server.url).port}`);
  await visitor.start('console-earlier-visitor-1', 'https://shop.example/long');
  assert.equal((await visitor.askForHuman()).outcome, 'queued');
  for (let n = 0; n < LINES; n += 1) await visitor.say(`line ${n}`);

  await page.getByLabel('My state').selectOption('ready');
  await page.locator('.offer').getByRole('button', { name: 'Accept' }).click();
  const conv = page.locator('.conversation');
  const transcript = conv.getByRole('list', { name: 'Transcript of chat 1' });
  await until('the latest line', async () => (await lineTexts(transcript)).includes(`line ${LINES - 1}`), 20_000);
  const load = conv.getByRole('button', { name: 'Load earlier messages' });
  await load.waitFor();
  const shown = await lineTexts(transcript);
  assert.ok(!shown.includes('line 0'), 'the oldest lines are not shown yet');
  const firstShown = shown.filter((t) => t.startsWith('line ')).map((t) => Number(t.slice(5)))[0];
  assert.ok(firstShown > 0 && firstShown <= LINES - 1900, `at most one page of entries (first line ${firstShown})`);
  assert.deepEqual(await axe(page, { exclude: ['.transcript > li'] }), [], 'the console with "Load earlier messages"');
  await page.screenshot({ path: join(artifactsDir, 'console-earlier.png') });

  // The agent scrolls up a little to read; that line must stay where it is.
  await transcript.evaluate((list) => { list.scrollTop = 900; });
  const reading = await firstInView(transcript);

  // Keyboard: the button comes right after the visitor box, before the transcript.
  await conv.getByText('About the visitor').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Load earlier messages');

  // The first try fails: an error under the button, nothing added, the button stays.
  await page.route(/\/api\/v1\/agent\/conversations\/[^/?]+\?before=\d+$/, (route) => route.fulfill({
    status: 503, json: { error: { code: 'unavailable', message: 'The store is unavailable.' } },
  }), { times: 1 });
  await page.keyboard.press('Enter');
  const status = conv.getByRole('status').filter({ hasText: 'Earlier messages could not be loaded' });
  await status.waitFor();
  assert.equal(await status.textContent(), 'Earlier messages could not be loaded (503). Try again.');
  assert.equal(await load.getAttribute('aria-describedby'), await status.getAttribute('id'), 'the error describes the button');
  assert.equal((await lineTexts(transcript)).length, shown.length);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Load earlier messages', 'focus stays for a retry');

  // The retry pages back to the first line.
  const request = page.waitForRequest(/\?before=\d+$/);
  await page.keyboard.press('Enter');
  const asked = new URL((await request).url()).searchParams.get('before');
  await until('the first line', async () => (await lineTexts(transcript)).includes('line 0'), 20_000);
  await load.waitFor({ state: 'hidden' });
  const all = await lineTexts(transcript);
  const added = all.length - shown.length;
  assert.ok(added > 0);
  assert.equal(await page.locator('#announcer p').last().textContent(),
    `Added ${added.toLocaleString('en-US')} earlier lines: this is the start of the conversation.`);
  assert.equal(await status.count(), 0, 'the error is gone');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Transcript of chat 1',
    'the button went: focus is on the transcript');

  // The line the agent was reading has not moved; every line is there once, in order.
  const still = await firstInView(transcript);
  assert.equal(still.text, reading.text);
  assert.ok(Math.abs(still.offset - reading.offset) <= 1, `moved from ${reading.offset} to ${still.offset}`);
  const visitorLines = all.filter((t) => /^line \d+$/.test(t));
  assert.deepEqual(visitorLines, Array.from({ length: LINES }, (_, n) => `line ${n}`));
  const seqs = await transcript.locator(':scope > li.msg').evaluateAll((items) => items.map((i) => Number(i.dataset.key)));
  assert.ok(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]), 'seq order');
  assert.ok(seqs.some((seq) => seq < Number(asked)), `older than ?before=${asked}`);

  assert.deepEqual(errors.filter((e) => !/status of 503/.test(e)), []);
  await page.context().close();
});

test('over three scripted pages: axe-clean with the button, which stays until the first line; each page asks before the oldest line shown; a reconnect keeps the place', async () => {
  const context = await browser.newContext({ ...desktop, locale: 'en-US' });
  await consoleAssets(context);
  let socket;
  const snapshot = JSON.stringify({
    event: 'SNAPSHOT', state: 'ready', pause_reasons: [], offers: [], resources: [], agents: [],
    conversations: [{ chat_id: 'c9', job_id: '1', queue: 'support', phase: 'online' }],
  });
  await context.routeWebSocket(/\/api\/v1\/agent\/ws/, (ws) => { socket = ws; ws.send(snapshot); });
  const lines = (from, to, earlier) => ({
    chat_id: 'c9', status: 'handoff', handoff_seq: null, earlier, visitor: {},
    messages: Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, from: 'visitor', text: `line ${from + i}`, at: 1_700_000_000_000 })),
  });
  const asked = [];
  await context.route(/\/api\/v1\/agent\/conversations\/c9(\?.*)?$/, (route) => {
    const before = new URL(route.request().url()).searchParams.get('before');
    asked.push(before);
    const pages = { 3001: lines(1001, 3000, true), 1001: lines(1, 1000, false) };
    route.fulfill({ json: before === null ? lines(3001, 3050, true) : pages[before] });
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/agent`);
  await signIn(page, server);
  const transcript = page.getByRole('list', { name: 'Transcript of chat 1' });
  await until('the latest page', async () => (await lineTexts(transcript)).includes('line 3050'));
  const load = page.getByRole('button', { name: 'Load earlier messages' });
  await load.waitFor();
  assert.deepEqual(await axe(page), [], 'the whole console with "Load earlier messages"');
  const said = () => page.locator('#announcer p').last().textContent();

  await load.click();
  await until('the second page', async () => (await lineTexts(transcript)).includes('line 1001'));
  assert.equal(await said(), 'Added 2,000 earlier lines.');
  assert.equal(await load.isVisible(), true, 'older lines remain');

  // A reconnect's SNAPSHOT reloads the latest page; the next page is still the one before 1001.
  socket.send(snapshot);
  await until('the reload', () => asked.length === 3);
  assert.equal(await load.isVisible(), true);
  await load.click();
  await until('the first line', async () => (await lineTexts(transcript)).includes('line 1'));
  assert.equal(await said(), 'Added 1,000 earlier lines: this is the start of the conversation.');
  await load.waitFor({ state: 'hidden' });
  assert.deepEqual(asked, [null, '3001', null, '1001']);
  assert.deepEqual(await lineTexts(transcript), Array.from({ length: 3050 }, (_, n) => `line ${n + 1}`));
  assert.deepEqual(errors, []);
  await context.close();
});
