// The widget's own "Checking whether someone from the team is free…" under a
// connect_to_agent item is left out when the bot has just said it in its own words (a
// text right before the item, as the demo's "Let me see whether someone ... is free"):
// the visitor read the same sentence twice. Alone, the item still shows the notice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { desktop, inWidget, setUp, widget } from './harness.mjs';
import { FakeApi } from './fake-api.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

const text = (t) => ({ response_type: 'text', text: t, html: `<p>${t}</p>` });
const connect = { response_type: 'connect_to_agent', message_to_agent: 'The visitor asks for a person' };

test('the connecting notice appears only when the bot did not say it in its own words', async () => {
  const fake = new FakeApi({
    reply: (input) => ({
      worded: [text('Let me see who is free.'), { response_type: 'pause', time: 10, typing: true }, connect],
      bare: [connect],
    })[input.text] || [],
  });
  const context = await env.browser.newContext(desktop);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await fake.install(page);
  await page.goto(`${env.fixtures}/plain`);
  await widget(page).ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor();
  const notice = inWidget(page, '.notice', 'default').filter({ hasText: 'Checking whether someone from the team is free…' });
  await inWidget(page, 'textarea').fill('worded');
  await inWidget(page, 'textarea').press('Enter');
  await inWidget(page, '.bubble').filter({ hasText: 'Let me see who is free.' }).waitFor();
  await page.waitForTimeout(300);
  assert.equal(await notice.count(), 0, 'no second "checking" after the bot said so');
  await inWidget(page, 'textarea').fill('bare');
  await inWidget(page, 'textarea').press('Enter');
  await notice.first().waitFor();
  assert.equal(await notice.count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});
