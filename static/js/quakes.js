/* Which quake matters: one rule for the wall's focus and the office's banner, decided on an
 * event's own fields (never on what a detail fetch returns later), and how old it is. */
(function () {
  'use strict';
  const K = (window.Kendali = window.Kendali || {});

  /** Significant: worth the focus, a frame and the alert (M >= 5 or intensity V and up). */
  function significant(p) {
    return (p.magnitude || 0) >= 5 || (p.max_mmi || 0) >= 5;
  }

  /** Recent enough to be an active quake: not a backfill of the past, not in the future
   * (beyond a little clock skew), and no older than `quietMs` by this screen's clock. (An
   * event marked `fresh: false` never gets this far: pages drop it before.) */
  function recent(p, now, quietMs) {
    if (!p || p.backfilled) return false;
    const age = now - Date.parse(p.origin_time);
    return age >= -5 * 60e3 && age <= quietMs;
  }

  /** Order of significance: tsunami potential first, then the highest intensity (its MMI
   * level, as shown), then magnitude, then the newer one. Negative when `a` matters more. */
  function compare(a, b) {
    const keys = (p) => [p.tsunami ? 1 : 0, Math.round(p.max_mmi || 0), p.magnitude || 0,
      Date.parse(p.origin_time) || 0];
    const ka = keys(a);
    const kb = keys(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return kb[i] - ka[i];
    return 0;
  }

  /** The most significant of `quakes` that is recent and significant, or null. */
  function mostSignificant(quakes, now, quietMs) {
    let best = null;
    for (const p of quakes) {
      if (!recent(p, now, quietMs) || !significant(p)) continue;
      if (!best || compare(p, best) < 0) best = p;
    }
    return best;
  }

  /** The newest of `quakes` (by origin time), or null. */
  function newest(quakes) {
    let out = null;
    for (const p of quakes) {
      if (!out || Date.parse(p.origin_time) > Date.parse(out.origin_time)) out = p;
    }
    return out;
  }

  /** "40 menit lalu", "2 jam lalu", "3 hari lalu" (or English). */
  K.ago = function (value, now) {
    const ms = (now || Date.now()) - (value instanceof Date ? value.getTime() : Date.parse(value));
    if (!isFinite(ms)) return '';
    const minutes = Math.floor(ms / 60e3);
    if (minutes < 1) return K.t('ui_ago_now');
    if (minutes < 60) return K.t('ui_ago_minutes', { n: minutes });
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return K.t('ui_ago_hours', { n: hours });
    const days = Math.floor(hours / 24);
    if (days < 730) return K.t('ui_ago_days', { n: days });
    return K.t('ui_ago_years', { n: Math.floor(days / 365) });
  };

  /** A long duration in words: "6 jam" (the quiet period on the card). */
  K.duration = function (seconds) {
    const hours = seconds / 3600;
    if (hours >= 48 && hours % 24 === 0) return K.t('ui_n_days', { n: hours / 24 });
    if (hours >= 1) return K.t('ui_n_hours', { n: Math.round(hours * 10) / 10 });
    return K.t('ui_n_minutes', { n: Math.round(seconds / 60) });
  };

  /** 1.234.567 -> "1,2 jt" / "1.2 M": exposure at a glance. */
  K.compact = function (n) {
    if (n === null || n === undefined || !isFinite(n)) return '—';
    if (n >= 1e6) return K.formatNumber(n / 1e6, 1) + ' ' + K.t('ui_million');
    if (n >= 1e4) return K.formatNumber(n / 1e3, 0) + ' ' + K.t('ui_thousand');
    return K.formatNumber(n);
  };

  K.quakes = { significant, recent, compare, mostSignificant, newest };
}());
