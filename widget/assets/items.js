/* Staffetta chat window, part 3: one renderer per response type of wire contract v1
 * (text, option, date, image, audio, video, iframe, connect_to_agent, user_defined; pause is
 * handled by the render queue in chat.js). Concatenated last by catalog.rs. */

/** DOM for one output item, or null when there is nothing to show. */
C._item = function (item, record, at, live) {
  var type = item && item.response_type;
  var answered = record.answered && record.answered[at] != null ? record.answered[at] : null;
  switch (type) {
    case 'text':
      return this._text(item);
    case 'option':
      return this._option(item, record, at, answered);
    case 'date':
      return this._date(item, record, at, answered);
    case 'image':
      return this._image(item);
    case 'audio':
    case 'video':
      return this._media(item, type);
    case 'iframe':
      return this._iframe(item);
    case 'connect_to_agent':
      // message_to_agent is for the agent, not the visitor. A bot that has just said it
      // looks for someone ("Let me see who is free") is not repeated by the notice.
      if (this._afterText(record, at)) return null;
      return el('div', { class: 'notice', part: 'notice', text: this.t('agent-connecting') });
    case 'user_defined': {
      var slot = el('div', { class: 'custom', part: 'custom-response' });
      if (live !== false) this.i._emit('customResponse', { item: item, element: slot });
      return slot;
    }
    default:
      return item && (item.text || item.html) ? this._text(item) : null;
  }
};

/** Whether the item before `at` in the record (pauses skipped) is a text. */
C._afterText = function (record, at) {
  for (var i = at - 1; i >= 0; i -= 1) {
    var before = (record.items || [])[i];
    if (before && before.response_type === 'pause') continue;
    return !!before && before.response_type === 'text';
  }
  return false;
};

C._text = function (item) {
  var bubble = el('div', { class: 'bubble', part: 'bubble' });
  if (item.html) bubble.appendChild(htmlFragment(item.html));
  else bubble.appendChild(autolink(el('span', { text: String(item.text || '') })));
  return bubble;
};

C._groupTitle = function (item, id) {
  return item.title ? el('p', { class: 'group-title', id: id, text: item.title }) : null;
};

C._option = function (item, record, at, answered) {
  var self = this;
  var options = (item.options || []).filter(function (o) { return o && o.label != null; });
  var titleId = uid('staffetta-opt');
  var group = el('div', { class: 'group', part: 'options', role: 'group', 'aria-labelledby': item.title ? titleId : false, 'aria-label': item.title ? false : this.t('option-choose') }, [
    this._groupTitle(item, titleId),
    item.description ? el('p', { class: 'hint', text: item.description }) : null,
  ]);
  var choose = function (option) {
    var v = option.value;
    var input = v && typeof v === 'object' && v.input ? v.input : { option: String(v != null ? v : option.label) };
    self._answer(record, at, input, String(option.label));
  };
  // The engine already applies the threshold when a dialog sets no preference; it is
  // applied here too for items that carry none.
  var dropdown = item.preference === 'dropdown' || (!item.preference && options.length >= OPTION_DROPDOWN_FROM);
  if (!dropdown) {
    var row = el('div', { class: 'row' });
    var buttons = options.map(function (option) {
      var b = el('button', { type: 'button', class: 'chip', part: 'option', text: String(option.label) });
      if (answered != null) {
        b.disabled = true;
        b.setAttribute('aria-pressed', String(answered === String(option.label)));
      }
      b.addEventListener('click', function () {
        buttons.forEach(function (x) {
          x.disabled = true;
          x.setAttribute('aria-pressed', String(x === b));
        });
        choose(option);
      });
      row.appendChild(b);
      return b;
    });
    group.appendChild(row);
    return group;
  }
  var selectId = uid('staffetta-select');
  var select = el('select', { id: selectId, part: 'option-select' }, [el('option', { value: '', text: this.t('option-choose') })]);
  options.forEach(function (option, k) {
    select.appendChild(el('option', { value: String(k), text: String(option.label) }));
  });
  var submit = el('button', { type: 'button', class: 'action', part: 'option-submit', text: this.t('option-submit') });
  if (answered != null) {
    select.disabled = submit.disabled = true;
    options.forEach(function (o, k) { if (String(o.label) === answered) select.value = String(k); });
  }
  submit.addEventListener('click', function () {
    if (select.value === '') {
      select.focus();
      return;
    }
    select.disabled = submit.disabled = true;
    choose(options[Number(select.value)]);
  });
  group.appendChild(el('div', { class: 'row' }, [
    el('label', { class: 'sr-only', for: selectId, text: item.title || this.t('option-choose') }), select, submit,
  ]));
  return group;
};

C._date = function (item, record, at, answered) {
  var self = this;
  var locale = this.o.locale;
  var fmt = dateFormat(locale);
  var ids = { title: uid('staffetta-date'), text: uid('staffetta-date'), pick: uid('staffetta-date'), hint: uid('staffetta-date'), err: uid('staffetta-date') };
  var text = el('input', { id: ids.text, type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: fmt.example, 'aria-describedby': ids.hint, part: 'date-text' });
  // The question's first and last dates (YYYY-MM-DD) bound the calendar; the server still
  // checks every answer (and its weekdays).
  var bound = function (v) { return typeof v === 'string' && dateFromIso(v) ? v : false; };
  var pick = el('input', { id: ids.pick, type: 'date', part: 'date-picker', min: bound(item.min), max: bound(item.max) });
  var error = el('p', { id: ids.err, class: 'error', role: 'alert', hidden: true });
  var submit = el('button', { type: 'submit', class: 'action', part: 'date-submit', text: this.t('date-submit') });
  var form = el('form', { class: 'group', part: 'date', 'aria-labelledby': item.title ? ids.title : false, 'aria-label': item.title ? false : this.t('date-label') }, [
    this._groupTitle(item, ids.title),
    el('label', { for: ids.text, text: this.t('date-label') }), text,
    el('p', { id: ids.hint, class: 'hint', text: this.t('date-hint', { example: fmt.example }) }),
    el('label', { for: ids.pick, text: this.t('date-picker') }), pick,
    error, el('div', { class: 'row' }, [submit]),
  ]);
  if (answered != null) {
    text.value = answered;
    text.disabled = pick.disabled = submit.disabled = true;
  }
  pick.addEventListener('change', function () {
    var date = dateFromIso(pick.value);
    if (date) text.value = fmt.format(date);
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var iso = text.value.trim() ? parseTypedDate(text.value, fmt.order) : dateFromIso(pick.value) && pick.value;
    if (!iso) {
      error.textContent = self.t('date-invalid', { example: fmt.example });
      error.hidden = false;
      text.setAttribute('aria-invalid', 'true');
      text.setAttribute('aria-describedby', ids.hint + ' ' + ids.err);
      text.focus();
      return;
    }
    error.hidden = true;
    text.removeAttribute('aria-invalid');
    text.disabled = pick.disabled = submit.disabled = true;
    var shown;
    try {
      shown = new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(dateFromIso(iso));
    } catch (err) {
      shown = iso;
    }
    self._answer(record, at, { date: iso }, shown);
  });
  return form;
};

C._image = function (item) {
  var self = this;
  var src = safeUrl(item.source, this.o.serverUrl);
  if (!src) return null;
  var alt = String(item.alt_text || item.title || '');
  var img = el('img', { src: src, alt: alt });
  var button = el('button', { type: 'button', class: 'img-button', part: 'image-button', 'aria-label': this.t('image-enlarge', { alt: alt || item.title || '' }) }, [img]);
  button.addEventListener('click', function () { self._lightbox(src, alt, button); });
  return el('figure', { part: 'image' }, [button, this._caption(item.title, item.description)]);
};

/** The caption of a medium: its title, then its description on a line of its own (the
 * dialog's `description`, e.g. "Brass and hand-blown glass, 45 cm."); null without both.
 * `ids` names the two parts, for the medium's aria-labelledby and aria-describedby. */
C._caption = function (title, description, ids) {
  title = title ? String(title) : '';
  description = description && String(description) !== title ? String(description) : '';
  if (!title && !description) return null;
  ids = ids || {};
  return el('figcaption', {}, [
    title ? el('span', { id: ids.title || false, class: 'caption-title', text: title }) : null,
    description ? el('span', { id: ids.description || false, class: 'caption-description', part: 'caption-description', text: description }) : null,
  ]);
};

C._lightbox = function (src, alt, opener) {
  var close = el('button', { type: 'button', class: 'icon-button', part: 'lightbox-close', 'aria-label': this.t('image-close') }, [icon(ICON_X)]);
  var box = el('div', { class: 'lightbox', part: 'lightbox', role: 'dialog', 'aria-modal': 'true', 'aria-label': alt || this.t('image-close') }, [
    el('img', { src: src, alt: alt }), close,
  ]);
  var done = function () {
    box.remove();
    opener.focus();
  };
  close.addEventListener('click', done);
  box.addEventListener('click', function (e) { if (e.target === box) done(); });
  box.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      done();
    } else if (e.key === 'Tab') {
      e.preventDefault();
      close.focus();
    }
  });
  this.i._root.appendChild(box);
  close.focus();
};

C._media = function (item, type) {
  var src = safeUrl(item.source, this.o.serverUrl);
  if (!src) return null;
  var ids = { title: uid('staffetta-media'), description: uid('staffetta-media') };
  var label = String(item.title || item.alt_text || item.description || type);
  var description = item.description && String(item.description) !== label ? String(item.description) : '';
  var media = el(type, { src: src, controls: true, preload: 'metadata', part: type, 'aria-labelledby': ids.title, 'aria-describedby': description ? ids.description : false });
  var poster = item.poster && safeUrl(item.poster, this.o.serverUrl);
  if (poster) media.setAttribute('poster', poster);
  return el('figure', { part: type + '-figure' }, [media, this._caption(label, description, ids)]);
};

/**
 * An https frame, sandboxed and without a referrer. Any other source (http, a path
 * resolved against a plain-http server, javascript:, data:) is never embedded, even if the
 * server sent it: a notice names the frame instead, with the address as a plain link when it
 * is http(s), so the visitor can still choose to open it in a new tab.
 */
C._iframe = function (item) {
  var title = String(item.title || item.description || this.t('iframe-title'));
  var src = httpsUrl(item.source, this.o.serverUrl);
  if (!src) {
    var link = safeUrl(item.source, this.o.serverUrl);
    return el('p', { class: 'notice', part: 'notice iframe-refused' }, [
      this.t('iframe-refused', { title: title }),
      link ? el('a', { href: link, target: '_blank', rel: 'noopener noreferrer', text: link }) : null,
    ]);
  }
  return el('iframe', {
    src: src,
    title: title,
    sandbox: 'allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox',
    referrerpolicy: 'no-referrer',
    loading: 'lazy',
    part: 'iframe',
  });
};
