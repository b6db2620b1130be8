/* Staffetta web chat loader, part 3: the boot (rendering an instance, the site config, the
 * lazy chat window, the instances the page asked for). After launcher.js (catalog.rs). */

P.render = function () {
  if (this._root) return Promise.resolve(this);
  var o = this.options;
  var self = this;
  var inline = o.element;
  if (typeof inline === 'string') inline = d.querySelector(inline);
  if (o.element && !(inline && inline.nodeType === 1)) {
    this._error('element_not_found', 'The element option matches no element; the widget floats instead.', String(o.element));
    inline = null;
  }
  this._inline = !!inline;
  var host = h('div', { class: 'staffetta-root', 'data-namespace': this.namespace, 'data-inline': this._inline });
  this._host = host;
  this._shadow = host.attachShadow({ mode: 'open' });
  this._style = h('style', { nonce: o.cspNonce || false });
  this._style.textContent = css(o);
  this._root = h('div', { class: 'root', part: 'root' });
  this._windowSlot = h('div', { class: 'window-slot', part: 'window-slot' });
  this._live = h('div', { class: 'sr-only', part: 'live', role: 'status', 'aria-live': 'polite' });
  this._shadow.appendChild(this._style);
  this._shadow.appendChild(this._root);
  this._root.appendChild(this._windowSlot);
  if (!this._inline) this._buildLauncher();
  this._root.appendChild(this._live);
  this._applyLocale();
  (inline || d.body).appendChild(host);
  this._answerPeers();

  this._listen(this._root, 'keydown', function (e) {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    if (self._isOpen && !self._inline) {
      e.preventDefault();
      self.close();
    } else if (self._launcher && self._launcher.getAttribute('data-state') === 'expanded') {
      e.preventDefault();
      self._collapse();
    }
  });
  if (!this._inline && o.launcher.show !== false) {
    this._listen(w, 'scroll', function () {
      if (self._mobile() && self._st.phase === 'expanded' && !self._isOpen) self._collapse();
    }, { passive: true });
    if (w.matchMedia) {
      var mq = w.matchMedia(o.launcher.mobileQuery);
      this._listen(mq, 'change', function () { self._syncLauncher(); });
    }
  }
  if (o.anonymousIdCookie !== 'onOpen') this.anonymousId();
  this._fetchConfig();

  if (this._inline || o.openChatByDefault || this._st.open) {
    this.open({ restoring: true }).catch(noop);
  }
  this._renderedAt = Date.now();
  if (!this._inline) this._startLauncher();
  this._emit('chat:ready', { instance: this });
  return Promise.resolve(this);
};

P._fetchConfig = function () {
  var self = this;
  var o = this.options;
  if (!o.siteId || !w.fetch) return;
  var url = o.serverUrl + '/api/v1/sites/' + encodeURIComponent(o.siteId) + '/config?locale=' + encodeURIComponent(o.locale);
  fetch(url, { credentials: 'omit' }).then(function (r) {
    if (!r.ok) throw new Error('HTTP ' + r.status);
    return r.json();
  }).then(function (config) {
    self._serverConfig = isPlain(config) ? config : {};
    self._applyServerLauncher();
    self._refreshLauncherText();
    if (self._chat) self._chat.refresh();
  }).catch(function (e) {
    // A refused page (origin not in the site's allowed_origins, unknown siteId) looks like a
    // network error here: the refusal carries no CORS headers. The server's log names it.
    self._error('config_unavailable', 'The site configuration could not be loaded; built-in defaults are used. '
      + 'If this persists, check the siteId and that this page\'s origin is in the site\'s allowed_origins (the server logs refused pages).', String(e));
  });
};

P._loadChat = function () {
  var o = this.options;
  var url = o.serverUrl + '/widget/chat.js?v=' + CHAT_VERSION;
  if (registry.chatModule) return Promise.resolve(registry.chatModule);
  if (!registry.chatLoads[url]) {
    registry.chatLoads[url] = new Promise(function (resolve, reject) {
      var s = d.createElement('script');
      s.src = url;
      s.async = true;
      if (o.cspNonce) s.nonce = o.cspNonce;
      s.onload = function () {
        if (registry.chatModule) resolve(registry.chatModule);
        else reject(new Error('chat module missing'));
      };
      s.onerror = function () {
        delete registry.chatLoads[url];
        s.remove();
        reject(new Error('could not load ' + url));
      };
      (d.head || d.documentElement).appendChild(s);
    });
  }
  return registry.chatLoads[url];
};

/** Loads and mounts the chat window once; resolves with its controller. */
P._ensureChat = function () {
  var self = this;
  if (this._chatReady) return this._chatReady;
  this._chatReady = this._loadChat().then(function (module) {
    if (!self._root) throw new Error('destroyed');
    self._chat = module.mount(self);
    return self._chat;
  });
  this._chatReady.catch(function (e) {
    self._chatReady = null;
    if (!self._root) return;
    self._announce(self.t('launcher-load-failed'));
    self._error('chat_load_failed', self.t('launcher-load-failed'), String(e));
  });
  return this._chatReady;
};

var configs = [];
if (script && script.dataset && script.dataset.siteId) configs.push(fromDataset(script.dataset));
else configs = [].concat(w.staffettaOptions || []);
configs.forEach(function (config) { create(config).catch(noop); });
