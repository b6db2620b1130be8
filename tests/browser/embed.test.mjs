// Embedding on other sites: a strict nonce-based CSP, two namespaced widgets on one page
// (attribute form, one inline), host page CSS that must not reach into the widget (and the
// widget's CSS must not reach out), RTL for Arabic. Host pages come from a second origin.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { desktop, inWidget, setUp, widget } from './harness.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

async function open(path, options = desktop) {
  const context = await env.browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.fixtures}/${path}`);
  return { context, page, errors };
}

test('works on a page with a strict nonce CSP: launcher styled, chat window loaded, no violation', async () => {
  const { context, page, errors } = await open('csp-strict');
  const w = widget(page);
  await w.ready();
  const background = await inWidget(page, '.launcher-button').evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(background, 'rgb(11, 92, 173)', 'the nonce-carrying <style> applied');
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.window').waitFor({ state: 'visible' });
  const nonces = await page.evaluate(() => {
    const root = document.querySelector('.staffetta-root').shadowRoot;
    const styles = [...root.querySelectorAll('style')].map((s) => s.nonce);
    const scripts = [...document.querySelectorAll('script[src*="/widget/chat.js"]')].map((s) => s.nonce);
    return { styles, scripts };
  });
  assert.equal(nonces.styles.length, 2, 'launcher and chat window styles');
  assert.ok(nonces.styles.every((n) => n.length > 0));
  assert.equal(nonces.scripts.length, 1);
  assert.ok(nonces.scripts[0].length > 0);
  assert.deepEqual(await page.evaluate(() => window.__violations.filter((v) => !v.includes('/api/'))), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('two namespaced widgets live side by side with their own options and state', async () => {
  const { context, page } = await open('two-widgets');
  const sales = widget(page, 'sales');
  const support = widget(page, 'support');
  await sales.ready();
  await support.ready();

  assert.equal((await sales.state()).launcher.state, 'small');
  assert.equal((await support.state()).launcher.state, 'hidden', 'inline widgets have no launcher');
  await inWidget(page, '.window', 'support').waitFor({ state: 'visible' });
  const inPanel = await page.evaluate(() => document.querySelector('#help-panel .staffetta-root')?.dataset.namespace);
  assert.equal(inPanel, 'support');
  assert.equal(await inWidget(page, '.title', 'support').innerText(), 'Help desk');

  const green = await inWidget(page, '.launcher-button', 'sales').evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(green, 'rgb(11, 110, 79)');
  await inWidget(page, '.launcher-button', 'sales').click();
  await inWidget(page, '.window', 'sales').waitFor({ state: 'visible' });
  assert.equal((await sales.state()).isOpen, true);
  await page.keyboard.press('Escape');
  assert.equal((await sales.state()).isOpen, false);
  assert.equal((await support.state()).isOpen, true, 'the other widget is untouched');
  const keys = await page.evaluate(() => Object.keys(sessionStorage).sort());
  assert.ok(keys.includes('staffetta:sales:launcher'));
  assert.ok(keys.includes('staffetta:support:launcher'));
  await context.close();
});

test('host page CSS does not reach into the widget, and the widget adds no CSS to the page', async () => {
  const { context, page } = await open('hostile-css');
  const w = widget(page);
  await w.ready();
  const button = inWidget(page, '.launcher-button');
  await button.waitFor({ state: 'visible' });
  const look = await button.evaluate((b) => {
    const s = getComputedStyle(b);
    return { bg: s.backgroundColor, font: s.fontFamily, color: s.color, transform: s.textTransform, width: b.getBoundingClientRect().width };
  });
  assert.equal(look.bg, 'rgb(11, 92, 173)');
  assert.doesNotMatch(look.font, /Comic/);
  assert.notEqual(look.color, 'rgb(255, 0, 255)');
  assert.equal(look.transform, 'none');
  assert.equal(look.width, 56);
  const box = await button.boundingBox();
  assert.ok(box.x > 1280 - 100 && box.y > 800 - 100, `bottom-right corner, got ${JSON.stringify(box)}`);

  const page_ = await page.evaluate(() => ({
    styles: document.querySelectorAll('style').length,
    adopted: document.adoptedStyleSheets.length,
    hostButtonPadding: getComputedStyle(document.getElementById('host-button')).paddingTop,
  }));
  assert.deepEqual(page_, { styles: 1, adopted: 0, hostButtonPadding: '7px' });
  await context.close();
});

test('Arabic renders right-to-left with the launcher mirrored to the bottom-left', async () => {
  const { context, page } = await open('rtl');
  const w = widget(page);
  await w.ready();
  assert.equal(await inWidget(page, '.root').getAttribute('dir'), 'rtl');
  assert.equal(await inWidget(page, '.launcher-button').getAttribute('aria-label'), 'افتح المحادثة');
  const box = await inWidget(page, '.launcher-button').boundingBox();
  assert.ok(box.x < 100, `bottom-left corner, got ${JSON.stringify(box)}`);
  await context.close();
});

test('the attribute form and the object form both expose the instance API', async () => {
  const { context, page } = await open('plain');
  const w = widget(page);
  await w.ready();
  const api = await page.evaluate(() => {
    const i = window.Staffetta.instances.default;
    return ['render', 'open', 'close', 'toggle', 'send', 'on', 'once', 'off', 'restartConversation',
      'updateLocale', 'updateStrings', 'updateIdentityToken', 'destroy', 'getState'].filter((m) => typeof i[m] !== 'function');
  });
  assert.deepEqual(api, [], 'missing methods');
  const events = await page.evaluate(async () => {
    const i = window.Staffetta.instances.default;
    const seen = [];
    i.on('window:open', () => seen.push('open'));
    i.once('window:close', () => seen.push('close-once'));
    await i.open();
    await i.close();
    await i.open();
    await i.close();
    await i.updateStrings({ 'launcher-open': 'Talk to us' });
    const label = document.querySelector('.staffetta-root').shadowRoot.querySelector('.launcher-button').getAttribute('aria-label');
    i.destroy();
    return { seen, label, gone: !document.querySelector('.staffetta-root') && !window.Staffetta.instances.default };
  });
  assert.deepEqual(events, { seen: ['open', 'close-once', 'open'], label: 'Talk to us', gone: true });
  await context.close();
});
