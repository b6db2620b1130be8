/*! Staffetta agent console: sign-in, the desk (state switcher, offers, conversations,
 * offline requests, the Queue panel of supervisors and admins) and the dispatch of the agent websocket's frames (docs/agent-api.md).
 * Apache-2.0. Hand-written ES modules, no framework, no build step. */
import * as net from './net.js';
import { alertText, announce, beep, initAlerts, notifyDesktop, renderNotifyButton } from './alerts.js';
import { dateTime, inWords, loadTexts, localize, t, timeOfDay } from './i18n.js';
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
    alertText(t('console-not-connected'));
    return false;
  },
  getJson: (path) => net.getJson(path, () => showLogin(t('console-session-ended'))),
  announce,
  agent: net.agent,
  targets: () => ({ resources: S.resources, agents: S.agents }),
  resourceName: (id) => (S.resources.find((r) => r.id === id) || {}).name || id,
  onAlert(offer, queue, seconds) {
    beep();
    notifyDesktop(t('console-offer-notify-title'), queue
      ? t('console-offer-notify-queue', { queue, seconds }) : t('console-offer-notify', { seconds }), `offer-${offer.id}`);
  },
};

const socket = new net.DeskSocket({
  onFrame: handleFrame,
  onStatus: setConnection,
  onDenied: () => showLogin(t('console-session-ended')),
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
  document.title = t('console-title-sign-in');
  const remembered = JSON.parse(localStorage.getItem(REMEMBERED) || '{}');
  const form = $('login-form');
  if (remembered.site_id && !form.site_id.value) form.site_id.value = remembered.site_id;
  if (remembered.login && !form.login.value) form.login.value = remembered.login;
  (form.site_id.value && form.login.value ? form.password : form.site_id).focus();
}

const LOGIN_ERRORS = {
  invalid_credentials: 'console-login-invalid',
  ip_blocked: 'console-login-ip-blocked',
  account_blocked: 'console-login-account-blocked',
  rate_limited: 'console-login-rate-limited',
  network: 'console-login-network',
};
/** Refusals that say when to try again (`Retry-After`, in seconds). */
const BLOCKED = ['ip_blocked', 'account_blocked', 'rate_limited'];

/** Why a sign-in was refused, and for a block when signing in works again, in words. */
function loginRefusal(result) {
  const why = LOGIN_ERRORS[result.code] ? t(LOGIN_ERRORS[result.code]) : t('console-login-failed', { status: result.status });
  if (!BLOCKED.includes(result.code)) return why;
  const seconds = Number(result.retryAfter);
  if (!Number.isFinite(seconds) || seconds <= 0) return `${why} ${t('console-login-retry-later')}`;
  const at = net.serverNow() + seconds * 1000;
  // Half a day or more: the time of day alone could be today or tomorrow.
  const when = seconds >= 43200
    ? t('console-login-retry-on', { date: dateTime(at), in: inWords(seconds) })
    : t('console-login-retry-at', { time: timeOfDay(at), in: inWords(seconds) });
  return `${why} ${when}`;
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const siteId = form.site_id.value.trim();
  const login = form.login.value.trim();
  const password = form.password.value;
  const error = $('login-error');
  if (!siteId || !login || !password) {
    error.textContent = t('console-login-missing');
    (siteId ? (login ? form.password : form.login) : form.site_id).focus();
    return;
  }
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  error.textContent = t('console-login-signing-in');
  const result = await net.login(siteId, login, password);
  submit.disabled = false;
  if (!result.ok) {
    error.textContent = loginRefusal(result);
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
    if (result.code === 'conversations_active') alertText(t('console-sign-out-active'));
    else if (result.code === 'network') alertText(t('console-server-unreachable'));
    else alertText(result.message || t('console-sign-out-failed', { status: result.status }));
    return;
  }
  showLogin(t('console-signed-out'));
});

function startDesk() {
  const operator = net.agent();
  $('login-view').hidden = true;
  $('desk-view').hidden = false;
  $('skip-link').hidden = false;
  document.title = t('console-title');
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
    connecting: ['console-connection-connecting', 'warn'], connected: ['console-connection-connected', 'ok'],
    reconnecting: ['console-connection-reconnecting', 'warn'], offline: ['console-connection-offline', 'bad'],
  }[status];
  const pill = $('connection');
  pill.textContent = t(text);
  pill.className = `pill ${kind}`;
  $('desk-view').classList.toggle('disconnected', status !== 'connected');
  if (status === 'connected' && $('alerts').textContent === t('console-not-connected')) alertText('');
}

// ---------- state switcher ----------
const STATE_TEXT = {
  ready: 'console-state-ready', paused: 'console-state-paused', forced: 'console-state-forced', logged_out: 'console-state-logged-out',
};

function renderStateOptions() {
  const select = $('state-select');
  select.replaceChildren(new Option(t('console-state-ready'), 'ready'), new Option(t('console-state-pause'), 'pause'));
  for (const reason of S.pauseReasons) select.append(new Option(t('console-state-pause-reason', { reason: reason.label }), `pause:${reason.code}`));
  for (const state of ['forced', 'logged_out']) {
    const option = new Option(t(STATE_TEXT[state]), state);
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
      alertText(t('console-forced'));
      return undefined;
    case 'LOGGEDOUT':
      showState('logged_out');
      alertText(t('console-logged-out'));
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
        announce(t('console-chat-open', { n: opened.n }));
      }
      return undefined;
    }
    case 'CONNECTIONCLEARED':
      if (conv) {
        conv.cleared(f.reason);
        announce(t('console-chat-status', { n: conv.n, status: conv.status.textContent }));
      }
      return undefined;
    case 'JOBCHANGED':
      if (conv && f.job_state === 'offline') conv.setPhase('wrap_up');
      return undefined;
    case 'JOBFINISHED':
      if (offers.remove(f.id)) {
        announce(f.reason === 'timeout' ? t('console-offer-timed-out') : t('console-offer-withdrawn'));
      }
      if (conv && conv.jobId === f.id) {
        announce(f.reason && f.reason !== 'wrap_up_limit'
          ? t('console-chat-closed-reason', { n: conv.n, reason: f.reason }) : t('console-chat-closed', { n: conv.n }));
        closeConversation(f.chat_id);
      }
      return undefined;
    case 'MESSAGE':
      if (conv && conv.message(f) && f.from === 'visitor') {
        announce(t('console-chat-visitor-said', { n: conv.n, text: f.text || '' }));
        if (document.hidden || !document.hasFocus()) notifyDesktop(t('console-chat-title', { n: conv.n }), f.text || '', `msg-${f.chat_id}`);
      }
      return undefined;
    case 'TYPING':
      if (conv) conv.showTyping(Boolean(f.typing));
      return undefined;
    case 'OFFLINE_REQUEST':
      offline.add(f, true);
      announce(f.name ? t('console-offline-new', { name: f.name }) : t('console-offline-new-anonymous'));
      notifyDesktop(t('console-offline-notify-title'), f.text || '', `offline-${f.id}`);
      return undefined;
    case 'IP_BANNED':
      if (conv) {
        const banned = f.until ? t('console-banned-until', { time: dateTime(f.until) }) : t('console-banned-forever');
        conv.say(banned);
        conv.transcript.note(banned);
      }
      return undefined;
    case 'QUEUES': // supervisors and admins: the site's queues changed
      queues.refresh();
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
const GONE = 'console-error-gone';
const ERROR_TEXT = {
  already_taken: GONE, unknown_offer: GONE, offer_not_yours: GONE, offer_not_found: GONE,
  forbidden: 'console-error-forbidden',
  conversation_ended: 'console-error-conversation-ended',
  not_your_conversation: 'console-error-not-yours',
  not_in_wrap_up: 'console-error-not-in-wrap-up',
  transfer_to_self: 'console-error-transfer-to-self',
  transfer_target_unavailable: 'console-error-transfer-target-unavailable',
  nobody_to_transfer_to: 'console-error-nobody-to-transfer-to',
  unknown_pause_reason: 'console-error-unknown-pause-reason',
  not_logged_in: 'console-logged-out',
  bad_command: 'console-error-bad-command',
};

function showError(f) {
  const text = ERROR_TEXT[f.code] ? t(ERROR_TEXT[f.code]) : f.message || f.code;
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
  if (a.connected === false) return [t('console-state-away'), 'bad'];
  if (state === 'paused') {
    const reason = a.state.reason;
    const label = (S.pauseReasons.find((r) => r.code === reason) || {}).label;
    return [label ? t('console-state-paused-reason', { reason: label }) : t('console-state-paused'), 'warn'];
  }
  if (state === 'ready') return [t('console-state-ready'), 'ok'];
  return [STATE_TEXT[state] ? t(STATE_TEXT[state]) : state, state === 'forced' ? 'warn' : ''];
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
      a.online ? t('console-team-live', { count: a.online }) : '',
      a.wrap_up ? t('console-team-wrap-up', { count: a.wrap_up }) : '',
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
  await loadTexts();
  localize(document);
  localize($('conversation-template').content);
  initAlerts();
  const outcome = await net.refresh();
  if (outcome === 'ok') startDesk();
  else showLogin(outcome === 'network' ? t('console-server-unreachable') : '');
}());
