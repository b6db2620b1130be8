// The agent console in the operator's language, against the real server in headless Debian
// chromium. An Italian browser (`locale: 'it-IT'`: navigator.languages and Accept-Language)
// gets the login page and the desk in Italian (`<html lang="it">`, no English left, no
// missing text shown as its id), axe-clean. A blocked sign-in says in the operator's language
// why and when to try again: the server's lock thresholds are lowered through the config's
// environment variables (an account locks after 2 failures, the address after 5), so the
// real server answers 429 `account_blocked` and `ip_blocked` with Retry-After (900 s: "in
// 15 minutes", and the time of day when it ends).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, axe } from './harness.mjs';
import { launchConsoleBrowser, openConsole, startServer } from './console-server.mjs';

let server;
let browser;

before(async () => {
  process.env.STAFFETTA__AGENT__LOGIN_FAILURES__MAX_FAILURES_PER_ACCOUNT = '2';
  process.env.STAFFETTA__AGENT__LOGIN_FAILURES__MAX_FAILURES_PER_IP = '5';
  process.env.STAFFETTA__AGENT__LOGIN_FAILURES__BLOCK_S = '900';
  server = await startServer();
  browser = await launchConsoleBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const italian = { context: { locale: 'it-IT' } };

/** Texts of the page a user reads or hears: visible text, labels, titles. */
const pageWords = (page) => page.evaluate(() => [
  document.title, document.body.innerText,
  ...[...document.querySelectorAll('[aria-label],[title]')].filter((n) => n.checkVisibility())
    .flatMap((n) => [n.getAttribute('aria-label'), n.getAttribute('title')]),
].filter(Boolean).join('\n'));

/** English texts of the console that must not show on an Italian page. */
const ENGLISH = ['Sign in', 'Site id', 'Password', 'Connected', 'My state', 'Sign out', 'Sound on', 'Offline requests', 'Refresh the list', 'No conversations'];

/** Fills the Italian login form and submits it. */
async function signInItalian(page, login, password) {
  await page.getByLabel('Id del sito').fill('demo');
  await page.getByLabel('Login', { exact: true }).fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Accedi' }).click();
}

test('an Italian browser sees the login page and the desk in Italian, axe-clean', async () => {
  const { context, page, errors } = await openConsole(browser, server, italian);
  await page.locator('#login-view').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'it');
  assert.equal(await page.title(), 'Accedi - Console operatori Staffetta');
  await page.getByRole('heading', { name: 'Accedi' }).waitFor();
  await page.getByRole('button', { name: 'Accedi' }).click();
  assert.equal(await page.locator('#login-error').textContent(), "Inserisci l'id del sito, il login e la password.");
  const login = await pageWords(page);
  assert.doesNotMatch(login, /console-[a-z]/, 'no text missing');
  for (const english of ['Sign in', 'Site id', 'Fill in']) assert.ok(!login.includes(english), `no "${english}" on the login page`);
  assert.deepEqual(await axe(page), [], 'the Italian login page');
  await page.screenshot({ path: join(artifactsDir, 'console-login-it.png') });

  await signInItalian(page, 'demo-agent', server.credentials.get('demo-agent'));
  await page.locator('#desk-view').waitFor({ state: 'visible' });
  await page.locator('#connection', { hasText: 'Connesso' }).waitFor();
  assert.equal(await page.title(), 'Console operatori Staffetta');
  assert.equal(await page.getByLabel('Il mio stato').inputValue(), 'ready');
  assert.equal(await page.locator('#state-select option:checked').textContent(), 'Disponibile');
  await page.getByRole('button', { name: 'Esci' }).waitFor();
  await page.getByRole('heading', { name: 'Richieste offline' }).waitFor();
  await page.getByText('Nessuna conversazione.', { exact: false }).waitFor();
  const desk = await pageWords(page);
  assert.doesNotMatch(desk, /console-[a-z]/, 'no text missing');
  for (const english of ENGLISH) assert.ok(!desk.includes(english), `no "${english}" on the desk`);
  assert.deepEqual(await axe(page), [], 'the Italian desk');
  await page.screenshot({ path: join(artifactsDir, 'console-desk-it.png') });

  await page.getByRole('button', { name: 'Esci' }).click();
  await page.getByText('Sei uscito.').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a blocked sign-in says why and when to try again, in the operator\'s language', async () => {
  // The account: two failures lock it; the next try is answered 429 account_blocked.
  const it = await openConsole(browser, server, italian);
  await it.page.locator('#login-view').waitFor({ state: 'visible' });
  const error = it.page.locator('#login-error');
  for (let n = 0; n < 2; n += 1) {
    await signInItalian(it.page, 'demo-admin', 'not-the-password');
    await it.page.getByText('Id del sito, login o password errati.').waitFor();
    await error.evaluate((node) => { node.textContent = ''; });
  }
  const refused = it.page.waitForResponse((r) => r.url().endsWith('/api/v1/agent/login'));
  await signInItalian(it.page, 'demo-admin', server.credentials.get('demo-admin'));
  const answer = await refused;
  assert.equal(answer.status(), 429);
  assert.equal((await answer.json()).error.code, 'account_blocked');
  const retryAfter = Number(answer.headers()['retry-after']);
  assert.ok(retryAfter > 840 && retryAfter <= 900, `Retry-After ${retryAfter}`);
  const italianText = await error.textContent();
  assert.match(italianText, /^Troppi accessi falliti per questo account\. Riprova alle (\d\d:\d\d) \(tra 15 minuti\)\.$/);
  const [, at] = italianText.match(/alle (\d\d:\d\d)/);
  const expected = (ms) => new Date(ms).toLocaleTimeString('it', { hour: '2-digit', minute: '2-digit' });
  const end = Date.now() + retryAfter * 1000;
  assert.ok([expected(end - 60_000), expected(end), expected(end + 60_000)].includes(at), `${at} is when the lock ends`);
  assert.deepEqual(await axe(it.page), [], 'the Italian login page with the refusal');
  await it.page.screenshot({ path: join(artifactsDir, 'console-login-blocked-it.png') });
  await it.context.close();

  // The address: more failures from it block it for every login; an English browser reads it in English.
  const en = await openConsole(browser, server);
  await en.page.locator('#login-view').waitFor({ state: 'visible' });
  let text = '';
  for (let n = 0; n < 6 && !text.startsWith('Too many failed sign-ins from this network.'); n += 1) {
    const next = en.page.waitForResponse((r) => r.url().endsWith('/api/v1/agent/login'));
    await en.page.getByLabel('Site id').fill('demo');
    await en.page.getByLabel('Login', { exact: true }).fill(`nobody-${n}`);
    await en.page.getByLabel('Password').fill('not-the-password');
    await en.page.getByRole('button', { name: 'Sign in' }).click();
    await next;
    await en.page.waitForFunction(() => !document.getElementById('login-error').textContent.endsWith('…'));
    text = await en.page.locator('#login-error').textContent();
  }
  assert.match(text, /^Too many failed sign-ins from this network\. Try again at \d\d?:\d\d\s?[AP]M \(in 15 minutes\)\.$/);
  await en.context.close();
});

test('a lock of a day or more names the date, here in French', async () => {
  // The real server's longest lock is a day (`max_block_s`); its answer is scripted here.
  const route = (context) => context.route(/\/api\/v1\/agent\/login$/, (r) => r.fulfill({
    status: 429, headers: { 'Retry-After': '86400' }, contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'account_blocked', message: 'Too many failed logins for this account; retry later.' } }),
  }));
  const { context, page } = await openConsole(browser, server, { context: { locale: 'fr-FR' }, route });
  await page.locator('#login-view').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
  await page.getByLabel('Identifiant du site').fill('demo');
  await page.getByLabel('Login', { exact: true }).fill('demo-agent');
  await page.getByLabel('Mot de passe').fill('whatever');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Trop de connexions échouées pour ce compte.', { exact: false }).waitFor();
  assert.match(await page.locator('#login-error').textContent(),
    /^Trop de connexions échouées pour ce compte\. Réessayez le \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(dans 1 jour\)\.$/);
  await context.close();
});
