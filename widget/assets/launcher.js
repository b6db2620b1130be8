/* Staffetta web chat loader, part 2: one widget instance (launcher state machine as seed
 * 001 describes it, window open/close, the public API and its events). Its boot (rendering
 * it, the site config, lazy loading of /widget/chat.js) and the boot of the instances the
 * page asked for are boot.js. */
function Instance(options) {
  this.options = options;
  this.namespace = String(options.namespace || 'default');
  this._handlers = {};
  this._timers = {};
  this._unlisten = [];
  this._store = storage();
  this._key = 'staffetta:' + this.namespace + ':launcher';
  this._st = this._load();
  this._serverConfig = {};
  this._isOpen = false;
  this._chat = null;
}

var P = Instance.prototype;

P._load = function () {
  var base = { phase: 'initial', bounces: 0, firstBounceAt: 0, open: false, unread: 0 };
  try {
    return merge(base, JSON.parse(this._store.getItem(this._key) || '{}'));
  } catch (e) {
    return base;
  }
};
P._save = function () {
  this._store.setItem(this._key, JSON.stringify(this._st));
};

P.on = function (type, fn) {
  (this._handlers[type] = this._handlers[type] || []).push(fn);
  return this;
};
P.off = function (type, fn) {
  var list = this._handlers[type] || [];
  this._handlers[type] = fn ? list.filter(function (f) { return f !== fn && f._orig !== fn; }) : [];
  return this;
};
P.once = function (type, fn) {
  var self = this;
  function wrapper(event) {
    self.off(type, wrapper);
    return fn.call(self, event);
  }
  wrapper._orig = fn;
  return this.on(type, wrapper);
};
P._emit = function (type, data) {
  var event = merge({ type: type }, data || {});
  var self = this;
  (this._handlers[type] || []).concat(this._handlers['*'] || []).forEach(function (fn) {
    try {
      fn.call(self, event);
    } catch (e) {
      if (w.console) w.console.error(e);
    }
  });
  return event;
};
P._error = function (code, message, detail) {
  var err = { code: code, message: message, detail: detail };
  this._emit('error', err);
  if (typeof this.options.onError === 'function') {
    try {
      this.options.onError(err);
    } catch (e) {
      if (w.console) w.console.error(e);
    }
  }
};

/** Looks a string up: page overrides, then the server's bundle, then built-in English. */
P.t = function (key, args) {
  var o = this.options;
  var text = (o.strings && o.strings[key]) || (this._serverConfig.strings || {})[key] ||
    (registry.chatStrings || {})[key] || STRINGS[key] || key;
  return String(text).replace(/\{\s*\$(\w+)\s*\}/g, function (_, name) {
    return args && args[name] != null ? args[name] : '';
  });
};

P._later = function (name, fn, ms) {
  clearTimeout(this._timers[name]);
  var self = this;
  this._timers[name] = setTimeout(function () {
    delete self._timers[name];
    fn.call(self);
  }, Math.max(0, ms));
};
P._cancel = function (name) {
  clearTimeout(this._timers[name]);
  delete this._timers[name];
};
P._listen = function (target, type, fn, opts) {
  target.addEventListener(type, fn, opts);
  this._unlisten.push(function () { target.removeEventListener(type, fn, opts); });
};

P._mobile = function () {
  return !!(w.matchMedia && w.matchMedia(this.options.launcher.mobileQuery).matches);
};
/** Launcher timings: the page's own options win, then the site's server config
 * (launcher.expand_after_s, mobile_collapse_after_s, bounce_at_s = [first bounce after
 * load, second bounce after the first]), then the built-in defaults. */
P._timings = function () {
  var mode = this._mobile() ? 'mobile' : 'desktop';
  var timings = merge({}, defaults().launcher[mode]);
  var server = this._serverConfig.launcher || {};
  var seconds = function (v) { return typeof v === 'number' && v >= 0 ? v * 1000 : undefined; };
  var bounces = Array.isArray(server.bounce_at_s) ? server.bounce_at_s : [];
  merge(timings, {
    expandAfter: seconds(server.expand_after_s),
    collapseAfter: mode === 'mobile' ? seconds(server.mobile_collapse_after_s) : undefined,
    bounceAfter: seconds(bounces[0]),
    bounceAgainAfter: seconds(bounces[1]),
  });
  return merge(timings, ((this._input || {}).launcher || {})[mode] || {});
};

/** The server config arrived after the launcher started: apply its launcher settings
 * unless the page set them, re-timing what has not happened yet from the page load. */
P._applyServerLauncher = function () {
  var server = this._serverConfig.launcher || {};
  var input = (this._input || {}).launcher || {};
  if (!this._launcher) return;
  if (server.show === false && input.show === undefined) {
    this.options.launcher.show = false;
    this._launcher.hidden = true;
    this._cancel('expand');
    this._cancel('bounce');
    return;
  }
  var t = this._timings();
  var since = Date.now() - this._renderedAt;
  if (this._timers.expand) this._later('expand', this._expand, t.expandAfter - since);
  if (this._timers.bounce && this._st.bounces === 0) {
    this._later('bounce', function () {
      this._bounce();
      this._later('bounce', this._bounce, this._timings().bounceAgainAfter);
    }, t.bounceAfter - since);
  }
};
P._reducedMotion = function () {
  return !!(w.matchMedia && w.matchMedia('(prefers-reduced-motion: reduce)').matches);
};
P._lang = function () {
  return String(this.options.locale || 'en').split(/[-_]/)[0].toLowerCase();
};

/** The anonymous visitor id, kept 45 days in a first-party cookie (not with userID). */
P.anonymousId = function () {
  if (this.options.userID) return '';
  var name = 'staffetta_aid';
  var found = ('; ' + d.cookie).split('; ' + name + '=')[1];
  var id = found ? decodeURIComponent(found.split(';')[0]) : '';
  if (!/^[0-9a-f-]{36}$/.test(id)) {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    id = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('')
      .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  }
  d.cookie = name + '=' + id + '; Max-Age=' + 45 * 86400 + '; Path=/; SameSite=Lax' +
    (w.location.protocol === 'https:' ? '; Secure' : '');
  return id;
};

P._buildLauncher = function () {
  var self = this;
  var close = h('button', { type: 'button', class: 'greeting-close', part: 'launcher-close-button' }, [svg(ICON_CLOSE)]);
  var greetingButton = h('button', { type: 'button', class: 'greeting-button', part: 'launcher-greeting-button' });
  var greeting = h('div', { class: 'greeting', part: 'launcher-greeting', hidden: true }, [greetingButton, close]);
  var label = h('span', { class: 'launcher-label', part: 'launcher-label' });
  var icon = h('span', { class: 'launcher-icon', part: 'launcher-icon' }, [svg(ICON_CHAT)]);
  var badge = h('span', { class: 'badge', part: 'launcher-badge', 'aria-hidden': 'true', hidden: true });
  var button = h('button', {
    type: 'button', class: 'launcher-button', part: 'launcher-button', 'aria-haspopup': 'dialog', 'aria-expanded': 'false',
  }, [icon, label, badge]);
  this._badge = badge;
  var launcher = h('div', { class: 'launcher', part: 'launcher', 'data-state': 'small', hidden: this.options.launcher.show === false }, [greeting, button]);
  this._launcher = launcher;
  this._launcherButton = button;
  this._launcherIcon = icon;
  this._launcherLabel = label;
  this._greeting = greeting;
  this._greetingButton = greetingButton;
  this._greetingClose = close;
  this._root.appendChild(launcher);

  button.addEventListener('click', function () {
    if (self._swiped) {
      self._swiped = false;
      return;
    }
    self.toggle().catch(noop);
  });
  greetingButton.addEventListener('click', function () { self.open().catch(noop); });
  close.addEventListener('click', function () {
    self._collapse();
    button.focus();
  });
  // Mobile: a swipe towards the inline end collapses the expanded launcher.
  var start = null;
  button.addEventListener('pointerdown', function (e) { start = { x: e.clientX, y: e.clientY }; });
  button.addEventListener('pointerup', function (e) {
    if (!start) return;
    var dx = (e.clientX - start.x) * (self._root.dir === 'rtl' ? -1 : 1);
    var dy = Math.abs(e.clientY - start.y);
    start = null;
    if (dx > 40 && dy < dx / 2 && self._st.phase === 'expanded' && self._mobile()) {
      self._swiped = true;
      setTimeout(function () { self._swiped = false; }, 400);
      self._collapse();
    }
  });
  button.addEventListener('pointerenter', function () { self._loadChat().catch(noop); });
};

P._applyLocale = function () {
  var root = this._root;
  root.lang = this.options.locale;
  root.dir = RTL.indexOf(this._lang()) >= 0 ? 'rtl' : 'ltr';
  root.setAttribute('data-scheme', (this.options.theme || {}).colorScheme || 'light');
  this._refreshLauncherText();
};

P._greetingText = function () {
  return this.options.launcher.greeting || (this._serverConfig.launcher || {}).greeting || this.t('launcher-greeting');
};

P._refreshLauncherText = function () {
  if (!this._launcher) return;
  var greeting = this._greetingText();
  this._greetingButton.textContent = greeting;
  this._launcherLabel.textContent = greeting;
  this._greetingClose.setAttribute('aria-label', this.t('launcher-dismiss'));
  var expandedMobile = this._launcher.getAttribute('data-state') === 'expanded' && this._mobile();
  var unread = this._isOpen ? 0 : this._st.unread;
  this._badge.hidden = !unread;
  this._badge.textContent = unread ? String(unread) : '';
  this._launcherButton.setAttribute('aria-label', this._isOpen ? this.t('launcher-close-chat')
    : unread ? this.t('launcher-open-unread', { count: unread })
      : expandedMobile ? this.t('launcher-open') + ': ' + greeting : this.t('launcher-open'));
  this._launcherIcon.replaceChild(svg(this._isOpen ? ICON_DOWN : ICON_CHAT), this._launcherIcon.firstChild);
};

/** Shows the launcher in the state the session says, on this page load. */
P._startLauncher = function () {
  if (this.options.launcher.show === false) return;
  var phase = this._st.phase;
  if (phase === 'expanded' && !this._isOpen) this._expand(true);
  else if (phase === 'initial' && this.options.launcher.expand !== false) {
    this._later('expand', this._expand, this._timings().expandAfter);
  } else if (phase === 'initial' || phase === 'dismissed') this._scheduleBounces();
  this._syncLauncher();
};

P._syncLauncher = function () {
  if (!this._launcher) return;
  var expanded = this._st.phase === 'expanded' && !this._isOpen;
  var mobile = this._mobile();
  this._root.setAttribute('data-mode', mobile ? 'mobile' : 'desktop');
  this._launcher.setAttribute('data-state', expanded ? 'expanded' : 'small');
  this._greeting.hidden = !expanded || mobile;
  this._launcherButton.setAttribute('aria-expanded', String(this._isOpen));
  this._refreshLauncherText();
  if (expanded && mobile && !this._timers.collapse) {
    this._later('collapse', this._collapse, this._timings().collapseAfter);
  }
};

P._expand = function (restored) {
  if (this._isOpen || this._st.phase === 'opened') return;
  this._st.phase = 'expanded';
  this._save();
  this._syncLauncher();
  if (!restored) this._announce(this._greetingText());
  this._emit('launcher:expand', { restored: !!restored });
};

/** Back to the small circle for the rest of the session (close button, swipe, scroll, timer). */
P._collapse = function () {
  this._cancel('collapse');
  if (this._st.phase !== 'expanded') return;
  this._st.phase = 'dismissed';
  this._save();
  this._syncLauncher();
  this._emit('launcher:collapse', {});
};

P._scheduleBounces = function () {
  var st = this._st;
  if (st.bounces >= 2 || this._reducedMotion()) return;
  var t = this._timings();
  if (st.bounces === 0) {
    this._later('bounce', function () {
      this._bounce();
      this._later('bounce', this._bounce, t.bounceAgainAfter);
    }, t.bounceAfter);
  } else {
    this._later('bounce', this._bounce, Math.max(t.bounceAfter, st.firstBounceAt + t.bounceAgainAfter - Date.now()));
  }
};

P._bounce = function () {
  var st = this._st;
  if (this._isOpen || st.phase === 'opened' || st.phase === 'expanded' || st.bounces >= 2 || this._reducedMotion()) return;
  st.bounces += 1;
  if (st.bounces === 1) st.firstBounceAt = Date.now();
  this._save();
  var button = this._launcherButton;
  button.classList.remove('bounce');
  button.classList.add('bounce');
  this._later('unbounce', function () { button.classList.remove('bounce'); }, 1000);
  this._emit('launcher:bounce', { count: st.bounces });
};

/** A message arrived while the window is closed: count it on the launcher and say so. */
P._unread = function (name) {
  if (this._isOpen) return;
  this._st.unread += 1;
  this._save();
  this._refreshLauncherText();
  this._announce(this.t('launcher-unread', { name: name }));
};

P._announce = function (text) {
  var live = this._live;
  if (!live) return;
  live.textContent = '';
  this._later('announce', function () { live.textContent = text; }, 60);
};

P.open = function (how) {
  var self = this;
  if (!this._root) return this.render().then(function () { return self.open(how); });
  if (this.options.anonymousIdCookie === 'onOpen') this.anonymousId();
  var restoring = how && how.restoring;
  this._cancel('expand');
  this._cancel('collapse');
  this._cancel('bounce');
  this._st.phase = 'opened';
  this._st.open = true;
  this._save();
  return this._ensureChat().then(function (chat) {
    var was = self._isOpen;
    self._isOpen = true;
    self._st.unread = 0;
    self._save();
    chat.show(!restoring);
    self._syncLauncher();
    if (!was) self._emit('window:open', {});
    return self;
  });
};

P.close = function () {
  if (!this._isOpen) return Promise.resolve(this);
  var hadFocus = this._host && this._shadow.activeElement;
  this._isOpen = false;
  this._st.open = false;
  this._save();
  if (this._chat) this._chat.hide();
  this._syncLauncher();
  if (hadFocus && this._launcherButton) this._launcherButton.focus();
  this._emit('window:close', {});
  return Promise.resolve(this);
};

P.toggle = function () {
  return this._isOpen ? this.close() : this.open();
};

P.send = function (text) {
  return this._ensureChat().then(function (chat) { return chat.send(String(text)); });
};

/** Asks for a person from the team (POST .../handoff); resolves with the server's answer
 * ({ outcome: queued | offered | closed, ... }). options.resource picks the queue. */
P.requestAgent = function (options) {
  return this._ensureChat().then(function (chat) { return chat.requestAgent((options || {}).resource); });
};

P.restartConversation = function () {
  return this._ensureChat().then(function (chat) { return chat.restart(); });
};

P.updateLocale = function (locale) {
  this.options.locale = String(locale);
  if (this._root) {
    this._applyLocale();
    this._fetchConfig();
    if (this._chat) this._chat.refresh();
  }
  return Promise.resolve(this);
};

P.updateStrings = function (strings) {
  this.options.strings = merge(this.options.strings || {}, strings);
  this._refreshLauncherText();
  if (this._chat) this._chat.refresh();
  return Promise.resolve(this);
};

P.updateIdentityToken = function (token) {
  this.options.identityToken = String(token);
  if (this._chat) this._chat.identityTokenUpdated();
  return Promise.resolve(this);
};

P.getState = function () {
  var launcher = this._launcher;
  return {
    namespace: this.namespace,
    rendered: !!this._root,
    isOpen: this._isOpen,
    locale: this.options.locale,
    launcher: {
      state: !launcher || launcher.hidden ? 'hidden' : launcher.getAttribute('data-state'),
      phase: this._st.phase,
      bounces: this._st.bounces,
      mode: this._mobile() ? 'mobile' : 'desktop',
    },
    chatLoaded: !!this._chat,
    conversation: this._chat ? this._chat.state() : null,
  };
};

/** Tabs of one visitor share one conversation: another tab of this site that has none asks
 * over a BroadcastChannel (tabs.js `askPeers`); this tab answers with the session it
 * keeps, when it has a live one for the same server and visitor. The token never leaves the
 * origin's own tabs (a BroadcastChannel is same-origin, like the sessionStorage it is read
 * from). Answered from storage, so a tab whose chat window was never loaded answers too. */
P._answerPeers = function () {
  if (!w.BroadcastChannel) return;
  var self = this;
  var channel;
  try {
    channel = new w.BroadcastChannel('staffetta:' + this.namespace);
  } catch (e) {
    return;
  }
  channel.onmessage = function (m) {
    var q = m.data || {};
    if (q.type !== 'ask' || typeof q.from !== 'string' || !q.who) return;
    var saved = null;
    try {
      saved = JSON.parse(self._store.getItem('staffetta:' + self.namespace + ':session') || 'null');
    } catch (e) {
      return;
    }
    if (!saved || !saved.sessionId || !saved.token || saved.expired) return;
    if (saved.base !== q.base || saved.who !== q.who) return;
    channel.postMessage({
      type: 'share',
      to: q.from,
      session: {
        base: saved.base,
        who: saved.who,
        sessionId: saved.sessionId,
        token: saved.token,
        conversationId: saved.conversationId,
        timeoutS: saved.timeoutS,
        state: saved.state,
      },
    });
  };
  this._unlisten.push(function () { channel.close(); });
};

P.destroy = function () {
  var self = this;
  Object.keys(this._timers).forEach(function (name) { self._cancel(name); });
  this._unlisten.forEach(function (fn) { fn(); });
  this._unlisten = [];
  if (this._chat) this._chat.destroy();
  if (this._host) this._host.remove();
  this._host = this._shadow = this._root = this._launcher = this._chat = null;
  this._isOpen = false;
  if (registry.instances[this.namespace] === this) delete registry.instances[this.namespace];
  this._emit('destroy', {});
  this._handlers = {};
};
