/* Interface text for scripts. The server renders the strings of the viewer's language
 * (Bahasa Indonesia by default, English with ?lang=en) into a JSON block,
 * <script type="application/json" id="kendali-strings">, which is data, not code: the
 * Content-Security-Policy forbids inline scripts. */
(function () {
  'use strict';
  const K = (window.Kendali = window.Kendali || {});
  let strings = {};
  const block = document.getElementById('kendali-strings');
  if (block) {
    try {
      strings = JSON.parse(block.textContent || '{}');
    } catch (e) {
      strings = {};
    }
  }
  K.lang = document.documentElement.lang || 'id';

  /** t('ui_max_mmi', {mmi: 'V'}) replaces {mmi}; an unknown key shows itself. */
  K.t = function (key, vars) {
    let text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, (m, name) =>
        (vars[name] === undefined || vars[name] === null ? '' : String(vars[name])));
    }
    return text;
  };

  /** t() for an optional key: a fallback text when the key does not exist. */
  K.tOr = function (key, fallback, vars) {
    return Object.prototype.hasOwnProperty.call(strings, key) ? K.t(key, vars) : fallback;
  };
}());
