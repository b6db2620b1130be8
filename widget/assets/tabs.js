/* Staffetta tab hand-over: tabs of one visitor share one conversation (docs/widget.md,
 * "Transport and storage"). Concatenated after transport.js inside the chat script's
 * function scope by widget/src/assets/catalog.rs; the other side, the answer of a tab that
 * has a session, is launcher.js `_answerPeers` (it answers before chat.js is loaded).
 *
 * - `visitorKey(params)` says whose a session is, as the tabs compare it.
 * - `askPeers(channel, wanted)` asks the site's other open tabs over the BroadcastChannel
 *   `staffetta:<namespace>` for a live session of the same server and visitor.
 * - `startExclusively(lock, start)` runs a tab's "ask the other tabs, else create" under the
 *   Web Lock `staffetta:<namespace>:start` (same origin, released when the tab dies), so two
 *   tabs opened together do not both find nobody and both start a conversation: the second
 *   waits for the first's start, then asks and joins it (a start that fails asks again,
 *   under the lock, before it retries: transport.js `_joinOrCreate`). Without the Web Locks API (an
 *   insecure origin, an old browser) it runs at once, and two tabs opened within
 *   PEER_WAIT_MS of each other may still start one conversation each. */

/** How long a tab without a session waits for another tab to share one. */
var PEER_WAIT_MS = 300;
/** How long a tab waits for another tab's start before it starts without the lock (a
 * start that hangs, say on a stalled request, must not keep the other tabs from chatting). */
var START_LOCK_WAIT_MS = 10000;

/** Who a session belongs to, as the tabs compare it: the site's user id, the subject of its
 * identity token (read, not verified: the server checks the token), or the anonymous id. */
function visitorKey(params) {
  if (params.user_id) return 'user:' + params.user_id;
  if (params.identity_token) {
    try {
      var part = String(params.identity_token).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var claims = JSON.parse(atob(part + '==='.slice((part.length + 3) % 4)));
      return 'sub:' + String(claims.iss || '') + ' ' + String(claims.sub || '');
    } catch (e) {
      return 'jwt:?';
    }
  }
  return params.anonymous_id ? 'anon:' + params.anonymous_id : '';
}

/** Asks the site's other tabs on the BroadcastChannel `name` for their session; resolves
 * with the first one shared for the same server and visitor (`wanted.base`, `wanted.who`),
 * or null after PEER_WAIT_MS. */
function askPeers(name, wanted) {
  if (!name || !window.BroadcastChannel || !wanted.who) return Promise.resolve(null);
  return new Promise(function (resolve) {
    var channel;
    try {
      channel = new BroadcastChannel(name);
    } catch (e) {
      resolve(null);
      return;
    }
    var id = newMessageId();
    var timer = null;
    var done = function (session) {
      clearTimeout(timer);
      channel.close();
      resolve(session);
    };
    timer = setTimeout(function () { done(null); }, PEER_WAIT_MS);
    channel.onmessage = function (m) {
      var a = m.data || {};
      var shared = a.session || {};
      if (a.type !== 'share' || a.to !== id) return;
      if (shared.base !== wanted.base || shared.who !== wanted.who) return;
      if (typeof shared.sessionId !== 'string' || !shared.sessionId || typeof shared.token !== 'string') return;
      done(shared);
    };
    channel.postMessage({ type: 'ask', from: id, base: wanted.base, who: wanted.who });
  });
}

/** Runs `start()` (which returns a promise) holding the Web Lock `lock`, one tab of the
 * origin at a time; resolves or rejects as `start()` does. Runs it at once without the
 * API, when the lock cannot be asked for, or when waiting for it takes longer than
 * START_LOCK_WAIT_MS. `start` runs once in every case. */
function startExclusively(lock, start) {
  var locks = window.navigator && navigator.locks;
  if (!lock || !locks || typeof locks.request !== 'function') return start();
  var started = false;
  var run = function () {
    started = true;
    return start();
  };
  var abort = window.AbortController ? new AbortController() : null;
  var timer = abort && setTimeout(function () { abort.abort(); }, START_LOCK_WAIT_MS);
  var options = abort ? { mode: 'exclusive', signal: abort.signal } : { mode: 'exclusive' };
  var held;
  try {
    held = locks.request(lock, options, function () {
      clearTimeout(timer);
      return run();
    });
  } catch (e) {
    clearTimeout(timer);
    return run();
  }
  return held.then(null, function (err) {
    clearTimeout(timer);
    // Refused or given up before it was granted: start without it. A failed start
    // (the callback ran) fails as it would have without the lock.
    if (!started) return run();
    throw err;
  });
}
