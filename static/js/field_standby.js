/* The tablet's standby notices: a warning (BMKG's, a partner's) puts the responders of the
 * affected districts on standby. A card with the warning and one button, "Saya siaga"; no
 * target, no travel, no report. Acknowledging goes through the same offline queue as an
 * assignment (field.js passes its `act`). */
(function () {
  'use strict';
  const K = window.Kendali;

  const LIVE = ['notified', 'acknowledged'];

  /** The standby notices still in force: not ended, and their warning not over. */
  function current(body) {
    return ((body && body.standby) || []).filter((s) => LIVE.includes(s.state) &&
      s.warning && s.warning.state === 'active' && Date.parse(s.warning.ends_at) > Date.now());
  }

  /** Cards for the notices in force. `shownState(item)` is the state once queued actions
   * are sent; `ack(item)` queues the acknowledgement. */
  K.standbyCards = function (body, shownState, ack) {
    return current(body).map((s) => {
      const shown = shownState(s);
      const w = s.warning;
      const until = K.formatTime(w.ends_at, K.viewerZone(), { clock: true }).slice(0, 5);
      return K.el('li', { class: 'assignment standby state-' + shown,
        dataset: { id: s.id, state: s.state, shown, kind: 'standby' } },
      K.el('div', { class: 'head' },
        K.el('span', { class: 'area', text: K.t('ui_standby') + ': ' + (s.area_name || s.area) }),
        K.el('span', { class: 'chip state-' + shown, text: shown === 'notified'
          ? K.tOr('state_notified', shown) : K.t('ui_standby_acked') })),
      K.el('p', { class: 'incident', text: [w.headline || w.event,
        K.tOr('severity_' + w.severity, w.severity)].filter(Boolean).join(' · ') }),
      K.el('p', { class: 'deadline', text: K.t('ui_standby_until', { time: until }) }),
      K.el('p', { class: 'hint muted', text: K.t('ui_standby_hint') }),
      w.instruction ? K.el('p', { class: 'instruction', text: w.instruction }) : null,
      shown === 'notified' ? K.el('div', { class: 'actions' }, K.el('button', {
        type: 'button', class: 'act act-acknowledged', text: K.t('ui_do_standby_ack'),
        dataset: { action: 'ack' }, onclick: () => ack(s) })) : null);
    });
  };
}());
