/*! Staffetta agent console: screen-reader announcements, the offer sound (WebAudio, no
 * asset) and desktop notifications (asked once, on a click). Apache-2.0. */

import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const NOTIFY_ASKED = 'staffetta-console.notifications-asked';
const SOUND_OFF = 'staffetta-console.sound-off';

/** A polite announcement (kept short: the last five lines stay in the live region). */
export function announce(text) {
  const line = document.createElement('p');
  line.textContent = text;
  $('announcer').append(line);
  while ($('announcer').childElementCount > 5) $('announcer').firstElementChild.remove();
}

/** An assertive announcement, also shown in the status line under the top bar. */
export function alertText(text) {
  $('alerts').textContent = text;
}

// ---------- sound ----------
let audio = null;
let soundOn = localStorage.getItem(SOUND_OFF) !== '1';

// Browsers start audio only after a user gesture: the context is made on the first one.
function unlockAudio() {
  if (audio || !window.AudioContext) return;
  try { audio = new AudioContext(); } catch { audio = null; }
}
document.addEventListener('pointerdown', unlockAudio, { capture: true });
document.addEventListener('keydown', unlockAudio, { capture: true });

/** Two short tones: a new offer. */
export function beep() {
  if (!soundOn || !audio) return;
  if (audio.state === 'suspended') audio.resume().catch(() => {});
  const start = audio.currentTime;
  for (const [offset, frequency] of [[0, 880], [0.18, 1175]]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.2, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.15);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.16);
  }
}

function renderSoundButton() {
  const button = $('sound-button');
  button.setAttribute('aria-pressed', String(soundOn));
  button.textContent = soundOn ? t('console-sound-on') : t('console-sound-off');
}
$('sound-button').addEventListener('click', () => {
  soundOn = !soundOn;
  if (soundOn) localStorage.removeItem(SOUND_OFF); else localStorage.setItem(SOUND_OFF, '1');
  renderSoundButton();
  if (soundOn) beep();
});

/** Draws the controls once the texts are loaded. */
export function initAlerts() {
  renderSoundButton();
}

// ---------- desktop notifications ----------
const supported = () => 'Notification' in window;

/** Shows a desktop notification when permitted; clicking it focuses the console. */
export function notifyDesktop(title, body, tag) {
  if (!supported() || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => { window.focus(); n.close(); };
  } catch {
    // Some browsers allow notifications only from a service worker: the sound and the
    // on-page popup still tell the agent.
  }
}

/** The button is offered until the agent has been asked once. */
export function renderNotifyButton() {
  const button = $('notify-button');
  button.hidden = !supported() || Notification.permission !== 'default' || localStorage.getItem(NOTIFY_ASKED) === '1';
}
$('notify-button').addEventListener('click', () => {
  // Asked once, on this explicit click; the browser remembers the answer.
  localStorage.setItem(NOTIFY_ASKED, '1');
  Promise.resolve(Notification.requestPermission())
    .then((answer) => announce(answer === 'granted' ? t('console-notify-on') : t('console-notify-off')))
    .catch(() => {})
    .finally(() => {
      const focused = document.activeElement === $('notify-button');
      renderNotifyButton();
      if (focused) $('state-select').focus();
    });
});
