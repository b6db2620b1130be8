/* Staffetta web chat loader, part 1: the shared registry (window.Staffetta), options
 * (defaults, data-* attributes), DOM and style helpers, and create(). Served as /widget.js
 * together with launcher.js: catalog.rs wraps both files in one function scope, so they
 * share these names. Reads window.staffettaOptions (object or array) or the data-*
 * attributes of its own <script> tag. Options: docs/widget.md. */
var CHAT_VERSION = '__STAFFETTA_CHAT_VERSION__';
var w = window;
var d = document;
var script = d.currentScript;
var registry = (w.Staffetta = w.Staffetta || {});
registry.instances = registry.instances || {};
registry.chatLoads = registry.chatLoads || {};

var STRINGS = {
  'launcher-open': 'Open chat',
  'launcher-close-chat': 'Close chat',
  'launcher-greeting': 'Hi! Questions about a product or an order? Chat with us.',
  'launcher-dismiss': 'Dismiss greeting',
  'launcher-load-failed': 'The chat could not be loaded. Please try again.',
  'launcher-open-unread': 'Open chat ({ $count } new)',
  'launcher-unread': 'New message from { $name }',
};
var RTL = ['ar', 'he', 'fa', 'ur'];
function noop() {}

function defaults() {
  return {
    siteId: '',
    serverUrl: '',
    namespace: 'default',
    locale: d.documentElement.lang || navigator.language || 'en',
    strings: {},
    assistantName: '',
    avatarUrl: '',
    theme: { primaryColor: '#0b5cad', cornerRadius: 14, fontFamily: '', colorScheme: 'light' },
    launcher: {
      show: true,
      greeting: '',
      expand: true,
      mobileQuery: '(max-width: 640px)',
      desktop: { expandAfter: 15000, bounceAfter: 15000, bounceAgainAfter: 60000 },
      mobile: {
        expandAfter: 15000,
        collapseAfter: 10000,
        bounceAfter: 15000,
        bounceAgainAfter: 60000,
      },
    },
    homeScreen: { greeting: '', suggestions: [] },
    openChatByDefault: false,
    element: null,
    cspNonce: '',
    userID: '',
    identityToken: '',
    dispatchTo: '',
    anonymousIdCookie: 'onLoad',
    onLoad: null,
    onError: null,
  };
}

function isPlain(value) {
  return !!value && typeof value === 'object' && !Array.isArray(value) && !value.nodeType;
}

function merge(target, source) {
  Object.keys(source || {}).forEach(function (key) {
    var value = source[key];
    if (value === undefined) return;
    if (isPlain(value) && isPlain(target[key])) merge(target[key], value);
    else target[key] = value;
  });
  return target;
}

/** Options from the data-* attributes of the script tag (attribute form of the embed). */
function fromDataset(data) {
  var o = {
    siteId: data.siteId,
    serverUrl: data.serverUrl,
    locale: data.locale,
    namespace: data.namespace,
    dispatchTo: data.dispatchTo,
    userID: data.userId,
    cspNonce: data.cspNonce,
    assistantName: data.assistantName,
    anonymousIdCookie: data.anonymousIdCookie,
    theme: { primaryColor: data.primaryColor, colorScheme: data.colorScheme },
    launcher: { greeting: data.greeting },
  };
  if (data.openChatByDefault !== undefined) o.openChatByDefault = data.openChatByDefault !== 'false';
  if (data.launcher === 'false') o.launcher.show = false;
  if (data.element) o.element = data.element;
  return o;
}

function scriptOrigin() {
  try {
    return new URL(script.src, d.baseURI).origin;
  } catch (e) {
    return w.location.origin;
  }
}

function storage() {
  try {
    var s = w.sessionStorage;
    s.setItem('staffetta:probe', '1');
    s.removeItem('staffetta:probe');
    return s;
  } catch (e) {
    var memory = {};
    return {
      getItem: function (k) { return k in memory ? memory[k] : null; },
      setItem: function (k, v) { memory[k] = String(v); },
      removeItem: function (k) { delete memory[k]; },
    };
  }
}

function cleanCss(value) {
  return String(value == null ? '' : value).replace(/[;{}<>\\]/g, '');
}

/** Black or white text, whichever reads better on the given #rgb / #rrggbb colour. */
function onColor(hex) {
  var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(hex).trim());
  if (!m) return '#ffffff';
  var h = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
  var lin = [0, 2, 4].map(function (i) {
    var c = parseInt(h.substr(i, 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  var lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  return (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) ? '#ffffff' : '#111111';
}

function h(tag, attrs, children) {
  var el = d.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k === 'text') el.textContent = attrs[k];
    else if (attrs[k] !== false && attrs[k] != null) el.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
  });
  (children || []).forEach(function (c) { if (c) el.appendChild(c); });
  return el;
}

function svg(path) {
  var s = d.createElementNS('http://www.w3.org/2000/svg', 'svg');
  s.setAttribute('viewBox', '0 0 24 24');
  s.setAttribute('aria-hidden', 'true');
  s.setAttribute('focusable', 'false');
  var p = d.createElementNS('http://www.w3.org/2000/svg', 'path');
  p.setAttribute('d', path);
  s.appendChild(p);
  return s;
}
var ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
var ICON_DOWN = 'M6 9l6 6 6-6';
var ICON_CLOSE = 'M6 6l12 12M18 6L6 18';

function css(o) {
  var t = o.theme || {};
  var radius = typeof t.cornerRadius === 'number' ? t.cornerRadius + 'px' : cleanCss(t.cornerRadius);
  var font = cleanCss(t.fontFamily) || 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  return (
    ':host{all:initial!important;display:block!important;position:static!important;contain:style}' +
    ':host([data-inline]),:host([data-inline]) .root,:host([data-inline]) .window-slot{height:100%!important;width:100%!important}' +
    ':host{--staffetta-primary:' + cleanCss(t.primaryColor) + ';--staffetta-on-primary:' + onColor(t.primaryColor) +
    ';--staffetta-radius:' + radius + ';--staffetta-font:' + font + '}' +
    '.root{--_bg:#fff;--_fg:#1b1d21;--_surface:#f1f3f6;--_muted:#545a64;--_border:#c9ced6;' +
    'font:15px/1.45 var(--staffetta-font);color:var(--staffetta-text,var(--_fg));text-align:start;letter-spacing:normal;' +
    'word-spacing:normal;text-transform:none;-webkit-font-smoothing:antialiased}' +
    '.root[data-scheme=dark]{--_bg:#1c1e23;--_fg:#eceef2;--_surface:#2a2d34;--_muted:#b3b9c4;--_border:#4a4f59}' +
    '@media (prefers-color-scheme:dark){.root[data-scheme=auto]{--_bg:#1c1e23;--_fg:#eceef2;--_surface:#2a2d34;--_muted:#b3b9c4;--_border:#4a4f59}}' +
    '*,*::before,*::after{box-sizing:border-box}' +
    'button{font:inherit;color:inherit;cursor:pointer;margin:0}' +
    ':focus-visible{outline:3px solid var(--staffetta-focus,#ffbf47);outline-offset:2px;box-shadow:0 0 0 5px #1b1d21}' +
    '.sr-only{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}' +
    '[hidden]{display:none!important}' +
    '.launcher{position:fixed;z-index:2147483000;inset-block-end:20px;inset-inline-end:20px;display:flex;flex-direction:column;align-items:flex-end;gap:10px}' +
    '[dir=rtl] .launcher{align-items:flex-start}' +
    '.launcher-button{display:flex;align-items:center;gap:10px;min-width:56px;min-height:56px;padding:8px 18px;border:0;border-radius:28px;' +
    'background:var(--staffetta-primary);color:var(--staffetta-on-primary);box-shadow:0 4px 14px rgba(0,0,0,.28);touch-action:pan-y;position:relative}' +
    '.badge{position:absolute;inset-block-start:-4px;inset-inline-end:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;' +
    'background:#b3261e;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center}' +
    '.launcher-button svg{width:24px;height:24px;flex:none;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}' +
    '.launcher[data-state=small] .launcher-button{width:56px;height:56px;padding:0;justify-content:center}' +
    '.launcher-label{max-width:60vw;font-weight:600;text-align:start;line-height:1.25}' +
    '.launcher:not([data-state=expanded]) .launcher-label,.root[data-mode=desktop] .launcher-label{display:none}' +
    '.greeting{position:relative;max-width:300px;background:var(--staffetta-background,var(--_bg));color:var(--staffetta-text,var(--_fg));' +
    'border:1px solid var(--staffetta-border,var(--_border));border-radius:var(--staffetta-radius);box-shadow:0 6px 24px rgba(0,0,0,.18)}' +
    '.greeting-button{display:block;width:100%;padding:14px 44px 14px 16px;border:0;background:none;text-align:start;border-radius:inherit}' +
    '[dir=rtl] .greeting-button{padding:14px 16px 14px 44px}' +
    '.greeting-close{position:absolute;inset-block-start:6px;inset-inline-end:6px;width:32px;height:32px;display:grid;place-items:center;border:0;border-radius:50%;background:none}' +
    '.greeting-close svg{width:16px;height:16px;fill:none;stroke:currentColor;stroke-width:2.4;stroke-linecap:round}' +
    '.greeting-close:hover{background:var(--staffetta-surface,var(--_surface))}' +
    '.bounce{animation:staffetta-bounce 1s ease}' +
    '@keyframes staffetta-bounce{0%,100%{transform:translateY(0)}30%{transform:translateY(-14px)}50%{transform:translateY(0)}70%{transform:translateY(-6px)}}' +
    '@media (prefers-reduced-motion:reduce){.bounce{animation:none}}' +
    '.launcher-error{max-width:260px;padding:10px 12px;border-radius:8px;background:#fdecea;color:#5f1410}'
  );
}


/** Creates (once per namespace) an instance; renders it unless onLoad takes over. */
function create(input) {
  var o = merge(defaults(), input || {});
  o.serverUrl = String(o.serverUrl || scriptOrigin()).replace(/\/+$/, '');
  if (!o.cspNonce && script && script.nonce) o.cspNonce = script.nonce;
  var ns = String(o.namespace || 'default');
  if (registry.instances[ns]) return Promise.resolve(registry.instances[ns]);
  if (!o.siteId) {
    var err = { code: 'missing_site_id', message: 'Staffetta: the siteId option is required.' };
    if (typeof o.onError === 'function') o.onError(err);
    if (w.console) w.console.error(err.message);
    return Promise.reject(new Error(err.message));
  }
  var instance = new Instance(o);
  instance._input = input || {};
  registry.instances[ns] = instance;
  var start = function () {
    if (typeof o.onLoad === 'function') {
      try {
        o.onLoad(instance);
      } catch (e) {
        instance._error('on_load_failed', 'onLoad threw', String(e));
      }
      return instance;
    }
    return instance.render();
  };
  if (d.body) return Promise.resolve(start());
  return new Promise(function (resolve) {
    d.addEventListener('DOMContentLoaded', function () { resolve(start()); });
  });
}
registry.create = registry.create || create;
