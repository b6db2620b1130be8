/* Staffetta visitor transport, "Continue" on the idle warning (after transport.js,
 * catalog.rs): visitor activity that keeps the session alive. Sent as the `continue` frame
 * on the websocket, else POST .../continue; while neither works it stays pending and goes
 * out once the connection is back. */

T.keepAlive = function () {
  if (!this.s.sessionId || this.s.expired) return;
  this.keepAlivePending = true;
  this._sendKeepAlive();
};

T._sendKeepAlive = function () {
  var self = this;
  if (!this.keepAlivePending || this.keepAliveSending || !this.s.sessionId || this.s.expired) return;
  if (this.ws && this.ws.readyState === 1) {
    this.keepAlivePending = false;
    this.ws.send(JSON.stringify({ type: 'continue' }));
    return;
  }
  if (this.mode !== 'poll') return; // the socket is (re)connecting; onopen sends it
  var id = this.s.sessionId;
  this.keepAliveSending = true;
  this._fetch('POST', '/sessions/' + encodeURIComponent(id) + '/continue').then(function () {
    self.keepAliveSending = false;
    if (self.s.sessionId === id) self.keepAlivePending = false;
  }, function (err) {
    self.keepAliveSending = false;
    if (self.s.sessionId !== id || (err && err.name === 'AbortError')) return;
    if (err instanceof HttpError && err.status < 500 && err.status !== 429) {
      self.keepAlivePending = false;
      if (err.status === 410 || err.code === 'session_expired') self._expire();
      else if (err.code === 'session_not_found') self._gone();
      else if (err.code !== 'conversation_ended') self.h.onError(err.code, err.message);
    }
    // Otherwise (network, 5xx, 429) it stays pending: the next poll or socket sends it.
  });
};
