/* Reports from the ground (laporan lapangan) on the tablet: the form of one assignment, checked
 * here as the server will check it (whole counts >= 0, a photo of an image type under the
 * size limit), then queued like any action: the report as JSON in the ordered queue, its photo
 * as a Blob in IndexedDB (K.blobs). Sent with its client id, so a report re-sent after a lost
 * answer is stored once. A small log per assignment says what was sent and what waits. */
(function () {
  'use strict';
  const K = window.Kendali;
  const $ = K.$;
  const COUNTS = ['affected', 'injured', 'dead', 'displaced', 'houses_damaged'];
  const TYPES = ['image/jpeg', 'image/png', 'image/webp'];

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
  }

  class FieldReports {
    /** opts: {logKey, maxBytes, enqueue(item), here() -> {lat, lon} | null, onChange()} */
    constructor(opts) {
      this.opts = opts;
      this.form = $('#report');
      this.panel = $('#report-panel');
      this.log = K.store.get(opts.logKey, []);
      this.assignment = null;
      this.form.addEventListener('submit', (e) => {
        e.preventDefault();
        this.submit();
      });
      $('#report-cancel').addEventListener('click', () => this.close());
      this.form.photo.addEventListener('change', () => this.preview());
      $('#photo-remove').addEventListener('click', () => {
        this.form.photo.value = '';
        this.preview();
      });
    }

    open(a) {
      this.assignment = a;
      this.form.reset();
      this.preview();
      this.error('');
      $('#report-title').textContent = K.t('ui_report_title', { area: a.area_name || a.area });
      this.form.with_position.checked = !!this.opts.here();
      this.form.with_position.disabled = !this.opts.here();
      this.panel.hidden = false;
      this.panel.scrollIntoView({ block: 'start' });
      this.form.text.focus();
    }

    close() {
      this.panel.hidden = true;
      this.assignment = null;
      this.form.reset();
      this.preview();
    }

    preview() {
      const img = $('#photo-preview');
      if (img.src) URL.revokeObjectURL(img.src);
      const file = this.form.photo.files && this.form.photo.files[0];
      img.hidden = !file;
      $('#photo-remove').hidden = !file;
      if (file) img.src = URL.createObjectURL(file);
      else img.removeAttribute('src');
    }

    error(text) {
      $('#report-error').textContent = text;
    }

    /** The report's JSON from the form, or null (and a message) when something is wrong. */
    read() {
      const f = this.form;
      const counts = {};
      for (const name of COUNTS) {
        const raw = f[name].value.trim();
        f[name].classList.remove('invalid');
        if (raw === '') continue;
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 0) {
          f[name].classList.add('invalid');
          this.error(K.t('ui_count_invalid'));
          return null;
        }
        counts[name] = n;
      }
      const needs = Array.from(f.querySelectorAll('input[name=needs]:checked')).map((x) => x.value);
      const report = { assignment_id: this.assignment.id, client_id: uuid(),
        text: f.text.value.trim(), counts, needs, at: new Date().toISOString(),
        share_photo_location: f.share_photo_location.checked };
      const here = this.opts.here();
      if (f.with_position.checked && here) {
        report.position = { lat: Number(here.lat.toFixed(6)), lon: Number(here.lon.toFixed(6)) };
      }
      return report;
    }

    async submit() {
      if (!this.assignment) return;
      const report = this.read();
      if (!report) return;
      const file = this.form.photo.files && this.form.photo.files[0];
      if (file && !TYPES.includes(file.type)) {
        this.error(K.t('ui_photo_not_image'));
        return;
      }
      if (file && file.size > this.opts.maxBytes) {
        this.error(K.t('ui_photo_too_big', { mb: Math.floor(this.opts.maxBytes / 1048576) }));
        return;
      }
      if (file) await K.blobs.put(report.client_id, file); // before the queue names it
      const a = this.assignment;
      this.log.push({ clientId: report.client_id, dispatchId: a.id, at: report.at,
        status: 'queued' });
      this.save();
      this.opts.enqueue({ kind: 'report', dispatchId: a.id, area: a.area_name || a.area,
        url: '/api/v1/me/reports', report, photo: !!file, clientId: report.client_id });
      this.close();
      window.scrollTo({ top: 0 }); // the queue's line and the map, where the worker left off
    }

    save() {
      this.log = this.log.slice(-200);
      K.store.set(this.opts.logKey, this.log);
      if (this.opts.onChange) this.opts.onChange();
    }

    mark(clientId, status, id) {
      const entry = this.log.find((x) => x.clientId === clientId);
      if (entry) Object.assign(entry, { status, id: id || entry.id });
      this.save();
    }

    summary(dispatchId) {
      const mine = this.log.filter((x) => x.dispatchId === dispatchId);
      return { sent: mine.filter((x) => x.status === 'sent').length,
        queued: mine.filter((x) => x.status === 'queued').length };
    }
  }

  K.FieldReports = FieldReports;

  /** Send one queued report (multipart: `report` JSON, optional `photo`). */
  K.sendReport = async function (item) {
    const form = new FormData();
    form.append('report', JSON.stringify(item.report));
    if (item.photo) {
      // A photo the browser lost (storage cleared) must not cost the report itself.
      const blob = await K.blobs.get(item.clientId).catch(() => null);
      if (blob) form.append('photo', blob, 'foto-' + item.clientId.slice(0, 8));
      else item.lostPhoto = true;
    }
    const body = await K.api(item.url, { method: 'POST', form });
    if (item.photo) await K.blobs.del(item.clientId);
    return body;
  };
}());
