// A date question's first and last dates (the item's `min` and `max`, from the dialog's
// `min_days` / `max_days`) bound the calendar, so a visitor is not offered days the bot
// will refuse; an item without them, or with malformed ones, leaves the calendar open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { desktop, inWidget, setUp, widget } from './harness.mjs';
import { FakeApi } from './fake-api.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

test('the calendar of a date question offers only the dates the question accepts', async () => {
  const fake = new FakeApi({
    reply: (input) => ({
      limited: [{ response_type: 'date', min: '2026-03-03', max: '2026-05-01' }],
      open: [{ response_type: 'date' }],
      odd: [{ response_type: 'date', min: 'tomorrow', max: 12 }],
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
  for (const [n, words] of ['limited', 'open', 'odd'].entries()) {
    await inWidget(page, 'textarea').fill(words);
    await inWidget(page, 'textarea').press('Enter');
    await inWidget(page, 'input[type=date]').nth(n).waitFor({ state: 'attached' });
  }
  const bounds = await inWidget(page, 'input[type=date]').evaluateAll((inputs) => inputs.map((i) => [i.min, i.max]));
  assert.deepEqual(bounds, [['2026-03-03', '2026-05-01'], ['', ''], ['', '']]);
  assert.deepEqual(errors, []);
  await context.close();
});
