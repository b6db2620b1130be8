/* Staffetta visitor transport, the long-poll fallback: when the websocket cannot be opened
 * twice in a row while plain HTTP works (a proxy or firewall blocks it), the transport reads
 * events with GET {base}/sessions/{id}/events?after=SEQ&wait=S and tries the socket again in
 * the background every 30-60 s (random, so many visitors do not retry together); once one
 * opens it resumes after the last seq and the long-poll stops. Methods of Transport
 * (transport.js), concatenated after it by widget/src/assets/catalog.rs. */

var LONG_POLL_WAIT_S = 25;
var PROBE_MIN_MS = 30000;
var PROBE_SPREAD_MS = 30000;

/** Long-poll from now on, with a background attempt at the websocket now and then. */
T._usePoll = function () {
  this.mode = 'poll';
  this._poll();
  if (window.WebSocket && !this.timers.probe) this._scheduleProbe();
};

T._scheduleProbe = function () {
  this._later('probe', function () {
    this.timers.probe = null;
    if (this.stopped || this.mode !== 'poll' || this.ws || !this.s.sessionId || this.s.expired) return;
    this._openWs(true);
  }, PROBE_MIN_MS + Math.round(Math.random() * PROBE_SPREAD_MS));
};

/** The socket never opened. If plain HTTP still works the socket is blocked (proxy,
 * firewall): after two such refusals use long-poll. If HTTP fails too the server is down
 * (a restart): retry later without counting it against the socket. */
T._wsRefused = function () {
  var self = this;
  var path = '/sessions/' + encodeURIComponent(this.s.sessionId) + '/events?after=' + this.s.lastSeq + '&wait=0';
  this._fetch('GET', path).then(function (res) {
    (Array.isArray(res) ? res : (res && res.events) || []).forEach(function (f) { self._frame(f); });
    if (++self.wsFailures >= 2) {
      // HTTP just worked: long-poll is up now, not "reconnecting" until its first answer.
      self._setStatus('polling');
      self._usePoll();
    } else {
      self._retryLater(function () { self._connect(); });
    }
  }, function (err) {
    self._failed(err, function () { self._connect(); });
  });
};

T._poll = function () {
  var self = this;
  if (this.polling || this.mode !== 'poll' || this.stopped || !this.s.sessionId || this.s.expired) return;
  this.polling = true;
  var abort = window.AbortController ? new AbortController() : null;
  this.pollAbort = abort;
  var path = '/sessions/' + encodeURIComponent(this.s.sessionId) + '/events?after=' + this.s.lastSeq + '&wait=' + LONG_POLL_WAIT_S;
  this._fetch('GET', path, undefined, abort && abort.signal).then(function (res) {
    if (self.pollAbort !== abort) return;
    self.polling = false;
    var events = Array.isArray(res) ? res : (res && res.events) || [];
    events.forEach(function (f) { self._frame(f); });
    if (self.mode !== 'poll') return;
    self.attempt = 0;
    self._setStatus('polling');
    self._flush();
    self._sendKeepAlive();
    self._poll();
  }, function (err) {
    if (self.pollAbort !== abort) return;
    self.polling = false;
    if (self.mode === 'poll') self._failed(err, function () { self._poll(); });
  });
};

/** Ends the long-poll (the websocket took over, or the stream closes). */
T._stopPoll = function () {
  var abort = this.pollAbort;
  this.pollAbort = null;
  this.polling = false;
  if (abort) abort.abort();
};
