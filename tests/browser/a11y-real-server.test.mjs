// Accessibility of a conversation as the REAL server sends it: the dialog
// tests/browser/fixtures/dialogs/every-response produces every response type (markdown text
// with links and a list, option buttons, a dropdown, a date picker, image, audio, video,
// iframe, pause with typing, user_defined, connect_to_agent), and axe-core (WCAG 2.1 A/AA and
// best practices, shadow DOM included) must find no violation, with the controls open and
// again once they are answered. The iframe's host is answered by the test (no network).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, axe, desktop, inWidget, mobile, setUp, widget } from './harness.mjs';
import { apiMissing, useConfig } from './real-config.mjs';

let env;
let missing = 'not probed yet';
before(async () => {
  useConfig({ dialog: 'every-response', iframeHosts: ['maps.example.test'] });
  env = await setUp();
  missing = await apiMissing(env);
});
after(async () => { await env?.stop(); });

const MAP_PAGE = '<!doctype html><html lang="en"><head><title>Map to the shop</title></head>' +
  '<body><main><h1>Map</h1><p>Via dell\'Aurora 12.</p></main></body></html>';

async function open(options) {
  const context = await env.browser.newContext(options);
  await context.route('https://maps.example.test/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: MAP_PAGE }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.fixtures}/plain`);
  const w = widget(page);
  await w.ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor({ timeout: 15_000 });
  return { context, page, w, errors };
}

async function say(page, words) {
  await inWidget(page, 'textarea').fill(words);
  await inWidget(page, 'textarea').press('Enter');
}

function inTwoDays() {
  const day = new Date(Date.now() + 2 * 86_400_000);
  return `${String(day.getMonth() + 1).padStart(2, '0')}/${String(day.getDate()).padStart(2, '0')}/${day.getFullYear()}`;
}

for (const [name, options] of [['desktop', desktop], ['mobile', mobile]]) {
  test(`axe finds no violation on every response type from the real server (${name})`, async (t) => {
    if (missing) return t.skip(missing);
    const { context, page, errors } = await open(options);
    assert.deepEqual(await axe(page), [], 'the welcome: text with links and a list, option buttons');

    await inWidget(page, '[part~="option"]').filter({ hasText: 'Media' }).click();
    await inWidget(page, '.bubble').filter({ hasText: 'That was every medium.' }).waitFor({ timeout: 15_000 });
    await say(page, 'which sizes');
    await inWidget(page, 'select').waitFor({ timeout: 15_000 });
    await say(page, 'book a visit');
    await inWidget(page, '[part~="date-text"]').waitFor({ timeout: 15_000 });

    const seen = await page.evaluate(() => {
      const root = document.querySelector('.staffetta-root').shadowRoot;
      const q = (s) => [...root.querySelectorAll(s)];
      return {
        links: q('.messages a').map((a) => [a.textContent, a.target, a.rel]),
        list: q('.messages li').length,
        buttons: q('[part~="option"]').length,
        dropdown: q('select option').map((o) => o.textContent).filter(Boolean),
        date: [q('input[type=date]').length, q('[part~="date-text"]').length],
        image: root.querySelector('.img-button img')?.alt,
        audio: q('audio[controls]').length,
        video: q('video[controls]').length,
        iframe: [root.querySelector('iframe')?.title, root.querySelector('iframe')?.getAttribute('sandbox')],
      };
    });
    assert.deepEqual(seen.links, [
      ['the guide', '_blank', 'noopener noreferrer'],
      ['https://example.com/faq', '_blank', 'noopener noreferrer'],
    ]);
    assert.equal(seen.list, 2);
    assert.equal(seen.buttons, 4, 'four options are buttons');
    assert.deepEqual(seen.dropdown.slice(-5), ['XS', 'S', 'M', 'L', 'XL'], 'five are a dropdown');
    assert.deepEqual(seen.date, [1, 1]);
    assert.equal(seen.image, 'A tall ceramic vase with a speckled sand-coloured glaze');
    assert.equal(seen.audio, 1);
    assert.equal(seen.video, 1);
    assert.equal(seen.iframe[0], 'Map to the shop');
    assert.ok(seen.iframe[1], 'the iframe is sandboxed');
    await inWidget(page, '.body').evaluate((body) => { body.scrollTop = body.scrollHeight; });
    assert.deepEqual(await axe(page), [], 'every control open');

    await inWidget(page, '[part~="date-text"]').fill(inTwoDays());
    await inWidget(page, '[part~="date-submit"]').click();
    await inWidget(page, '.bubble').filter({ hasText: 'See you on' }).waitFor({ timeout: 15_000 });
    await inWidget(page, 'select').selectOption({ label: 'M' });
    await inWidget(page, '[part~="option-submit"]').click();
    await inWidget(page, '.msg-visitor .bubble').filter({ hasText: /^You: M$/ }).waitFor();
    await say(page, 'talk to a person');
    await inWidget(page, '.bubble').filter({ hasText: 'Connecting you with the team.' }).waitFor({ timeout: 15_000 });
    await inWidget(page, '.notice').last().waitFor();
    await inWidget(page, '.body').evaluate((body) => { body.scrollTop = body.scrollHeight; });
    await page.screenshot({ path: join(artifactsDir, `window-every-response-real-server-${name}.png`) });
    assert.deepEqual(await axe(page), [], 'answered controls and the handoff notices');
    assert.deepEqual(errors, []);
    await context.close();
  });
}
