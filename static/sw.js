/* Service worker of the field tablet (served at /field/sw.js, scope /field).
 *
 * - The page (/field) is fetched from the network first and kept; offline, the kept copy is
 *   served. A redirect (to /login: signed out) is never kept.
 * - Bundles, stylesheets and Leaflet images are served from the cache first (their URLs carry
 *   a version), and kept as they are fetched; the page sends the list of its own assets once
 *   the worker is ready ("precache"), and entries of other versions are dropped then.
 * - API calls, Socket.IO and every non-GET request pass straight through: the page keeps its
 *   last data and queues its actions itself, so nothing here can replay a write.
 */
'use strict';

const CACHE = 'kendali-field-1';
const ASSET_PREFIXES = ['/static/', '/vendor/'];

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isAsset(url) {
  return ASSET_PREFIXES.some((p) => url.pathname.startsWith(p));
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type !== 'precache' || !Array.isArray(data.urls)) return;
  event.waitUntil((async () => {
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
    if (event.source) event.source.postMessage({ type: 'cached', count });
  })());
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

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname.startsWith('/field')) {
    event.respondWith(networkFirst(request));
  } else if (isAsset(url)) {
    event.respondWith(cacheFirst(request));
  }
});
