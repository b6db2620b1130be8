/* Staffetta visitor transport (wire contract v1, ARCHITECTURE.md "Wire contract v1").
 * Concatenated before chat.js inside one function scope by widget/src/assets/catalog.rs;
 * identity.js (renewing the page's identity token), keepalive.js ("Continue" on the idle
 * warning), longpoll.js (the fallback when the socket is blocked) and tabs.js (tabs sharing
 * one conversation) add to it.
 *
 * - POST {base}/sessions starts a session (anonymous_id | user_id | identity_token, locale,
 *   page_url, dispatch_to, restore, client_start_id) and gives the welcome output; every
 *   retry of one start repeats its client_start_id, so a lost answer costs no second session.
 * - POST {base}/sessions/{id}/message sends {client_message_id, input}; queued in
 *   sessionStorage while offline and sent once (the id makes resends idempotent).
 * - Events stream over the websocket {base}/sessions/{id}/ws (client frames resume{after},
 *   ack, typing, continue); when the socket cannot be opened twice in a row the transport
 *   falls back to long-poll GET {base}/sessions/{id}/events?after=SEQ&wait=S, and tries the
 *   socket again in the background every 30-60 s: once one opens it resumes after the last
 *   seq and the long-poll stops (events both deliver are dropped by seq).
 * - Reconnects with jittered exponential backoff and resumes after the last seq seen; a
 *   socket closed with 4404 (after an `error` frame `session_not_found`: the server deleted the
 *   conversation, an admin erasure or retention) is not reopened: the tab drops it (`_gone`).
 * - "Continue" on the idle warning: keepalive.js.
 * - Identity: an expired or refused token holds the sends until the page renews it (identity.js).
 * Frames and bodies follow widget/src/protocol/ (ServerFrame, ClientFrame, Event). Every
 * event handed to the chat has a `type` (message, typing, agent_joined, agent_left,
 * queue_update, queue_closed, handoff_cancelled, session_expiring, session_expired, conversation_ended,
 * identity_expired, resync, and session_gone when the server no longer has the session: 404
 * `session_not_found`) and, when persisted, a `seq`; events at or below the last seq are dropped (G3/G4).
 * Bot replies are rendered from the event stream only (never from the POST answer), so a
 * reply is shown once whichever path delivers it first.
 * - Tabs of one visitor share one conversation: a tab without a session asks the site's other
 *   open tabs (tabs.js, one tab at a time) and, when one has a live session of the same
 *   server, site and visitor, joins it and replays it from seq 0 instead of starting another. */

var HEARTBEAT_MS = 25000;
var PONG_TIMEOUT_MS = 10000;
var BACKOFF_BASE_MS = 500;
var BACKOFF_MAX_MS = 30000;

/** Full-jitter exponential backoff: a random delay up to min(max, base * 2^attempt). */
function backoffDelay(attempt) {
  var cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * Math.pow(2, attempt));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

function newMessageId() {
  var b = crypto.getRandomValues(new Uint8Array(16));
  return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
}

/** An HTTP failure with the server's stable error code ("session_expired", ...). */
function HttpError(status, code, message, fields) {
  this.status = status;
  this.code = code || 'http_' + status;
  this.message = message || 'HTTP ' + status;
  this.fields = Array.isArray(fields) ? fields : [];
}

/** What the transport keeps of a session (in sessionStorage) when it has none. `gone`: the
 * server no longer has the session it had (see `_gone`). */
function blankSession() {
  return { sessionId: '', token: '', conversationId: '', lastSeq: 0, timeoutS: 0, state: null, queue: [], expired: false, gone: false, start: null };
}

function Transport(hooks) {
  // hooks: base(), storage, key, channel (BroadcastChannel name shared by the site's tabs),
  //        sessionParams(), onEvent(e), onStatus(s), onReply(r, item), onError(code, message),
  //        onIdentityExpired()
  this.h = hooks;
  this.s = this._read();
  this.status = 'idle';
  this.mode = 'ws';
  this.attempt = 0;
  this.wsFailures = 0;
  this.timers = {};
  this.stopped = true;
  this.flushing = false;
  var self = this;
  this._online = function () { self._retryNow(); };
  this._offline = function () { self._setStatus('offline'); };
  window.addEventListener('online', this._online);
  window.addEventListener('offline', this._offline);
}

var T = Transport.prototype;

T._read = function () {
  var base = blankSession();
  try {
    var saved = JSON.parse(this.h.storage.getItem(this.h.key) || 'null');
    return saved && typeof saved === 'object' ? Object.assign(base, saved) : base;
  } catch (e) {
    return base;
  }
};
T._write = function () {
  this.h.storage.setItem(this.h.key, JSON.stringify(this.s));
};
T.hasSession = function () {
  return !!this.s.sessionId;
};

T._setStatus = function (status) {
  if (this.status === status) return;
  this.status = status;
  this.h.onStatus(status);
};

T._later = function (name, fn, ms) {
  clearTimeout(this.timers[name]);
  this.timers[name] = setTimeout(fn.bind(this), ms);
};

/** A JSON request; `signal` overrides the shared abort signal (the long-poll has its own).
 * Calls on the session (and an offline request linked to it) carry the session token in
 * `Authorization`: the session id in the URL grants nothing by itself. */
T._fetch = function (method, path, body, signal) {
  var init = { method: method, headers: { accept: 'application/json' }, credentials: 'omit' };
  var linked = path.indexOf('/sessions/') === 0 || (body && body.session_id);
  if (this.s.token && linked) init.headers.authorization = 'Bearer ' + this.s.token;
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (signal || this.abort) init.signal = signal || this.abort.signal;
  return fetch(this.h.base() + path, init).then(function (r) {
    return r.text().then(function (text) {
      var json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch (e) {
        json = null;
      }
      if (!r.ok) {
        var err = (json && json.error) || {};
        throw new HttpError(r.status, err.code, err.message, err.fields);
      }
      return json;
    });
  });
};

/** Starts (or resumes) the conversation; resolves once a session exists. */
T.start = function () {
  this.stopped = false;
  if (!this.abort && window.AbortController) this.abort = new AbortController();
  if (this.s.sessionId && !this.s.expired) {
    this._connect();
    this._flush();
    return Promise.resolve(false);
  }
  if (this.s.expired || this.s.gone) return Promise.resolve(false);
  if (this.fresh) {
    // The visitor restarted: a new conversation, not another tab's (maybe the one just ended).
    this.fresh = false;
    return this._create(null);
  }
  return this._joinOrCreate();
};

/** Joins the conversation another open tab of this visitor has, or starts one: one tab of
 * the site at a time (tabs.js `startExclusively`), so a tab opened while another starts
 * waits for that start and joins it. */
T._joinOrCreate = function () {
  var self = this;
  if (this.creating) return this.creating;
  var params = this.h.sessionParams();
  var wanted = { base: this.h.base(), who: visitorKey(params) };
  var lock = this.h.channel ? this.h.channel + ':start' : '';
  var starting = startExclusively(lock, function () {
    return askPeers(self.h.channel, wanted).then(function (shared) {
      if (self.creating !== starting) {
        // Meanwhile the conversation was ended or restarted (`end`, `restore`, `stop`): the
        // tab has, or is getting, a session of its own; starting one here would be a second.
        return false;
      }
      self.creating = null;
      if (self.stopped || self.s.sessionId || self.s.expired || self.s.gone) return false;
      if (shared) {
        self._join(shared, wanted);
        return false;
      }
      // A failed start asks the other tabs again, under the lock, before it retries: one of
      // them may have started the conversation meanwhile.
      return self._create(null, function () { self._joinOrCreate().catch(function () {}); });
    });
  });
  this.creating = starting;
  return starting;
};

/** Takes the session another tab shared, and replays its conversation from the start. */
T._join = function (shared, wanted) {
  this.s.sessionId = shared.sessionId;
  this.s.token = shared.token;
  this.s.conversationId = String(shared.conversationId || '');
  this.s.timeoutS = Number(shared.timeoutS) || 0;
  this.s.state = shared.state === undefined ? null : shared.state;
  this.s.lastSeq = 0;
  this.s.expired = false;
  this.s.base = wanted.base;
  this.s.who = wanted.who;
  this._write();
  this.attempt = 0;
  this._connect();
  this._flush();
};

/** POST /sessions (with `restore`: the state of an expired session); a failure the
 * transport retries calls `retry` (by default the same start). */
T._create = function (restore, retry) {
  var self = this;
  if (this.creating) return this.creating;
  var body = this._startBody(restore || null);
  this._setStatus('connecting');
  this.creating = this._fetch('POST', '/sessions', body).then(function (res) {
    self.creating = null;
    res = res || {};
    self.s.sessionId = String(res.session_id || '');
    self.s.token = String(res.session_token || '');
    self.s.conversationId = String(res.conversation_id || '');
    self.s.timeoutS = Number(res.timeout_s) || 0;
    self.s.warningS = Number(res.warning_s) || 0;
    self.s.lastSeq = Number(res.seq) || 0;
    if (res.state !== undefined) self.s.state = res.state;
    self.s.expired = false;
    self.s.start = null;
    // The server took this start's identity: nothing waits for a new token any more.
    self._identityWait = false;
    self.s.base = self.h.base();
    self.s.who = visitorKey(body);
    self._write();
    if (res.output) self.h.onEvent({ type: 'message', from: 'bot', output: res.output, welcome: true });
    self.attempt = 0;
    self._connect();
    self._flush();
    return true;
  }, function (err) {
    self.creating = null;
    var again = retry || function () { self._create(restore).catch(function () {}); };
    if (err instanceof HttpError && err.code === 'client_start_id_reused') {
      // Another visitor since the first attempt: a start of its own.
      self.s.start = null;
      self._write();
      self._retryLater(again);
    } else {
      self._failed(err, again);
    }
    throw err;
  });
  return this.creating;
};

/** A start's body: the identity now, the rest and `client_start_id` as its first attempt
 * sent them, kept until answered, so a retry repeats the start (docs/api.md). */
T._startBody = function (restore) {
  var params = this.h.sessionParams();
  var start = this.s.start;
  if (!start || start.restore !== restore) {
    var fields = { locale: params.locale, page_url: params.page_url, referrer: params.referrer, dispatch_to: params.dispatch_to };
    start = this.s.start = { id: newMessageId(), restore: restore, fields: fields };
    this._write();
  }
  var body = Object.assign({}, params, start.fields, { client_start_id: start.id });
  if (restore) body.restore = restore;
  return body;
};

/** Shared handling of a failed request: identity, expiry, a session the server no longer
 * has, or network (retry later). */
T._failed = function (err, retry) {
  if (err && err.name === 'AbortError') return;
  if (err instanceof HttpError) {
    if (err.code === 'session_token_required' || err.code === 'invalid_session_token') {
      // The stored session cannot be used (its token is gone): start over like an expiry.
      this._expire();
      return;
    }
    if (err.status === 401) {
      this._identityRefused(err, retry);
      return;
    }
    if (err.code === 'session_not_found') {
      this._gone();
      return;
    }
    if (err.code === 'session_expired' || err.status === 410) {
      this._expire();
      return;
    }
    if (err.status >= 500 || err.status === 429 || err.code === 'erasure_in_progress' || err.code === 'start_in_progress') {
      // Busy or away for a moment (an erasure of this visitor's data takes seconds, an
      // attempt of the same start still runs): retry.
      this._retryLater(retry);
      return;
    }
    this._setStatus('error');
    this.h.onError(err.code, err.message);
    return;
  }
  this._retryLater(retry);
};

/** Adds `retry` to what waits for the next attempt. What was already waiting is kept: a send
 * failing while the stream waits to reconnect must not drop the reconnect (the send would go
 * out later, and nothing would listen again). */
T._keepRetry = function (retry) {
  var waiting = this._pendingRetry;
  if (!retry) return;
  this._pendingRetry = waiting && waiting !== retry ? function () { waiting(); retry(); } : retry;
};

T._retryLater = function (retry) {
  this._setStatus(navigator.onLine === false ? 'offline' : 'reconnecting');
  this._keepRetry(retry);
  this._later('retry', function () {
    var fn = this._pendingRetry;
    this._pendingRetry = null;
    if (fn && !this.stopped) fn();
  }, backoffDelay(this.attempt++));
};

T._retryNow = function () {
  if (this.stopped) return;
  clearTimeout(this.timers.retry);
  var fn = this._pendingRetry;
  this._pendingRetry = null;
  this.attempt = 0;
  if (fn) fn();
  else this._connect();
};

/** 404 `session_not_found` on the session's own calls: the server no longer has it (the
 * site erased the visitor's data, retention deleted the conversation, or it was idle longer
 * than the server keeps sessions). Not an expiry: nothing says why, and nothing of it is
 * kept to restore (its state, its unsent messages); the chat offers a new conversation. */
T._gone = function () {
  this._closeStream();
  this.s = blankSession();
  this.s.gone = true;
  this._write();
  this.fresh = true;
  this._setStatus('idle');
  this.h.onEvent({ type: 'session_gone' });
};

T._expire = function (text) {
  this._closeStream();
  this.s.expired = true;
  this._write();
  this._setStatus('expired');
  this.h.onEvent({ type: 'session_expired', text: text });
};

/** Queues a visitor input and sends it as soon as possible. Resolves with the queued item. */
T.send = function (input, display) {
  var item = { client_message_id: newMessageId(), input: input, display: display };
  this.s.queue.push(item);
  this._write();
  if (this.stopped) this.start();
  else this._flush();
  return item;
};

T._flush = function () {
  var self = this;
  if (this.flushing || !this.s.sessionId || this.s.expired || !this.s.queue.length) return;
  // Refused for the identity until the page renews it (updateIdentityToken); sending now
  // would only be refused again.
  if (this._identityWait) return;
  var item = this.s.queue[0];
  this.flushing = true;
  this._fetch('POST', '/sessions/' + encodeURIComponent(this.s.sessionId) + '/message', {
    client_message_id: item.client_message_id,
    input: item.input,
  }).then(function (res) {
    self.flushing = false;
    self.s.queue.shift();
    res = res || {};
    if (res.state !== undefined) self.s.state = res.state;
    self._write();
    self.h.onReply(res, item);
    if (self.status !== 'online' && self.status !== 'polling') self._setStatus('online');
    self._flush();
  }, function (err) {
    self.flushing = false;
    if (err instanceof HttpError && err.code === 'conversation_ended') {
      // The conversation ended while these waited (the agent or the bot ended it, the
      // widget had not heard yet): the chat takes them to a new conversation, as it does
      // with what is written after the end, instead of dropping them.
      var left = self.s.queue.splice(0);
      self._write();
      self.h.onEnded(left);
      return;
    }
    if (err instanceof HttpError && err.status === 409) {
      self.s.queue.shift();
      self._write();
      self.h.onError('duplicate_message', err.message);
      self._flush();
      return;
    }
    self._failed(err, function () { self._flush(); });
  });
};

T._wsUrl = function () {
  return this.h.base().replace(/^http/, 'ws') + '/sessions/' + encodeURIComponent(this.s.sessionId) + '/ws';
};

T._connect = function () {
  if (this.stopped || !this.s.sessionId || this.s.expired) return;
  if (this.mode === 'ws' && window.WebSocket) this._openWs(false);
  else this._usePoll();
};

/** Opens the websocket. A `probe` is the background attempt made while on long-poll: if it
 * opens, the transport switches back to it; if not, the long-poll goes on undisturbed. */
T._openWs = function (probe) {
  var self = this;
  if (this.ws) return;
  var opened = false;
  var ws;
  try {
    ws = this.s.token ? new WebSocket(this._wsUrl(), ['staffetta.v1', 'staffetta.session.' + this.s.token]) : new WebSocket(this._wsUrl());
  } catch (e) {
    if (probe) this._scheduleProbe();
    else this._usePoll();
    return;
  }
  this.ws = ws;
  ws.onopen = function () {
    opened = true;
    self.wsFailures = 0;
    self.attempt = 0;
    if (probe) {
      self.mode = 'ws';
      self._stopPoll();
    }
    // Everything after the last seq rendered; what the long-poll still delivers is
    // dropped by seq in _frame, so nothing is lost or shown twice.
    ws.send(JSON.stringify({ type: 'resume', after: self.s.lastSeq }));
    self._setStatus('online');
    self._heartbeat(ws);
    self._flush();
    self._sendKeepAlive();
  };
  ws.onmessage = function (m) {
    var frame;
    try {
      frame = JSON.parse(m.data);
    } catch (e) {
      return;
    }
    [].concat(frame).forEach(function (f) { self._frame(f); });
  };
  ws.onclose = function (ev) {
    if (self.ws !== ws) return;
    self.ws = null;
    if (self.stopped || self.s.expired) return;
    // 4404: the server deleted the conversation (an erasure, retention); its `error` frame
    // `session_not_found` comes first and is handled in _frame, this is the fallback.
    if (ev && ev.code === 4404) return self._gone();
    if (opened) self._retryLater(function () { self._connect(); });
    else if (probe) self._scheduleProbe();
    else self._wsRefused();
  };
};

/** Application-level ping every 25 s keeps idle proxies from dropping the socket; a
 * missing pong within 10 s means a dead connection, which is closed and reopened. */
T._heartbeat = function (ws) {
  this._later('ping', function () {
    if (this.ws !== ws || ws.readyState !== 1) return;
    ws.send(JSON.stringify({ type: 'ping' }));
    this._later('pong', function () {
      if (this.ws === ws) ws.close();
    }, PONG_TIMEOUT_MS);
    this._heartbeat(ws);
  }, HEARTBEAT_MS);
};

/** One server frame or long-poll item. */
T._frame = function (f) {
  var self = this;
  if (f && f.type === 'event' && f.event && typeof f.event === 'object') f = f.event;
  if (!f || typeof f !== 'object') return;
  var type = f.type;
  if (type === 'resync') {
    // The log cannot be continued from our seq: reload it from the start.
    this.s.lastSeq = 0;
    this._write();
    this.h.onEvent({ type: 'resync' });
    this._fetch('GET', '/sessions/' + encodeURIComponent(this.s.sessionId) + '/events?after=0&wait=0').then(function (res) {
      (Array.isArray(res) ? res : (res && res.events) || []).forEach(function (e) { self._frame(e); });
    }, function (err) { self._failed(err, function () { self._connect(); }); });
    return;
  }
  if (type === 'error') {
    var err = f.error || f;
    if (err.code === 'session_expired') this._expire();
    else if (err.code === 'session_not_found') this._gone();
    else this.h.onError(err.code || 'server_error', err.message || '');
    return;
  }
  if (type === 'pong') {
    clearTimeout(this.timers.pong);
    return;
  }
  if (type === 'ack') return;
  var seq = Number(f.seq) || 0;
  if (seq && seq <= this.s.lastSeq) return;
  if (seq) {
    this.s.lastSeq = seq;
    this._write();
    this._ackSoon();
  }
  if (type === 'identity_expired') {
    // Counted like any event (above), so a long-poll or a resume does not deliver it again.
    this._identityExpired();
    return;
  }
  var event = Object.assign({}, f, { type: type });
  if (type === 'session_expired') {
    this._expire(f.text);
    return;
  }
  this.h.onEvent(event);
};

T._ackSoon = function () {
  if (!this.ws) return;
  this._later('ack', function () {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify({ type: 'ack', seq: this.s.lastSeq }));
  }, 250);
};

/** Typing notice (websocket only; long-poll has no upstream channel for it). */
T.typing = function (active) {
  if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify({ type: 'typing', typing: !!active }));
};

/** Starts a new session carrying the state saved from the expired one. */
T.restore = function () {
  var state = this.s.state;
  this._closeStream();
  this.s.sessionId = '';
  this.s.token = '';
  this.s.expired = false;
  this._write();
  this.stopped = false;
  return this._create(state);
};

T._closeStream = function () {
  var ws = this.ws;
  this.ws = null;
  if (ws) ws.close();
  if (this.abort) {
    this.abort.abort();
    this.abort = window.AbortController ? new AbortController() : null;
  }
  this._stopPoll();
  this.flushing = false;
  this.creating = null;
  this.keepAlivePending = false;
};

/** Ends the conversation on the server (DELETE) and forgets it locally. */
T.end = function () {
  var id = this.s.sessionId;
  this._closeStream();
  if (id) this._fetch('DELETE', '/sessions/' + encodeURIComponent(id)).catch(function () {});
  this.s = blankSession();
  this._write();
  this.fresh = true;
  this._setStatus('idle');
};

T.stop = function () {
  this.stopped = true;
  var self = this;
  Object.keys(this.timers).forEach(function (k) { clearTimeout(self.timers[k]); });
  this.timers = {};
  this._closeStream();
  window.removeEventListener('online', this._online);
  window.removeEventListener('offline', this._offline);
};
