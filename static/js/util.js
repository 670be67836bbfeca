/* Kendali shared helpers: DOM building (text only, never HTML from data), JSON API calls
 * with the CSRF header, local storage, time zones WIB/WITA/WIT, number formats. */
(function () {
  'use strict';
  const K = (window.Kendali = window.Kendali || {});

  /** The page's settings, from data attributes on <main id="app"> (no inline script). */
  const app = document.getElementById('app');
  K.config = app ? Object.assign({}, app.dataset) : {};

  /** Event names, from the server's single list (server/realtime/events.py), as JSON data. */
  const evBlock = document.getElementById('kendali-events');
  K.ev = evBlock ? JSON.parse(evBlock.textContent) : {};
  /** 'quake.created' -> 'quake.*' (the live bus's family pattern). */
  K.family = (name) => name.slice(0, name.indexOf('.')) + '.*';
  K.sameFamily = (type, name) => type.startsWith(name.slice(0, name.indexOf('.') + 1));

  /** el('li', {class: 'x', dataset: {id: 3}, onclick: fn}, 'text', childNode, ...) */
  K.el = function (tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else if (name.startsWith('on') && typeof value === 'function') {
        node.addEventListener(name.slice(2), value);
      } else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  K.clear = function (node) {
    while (node && node.firstChild) node.removeChild(node.firstChild);
    return node;
  };

  K.$ = (selector, root) => (root || document).querySelector(selector);

  K.csrf = function () {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  };

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || 'HTTP ' + status);
      this.status = status;
      this.body = body || {};
    }
  }
  K.ApiError = ApiError;

  /** fetch JSON; non-GET requests carry the session's CSRF token; `form` (FormData) is sent
   * as multipart/form-data. Throws ApiError or a TypeError (network down). */
  K.api = async function (url, options) {
    const opts = options || {};
    const method = opts.method || 'GET';
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = K.csrf();
    let body;
    if (opts.form !== undefined) {
      body = opts.form; // the browser sets the multipart boundary itself
    } else if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(url, {
      method, headers, body, credentials: 'same-origin', cache: opts.cache || 'no-store',
      signal: opts.signal,
    });
    let data = null;
    const type = res.headers.get('Content-Type') || '';
    if (type.includes('json')) data = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  };

  K.query = function (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== null && v !== undefined && v !== '') q.set(k, v);
    }
    return q.toString();
  };

  K.store = {
    get(key, fallback) {
      try {
        const raw = window.localStorage.getItem(key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) {
        return fallback;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, JSON.stringify(value));
      } catch (e) { /* full or disabled: the page still works, it just forgets */ }
    },
  };

  K.debounce = function (fn, ms) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), ms);
    };
  };

  // -- time zones: stored UTC, shown in WIB (UTC+7), WITA (UTC+8) or WIT (UTC+9) ------------
  K.ZONES = { WIB: 7, WITA: 8, WIT: 9 };
  const WITA_PROVINCES = ['51', '52', '53', '63', '64', '65', '71', '72', '73', '74', '75', '76'];

  /** The zone of a longitude: WIB < 114.5°E ≤ WITA < 127.5°E ≤ WIT (the quake's local time). */
  K.zoneOfLon = function (lon) {
    if (typeof lon !== 'number' || !isFinite(lon)) return 'WIB';
    if (lon < 114.5) return 'WIB';
    return lon < 127.5 ? 'WITA' : 'WIT';
  };

  /** The zone of a Kemendagri area code, by its province (Maluku 8x, Papua 9x: WIT). */
  K.zoneOfCode = function (code) {
    const province = String(code || '').slice(0, 2);
    if (!province) return null;
    if (province[0] === '8' || province[0] === '9') return 'WIT';
    return WITA_PROVINCES.includes(province) ? 'WITA' : 'WIB';
  };

  /** The viewer's zone: its region's, else the device's if Indonesian, else WIB. */
  K.viewerZone = function () {
    const byRegion = K.zoneOfCode(K.config.region);
    if (byRegion) return byRegion;
    const offset = -new Date().getTimezoneOffset() / 60;
    if (K.config.page === 'field') {
      for (const [name, hours] of Object.entries(K.ZONES)) if (hours === offset) return name;
    }
    return 'WIB';
  };

  const pad = (n) => String(n).padStart(2, '0');

  /** '14 Des 2021 10:20:23 WITA' (or only the clock with {clock: true}). */
  K.formatTime = function (value, zone, opts) {
    if (!value) return '—';
    const date = value instanceof Date ? value : new Date(value);
    if (isNaN(date)) return '—';
    const z = zone || K.viewerZone();
    const local = new Date(date.getTime() + K.ZONES[z] * 3600e3);
    const clock = pad(local.getUTCHours()) + ':' + pad(local.getUTCMinutes()) + ':' +
      pad(local.getUTCSeconds());
    if (opts && opts.clock) return clock + ' ' + z;
    const months = K.t('ui_months').split(',');
    return local.getUTCDate() + ' ' + months[local.getUTCMonth()] + ' ' +
      local.getUTCFullYear() + ' ' + clock + ' ' + z;
  };

  K.formatNumber = function (n, digits) {
    if (n === null || n === undefined || !isFinite(n)) return '—';
    const locale = K.lang === 'en' ? 'en-GB' : 'id-ID';
    return new Intl.NumberFormat(locale, {
      maximumFractionDigits: digits === undefined ? 0 : digits,
      minimumFractionDigits: digits === undefined ? 0 : digits,
    }).format(n);
  };

  const ROMAN = ['0', 'I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];
  /** MMI as a Roman numeral (rounded to the nearest level). */
  K.roman = function (mmi) {
    if (mmi === null || mmi === undefined || !isFinite(mmi)) return '—';
    return ROMAN[Math.max(0, Math.min(12, Math.round(mmi)))];
  };

  /** Compass point for a bearing in degrees (16 points, localised). */
  K.compass = function (deg) {
    if (deg === null || deg === undefined || !isFinite(deg)) return '';
    const names = K.t('ui_compass').split(',');
    return names[Math.round(((deg % 360) + 360) % 360 / 22.5) % 16];
  };

  /** Download text as a file (blob: URL; nothing leaves the browser). */
  K.download = function (filename, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type: type || 'text/plain' }));
    const a = K.el('a', { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
}());
