/*! Staffetta agent console: its texts in the operator's language (locales/<lang>/console.ftl,
 * from GET /api/v1/agent/texts, negotiated by the server from the browser's Accept-Language,
 * which follows navigator.languages), and dates, times, numbers and durations in that
 * language. Apache-2.0. */

let texts = {};
let lang = 'en';

/** The console's language (a BCP 47 tag), also set as `<html lang>`. */
export const locale = () => lang;

/**
 * Reads the texts (retried every 2 s while the server cannot be reached: the console cannot
 * work without it anyway). `?lang=xx` in the page's URL asks for a language explicitly.
 */
export async function loadTexts() {
  const asked = new URLSearchParams(location.search).get('lang');
  const url = `/api/v1/agent/texts${asked ? `?locale=${encodeURIComponent(asked)}` : ''}`;
  for (;;) {
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (response.ok) {
        const body = await response.json();
        texts = body.texts || {};
        lang = body.locale || 'en';
        document.documentElement.lang = lang;
        return;
      }
    } catch {
      // offline: try again below
    }
    await new Promise((resolve) => { setTimeout(resolve, 2000); });
  }
}

/** A select message (plurals): the exact number's variant, else its plural category's, else the default. */
function variant(message, args) {
  const { variants } = message;
  const n = Number(args[message.select]);
  if (Number.isFinite(n)) {
    if (variants[String(n)] !== undefined) return variants[String(n)];
    const category = new Intl.PluralRules(lang).select(n);
    if (variants[category] !== undefined) return variants[category];
  }
  return variants[message.default];
}

function value(v) {
  if (typeof v === 'number') return new Intl.NumberFormat(lang).format(v);
  return v === undefined || v === null ? '' : String(v);
}

/** The text `id` with its `{ $name }` placeables filled from `args` (numbers formatted); the id itself when missing. */
export function t(id, args = {}) {
  let text = texts[id];
  if (text && typeof text === 'object') text = variant(text, args);
  if (typeof text !== 'string') return id;
  return text.replace(/\{\$(\w+)\}/g, (_, name) => value(args[name]));
}

/** Fills the marked elements under `root`: `data-i18n` (text) and `data-i18n-label` (aria-label). */
export function localize(root) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
}

/** A date and time (ms since the epoch) in the console's language. */
export const dateTime = (ms) => new Date(ms).toLocaleString(lang);

/** A time of day, hours and minutes (and seconds with `seconds`). */
export const timeOfDay = (ms, seconds = false) => new Date(ms).toLocaleTimeString(lang, seconds
  ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });

/** How long from now, in words: "in 15 minutes", "tra 2 ore" (rounded up to the unit). */
export function inWords(seconds) {
  const format = new Intl.RelativeTimeFormat(lang, { numeric: 'always' });
  if (seconds < 60) return format.format(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 3600) return format.format(Math.ceil(seconds / 60), 'minute');
  if (seconds < 86400) return format.format(Math.ceil(seconds / 3600), 'hour');
  return format.format(Math.ceil(seconds / 86400), 'day');
}
