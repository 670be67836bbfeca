/* The office's incident tab: current incidents with their areas and people, and the actions
 * the API allows this account (server/services/manual_dispatch.py decides; the page only
 * offers): send a chosen responder to an area, reassign or cancel a dispatch, stand an area
 * down, close or reopen an incident, and open one over a polygon drawn on the map. */
(function () {
  'use strict';
  const K = window.Kendali;
  const SEVERITY = { extreme: 4, severe: 3, moderate: 2, minor: 1 };
  const ACKED = ['acknowledged', 'en_route', 'on_site', 'done'];
  const OPEN_STATES = ['notified', 'acknowledged', 'en_route', 'on_site'];
  const AREAS_SHOWN = 8;

  function areaState(a) {
    if (a.closed_at) return 'closed';
    const acked = a.dispatches.filter((x) => ACKED.includes(x.state)).length;
    return acked >= a.needed ? 'staffed' : a.unstaffed_at ? 'unstaffed' : 'pending';
  }

  const AREA_ORDER = { unstaffed: 0, pending: 1, staffed: 2, closed: 3 };

  class OfficeIncidents {
    /** ctx: {node, map, role, zone(), hazards, severities} */
    constructor(ctx) {
      this.ctx = ctx;
      this.expanded = new Set();
      this.showClosed = false;
      this.entries = [];
      this.role = ctx.role;
      this.canDispatch = ['operator', 'regional'].includes(this.role);
      this.canClose = ['operator', 'admin', 'regional'].includes(this.role);
      this.canCreate = this.role === 'operator';
      this.loadSoon = K.debounce(() => this.load(), 800);
      this.draw = new K.PolygonDraw(ctx.map, {
        onDone: (polygon) => this.createForm(polygon),
        onCancel: () => this.renderTools(),
        onChange: (n) => this.drawHint(n),
      });
    }

    async load() {
      const node = this.ctx.node;
      try {
        const body = await K.api('/api/v1/incidents');
        const wanted = body.incidents.filter((i) => this.showClosed || i.status !== 'closed')
          .sort((a, b) => (SEVERITY[b.severity] || 0) - (SEVERITY[a.severity] || 0) ||
            Date.parse(b.created_at) - Date.parse(a.created_at)).slice(0, 15);
        const details = await Promise.all(wanted.map((i) =>
          K.api('/api/v1/incidents/' + i.id + '/dispatch').catch(() => null)));
        this.entries = details.filter(Boolean);
        this.render();
      } catch (err) {
        K.clear(node);
        node.append(K.el('li', { class: 'error', text: K.errorText(err) }));
      }
    }

    render() {
      const node = K.clear(this.ctx.node);
      this.renderTools();
      if (!this.entries.length) {
        node.append(K.el('li', { class: 'muted', text: K.t('ui_no_incidents') }));
      }
      for (const entry of this.entries) node.append(this.item(entry));
    }

    renderTools() {
      const tools = K.clear(K.$('#incident-tools'));
      if (!tools) return;
      tools.append(K.el('label', { class: 'check' }, K.el('input', {
        type: 'checkbox', checked: this.showClosed, onchange: (e) => {
          this.showClosed = e.target.checked;
          this.load();
        } }), ' ' + K.t('ui_show_closed')));
      if (this.canCreate) {
        tools.append(K.el('button', { type: 'button', id: 'draw-incident',
          text: K.t('ui_draw_incident'), onclick: () => this.startDrawing() }));
      }
    }

    item(entry) {
      const i = entry.incident;
      const open = entry.areas.filter((a) => !a.closed_at);
      const staffed = open.filter((a) => areaState(a) === 'staffed').length;
      const li = K.el('li', { class: 'incident incident-' + i.status,
        dataset: { incidentId: i.id } },
      K.el('div', { class: 'incident-head' },
        K.el('span', { class: 'sev sev-' + i.severity,
          text: K.tOr('severity_' + i.severity, i.severity) }),
        K.el('span', { class: 'title', text: i.title }),
        K.el('span', { class: 'score', text: staffed + '/' + open.length })),
      K.el('p', { class: 'meta' }, K.el('time', { text: K.formatTime(i.created_at,
        this.ctx.zone()) }), i.status === 'closed' ? ' · ' + K.t('ui_incident_closed') : ''),
      this.incidentActions(entry));
      const areas = entry.areas.slice().sort((a, b) =>
        AREA_ORDER[areaState(a)] - AREA_ORDER[areaState(b)]);
      const all = this.expanded.has(i.id);
      li.append(K.el('ul', { class: 'areas' }, (all ? areas : areas.slice(0, AREAS_SHOWN))
        .map((a) => this.areaItem(entry, a))));
      if (areas.length > AREAS_SHOWN) {
        li.append(K.el('button', { type: 'button', class: 'link', text: all
          ? K.t('ui_show_fewer') : K.t('ui_show_all_areas', { n: areas.length }),
        onclick: () => {
          if (all) this.expanded.delete(i.id);
          else this.expanded.add(i.id);
          this.render();
        } }));
      }
      if (K.reportsBlock) li.append(K.reportsBlock(i.id, this.ctx.zone)); // field reports
      return li;
    }

    incidentActions(entry) {
      const i = entry.incident;
      if (!this.canClose) return null;
      const error = K.el('span', { class: 'error', role: 'alert' });
      const note = K.el('input', { name: 'note', maxlength: 1000, placeholder: K.t('ui_note'),
        'aria-label': K.t('ui_note') });
      const verb = i.status === 'closed' ? 'reopen' : 'close';
      const button = K.el('button', { type: 'button', class: 'incident-' + verb,
        text: K.t('ui_incident_' + verb), onclick: () => this.act(
          '/api/v1/incidents/' + i.id + '/' + verb, { note: note.value.trim() || undefined },
          error, i.id) });
      return K.el('div', { class: 'actions' }, note, button, error);
    }

    areaItem(entry, a) {
      const i = entry.incident;
      const state = areaState(a);
      const acked = a.dispatches.filter((x) => ACKED.includes(x.state)).length;
      const error = K.el('span', { class: 'error', role: 'alert' });
      const chips = K.el('span', { class: 'chips' });
      const li = K.el('li', { class: 'area ' + state, dataset: { area: a.code } },
        K.el('span', { class: 'name', text: (a.name || a.code) + ' ' + acked + '/' + a.needed }),
        a.short_reason && state === 'unstaffed' ? K.el('span', { class: 'why',
          text: a.short_reason }) : null,
        state === 'closed' ? K.el('span', { class: 'why', text: K.t('ui_area_closed') }) : null,
        // an area a revised quake no longer shakes enough (issue 19 on main): marked, kept
        a.below_at ? K.el('span', { class: 'below', title: K.tOr('ui_area_below_hint', ''),
          text: K.tOr('ui_area_below', '') }) : null,
        chips);
      chips.append(...a.dispatches.filter((x) => x.state !== 'cancelled')
        .map((x) => this.dispatchChip(i, a, x, li, error)));
      if (i.status === 'active' && state !== 'closed') {
        const actions = K.el('span', { class: 'area-actions' });
        if (this.canDispatch) {
          actions.append(K.el('button', { type: 'button', class: 'send',
            text: K.t('ui_send_responder'), onclick: () => this.picker(li, i, a, null, error) }));
        }
        if (this.canClose) {
          actions.append(K.el('button', { type: 'button', class: 'stand-down',
            text: K.t('ui_area_stand_down'), onclick: () => this.act('/api/v1/incidents/' +
              i.id + '/areas/' + encodeURIComponent(a.code) + '/close', {}, error, i.id) }));
        }
        li.append(actions);
      }
      li.append(error);
      return li;
    }

    dispatchChip(i, a, x, li, error) {
      const who = (x.responder && x.responder.name) || '#' + x.responder_id;
      const chip = K.el('span', { class: 'chip state-' + x.state,
        dataset: { dispatchId: x.id, state: x.state } },
      who + ' · ' + K.tOr('state_' + x.state, x.state));
      const phone = x.responder && x.responder.phone;
      if (phone) chip.append(' ', K.el('a', { class: 'phone', href: 'tel:' + phone, text: phone }));
      if (this.canDispatch && i.status === 'active' && OPEN_STATES.includes(x.state)) {
        chip.append(' ', K.el('button', { type: 'button', class: 'mini reassign',
          text: K.t('ui_reassign'), onclick: () => this.picker(li, i, a, x, error) }),
        K.el('button', { type: 'button', class: 'mini cancel', text: K.t('ui_cancel_dispatch'),
          onclick: () => this.act('/api/v1/dispatches/' + x.id + '/cancel', {}, error, i.id) }));
      }
      return chip;
    }

    /** The nearest responders this account may send, with a button each. */
    async picker(li, i, a, dispatch, error) {
      const old = li.querySelector('.picker');
      if (old) {
        old.remove();
        return;
      }
      const box = K.el('div', { class: 'picker' }, K.el('p', { class: 'muted',
        text: K.t('ui_loading') }));
      li.append(box);
      let body;
      try {
        body = await K.api('/api/v1/incidents/' + i.id + '/areas/' +
          encodeURIComponent(a.code) + '/candidates');
      } catch (err) {
        box.remove();
        K.showError(error, err);
        return;
      }
      const beyond = K.el('input', { type: 'checkbox', name: 'beyond_limit' });
      K.clear(box).append(K.el('p', { class: 'muted', text: K.t(dispatch ? 'ui_reassign_to'
        : 'ui_send_to', { area: a.name || a.code }) }));
      const list = K.el('ol', { class: 'candidates' });
      const free = (c) => !c.open_dispatch && c.availability !== 'off_duty';
      const ordered = body.candidates.filter(free).concat(body.candidates.filter((c) => !free(c)));
      for (const c of ordered) {
        const send = () => this.act(dispatch ? '/api/v1/dispatches/' + dispatch.id + '/reassign'
          : '/api/v1/incidents/' + i.id + '/dispatch', Object.assign({ responder_id: c.id },
        dispatch ? {} : { area: a.code }, beyond.checked ? { beyond_limit: true } : {}),
        error, i.id);
        list.append(K.el('li', { class: c.within_limit ? '' : 'far', dataset: { responderId: c.id } },
          K.el('span', { class: 'name', text: c.name }),
          K.el('span', { class: 'muted', text: K.tOr('responder_' + c.type, c.type) + ' · ' +
            K.formatNumber(c.distance_km, 1) + ' km · ' + (c.open_dispatch
            ? K.tOr('state_' + c.open_dispatch.state, c.open_dispatch.state)
            : K.tOr('avail_' + c.availability, c.availability)) }),
          c.phone ? K.el('a', { class: 'phone', href: 'tel:' + c.phone, text: c.phone }) : null,
          K.el('button', { type: 'button', class: 'mini', text: K.t('ui_send'), onclick: send,
            // busy elsewhere or off duty: the API would refuse (409), so the page does not offer
            disabled: !!c.open_dispatch || c.availability === 'off_duty' })));
      }
      if (!body.candidates.length) list.append(K.el('li', { class: 'muted', text: K.t('ui_none') }));
      box.append(list);
      if (['operator', 'admin'].includes(this.role)) {
        box.append(K.el('label', { class: 'check' }, beyond, ' ' + K.t('ui_beyond_limit',
          { km: body.limit_km })));
      }
    }

    async act(url, body, error, incidentId) {
      if (error) error.textContent = '';
      try {
        await K.api(url, { method: 'POST', body });
        const fresh = await K.api('/api/v1/incidents/' + incidentId + '/dispatch');
        const at = this.entries.findIndex((e) => e.incident.id === incidentId);
        if (at >= 0) this.entries[at] = fresh;
        this.render();
      } catch (err) {
        K.showError(error, err);
      }
    }

    // -- a new incident over a drawn polygon ----------------------------------------------
    startDrawing() {
      this.draw.start();
      const tools = K.clear(K.$('#incident-tools'));
      tools.append(K.el('p', { id: 'draw-hint', class: 'hint', text: K.t('ui_draw_hint') }),
        K.el('button', { type: 'button', id: 'draw-finish', text: K.t('ui_draw_finish'),
          onclick: () => this.draw.finish() }),
        K.el('button', { type: 'button', text: K.t('ui_draw_undo'), onclick: () => this.draw.undo() }),
        K.el('button', { type: 'button', text: K.t('ui_cancel'), onclick: () => this.draw.cancel() }));
    }

    drawHint(n) {
      const hint = K.$('#draw-hint');
      if (hint) hint.textContent = K.t('ui_draw_hint') + ' (' + K.t('ui_draw_points', { n }) + ')';
    }

    createForm(polygon) {
      const tools = K.clear(K.$('#incident-tools'));
      const error = K.el('p', { class: 'error', role: 'alert' });
      const form = K.el('form', { class: 'incident-form', id: 'incident-form' },
        K.el('label', {}, K.t('ui_hazard'), K.el('select', { name: 'hazard' },
          this.ctx.hazards.map((h) => K.el('option', { value: h, text: K.tOr('hazard_' + h, h) })))),
        K.el('label', {}, K.t('ui_severity'), K.el('select', { name: 'severity' },
          this.ctx.severities.map((s) => K.el('option', { value: s,
            text: K.tOr('severity_' + s, s), selected: s === 'moderate' })))),
        K.el('label', {}, K.t('ui_incident_title'), K.el('input', { name: 'title', required: true,
          maxlength: 300 })),
        K.el('div', { class: 'actions' },
          K.el('button', { type: 'submit', text: K.t('ui_incident_create') }),
          K.el('button', { type: 'button', text: K.t('ui_cancel'), onclick: () => {
            this.draw.stop();
            this.renderTools();
          } })), error);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const data = new FormData(form);
        try {
          await K.api('/api/v1/incidents', { method: 'POST', body: {
            hazard: data.get('hazard'), severity: data.get('severity'),
            title: (data.get('title') || '').trim(), area: polygon } });
          this.draw.stop();
          this.load();
        } catch (err) {
          K.showError(error, err);
        }
      });
      tools.append(form);
      form.querySelector('input[name=title]').focus();
    }
  }

  K.OfficeIncidents = OfficeIncidents;
}());
