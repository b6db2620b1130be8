/* Staffetta chat window, part 4: the visitor's side of the handoff to people (docs/api.md
 * "Handoff to a human"). The phase (bot, waiting, agent, ended) follows the conversation's
 * events and is kept in sessionStorage; a bar under the header shows the queue and "Stop
 * waiting" while waiting, "End chat" while an agent has the conversation (both DELETE
 * .../handoff). `queue_closed` offers an inline form that leaves a request for the team
 * (POST .../offline-requests). Concatenated after chat.js by catalog.rs. */

/** The request's fields: name (also the string id suffix and the 422 code prefix), element,
 * input type and autocomplete token, and the server's length limit. */
var OFFLINE_FIELDS = [
  { name: 'name', tag: 'input', type: 'text', autocomplete: 'name', max: 100 },
  { name: 'email', tag: 'input', type: 'email', autocomplete: 'email', max: 254 },
  { name: 'text', tag: 'textarea', max: 4000 },
];

C._readHandoff = function () {
  var base = { phase: 'bot', agent: '', text: '' };
  try {
    var saved = JSON.parse(this.store.getItem(this.handoffKey) || 'null');
    return saved && typeof saved === 'object' ? Object.assign(base, saved) : base;
  } catch (e) {
    return base;
  }
};

C._buildHandoff = function () {
  var self = this;
  this.handoffText = el('p', { part: 'handoff-text' });
  this.handoffButton = el('button', { type: 'button', class: 'action', part: 'handoff-action' });
  this.handoffBar = el('div', { class: 'handoff', part: 'handoff', hidden: true }, [this.handoffText, this.handoffButton]);
  this.formSlot = el('div', { part: 'offline' });
  this.handoffButton.addEventListener('click', function () { self.leaveHandoff(); });
};

/** Moves to `phase` (bot, waiting, agent, ended), merging `patch` ({agent, text}). An
 * agent who leaves (transfer, end) stops typing for the visitor at once. */
C._setHandoff = function (phase, patch) {
  if (this.handoff.phase === 'agent' && phase !== 'agent') this._typing(false);
  var h = Object.assign(this.handoff, patch || {}, { phase: phase });
  this.store.setItem(this.handoffKey, JSON.stringify(h));
  this._syncHandoff();
  this._onStatus(this.status, true);
};

C._syncHandoff = function () {
  var h = this.handoff;
  var waiting = h.phase === 'waiting';
  this.handoffBar.hidden = !waiting && h.phase !== 'agent';
  // A restart would end the wait or the chat with a person at one click of a header icon:
  // while the bar is there, its Stop waiting / End chat is the way out.
  this.restartButton.hidden = !this.handoffBar.hidden;
  this.handoffText.hidden = !waiting;
  this.handoffText.textContent = waiting ? h.text || this.t('agent-connecting') : '';
  this.handoffButton.textContent = this.t(waiting ? 'handoff-cancel' : 'handoff-end');
};

/** Bot and system messages after a handoff request mean the bot has the conversation
 * again (waiting was cancelled, maybe in another tab); connect_to_agent starts waiting. */
C._handoffMessage = function (from, items, agentName) {
  var phase = this.handoff.phase;
  if (from === 'agent') {
    if (phase !== 'agent') this._setHandoff('agent', { agent: agentName });
    return;
  }
  var connects = items.some(function (item) { return item && item.response_type === 'connect_to_agent'; });
  if (connects) this._setHandoff('waiting', { text: '' });
  else if (phase === 'waiting' || phase === 'ended') this._setHandoff('bot', { agent: '', text: '' });
};

/** The agent started or stopped (`typing: false`) typing; the event names them
 * (`agent_name`). Shown only while an agent has the conversation. */
C._agentTyping = function (e) {
  var on = e.typing !== false && this.handoff.phase === 'agent';
  this._typing(on, e.agent_name || this.handoff.agent || this.t('agent-default-name'));
};

/** "Talk to a person": POST .../handoff. Resolves with the server's answer ({outcome, ...});
 * `closed` shows up as a queue_closed notice from the event stream. */
C.requestAgent = function (resource) {
  var self = this;
  var t = this.transport;
  return t.start().then(function () {
    // No session to hand over: it expired, or the server no longer has it (`_gone`).
    if (t.s.gone) throw new HttpError(404, 'session_not_found');
    if (!t.s.sessionId || t.s.expired) throw new HttpError(410, 'session_expired');
    var body = resource ? { resource: String(resource) } : {};
    return t._fetch('POST', '/sessions/' + encodeURIComponent(t.s.sessionId) + '/handoff', body);
  }).then(function (res) {
    res = res || {};
    if ((res.outcome === 'queued' || res.outcome === 'offered') && self.handoff.phase !== 'agent' && self.handoff.phase !== 'waiting') {
      self._setHandoff('waiting', { text: '' });
    }
    return res;
  });
};

/** "Stop waiting" (back to the bot; the server writes a notice) or "End chat" with the agent
 * (the server writes conversation_ended). */
C.leaveHandoff = function () {
  var self = this;
  var t = this.transport;
  var id = t.s.sessionId;
  var waiting = this.handoff.phase === 'waiting';
  if (!id) return Promise.resolve(false);
  this.handoffButton.disabled = true;
  return t._fetch('DELETE', '/sessions/' + encodeURIComponent(id) + '/handoff').then(function () {
    self.handoffButton.disabled = false;
    if (waiting && self.handoff.phase === 'waiting') self._setHandoff('bot', { text: '' });
    self.input.focus();
    return true;
  }, function (err) {
    self.handoffButton.disabled = false;
    self.i._error(err.code || 'handoff_failed', err.message || self.t('error-generic'));
    return false;
  });
};

C._queueClosed = function (e) {
  this._setHandoff('bot', { agent: '', text: '' });
  var next = Number(e.next_opening) || 0;
  this._enqueue({ id: uid('n'), from: 'system', notice: { text: e.text || this.t('error-generic'), action: 'leave', next: next || undefined } });
  this.i._emit('queue:closed', { reason: e.reason, nextOpening: next || null, text: e.text });
};

/** The wait was cancelled (`by` visitor: "Stop waiting", maybe in another tab; `by` system:
 * the visitor had gone away): the bot has the conversation again and the server's text is
 * shown as a system line. */
C._handoffCancelled = function (e) {
  if (this.handoff.phase === 'waiting') this._setHandoff('bot', { agent: '', text: '' });
  if (e.text) this._enqueue({ id: uid('n'), from: 'system', notice: { text: e.text } });
  this.i._emit('handoff:cancelled', { by: e.by, reason: e.reason, text: e.text });
};

/** A moment in the visitor's locale and time zone: "Monday, November 23 at 9:00 AM". */
C._when = function (ms) {
  var opts = { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' };
  var date = new Date(Number(ms));
  try {
    return new Intl.DateTimeFormat(this.o.locale, opts).format(date);
  } catch (e) {
    return new Intl.DateTimeFormat('en', opts).format(date);
  }
};

/** The request form under the conversation: labelled fields, errors per field from the
 * server's 422 `fields`, Escape or Cancel closes it and focus goes back to `opener`. */
C._offlineForm = function (notice, opener) {
  var self = this;
  if (this.offline) {
    this.offline.fields.name.focus();
    return;
  }
  var titleId = uid('staffetta-offline');
  var form = el('form', { class: 'offline', part: 'offline-form', novalidate: true, 'aria-labelledby': titleId }, [
    el('h3', { class: 'group-title', id: titleId, text: this.t('offline-title') }),
    el('p', { class: 'hint', text: this.t('offline-required') }),
  ]);
  var fields = {};
  var errors = {};
  OFFLINE_FIELDS.forEach(function (f) {
    var id = uid('staffetta-' + f.name);
    var input = el(f.tag, {
      id: id, name: f.name, type: f.type || false, autocomplete: f.autocomplete || false, required: true,
      maxlength: String(f.max), rows: f.tag === 'textarea' ? '4' : false, part: 'offline-' + f.name,
    });
    errors[f.name] = el('p', { class: 'error', id: id + '-error', hidden: true });
    fields[f.name] = input;
    form.appendChild(el('div', { class: 'field' }, [el('label', { for: id, text: self.t('offline-' + f.name) }), input, errors[f.name]]));
  });
  var general = el('p', { class: 'error', role: 'alert' });
  var submit = el('button', { type: 'submit', class: 'action', part: 'offline-submit', text: this.t('offline-submit') });
  var cancel = el('button', { type: 'button', class: 'chip', part: 'offline-cancel', text: this.t('offline-cancel') });
  form.appendChild(general);
  form.appendChild(el('div', { class: 'row' }, [submit, cancel]));
  this.offline = { form: form, fields: fields, opener: opener };

  var showErrors = function (codes) {
    var first = null;
    OFFLINE_FIELDS.forEach(function (f) {
      var name = f.name;
      var code = (codes || []).filter(function (c) { return c.indexOf(name + '_') === 0; })[0];
      var input = fields[name];
      errors[name].hidden = !code;
      var key = code && 'offline-' + code.replace('_', '-');
      // A code this widget has no text for still marks the field.
      errors[name].textContent = !code ? '' : self.t(key) === key ? self.t('error-generic') : self.t(key);
      if (code) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', errors[name].id);
        first = first || input;
      } else {
        input.removeAttribute('aria-invalid');
        input.removeAttribute('aria-describedby');
      }
    });
    return first;
  };

  cancel.addEventListener('click', function () { self._closeOfflineForm(true); });
  form.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    e.stopPropagation();
    self._closeOfflineForm(true);
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (submit.disabled) return;
    var t = self.transport;
    var body = { name: fields.name.value, email: fields.email.value, text: fields.text.value };
    if (t.s.sessionId) body.session_id = t.s.sessionId;
    submit.disabled = true;
    general.textContent = '';
    t._fetch('POST', '/offline-requests', body).then(function (res) {
      notice.done = true;
      self._saveHistory();
      if (opener.parentNode) opener.remove();
      self._closeOfflineForm(false);
      self._enqueue({ id: uid('n'), from: 'system', notice: { text: self.t('offline-sent', { email: body.email.trim() }) } });
      self.input.focus();
      self.i._emit('offlineRequest:sent', { id: res && res.id });
    }, function (err) {
      submit.disabled = false;
      var first = showErrors(err.fields);
      if (first) {
        first.focus();
        return;
      }
      general.textContent = self.t(err.status === 429 ? 'offline-rate-limited' : 'error-generic');
    });
  });
  this.formSlot.appendChild(form);
  fields.name.focus();
  this._scroll();
};

/** Removes the request form; with `refocus` focus returns to the button that opened it. */
C._closeOfflineForm = function (refocus) {
  var offline = this.offline;
  if (!offline) return;
  this.offline = null;
  offline.form.remove();
  if (refocus && offline.opener.isConnected) offline.opener.focus();
  else if (refocus) this.input.focus();
};
