// the widget embeds a frame only from an https:// URL. The dialog loader already refuses
// every other iframe source; this is the widget's own check for payloads that did not come
// through it (a rewriting proxy, a future connector), served here by the in-test FakeApi.
// http:// (loopback included), site-relative and protocol-relative paths (resolved against
// the plain-http test server), `javascript:` and `data:` sources are never embedded: each
// becomes a notice naming the frame, with its address as a plain link when it is http(s).
// The https frame next to them is embedded, sandboxed and without a referrer. The tests run
// offline: the https frame's host is answered by the test, and only the element is checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, desktop, inWidget, setUp, widget } from './harness.mjs';
import { FakeApi } from './fake-api.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

const HOSTILE = [
  'http://maps.example.test/embed',
  'HTTP://maps.example.test/embed',
  'http://127.0.0.1:9/embed',
  'http://localhost/embed',
  '/demo/media/map.svg',
  '//maps.example.test/embed',
  'javascript:parent.__pwned=1',
  'data:text/html,<script>parent.__pwned=2</script>',
];

test('only an https iframe source is embedded; any other becomes an accessible notice', async () => {
  const items = [
    ...HOSTILE.map((source, n) => ({ response_type: 'iframe', source, title: `Frame ${n}` })),
    { response_type: 'iframe', source: 'https://maps.example.test/embed', title: 'Map to the shop' },
    { response_type: 'text', text: 'done', html: '<p>done</p>' },
  ];
  const fake = new FakeApi({ reply: (input) => (input.text === 'frames' ? items : []) });
  const context = await env.browser.newContext(desktop);
  const requested = [];
  context.on('request', (request) => requested.push(request.url()));
  await context.route('https://maps.example.test/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>map</title>' }));
  try {
    const page = await context.newPage();
    await fake.install(page);
    await page.goto(`${env.fixtures}/plain`);
    await widget(page).ready();
    await inWidget(page, '.launcher-button').click();
    await inWidget(page, '.msg-bot .bubble').first().waitFor();
    await inWidget(page, 'textarea').fill('frames');
    await inWidget(page, 'textarea').press('Enter');
    await inWidget(page, '.msg-bot .bubble').filter({ hasText: 'done' }).waitFor();
    const seen = await page.evaluate(() => {
      const root = document.querySelector('.staffetta-root').shadowRoot;
      return {
        pwned: window.__pwned,
        frames: [...root.querySelectorAll('iframe')]
          .map((f) => [f.getAttribute('src'), f.title, f.getAttribute('sandbox'), f.getAttribute('referrerpolicy')]),
        notices: [...root.querySelectorAll('[part~="iframe-refused"]')].map((n) => {
          const a = n.querySelector('a');
          return [n.textContent, a && [a.getAttribute('href'), a.target, a.rel]];
        }),
      };
    });
    assert.equal(seen.pwned, undefined);
    assert.deepEqual(seen.frames, [[
      'https://maps.example.test/embed',
      'Map to the shop',
      'allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox',
      'no-referrer',
    ]]);
    const link = (href) => [href, '_blank', 'noopener noreferrer'];
    const notice = (n, href) => [`“Frame ${n}” cannot be shown in the chat.${href ?? ''}`, href ? link(href) : null];
    assert.deepEqual(seen.notices, [
      notice(0, 'http://maps.example.test/embed'),
      notice(1, 'http://maps.example.test/embed'),
      notice(2, 'http://127.0.0.1:9/embed'),
      notice(3, 'http://localhost/embed'),
      notice(4, `${env.server}/demo/media/map.svg`),
      notice(5, 'http://maps.example.test/embed'),
      notice(6),
      notice(7),
    ]);
    // Nothing but the https frame was fetched for these items.
    assert.deepEqual(
      requested.filter((url) => url.includes('/embed') || url.endsWith('/map.svg') || !/^https?:/.test(url)),
      ['https://maps.example.test/embed'],
    );
    await inWidget(page, '.body').evaluate((body) => { body.scrollTop = body.scrollHeight; });
    assert.deepEqual(await axe(page), []);
  } finally {
    await context.close();
  }
});
