/*! Staffetta agent console: the requests visitors left while nobody could answer (listed
 * over HTTP, new ones pushed as OFFLINE_REQUEST frames). Apache-2.0. */

import { dateTime, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

/** `desk` gives: getJson(path), resourceName(id). */
export class OfflineRequests {
  constructor(desk) {
    this.desk = desk;
    this.ids = new Set();
    $('offline-refresh').addEventListener('click', () => this.load());
  }

  async load() {
    const list = $('offline-list');
    const data = await this.desk.getJson('/offline-requests?limit=50');
    if (data.error) {
      const why = data.error.status === 403
        ? t('console-offline-forbidden') : t('console-offline-failed', { status: data.error.status || 'network' });
      list.replaceChildren(line('none', why));
      this.count();
      return;
    }
    list.replaceChildren();
    this.ids.clear();
    for (const request of data.requests || []) this.add(request, false);
    this.count();
  }

  /** One request, newest first when pushed live. */
  add(r, prepend) {
    if (r.id && this.ids.has(r.id)) return;
    if (r.id) this.ids.add(r.id);
    const item = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = r.name || t('console-offline-visitor');
    item.append(name);
    if (r.email) {
      const mail = document.createElement('a');
      mail.href = `mailto:${encodeURIComponent(r.email).replace(/%40/g, '@')}`;
      mail.textContent = r.email;
      item.append(' ', mail);
    }
    const meta = [r.resource ? this.desk.resourceName(r.resource) : '', r.created_at ? dateTime(r.created_at) : '']
      .filter(Boolean).join(' · ');
    if (meta) item.append(line('meta', meta));
    item.append(line('text', r.text || ''));
    const list = $('offline-list');
    list.querySelector('.none')?.remove();
    if (prepend) list.prepend(item); else list.append(item);
    this.count();
  }

  count() {
    const n = this.ids.size;
    $('offline-count').textContent = n ? `(${n})` : '';
    if (!n && !$('offline-list').childElementCount) $('offline-list').append(line('none', t('console-offline-none')));
  }
}

function line(cls, text) {
  const node = document.createElement(cls === 'none' ? 'li' : 'span');
  node.className = cls;
  node.textContent = text;
  return node;
}
