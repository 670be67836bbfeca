/* /admin: the work units (everyone here reads them, admins add), accounts and wall codes
 * (admins). Every answer of the API is shown as text; errors in the page's language. */
(function () {
  'use strict';
  const K = window.Kendali;
  const $ = K.$;
  const admin = K.config.role === 'admin';
  let units = [];

  function unitRow(u) {
    return K.el('tr', { dataset: { unitId: u.id } }, K.el('td', { class: 'n', text: u.id }),
      K.el('td', { text: u.name }), K.el('td', { text: K.tOr('unit_kind_' + u.kind, u.kind) }),
      K.el('td', { text: u.region ? u.region.name + ' (' + u.region.code + ')' : '—' }),
      K.el('td', { class: 'n', text: K.formatNumber(u.members || 0) }));
  }

  function renderUnits() {
    const q = $('#unit-filter').value.trim().toLowerCase();
    const shown = units.filter((u) => !q || u.name.toLowerCase().includes(q) ||
      (u.region && u.region.code.startsWith(q)));
    K.clear($('#units')).append(...shown.slice(0, 300).map(unitRow));
    const select = $('#user-form select[name=unit_id]');
    if (select && select.options.length <= 1) {
      for (const u of units) select.append(K.el('option', { value: u.id, text: u.name }));
    }
  }

  async function loadUnits() {
    units = (await K.api('/api/v1/units')).units;
    renderUnits();
  }

  async function loadUsers() {
    const byId = new Map(units.map((u) => [u.id, u.name]));
    const users = (await K.api('/api/v1/users')).users;
    K.clear($('#users')).append(...users.map((u) => K.el('tr', {
      class: u.disabled ? 'disabled' : '' },
    K.el('td', { class: 'n', text: u.id }), K.el('td', { text: u.username }),
    K.el('td', { text: K.tOr('role_' + u.role, u.role) }), K.el('td', { text: u.region || '—' }),
    K.el('td', { text: u.unit_id ? byId.get(u.unit_id) || '#' + u.unit_id : '—' }),
    K.el('td', {}, K.el('button', { type: 'button', text: K.t(u.disabled ? 'admin_enable'
      : 'admin_disable'), onclick: async () => {
      await K.api('/api/v1/users/' + u.id, { method: 'PATCH', body: { disabled: !u.disabled } });
      loadUsers();
    } })))));
  }

  /** Submit a form as JSON (empty fields left out); `done(body)` on success. */
  function wire(form, url, shape, done) {
    if (!form) return;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const error = form.querySelector('.error');
      error.textContent = '';
      try {
        done(await K.api(url, { method: 'POST', body: shape(new FormData(form)) }));
        form.reset();
      } catch (err) {
        K.showError(error, err);
      }
    });
  }

  const text = (data, name) => (data.get(name) || '').trim() || undefined;

  wire($('#unit-form'), '/api/v1/units', (d) => ({ name: text(d, 'name'), kind: text(d, 'kind'),
    region: text(d, 'region') }), () => loadUnits());
  wire($('#user-form'), '/api/v1/users', (d) => ({ username: text(d, 'username'),
    role: text(d, 'role'), region: text(d, 'region'),
    unit_id: d.get('unit_id') ? Number(d.get('unit_id')) : undefined }), (body) => {
    const note = $('#user-created');
    note.hidden = false;
    note.textContent = K.t('admin_user_created', { username: body.username,
      password: body.password || '—' });
    loadUsers();
  });
  wire($('#wall-form'), '/api/v1/wall-codes', (d) => ({ name: text(d, 'name') }), (body) => {
    const note = $('#wall-code');
    note.hidden = false;
    note.textContent = K.t('admin_wall_url', { url: body.url });
  });
  $('#unit-filter').addEventListener('input', K.debounce(renderUnits, 150));

  loadUnits().then(() => (admin ? loadUsers() : null)).catch((err) => {
    K.clear($('#units')).append(K.el('tr', {}, K.el('td', { colspan: 5, class: 'error',
      text: K.errorText(err) })));
  }).finally(() => { document.getElementById('app').dataset.ready = '1'; });
}());
