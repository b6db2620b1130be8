// Nobody from the team is logged in (real server and desk): a visitor who asks for a human
// through the widget's instance API gets the server's queue_closed notice with "Leave a
// message"; the inline form is labelled, keyboard-operable (Escape closes it and focus goes
// back), shows the server's 422 field errors on the right fields (aria-invalid, the error
// text as description, focus on the first invalid field), and after a valid request
// confirms it; the request reaches the team linked to the conversation. axe-core reports
// no violation on the form, with and without errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, axe, desktop, inWidget, setUp, widget } from './harness.mjs';
import { createAgent, until, useHandoffConfig } from './handoff-server.mjs';

let env;
before(async () => {
  useHandoffConfig();
  env = await setUp();
});
after(async () => { await env?.stop(); });

const focused = (page) => page.evaluate(() => {
  const active = document.querySelector('.staffetta-root').shadowRoot.activeElement;
  if (!active) return null;
  return active.getAttribute('part') === 'input' ? 'composer' : active.getAttribute('name') || active.textContent;
});

test('with nobody at the desk the visitor leaves a request through the accessible form', async () => {
  const context = await env.browser.newContext({ ...desktop, locale: 'en-US' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.fixtures}/plain`);
  await widget(page).ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });

  const answer = await page.evaluate(() => window.Staffetta.instances.default.requestAgent());
  assert.deepEqual(answer, { outcome: 'closed', reason: 'nobody_available' });
  const closed = inWidget(page, '.notice').filter({ hasText: 'Nobody from our team is available right now.' });
  await closed.waitFor();
  assert.equal(await closed.locator('[part="next-opening"]').count(), 0, 'no next opening without office hours');
  assert.equal((await widget(page).state()).conversation.handoff, 'bot');
  const leave = closed.getByRole('button', { name: 'Leave a message' });
  await leave.click();

  const form = inWidget(page, 'form[part="offline-form"]');
  await form.waitFor();
  assert.equal(await form.getAttribute('aria-labelledby') !== null, true);
  assert.equal(await inWidget(page, 'form[part="offline-form"] h3').textContent(), 'Leave us a message');
  assert.equal(await focused(page), 'name', 'the name field has focus');
  assert.deepEqual(await axe(page), [], 'the empty form');

  // Escape closes the form (not the window) and focus returns to "Leave a message".
  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'detached' });
  assert.equal((await widget(page).state()).isOpen, true);
  assert.equal(await focused(page), 'Leave a message');
  await page.keyboard.press('Enter');
  await form.waitFor();

  // No name and a bad e-mail: the server's fields land on the right inputs.
  const name = form.getByLabel('Name');
  const email = form.getByLabel('E-mail');
  const message = form.getByLabel('Message');
  for (const field of [name, email, message]) assert.equal(await field.getAttribute('required'), '');
  await email.fill('giulia@');
  await message.fill('Please call me back about my vase.');
  await form.getByRole('button', { name: 'Send message' }).click();
  await until('the name error', async () => (await name.getAttribute('aria-invalid')) === 'true');
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.equal(await message.getAttribute('aria-invalid'), null);
  const describedBy = async (field) => page.evaluate(([id]) => document.querySelector('.staffetta-root').shadowRoot.getElementById(id)?.textContent,
    [await field.getAttribute('aria-describedby')]);
  assert.equal(await describedBy(name), 'Please enter your name.');
  assert.equal(await describedBy(email), 'Please enter a valid e-mail address, like name@example.com.');
  assert.equal(await focused(page), 'name', 'focus on the first invalid field');
  assert.deepEqual(await axe(page), [], 'the form with errors');
  await page.screenshot({ path: join(artifactsDir, 'handoff-offline-errors.png') });

  // Fixed: only the e-mail is still wrong, then all is well.
  await name.fill('Giulia');
  await form.getByRole('button', { name: 'Send message' }).click();
  await until('the name error cleared', async () => (await name.getAttribute('aria-invalid')) === null);
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.equal(await focused(page), 'email');
  await email.fill('giulia@example.org');
  await page.keyboard.press('Enter');
  const thanks = inWidget(page, '.notice').filter({ hasText: 'Thank you! We received your message and will reply to giulia@example.org.' });
  await thanks.waitFor();
  await form.waitFor({ state: 'detached' });
  assert.equal(await leave.count(), 0, 'the request is left once');
  assert.equal(await focused(page), 'composer', 'focus goes back to the composer');

  // The team sees the request, linked to the conversation.
  const { conversationId } = (await widget(page).state()).conversation;
  const token = await createAgent(env.server, { login: 'bea', displayName: 'Bea' });
  const listed = await (await fetch(`${env.server}/api/v1/agent/offline-requests`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(listed.requests.length, 1);
  assert.deepEqual(
    [listed.requests[0].name, listed.requests[0].email, listed.requests[0].text, listed.requests[0].chat_id],
    ['Giulia', 'giulia@example.org', 'Please call me back about my vase.', conversationId],
  );

  // The bot still answers after the closed queue.
  await inWidget(page, 'textarea').fill('What are your opening hours?');
  await inWidget(page, 'textarea').press('Enter');
  await inWidget(page, '.msg-visitor').filter({ hasText: 'opening hours' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});
