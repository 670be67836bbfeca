/* The office's complaint detail: facts, where it was forwarded, possible duplicates to
 * confirm or dismiss, the status form (forwarding picks a work unit), and the timeline with
 * readable actors. Errors from the API appear translated (K.errorText). */
(function () {
  'use strict';
  const K = window.Kendali;

  const TRANSITIONS = {
    baru: ['diverifikasi', 'ditolak', 'bukan_wewenang'],
    diverifikasi: ['diteruskan', 'ditindaklanjuti', 'ditolak', 'bukan_wewenang'],
    diteruskan: ['ditindaklanjuti', 'bukan_wewenang'],
    ditindaklanjuti: ['selesai'],
  };
  const REASON_REQUIRED = ['ditolak', 'bukan_wewenang'];

  /** "SP4N-LAPOR!" for a channel key, a person's name, "Sistem (batas waktu)"... */
  function actorText(entry) {
    if (entry.actor_name) return entry.actor_name;
    const [kind, ...rest] = String(entry.actor || '').split(':');
    if (kind === 'key') {
      const channel = rest[rest.length - 1];
      return K.t('actor_key', { channel: K.tOr('channel_' + channel, channel) });
    }
    if (kind === 'user') return rest.join(':');
    if (kind === 'system') return K.tOr('actor_system_' + rest.join(':'), K.t('actor_system'));
    if (kind === 'cli') return K.t('actor_cli', { user: rest.join(':') });
    return entry.actor || '';
  }

  function actionText(e) {
    const d = e.details || {};
    if (e.action === 'status' && e.to) {
      const to = K.tOr('status_' + e.to, e.to);
      return d.unit ? K.t('timeline_forwarded', { status: to, unit: d.unit }) : to;
    }
    if (e.action === 'assigned') return K.t('timeline_assigned', { unit: d.unit || '—' });
    if (e.action === 'created') return K.t('timeline_created');
    if (e.action === 'placed') return K.t('timeline_placed', { area: d.area || '' });
    if (e.action === 'overdue') return K.tOr('timeline_overdue_' + d.deadline,
      K.t('ui_overdue'));
    return K.tOr('timeline_' + e.action.replace('.', '_'), e.action);
  }

  function timeline(p, zone) {
    return K.el('ol', { class: 'timeline' }, (p.timeline || []).slice(-30).reverse().map((e) =>
      K.el('li', {},
        K.el('time', { datetime: e.at, text: K.formatTime(e.at, zone) }), ' ',
        K.el('span', { class: 'actor', title: e.actor, text: actorText(e) }), ' · ',
        K.el('span', { class: 'what', text: actionText(e) }),
        e.note ? K.el('q', { text: e.note }) : null)));
  }

  /** A possible duplicate (set by intake) to confirm or dismiss; the confirmed group. */
  function duplicates(p, ctx) {
    const box = K.el('div', { class: 'duplicates' });
    const error = K.el('p', { class: 'error', role: 'alert' });
    const decide = async (of, decision) => {
      try {
        const f = await K.api('/api/v1/complaints/' + p.id + '/duplicate',
          { method: 'POST', body: { of, decision } });
        ctx.onChanged(f);
      } catch (err) {
        K.showError(error, err);
      }
    };
    if (p.possible_duplicate_of && p.duplicate_decision !== 'confirmed' && !p.primary_id) {
      const of = p.possible_duplicate_of;
      box.append(K.el('p', { class: 'dup-suggested' },
        K.t('ui_dup_suggested', { reason: K.tOr('dup_reason_' + p.duplicate_reason,
          p.duplicate_reason || '') }) + ' ',
        K.el('a', { href: '#', dataset: { open: of }, text: '#' + of,
          onclick: (e) => { e.preventDefault(); ctx.open(of); } })),
      K.el('div', { class: 'actions' },
        K.el('button', { type: 'button', class: 'dup-confirm', text: K.t('ui_dup_confirm'),
          onclick: () => decide(of, 'confirm') }),
        K.el('button', { type: 'button', class: 'dup-dismiss', text: K.t('ui_dup_dismiss'),
          onclick: () => decide(of, 'dismiss') })));
    }
    if (p.primary_id) {
      box.append(K.el('p', {}, K.t('ui_dup_follows') + ' ',
        K.el('a', { href: '#', text: '#' + p.primary_id,
          onclick: (e) => { e.preventDefault(); ctx.open(p.primary_id); } }), ' ',
        K.el('button', { type: 'button', class: 'dup-dismiss', text: K.t('ui_dup_leave'),
          onclick: () => decide(p.primary_id, 'dismiss') })));
    }
    const members = (p.duplicates || []).filter((id) => id !== p.id);
    if (members.length) {
      box.append(K.el('p', {}, K.t('ui_dup_group') + ' ', members.map((id) => [K.el('a', {
        href: '#', text: '#' + id, onclick: (e) => { e.preventDefault(); ctx.open(id); } }), ' '])));
    }
    if (box.childElementCount) box.prepend(K.el('h4', { text: K.t('ui_duplicates') }));
    box.append(error);
    return box.childElementCount > 1 ? box : null;
  }

  /** The units a complaint can be forwarded to: those of its area and above and the
   * national ones first; any other by name. */
  function unitPicker(p) {
    const select = K.el('select', { name: 'assigned_to' }, // checked on submit (hidden else)
      K.el('option', { value: '', text: K.t('ui_pick_unit') }));
    const search = K.el('input', { type: 'search', name: 'unit_q', maxlength: 200,
      placeholder: K.t('ui_unit_search'), 'aria-label': K.t('ui_unit_search') });
    const fill = (units, keep) => {
      const chosen = keep ? select.value : '';
      while (select.options.length > 1) select.remove(1);
      for (const u of units) {
        select.append(K.el('option', { value: u.id, text: u.name +
          (u.region ? ' (' + u.region.code + ')' : '') }));
      }
      if (chosen) select.value = chosen;
    };
    const area = p.area && (p.area.district || p.area.regency || p.area.province);
    K.api('/api/v1/units?' + K.query({ region: area && area.code }))
      .then((body) => fill(body.units)).catch(() => {});
    search.addEventListener('input', K.debounce(() => {
      const q = search.value.trim();
      if (q.length < 2) return;
      K.api('/api/v1/units?' + K.query({ q })).then((body) => {
        fill(body.units);
        if (body.units.length === 1) select.value = String(body.units[0].id);
      }).catch(() => {});
    }, 250));
    return K.el('label', { class: 'unit', hidden: true }, K.t('ui_forward_to'), select, search);
  }

  function statusForm(p, ctx) {
    const next = TRANSITIONS[p.status] || [];
    const select = K.el('select', { name: 'status' },
      K.el('option', { value: '', text: K.t('ui_keep_status') }),
      next.map((s) => K.el('option', { value: s, text: K.tOr('status_' + s, s) })));
    const reasonLabel = K.el('label', { class: 'reason', hidden: true },
      K.t('ui_reason'), K.el('input', { name: 'reason', maxlength: 2000 }));
    const unitLabel = unitPicker(p);
    select.addEventListener('change', () => {
      reasonLabel.hidden = !REASON_REQUIRED.includes(select.value);
      unitLabel.hidden = select.value !== 'diteruskan';
    });
    const error = K.el('p', { class: 'error', role: 'alert' });
    const form = K.el('form', { class: 'status-form', dataset: { id: p.id } },
      K.el('label', {}, K.t('ui_new_status'), select), reasonLabel, unitLabel,
      K.el('label', {}, K.t('ui_note'), K.el('textarea', { name: 'note', rows: 3,
        maxlength: 4000 })),
      K.el('button', { type: 'submit', text: K.t('ui_save') }), error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const body = {};
      for (const key of ['status', 'note', 'reason']) {
        const v = (data.get(key) || '').trim();
        if (v) body[key] = v;
      }
      if (body.status === 'diteruskan') {
        if (!data.get('assigned_to')) {
          error.textContent = K.t('err_why_unit');
          return;
        }
        body.assigned_to = Number(data.get('assigned_to'));
      }
      if (!body.status && !body.note) {
        error.textContent = K.t('ui_nothing_to_save');
        return;
      }
      form.querySelector('button[type=submit]').disabled = true;
      try {
        ctx.onChanged(await K.api('/api/v1/complaints/' + p.id, { method: 'PATCH', body }));
      } catch (err) {
        K.showError(error, err);
        form.querySelector('button[type=submit]').disabled = false;
      }
    });
    return form;
  }

  function locationText(loc) {
    if (!loc || typeof loc !== 'object') return loc || null;
    return Object.values(loc).filter((v) => typeof v === 'string' || typeof v === 'number')
      .join(', ');
  }

  /** Fill `node` with a complaint's detail. ctx: {zone, areaText, open(id), onChanged(f)} */
  function render(node, f, ctx) {
    const p = f.properties;
    K.clear(node);
    node.dataset.id = p.id;
    const zone = ctx.zone();
    const facts = [
      [K.t('ui_status'), K.tOr('status_' + p.status, p.status)],
      [K.t('ui_channel'), K.tOr('channel_' + p.channel, p.channel)],
      [K.t('ui_category'), p.category],
      [K.t('ui_area'), ctx.areaText(p.area)],
      [K.t('ui_received'), K.formatTime(p.received_at, zone)],
      [K.t('ui_assigned'), p.assigned_unit ? p.assigned_unit.name : null],
      [K.t('ui_overdue'), p.overdue ? K.t('ui_yes') : null],
      [K.t('ui_reporter'), p.reporter ? [p.reporter.name, p.reporter.phone]
        .filter(Boolean).join(' · ') : null],
      [K.t('ui_location'), locationText(p.location)],
    ];
    const dl = K.el('dl', { class: 'facts' });
    for (const [label, value] of facts) {
      if (value === null || value === undefined || value === '') continue;
      dl.append(K.el('dt', { text: label }), K.el('dd', { text: String(value) }));
    }
    node.append(K.el('h3', { text: K.t('ui_complaint_n', { id: p.id }) }), dl,
      K.el('p', { class: 'desc full', text: p.description || '' }));
    const dup = duplicates(p, ctx);
    if (dup) node.append(dup);
    node.append(statusForm(p, ctx), K.el('h4', { text: K.t('ui_timeline') }), timeline(p, zone));
  }

  K.complaintDetail = { render, locationText, actorText };
}());
