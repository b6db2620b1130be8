// Options that change behaviour rather than looks, checked on a page that loads widget.js
// without options and creates instances with Staffetta.create(): the anonymous-id cookie
// policy, userID, onLoad, inline rendering, openChatByDefault, dark theme, custom CSS
// overriding the theme, updateLocale to a right-to-left language.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifactsDir, desktop, inWidget, mobile, setUp, widget } from './harness.mjs';
import { FakeApi } from './fake-api.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

async function bare(options = desktop, fake = null) {
  const context = await env.browser.newContext(options);
  const page = await context.newPage();
  if (fake) await fake.install(page);
  await page.goto(`${env.fixtures}/bare`);
  await page.waitForFunction(() => window.Staffetta && window.Staffetta.create);
  return { context, page };
}

const create = (page, options) => page.evaluate((o) => window.Staffetta.create(o).then(() => true), options);
const cookie = async (page) => (await page.context().cookies()).find((c) => c.name === 'staffetta_aid');

test('the anonymous-id cookie is written on load by default, on open when asked, never with userID', async () => {
  let { context, page } = await bare();
  await create(page, { siteId: 'demo' });
  const written = await cookie(page);
  assert.match(written.value, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(written.expires * 1000 - Date.now() > 44 * 86_400_000, 'kept 45 days');
  await context.close();

  ({ context, page } = await bare());
  await create(page, { siteId: 'demo', anonymousIdCookie: 'onOpen' });
  assert.equal(await cookie(page), undefined);
  await widget(page).call('open');
  assert.ok(await cookie(page));
  await context.close();

  ({ context, page } = await bare());
  await create(page, { siteId: 'demo', userID: 'customer-42' });
  await widget(page).call('open');
  assert.equal(await cookie(page), undefined);
  await context.close();
});

test('with onLoad the page decides when to render', async () => {
  const { context, page } = await bare();
  const rendered = await page.evaluate(() => new Promise((resolve) => {
    window.Staffetta.create({ siteId: 'demo', onLoad: (instance) => resolve(instance.getState().rendered) });
  }));
  assert.equal(rendered, false);
  assert.equal(await page.locator('.staffetta-root').count(), 0);
  await widget(page).call('render');
  assert.equal(await page.locator('.staffetta-root').count(), 1);
  await context.close();
});

test('element renders the window inline without a launcher; openChatByDefault opens the floating one', async () => {
  const { context, page } = await bare();
  await create(page, { siteId: 'demo', namespace: 'inline', element: '#inline-slot' });
  await inWidget(page, '.window', 'inline').waitFor({ state: 'visible' });
  assert.equal(await inWidget(page, '.launcher', 'inline').count(), 0);
  const box = await inWidget(page, '.window', 'inline').boundingBox();
  const slot = await page.locator('#inline-slot').boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [slot.x, slot.y, slot.width, slot.height]);

  await create(page, { siteId: 'demo', namespace: 'floating', openChatByDefault: true });
  await inWidget(page, '.window', 'floating').waitFor({ state: 'visible' });
  assert.equal((await widget(page, 'floating').state()).isOpen, true);
  await context.close();
});

test('dark scheme and custom CSS on .staffetta-root override the theme', async () => {
  const { context, page } = await bare(mobile);
  await create(page, { siteId: 'demo', theme: { colorScheme: 'dark', primaryColor: '#ffcc00' }, openChatByDefault: true });
  await inWidget(page, '.window').waitFor({ state: 'visible' });
  const dark = await inWidget(page, '.window').evaluate((w) => getComputedStyle(w).backgroundColor);
  assert.equal(dark, 'rgb(28, 30, 35)');
  const onPrimary = await inWidget(page, '.header').evaluate((h) => getComputedStyle(h).color);
  assert.equal(onPrimary, 'rgb(17, 17, 17)', 'dark text on a light primary colour');
  await page.screenshot({ path: join(artifactsDir, 'window-home-mobile-dark.png') });
  await page.addStyleTag({ content: '.staffetta-root { --staffetta-primary: rgb(1, 2, 3); }' });
  const custom = await inWidget(page, '.header').evaluate((h) => getComputedStyle(h).backgroundColor);
  assert.equal(custom, 'rgb(1, 2, 3)');
  await context.close();
});

test('updateLocale to Hebrew turns the widget right-to-left', async () => {
  const { context, page } = await bare();
  await create(page, { siteId: 'demo' });
  await widget(page).call('updateLocale', 'he');
  assert.equal(await inWidget(page, '.root').getAttribute('dir'), 'rtl');
  assert.equal(await inWidget(page, '.root').getAttribute('lang'), 'he');
  await widget(page).call('updateLocale', 'it-IT');
  assert.equal(await inWidget(page, '.root').getAttribute('dir'), 'ltr');
  await context.close();
});

test("the server's home screen (sanitized greeting HTML, suggestions) shows when the page sets none", async () => {
  const config = {
    launcher: { show: true },
    home_screen: { greeting: 'Welcome to the shop', greeting_html: '<p>Welcome to <strong>the shop</strong><img src=x onerror="window.__pwned=1"></p>', suggestions: ['Opening hours'] },
    strings: {},
  };
  const { context, page } = await bare(desktop, new FakeApi({ config }));
  await create(page, { siteId: 'demo', openChatByDefault: true });
  await inWidget(page, '.home-greeting strong').waitFor();
  assert.equal(await inWidget(page, '.home-greeting').innerText(), 'Welcome to the shop');
  assert.deepEqual(await inWidget(page, '.home .chip').allInnerTexts(), ['Opening hours']);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await context.close();
});

test('a site whose server config hides the launcher shows none', async () => {
  const { context, page } = await bare(desktop, new FakeApi({ config: { launcher: { show: false } } }));
  await create(page, { siteId: 'demo' });
  await page.waitForFunction(() => window.Staffetta.instances.default.getState().launcher.state === 'hidden');
  await context.close();
});
