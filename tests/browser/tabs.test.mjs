// Tabs of one visitor share one conversation (issue 4: "several tabs of one visitor see one
// conversation"): a second tab of the site joins the conversation the first one has, shows
// what was said there, and what either tab sends appears in both. A restart starts a new
// conversation instead of joining the one it ended; a tab of another visitor (a signed-in
// user) in the same browser does not join it. Against the real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, desktop, inWidget, openChat, setUp, widget } from './harness.mjs';
import { apiMissing } from './real-config.mjs';

let env;
let missing = 'not probed yet';
before(async () => {
  env = await setUp();
  missing = await apiMissing(env);
});
after(async () => { await env?.stop(); });

async function openTab(context) {
  const tab = await openChat(env, context);
  await tab.page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation.status === 'online', null, { timeout: 15_000 });
  return tab;
}

const visitorBubble = (page, text) => inWidget(page, '.msg-visitor .bubble').filter({ hasText: text });
const sessionOf = async (w) => (await w.state()).conversation.sessionId;

async function say(page, words) {
  await inWidget(page, 'textarea').fill(words);
  await inWidget(page, 'textarea').press('Enter');
}

test('a second tab joins the conversation of the first, and both see what either sends', async (t) => {
  if (missing) return t.skip(missing);
  const context = await env.browser.newContext(desktop);
  const first = await openTab(context);
  await say(first.page, 'what are your opening hours?');
  await visitorBubble(first.page, 'opening hours').waitFor({ timeout: 15_000 });

  const second = await openTab(context);
  assert.equal(await sessionOf(second.w), await sessionOf(first.w), 'one session for both tabs');
  // The second tab replays the conversation: the first tab's message and the bot's answers.
  await visitorBubble(second.page, 'opening hours').waitFor({ timeout: 15_000 });
  assert.ok(await inWidget(second.page, '.msg-bot').count() >= 2, 'the welcome and the reply replayed');

  await say(second.page, 'thanks, from the second tab');
  await visitorBubble(first.page, 'from the second tab').waitFor({ timeout: 15_000 });
  await say(first.page, 'and back from the first');
  await visitorBubble(second.page, 'back from the first').waitFor({ timeout: 15_000 });
  assert.equal(await visitorBubble(first.page, 'from the second tab').count(), 1, 'shown once');
  assert.equal(await visitorBubble(second.page, 'back from the first').count(), 1, 'shown once');

  const violations = await axe(second.page);
  assert.deepEqual(violations, []);
  assert.deepEqual([...first.errors, ...second.errors], []);
  await context.close();
});

test('a restart starts a new conversation instead of joining the one another tab still shows', async (t) => {
  if (missing) return t.skip(missing);
  const context = await env.browser.newContext(desktop);
  const first = await openTab(context);
  const second = await openTab(context);
  const shared = await sessionOf(first.w);
  assert.equal(await sessionOf(second.w), shared);

  await second.page.evaluate(() => window.Staffetta.instances.default.restartConversation());
  await second.page.waitForFunction(
    (old) => {
      const c = window.Staffetta.instances.default.getState().conversation;
      return c.sessionId && c.sessionId !== old && c.status === 'online';
    },
    shared,
    { timeout: 15_000 },
  );
  assert.notEqual(await sessionOf(second.w), shared);
  await context.close();
});

test('a tab of another visitor (a signed-in user) in the same browser does not join the anonymous conversation', async (t) => {
  if (missing) return t.skip(missing);
  const context = await env.browser.newContext(desktop);
  const anonymous = await openTab(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => errors.push(`console: ${m.text()}`));
  // The same shop page, with the widget told who the signed-in user is.
  await page.addInitScript(() => {
    let options;
    Object.defineProperty(window, 'staffettaOptions', {
      configurable: true,
      get: () => options,
      set: (value) => { options = { ...value, userID: 'customer-42' }; },
    });
  });
  await page.goto(`${env.fixtures}/plain`);
  const w = widget(page);
  await w.ready().catch((e) => { throw new Error(`${e.message}\n${errors.join('\n')}`); });
  await inWidget(page, '.launcher-button').click();
  await page.waitForFunction(() => window.Staffetta.instances.default.getState().conversation?.status === 'online', null, { timeout: 15_000 });
  assert.notEqual(await sessionOf(w), await sessionOf(anonymous.w));
  assert.equal(await visitorBubble(page, '').count(), 0, 'nothing of the anonymous conversation');
  await context.close();
});
