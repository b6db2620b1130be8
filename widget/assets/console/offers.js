/*! Staffetta agent console: incoming offers with a countdown to the server's deadline,
 * accept and reject. Apache-2.0. */
import { t } from './i18n.js';
import { serverNow } from './net.js';

const DEFAULT_OFFER_MS = 20000; // when neither POPUP nor SNAPSHOT carried a deadline
const WARN_AT_S = 5;

/**
 * The offers shown in `container`. `desk` gives: send(command) -> bool, announce(text),
 * getJson(path), resourceName(id), onAlert(offer) (sound + notification).
 */
export class Offers {
  constructor(container, desk) {
    this.container = container;
    this.desk = desk;
    this.byId = new Map();
    this.accepting = null; // the offer this console accepted, until ESTABLISHED
  }

  has(id) {
    return this.byId.has(id);
  }

  ids() {
    return [...this.byId.keys()];
  }

  /** A POPUP frame or an entry of SNAPSHOT.offers. */
  add(offer) {
    const known = this.byId.get(offer.id);
    if (known) {
      if (offer.deadline) known.deadline = offer.deadline;
      this.tick(known);
      return;
    }
    const box = document.createElement('section');
    box.className = 'offer';
    const titleId = `offer-${offer.id}-title`;
    box.setAttribute('aria-labelledby', titleId);
    const title = document.createElement('h2');
    title.id = titleId;
    const queue = offer.queue ? this.desk.resourceName(offer.queue) : '';
    title.textContent = queue ? t('console-offer-title-queue', { queue }) : t('console-offer-title');
    const preview = document.createElement('p');
    preview.className = 'preview';
    const countdown = document.createElement('p');
    countdown.className = 'countdown';
    const accept = button(t('console-offer-accept'), 'primary');
    accept.setAttribute('aria-keyshortcuts', 'Alt+Shift+A');
    accept.title = t('console-offer-accept-shortcut');
    const reject = button(t('console-offer-reject'), 'danger');
    const actions = document.createElement('div');
    actions.className = 'row';
    actions.append(accept, reject);
    box.append(title, preview, countdown, actions);
    this.container.append(box);
    const entry = {
      id: offer.id, chatId: offer.chat_id, box, countdown, preview, buttons: [accept, reject], warned: false,
      deadline: offer.deadline || serverNow() + DEFAULT_OFFER_MS,
    };
    entry.timer = setInterval(() => this.tick(entry), 250);
    this.byId.set(offer.id, entry);
    this.tick(entry);
    accept.addEventListener('click', () => this.accept(offer.id));
    reject.addEventListener('click', () => this.reject(offer.id));
    const seconds = this.secondsLeft(entry);
    this.desk.announce(queue ? t('console-offer-announce-queue', { queue, seconds }) : t('console-offer-announce', { seconds }));
    this.desk.onAlert(entry, queue, seconds);
    this.loadPreview(entry);
  }

  /** What the visitor wrote last and on which page: fetched for the offered conversation. */
  async loadPreview(entry) {
    if (!entry.chatId) return;
    const data = await this.desk.getJson(`/conversations/${encodeURIComponent(entry.chatId)}`);
    if (data.error || !this.byId.has(entry.id)) return;
    const said = (data.messages || []).filter((m) => m.from === 'visitor' && m.text).pop();
    const page = data.visitor && data.visitor.page_url;
    const parts = [];
    if (said) parts.push(t('console-offer-visitor-wrote', { text: said.text.length > 140 ? `${said.text.slice(0, 140)}…` : said.text }));
    if (page) parts.push(t('console-offer-page', { url: page }));
    entry.preview.textContent = parts.join(' · ');
  }

  secondsLeft(entry) {
    return Math.max(0, Math.ceil((entry.deadline - serverNow()) / 1000));
  }

  tick(entry) {
    const left = this.secondsLeft(entry);
    entry.countdown.textContent = left > 0 ? t('console-offer-left', { seconds: left }) : t('console-offer-time-up');
    if (left > 0 && left <= WARN_AT_S && !entry.warned) {
      entry.warned = true;
      this.desk.announce(t('console-offer-hurry', { seconds: left }));
    }
    if (left === 0) entry.buttons.forEach((b) => { b.disabled = true; });
  }

  accept(id) {
    const entry = this.byId.get(id);
    if (!entry || entry.buttons[0].disabled) return;
    if (this.desk.send({ command: 'accept', offer: id })) {
      entry.buttons.forEach((b) => { b.disabled = true; });
      entry.countdown.textContent = t('console-offer-accepting');
      clearInterval(entry.timer);
      this.accepting = id;
    }
  }

  /** Accepts the oldest offer (the keyboard shortcut). */
  acceptOldest() {
    const first = this.ids()[0];
    if (first) this.accept(first);
  }

  reject(id) {
    if (this.desk.send({ command: 'reject', offer: id })) this.remove(id);
  }

  /** An accept was refused (someone else was faster, or the offer lapsed). */
  acceptRefused() {
    const id = this.accepting;
    this.accepting = null;
    if (id && this.byId.has(id)) {
      this.remove(id);
      this.desk.announce(t('console-error-gone'));
    }
  }

  remove(id) {
    const entry = this.byId.get(id);
    if (!entry) return false;
    clearInterval(entry.timer);
    const hadFocus = entry.box.contains(document.activeElement);
    entry.box.remove();
    this.byId.delete(id);
    if (this.accepting === id) this.accepting = null;
    if (hadFocus) document.getElementById('main').focus();
    return true;
  }
}

function button(label, cls) {
  const node = document.createElement('button');
  node.type = 'button';
  node.className = cls;
  node.textContent = label;
  return node;
}
