/*! Staffetta agent console: one conversation column - visitor box, transcript, typing in
 * both directions, composer, end, transfer, IP ban and the wrap-up form. Apache-2.0. */
import { dateTime, t, timeOfDay } from './i18n.js';
import { EarlierLines, Transcript } from './transcript.js';

const TYPING_EVERY_MS = 2000; // while the agent types, `typing: true` at most this often
const TYPING_IDLE_MS = 3000; // no key for this long: `typing: false`
const VISITOR_TYPING_MS = 6000; // the visitor's indicator fades without news

const PHASES = { online: ['console-phase-live', 'ok'], wrap_up: ['console-phase-wrap-up', 'warn'] };

let uid = 0;

/**
 * A conversation the agent has. `desk` gives: send(command, chatId) -> bool, getJson(path),
 * announce(text), agent() -> operator, targets() -> {resources, agents}, resourceName(id),
 * onClosed(conversation).
 */
export class Conversation {
  constructor(desk, c) {
    this.desk = desk;
    this.chatId = c.chat_id;
    this.jobId = c.job_id;
    this.queue = c.queue;
    this.phase = null;
    this.lastTypingSent = 0; // when `typing: true` was last sent; 0 = not typing
    this.typingIdleTimer = null;
    this.typingTimer = null;
    this.loaded = false;
    this.n = (uid += 1);
    this.root = document.getElementById('conversation-template').content.firstElementChild.cloneNode(true);
    this.q = (selector) => this.root.querySelector(selector);
    this.transcript = new Transcript(this.q('.transcript'));
    this.earlier = new EarlierLines(this.transcript, (before) => this.fetchTranscript(this.chatId, before), desk.announce);
    this.typing = this.q('.typing');
    this.textarea = this.q('.composer textarea');
    this.status = this.q('.conv-status');
    this.wire();
    this.setPhase(c.phase === 'wrap_up' ? 'wrap_up' : 'online', c.deadline);
  }

  wire() {
    const { root, q, n } = this;
    const titleId = `c${n}-title`;
    q('.conv-title').id = titleId;
    root.setAttribute('aria-labelledby', titleId);
    q('.conv-title').textContent = this.queue
      ? t('console-chat-title-queue', { n, queue: this.desk.resourceName(this.queue) }) : t('console-chat-title', { n });
    // Unique ids so that every label points at its control.
    for (const [label, control] of [
      ['.composer-label', '.composer textarea'], ['.transfer-label', '.transfer-target'],
      ['.ban-label', '.ban-expiry'], ['.disposition-label', '.disposition'], ['.notes-label', '.notes'],
    ]) {
      const node = q(control);
      node.id = `c${n}-${control.replace(/[^a-z]/g, '')}`;
      q(label).htmlFor = node.id;
    }
    q('.transcript').setAttribute('aria-label', t('console-chat-transcript-label', { n }));
    q('.composer-hint').id = `c${n}-composer-hint`;
    this.textarea.setAttribute('aria-describedby', q('.composer-hint').id);

    const composer = q('.composer');
    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = this.textarea.value.trim();
      if (!text || this.phase !== 'online') return;
      this.stopTyping();
      if (this.desk.send({ command: 'send', conversation: this.chatId, text }, this.chatId)) {
        this.unconfirmed = text;
        this.textarea.value = '';
      }
    });
    this.textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    this.textarea.addEventListener('input', () => this.typed());
    q('.end').addEventListener('click', () => {
      if (this.desk.send({ command: 'end', conversation: this.chatId }, this.chatId)) this.say(t('console-ending'));
    });

    q('.transfer').addEventListener('submit', (event) => {
      event.preventDefault();
      const [kind, id] = (q('.transfer-target').value || '').split(':');
      if (!kind || !id) { this.say(t('console-transfer-missing')); return; }
      if (this.desk.send({ command: 'transfer', conversation: this.chatId, to: { kind, id } }, this.chatId)) this.say(t('console-transferring'));
    });
    q('.tools').addEventListener('toggle', () => { if (q('.tools').open) this.renderTargets(); });

    const ban = q('.ban');
    ban.addEventListener('submit', (event) => {
      event.preventDefault();
      const expiry = q('.ban-expiry').value;
      const command = { command: 'ban_ip', conversation: this.chatId };
      if (expiry) command.expires_s = Number(expiry);
      if (this.desk.send(command, this.chatId)) this.say(t('console-banning'));
    });

    q('.wrapup').addEventListener('submit', (event) => {
      event.preventDefault();
      const disposition = q('.disposition').value;
      const notes = q('.notes').value;
      if (this.desk.send({ command: 'wrapup_done', job: this.jobId, disposition, notes }, this.chatId)) {
        q('.wrapup button[type="submit"]').disabled = true;
        this.say(t('console-wrapup-saving'));
      }
    });
    this.renderTargets();
    this.applyPermissions();
  }

  /** Ban only for operators allowed to see visitor addresses. */
  applyPermissions() {
    const operator = this.desk.agent();
    this.q('.ban').hidden = !(operator && operator.can_see_ip);
  }

  /** The transfer choices: the site's queues and the colleagues logged in at the desk. */
  renderTargets() {
    const select = this.q('.transfer-target');
    const previous = select.value;
    const { resources, agents } = this.desk.targets();
    select.replaceChildren(new Option(t('console-transfer-choose'), ''));
    const group = (label, items, kind, name) => {
      if (!items.length) return;
      const node = document.createElement('optgroup');
      node.label = label;
      for (const item of items) node.append(new Option(name(item), `${kind}:${item.id}`));
      select.append(node);
    };
    group(t('console-transfer-queues'), resources, 'resource', (r) => r.name || r.id);
    group(t('console-transfer-agents'), agents, 'agent', (a) => a.display_name || a.id);
    if ([...select.options].some((o) => o.value === previous)) select.value = previous;
  }

  /**
   * A key in the reply box: the visitor sees "<name> is typing" - `typing: true` when the
   * agent starts and again every 2 s while they go on, `typing: false` after 3 s without a
   * key, when the box is emptied, and before the message is sent.
   */
  typed() {
    if (this.phase !== 'online') return;
    if (!this.textarea.value.trim()) {
      this.stopTyping();
      return;
    }
    const now = Date.now();
    if (now - this.lastTypingSent >= TYPING_EVERY_MS) {
      this.lastTypingSent = now;
      this.desk.send({ command: 'typing', conversation: this.chatId, typing: true }, this.chatId);
    }
    clearTimeout(this.typingIdleTimer);
    this.typingIdleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  /** Tells the visitor the agent stopped typing (once; only if they were told it started). */
  stopTyping() {
    clearTimeout(this.typingIdleTimer);
    if (!this.lastTypingSent) return;
    this.lastTypingSent = 0;
    if (this.phase === 'online') this.desk.send({ command: 'typing', conversation: this.chatId, typing: false }, this.chatId);
  }

  /** A status line under the title (also announced). */
  say(text) {
    this.status.textContent = text;
  }

  setPhase(phase, deadline) {
    if (this.phase === phase) return;
    const focusWasHere = this.root.contains(document.activeElement);
    if (phase !== 'online') {
      // The chat is over: the visitor no longer sees the indicator, nothing to stop.
      clearTimeout(this.typingIdleTimer);
      this.lastTypingSent = 0;
    }
    this.phase = phase;
    const pill = this.q('.conv-phase');
    const [label, kind] = PHASES[phase] || [phase, ''];
    pill.textContent = t(label);
    pill.className = `conv-phase pill ${kind}`;
    const live = phase === 'online';
    this.q('.composer').hidden = !live;
    this.q('.tools').hidden = !live;
    this.q('.wrapup').hidden = phase !== 'wrap_up';
    if (phase === 'wrap_up') {
      this.showTyping(false);
      this.q('.wrapup-deadline').textContent = deadline ? t('console-wrapup-deadline', { time: timeOfDay(deadline, true) }) : '';
      if (focusWasHere) this.q('.disposition').focus();
    }
  }

  /** The conversation ended (CONNECTIONCLEARED): wrap-up follows. */
  cleared(reason) {
    const why = t({
      agent: 'console-cleared-agent', visitor: 'console-cleared-visitor',
      transferred: 'console-cleared-transferred', agent_lost: 'console-cleared-agent-lost',
    }[reason] || 'console-cleared-other');
    this.transcript.note(why);
    this.say(t('console-cleared-wrap-up', { why }));
    this.setPhase('wrap_up');
  }

  /** A command of this conversation was refused (an ERROR frame). */
  refused(command, text) {
    this.say(text);
    this.q('.wrapup button[type="submit"]').disabled = false;
    // A refused message goes back into the box rather than being lost.
    if (command === 'send' && this.unconfirmed && !this.textarea.value) this.textarea.value = this.unconfirmed;
    this.unconfirmed = null;
  }

  /** A MESSAGE frame. */
  message(frame) {
    if (frame.from === 'agent' && frame.text === this.unconfirmed) this.unconfirmed = null;
    const added = this.transcript.add(frame);
    if (frame.from === 'visitor') this.showTyping(false);
    return added;
  }

  showTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing.textContent = on ? t('console-visitor-typing') : '';
    if (on) this.typingTimer = setTimeout(() => this.showTyping(false), VISITOR_TYPING_MS);
  }

  /** A transcript call: the latest lines of a conversation, or those before seq `before`. */
  fetchTranscript(chatId, before = null) {
    const query = before === null ? '' : `?before=${encodeURIComponent(before)}`;
    return this.desk.getJson(`/conversations/${encodeURIComponent(chatId)}${query}`);
  }

  /** The transcript and visitor info (again after a reconnect: missed lines are merged). */
  async load() {
    const data = await this.fetchTranscript(this.chatId);
    if (data.error) {
      if (!this.loaded) this.transcript.note(t('console-history-failed', { status: data.error.status || 'network' }));
      return;
    }
    this.loaded = true;
    this.transcript.setHandoffSeq(data.handoff_seq);
    this.transcript.addAll(data.messages || []);
    this.earlier.page(data);
    this.renderVisitor(data.visitor || {});
  }

  renderVisitor(v) {
    const dl = this.q('.visitor-info');
    dl.replaceChildren();
    const row = (term, value) => {
      if (value === undefined || value === null || value === '') return null;
      const dd = document.createElement('dd');
      if (value instanceof Node) dd.append(value); else dd.textContent = String(value);
      const dt = document.createElement('dt');
      dt.textContent = term;
      dl.append(dt, dd);
      return dd;
    };
    row(t('console-visitor-page'), v.page_url);
    row(t('console-visitor-referrer'), v.referrer);
    row(t('console-visitor-device'), v.device);
    row(t('console-visitor-browser'), browserOn(v.browser, v.os) || describeAgent(v.user_agent));
    row(t('console-visitor-place'), [v.city, v.country].filter(Boolean).join(', '));
    row(t('console-visitor-language'), v.locale);
    row(t('console-visitor-ip'), v.ip);
    const previous = v.previous_conversations || [];
    if (!previous.length) {
      row(t('console-visitor-earlier'), t('console-visitor-earlier-none'));
      return;
    }
    const list = document.createElement('ul');
    list.className = 'previous';
    const operator = this.desk.agent();
    // Admins and supervisors may read any conversation of the site; agents see the dates.
    const mayRead = operator && (operator.role === 'admin' || operator.role === 'supervisor');
    for (const p of previous) {
      const item = document.createElement('li');
      const when = p.started_at ? dateTime(p.started_at) : p.chat_id;
      if (mayRead) item.append(this.previousViewer(p.chat_id, when)); else item.textContent = when;
      list.append(item);
    }
    row(t('console-visitor-earlier-count', { count: previous.length }), list);
  }

  /** An earlier chat of the same visitor, its transcript read on demand. */
  previousViewer(chatId, when) {
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = when;
    const lines = document.createElement('ol');
    lines.className = 'transcript earlier';
    lines.setAttribute('aria-label', t('console-earlier-chat-label', { when }));
    details.append(summary, lines);
    details.addEventListener('toggle', async () => {
      if (!details.open || details.dataset.loaded) return;
      details.dataset.loaded = '1';
      const data = await this.fetchTranscript(chatId);
      lines.replaceChildren(); // a retry after a failure starts over
      const earlier = new Transcript(lines);
      if (data.error) {
        earlier.note(data.error.status === 404 ? t('console-earlier-chat-none') : t('console-earlier-chat-failed'));
        delete details.dataset.loaded;
        return;
      }
      earlier.setHandoffSeq(data.handoff_seq);
      earlier.addAll(data.messages || []);
      new EarlierLines(earlier, (before) => this.fetchTranscript(chatId, before), this.desk.announce).page(data);
    });
    return details;
  }

  remove() {
    clearTimeout(this.typingTimer);
    clearTimeout(this.typingIdleTimer);
    this.root.remove();
  }
}

/** "Chrome 131 on Windows" (in the console's language) from its parts; '' without a browser. */
function browserOn(browser, system) {
  if (!browser) return system || '';
  return system ? t('console-visitor-browser-on', { browser, system }) : browser;
}

/** "Chrome 131 on Windows" from a user agent string (best effort; the raw string otherwise). */
export function describeAgent(ua) {
  if (!ua) return '';
  const browsers = [
    [/Edg\/(\d+)/, 'Edge'], [/OPR\/(\d+)/, 'Opera'], [/Firefox\/(\d+)/, 'Firefox'],
    [/(?:Headless)?Chrome\/(\d+)/, 'Chrome'], [/Version\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari/, 'Safari'],
  ];
  const systems = [
    [/Android/, 'Android'], [/iPhone|iPad|iPod/, 'iOS'], [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'], [/CrOS/, 'ChromeOS'], [/Linux/, 'Linux'],
  ];
  const browser = browsers.map(([re, name]) => { const m = re.exec(ua); return m && `${name} ${m[1]}`; }).find(Boolean);
  const system = (systems.find(([re]) => re.test(ua)) || [])[1];
  return browser ? browserOn(browser, system) : ua;
}
