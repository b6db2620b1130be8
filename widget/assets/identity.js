/* Staffetta visitor transport, the page's identity (after transport.js, catalog.rs). An
 * expired token (event identity_expired, or 401 identity_expired) holds the sends until
 * the page calls updateIdentityToken, which PUTs {base}/sessions/{id}/identity; any other 401
 * (identity_required, invalid_identity_token) goes to the page's onError. */

/** A request refused for the page's identity (401): what was refused waits for
 * updateIdentityToken(). */
T._identityRefused = function (err, retry) {
  this._keepRetry(retry);
  this._identityWait = true;
  if (err.code === 'identity_expired') {
    this._setStatus('identity');
    this.h.onIdentityExpired();
    return;
  }
  // Not an expiry (no token on a site that requires one, a token the site's keys refuse):
  // the page's set-up is wrong. Tell the page the server's reason.
  this._setStatus('error');
  this.h.onError(err.code || 'identity_refused', err.message);
};

/** The event identity_expired: the sends wait for a fresh token. */
T._identityExpired = function () {
  this._identityWait = true;
  this._setStatus('identity');
  this.h.onIdentityExpired();
};

/** The page gave a new identity token: the session's is replaced on the server
 * (`PUT .../identity`, on the websocket and on long-poll alike), then what waited for it is
 * retried; without a session yet, the start is retried with the new token. */
T.identityUpdated = function (token) {
  var self = this;
  var resume = function () {
    if (!self._identityWait) return;
    self._identityWait = false;
    self._setStatus(self.ws ? 'online' : self.polling ? 'polling' : 'connecting');
    self._retryNow();
    self._flush();
  };
  if (!token || this.stopped || !this.s.sessionId || this.s.expired) {
    resume();
    return;
  }
  this._fetch('PUT', '/sessions/' + encodeURIComponent(this.s.sessionId) + '/identity', { identity_token: String(token) })
    .then(resume, function (err) {
      // Refused (401): wait for the page's next token. Not reached: send this one again.
      var refused = err instanceof HttpError && err.status === 401;
      self._failed(err, refused ? null : function () { self.identityUpdated(token); });
    });
};
