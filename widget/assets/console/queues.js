/*! Staffetta agent console: the Queue panel of supervisors and admins - per queue the
 * visitors waiting for a person (wait time ticking, place in line, the agent an offer is
 * pending for, the page they chat from), the live chats under their agent and the agents'
 * after-chat work, from `GET /api/v1/agent/queues` (read again at once on the websocket's
 * `QUEUES` frame and when the team roster changes, polled slowly as a fallback), and a
 * read-only transcript of any of them. Apache-2.0. */
import { t, timeOfDay } from './i18n.js';
import { serverNow } from './net.js';
import { Transcript } from './transcript.js';

const $ = (id) => document.getElementById(id);
/** How often the panel asks the server again while shown, should a `QUEUES` frame be
 * missed (the server pushes one on every change). */
const POLL_MS = 30000;

const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
};

/** A duration in ms as "4:05" (minutes:seconds) or "1:02:03". */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** `desk` gives: getJson(path), announce(text). */
export class QueuePanel {
  constructor(desk) {
    this.desk = desk;
    this.timer = null;
    this.ticker = null;
    this.running = false;
    this.loading = null;
    this.again = false; // a change came while loading: load once more after
    this.lastCounts = '';
    this.skewMs = 0; // server time - local time, from the answer's `at`
    this.dialog = $('transcript-dialog');
    $('queues-refresh').addEventListener('click', () => this.refresh());
    $('transcript-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => {
      // The list may have been drawn again meanwhile: back to that chat's button, if listed.
      if (this.openChat && !this.focusRead(this.openChat)) $('queues-title').focus();
      this.openChat = null;
    });
  }

  /** Shows the panel and starts polling (supervisors and admins only). */
  start() {
    this.stop();
    this.running = true;
    $('queues').hidden = false;
    this.refresh();
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  /** Hides the panel and stops polling. */
  stop() {
    this.running = false;
    clearTimeout(this.timer);
    clearInterval(this.ticker);
    $('queues').hidden = true;
    $('queues-list').replaceChildren();
    $('queues-count').textContent = '';
    this.lastCounts = '';
    if (this.dialog.open) this.dialog.close();
  }

  /** Reads the queues now (a `QUEUES` frame, a change of the roster, the Refresh button or
   * a poll). Changes that come while a read is under way make one more read after it, so
   * the last change is always shown. */
  refresh() {
    if (!this.running) return Promise.resolve();
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.again = false;
    this.loading = this.load().finally(() => {
      this.loading = null;
      clearTimeout(this.timer);
      if (!this.running) return;
      if (this.again) this.refresh();
      else this.timer = setTimeout(() => this.refresh(), POLL_MS);
    });
    return this.loading;
  }

  async load() {
    const data = await this.desk.getJson('/queues');
    if (!this.running) return;
    const status = $('queues-status');
    if (data.error) {
      status.textContent = data.error.status === 403
        ? t('console-queues-forbidden')
        : t('console-queues-failed', { status: data.error.status || 'network' });
      if (data.error.status === 403) this.stop();
      return;
    }
    status.textContent = '';
    if (typeof data.at === 'number') this.skewMs = data.at - Date.now();
    this.render(Array.isArray(data.queues) ? data.queues : []);
  }

  now() {
    return this.skewMs ? Date.now() + this.skewMs : serverNow();
  }

  render(queues) {
    let waiting = 0;
    let live = 0;
    const sections = queues.map((q) => {
      waiting += (q.waiting || []).length;
      live += (q.live || []).length;
      return this.renderQueue(q);
    });
    // A poll must not take the keyboard focus away: the same chat's button gets it back.
    const focused = $('queues-list').contains(document.activeElement)
      ? document.activeElement.closest('li[data-chat]') : null;
    $('queues-list').replaceChildren(...sections);
    if (focused) this.focusRead(focused.dataset.chat);
    $('queues-empty').hidden = queues.length > 0;
    const counts = `${t('console-queues-waiting-count', { count: waiting })} ${t('console-queues-live-count', { count: live })}`;
    // The polite live region speaks only when a count changed, not on every poll.
    if (counts !== this.lastCounts) {
      this.lastCounts = counts;
      $('queues-count').textContent = counts;
    }
    this.tick();
  }

  renderQueue(q) {
    const section = el('section', 'queue');
    const title = el('h3', 'queue-name', q.name || q.id);
    title.id = `queue-${q.id}`;
    section.setAttribute('aria-labelledby', title.id);
    section.append(title);

    section.append(el('h4', null, t('console-queues-waiting-heading', { count: (q.waiting || []).length })));
    const waiting = el('ul', 'queue-list queue-waiting');
    waiting.setAttribute('aria-label', t('console-queues-waiting-label', { queue: q.name || q.id }));
    for (const w of q.waiting || []) {
      const item = el('li');
      item.dataset.chat = w.chat_id;
      const who = el('span', 'name', w.offered_to
        ? t('console-queues-offered-to', { name: w.offered_to.display_name }) : t('console-queues-place', { position: w.position }));
      const wait = el('span', 'wait');
      wait.dataset.since = String(w.waiting_since);
      wait.dataset.label = 'waiting';
      item.append(who, wait);
      if (w.visitor && w.visitor.page_url) item.append(el('span', 'page', w.visitor.page_url));
      item.append(this.readButton(w.chat_id, t('console-queues-read-waiting', { time: timeOfDay(w.waiting_since, true) })));
      waiting.append(item);
    }
    if (!waiting.childElementCount) waiting.append(el('li', 'none', t('console-queues-nobody-waiting')));
    section.append(waiting);

    section.append(el('h4', null, t('console-queues-live-heading', { count: (q.live || []).length })));
    const live = el('ul', 'queue-list queue-live');
    live.setAttribute('aria-label', t('console-queues-live-label', { queue: q.name || q.id }));
    for (const l of q.live || []) {
      const item = el('li');
      item.dataset.chat = l.chat_id;
      item.dataset.agent = l.agent.id;
      const since = el('span', 'wait');
      since.dataset.since = String(l.since);
      since.dataset.label = 'for';
      item.append(el('span', 'name', l.agent.display_name), since);
      item.append(this.readButton(l.chat_id, t('console-queues-read-live', { name: l.agent.display_name })));
      live.append(item);
    }
    if (!live.childElementCount) live.append(el('li', 'none', t('console-queues-no-live')));
    section.append(live);

    section.append(el('h4', null, t('console-queues-wrap-up-heading', { count: (q.wrap_up || []).length })));
    const wrapUp = el('ul', 'queue-list queue-wrap-up');
    wrapUp.setAttribute('aria-label', t('console-queues-wrap-up-label', { queue: q.name || q.id }));
    for (const w of q.wrap_up || []) {
      const item = el('li');
      item.dataset.chat = w.chat_id;
      item.dataset.agent = w.agent.id;
      const since = el('span', 'wait');
      since.dataset.since = String(w.since);
      since.dataset.label = 'wrapping';
      item.append(el('span', 'name', w.agent.display_name), since);
      item.append(this.readButton(w.chat_id, t('console-queues-read-wrap-up', { name: w.agent.display_name })));
      wrapUp.append(item);
    }
    if (!wrapUp.childElementCount) wrapUp.append(el('li', 'none', t('console-queues-no-wrap-up')));
    section.append(wrapUp);
    return section;
  }

  readButton(chatId, label) {
    const button = el('button', 'read', t('console-queues-read'));
    button.type = 'button';
    button.setAttribute('aria-label', label);
    button.addEventListener('click', () => this.open(chatId));
    return button;
  }

  /** Focuses the Read button of `chatId` in the panel; false when it is not listed. */
  focusRead(chatId) {
    const button = [...$('queues-list').querySelectorAll('li[data-chat]')]
      .find((item) => item.dataset.chat === chatId)?.querySelector('button.read');
    if (button) button.focus();
    return Boolean(button);
  }

  /** Moves every wait time on by the clock (once a second; not a live region). */
  tick() {
    const now = this.now();
    for (const node of $('queues-list').querySelectorAll('.wait')) {
      const text = clock(now - Number(node.dataset.since));
      const key = { for: 'console-queues-live-for', wrapping: 'console-queues-wrapping-for' }[node.dataset.label]
        || 'console-queues-waiting-for';
      node.textContent = t(key, { time: text });
    }
  }

  /** The conversation's transcript, read-only, in a modal dialog. */
  async open(chatId) {
    this.openChat = chatId;
    const list = $('transcript-dialog-lines');
    list.replaceChildren();
    $('transcript-dialog-status').textContent = t('console-transcript-loading');
    if (!this.dialog.open) this.dialog.showModal();
    const data = await this.desk.getJson(`/conversations/${encodeURIComponent(chatId)}`);
    if (data.error) {
      $('transcript-dialog-status').textContent = data.error.status === 404
        ? t('console-transcript-gone')
        : t('console-transcript-failed', { status: data.error.status || 'network' });
      return;
    }
    const transcript = new Transcript(list);
    transcript.setHandoffSeq(data.handoff_seq);
    transcript.addAll(data.messages || []);
    const count = (data.messages || []).length;
    const lines = t(data.earlier ? 'console-transcript-lines-latest' : 'console-transcript-lines', { count });
    const page = data.visitor && data.visitor.page_url ? t('console-transcript-page', { url: data.visitor.page_url }) : '';
    $('transcript-dialog-status').textContent = [lines, page].filter(Boolean).join(' ');
  }
}
