/* API errors in the page's language. The API answers in English for integrators
 * ({"error", "fields": {name: why}}); a page shows what the status means and which fields are
 * wrong, translated (err_*, field_label_*), with the server's own words kept as a tooltip. */
(function () {
  'use strict';
  const K = (window.Kendali = window.Kendali || {});

  /** Known reasons, recognised in the server's text of a field: the translated key. */
  const REASONS = [
    [/^required/, 'err_why_required'],
    [/no unit|unit id/, 'err_why_unit'],
    [/district code|not an area|no such district|district or lat/, 'err_why_district'],
    [/already (notified|acknowledged|en_route|on_site)/, 'err_why_busy'],
    [/off duty/, 'err_why_off_duty'],
    [/km from the area/, 'err_why_too_far'],
    [/no such active responder/, 'err_why_no_responder'],
    [/^from [a-z_]+:/, 'err_why_transition'],
    [/follows complaint/, 'err_why_group'],
    [/taken/, 'err_why_taken'],
    [/not a valid polygon|outside Indonesia|larger than/, 'err_why_polygon'],
  ];

  function reason(field, text) {
    for (const [pattern, key] of REASONS) if (pattern.test(text || '')) return K.t(key);
    return null;
  }

  function fieldText(name, text) {
    const label = K.tOr('field_label_' + name.replace(/\./g, '_'), name);
    const why = reason(name, text);
    return why ? label + ': ' + why : label;
  }

  /** The translated text of an error thrown by K.api (or a network failure). */
  K.errorText = function (err) {
    if (!(err instanceof K.ApiError)) {
      // fetch() rejects with a TypeError when the network fails; anything else is a bug here
      if (!(err instanceof TypeError && /fetch|network/i.test(err.message))) console.error(err);
      return K.t('ui_network_error');
    }
    const status = err.status;
    const base = K.tOr('err_' + status, K.t(status >= 500 ? 'err_5xx' : 'err_4xx'));
    const fields = Object.entries((err.body && err.body.fields) || {})
      .map(([name, text]) => fieldText(name, String(text)));
    return fields.length ? base + ' — ' + fields.join('; ') : base;
  };

  /** Put an error into `node`: translated text, the server's words as a tooltip. */
  K.showError = function (node, err) {
    if (!node) return;
    node.textContent = K.errorText(err);
    if (err instanceof K.ApiError) {
      const fields = Object.entries(err.body.fields || {}).map(([k, v]) => k + ': ' + v);
      node.title = [err.body.error || ''].concat(fields).join(' — ');
    } else {
      node.removeAttribute('title');
    }
  };
}());
