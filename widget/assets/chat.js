/* Staffetta chat window, part 2: the window (header, home screen, message list, composer),
 * the render queue (pauses, typing), one renderer per response type and the glue to the
 * transport (what its events do is events.js). Registers window.Staffetta.chatModule =
 * { mount(instance) -> controller }. */

function Chat(instance) {
  var self = this;
  this.i = instance;
  this.o = instance.options;
  this.store = instance._store;
  this.historyKey = 'staffetta:' + instance.namespace + ':history';
  this.history = this._readHistory();
  this.handoffKey = 'staffetta:' + instance.namespace + ':handoff';
  this.handoff = this._readHandoff();
  this.queue = [];
  this.rendering = false;
  this.maxSeq = 0;
  this.status = 'idle';
  this.transport = new Transport({
    base: function () { return self.o.serverUrl + '/api/v1/sites/' + encodeURIComponent(self.o.siteId); },
    storage: this.store,
    key: 'staffetta:' + instance.namespace + ':session',
    channel: 'staffetta:' + instance.namespace,
    sessionParams: function () {
      var o = self.o;
      return {
        anonymous_id: instance.anonymousId() || undefined,
        user_id: o.userID || undefined,
        identity_token: o.identityToken || undefined,
        locale: o.locale,
        page_url: window.location.href,
        referrer: doc.referrer || undefined,
        dispatch_to: o.dispatchTo || undefined,
      };
    },
    onEvent: function (e) { self._onEvent(e); },
    onStatus: function (s) { self._onStatus(s); },
    onReply: function (r, item) { self._onReply(r, item); },
    onError: function (code, message) { self.i._error(code, message || self.t('error-generic')); },
    onEnded: function (items) { self._sendToNewConversation(items); },
    onIdentityExpired: function () {
      self._onStatus('identity');
      self.i._emit('identityTokenExpired', {});
    },
  });
  this._build();
  this.history.forEach(function (record) {
    // A welcome starts a new session (after a restore, say), whose seqs start again at 1.
    if (record.welcome) self.maxSeq = 0;
    if (record.seq > self.maxSeq) self.maxSeq = record.seq;
    self.list.appendChild(self._recordEl(record, false));
  });
  this._syncHome();
}

var C = Chat.prototype;

C.t = function (key, args) {
  return this.i.t(key, args);
};

C._readHistory = function () {
  try {
    var saved = JSON.parse(this.store.getItem(this.historyKey) || '[]');
    return Array.isArray(saved) ? saved : [];
  } catch (e) {
    return [];
  }
};
C._saveHistory = function () {
  if (this.history.length > HISTORY_LIMIT) this.history = this.history.slice(-HISTORY_LIMIT);
  this.store.setItem(this.historyKey, JSON.stringify(this.history));
};

C._assistantName = function () {
  var server = this.i._serverConfig.assistant || {};
  return this.o.assistantName || server.name || this.t('assistant-name');
};

C._build = function () {
  var self = this;
  var nonce = this.o.cspNonce;
  this.style = el('style', { nonce: nonce || false });
  this.style.textContent = CHAT_CSS;
  this.i._shadow.insertBefore(this.style, this.i._root);

  this.avatar = el('span', { class: 'avatar', part: 'avatar', 'aria-hidden': 'true' });
  this.title = el('h2', { class: 'title', part: 'title', id: uid('staffetta-title') });
  this.statusLine = el('p', { class: 'status', part: 'status' });
  this.restartButton = el('button', { type: 'button', class: 'icon-button restart-button', part: 'restart-button' }, [icon(ICON_RESTART)]);
  this.minimizeButton = el('button', { type: 'button', class: 'icon-button minimize-button', part: 'minimize-button' }, [icon(ICON_MINIMIZE)]);
  var header = el('div', { class: 'header', part: 'header' }, [
    this.avatar, el('div', { class: 'titles' }, [this.title, this.statusLine]), this.restartButton, this.minimizeButton,
  ]);
  this.banner = el('div', { class: 'banner', part: 'banner', role: 'status', hidden: true });
  this.home = el('div', { class: 'home', part: 'home' });
  this.list = el('div', { class: 'messages', part: 'messages', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  this.typingName = el('span', { class: 'typing-name', part: 'typing-name' });
  this.typingEl = el('div', { class: 'msg msg-bot', part: 'typing', role: 'status', hidden: true }, [
    el('div', { class: 'bubble typing', 'aria-hidden': 'true' }, [el('span'), el('span'), el('span')]),
    this.typingName,
  ]);
  this._buildHandoff();
  this.body = el('div', { class: 'body', part: 'body' }, [this.home, this.list, this.formSlot, this.typingEl]);
  var inputId = uid('staffetta-input');
  this.inputLabel = el('label', { class: 'sr-only', for: inputId });
  this.input = el('textarea', { id: inputId, rows: '1', part: 'input', autocomplete: 'off' });
  this.sendButton = el('button', { type: 'submit', class: 'send', part: 'send-button' }, [icon(ICON_SEND)]);
  this.composer = el('form', { class: 'composer', part: 'composer' }, [this.inputLabel, this.input, this.sendButton]);
  this.win = el('section', {
    class: 'window', part: 'window', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': this.title.id, hidden: true,
  }, [header, this.banner, this.handoffBar, this.body, this.composer]);
  this.i._windowSlot.appendChild(this.win);

  this.minimizeButton.addEventListener('click', function () { self.i.close(); });
  this.restartButton.addEventListener('click', function () { self.restart(); });
  this.composer.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = self.input.value;
    self.input.value = '';
    self.send(text);
  });
  this.input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      self.composer.requestSubmit ? self.composer.requestSubmit() : self.composer.dispatchEvent(new Event('submit'));
    }
  });
  // Typing notices: started at most every 3 s while keys are pressed, stopped after 4 s
  // without input or when the message is sent.
  this.input.addEventListener('input', function () {
    var now = Date.now();
    if (!self.lastTyping || now - self.lastTyping > 3000) {
      self.lastTyping = now;
      self.transport.typing(true);
    }
    clearTimeout(self.stopTypingTimer);
    self.stopTypingTimer = setTimeout(function () { self._stopTyping(); }, 4000);
  });
  this.refresh();
};

/** Re-applies every string (locale or strings changed, or the server config arrived). */
C.refresh = function () {
  var name = this._assistantName();
  var avatarSource = this.o.avatarUrl || (this.i._serverConfig.assistant || {}).avatar_url;
  var avatarUrl = avatarSource ? safeUrl(avatarSource, this.o.serverUrl) : null;
  this.title.textContent = name;
  this.avatar.textContent = '';
  if (avatarUrl) this.avatar.appendChild(el('img', { class: 'avatar', src: avatarUrl, alt: '' }));
  else this.avatar.textContent = name.charAt(0).toUpperCase();
  this.restartButton.setAttribute('aria-label', this.t('window-restart'));
  this.minimizeButton.setAttribute('aria-label', this.t('window-minimize'));
  this.list.setAttribute('aria-label', this.t('messages-label'));
  this.inputLabel.textContent = this.t('composer-label');
  this.input.setAttribute('placeholder', this.t('composer-placeholder'));
  this.sendButton.setAttribute('aria-label', this.t('composer-send'));
  this._buildHome();
  this._onStatus(this.status, true);
  this._syncHandoff();
};

C._buildHome = function () {
  var self = this;
  var server = this.i._serverConfig.home_screen || {};
  var home = this.o.homeScreen || {};
  var suggestions = (home.suggestions && home.suggestions.length ? home.suggestions : server.suggestions) || [];
  this.home.textContent = '';
  if (!home.greeting && server.greeting_html) {
    this.home.appendChild(el('div', { class: 'home-greeting', part: 'home-greeting' }, [htmlFragment(server.greeting_html)]));
  } else {
    this.home.appendChild(el('p', { class: 'home-greeting', part: 'home-greeting', text: home.greeting || server.greeting || this.t('home-greeting') }));
  }
  if (!suggestions.length) return;
  var list = el('ul', { class: 'chips', part: 'suggestions', 'aria-label': this.t('home-suggestions') });
  suggestions.forEach(function (s) {
    var label = typeof s === 'string' ? s : s.label;
    var text = typeof s === 'string' ? s : s.text || s.label;
    var chip = el('button', { type: 'button', class: 'chip', part: 'suggestion', text: label });
    chip.addEventListener('click', function () { self.send(text); });
    list.appendChild(el('li', {}, [chip]));
  });
  this.home.appendChild(list);
};

C._syncHome = function () {
  this.home.hidden = this.history.some(function (r) { return r.from === 'visitor'; });
};

C.show = function (focus) {
  this.win.hidden = false;
  this.transport.start().catch(function () {});
  this._scroll();
  if (focus) this.input.focus();
};

C.hide = function () {
  this.win.hidden = true;
};

C._scroll = function () {
  this.body.scrollTop = this.body.scrollHeight;
};

C._stopTyping = function () {
  clearTimeout(this.stopTypingTimer);
  if (!this.lastTyping) return;
  this.lastTyping = 0;
  this.transport.typing(false);
};

C.send = function (text) {
  text = String(text || '').trim();
  if (!text) return Promise.resolve(false);
  this._sendInput({ text: text }, text);
  return Promise.resolve(true);
};

/** Inputs the server refused because their conversation had ended go to a new one, in
 * their order: the restart starts it, and they are queued for it. */
C._sendToNewConversation = function (items) {
  var self = this;
  this.restart();
  items.forEach(function (item) { self._sendInput(item.input, item.display); });
  this.transport.start().catch(function () {});
};

C._sendInput = function (input, display) {
  if (this.handoff.phase === 'ended') {
    // The server refuses messages to an ended conversation (409 conversation_ended): writing
    // after the end starts a new one, as "Start a new conversation" does, then sends.
    var self = this;
    var go = function () { self._sendInput(input, display); };
    this.restart();
    this.transport.start().then(go, go);
    return;
  }
  this._stopTyping();
  this._settleExpiring(true);
  var item = this.transport.send(input, display);
  // After an idle expiry writing is how a visitor goes on (the server's notice says so): a
  // new conversation seeded from the kept state, as "Restore" does, then the message.
  if (this.transport.s.expired) {
    this._settleRestore();
    this.transport.restore().catch(function () {});
  }
  var record = { id: item.client_message_id, from: 'visitor', text: display, status: 'pending' };
  this._add(record);
  this._syncHome();
  this.i._emit('send', { input: input, text: display, client_message_id: item.client_message_id });
};

C._add = function (record) {
  this.history.push(record);
  this._saveHistory();
  this.list.appendChild(this._recordEl(record, false));
  this._scroll();
};

/** Where a stored record goes among `entries` (history or nodes) to read in seq order (G3):
 * above pending messages and higher seqs; an entry without seq (a welcome) ends the search. */
function seqSlot(entries, seq, seqOf, isPending) {
  var at = entries.length;
  while (at > 0) {
    var before = entries[at - 1];
    if (!isPending(before) && !(seq && seqOf(before) > seq)) break;
    at -= 1;
  }
  return at;
}

C._remember = function (record) {
  var at = seqSlot(this.history, Number(record.seq) || 0, function (r) { return Number(r.seq) || 0; }, function (r) { return r.status === 'pending'; });
  this.history.splice(at, 0, record);
};

C._place = function (node, record) {
  var nodes = Array.prototype.slice.call(this.list.children);
  var at = seqSlot(nodes, Number(record.seq) || 0, function (n) { return Number(n.getAttribute('data-seq')) || 0; }, function (n) { return n.hasAttribute('data-pending'); });
  if (record.seq) node.setAttribute('data-seq', String(record.seq));
  this.list.insertBefore(node, nodes[at] || null);
};

C._findRecord = function (id) {
  for (var k = this.history.length - 1; k >= 0; k -= 1) if (this.history[k].id === id) return this.history[k];
  return null;
};

/** The visitor's message `id` is stored (as `seq`): no longer pending, it takes its place by
 * seq (R14). */
C._delivered = function (id, seq) {
  var record = this._findRecord(id);
  if (!record || record.status !== 'pending') return !!record;
  delete record.status;
  if (Number(seq) > 0) record.seq = Number(seq);
  this.history.splice(this.history.indexOf(record), 1);
  this._remember(record);
  this._saveHistory();
  var shell = this.list.querySelector('[data-id="' + id + '"]');
  if (!shell) return true;
  var status = shell.querySelector('.meta-status');
  if (status) status.remove();
  shell.removeAttribute('data-pending');
  shell.remove();
  this._place(shell, record);
  this._scroll();
  return true;
};

/** The POST answer only confirms delivery: the reply itself arrives as events (with seq). */
C._onReply = function (res, item) {
  this._delivered(item.client_message_id, res && res.seq);
};

C._typing = function (on, name) {
  clearTimeout(this.typingTimer);
  this.typingEl.hidden = !on;
  if (on) {
    // Named where everyone sees it ("Ada is typing…"), and announced once as a status.
    var label = this.t('typing', { name: name || this._assistantName() });
    this.typingEl.setAttribute('aria-label', label);
    this.typingName.textContent = label;
    this.typingTimer = setTimeout(this._typing.bind(this, false), 8000);
    this._scroll();
  }
};

/** Incoming records render in order; a `pause` item delays what follows it. */
C._enqueue = function (record) {
  if (record.seq == null && this._eventSeq) record.seq = this._eventSeq;
  this._remember(record);
  this._saveHistory();
  this.queue.push(record);
  if (!this.rendering) this._drain();
};

C._drain = function () {
  var self = this;
  var record = this.queue.shift();
  if (!record) {
    this.rendering = false;
    return;
  }
  this.rendering = true;
  if (!record.items) {
    this._place(this._recordEl(record, true), record);
    this._scroll();
    this._drain();
    return;
  }
  var shell = this._shell(record);
  var items = record.items.slice();
  var index = 0;
  var next = function () {
    if (!self.list) return;
    var item = items.shift();
    var at = index;
    index += 1;
    if (!item) {
      self._typing(false);
      if (shell.childElementCount <= (record.agent ? 1 : 0)) shell.remove();
      self._drain();
      return;
    }
    if (item.response_type === 'pause') {
      if (item.typing) self._typing(true, record.agent);
      setTimeout(function () {
        self._typing(false);
        next();
      }, Math.min(MAX_PAUSE_MS, Math.max(0, Number(item.time) || 0)));
      return;
    }
    var node = self._item(item, record, at);
    if (node) {
      if (!shell.parentNode) self._place(shell, record);
      shell.appendChild(node);
      self._scroll();
    }
    next();
  };
  next();
};

C._shell = function (record) {
  var shell = el('div', { class: 'msg msg-' + record.from, part: 'message message-' + record.from, 'data-id': record.id, 'data-seq': record.seq ? String(record.seq) : false });
  if (record.agent) shell.appendChild(el('div', { class: 'meta', part: 'agent-name', text: record.agent }));
  return shell;
};

/** A record as DOM; `live` is false when replaying history (no pauses, answered inputs locked). */
C._recordEl = function (record, live) {
  var self = this;
  var shell = this._shell(record);
  if (record.from === 'visitor') {
    shell.appendChild(el('div', { class: 'bubble', part: 'bubble bubble-visitor' }, [el('span', { class: 'sr-only', text: this.t('message-you') + ': ' }), record.text]));
    if (record.status === 'pending') {
      shell.setAttribute('data-pending', '');
      shell.appendChild(el('div', { class: 'meta meta-status', part: 'message-status', text: this._pendingText() }));
    }
    return shell;
  }
  if (record.notice) {
    var n = record.notice;
    // An idle warning whose deadline passed while the page was away is not current.
    if (!live && n.deadline && n.action === 'continue' && !n.done && n.deadline <= Date.now()) n.done = n.dismissed = true;
    if (n.dismissed) shell.hidden = true;
    var counting = n.deadline && !n.done && !n.dismissed;
    // A countdown is shown, not announced every second: screen readers get its first text.
    var p = el('p', { text: this._noticeText(n), 'data-deadline': counting ? String(n.deadline) : false, 'aria-hidden': counting ? 'true' : false });
    var box = el('div', { class: 'notice', part: 'notice' }, [p, counting ? el('span', { class: 'sr-only', text: p.textContent }) : null]);
    if (counting && !this.expiringTimer) this.expiringTimer = setTimeout(function () { self._tickExpiring(); }, 1000);
    if (n.next) box.appendChild(el('p', { part: 'next-opening', text: this.t('queue-next-opening', { when: this._when(n.next) }) }));
    if (n.action && !n.done) {
      var label = { 'continue': 'session-continue', restore: 'session-restore', restart: 'conversation-new', leave: 'offline-open' }[n.action];
      var button = el('button', { type: 'button', class: 'action', part: 'notice-action', text: this.t(label) });
      button.addEventListener('click', function () {
        if (n.action === 'leave') {
          self._offlineForm(n, button);
          return;
        }
        if (n.action === 'continue') {
          self.transport.keepAlive();
          self._settleExpiring(true);
          self.input.focus();
          return;
        }
        n.done = true;
        self._saveHistory();
        button.remove();
        if (n.action === 'restore') self.transport.restore().catch(function () {});
        else self.restart();
      });
      box.appendChild(button);
    }
    shell.appendChild(box);
    return shell;
  }
  (record.items || []).forEach(function (item, at) {
    if (item.response_type === 'pause') return;
    var node = self._item(item, record, at, live);
    if (node) shell.appendChild(node);
  });
  return shell;
};

C._pendingText = function () {
  var s = this.status;
  return this.t(s === 'error' ? 'message-not-sent' : s === 'offline' || s === 'reconnecting' ? 'message-queued' : 'message-sending');
};

C._onStatus = function (status, quiet) {
  this.status = status;
  var online = status === 'online' || status === 'polling';
  var withAgent = this.handoff.phase === 'agent';
  this.statusLine.textContent = online ? (withAgent ? this.t('agent-status', { name: this.handoff.agent }) : this.t('status-online')) : status === 'idle' || status === 'error' ? '' : this.t('status-connecting');
  // 'error': the server refused what the widget does not retry (a start past the site's
  // monthly limit, say); the page's onError has the code, the visitor reads this.
  var bannerKey = { offline: 'status-offline', reconnecting: 'status-reconnecting', identity: 'identity-expired', error: 'status-error' }[status];
  this.banner.hidden = !bannerKey;
  this.banner.textContent = bannerKey ? this.t(bannerKey) : '';
  var text = this._pendingText();
  Array.prototype.forEach.call(this.list.querySelectorAll('.meta-status'), function (m) { m.textContent = text; });
  if (!quiet) this.i._emit('connection', { status: status, mode: this.transport.mode });
};

C._answer = function (record, at, value, label) {
  record.answered = record.answered || {};
  record.answered[at] = label;
  this._saveHistory();
  this._sendInput(value, label);
};

C.restart = function () {
  this.transport.end();
  this._clear();
  this.i._emit('restart', {});
  if (!this.win.hidden) {
    this.transport.start().catch(function () {});
    this.input.focus();
  }
  return Promise.resolve(true);
};

/** Forgets the conversation shown: its history, what waits to be rendered, the handoff. */
C._clear = function () {
  this.history = [];
  this.queue = [];
  this.maxSeq = 0;
  this._saveHistory();
  this.list.textContent = '';
  this._typing(false);
  this._closeOfflineForm(false);
  this._setHandoff('bot', { agent: '', text: '' });
  this._syncHome();
};

C.identityTokenUpdated = function () {
  this.transport.identityUpdated(this.o.identityToken);
};

C.state = function () {
  var s = this.transport.s;
  return {
    sessionId: s.sessionId,
    conversationId: s.conversationId,
    lastSeq: s.lastSeq,
    queued: s.queue.length,
    status: this.status,
    transport: this.transport.mode === 'ws' ? 'websocket' : 'long-poll',
    messages: this.history.length,
    handoff: this.handoff.phase,
    agent: this.handoff.agent || null,
  };
};

C.destroy = function () {
  this.transport.stop();
  clearTimeout(this.expiringTimer);
  clearTimeout(this.typingTimer);
  clearTimeout(this.stopTypingTimer);
  this.win.remove();
  this.style.remove();
  this.list = null;
};

var registryRef = (window.Staffetta = window.Staffetta || {});
registryRef.chatStrings = CHAT_STRINGS;
registryRef.chatModule = {
  mount: function (instance) {
    return new Chat(instance);
  },
};
