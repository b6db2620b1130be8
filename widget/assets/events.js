/* Staffetta chat window, part 5: what the conversation's events do to the window
 * (transport.js hands each one to `_onEvent`: messages, typing, the agent joining, leaving
 * or reconnecting, the queue, the idle warning and expiry, the end, a conversation the server
 * no longer has, a resync) and the system notices they leave in the message list.
 * Concatenated after handoff.js by catalog.rs. */

C._onEvent = function (e) {
  // What the event adds to the list takes its place by its seq.
  this._eventSeq = Number(e.seq) || 0;
  try {
    this._handleEvent(e);
  } finally {
    this._eventSeq = 0;
  }
};

C._handleEvent = function (e) {
  var seq = Number(e.seq) || 0;
  // The welcome of a new session (a restore, or a message after expiry): its events are
  // numbered from 1 again, so the old conversation's seqs must not hide them.
  if (e.welcome) this.maxSeq = 0;
  if (seq && seq <= this.maxSeq && e.type === 'message') return;
  if (seq > this.maxSeq) this.maxSeq = seq;
  var agentName = (e.agent && e.agent.name) || e.agent_name || this.handoff.agent || this.t('agent-default-name');
  switch (e.type) {
    case 'message': {
      var from = e.from || e.author || 'bot';
      if (from === 'visitor' || from === 'user') {
        // The visitor wrote (maybe in another tab): no idle warning before it is current.
        this._settleExpiring(true);
        if (e.client_message_id && this._delivered(e.client_message_id, seq)) return;
        // Sent from another tab: in the render queue, after what came before it.
        this._enqueue({ id: e.client_message_id || uid('v'), from: 'visitor', text: (e.input && (e.input.text || e.input.option || e.input.date)) || e.text || '', seq: seq || undefined });
        this._syncHome();
        return;
      }
      var items = (e.output && e.output.generic) || e.generic || (e.text ? [{ response_type: 'text', text: e.text, html: e.html }] : []);
      this._typing(false);
      this._handoffMessage(from, items, agentName);
      this._enqueue({ id: uid('r'), from: from === 'agent' ? 'agent' : from === 'system' ? 'system' : 'bot', agent: from === 'agent' ? agentName : undefined, items: items, seq: seq || undefined, welcome: e.welcome || undefined });
      if (this.win.hidden) this.i._unread(from === 'agent' ? agentName : this._assistantName());
      this.i._emit('receive', { message: e });
      return;
    }
    case 'typing':
      if (e.from === 'agent') this._agentTyping(e);
      else if (e.from !== 'visitor') this._typing(e.typing !== false, '');
      return;
    case 'agent_reconnecting':
      // The agent's console was lost; the desk waits for them (the grace period).
      this._settleReconnecting();
      this._enqueue({ id: uid('n'), from: 'system', notice: { key: 'agent-reconnecting', args: { name: agentName }, reconnecting: true } });
      this.i._emit('agent:reconnecting', { agent: e.agent || { name: agentName } });
      return;
    case 'agent_reconnected':
      this._settleReconnecting();
      this.i._emit('agent:reconnected', { agent: e.agent || { name: agentName } });
      return;
    case 'agent_joined':
      this._settleReconnecting();
      this._setHandoff('agent', { agent: agentName });
      this._notice('agent-joined', { name: agentName });
      this.i._emit('agent:joined', { agent: e.agent || { name: agentName } });
      return;
    case 'agent_left':
      // The agent transferred the conversation or lost their connection: back in the queue.
      this._settleReconnecting();
      this._setHandoff('waiting', { agent: '', text: '' });
      this._notice('agent-left', { name: agentName });
      this.i._emit('agent:left', { agent: e.agent || { name: agentName } });
      return;
    case 'queue_update':
      this._queueNotice(e);
      return;
    case 'queue_closed':
      this._queueClosed(e);
      return;
    case 'handoff_cancelled':
      this._handoffCancelled(e);
      return;
    case 'session_expiring':
      this._expiringNotice(e);
      this.i._emit('session:expiring', { event: e });
      return;
    case 'session_expired':
      this._settleExpiring(false);
      this._notice('session-expired', {}, 'restore', e.text);
      this.i._emit('session:expired', { event: e });
      return;
    case 'session_gone':
      // The server no longer has the conversation (erased, deleted): its history goes from
      // this tab too, and no cause is claimed; writing, or the button, starts a new one.
      this._clear();
      this._setHandoff('ended', {});
      this._notice('conversation-unavailable', {}, 'restart');
      this.i._emit('conversation:unavailable', {});
      return;
    case 'conversation_ended':
      this._settleReconnecting();
      if (e.by === 'system') {
        // Ended only to be deleted (erasure, retention): `session_gone` follows.
        this._setHandoff('ended', {});
        this._notice('conversation-unavailable', {}, 'restart');
        this.i._emit('conversation:ended', { by: 'system' });
        return;
      }
      var byAgent = e.by === 'agent' && this.handoff.phase === 'agent';
      this._notice(byAgent ? 'conversation-ended-agent' : 'conversation-ended', { name: agentName }, 'restart');
      this._setHandoff('ended', {});
      this.i._emit('conversation:ended', { by: e.by || '' });
      return;
    case 'resync':
      this._setHandoff('bot', { agent: '', text: '' });
      this.history = [];
      this.maxSeq = 0;
      this._saveHistory();
      this.list.textContent = '';
      return;
    default:
  }
};

C._queueNotice = function (e) {
  var args = { position: e.position != null ? new Intl.NumberFormat(this.o.locale).format(e.position) : '' };
  var text = e.position != null ? this.t('queue-position', args) : '';
  var waitS = e.estimated_wait_s != null ? e.estimated_wait_s : e.wait_s;
  var wait = waitDuration(this.o.locale, Number(waitS));
  if (wait) text = (text ? text + ' ' : '') + this.t('queue-wait', { wait: wait });
  if (this.handoff.phase !== 'agent') this._setHandoff('waiting', { text: text });
  if (text) this._enqueue({ id: uid('n'), from: 'system', notice: { text: text } });
  this.i._emit('queue:update', { position: e.position, estimatedWaitS: waitS });
};

/** An estimated wait in words, in the locale's plural forms (Intl units): seconds under a
 * minute, minutes to the nearest from a minute up (10 s is "10 seconds", not "1 minute");
 * '' without an estimate or for none (0: an agent is being offered the chat right now). */
function waitDuration(locale, waitS) {
  if (!(waitS > 0)) return '';
  var unit = waitS < 59.5 ? 'second' : 'minute';
  var count = unit === 'second' ? Math.max(1, Math.round(waitS)) : Math.round(waitS / 60);
  try {
    return new Intl.NumberFormat(locale, { style: 'unit', unit: unit, unitDisplay: 'long' }).format(count);
  } catch (err) {
    return count + (unit === 'second' ? ' s' : ' min');
  }
}

C._notice = function (key, args, action, serverText) {
  this._enqueue({ id: uid('n'), from: 'system', notice: { key: key, args: args || {}, action: action, text: serverText || undefined } });
};

/** The "agent reconnecting" line goes away: the agent is back, left, or the chat ended. */
C._settleReconnecting = function () {
  var list = this.list;
  var changed = false;
  this.history.forEach(function (record) {
    var n = record.notice;
    if (!n || !n.reconnecting || n.dismissed) return;
    n.dismissed = true;
    changed = true;
    var shell = list.querySelector('[data-id="' + record.id + '"]');
    if (shell) shell.hidden = true;
  });
  if (changed) this._saveHistory();
};

/** The expired conversation was restored by writing: its "Restore" button goes. */
C._settleRestore = function () {
  var list = this.list;
  this.history.forEach(function (record) {
    var n = record.notice;
    if (!n || n.action !== 'restore' || n.done) return;
    n.done = true;
    var button = list.querySelector('[data-id="' + record.id + '"] .action');
    if (button) button.remove();
  });
  this._saveHistory();
};

/** The idle warning is answered: by activity (`hide`: the notice goes away) or by the
 * expiry (its Continue button goes, the text stays). */
C._settleExpiring = function (hide) {
  var self = this;
  var list = this.list;
  var changed = false;
  this.history.forEach(function (record) {
    var n = record.notice;
    if (!n || n.action !== 'continue' || n.dismissed || (n.done && !hide)) return;
    n.done = true;
    if (hide) n.dismissed = true;
    changed = true;
    var shell = list.querySelector('[data-id="' + record.id + '"]');
    if (!shell) return;
    if (hide) shell.hidden = true;
    var button = shell.querySelector('.action');
    if (button) button.remove();
    var counter = shell.querySelector('[data-deadline]');
    if (counter) {
      counter.removeAttribute('data-deadline');
      counter.removeAttribute('aria-hidden');
      counter.textContent = self._noticeText(n);
      counter.nextSibling.remove();
    }
  });
  if (changed) this._saveHistory();
};

/** The idle warning, counting down to its deadline by this device's clock: the time left on
 * arrival is `expires_at` less now, at most `warning_s` (docs/widget.md). */
C._expiringNotice = function (e) {
  var at = Number(e.expires_at);
  var deadline;
  if (at > 0) {
    var left = at - Date.now();
    var most = Number(this.transport.s.warningS) * 1000;
    if (most > 0) left = Math.min(left, most);
    deadline = Date.now() + Math.max(0, left);
  }
  this._enqueue({ id: uid('n'), from: 'system', notice: { key: 'session-expiring', args: {}, action: 'continue', text: deadline ? undefined : e.text || undefined, deadline: deadline } });
};

/** A notice's text; the idle warning's names the time left now ("soon" once past). */
C._noticeText = function (n) {
  if (n.done && n.deadline) return this.t('session-expiring');
  if (n.deadline) {
    var time = waitDuration(this.o.locale, (n.deadline - Date.now()) / 1000);
    return time ? this.t('session-expiring-in', { time: time }) : this.t('session-expiring');
  }
  return n.text || this.t(n.key, n.args);
};

C._tickExpiring = function () {
  var self = this;
  this.expiringTimer = null;
  if (!this.list) return;
  var running = false;
  Array.prototype.forEach.call(this.list.querySelectorAll('[data-deadline]'), function (p) {
    var deadline = Number(p.getAttribute('data-deadline'));
    p.textContent = self._noticeText({ deadline: deadline });
    if (deadline > Date.now()) running = true;
  });
  if (running) this.expiringTimer = setTimeout(function () { self._tickExpiring(); }, 1000);
};
