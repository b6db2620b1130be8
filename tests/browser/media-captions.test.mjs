// A medium's description (docs/dialogs.md: image, audio and video have `title`,
// `description` and `alt_text`) is shown under its title, and audio and video are
// described by it for screen readers. It was dropped whenever a title was set, so the
// demo's "Brass and hand-blown glass, 45 cm." and the video's "(no sound)" never showed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, desktop, inWidget, setUp, widget } from './harness.mjs';
import { FakeApi } from './fake-api.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.stop(); });

const media = [
  { response_type: 'image', source: '/demo/media/lamp.svg', title: 'Aurora table lamp', description: 'Brass and hand-blown glass, 45 cm.', alt_text: 'A brass table lamp' },
  { response_type: 'image', source: '/demo/media/vase.svg', alt_text: 'A tall vase', description: 'Wheel-thrown stoneware.' },
  { response_type: 'audio', source: '/demo/media/chime.wav', title: 'The door chime', description: 'Two notes, three seconds.' },
  { response_type: 'video', source: '/demo/media/workshop-tour.mp4', title: 'A tour of the workshop', description: 'From clay to kiln (no sound).' },
  { response_type: 'video', source: '/demo/media/workshop-tour.mp4', description: 'Only a description.' },
];

test('a medium shows its description under its title, and audio and video are described by it', async () => {
  const fake = new FakeApi({ reply: (input) => (input.text === 'media' ? media : []) });
  const context = await env.browser.newContext(desktop);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await fake.install(page);
  await page.goto(`${env.fixtures}/plain`);
  await widget(page).ready();
  await inWidget(page, '.launcher-button').click();
  await inWidget(page, '.msg-bot .bubble').first().waitFor();
  await inWidget(page, 'textarea').fill('media');
  await inWidget(page, 'textarea').press('Enter');
  await inWidget(page, 'video').nth(1).waitFor({ state: 'attached' });

  const seen = await page.evaluate(() => {
    const root = document.querySelector('.staffetta-root').shadowRoot;
    const byId = (id) => (id ? root.getElementById(id)?.textContent : null);
    const captions = [...root.querySelectorAll('.messages figure figcaption')].map((c) => [...c.children].map((s) => s.textContent));
    const players = [...root.querySelectorAll('.messages audio, .messages video')].map((m) => [byId(m.getAttribute('aria-labelledby')), byId(m.getAttribute('aria-describedby'))]);
    return { captions, players };
  });
  assert.deepEqual(seen.captions, [
    ['Aurora table lamp', 'Brass and hand-blown glass, 45 cm.'],
    ['Wheel-thrown stoneware.'],
    ['The door chime', 'Two notes, three seconds.'],
    ['A tour of the workshop', 'From clay to kiln (no sound).'],
    ['Only a description.'],
  ]);
  assert.deepEqual(seen.players, [
    ['The door chime', 'Two notes, three seconds.'],
    ['A tour of the workshop', 'From clay to kiln (no sound).'],
    ['Only a description.', null],
  ]);
  assert.deepEqual(await axe(page), []);
  assert.deepEqual(errors, []);
  await context.close();
});
