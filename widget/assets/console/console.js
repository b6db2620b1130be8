/*! Staffetta agent console. Apache-2.0. Hand-written, no framework, no build step. */
(function () {
'use strict';

const API = '/api/v1/agent';
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
};

// Everything the console knows. The access token lives here only (never in storage).
const S = {
  token: null, agent: null, ws: null, wanted: false, attempts: 0, reconnectTimer: null,
  conversations: new Map(), offers: new Map(), pauseReasons: [], state: 'logged_out',
  lastTypingSent: 0, audio: null, uid: 0,
};

// ---------- announcements, sound, desktop notifications ----------
function announce(text) {
  const line = el('p', null, text);
  $('announcer').append(line);
  while ($('announcer').childElementCount > 5) $('announcer').firstElementChild.remove();
}
function alertText(text) { $('alerts').textContent = text; }

function unlockAudio() {
  if (S.audio || !window.AudioContext) return;
  try { S.audio = new AudioContext(); } catch { S.audio = null; }
}
document.addEventListener('pointerdown', unlockAudio, { once: true });
document.addEventListener('keydown', unlockAudio, { once: true });

function beep() {
  const ctx = S.audio;
  if (!ctx) return;
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'sine';
  osc.frequency.value = 880;
  gain.gain.setValueAtTime(0.0001, ctx.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.25);
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  osc.stop(ctx.currentTime + 0.3);
}

function notifyDesktop(title, body, tag) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => { window.focus(); n.close(); };
  } catch { /* some browsers only allow notifications from a service worker */ }
}
function updateNotifyButton() {
  const button = $('notify-button');
  button.hidden = !('Notification' in window) || Notification.permission !== 'default';
}
$('notify-button').addEventListener('click', () => {
  // Asked once, on this explicit user gesture; the browser remembers the answer.
  Notification.requestPermission().finally(updateNotifyButton);
});

// ---------- HTTP with the in-memory token, refresh on 401 ----------
async function refresh() {
  let r;
  try {
    r = await fetch(`${API}/refresh`, {
      method: 'POST', credentials: 'same-origin', headers: { 'X-Staffetta-CSRF': '1' },
    });
  } catch {
    return 'network';
  }
  if (!r.ok) return 'denied';
  const body = await r.json();
  S.token = body.access_token;
  S.agent = body.agent;
  return 'ok';
}

async function api(path, options = {}, retried = false) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${S.token}` };
  const r = await fetch(`${API}${path}`, { ...options, headers, credentials: 'same-origin' });
  if (r.status === 401 && !retried) {
    const outcome = await refresh();
    if (outcome === 'ok') return api(path, options, true);
    if (outcome === 'denied') showLogin('Your session ended. Please sign in again.');
  }
  return r;
}

// ---------- login / logout ----------
function showLogin(message) {
  S.wanted = false;
  S.token = null;
  if (S.ws) S.ws.close();
  clearTimeout(S.reconnectTimer);
  $('desk-view').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  document.title = 'Sign in - Staffetta agent console';
  $(message ? 'login-password' : 'login-site').focus();
}

const LOGIN_ERRORS = {
  invalid_credentials: 'Site id, login or password is wrong.',
  ip_blocked: 'Too many failed attempts from this network. Try again later.',
  account_blocked: 'Too many failed attempts for this account. Try again later.',
  rate_limited: 'Too many requests. Wait a moment and try again.',
};

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const body = {
    site_id: form.site_id.value.trim(), login: form.login.value.trim(), password: form.password.value,
  };
  const error = $('login-error');
  if (!body.site_id || !body.login || !body.password) {
    error.textContent = 'Fill in the site id, login and password.';
    return;
  }
  form.querySelector('button').disabled = true;
  error.textContent = 'Signing in…';
  try {
    const r = await fetch(`${API}/login`, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      const code = data.error && data.error.code;
      const wait = r.headers.get('Retry-After');
      error.textContent = (LOGIN_ERRORS[code] || `Sign-in failed (${r.status}).`) + (wait ? ` Retry in ${wait} s.` : '');
      return;
    }
    form.password.value = '';
    S.token = data.access_token;
    S.agent = data.agent;
    startDesk();
  } catch {
    error.textContent = 'The server cannot be reached. Check the connection and try again.';
  } finally {
    form.querySelector('button').disabled = false;
  }
});

$('logout-button').addEventListener('click', async () => {
  S.wanted = false;
  send({ command: 'logout' });
  await fetch(`${API}/logout`, { method: 'POST', credentials: 'same-origin', headers: { 'X-Staffetta-CSRF': '1' } }).catch(() => {});
  for (const chatId of [...S.conversations.keys()]) removeConversation(chatId);
  for (const id of [...S.offers.keys()]) removeOffer(id);
  showLogin('You signed out.');
});

// ---------- the desk and its websocket ----------
function startDesk() {
  $('login-view').hidden = true;
  $('desk-view').hidden = false;
  document.title = 'Staffetta agent console';
  $('agent-name').textContent = `${S.agent.display_name} (${S.agent.login})`;
  updateNotifyButton();
  S.wanted = true;
  S.attempts = 0;
  connect();
  loadOfflineRequests();
  $('state-select').focus();
}

function setConnection(text, kind) {
  const pill = $('connection');
  pill.textContent = text;
  pill.className = `pill ${kind || ''}`;
}

function connect() {
  if (!S.wanted) return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}${API}/ws?token=${encodeURIComponent(S.token)}`);
  S.ws = ws;
  setConnection('Connecting…', 'warn');
  ws.onopen = () => { S.attempts = 0; setConnection('Connected', 'ok'); };
  ws.onmessage = (message) => {
    let frame;
    try { frame = JSON.parse(message.data); } catch { return; }
    handleFrame(frame);
  };
  ws.onclose = () => {
    if (S.ws !== ws) return;
    S.ws = null;
    if (!S.wanted) return;
    setConnection('Reconnecting…', 'warn');
    scheduleReconnect();
  };
}

// Jittered exponential backoff; before each attempt the access token is refreshed through
// the HttpOnly cookie, so a network loss never asks for the password again.
function scheduleReconnect() {
  const base = Math.min(30000, 500 * 2 ** S.attempts);
  const delay = base / 2 + Math.random() * base / 2;
  S.attempts += 1;
  clearTimeout(S.reconnectTimer);
  S.reconnectTimer = setTimeout(async () => {
    const outcome = await refresh();
    if (outcome === 'denied') { showLogin('Your session ended. Please sign in again.'); return; }
    if (outcome === 'network') { scheduleReconnect(); return; }
    connect();
  }, delay);
}
window.addEventListener('online', () => {
  if (S.wanted && !S.ws) { S.attempts = 0; scheduleReconnect(); }
});

function send(command) {
  if (S.ws && S.ws.readyState === WebSocket.OPEN) {
    S.ws.send(JSON.stringify(command));
    return true;
  }
  alertText('Not connected: the action was not sent. Reconnecting…');
  return false;
}

// ---------- state switcher ----------
const STATE_LABELS = { ready: 'Ready', paused: 'Paused', forced: 'Paused (missed an offer)', logged_out: 'Signed out' };

function renderStateOptions() {
  const select = $('state-select');
  select.replaceChildren();
  select.append(new Option('Ready', 'ready'), new Option('Pause', 'pause'));
  for (const reason of S.pauseReasons) select.append(new Option(`Pause: ${reason.label}`, `pause:${reason.code}`));
  const forced = new Option(STATE_LABELS.forced, 'forced');
  forced.disabled = true;
  select.append(forced);
}
function showState(state, reason) {
  S.state = state;
  const select = $('state-select');
  let value = state === 'ready' ? 'ready' : state === 'forced' ? 'forced' : 'pause';
  if (state === 'paused' && reason !== undefined && reason !== null && reason !== '') value = `pause:${reason}`;
  if (![...select.options].some((o) => o.value === value)) value = state === 'ready' ? 'ready' : 'pause';
  select.value = value;
}
$('state-select').addEventListener('change', (event) => {
  const value = event.target.value;
  if (value === 'ready') send({ command: 'set_state', state: 'ready' });
  else if (value.startsWith('pause:')) send({ command: 'set_state', state: 'pause', reason: Number(value.slice(6)) });
  else send({ command: 'set_state', state: 'pause' });
});

// ---------- frames ----------
function handleFrame(f) {
  const chatId = f.chat_id;
  switch (f.event) {
    case 'SNAPSHOT': return applySnapshot(f);
    case 'LOGGEDIN': return showState('paused');
    case 'PAUSE': return showState('paused', f.reason);
    case 'PAUSESUBSTATE': return showState(f.reason === undefined ? 'ready' : 'paused', f.reason);
    case 'FORCED':
      showState('forced');
      announce('You were paused because an offer was not answered. Set yourself Ready to get new chats.');
      return;
    case 'LOGGEDOUT': return showState('logged_out');
    case 'POPUP': return addOffer({ id: f.id, chat_id: chatId, queue: f.queue, deadline: f.deadline });
    case 'ESTABLISHED':
    case 'JOBSTARTED':
      removeOffer(f.id);
      openConversation({ chat_id: chatId, job_id: f.id, queue: f.queue, phase: 'online', startTime: f.startTime });
      return;
    case 'CONNECTIONCLEARED': {
      const conv = S.conversations.get(chatId);
      if (!conv) return;
      if (f.reason === 'transferred' || f.reason === 'agent_lost') return removeConversation(chatId);
      setPhase(conv, 'wrap_up');
      announce(f.reason === 'visitor' ? 'The visitor ended the chat. Fill in the wrap-up.' : 'Chat ended. Fill in the wrap-up.');
      return;
    }
    case 'JOBCHANGED':
      if (f.job_state === 'offline' && S.conversations.has(chatId)) setPhase(S.conversations.get(chatId), 'wrap_up');
      return;
    case 'JOBFINISHED':
      removeOffer(f.id);
      if (S.conversations.has(chatId) && S.conversations.get(chatId).jobId === f.id) removeConversation(chatId);
      if (f.reason === 'timeout') announce('An offer timed out.');
      return;
    case 'MESSAGE': {
      const conv = S.conversations.get(chatId);
      if (conv) appendMessage(conv, f);
      if (conv && f.from === 'visitor') { conv.typing.textContent = ''; if (document.hidden) notifyDesktop('New message', f.text || '', `msg-${chatId}`); }
      return;
    }
    case 'TYPING': {
      const conv = S.conversations.get(chatId);
      if (conv) conv.typing.textContent = f.typing ? 'The visitor is typing…' : '';
      return;
    }
    case 'OFFLINE_REQUEST':
      renderOfflineRequest(f, true);
      announce(`New offline request from ${f.name || 'a visitor'}.`);
      notifyDesktop('New offline request', f.text || '', `offline-${f.id}`);
      return;
    case 'ERROR':
      alertText(`Refused: ${f.message || f.code}`);
      return;
    default:
      return; // DATACHANGED and others: nothing to show.
  }
}

function applySnapshot(f) {
  S.pauseReasons = Array.isArray(f.pause_reasons) ? f.pause_reasons : [];
  renderStateOptions();
  showState(f.state, f.pause_reason);
  const live = new Set();
  for (const c of f.conversations || []) {
    live.add(c.chat_id);
    if (c.phase === 'offered') continue;
    openConversation(c);
  }
  for (const chatId of [...S.conversations.keys()]) if (!live.has(chatId)) removeConversation(chatId);
  const offers = new Set((f.offers || []).map((o) => o.id));
  for (const id of [...S.offers.keys()]) if (!offers.has(id)) removeOffer(id);
  for (const offer of f.offers || []) addOffer(offer);
}

// ---------- offers ----------
const DEFAULT_OFFER_MS = 20000;

function addOffer(offer) {
  if (S.offers.has(offer.id)) {
    if (offer.deadline) S.offers.get(offer.id).deadline = offer.deadline;
    return;
  }
  const box = el('section', 'offer');
  box.setAttribute('role', 'group');
  const titleId = `offer-${offer.id}-title`;
  box.setAttribute('aria-labelledby', titleId);
  const title = el('h2', null, `New chat${offer.queue ? ` in ${offer.queue}` : ''}`);
  title.id = titleId;
  const countdown = el('p', 'countdown');
  const accept = el('button', 'primary', 'Accept');
  accept.type = 'button';
  const reject = el('button', 'danger', 'Reject');
  reject.type = 'button';
  box.append(title, countdown, accept, reject);
  $('offers').append(box);
  const entry = { ...offer, box, countdown, buttons: [accept, reject], deadline: offer.deadline || Date.now() + DEFAULT_OFFER_MS };
  entry.timer = setInterval(() => tick(entry), 250);
  S.offers.set(offer.id, entry);
  tick(entry);
  accept.addEventListener('click', () => { entry.buttons.forEach((b) => { b.disabled = true; }); send({ command: 'accept', offer: offer.id }); });
  reject.addEventListener('click', () => { send({ command: 'reject', offer: offer.id }); removeOffer(offer.id); });
  box.addEventListener('keydown', (event) => { if (event.key === 'Escape') reject.click(); });
  const seconds = Math.max(0, Math.round((entry.deadline - Date.now()) / 1000));
  announce(`New chat offer${offer.queue ? ` in ${offer.queue}` : ''}: ${seconds} seconds to accept.`);
  beep();
  notifyDesktop('New chat offer', `${offer.queue || 'Chat'}: accept within ${seconds} s`, `offer-${offer.id}`);
}

function tick(entry) {
  const left = Math.max(0, Math.ceil((entry.deadline - Date.now()) / 1000));
  entry.countdown.textContent = left > 0 ? `${left} s left to accept` : 'Time is up';
  if (left === 0) entry.buttons.forEach((b) => { b.disabled = true; });
}

function removeOffer(id) {
  const entry = S.offers.get(id);
  if (!entry) return;
  clearInterval(entry.timer);
  const hadFocus = entry.box.contains(document.activeElement);
  entry.box.remove();
  S.offers.delete(id);
  if (hadFocus) $('main').focus();
}

// ---------- conversations ----------
function openConversation(c) {
  let conv = S.conversations.get(c.chat_id);
  if (!conv) {
    conv = buildConversation(c);
    S.conversations.set(c.chat_id, conv);
    $('conversations').append(conv.root);
    $('empty').hidden = true;
    announce(`Chat ${c.chat_id} is open.`);
    conv.textarea.focus();
  }
  if (c.job_id) conv.jobId = c.job_id;
  setPhase(conv, c.phase || 'online');
  loadTranscript(conv);
  return conv;
}

function buildConversation(c) {
  const root = document.getElementById('conversation-template').content.firstElementChild.cloneNode(true);
  const n = ++S.uid;
  const conv = {
    chatId: c.chat_id, jobId: c.job_id, phase: null, lastSeq: 0, handoffSeq: null, root,
    transcript: root.querySelector('.transcript'), typing: root.querySelector('.typing'),
    textarea: root.querySelector('.composer textarea'), wrapup: root.querySelector('.wrapup'),
  };
  root.setAttribute('aria-label', `Chat ${c.chat_id}`);
  root.querySelector('.conv-title').textContent = `Chat${c.queue ? ` · ${c.queue}` : ''}`;
  root.querySelector('.transcript').setAttribute('aria-label', 'Transcript');
  // Unique ids so every label points at its control.
  for (const [labelSel, controlSel] of [
    ['.composer-label', '.composer textarea'], ['.transfer-kind-label', '.transfer-kind'],
    ['.transfer-id-label', '.transfer-id'], ['.ban-label', '.ban-expiry'],
    ['.disposition-label', '.disposition'], ['.notes-label', '.notes'],
  ]) {
    const control = root.querySelector(controlSel);
    control.id = `c${n}-${controlSel.replace(/[^a-z]/g, '')}`;
    root.querySelector(labelSel).htmlFor = control.id;
  }
  const composer = root.querySelector('.composer');
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = conv.textarea.value.trim();
    if (!text || conv.phase !== 'online') return;
    if (send({ command: 'send', conversation: conv.chatId, text })) conv.textarea.value = '';
  });
  conv.textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); composer.requestSubmit(); }
  });
  conv.textarea.addEventListener('input', () => {
    const now = Date.now();
    if (now - S.lastTypingSent >= 2000 && conv.phase === 'online') {
      S.lastTypingSent = now;
      send({ command: 'typing', conversation: conv.chatId });
    }
  });
  root.querySelector('.end').addEventListener('click', () => send({ command: 'end', conversation: conv.chatId }));
  root.querySelector('.transfer').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = root.querySelector('.transfer-id').value.trim();
    if (!id) return;
    send({ command: 'transfer', conversation: conv.chatId, to: { kind: root.querySelector('.transfer-kind').value, id } });
  });
  const ban = root.querySelector('.ban');
  ban.hidden = !(S.agent && S.agent.can_see_ip);
  ban.addEventListener('submit', (event) => {
    event.preventDefault();
    const expiry = root.querySelector('.ban-expiry').value;
    const command = { command: 'ban_ip', conversation: conv.chatId };
    if (expiry) command.expires_s = Number(expiry);
    if (send(command)) announce('Ban requested.');
  });
  conv.wrapup.addEventListener('submit', (event) => {
    event.preventDefault();
    send({
      command: 'wrapup_done', job: conv.jobId,
      disposition: root.querySelector('.disposition').value, notes: root.querySelector('.notes').value,
    });
  });
  return conv;
}

const PHASES = { online: ['Live', 'ok'], wrap_up: ['Wrap-up', 'warn'], offered: ['Offered', ''] };
function setPhase(conv, phase) {
  if (conv.phase === phase) return;
  conv.phase = phase;
  const pill = conv.root.querySelector('.conv-phase');
  const [label, kind] = PHASES[phase] || [phase, ''];
  pill.textContent = label;
  pill.className = `conv-phase pill ${kind}`;
  const live = phase === 'online';
  conv.root.querySelector('.composer').hidden = !live;
  conv.root.querySelector('.tools').hidden = !live;
  conv.wrapup.hidden = phase !== 'wrap_up';
  if (phase === 'wrap_up') {
    conv.typing.textContent = '';
    conv.root.querySelector('.disposition').focus();
  }
}

function removeConversation(chatId) {
  const conv = S.conversations.get(chatId);
  if (!conv) return;
  const hadFocus = conv.root.contains(document.activeElement);
  conv.root.remove();
  S.conversations.delete(chatId);
  $('empty').hidden = S.conversations.size > 0;
  if (hadFocus) $('main').focus();
}

async function loadTranscript(conv) {
  let r;
  try { r = await api(`/conversations/${encodeURIComponent(conv.chatId)}`); } catch { return; }
  if (!r.ok) return;
  const data = await r.json();
  conv.handoffSeq = data.handoff_seq;
  renderVisitor(conv, data.visitor || {});
  for (const m of data.messages || []) appendMessage(conv, m);
}

function renderVisitor(conv, v) {
  const dl = conv.root.querySelector('.visitor-info');
  dl.replaceChildren();
  const row = (term, value) => {
    if (value === undefined || value === null || value === '') return;
    dl.append(el('dt', null, term), el('dd', null, value));
  };
  row('Page', v.page_url);
  row('Device', [v.device, v.browser, v.os].filter(Boolean).join(' · '));
  row('Place', [v.city, v.country].filter(Boolean).join(', '));
  row('Language', v.locale);
  row('IP', v.ip);
  const previous = v.previous_conversations || [];
  row('Previous chats', previous.length
    ? previous.map((p) => new Date(p.started_at).toLocaleString()).join('; ')
    : 'none');
}

const FROM = { visitor: 'Visitor', bot: 'Bot', agent: 'Agent', system: 'System' };
function appendMessage(conv, m) {
  if (typeof m.seq === 'number') {
    if (m.seq <= conv.lastSeq) return;
    conv.lastSeq = m.seq;
  }
  if (conv.handoffSeq && m.seq >= conv.handoffSeq && !conv.transcript.querySelector('.handoff-mark')) {
    conv.transcript.append(el('li', 'handoff-mark', 'Handed over to a person'));
  }
  const item = el('li', `msg msg-${FROM[m.from] ? m.from : 'system'}`);
  const who = m.from === 'agent' && m.agent_name ? m.agent_name : FROM[m.from] || 'System';
  item.append(el('span', 'from', who));
  const body = el('div', 'body');
  if ((m.from === 'bot' || m.from === 'agent') && m.html) body.append(sanitizedFragment(m.html));
  else body.textContent = m.text || '';
  item.append(body);
  conv.transcript.append(item);
  conv.transcript.scrollTop = conv.transcript.scrollHeight;
}

// The server already sanitizes bot/agent HTML; as defence in depth the markup is parsed in
// an inert <template> and scripts, embedded content and on* attributes are stripped.
function sanitizedFragment(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  template.content.querySelectorAll('script,style,iframe,object,embed,link,meta,base,form').forEach((n) => n.remove());
  for (const node of template.content.querySelectorAll('*')) {
    for (const attr of [...node.attributes]) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith('on') || name === 'style' || name === 'srcdoc'
        || ((name === 'href' || name === 'src' || name === 'xlink:href') && /^(javascript|vbscript|data):/.test(value.replace(/\s+/g, '')))) {
        node.removeAttribute(attr.name);
      }
    }
    if (node.tagName === 'IMG' && !node.hasAttribute('alt')) node.setAttribute('alt', '');
    if (node.tagName === 'A') { node.setAttribute('rel', 'noopener noreferrer'); node.setAttribute('target', '_blank'); }
  }
  return template.content;
}

// ---------- offline requests ----------
async function loadOfflineRequests() {
  let r;
  try { r = await api('/offline-requests?limit=50'); } catch { r = null; }
  if (!r || !r.ok) {
    $('offline-list').replaceChildren(el('li', 'none', `Offline requests could not be loaded${r ? ` (${r.status})` : ''}.`));
    return;
  }
  const data = await r.json();
  $('offline-list').replaceChildren();
  for (const request of data.requests || []) renderOfflineRequest(request, false);
  if (!(data.requests || []).length) $('offline-list').append(el('li', 'none', 'No offline requests.'));
}
function renderOfflineRequest(r, prepend) {
  const none = $('offline-list').querySelector('.none');
  if (none) none.remove();
  const item = el('li');
  item.append(el('strong', null, r.name || 'Visitor'));
  item.append(el('span', 'meta', [r.email, r.resource, r.created_at ? new Date(r.created_at).toLocaleString() : ''].filter(Boolean).join(' · ')));
  item.append(el('span', null, r.text || ''));
  if (prepend) $('offline-list').prepend(item); else $('offline-list').append(item);
}
$('offline-refresh').addEventListener('click', loadOfflineRequests);

// ---------- boot: a reload resumes through the refresh cookie ----------
(async function boot() {
  const outcome = await refresh();
  if (outcome === 'ok') startDesk();
  else showLogin(outcome === 'network' ? 'The server cannot be reached right now.' : '');
}());
}());
