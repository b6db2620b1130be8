/*! Staffetta agent console: sign-in, the desk (state switcher, offers, conversations,
 * offline requests, the Queue panel of supervisors and admins) and the dispatch of the agent websocket's frames (docs/agent-api.md).
 * Apache-2.0. Hand-written ES modules, no framework, no build step. */
import * as net from './net.js';
import { alertText, announce, beep, notifyDesktop, renderNotifyButton } from './alerts.js';
import { Conversation } from './conversation.js';
import { Offers } from './offers.js';
import { OfflineRequests } from './offline.js';
import { QueuePanel } from './queues.js';

const $ = (id) => document.getElementById(id);
const REMEMBERED = 'staffetta-console.login';

const S = {
  state: 'logged_out', pauseReasons: [], resources: [], agents: [],
  conversations: new Map(), // chat_id -> Conversation
  lastCommand: new Map(), // command name -> chat_id, to place ERROR frames
};

const desk = {
  send(command, chatId) {
    if (chatId) S.lastCommand.set(command.command, chatId);
    if (socket.send(command)) return true;
    alertText('Not connected: the action was not sent. Reconnecting…');
    return false;
  },
  getJson: (path) => net.getJson(path, () => showLogin('Your session ended. Please sign in again.')),
  announce,
  agent: net.agent,
  targets: () => ({ resources: S.resources, agents: S.agents }),
  resourceName: (id) => (S.resources.find((r) => r.id === id) || {}).name || id,
  onAlert(offer, queue, seconds) {
    beep();
    notifyDesktop('New chat offer', `${queue || 'A visitor'} - accept within ${seconds} s`, `offer-${offer.id}`);
  },
};

const socket = new net.DeskSocket({
  onFrame: handleFrame,
  onStatus: setConnection,
  onDenied: () => showLogin('Your session ended. Please sign in again.'),
});
const offers = new Offers($('offers'), desk);
const offline = new OfflineRequests(desk);
const queues = new QueuePanel(desk);
/** Roles that see the Queue panel (the server refuses the others, docs/agent-api.md). */
const SEES_QUEUES = ['admin', 'supervisor'];

// ---------- sign-in and sign-out ----------
function showLogin(message) {
  socket.stop();
  queues.stop();
  net.forget();
  for (const chatId of [...S.conversations.keys()]) closeConversation(chatId);
  for (const id of offers.ids()) offers.remove(id);
  $('desk-view').hidden = true;
  // Its target is in the desk: on the login page there is nothing to skip.
  $('skip-link').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  document.title = 'Sign in - Staffetta agent console';
  const remembered = JSON.parse(localStorage.getItem(REMEMBERED) || '{}');
  const form = $('login-form');
  if (remembered.site_id && !form.site_id.value) form.site_id.value = remembered.site_id;
  if (remembered.login && !form.login.value) form.login.value = remembered.login;
  (form.site_id.value && form.login.value ? form.password : form.site_id).focus();
}

const LOGIN_ERRORS = {
  invalid_credentials: 'Site id, login or password is wrong.',
  ip_blocked: 'Too many failed attempts from this network. Try again later.',
  account_blocked: 'Too many failed attempts for this account. Try again later.',
  rate_limited: 'Too many requests. Wait a moment and try again.',
  network: 'The server cannot be reached. Check the connection and try again.',
};

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const siteId = form.site_id.value.trim();
  const login = form.login.value.trim();
  const password = form.password.value;
  const error = $('login-error');
  if (!siteId || !login || !password) {
    error.textContent = 'Fill in the site id, login and password.';
    (siteId ? (login ? form.password : form.login) : form.site_id).focus();
    return;
  }
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  error.textContent = 'Signing in…';
  const result = await net.login(siteId, login, password);
  submit.disabled = false;
  if (!result.ok) {
    const wait = result.retryAfter ? ` Retry in ${result.retryAfter} s.` : '';
    error.textContent = (LOGIN_ERRORS[result.code] || `Sign-in failed (${result.status}).`) + wait;
    form.password.select();
    return;
  }
  form.password.value = '';
  localStorage.setItem(REMEMBERED, JSON.stringify({ site_id: siteId, login }));
  startDesk();
});

$('logout-button').addEventListener('click', async () => {
  const result = await net.logout();
  if (!result.ok) {
    alertText(result.code === 'conversations_active'
      ? 'End your live chats before signing out.'
      : result.message);
    return;
  }
  showLogin('You signed out.');
});

function startDesk() {
  const operator = net.agent();
  $('login-view').hidden = true;
  $('desk-view').hidden = false;
  $('skip-link').hidden = false;
  document.title = 'Staffetta agent console';
  $('agent-name').textContent = operator ? `${operator.display_name} (${operator.login})` : '';
  $('alerts').textContent = '';
  renderNotifyButton();
  socket.start();
  offline.load();
  if (operator && SEES_QUEUES.includes(operator.role)) queues.start(); else queues.stop();
  $('state-select').focus();
}

function setConnection(status) {
  const [text, kind] = {
    connecting: ['Connecting…', 'warn'], connected: ['Connected', 'ok'],
    reconnecting: ['Reconnecting…', 'warn'], offline: ['Offline - retrying', 'bad'],
  }[status];
  const pill = $('connection');
  pill.textContent = text;
  pill.className = `pill ${kind}`;
  $('desk-view').classList.toggle('disconnected', status !== 'connected');
  if (status === 'connected' && $('alerts').textContent.startsWith('Not connected')) alertText('');
}

// ---------- state switcher ----------
const STATE_TEXT = {
  ready: 'Ready', paused: 'Paused', forced: 'Paused: missed an offer', logged_out: 'Signed out of the desk',
};

function renderStateOptions() {
  const select = $('state-select');
  select.replaceChildren(new Option('Ready', 'ready'), new Option('Pause', 'pause'));
  for (const reason of S.pauseReasons) select.append(new Option(`Pause: ${reason.label}`, `pause:${reason.code}`));
  for (const state of ['forced', 'logged_out']) {
    const option = new Option(STATE_TEXT[state], state);
    option.disabled = true;
    option.hidden = true;
    select.append(option);
  }
}

function showState(state, reason) {
  S.state = state;
  const select = $('state-select');
  let value = { ready: 'ready', forced: 'forced', logged_out: 'logged_out' }[state] || 'pause';
  if (state === 'paused' && reason !== undefined && reason !== null && reason !== '') value = `pause:${reason}`;
  if (![...select.options].some((o) => o.value === value)) value = 'pause';
  for (const option of select.options) if (option.disabled) option.hidden = option.value !== value;
  select.value = value;
  $('desk-view').dataset.state = state;
}

$('state-select').addEventListener('change', (event) => {
  const value = event.target.value;
  if (S.state === 'logged_out') {
    // The desk signed this agent out (from another tab, say): a new socket signs in again.
    socket.reopen();
    return;
  }
  if (value === 'ready') desk.send({ command: 'set_state', state: 'ready' });
  else if (value.startsWith('pause:')) desk.send({ command: 'set_state', state: 'pause', reason: Number(value.slice(6)) });
  else desk.send({ command: 'set_state', state: 'pause' });
});

// ---------- frames ----------
function handleFrame(f) {
  const conv = f.chat_id ? S.conversations.get(f.chat_id) : undefined;
  switch (f.event) {
    case 'SNAPSHOT': return applySnapshot(f);
    case 'LOGGEDIN':
      if (['forced', 'logged_out'].includes(S.state)) alertText('');
      return showState('ready');
    case 'PAUSE': return showState('paused');
    case 'PAUSESUBSTATE': return showState('paused', f.reason);
    case 'FORCED':
      showState('forced');
      alertText('You missed an offer and were paused. Choose Ready to get chats again.');
      return undefined;
    case 'LOGGEDOUT':
      showState('logged_out');
      alertText('You are signed out of the desk. Choose a state to sign in again.');
      return undefined;
    case 'POPUP': return offers.add({ id: f.id, chat_id: f.chat_id, queue: f.queue, deadline: f.deadline });
    case 'ESTABLISHED':
    case 'JOBSTARTED': {
      const mine = offers.accepting === f.id;
      offers.remove(f.id);
      const opened = openConversation({ chat_id: f.chat_id, job_id: f.id, queue: f.queue, phase: 'online' });
      opened.setPhase('online');
      if (mine && f.event === 'ESTABLISHED') {
        opened.textarea.focus();
        announce(`Chat ${opened.n} is open. The visitor is waiting for you.`);
      }
      return undefined;
    }
    case 'CONNECTIONCLEARED':
      if (conv) {
        conv.cleared(f.reason);
        announce(`Chat ${conv.n}: ${conv.status.textContent}`);
      }
      return undefined;
    case 'JOBCHANGED':
      if (conv && f.job_state === 'offline') conv.setPhase('wrap_up');
      return undefined;
    case 'JOBFINISHED':
      if (offers.remove(f.id)) {
        announce(f.reason === 'timeout' ? 'The offer timed out.' : 'The offer was withdrawn: the visitor stopped waiting.');
      }
      if (conv && conv.jobId === f.id) {
        announce(`Chat ${conv.n} is closed${f.reason && f.reason !== 'wrap_up_limit' ? ` (${f.reason})` : ''}.`);
        closeConversation(f.chat_id);
      }
      return undefined;
    case 'MESSAGE':
      if (conv && conv.message(f) && f.from === 'visitor') {
        announce(`Chat ${conv.n}, visitor: ${f.text || ''}`);
        if (document.hidden || !document.hasFocus()) notifyDesktop(`Chat ${conv.n}`, f.text || '', `msg-${f.chat_id}`);
      }
      return undefined;
    case 'TYPING':
      if (conv) conv.showTyping(Boolean(f.typing));
      return undefined;
    case 'OFFLINE_REQUEST':
      offline.add(f, true);
      announce(`New offline request from ${f.name || 'a visitor'}.`);
      notifyDesktop('New offline request', f.text || '', `offline-${f.id}`);
      return undefined;
    case 'IP_BANNED':
      if (conv) {
        const until = f.until ? `until ${new Date(f.until).toLocaleString()}` : 'permanently';
        conv.say(`The visitor's address is banned ${until}.`);
        conv.transcript.note(`Visitor's address banned ${until}.`);
      }
      return undefined;
    case 'AGENTS':
      // A chat taken or ended changes the queues too: read them now, not at the next poll.
      queues.refresh();
      return setColleagues(f.agents);
    case 'ERROR': return showError(f);
    default:
      return undefined; // JOBSCHEDULED, setup JOBCHANGED, DATACHANGED: nothing to show.
  }
}

// Refusals in the agent's words (codes of the desk, docs/agent-api.md); others show the
// server's message.
const GONE = 'That chat is no longer available.';
const ERROR_TEXT = {
  already_taken: GONE, unknown_offer: GONE, offer_not_yours: GONE, offer_not_found: GONE,
  forbidden: 'You are not allowed to do that.',
  conversation_ended: 'The visitor has already left this chat.',
  not_your_conversation: 'This chat is no longer yours.',
  not_in_wrap_up: 'This chat is not waiting for a wrap-up any more.',
  transfer_to_self: 'Choose someone else to transfer to.',
  transfer_target_unavailable: 'That colleague is not signed in any more.',
  nobody_to_transfer_to: 'Nobody else is signed in for that queue.',
  unknown_pause_reason: 'That pause reason is not configured any more.',
  not_logged_in: 'You are signed out of the desk. Choose a state to sign in again.',
  bad_command: 'The console sent something the server did not understand.',
};

function showError(f) {
  const text = ERROR_TEXT[f.code] || f.message || f.code;
  if (f.command === 'accept') offers.acceptRefused();
  if (f.command === 'set_state') showState(S.state);
  const conv = S.conversations.get(S.lastCommand.get(f.command));
  if (conv) conv.refused(f.command, text);
  alertText(text);
}

function applySnapshot(f) {
  S.pauseReasons = Array.isArray(f.pause_reasons) ? f.pause_reasons : [];
  S.resources = Array.isArray(f.resources) ? f.resources : [];
  S.me = f.agent && f.agent.id;
  renderStateOptions();
  setColleagues(f.agents);
  showState(f.state, f.pause_reason);
  const live = new Set();
  for (const c of f.conversations || []) {
    if (c.phase === 'offered') continue;
    live.add(c.chat_id);
    const known = S.conversations.has(c.chat_id);
    const conv = openConversation(c);
    conv.setPhase(c.phase === 'wrap_up' ? 'wrap_up' : 'online', c.deadline);
    conv.applyPermissions();
    if (known) conv.load(); // lines missed while disconnected are merged in
  }
  for (const chatId of [...S.conversations.keys()]) if (!live.has(chatId)) closeConversation(chatId);
  const current = new Set((f.offers || []).map((o) => o.id));
  for (const id of offers.ids()) if (!current.has(id)) offers.remove(id);
  for (const offer of f.offers || []) offers.add(offer);
}

/**
 * Who else is at the desk and how they are (the team list and the transfer targets): from
 * the SNAPSHOT, then from every AGENTS frame (sent whenever someone's state or load changes).
 */
function setColleagues(agents) {
  const me = S.me || (net.agent() || {}).id;
  S.agents = (Array.isArray(agents) ? agents : []).filter((a) => a.id !== me);
  for (const conv of S.conversations.values()) conv.renderTargets();
  renderTeam();
}

/** A colleague's state in words: "Ready", "Paused: Break", "Away - reconnecting"... */
function colleagueState(a) {
  const state = (a.state && a.state.state) || 'logged_out';
  if (a.connected === false) return ['Away - reconnecting', 'bad'];
  if (state === 'paused') {
    const reason = a.state.reason;
    const label = (S.pauseReasons.find((r) => r.code === reason) || {}).label;
    return [label ? `Paused: ${label}` : 'Paused', 'warn'];
  }
  if (state === 'ready') return ['Ready', 'ok'];
  return [STATE_TEXT[state] || state, state === 'forced' ? 'warn' : ''];
}

function renderTeam() {
  const list = $('team-list');
  list.replaceChildren(...S.agents.map((a) => {
    const item = document.createElement('li');
    item.dataset.agent = a.id;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = a.display_name || a.id;
    const [text, kind] = colleagueState(a);
    const pill = document.createElement('span');
    pill.className = `pill ${kind}`;
    pill.textContent = text;
    const load = document.createElement('span');
    load.className = 'load';
    load.textContent = [
      a.online ? `${a.online} live chat${a.online === 1 ? '' : 's'}` : '',
      a.wrap_up ? `${a.wrap_up} in wrap-up` : '',
    ].filter(Boolean).join(' · ');
    item.append(name, pill, load);
    return item;
  }));
  $('team-empty').hidden = S.agents.length > 0;
}

// ---------- conversations ----------
function openConversation(c) {
  let conv = S.conversations.get(c.chat_id);
  if (conv) {
    if (c.job_id) conv.jobId = c.job_id;
    return conv;
  }
  conv = new Conversation(desk, c);
  S.conversations.set(c.chat_id, conv);
  $('conversations').append(conv.root);
  $('empty').hidden = true;
  conv.load();
  return conv;
}

function closeConversation(chatId) {
  const conv = S.conversations.get(chatId);
  if (!conv) return;
  const hadFocus = conv.root.contains(document.activeElement);
  conv.remove();
  S.conversations.delete(chatId);
  $('empty').hidden = S.conversations.size > 0;
  if (hadFocus) $('main').focus();
}

// ---------- keyboard ----------
document.addEventListener('keydown', (event) => {
  if (event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyA') {
    event.preventDefault();
    offers.acceptOldest();
  }
});

// ---------- boot: a reload resumes through the refresh cookie ----------
(async function boot() {
  const outcome = await net.refresh();
  if (outcome === 'ok') startDesk();
  else showLogin(outcome === 'network' ? 'The server cannot be reached right now.' : '');
}());
