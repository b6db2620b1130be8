/* Staffetta chat window, part 1: strings, styles and the DOM helpers the renderers share
 * (safe URLs, autolinks, inert parsing of server HTML, locale date formats). Concatenated
 * between transport.js and chat.js inside one function scope by catalog.rs. */

var doc = document;
var HISTORY_LIMIT = 200;
var MAX_PAUSE_MS = 10000;
var OPTION_DROPDOWN_FROM = 5;

var CHAT_STRINGS = {
  'assistant-name': 'Assistant',
  'window-minimize': 'Minimise chat',
  'window-restart': 'Restart conversation',
  'home-greeting': 'Hello! How can we help you today?',
  'home-suggestions': 'Suggestions',
  'composer-label': 'Type your message',
  'composer-placeholder': 'Type your message…',
  'composer-send': 'Send',
  'messages-label': 'Conversation',
  'message-you': 'You',
  'message-sending': 'Sending…',
  'message-queued': 'Not sent yet: it will be sent when you are back online.',
  'message-not-sent': 'Not sent.',
  'typing': '{ $name } is typing…',
  'status-online': 'Online',
  'status-connecting': 'Connecting…',
  'status-offline': 'You are offline. Messages will be sent when the connection is back.',
  'status-reconnecting': 'Connection lost. Reconnecting…',
  'status-error': 'The chat is not available at the moment. Please try again later.',
  'option-choose': 'Choose an option',
  'option-submit': 'Choose',
  'date-label': 'Type a date',
  'date-picker': 'Or pick it from the calendar',
  'date-hint': 'Format: { $example }',
  'date-submit': 'Send date',
  'date-invalid': 'This is not a valid date. Use the format { $example }.',
  'image-enlarge': 'Enlarge image: { $alt }',
  'image-close': 'Close image',
  'iframe-title': 'Embedded content',
  'iframe-refused': '“{ $title }” cannot be shown in the chat.',
  'agent-connecting': 'Checking whether someone from the team is free…',
  'agent-joined': '{ $name } joined the chat.',
  'agent-left': '{ $name } left the chat.',
  'agent-reconnecting': '{ $name } lost the connection and is reconnecting…',
  'agent-default-name': 'An agent',
  'queue-position': 'You are number { $position } in the queue.',
  'queue-wait': 'Estimated wait: { $wait }.',
  'session-expiring': 'Are you still there? The conversation will end soon.',
  'session-expiring-in': 'Are you still there? The conversation will end in { $time }.',
  'session-continue': 'Continue',
  'session-expired': 'The conversation ended because of inactivity.',
  'session-restore': 'Restore the conversation',
  'conversation-ended': 'The conversation has ended.',
  'conversation-unavailable': 'This conversation is no longer available.',
  'conversation-ended-agent': '{ $name } ended the chat.',
  'agent-status': 'Chatting with { $name }',
  'handoff-cancel': 'Stop waiting',
  'handoff-end': 'End chat',
  'queue-next-opening': 'We are back on { $when }.',
  'offline-open': 'Leave a message',
  'offline-title': 'Leave us a message',
  'offline-required': 'All fields are required.',
  'offline-name': 'Name',
  'offline-email': 'E-mail',
  'offline-text': 'Message',
  'offline-submit': 'Send message',
  'offline-cancel': 'Cancel',
  'offline-sent': 'Thank you! We received your message and will reply to { $email }.',
  'offline-name-missing': 'Please enter your name.',
  'offline-name-invalid': 'Please enter a name of at most 100 characters, without special characters.',
  'offline-email-invalid': 'Please enter a valid e-mail address, like name@example.com.',
  'offline-text-missing': 'Please write your message.',
  'offline-text-invalid': 'Please write a message of at most 4000 characters, without special characters.',
  'offline-rate-limited': 'You sent several requests in a short time. Please try again in a minute.',
  'conversation-new': 'Start a new conversation',
  'error-generic': 'Something went wrong. Please try again.',
  'identity-expired': 'Your sign-in has expired. Waiting for the site to renew it…',
};

var CHAT_CSS =
  '.window{position:fixed;z-index:2147483001;inset-block-end:92px;inset-inline-end:20px;width:380px;max-width:calc(100vw - 40px);' +
  'height:min(640px,calc(100vh - 120px));display:flex;flex-direction:column;overflow:hidden;background:var(--staffetta-background,var(--_bg));' +
  'color:var(--staffetta-text,var(--_fg));border:1px solid var(--staffetta-border,var(--_border));border-radius:var(--staffetta-radius);box-shadow:0 12px 40px rgba(0,0,0,.25)}' +
  '.root[data-mode=mobile] .window{inset:0;width:auto;max-width:none;height:auto;border-radius:0;border:0}' +
  ':host([data-inline]) .window{position:relative;inset:auto;width:100%;height:100%;max-width:none;box-shadow:none}' +
  '.header{display:flex;align-items:center;gap:10px;padding:10px 12px;background:var(--staffetta-primary);color:var(--staffetta-on-primary)}' +
  '.avatar{width:36px;height:36px;border-radius:50%;flex:none;display:grid;place-items:center;background:rgba(255,255,255,.2);font-weight:700;object-fit:cover}' +
  '.titles{flex:1;min-width:0}.title{margin:0;font-size:16px;font-weight:700;line-height:1.2}.status{margin:0;font-size:13px;opacity:.95}' +
  '.icon-button{width:36px;height:36px;display:grid;place-items:center;border:0;border-radius:50%;background:transparent;color:inherit}.icon-button[hidden]{display:none}' +
  '.icon-button:hover{background:rgba(255,255,255,.18)}' +
  '.icon-button svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}' +
  '.banner{padding:8px 12px;background:#fff4ce;color:#3d2f00;font-size:14px}' +
  '.body{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;overscroll-behavior:contain}' +
  '.home{padding:8px 4px}.home-greeting{margin:0 0 12px;font-size:18px;font-weight:600}' +
  '.chips{display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0;list-style:none}' +
  '.chip{padding:8px 12px;border:1px solid var(--staffetta-primary);border-radius:18px;background:var(--staffetta-background,var(--_bg));color:var(--staffetta-text,var(--_fg))}' +
  '.chip:hover:not(:disabled){background:var(--staffetta-surface,var(--_surface))}.chip:disabled{opacity:.6;cursor:default}' +
  '.chip[aria-pressed=true]{background:var(--staffetta-primary);color:var(--staffetta-on-primary);opacity:1}' +
  '.messages{display:flex;flex-direction:column;gap:8px}' +
  '.msg{display:flex;flex-direction:column;gap:4px;max-width:88%;align-items:flex-start}' +
  '.msg-visitor{align-self:flex-end;align-items:flex-end}.msg-system{align-self:center;max-width:100%;align-items:center;text-align:center}' +
  '.meta{font-size:12px;color:var(--staffetta-muted,var(--_muted))}' +
  '.bubble{padding:9px 12px;border-radius:var(--staffetta-radius);background:var(--staffetta-surface,var(--_surface));overflow-wrap:anywhere}' +
  '.bubble>:first-child{margin-top:0}.bubble>:last-child{margin-bottom:0}.bubble a{color:inherit;text-decoration:underline}' +
  '.bubble table{border-collapse:collapse}.bubble td,.bubble th{border:1px solid var(--staffetta-border,var(--_border));padding:2px 6px}' +
  '.bubble pre{overflow-x:auto;white-space:pre-wrap}' +
  '.msg-visitor .bubble{background:var(--staffetta-primary);color:var(--staffetta-on-primary)}' +
  '.notice{font-size:13px;color:var(--staffetta-muted,var(--_muted));display:flex;flex-direction:column;align-items:center;gap:6px}' +
  '.action{padding:6px 12px;border:0;border-radius:16px;background:var(--staffetta-primary);color:var(--staffetta-on-primary)}' +
  '.action:disabled{opacity:.6;cursor:default}' +
  '.handoff{display:flex;align-items:center;justify-content:flex-end;gap:8px;padding:8px 12px;font-size:14px;' +
  'background:var(--staffetta-surface,var(--_surface));border-bottom:1px solid var(--staffetta-border,var(--_border))}.handoff p{flex:1;margin:0}' +
  '.offline{display:flex;flex-direction:column;gap:10px;padding:12px;border:1px solid var(--staffetta-border,var(--_border));border-radius:var(--staffetta-radius)}' +
  '.field{display:flex;flex-direction:column;gap:4px}.field label{font-weight:600;font-size:14px}' +
  '[aria-invalid=true]{border-color:#b3261e;border-width:2px}.root[data-scheme=dark] [aria-invalid=true]{border-color:#ffb4ab}.offline textarea{resize:vertical}' +
  '.group{border:0;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}.group-title{margin:0;font-weight:600}' +
  '.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}' +
  'select,input,textarea{font:inherit;color:var(--staffetta-text,var(--_fg));background:var(--staffetta-background,var(--_bg));border:1px solid var(--staffetta-border,#767676);border-radius:8px;padding:7px 9px}' +
  '.hint,.error{margin:0;font-size:13px}.error{color:#b3261e}.root[data-scheme=dark] .error{color:#ffb4ab}' +
  'figure{margin:0}figcaption{font-size:13px;margin-top:4px}.caption-title{display:block}.caption-description{display:block;color:var(--staffetta-muted,var(--_muted))}' +
  '.img-button{display:block;padding:0;border:0;background:none;border-radius:var(--staffetta-radius);overflow:hidden}' +
  '.img-button img{display:block;max-width:100%;max-height:220px}' +
  'video,iframe{display:block;width:100%;max-width:320px;border:0;border-radius:8px}iframe{height:220px}audio{max-width:100%}' +
  '.typing{display:inline-flex;gap:4px;padding:12px}.typing span{width:7px;height:7px;border-radius:50%;background:var(--staffetta-muted,var(--_muted));animation:staffetta-dot 1.2s infinite}' +
  '.typing-name{font-size:12px;color:var(--staffetta-muted,var(--_muted))}' +
  '.typing span:nth-child(2){animation-delay:.2s}.typing span:nth-child(3){animation-delay:.4s}' +
  '@keyframes staffetta-dot{0%,80%,100%{opacity:.3}40%{opacity:1}}@media (prefers-reduced-motion:reduce){.typing span{animation:none}}' +
  '.composer{display:flex;gap:8px;padding:10px;border-top:1px solid var(--staffetta-border,var(--_border))}' +
  '.composer textarea{flex:1;resize:none;min-height:40px;max-height:120px}' +
  '.send{width:40px;height:40px;flex:none;border:0;border-radius:50%;background:var(--staffetta-primary);color:var(--staffetta-on-primary);display:grid;place-items:center}' +
  '.send svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}' +
  '[dir=rtl] .send svg{transform:scaleX(-1)}' +
  '.lightbox{position:fixed;inset:0;z-index:2147483002;background:rgba(0,0,0,.8);display:grid;place-items:center;padding:24px}' +
  '.lightbox img{max-width:100%;max-height:85vh;background:#fff}.lightbox .icon-button{position:absolute;inset-block-start:12px;inset-inline-end:12px;color:#fff}';

function el(tag, attrs, children) {
  var node = doc.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    var v = attrs[k];
    if (k === 'text') node.textContent = v;
    else if (v !== false && v != null) node.setAttribute(k, v === true ? '' : v);
  });
  (children || []).forEach(function (c) {
    if (c != null) node.appendChild(typeof c === 'string' ? doc.createTextNode(c) : c);
  });
  return node;
}

function icon(path) {
  var ns = 'http://www.w3.org/2000/svg';
  var s = doc.createElementNS(ns, 'svg');
  s.setAttribute('viewBox', '0 0 24 24');
  s.setAttribute('aria-hidden', 'true');
  s.setAttribute('focusable', 'false');
  var p = doc.createElementNS(ns, 'path');
  p.setAttribute('d', path);
  s.appendChild(p);
  return s;
}
var ICON_MINIMIZE = 'M5 12h14';
var ICON_RESTART = 'M4 12a8 8 0 1 0 2.3-5.6M4 4v4h4';
var ICON_SEND = 'M4 12l16-8-6 16-2-7z';
var ICON_X = 'M6 6l12 12M18 6L6 18';

/** Absolute http(s) URL or null: media and links never get other schemes. */
function safeUrl(value, base) {
  try {
    var u = new URL(String(value), base);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch (e) {
    return null;
  }
}

/**
 * Absolute https URL or null, for iframes: the dialog loader accepts nothing else, and an
 * http frame would be mixed content or rewritten on the way, so a payload that did not come
 * through the loader (a proxy, a connector) cannot embed one either.
 */
function httpsUrl(value, base) {
  var url = safeUrl(value, base);
  return url && url.slice(0, 8) === 'https://' ? url : null;
}

var URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]]/g;

/** Replaces bare URLs in text nodes (outside links and code) with links opening a new tab. */
function autolink(root) {
  var walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  var nodes = [];
  for (var n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!(n.parentElement && n.parentElement.closest('a,code,pre')) && URL_IN_TEXT.test(n.nodeValue)) nodes.push(n);
    URL_IN_TEXT.lastIndex = 0;
  }
  nodes.forEach(function (node) {
    var text = node.nodeValue;
    var frag = doc.createDocumentFragment();
    var last = 0;
    text.replace(URL_IN_TEXT, function (url, at) {
      frag.appendChild(doc.createTextNode(text.slice(last, at)));
      frag.appendChild(el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: url }));
      last = at + url.length;
    });
    frag.appendChild(doc.createTextNode(text.slice(last)));
    node.parentNode.replaceChild(frag, node);
  });
  return root;
}

var htmlPolicy;
function trustedHtml(html) {
  if (htmlPolicy === undefined) {
    htmlPolicy = null;
    try {
      if (window.trustedTypes) htmlPolicy = window.trustedTypes.createPolicy('staffetta', { createHTML: function (s) { return s; } });
    } catch (e) {
      htmlPolicy = null;
    }
  }
  return htmlPolicy ? htmlPolicy.createHTML(html) : html;
}

var DROP_TAGS = 'script,style,iframe,frame,frameset,object,embed,link,meta,base,form,input,button,textarea,select,svg,math,template,noscript';
var URL_ATTRS = ['href', 'src', 'xlink:href', 'action', 'formaction', 'poster', 'srcset'];

/** Server HTML is already sanitized (ammonia); parse it inert in a <template> and strip
 * anything active again as defence in depth. Links open in a new tab. */
function htmlFragment(html) {
  var tpl = doc.createElement('template');
  tpl.innerHTML = trustedHtml(String(html));
  var frag = tpl.content;
  Array.prototype.forEach.call(frag.querySelectorAll(DROP_TAGS), function (n) { n.remove(); });
  Array.prototype.forEach.call(frag.querySelectorAll('*'), function (node) {
    Array.prototype.slice.call(node.attributes).forEach(function (a) {
      var name = a.name.toLowerCase();
      var value = a.value.replace(/[\s\u0000-\u001f]/g, '');
      if (name.indexOf('on') === 0 || name === 'style' || name === 'srcdoc' ||
        (URL_ATTRS.indexOf(name) >= 0 && !/^(https?:|mailto:|tel:|#|\/(?!\/)|[^:]*$)/i.test(value))) {
        node.removeAttribute(a.name);
      }
    });
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
  return autolink(frag);
}

/** Day/month/year order and an example of the locale's short numeric date. */
function dateFormat(locale) {
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch (e) {
    fmt = new Intl.DateTimeFormat('en', { year: 'numeric', month: '2-digit', day: '2-digit' });
  }
  var sample = new Date(2031, 11, 24);
  var order = fmt.formatToParts(sample).map(function (p) { return p.type; }).filter(function (t) {
    return t === 'day' || t === 'month' || t === 'year';
  });
  return { order: order, example: fmt.format(sample), format: function (date) { return fmt.format(date); } };
}

/** Parses a typed date in the locale's order into YYYY-MM-DD, or null. */
function parseTypedDate(text, order) {
  var digits = String(text).replace(/[\u0660-\u0669]/g, function (c) { return c.charCodeAt(0) - 0x660; })
    .replace(/[\u06f0-\u06f9]/g, function (c) { return c.charCodeAt(0) - 0x6f0; });
  var parts = digits.split(/\D+/).filter(Boolean);
  if (parts.length !== 3) return null;
  var v = {};
  order.forEach(function (t, i) { v[t] = parseInt(parts[i], 10); });
  if (v.year < 100) v.year += 2000;
  var date = new Date(v.year, v.month - 1, v.day);
  if (date.getFullYear() !== v.year || date.getMonth() !== v.month - 1 || date.getDate() !== v.day) return null;
  return isoDate(date);
}

function isoDate(date) {
  var pad = function (n) { return (n < 10 ? '0' : '') + n; };
  return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate());
}

function dateFromIso(iso) {
  var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso));
  return m ? new Date(+m[1], +m[2] - 1, +m[3]) : null;
}

var idCounter = 0;
function uid(prefix) {
  idCounter += 1;
  return prefix + '-' + idCounter;
}
