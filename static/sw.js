/* Service worker of the field tablet (served at /field/sw.js, scope /field).
 *
 * - The page (/field) is fetched from the network first and kept; offline, the kept copy is
 *   served. A redirect (to /login: signed out) is never kept.
 * - Bundles, stylesheets and Leaflet images are served from the cache first (their URLs carry
 *   a version), and kept as they are fetched; the page sends the list of its own assets once
 *   the worker is ready ("precache"), and entries of other versions are dropped then.
 * - The map's data (my regency's outlines, my assignments with their outlines and targets, my
 *   record) is fetched from the network first and kept, so the map still draws offline; a
 *   copy served offline carries X-Kendali-Stored-At (when it was kept). It belongs to the
 *   account that fetched it: another account, or signing out, empties it.
 * - Map tiles (only when KENDALI_TILE_URL is set: the page registers this worker with
 *   ?tiles=<the tiles' path prefix>) are kept as they are shown, up to MAX_TILES.
 * - Every other API call, Socket.IO and every non-GET request pass straight through: the page
 *   keeps its actions in its own queue, so nothing here can replay a write.
 * - A push (a new assignment) shows a notification that vibrates and stays until answered,
 *   even with the page closed; tapping it opens (or focuses) the tablet page.
 */
'use strict';

const CACHE = 'kendali-field-2';
const DATA = 'kendali-field-data';
const TILES = 'kendali-field-tiles';
const ASSET_PREFIXES = ['/static/', '/vendor/'];
const DATA_PATHS = ['/api/v1/me', '/api/v1/me/region', '/api/v1/me/assignments'];
const MAX_TILES = 3000;
const TILE_PREFIX = new URL(self.location).searchParams.get('tiles') || '';
const STRINGS = '/field/__strings';
const DEFAULT_STRINGS = { title: 'Penugasan baru', body: '{title} — terima sebelum {time}' };

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (![CACHE, DATA, TILES].includes(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isAsset(url) {
  return ASSET_PREFIXES.some((p) => url.pathname.startsWith(p));
}

async function precache(data, source) {
  const cache = await caches.open(CACHE);
  const wanted = new Set(data.urls.map((u) => new URL(u, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (isAsset(new URL(request.url)) && !wanted.has(request.url)) await cache.delete(request);
  }
  let count = 0;
  for (const url of wanted) {
    try {
      const res = await fetch(url, { credentials: 'same-origin', cache: 'no-cache' });
      if (res.ok && !res.redirected) {
        await cache.put(url, res);
        count += 1;
      }
    } catch (err) { /* offline meanwhile: the next visit fills it */ }
  }
  if (source) source.postMessage({ type: 'cached', count });
}

/** The data cache belongs to one account: another one (or signing out) empties it. */
async function claimData(user, strings) {
  const cache = await caches.open(DATA);
  const owner = await cache.match('/field/__user');
  if (owner && (await owner.text()) !== user) await caches.delete(DATA);
  const fresh = await caches.open(DATA);
  await fresh.put('/field/__user', new Response(user));
  if (strings) await fresh.put(STRINGS, new Response(JSON.stringify(strings)));
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'precache' && Array.isArray(data.urls)) {
    // The map's data too: on the first visit the page fetched it before this worker
    // controlled it, so nothing was kept then.
    event.waitUntil(claimData(String(data.user || ''), data.strings)
      .then(() => Promise.all(DATA_PATHS.map((p) => mapData(new Request(p, {
        credentials: 'same-origin', headers: { Accept: 'application/json' } }))
        .catch(() => null))))
      .then(() => precache(data, event.source)));
  } else if (data.type === 'forget') {
    event.waitUntil(caches.delete(DATA));
  }
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok && !res.redirected) await cache.put(request, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(request, { ignoreVary: true }) ||
      await cache.match('/field', { ignoreVary: true, ignoreSearch: true });
    return hit || Response.error();
  }
}

/** Map data: the network's answer, kept with the time it was kept; offline, that copy. */
async function mapData(request) {
  const cache = await caches.open(DATA);
  try {
    const res = await fetch(request);
    if (res.ok && !res.redirected) {
      const headers = new Headers(res.headers);
      headers.set('X-Kendali-Stored-At', new Date().toISOString());
      await cache.put(request, new Response(await res.clone().blob(),
        { status: res.status, headers }));
    }
    return res;
  } catch (err) {
    return (await cache.match(request, { ignoreVary: true })) || Response.error();
  }
}

async function cacheFirst(request, name, limit) {
  const cache = await caches.open(name);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) {
    await cache.put(request, res.clone());
    if (limit) {
      const keys = await cache.keys();
      for (const old of keys.slice(0, Math.max(0, keys.length - limit))) await cache.delete(old);
    }
  }
  return res;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname.startsWith('/field')) {
    event.respondWith(networkFirst(request));
  } else if (DATA_PATHS.includes(url.pathname)) {
    event.respondWith(mapData(request));
  } else if (TILE_PREFIX && url.pathname.startsWith(TILE_PREFIX)) {
    event.respondWith(cacheFirst(request, TILES, MAX_TILES));
  } else if (isAsset(url)) {
    event.respondWith(cacheFirst(request, CACHE));
  }
});

// -- Web Push: a new assignment ---------------------------------------------------------------
async function strings() {
  const hit = await caches.match(STRINGS);
  try {
    return Object.assign({}, DEFAULT_STRINGS, hit ? await hit.json() : {});
  } catch (err) {
    return DEFAULT_STRINGS;
  }
}

/** The deadline as the tablet's clock shows it (WIB/WITA/WIT by the device's offset). */
function clockTime(iso) {
  const date = new Date(iso);
  if (isNaN(date)) return '';
  const offset = -date.getTimezoneOffset() / 60;
  const zone = { 7: ' WIB', 8: ' WITA', 9: ' WIT' }[offset] || '';
  return String(date.getHours()).padStart(2, '0') + ':' +
    String(date.getMinutes()).padStart(2, '0') + zone;
}

function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (m, name) => (vars[name] === undefined ? '' : String(vars[name])));
}

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (err) { /* not ours: show the generic alert */ }
  event.waitUntil((async () => {
    const t = await strings();
    const title = t.title + (data.area_name ? ': ' + data.area_name : '');
    await self.registration.showNotification(title, {
      body: fill(t.body, { title: data.title || '', time: clockTime(data.ack_deadline) }),
      tag: 'dispatch-' + (data.dispatch_id || 'new'),
      renotify: true,
      requireInteraction: true,
      vibrate: [500, 200, 500, 200, 800],
      data: { url: '/field', dispatch_id: data.dispatch_id },
    });
    for (const client of await self.clients.matchAll({ type: 'window' })) {
      client.postMessage({ type: 'push', data });
    }
  })());
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil((async () => {
    for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
      if (new URL(client.url).pathname.startsWith('/field')) return client.focus();
    }
    return self.clients.openWindow('/field');
  })());
});
