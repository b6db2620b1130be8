// An in-test stand-in for the visitor API (wire contract v1, widget/src/protocol/), mounted
// with playwright's page.route / page.routeWebSocket. It lets the browser tests check the
// widget's renderers and transport until they run against the real server; it decides
// nothing a real dialog would (each test scripts the replies it needs).
const BASE = /\/api\/v1\/sites\/demo\//;
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'content-type, accept',
};

export class FakeApi {
  /** `reply(input) -> [items...]` scripts the bot; `blockWebSocket` refuses every socket;
   * setting `down` later makes every HTTP call fail like a lost network; the first
   * `identityFailures` session starts answer 401 identity_expired; the next session
   * starts answer the errors of `startRefusals` (`{status, code, message}`) one each;
   * `config` is the body of GET /config (404 when null); setting `ended` makes messages
   * answer 409 conversation_ended until the next session start. */
  constructor({ reply = () => [], blockWebSocket = false, welcome = 'Hello from the fake API.', identityFailures = 0, startRefusals = [], config = null } = {}) {
    this.config = config;
    this.identityFailures = identityFailures;
    this.startRefusals = [...startRefusals];
    this.starts = [];
    this.reply = reply;
    this.blockWebSocket = blockWebSocket;
    this.welcome = welcome;
    this.events = [];
    this.posts = [];
    this.sockets = [];
    this.seen = new Map();
    this.pollAfters = [];
    this.resumes = [];
  }

  push(kind) {
    const event = { seq: this.events.length + 1, ...kind };
    this.events.push(event);
    for (const ws of this.sockets) ws.send(JSON.stringify({ type: 'event', event }));
    return event;
  }

  /** Bot message event with these items. */
  bot(generic) {
    return this.push({ type: 'message', from: 'bot', at: Date.now(), output: { generic } });
  }

  async install(page) {
    await page.route(BASE, (route) => this.http(route));
    await page.routeWebSocket(/\/api\/v1\/sites\/demo\/sessions\/[^/]+\/ws$/, (ws) => this.socket(ws));
  }

  json(route, status, body) {
    return route.fulfill({ status, headers: { ...CORS, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  async http(route) {
    const request = route.request();
    const url = new URL(request.url());
    if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: CORS });
    if (this.down) return route.abort('internetdisconnected');
    if (url.pathname.endsWith('/config')) {
      return this.config ? this.json(route, 200, this.config) : this.json(route, 404, { error: { code: 'not_found', message: 'no config' } });
    }
    if (request.method() === 'POST' && url.pathname.endsWith('/sessions')) {
      this.ended = false;
      this.started = JSON.parse(request.postData() || '{}');
      this.starts.push(this.started);
      if (this.identityFailures > 0) {
        this.identityFailures -= 1;
        return this.json(route, 401, { error: { code: 'identity_expired', message: 'The identity token has expired.' } });
      }
      const refusal = this.startRefusals.shift();
      if (refusal) return this.json(route, refusal.status, { error: { code: refusal.code, message: refusal.message } });
      const welcome = this.bot([{ response_type: 'text', text: this.welcome, html: `<p>${this.welcome}</p>` }]);
      return this.json(route, 200, {
        session_id: 's1', conversation_id: 'c1', locale: 'en', timeout_s: 300, warning_s: 60,
        seq: welcome.seq, output: welcome.output, context: {}, state: 'opaque-state',
      });
    }
    if (request.method() === 'POST' && url.pathname.endsWith('/message')) {
      const body = JSON.parse(request.postData() || '{}');
      this.posts.push(body);
      if (this.ended) {
        return this.json(route, 409, { error: { code: 'conversation_ended', message: 'The conversation has ended.' } });
      }
      if (this.seen.has(body.client_message_id)) {
        return this.json(route, 200, { seq: this.seen.get(body.client_message_id), output: { generic: [] }, context: {}, state: 'opaque-state' });
      }
      const visitor = this.push({ type: 'message', from: 'visitor', at: Date.now(), client_message_id: body.client_message_id, input: body.input });
      this.seen.set(body.client_message_id, visitor.seq);
      const items = this.reply(body.input) || [];
      if (items.length) this.bot(items);
      return this.json(route, 200, { seq: visitor.seq, output: { generic: items }, context: {}, state: 'opaque-state' });
    }
    if (request.method() === 'GET' && url.pathname.endsWith('/events')) {
      const after = Number(url.searchParams.get('after'));
      this.pollAfters.push(after);
      const wait = Number(url.searchParams.get('wait'));
      const deadline = Date.now() + Math.min(wait, 2) * 1000;
      while (Date.now() < deadline && !this.events.some((e) => e.seq > after)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return this.json(route, 200, { events: this.events.filter((e) => e.seq > after) });
    }
    if (request.method() === 'DELETE') return route.fulfill({ status: 204, headers: CORS });
    return this.json(route, 404, { error: { code: 'not_found', message: url.pathname } });
  }

  socket(ws) {
    if (this.blockWebSocket) {
      ws.close({ code: 1008, reason: 'blocked by the test' });
      return;
    }
    this.sockets.push(ws);
    ws.onMessage((text) => {
      const frame = JSON.parse(String(text));
      if (frame.type === 'resume') {
        this.resumes.push(frame.after);
        for (const event of this.events.filter((e) => e.seq > frame.after)) ws.send(JSON.stringify({ type: 'event', event }));
      } else if (frame.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      }
    });
    ws.onClose(() => { this.sockets = this.sockets.filter((s) => s !== ws); });
  }
}
