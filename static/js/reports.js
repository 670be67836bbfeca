/* Reports from the ground under an incident (office): totals of people and needs per area
 * (each worker's latest report per area, added up across workers) and the latest reports
 * with their thumbnails. Everything from outside is set as text. */
(function () {
  'use strict';
  const K = window.Kendali;
  const COUNTS = ['affected', 'injured', 'dead', 'displaced', 'houses_damaged'];
  const LATEST = 3;

  function num(v) {
    return v === null || v === undefined ? '—' : K.formatNumber(v);
  }

  function needs(map) {
    return Object.entries(map || {}).map(([code, n]) =>
      K.tOr('ui_need_' + code, code) + (n > 1 ? ' ×' + n : '')).join(', ');
  }

  function totals(area) {
    const counts = {};
    for (const name of COUNTS) counts[name] = num(area.counts[name]);
    return K.el('li', { class: 'report-area', dataset: { area: area.code } },
      K.el('span', { class: 'name', text: area.name || area.code }),
      K.el('span', { class: 'muted', text: ' ' + K.t('ui_reports_from',
        { n: area.reports, people: area.responders }) }),
      K.el('div', { class: 'report-totals', text: K.t('ui_reports_totals', counts) }),
      Object.keys(area.needs || {}).length ? K.el('div', { class: 'report-needs',
        text: K.t('ui_needs') + ': ' + needs(area.needs) }) : null);
  }

  function item(r, zone) {
    const counts = COUNTS.filter((c) => r.counts[c] !== null && r.counts[c] !== undefined)
      .map((c) => K.t('ui_count_' + c) + ' ' + num(r.counts[c])).join(' · ');
    return K.el('li', { class: 'report-item', dataset: { reportId: r.id } },
      r.photo ? K.el('a', { href: r.photo.url, target: '_blank', rel: 'noopener' },
        K.el('img', { class: 'report-thumb', src: r.photo.thumbnail_url, alt: K.t('ui_photo'),
          loading: 'lazy' })) : null,
      K.el('div', { class: 'report-body' },
        K.el('div', { class: 'report-meta' },
          K.el('time', { text: K.formatTime(r.reported_at, zone, { clock: true }) }), ' · ',
          K.el('span', { text: (r.responder && r.responder.name) || '' }), ' · ',
          K.el('span', { text: r.area_name || r.area })),
        r.text ? K.el('p', { class: 'report-text', text: r.text }) : null,
        counts ? K.el('div', { class: 'muted', text: counts }) : null,
        r.needs.length ? K.el('div', { class: 'muted', text: K.t('ui_needs') + ': ' +
          r.needs.map((n) => K.tOr('ui_need_' + n, n)).join(', ') }) : null));
  }

  /** A block that fills itself from GET /api/v1/incidents/<id>/reports. */
  K.reportsBlock = function (incidentId, zone) {
    const node = K.el('div', { class: 'reports', dataset: { incidentId } });
    K.api('/api/v1/incidents/' + incidentId + '/reports?limit=' + LATEST).then((body) => {
      if (!body.reports.length) return;
      node.append(K.el('h4', { text: K.t('ui_reports') }),
        K.el('ul', { class: 'report-areas' }, body.areas.map(totals)),
        K.el('ol', { class: 'report-list' }, body.reports.map((r) => item(r, zone()))));
    }).catch(() => null);
    return node;
  };
}());
