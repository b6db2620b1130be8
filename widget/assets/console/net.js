/*! Staffetta agent console: the session (access token in memory, refresh cookie), HTTP calls
 * and the agent websocket with reconnection. Apache-2.0. */

export const API = '/api/v1/agent';
/** A socket that sent PINGs (every 20 s) and then nothing for this long is replaced. */
const SILENT_MS = 50000;

// The access token lives here only: never in storage, never in a readable cookie.
const session = { token: null, agent: null, refreshing: null, skewMs: 0 };

/** The signed-in operator ({id, login, display_name, role, can_see_ip}) or null. */
export const agent = () => session.agent;

/** Server time now, in ms: the local clock corrected by the skew seen in HTTP `Date` headers. */
export const serverNow = () => Date.now() + session.skewMs;

function noteClock(response) {
  const date = Date.parse(response.headers.get('Date') || '');
  if (Number.isNaN(date)) return;
  // `Date` has a one-second resolution: only a clearly wrong local clock is corrected.
  const skew = date + 500 - Date.now();
  session.skewMs = Math.abs(skew) > 1500 ? skew : 0;
}

function adopt(body) {
  session.token = body.access_token;
  session.agent = body.agent;
}

/** A server timestamp (ms) just received: the skew of the local clock, when it matters. */
export function noteServerTime(at) {
  if (typeof at !== 'number') return;
  const skew = at - Date.now();
  session.skewMs = Math.abs(skew) > 500 ? skew : 0;
}

/** Forgets the session (after sign-out or when the refresh cookie is refused). */
export function forget() {
  session.token = null;
  session.agent = null;
}

/**
 * Trades the refresh cookie for a new access token: 'ok', 'denied' (sign in again: the
 * cookie was refused, or there was none) or 'network'. Refresh tokens rotate, so concurrent callers share one request: a second
 * request with the same cookie would be refused and sign the agent out.
 */
export function refresh() {
  if (!session.refreshing) {
    session.refreshing = (async () => {
      let response;
      try {
        response = await fetch(`${API}/refresh`, {
          method: 'POST', credentials: 'same-origin', headers: { 'X-Staffetta-CSRF': '1' },
        });
      } catch {
        return 'network';
      }
      noteClock(response);
      if (response.status >= 500) return 'network';
      const body = response.ok ? await response.json().catch(() => null) : null;
      // 401: the cookie was refused; 200 {signed_in: false}: there was none to resume.
      if (!body || body.signed_in === false) {
        forget();
        return 'denied';
      }
      adopt(body);
      return 'ok';
    })().finally(() => { session.refreshing = null; });
  }
  return session.refreshing;
}

/** `POST /login`: {ok: true} or {ok: false, code, status, retryAfter} (code 'network' offline). */
export async function login(siteId, loginName, password) {
  let response;
  try {
    response = await fetch(`${API}/login`, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ site_id: siteId, login: loginName, password }),
    });
  } catch {
    return { ok: false, code: 'network', status: 0 };
  }
  noteClock(response);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    return {
      ok: false, status: response.status, code: body.error && body.error.code,
      message: body.error && body.error.message, retryAfter: response.headers.get('Retry-After'),
    };
  }
  adopt(body);
  return { ok: true };
}

/** `POST /logout`: leaves the desk and revokes the cookie. {ok} or {ok: false, code, status, message} (code 'network' offline). */
export async function logout() {
  let response;
  try {
    response = await fetch(`${API}/logout`, {
      method: 'POST', credentials: 'same-origin', headers: { 'X-Staffetta-CSRF': '1' },
    });
  } catch {
    return { ok: false, code: 'network', status: 0 };
  }
  if (response.ok) {
    forget();
    return { ok: true };
  }
  const body = await response.json().catch(() => ({}));
  return { ok: false, code: body.error && body.error.code, status: response.status, message: body.error && body.error.message };
}

/**
 * A GET with the access token; one refresh and retry on 401. Resolves with the parsed JSON
 * body, or {error: {code, status}} (status 0 when the network failed).
 */
export async function getJson(path, onDenied) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    let response;
    try {
      response = await fetch(`${API}${path}`, {
        credentials: 'same-origin', headers: { Authorization: `Bearer ${session.token}` },
      });
    } catch {
      return { error: { code: 'network', status: 0 } };
    }
    if (response.status === 401 && attempt === 0) {
      const outcome = await refresh();
      if (outcome === 'denied') { onDenied(); return { error: { code: 'denied', status: 401 } }; }
      if (outcome === 'network') return { error: { code: 'network', status: 0 } };
      continue;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) return { error: { code: (body.error && body.error.code) || 'http', status: response.status } };
    return body;
  }
  return { error: { code: 'denied', status: 401 } };
}

/**
 * The agent websocket. `handlers`: onFrame(frame), onStatus('connecting'|'connected'|
 * 'reconnecting'|'offline'), onDenied() when the refresh cookie is refused. Closing (network
 * loss, server restart) or a missing heartbeat reconnects with jittered exponential backoff;
 * every attempt first refreshes the access token through the cookie, so the password is
 * never asked again. PING frames are consumed here (heartbeat and clock skew), and so is the
 * access token's renewal: on TOKEN_EXPIRING the token is refreshed and sent on the same
 * socket (`reauth`); if the token still runs out (ERROR token_expired, close 1008) the
 * socket is replaced at once, within the server's grace period, so state and chats stay.
 */
export class DeskSocket {
  constructor(handlers) {
    this.handlers = handlers;
    this.ws = null;
    this.wanted = false;
    this.attempts = 0;
    this.timer = null;
    this.watchdog = null;
    this.onOnline = () => { if (this.wanted && !this.ws) this.retryNow(); };
  }

  start() {
    this.wanted = true;
    this.attempts = 0;
    window.addEventListener('online', this.onOnline);
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => this.checkHeartbeat(), 5000);
    this.open();
  }

  /**
   * The server sends a PING text frame every 20 s. A socket that heard one and then nothing
   * for SILENT_MS is half-open (sleep, a dropped link without a close): it is replaced.
   */
  checkHeartbeat() {
    const ws = this.ws;
    if (!ws || !ws.heartbeat || Date.now() - ws.lastHeard < SILENT_MS) return;
    this.ws = null;
    ws.close(4000, 'no heartbeat');
    this.handlers.onStatus('reconnecting');
    this.schedule();
  }

  stop() {
    this.wanted = false;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    window.removeEventListener('online', this.onOnline);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'signed out');
  }

  /** Closes the socket and opens a new one (a fresh SNAPSHOT; logs in again at the desk). */
  reopen() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'reopen');
    this.retryNow();
  }

  retryNow() {
    this.attempts = 0;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reconnect(), 0);
  }

  open() {
    if (!this.wanted) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // The access token travels as a subprotocol, never in the URL (which ends up in logs);
    // the server selects `staffetta.agent.v1` and checks the token before the upgrade.
    const ws = new WebSocket(`${proto}//${location.host}${API}/ws`, ['staffetta.agent.v1', `staffetta.agent.token.${session.token || ''}`]);
    this.ws = ws;
    this.handlers.onStatus(this.attempts ? 'reconnecting' : 'connecting');
    ws.lastHeard = Date.now();
    ws.onmessage = (message) => {
      if (this.ws !== ws) return;
      ws.lastHeard = Date.now();
      let frame;
      try { frame = JSON.parse(message.data); } catch { return; }
      if (frame.event === 'PING') {
        ws.heartbeat = true;
        noteServerTime(frame.at);
        return;
      }
      if (frame.event === 'TOKEN_EXPIRING') {
        this.renew(ws, frame.expires_at);
        return;
      }
      if (frame.event === 'TOKEN_RENEWED') return;
      if (frame.event === 'ERROR' && (frame.command === 'reauth' || (!frame.command && frame.code === 'token_expired'))) {
        if (frame.code === 'unavailable') {
          // The server could not check the token now; the socket stays open: ask again.
          setTimeout(() => { if (this.ws === ws) this.send({ command: 'reauth', token: session.token }); }, 1000);
        } else {
          // A close (1008) follows: reconnect at once with a refreshed token.
          ws.renewFailed = true;
        }
        return;
      }
      if (frame.event === 'SNAPSHOT') {
        this.attempts = 0;
        this.handlers.onStatus('connected');
      }
      this.handlers.onFrame(frame);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.wanted) return;
      this.handlers.onStatus(navigator.onLine === false ? 'offline' : 'reconnecting');
      if (ws.renewFailed) this.retryNow();
      else this.schedule();
    };
  }

  /**
   * The server warned that this socket's access token expires at `expiresAt` (server ms):
   * refresh over HTTP and hand the new token to the same socket. A refused cookie signs out;
   * a network failure is retried until shortly before the expiry, after which the server
   * closes the socket and the reconnect takes over.
   */
  async renew(ws, expiresAt) {
    const outcome = await refresh();
    if (this.ws !== ws || !this.wanted) return;
    if (outcome === 'denied') { this.handlers.onDenied(); return; }
    if (outcome === 'ok') { this.send({ command: 'reauth', token: session.token }); return; }
    const left = expiresAt - serverNow();
    if (left > 1000) setTimeout(() => this.renew(ws, expiresAt), Math.min(5000, left / 2));
  }

  schedule() {
    const base = Math.min(30000, 500 * 2 ** this.attempts);
    this.attempts += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reconnect(), base / 2 + Math.random() * base / 2);
  }

  async reconnect() {
    if (!this.wanted || this.ws) return;
    const outcome = await refresh();
    if (!this.wanted) return;
    if (outcome === 'denied') { this.handlers.onDenied(); return; }
    if (outcome === 'network') { this.handlers.onStatus('offline'); this.schedule(); return; }
    this.open();
  }

  /** Sends a command; false when the socket is not open. */
  send(command) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(command));
      return true;
    }
    return false;
  }

  get connected() {
    return Boolean(this.ws && this.ws.readyState === WebSocket.OPEN);
  }
}
