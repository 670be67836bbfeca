/* /field: the tablet (800×1280 portrait or 1280×800, touch). A map of my assignments (their
 * outline and target, my regency, my position), my assignments with distance and direction,
 * the acknowledge / decline / status buttons, "Buka di peta", reports from the ground, the
 * on/off-duty switch, sharing my position, and assignment alerts (Web Push).
 *
 * Works offline: the service worker keeps the page, its assets and the map's data; the last
 * assignments are kept here too, and every action taken offline (acknowledgements, statuses,
 * positions, the duty switch, reports with their photos) waits in one ordered queue
 * (localStorage; photos in IndexedDB) that is sent, in order, when the connection returns. */
(function () {
  'use strict';
  const K = window.Kendali;
  const $ = K.$;

  const user = K.config.user || 'field';
  const QUEUE_KEY = 'kendali.field.' + user + '.queue';
  const DATA_KEY = 'kendali.field.' + user + '.assignments';
  const ME_KEY = 'kendali.field.' + user + '.me';
  const SHARE_KEY = 'kendali.field.' + user + '.share';
  const POSITION_EVERY_MS = 20e3;
  const RETRY_MS = 15e3;
  const NEXT = {
    notified: [['ack', null], ['decline', null]],
    acknowledged: [['status', 'en_route']],
    en_route: [['status', 'on_site']],
    on_site: [['status', 'done']],
  };
  const ACTION_STATE = { ack: 'acknowledged', decline: 'declined' };
  const CLOSED = ['done', 'cancelled', 'declined', 'timed_out'];
  /** Kinds of which only the latest unsent one matters. */
  const LATEST_ONLY = ['position', 'duty'];

  const app = document.getElementById('app');
  const state = {
    data: K.store.get(DATA_KEY, null), // {at, body}
    me: K.store.get(ME_KEY, null),
    queue: K.store.get(QUEUE_KEY, []),
    failed: [],
    flushing: false,
    here: null, // {lat, lon, accuracy, at} from this device
    lastSent: 0,
    watch: null,
  };

  const map = new K.FieldMap($('#map'), K.config.tileUrl);
  const reports = new K.FieldReports({
    logKey: 'kendali.field.' + user + '.reports',
    maxBytes: Number(K.config.photoMax) || 8 * 1048576,
    enqueue: (item) => enqueue(item),
    here: () => state.here || (state.me && state.me.position),  // a real position, not the base
    onChange: () => render(),
  });

  // -- distance and direction ----------------------------------------------------------------
  const rad = (d) => d * Math.PI / 180;
  function distanceKm(a, b) {
    const dlat = rad(b.lat - a.lat);
    const dlon = rad(b.lon - a.lon);
    const h = Math.sin(dlat / 2) ** 2 +
      Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dlon / 2) ** 2;
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function bearing(a, b) {
    const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
    const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) -
      Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
    return (Math.atan2(y, x) * 180 / Math.PI + 360) % 360;
  }

  function way(a) {
    const t = a.target;
    if (state.here && t && typeof t.lat === 'number') {
      return { km: distanceKm(state.here, t), deg: bearing(state.here, t), live: true };
    }
    if (typeof a.distance_km === 'number') {
      return { km: a.distance_km, deg: a.bearing_deg, live: false };
    }
    return null;
  }

  /** This device's position, else the last one Kendali has, else my base (what distances
   * are measured from when the device shares nothing). */
  function whereAmI() {
    if (state.here) return Object.assign({ live: true }, state.here);
    const me = state.me || {};
    return me.position || me.base || null;
  }

  // -- rendering -----------------------------------------------------------------------------
  /** The state an assignment will have once its queued actions are sent. */
  function pendingState(a) {
    let s = a.state;
    for (const item of state.queue) {
      if (item.dispatchId === a.id && item.kind === 'action') s = item.state;
    }
    return s;
  }

  function wayLine(a) {
    const w = way(a);
    if (!w) return K.el('p', { class: 'way muted', text: K.t('ui_no_position') });
    const arrow = K.el('span', { class: 'arrow', 'aria-hidden': 'true', text: '➤' });
    if (typeof w.deg === 'number') arrow.style.transform = 'rotate(' + (w.deg - 90) + 'deg)';
    return K.el('p', { class: 'way' }, arrow,
      K.el('span', { class: 'km', text: K.formatNumber(w.km, w.km < 10 ? 1 : 0) + ' km' }),
      K.el('span', { class: 'dir', text: K.compass(w.deg) + ' (' + Math.round(w.deg) + '°)' }),
      K.el('span', { class: 'from', text: w.live ? K.t('ui_from_here') : K.t('ui_from_last') }));
  }

  function buttons(a, shown) {
    const box = K.el('div', { class: 'actions' });
    for (const [action, status] of NEXT[shown] || []) {
      box.append(K.el('button', {
        type: 'button', class: 'act act-' + (status || action),
        text: status ? K.t('ui_do_' + status) : K.t('ui_do_' + action),
        dataset: { action, status: status || '' },
        onclick: () => (action === 'decline' ? askDecline(a, box) : act(a, action, status)),
      }));
    }
    if (shown !== 'notified') {
      box.append(K.el('button', { type: 'button', class: 'act act-report',
        text: K.t('ui_report'), onclick: () => reports.open(a) }));
    }
    const t = a.target;
    if (t && typeof t.lat === 'number') {
      box.append(K.el('a', { class: 'act act-geo', href: K.geoUri(t.lat, t.lon, a.area_name),
        text: K.t('ui_open_in_maps') }));
    }
    return box;
  }

  function card(a) {
    const shown = pendingState(a);
    const queued = shown !== a.state;
    const inc = a.incident || {};
    const sent = reports.summary(a.id);
    return K.el('li', {
      class: 'assignment state-' + shown + (queued ? ' queued' : ''),
      dataset: { id: a.id, state: a.state, shown },
    },
    K.el('div', { class: 'head', onclick: () => map.focus(a) },
      K.el('span', { class: 'area', text: a.area_name || a.area }),
      K.el('span', { class: 'chip state-' + shown, text: K.tOr('state_' + shown, shown) +
        (queued ? ' · ' + K.t('ui_pending_short') : '') })),
    K.el('p', { class: 'incident', text: [inc.title, K.tOr('severity_' + inc.severity,
      inc.severity || '')].filter(Boolean).join(' · ') }),
    wayLine(a),
    shown === 'notified' && a.ack_deadline ? K.el('p', { class: 'deadline',
      text: K.t('ui_ack_before', { time: K.formatTime(a.ack_deadline, K.viewerZone(),
        { clock: true }) }) }) : null,
    sent.sent || sent.queued ? K.el('p', { class: 'report-state', text:
      K.t('ui_reports_state', sent) }) : null,
    buttons(a, shown));
  }

  function activeAssignments() {
    const items = state.data ? state.data.body.assignments : [];
    return items.filter((a) => !CLOSED.includes(pendingState(a)));
  }

  function render() {
    const list = $('#assignments');
    K.clear(list);
    const items = state.data ? state.data.body.assignments : [];
    const active = activeAssignments();
    const past = items.filter((a) => !active.includes(a)).slice(0, 5);
    const standby = K.standbyCards(state.data && state.data.body, pendingState,
      (s) => act(s, 'ack', null));
    if (!active.length && !standby.length) {
      list.append(K.el('li', { class: 'muted', text: K.t('ui_no_assignments') }));
    }
    for (const a of active) list.append(card(a));
    for (const c of standby) list.append(c);
    const old = $('#past');
    K.clear(old);
    for (const a of past) {
      old.append(K.el('li', { class: 'past state-' + a.state },
        K.el('span', { text: a.area_name || a.area }), ' · ',
        K.el('span', { text: K.tOr('state_' + a.state, a.state) })));
    }
    $('#data-age').textContent = state.data
      ? K.t('ui_data_at', { time: K.formatTime(new Date(state.data.at), K.viewerZone()) }) : '';
    map.setAssignments(active);
    map.setHere(whereAmI());
    renderDuty();
    renderPending();
  }

  function describeItem(item) {
    if (item.kind === 'position') {
      return K.t('ui_pending_position', { time: K.formatTime(item.body.at, K.viewerZone(),
        { clock: true }) });
    }
    if (item.kind === 'duty') {
      return K.t('ui_pending_duty', { state: K.t('avail_' + item.body.availability) });
    }
    if (item.kind === 'report') return K.t('ui_pending_report', { area: item.area || '' });
    return K.t('ui_pending_action', { action: K.tOr('state_' + item.state, item.state),
      area: item.area || '' });
  }

  function renderPending() {
    const list = $('#pending-list');
    K.clear(list);
    for (const item of state.queue) {
      list.append(K.el('li', { class: 'pending-item', dataset: { kind: item.kind } },
        describeItem(item)));
    }
    for (const f of state.failed.slice(-3)) {
      list.append(K.el('li', { class: 'failed', text: f }));
    }
    $('#pending').hidden = !state.queue.length && !state.failed.length;
    $('#pending-count').textContent = K.t('ui_pending_n', { n: state.queue.length });
    app.dataset.pending = String(state.queue.length);
  }

  function renderNet() {
    const online = navigator.onLine;
    const net = $('#net');
    net.textContent = online ? K.t('ui_online') : K.t('ui_offline');
    net.className = 'net ' + (online ? 'online' : 'offline');
    app.classList.toggle('is-offline', !online);
  }

  /** The duty switch shows what it will be once the queue is sent; busy locks it. */
  function renderDuty() {
    const btn = $('#duty');
    const queued = state.queue.filter((x) => x.kind === 'duty').pop();
    const now = queued ? queued.body.availability : state.me && state.me.availability;
    btn.disabled = !now || now === 'busy';
    btn.dataset.state = now || '';
    btn.setAttribute('aria-pressed', String(now === 'on_duty'));
    btn.textContent = now ? K.t('avail_' + now) : '…';
    btn.title = now === 'busy' ? K.t('ui_duty_hint_busy') : '';
  }

  // -- data ------------------------------------------------------------------------------------
  /** GET JSON; `cachedAt` when the service worker answered from its copy (we are offline). */
  async function getJson(url) {
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (res.status === 401) throw new K.ApiError(401, null);
    if (!res.ok) throw new K.ApiError(res.status, null);
    return { body: await res.json(), cachedAt: res.headers.get('X-Kendali-Stored-At') };
  }

  async function load() {
    try {
      const got = await getJson('/api/v1/me/assignments');
      state.data = { at: got.cachedAt ? Date.parse(got.cachedAt) : Date.now(), body: got.body };
      K.store.set(DATA_KEY, state.data);
    } catch (err) {
      if (err instanceof K.ApiError && err.status === 401) {
        window.location.assign('/login');
        return;
      }
    }
    render();
  }
  const loadSoon = K.debounce(load, 500);

  async function loadMe() {
    try {
      state.me = (await getJson('/api/v1/me')).body;
      K.store.set(ME_KEY, state.me);
    } catch (err) { /* offline with no copy yet: the switch waits */ }
    render();
  }

  async function loadRegion() {
    try {
      map.setRegion((await getJson('/api/v1/me/region')).body);
    } catch (err) { /* offline before the first visit cached it */ }
  }

  // -- actions and the offline queue ----------------------------------------------------------
  function enqueue(item) {
    item.uid = Date.now().toString(36) + Math.random().toString(36).slice(2, 7);
    if (LATEST_ONLY.includes(item.kind)) {
      state.queue = state.queue.filter((x) => x.kind !== item.kind);
    }
    state.queue.push(item);
    K.store.set(QUEUE_KEY, state.queue);
    render();
    flush();
  }

  function act(a, action, status) {
    enqueue({
      kind: 'action', dispatchId: a.id, area: a.area_name || a.area,
      url: '/api/v1/me/assignments/' + a.id + '/' + action,
      body: status ? { status } : action === 'decline' && a.reason ? { reason: a.reason } : {},
      state: status || ACTION_STATE[action],
    });
  }

  function askDecline(a, box) {
    K.clear(box);
    const input = K.el('input', { name: 'reason', placeholder: K.t('ui_decline_reason'),
      maxlength: 500 });
    box.append(input,
      K.el('button', { type: 'button', class: 'act act-decline', text: K.t('ui_do_decline'),
        onclick: () => act(Object.assign({}, a, { reason: input.value.trim() || null }),
          'decline', null) }),
      K.el('button', { type: 'button', class: 'act', text: K.t('ui_cancel'),
        onclick: render }));
    input.focus();
  }

  async function send(item) {
    if (item.kind === 'report') {
      const body = await K.sendReport(item);
      reports.mark(item.clientId, 'sent', body && body.id);
      return body;
    }
    const body = await K.api(item.url, { method: item.method || 'POST', body: item.body });
    if (item.kind === 'duty' && body) {
      state.me = body;
      K.store.set(ME_KEY, body);
    }
    return body;
  }

  function refused(item, err) {
    state.failed.push(describeItem(item) + ': ' + ((err.body && err.body.error) ||
      'HTTP ' + err.status));
    state.failed = state.failed.slice(-3);
    if (item.kind === 'report') {
      reports.mark(item.clientId, 'failed');
      K.blobs.del(item.clientId).catch(() => null);
    }
  }

  /** Send the queue in order. A network failure stops (we are offline: try again later);
   * an answer the server will always give (4xx) drops the item and says so. */
  async function flush() {
    if (state.flushing || !state.queue.length) return;
    state.flushing = true;
    let sent = 0;
    try {
      while (state.queue.length) {
        const item = state.queue[0];
        try {
          await send(item);
        } catch (err) {
          if (!(err instanceof K.ApiError) || err.status >= 500 || err.status === 429) break;
          if (err.status === 401) {
            state.failed.push(K.t('ui_signed_out'));
            break;
          }
          refused(item, err);
        }
        state.queue.shift();
        K.store.set(QUEUE_KEY, state.queue);
        sent += 1;
      }
    } finally {
      state.flushing = false;
      render();
      if (sent) loadSoon();
    }
  }

  $('#duty').addEventListener('click', () => {
    const now = $('#duty').dataset.state;
    if (!now || now === 'busy') return;
    const next = now === 'on_duty' ? 'off_duty' : 'on_duty';
    enqueue({ kind: 'duty', url: '/api/v1/me', method: 'PATCH', body: { availability: next } });
  });

  // -- position ---------------------------------------------------------------------------------
  function sendPosition(lat, lon, accuracy) {
    state.here = { lat, lon, accuracy, at: Date.now() };
    $('#position-text').textContent = K.t('ui_position_is', {
      lat: lat.toFixed(5), lon: lon.toFixed(5), acc: Math.round(accuracy) });
    render();
    if (Date.now() - state.lastSent < POSITION_EVERY_MS) return;
    state.lastSent = Date.now();
    enqueue({ kind: 'position', url: '/api/v1/me/position',
      body: { lat, lon, accuracy_m: Math.max(1, accuracy), at: new Date().toISOString() } });
  }

  function share(on) {
    K.store.set(SHARE_KEY, on);
    $('#share').checked = on;
    if (state.watch !== null) navigator.geolocation.clearWatch(state.watch);
    state.watch = null;
    if (!on) return;
    if (!('geolocation' in navigator)) {
      $('#position-text').textContent = K.t('ui_no_geolocation');
      return;
    }
    state.watch = navigator.geolocation.watchPosition(
      (pos) => sendPosition(pos.coords.latitude, pos.coords.longitude, pos.coords.accuracy),
      () => { $('#position-text').textContent = K.t('ui_no_geolocation'); },
      { enableHighAccuracy: true, maximumAge: 15000, timeout: 30000 });
  }

  $('#share').addEventListener('change', (e) => share(e.target.checked));
  $('#manual').addEventListener('submit', (e) => {
    e.preventDefault();
    const lat = Number(e.target.lat.value);
    const lon = Number(e.target.lon.value);
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return;
    state.lastSent = 0;
    sendPosition(lat, lon, 50);
  });

  // -- service worker: the page, its assets and the map's data for offline use ----------------
  function tilePrefix() {
    const url = K.config.tileUrl;
    return url ? url.slice(0, url.indexOf('{')) : '';
  }

  async function registerWorker() {
    if (!('serviceWorker' in navigator)) return;
    try {
      const tiles = tilePrefix();
      await navigator.serviceWorker.register('/field/sw.js' +
        (tiles ? '?tiles=' + encodeURIComponent(tiles) : ''), { scope: '/field' });
      const reg = await navigator.serviceWorker.ready;
      const urls = [window.location.pathname + window.location.search];
      for (const node of document.querySelectorAll('script[src], link[rel="stylesheet"]')) {
        urls.push(node.getAttribute('src') || node.getAttribute('href'));
      }
      reg.active.postMessage({ type: 'precache', urls, user,
        strings: { title: K.t('ui_push_title'), body: K.t('ui_push_body') } });
      app.dataset.sw = 'ready';
    } catch (err) {
      app.dataset.sw = 'failed';
    }
  }

  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener('message', (e) => {
      const data = e.data || {};
      if (data.type === 'cached') app.dataset.cached = String(data.count);
      if (data.type === 'push') loadSoon(); // an alert came in while the page is open
    });
  }

  // Signing out: this tablet stops receiving the account's alerts and forgets its data.
  const logout = document.querySelector('form.logout');
  logout.addEventListener('submit', async (e) => {
    if (logout.dataset.leaving) return;
    e.preventDefault();
    logout.dataset.leaving = '1';
    await K.push.forget();
    const reg = navigator.serviceWorker && await navigator.serviceWorker.getRegistration('/field');
    if (reg && reg.active) reg.active.postMessage({ type: 'forget' });
    logout.submit();
  });

  // -- live ---------------------------------------------------------------------------------------
  const live = new K.Live({ page: 'field' });
  live.bindIndicator($('#conn'));
  K.live = live; // for the browser tests and the console
  live.on(K.family(K.ev.DISPATCH_PREFIX), (msg) => {
    if (msg.type === K.ev.DISPATCH_PREFIX + 'notified' && navigator.vibrate) navigator.vibrate([300, 150, 300]);
    loadSoon();
    loadMe(); // an acknowledgement makes me busy, the end of a task on duty again
  });
  live.on(K.family(K.ev.STANDBY_PREFIX), (msg) => {
    if (msg.type === K.ev.STANDBY_PREFIX + 'notified' && navigator.vibrate) navigator.vibrate([200, 100, 200]);
    loadSoon();
  });
  live.on('synced', () => {
    flush();
    loadSoon();
  });
  live.on('reset', loadSoon);
  window.addEventListener('online', () => {
    renderNet();
    flush();
    loadSoon();
  });
  window.addEventListener('offline', renderNet);
  window.addEventListener('resize', K.debounce(() => map.resize(), 200));

  function main() {
    renderNet();
    render(); // the last data at once, even offline
    load();
    loadMe();
    loadRegion();
    live.start();
    share(K.store.get(SHARE_KEY, false) === true);
    setInterval(() => {
      if (navigator.onLine) flush();
    }, RETRY_MS);
    registerWorker().then(() => K.push.sync(false));
    app.dataset.ready = '1';
  }

  main();
}());
