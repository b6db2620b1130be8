/*! Staffetta agent console: one conversation's transcript, kept in `seq` order whatever
 * order the history call and the live MESSAGE frames arrive in, without duplicates, with a
 * divider where the bot handed over, and "Load earlier messages" for a long conversation
 * (the transcript call answers its latest 2000 log entries). Visitor text is rendered as
 * text; bot and agent HTML comes sanitized from the server and is cleaned again here.
 * Apache-2.0. */

import { t, timeOfDay } from './i18n.js';

/** Who wrote a line, in words. */
const FROM = {
  visitor: () => t('console-from-visitor'), bot: () => t('console-from-bot'),
  agent: () => t('console-from-agent'), system: () => t('console-from-system'),
};

/** "{ $name } joined the chat." with the name when known, else the anonymous text. */
const named = (event, withName, without) => (event.agent_name ? t(withName, { name: event.agent_name }) : t(without));

const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
};

/** A system line of the transcript call (`event` of the visitor's log) as words. */
export function eventText(event) {
  switch (event && event.type) {
    case 'agent_joined': return named(event, 'console-event-agent-joined', 'console-event-agent-joined-anonymous');
    case 'agent_left': return named(event, 'console-event-agent-left', 'console-event-agent-left-anonymous');
    case 'agent_reconnecting': return named(event, 'console-event-agent-reconnecting', 'console-event-agent-reconnecting-anonymous');
    case 'agent_reconnected': return named(event, 'console-event-agent-reconnected', 'console-event-agent-reconnected-anonymous');
    case 'queue_update': return event.estimated_wait_s
      ? t('console-event-queue-position-wait', { position: event.position, minutes: Math.max(1, Math.round(event.estimated_wait_s / 60)) })
      : t('console-event-queue-position', { position: event.position });
    case 'queue_closed': return event.text || t('console-event-queue-closed');
    case 'handoff_cancelled': return event.reason === 'visitor_gone' ? t('console-event-visitor-gone') : t('console-event-handoff-cancelled');
    case 'conversation_ended': return {
      visitor: () => t('console-event-ended-by-visitor'), bot: () => t('console-event-ended-by-bot'),
      agent: () => t('console-event-ended-by-agent'),
    }[event.by]?.() || t('console-event-ended-by-system');
    case 'session_expiring':
    case 'session_expired': return event.text || t('console-event-session-expired');
    case 'identity_expired': return t('console-event-identity-expired');
    default: return event && event.type ? event.type.replace(/_/g, ' ') : '';
  }
}

// The server sanitizes bot and agent HTML; as defence in depth the markup is parsed in an
// inert <template> and scripts, embedded content and on* attributes are removed.
export function sanitizedFragment(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  template.content.querySelectorAll('script,style,iframe,object,embed,link,meta,base,form,input,button,textarea,select')
    .forEach((n) => n.remove());
  for (const node of template.content.querySelectorAll('*')) {
    for (const attr of [...node.attributes]) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/\s+/g, '').toLowerCase();
      if (name.startsWith('on') || name === 'style' || name === 'srcdoc' || name === 'id' || name === 'tabindex'
        || ((name === 'href' || name === 'src' || name === 'xlink:href' || name === 'action') && /^(javascript|vbscript|data):/.test(value))) {
        node.removeAttribute(attr.name);
      }
    }
    if (node.tagName === 'IMG' && !node.hasAttribute('alt')) node.setAttribute('alt', '');
    if (node.tagName === 'A') { node.setAttribute('rel', 'noopener noreferrer'); node.setAttribute('target', '_blank'); }
  }
  return template.content;
}

const time = (at) => (at ? timeOfDay(at) : '');

/** A transcript list (`<ol>`), merged by seq. */
export class Transcript {
  constructor(list) {
    this.list = list;
    this.keys = new Map(); // sort key -> <li>
    this.order = []; // the sort keys, ascending (the order of the list's items)
    this.handoffSeq = null;
    this.localCount = 0;
  }

  /** Where the handoff began: the divider goes before the first line at or after it. */
  setHandoffSeq(seq) {
    if (typeof seq !== 'number' || this.handoffSeq === seq) return;
    if (this.handoffSeq !== null) this.remove(this.handoffSeq - 0.5);
    this.handoffSeq = seq;
    this.insert(seq - 0.5, el('li', 'handoff-mark', t('console-handoff-mark')));
  }

  /**
   * Adds a MESSAGE frame or a line of the transcript call; false when already shown. A new
   * last line scrolls the list to the bottom unless `follow` is false.
   */
  add(m, follow = true) {
    const key = typeof m.seq === 'number' ? m.seq : Number.MAX_SAFE_INTEGER - 1e6 + (this.localCount += 1);
    if (this.keys.has(key)) return false;
    this.insert(key, this.render(m), follow);
    return true;
  }

  /** Adds the lines of a transcript call (scrolled once, to the bottom when a new last line came). */
  addAll(lines) {
    const last = this.order[this.order.length - 1];
    let added = 0;
    for (const m of lines) if (this.add(m, false)) added += 1;
    if (this.order[this.order.length - 1] !== last) this.list.scrollTop = this.list.scrollHeight;
    return added;
  }

  /**
   * Adds older lines (a page of `?before=`) above the ones shown, keeping the line the
   * reader is at in the same place on screen. Returns how many lines were new.
   */
  addEarlier(lines) {
    const anchor = this.firstVisible();
    const top = anchor ? anchor.getBoundingClientRect().top : 0;
    let added = 0;
    for (const m of lines) if (this.add(m, false)) added += 1;
    if (anchor) this.list.scrollTop += anchor.getBoundingClientRect().top - top;
    return added;
  }

  /** The first item of the list that is (partly) in view, or null. */
  firstVisible() {
    const top = this.list.getBoundingClientRect().top;
    for (const item of this.list.children) if (item.getBoundingClientRect().bottom > top) return item;
    return null;
  }

  /** A line the console adds itself (no seq): after everything else. */
  note(text) {
    this.add({ from: 'system', text, at: Date.now() });
  }

  render(m) {
    const from = FROM[m.from] ? m.from : 'system';
    const item = el('li', `msg msg-${from}`);
    const head = el('span', 'from');
    const who = from === 'agent' && m.agent_name ? m.agent_name : FROM[from]();
    head.append(el('span', 'who', who));
    if (m.at) {
      const stamp = el('time', 'at', time(m.at));
      stamp.dateTime = new Date(m.at).toISOString();
      head.append(' ', stamp);
    }
    const body = el('div', 'body');
    if (m.event && typeof m.event === 'object') body.textContent = eventText(m.event);
    else if ((from === 'bot' || from === 'agent' || from === 'system') && m.html) body.append(sanitizedFragment(m.html));
    else body.textContent = m.text || '';
    item.append(head, body);
    return item;
  }

  /** The position of `key` in the sorted keys (binary search). */
  position(key) {
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.order[middle] < key) low = middle + 1; else high = middle;
    }
    return low;
  }

  insert(key, item, follow = true) {
    item.dataset.key = String(key);
    const at = this.position(key);
    const before = at < this.order.length ? this.keys.get(this.order[at]) : null;
    this.list.insertBefore(item, before);
    this.order.splice(at, 0, key);
    this.keys.set(key, item);
    if (!before && follow) this.list.scrollTop = this.list.scrollHeight;
  }

  remove(key) {
    const node = this.keys.get(key);
    if (!node) return;
    node.remove();
    this.keys.delete(key);
    this.order.splice(this.position(key), 1);
  }
}

/** Log entries one transcript answer covers (docs/agent-api.md: "the 2000 entries before it"). */
const PAGE = 2000;
let pagerId = 0;

/**
 * "Load earlier messages" above a transcript whose conversation has older lines than the
 * ones shown. `fetchPage(before)` resolves a transcript answer or `{error: {status}}`;
 * `announce(text)` speaks through the console's live region. Feed every answer of the
 * transcript call to `page()`, the first one included.
 */
export class EarlierLines {
  constructor(transcript, fetchPage, announce) {
    this.transcript = transcript;
    this.fetchPage = fetchPage;
    this.announce = announce;
    this.before = null; // the seq of the oldest line shown: the next page ends before it
    this.more = false;
    this.busy = false;
    pagerId += 1;
    this.button = el('button', 'load-earlier', t('console-earlier-load'));
    this.button.type = 'button';
    this.status = el('p', 'earlier-status');
    this.status.id = `earlier-status-${pagerId}`;
    this.status.setAttribute('role', 'status');
    this.button.setAttribute('aria-describedby', this.status.id);
    this.root = el('div', 'earlier-bar');
    this.root.hidden = true;
    this.root.append(this.button, this.status);
    transcript.list.before(this.root);
    this.button.addEventListener('click', () => this.load());
  }

  /**
   * An answer of the transcript call (`before`: the `?before=` it was asked with, or null):
   * the button shows while older lines exist. An answer that does not reach further back
   * than the lines shown (the latest page again, after a reconnect) changes nothing.
   */
  page(data, before = null) {
    const seqs = (data.messages || []).map((m) => m.seq).filter((seq) => typeof seq === 'number');
    let first = seqs.length ? seqs.reduce((a, b) => Math.min(a, b)) : null;
    // A page without lines still covers its entries: the next one ends where it began.
    if (first === null && before !== null) first = Math.max(1, before - PAGE);
    if (first === null || (this.before !== null && first >= this.before)) return;
    this.before = first;
    this.more = Boolean(data.earlier) && first > 1;
    this.root.hidden = !this.more;
  }

  /** Reads the page before the oldest line shown; on failure says so and stays to be retried. */
  async load() {
    if (this.busy || !this.more) return;
    this.busy = true;
    const before = this.before;
    this.button.setAttribute('aria-disabled', 'true');
    this.status.classList.remove('error');
    this.status.textContent = t('console-earlier-loading');
    const data = await this.fetchPage(before);
    this.busy = false;
    this.button.removeAttribute('aria-disabled');
    if (data.error) {
      this.status.classList.add('error');
      this.status.textContent = t('console-earlier-failed', { status: data.error.status || 'network' });
      return;
    }
    this.status.textContent = '';
    const added = this.transcript.addEarlier(data.messages || []);
    const hadFocus = document.activeElement === this.button;
    this.page(data, before);
    this.announce(t(this.more ? 'console-earlier-added' : 'console-earlier-added-start', { count: added }));
    if (!this.more && hadFocus) {
      // The button is gone: focus moves to the transcript, where the reader is.
      const { list } = this.transcript;
      if (!list.hasAttribute('tabindex')) list.tabIndex = -1;
      list.focus({ preventScroll: true });
    }
  }
}
