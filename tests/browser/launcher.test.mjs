// The launcher as seed 001 describes it, driven by playwright's controlled clock: expands
// after 15 s; desktop keeps it expanded across reloads until opened or closed; mobile
// collapses on scroll, on a right swipe or after 10 s (restarting over reloads); a launcher
// never clicked bounces 15 s after a load and once more 60 s later, then never again;
// prefers-reduced-motion turns the bounce off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, desktop, inWidget, mobile, setUp, widget } from './harness.mjs';
import { FakeApi } from './fake-api.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

async function openPage(contextOptions, fake) {
  const context = await env.browser.newContext(contextOptions);
  const page = await context.newPage();
  if (fake) await fake.install(page);
  // Paused fake time: timers fire only inside runFor, so page-load time never counts.
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  await page.clock.install({ time: t0 });
  await page.clock.pauseAt(t0 + 1_000);
  await page.goto(`${env.fixtures}/plain`);
  const w = widget(page);
  await w.ready();
  return { context, page, w };
}

async function reload(page, w) {
  await page.reload();
  await w.ready();
}

const launcherState = async (w) => (await w.state()).launcher;

describe('desktop launcher', () => {
  test('expands after 15 s with a greeting, two buttons that open the chat and a close button', async () => {
    const { context, page, w } = await openPage(desktop);
    await page.clock.runFor(14_900);
    assert.equal((await launcherState(w)).state, 'small');
    await page.clock.runFor(200);
    assert.equal((await launcherState(w)).state, 'expanded');
    await assert.doesNotReject(inWidget(page, '.greeting-button').waitFor({ state: 'visible' }));
    assert.ok(await inWidget(page, '.launcher-button').isVisible());
    assert.ok(await inWidget(page, '.greeting-close').isVisible());
    assert.match(await inWidget(page, '.greeting-button').innerText(), /Chat with us/);
    await page.screenshot({ path: join(artifactsDir, 'launcher-desktop.png') });
    await context.close();
  });

  test('stays expanded across reloads until closed, then stays small for the session', async () => {
    const { context, page, w } = await openPage(desktop);
    await page.clock.runFor(15_100);
    await reload(page, w);
    assert.equal((await launcherState(w)).state, 'expanded');
    await page.clock.runFor(120_000);
    assert.equal((await launcherState(w)).state, 'expanded', 'desktop has no collapse timer');

    await inWidget(page, '.greeting-close').click();
    assert.deepEqual(await launcherState(w), { state: 'small', phase: 'dismissed', bounces: 0, mode: 'desktop' });
    await reload(page, w);
    await page.clock.runFor(30_000);
    assert.equal((await launcherState(w)).state, 'small', 'closing returns it to small for the session');
    await context.close();
  });

  test('a reload before the launcher expands restarts the 15 s timer', async () => {
    const { context, page, w } = await openPage(desktop);
    await page.clock.runFor(10_000);
    await reload(page, w);
    await page.clock.runFor(10_000);
    assert.equal((await launcherState(w)).state, 'small');
    await page.clock.runFor(5_100);
    assert.equal((await launcherState(w)).state, 'expanded');
    await context.close();
  });

  test('either main button opens the chat window', async () => {
    const { context, page, w } = await openPage(desktop);
    await page.clock.runFor(15_100);
    await inWidget(page, '.greeting-button').click();
    await inWidget(page, '.window').waitFor({ state: 'visible' });
    const state = await w.state();
    assert.equal(state.isOpen, true);
    assert.equal(state.launcher.phase, 'opened');
    await context.close();
  });
});

describe('bounce', () => {
  test('a never-clicked launcher bounces 15 s after a load and once more 60 s later, then never again', async () => {
    const { context, page, w } = await openPage(desktop);
    await page.clock.runFor(15_100);
    await inWidget(page, '.greeting-close').click();
    await reload(page, w);

    await page.clock.runFor(14_900);
    assert.equal((await launcherState(w)).bounces, 0);
    await page.clock.runFor(200);
    assert.equal((await launcherState(w)).bounces, 1);
    assert.match(await inWidget(page, '.launcher-button').getAttribute('class'), /\bbounce\b/);
    await page.clock.runFor(59_700);
    assert.equal((await launcherState(w)).bounces, 1);
    await page.clock.runFor(400);
    assert.equal((await launcherState(w)).bounces, 2);
    await page.clock.runFor(600_000);
    assert.equal((await launcherState(w)).bounces, 2);

    await reload(page, w);
    await page.clock.runFor(600_000);
    assert.equal((await launcherState(w)).bounces, 2, 'never again in this session');
    await context.close();
  });

  test('prefers-reduced-motion turns the bounce off', async () => {
    const { context, page, w } = await openPage({ ...desktop, reducedMotion: 'reduce' });
    await page.clock.runFor(15_100);
    await inWidget(page, '.greeting-close').click();
    await reload(page, w);
    await page.clock.runFor(200_000);
    assert.equal((await launcherState(w)).bounces, 0);
    await context.close();
  });

  test('a launcher that was opened never bounces', async () => {
    const { context, page, w } = await openPage(desktop);
    await inWidget(page, '.launcher-button').click();
    await inWidget(page, '.window').waitFor({ state: 'visible' });
    await inWidget(page, '.launcher-button').click();
    await reload(page, w);
    await page.clock.runFor(200_000);
    assert.deepEqual(await launcherState(w), { state: 'small', phase: 'opened', bounces: 0, mode: 'desktop' });
    await context.close();
  });
});

describe('mobile launcher', () => {
  test('expands with one main button and collapses after 10 s; a reload keeps it expanded and restarts the timer', async () => {
    const { context, page, w } = await openPage(mobile);
    await page.clock.runFor(15_100);
    const state = await launcherState(w);
    assert.equal(state.state, 'expanded');
    assert.equal(state.mode, 'mobile');
    assert.equal(await inWidget(page, '.greeting').isVisible(), false, 'no greeting card on mobile');
    assert.ok(await inWidget(page, '.launcher-label').isVisible(), 'the one main button carries the greeting');
    await page.screenshot({ path: join(artifactsDir, 'launcher-mobile.png') });

    await page.clock.runFor(6_000);
    await reload(page, w);
    assert.equal((await launcherState(w)).state, 'expanded');
    await page.clock.runFor(9_000);
    assert.equal((await launcherState(w)).state, 'expanded', 'the 10 s timer restarted on reload');
    await page.clock.runFor(1_200);
    assert.equal((await launcherState(w)).state, 'small');
    await reload(page, w);
    await page.clock.runFor(30_000);
    assert.equal((await launcherState(w)).state, 'small');
    await context.close();
  });

  test('collapses when the page scrolls', async () => {
    const { context, page, w } = await openPage(mobile);
    await page.clock.runFor(15_100);
    assert.equal((await launcherState(w)).state, 'expanded');
    await page.evaluate(() => window.scrollTo(0, 600));
    await page.waitForFunction(() => window.Staffetta.instances.default.getState().launcher.state === 'small');
    await context.close();
  });

  test('collapses on a right swipe without opening the chat', async () => {
    const { context, page, w } = await openPage(mobile);
    await page.clock.runFor(15_100);
    const box = await inWidget(page, '.launcher-button').boundingBox();
    const y = box.y + box.height / 2;
    await inWidget(page, '.launcher-button').evaluate((button, [x0, yy]) => {
      const opts = (x) => ({ bubbles: true, composed: true, pointerType: 'touch', isPrimary: true, clientX: x, clientY: yy });
      button.dispatchEvent(new PointerEvent('pointerdown', opts(x0)));
      button.dispatchEvent(new PointerEvent('pointerup', opts(x0 + 90)));
      button.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
    }, [box.x + 10, y]);
    const state = await w.state();
    assert.equal(state.launcher.state, 'small');
    assert.equal(state.isOpen, false);
    await context.close();
  });
});

describe('site configuration from the server', () => {
  const config = {
    launcher: { show: true, greeting: 'A greeting from the site settings', expand_after_s: 5, mobile_collapse_after_s: 4, bounce_at_s: [3, 20] },
    home_screen: { greeting: null, greeting_html: '<p>Welcome to <strong>the shop</strong></p>', suggestions: [] },
    strings: { 'launcher-open': 'Chat now' },
  };

  test('launcher timings, greeting and strings come from GET /config when the page sets none', async () => {
    const { context, page, w } = await openPage(desktop, new FakeApi({ config }));
    await page.waitForFunction(() => document.querySelector('.staffetta-root').shadowRoot.querySelector('.launcher-button').getAttribute('aria-label') === 'Chat now');
    await page.clock.runFor(4_900);
    assert.equal((await launcherState(w)).state, 'small');
    await page.clock.runFor(200);
    assert.equal((await launcherState(w)).state, 'expanded');
    assert.equal(await inWidget(page, '.greeting-button').innerText(), 'A greeting from the site settings');
    await inWidget(page, '.greeting-button').click();
    await inWidget(page, '.home-greeting').waitFor();
    assert.equal(await inWidget(page, '.home-greeting').innerText(), 'Welcome to the fixture shop', "the page's own option wins");
    await context.close();
  });

  test('the second number of bounce_at_s is the delay after the first bounce', async () => {
    const { context, page, w } = await openPage(desktop, new FakeApi({ config }));
    await page.waitForFunction(() => document.querySelector('.staffetta-root').shadowRoot.querySelector('.launcher-button').getAttribute('aria-label') === 'Chat now');
    await page.clock.runFor(5_100);
    await inWidget(page, '.greeting-close').click();
    await reload(page, w);
    await page.waitForFunction(() => document.querySelector('.staffetta-root').shadowRoot.querySelector('.launcher-button').getAttribute('aria-label') === 'Chat now');
    await page.clock.runFor(3_100);
    assert.equal((await launcherState(w)).bounces, 1);
    await page.clock.runFor(19_800);
    assert.equal((await launcherState(w)).bounces, 1);
    await page.clock.runFor(300);
    assert.equal((await launcherState(w)).bounces, 2);
    await context.close();
  });
});
