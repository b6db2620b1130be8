// Accessibility: axe-core (WCAG 2.1 A/AA + best practices, shadow DOM included) reports no
// violation on the launcher, the expanded launcher and the home screen; keyboard-only use
// works (Tab, Enter, Escape returns focus to the launcher); the demo shop page at `/`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, axe, desktop, inWidget, mobile, setUp, widget } from './harness.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

async function open(url, options = desktop) {
  const context = await env.browser.newContext(options);
  const page = await context.newPage();
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  await page.clock.install({ time: t0 });
  await page.clock.pauseAt(t0 + 1_000);
  await page.goto(url);
  const w = widget(page);
  await w.ready();
  return { context, page, w };
}

/** axe-core schedules work with timers: let fake time flow while it runs. */
async function violations(page) {
  await page.clock.resume();
  return axe(page);
}

const focusedInWidget = (page) => page.evaluate(() => {
  const active = document.querySelector('.staffetta-root').shadowRoot.activeElement;
  return active ? active.className : null;
});

test('axe finds no violation on the small and the expanded launcher', async () => {
  const { context, page } = await open(`${env.fixtures}/plain`);
  assert.deepEqual(await violations(page), []);
  await page.clock.runFor(15_100);
  await inWidget(page, '.greeting-button').waitFor({ state: 'visible' });
  assert.deepEqual(await violations(page), []);
  await context.close();
});

test('axe finds no violation on the home screen, desktop and mobile', async () => {
  for (const options of [desktop, mobile]) {
    const { context, page } = await open(`${env.fixtures}/plain`, options);
    await inWidget(page, '.launcher-button').click();
    await inWidget(page, '.home .chip').first().waitFor({ state: 'visible' });
    assert.deepEqual(await violations(page), []);
    await context.close();
  }
});

test('keyboard only: Tab reaches the launcher, Enter opens, Escape closes and focus returns', async () => {
  const { context, page, w } = await open(`${env.fixtures}/plain`);
  await page.keyboard.press('Tab');
  assert.equal(await focusedInWidget(page), 'launcher-button');
  const outline = await inWidget(page, '.launcher-button').evaluate((b) => getComputedStyle(b).outlineStyle);
  assert.equal(outline, 'solid', 'visible focus');
  await page.keyboard.press('Enter');
  await inWidget(page, '.window').waitFor({ state: 'visible' });
  assert.equal(await focusedInWidget(page), '', 'the composer (no class) has focus');
  assert.equal(await page.evaluate(() => document.querySelector('.staffetta-root').shadowRoot.activeElement.tagName), 'TEXTAREA');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Escape');
  assert.equal((await w.state()).isOpen, false);
  assert.equal(await focusedInWidget(page), 'launcher-button');
  assert.equal(await inWidget(page, '.launcher-button').getAttribute('aria-expanded'), 'false');

  await page.keyboard.press('Space');
  await inWidget(page, '.window').waitFor({ state: 'visible' });
  assert.equal(await inWidget(page, '.launcher-button').getAttribute('aria-expanded'), 'true');
  await inWidget(page, '.minimize-button').focus();
  await page.keyboard.press('Enter');
  assert.equal((await w.state()).isOpen, false);
  assert.equal(await focusedInWidget(page), 'launcher-button');
  await context.close();
});

test('Escape on the expanded launcher dismisses the greeting', async () => {
  const { context, page, w } = await open(`${env.fixtures}/plain`);
  await page.clock.runFor(15_100);
  await inWidget(page, '.greeting-button').focus();
  await page.keyboard.press('Escape');
  assert.equal((await w.state()).launcher.state, 'small');
  await context.close();
});

test('the demo shop at / embeds the widget and passes axe with the window open', async () => {
  const { context, page } = await open(`${env.server}/`);
  assert.match(await page.title(), /Bottega Aurora/);
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.home .chip').first().waitFor({ state: 'visible' });
  assert.equal(await inWidget(page, '.title').innerText(), 'Aurora');
  assert.deepEqual(await inWidget(page, '.home .chip').allInnerTexts(), ['Where is my order?', 'Opening hours', 'Talk to a person']);
  assert.deepEqual(await violations(page), []);
  await page.screenshot({ path: join(artifactsDir, 'window-home-desktop.png') });
  await context.close();
});
