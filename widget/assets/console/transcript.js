/*! Staffetta agent console: one conversation's transcript, kept in `seq` order whatever
 * order the history call and the live MESSAGE frames arrive in, without duplicates, with a
 * divider where the bot handed over. Visitor text is rendered as text; bot and agent HTML
 * comes sanitized from the server and is cleaned again here. Apache-2.0. */

export const FROM = { visitor: 'Visitor', bot: 'Bot', agent: 'Agent', system: 'System' };

const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
};

/** A system line of the transcript call (`event` of the visitor's log) as words. */
export function eventText(event) {
  switch (event && event.type) {
    case 'agent_joined': return `${event.agent_name || 'An agent'} joined the chat.`;
    case 'agent_left': return `${event.agent_name || 'The agent'} left the chat.`;
    case 'queue_update': {
      const wait = event.estimated_wait_s ? `, about ${Math.max(1, Math.round(event.estimated_wait_s / 60))} min` : '';
      return `Waiting for an agent: position ${event.position}${wait}.`;
    }
    case 'queue_closed': return event.text || 'Nobody could take the chat.';
    case 'handoff_cancelled': return event.reason === 'visitor_gone' ? 'The visitor went away and left the queue.' : 'The visitor stopped waiting.';
    case 'conversation_ended': return `The chat was ended by the ${FROM[event.by] ? FROM[event.by].toLowerCase() : 'system'}.`;
    case 'session_expiring':
    case 'session_expired': return event.text || 'The visitor\'s session expired.';
    case 'identity_expired': return 'The visitor\'s sign-in expired.';
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

const time = (at) => (at ? new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');

/** A transcript list (`<ol>`), merged by seq. */
export class Transcript {
  constructor(list) {
    this.list = list;
    this.keys = new Map(); // sort key -> <li>
    this.handoffSeq = null;
    this.localCount = 0;
  }

  /** Where the handoff began: the divider goes before the first line at or after it. */
  setHandoffSeq(seq) {
    if (typeof seq !== 'number' || this.handoffSeq === seq) return;
    if (this.handoffSeq !== null) this.remove(this.handoffSeq - 0.5);
    this.handoffSeq = seq;
    this.insert(seq - 0.5, el('li', 'handoff-mark', 'Handed over from the bot to a person'));
  }

  /** Adds a MESSAGE frame or a line of the transcript call; false when already shown. */
  add(m) {
    const key = typeof m.seq === 'number' ? m.seq : Number.MAX_SAFE_INTEGER - 1e6 + (this.localCount += 1);
    if (this.keys.has(key)) return false;
    this.insert(key, this.render(m));
    return true;
  }

  /** A line above every other: the conversation has older lines than the ones shown. */
  noteEarlier(text) {
    if (this.keys.has(0)) return;
    this.insert(0, this.render({ from: 'system', text }));
  }

  /** A line the console adds itself (no seq): after everything else. */
  note(text) {
    this.add({ from: 'system', text, at: Date.now() });
  }

  render(m) {
    const from = FROM[m.from] ? m.from : 'system';
    const item = el('li', `msg msg-${from}`);
    const head = el('span', 'from');
    const who = from === 'agent' && m.agent_name ? m.agent_name : FROM[from];
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

  insert(key, item) {
    item.dataset.key = String(key);
    let before = null;
    for (const [other, node] of this.keys) {
      if (other > key && (!before || other < Number(before.dataset.key))) before = node;
    }
    this.list.insertBefore(item, before);
    this.keys.set(key, item);
    if (!before) this.list.scrollTop = this.list.scrollHeight;
  }

  remove(key) {
    const node = this.keys.get(key);
    if (node) node.remove();
    this.keys.delete(key);
  }
}
