/* Photos of queued reports, kept as Blobs in IndexedDB until the server has them (the action
 * queue itself is JSON in localStorage; a photo is too large for it). One database per
 * browser profile, keyed by the report's client id. */
(function () {
  'use strict';
  const K = window.Kendali;
  const DB = 'kendali-field';
  const STORE = 'photos';
  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB, 1);
        req.onupgradeneeded = () => req.result.createObjectStore(STORE);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => { opening = null; reject(req.error); };
      });
    }
    return opening;
  }

  async function run(mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  K.blobs = {
    put: (key, blob) => run('readwrite', (s) => s.put(blob, key)),
    get: (key) => run('readonly', (s) => s.get(key)),
    del: (key) => run('readwrite', (s) => s.delete(key)),
    keys: () => run('readonly', (s) => s.getAllKeys()),
  };
}());
