// Outside office hours (real server; the demo queue opens one hour a week, three days from
// now, in UTC; an agent is logged in at the desk): the visitor of an Italian widget in Rome
// asks for a human and gets the server's Italian queue_closed text, "Torniamo <next opening>"
// formatted by Intl in the visitor's locale and time zone, and the request form in Italian
// (the widget's new texts come from the server's Fluent bundle).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, desktop, inWidget, setUp, widget } from './harness.mjs';
import { createAgent, openDesk, useHandoffConfig } from './handoff-server.mjs';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
// Three days ahead is never today, even if the test runs across midnight.
const openDay = WEEKDAYS[(new Date().getUTCDay() + 3) % 7];

let env;
before(async () => {
  useHandoffConfig({ officeHours: { timeZone: 'UTC', weekly: { [openDay]: ['09:00-10:00'] } } });
  env = await setUp();
});
after(async () => { await env?.stop(); });

test('outside office hours the visitor is told when the team is back, in their locale and time zone', async () => {
  const token = await createAgent(env.server, { login: 'ada', displayName: 'Ada' });
  const desk = await openDesk(env.browser, env.server, token);
  await desk.next('SNAPSHOT');

  const context = await env.browser.newContext({ ...desktop, locale: 'it-IT', timezoneId: 'Europe/Rome' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.fixtures}/plain`);
  await widget(page).ready();
  await widget(page).call('updateLocale', 'it');
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });

  const answer = await page.evaluate(() => window.Staffetta.instances.default.requestAgent());
  assert.equal(answer.outcome, 'closed');
  assert.equal(answer.reason, 'outside_hours');
  const next = new Date(answer.next_opening);
  assert.equal(WEEKDAYS[next.getUTCDay()], openDay);
  assert.equal(next.getUTCHours(), 9);

  const closed = inWidget(page, '.notice').filter({ hasText: 'Il nostro team non è disponibile in questo momento.' });
  await closed.waitFor();
  const back = await closed.locator('[part="next-opening"]').textContent();
  const romeWeekday = new Intl.DateTimeFormat('it', { weekday: 'long', timeZone: 'Europe/Rome' }).format(next);
  const romeTime = new Intl.DateTimeFormat('it', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Rome' }).format(next);
  assert.ok(back.startsWith(`Torniamo ${romeWeekday}`), back);
  assert.ok(back.includes(romeTime), `${back} shows ${romeTime}, Rome time`);
  assert.ok(back.includes(String(next.getUTCDate())), back);

  await closed.getByRole('button', { name: 'Lascia un messaggio' }).click();
  const form = inWidget(page, 'form[part="offline-form"]');
  await form.getByLabel('Nome').waitFor();
  assert.equal(await form.locator('h3').textContent(), 'Lasciaci un messaggio');
  await form.getByRole('button', { name: 'Invia messaggio' }).click();
  await form.getByText('Inserisci il tuo nome.').waitFor();
  assert.deepEqual(await axe(page), [], 'the Italian form with errors and the next opening');
  assert.deepEqual(errors, []);
  await context.close();
  await desk.close();
});
