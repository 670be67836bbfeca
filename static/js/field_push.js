/* Web Push on the tablet: subscribe this browser with the server's VAPID key and hand the
 * subscription to Kendali, so a new assignment wakes the tablet even with the page closed (the
 * service worker shows it, with vibration). Asking for permission needs a tap (browsers allow
 * it only then); once granted, every visit checks that the server still has the subscription. */
(function () {
  'use strict';
  const K = window.Kendali;
  const $ = K.$;

  function keyBytes(b64url) {
    const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - b64url.length % 4) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  function sameKey(sub, bytes) {
    const have = sub.options && sub.options.applicationServerKey;
    if (!have) return true;
    const a = new Uint8Array(have);
    return a.length === bytes.length && a.every((v, i) => v === bytes[i]);
  }

  function show(state, text) {
    $('#app').dataset.push = state;
    $('#push-text').textContent = text;
    $('#push-enable').hidden = !['off', 'failed'].includes(state);
  }

  function supported() {
    return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  }

  /** Subscribe (or re-check the subscription); `asked` when a tap started it. */
  async function sync(asked) {
    if (!supported()) return show('unsupported', K.t('ui_push_unsupported'));
    let permission = Notification.permission;
    if (permission === 'default' && asked) permission = await Notification.requestPermission();
    if (permission === 'denied') return show('denied', K.t('ui_push_denied'));
    if (permission !== 'granted') return show('off', '');
    try {
      const reg = await navigator.serviceWorker.ready;
      const key = keyBytes((await K.api('/api/v1/push/vapid-public-key')).public_key);
      let sub = await reg.pushManager.getSubscription();
      if (sub && !sameKey(sub, key)) {
        await sub.unsubscribe(); // the server's key changed: the old one cannot be used
        sub = null;
      }
      if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      await K.api('/api/v1/me/push-subscriptions', { method: 'POST', body: sub.toJSON() });
      show('on', K.t('ui_push_on'));
    } catch (err) {
      show('failed', K.t('ui_push_failed', { error: (err && err.message) || String(err) }));
    }
  }

  /** Before signing out: this tablet stops receiving the account's alerts (best effort). */
  async function forget() {
    if (!supported()) return;
    try {
      const reg = await navigator.serviceWorker.getRegistration('/field');
      const sub = reg && await reg.pushManager.getSubscription();
      if (!sub) return;
      await Promise.race([
        K.api('/api/v1/me/push-subscriptions', { method: 'DELETE', body: { endpoint: sub.endpoint } }),
        new Promise((resolve) => setTimeout(resolve, 1500)),
      ]);
      await sub.unsubscribe();
    } catch (err) { /* offline: the server forgets it when the push service says it is gone */ }
  }

  K.push = { sync, forget };
  $('#push-enable').addEventListener('click', () => sync(true));
}());
