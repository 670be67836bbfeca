/* Timeline playback: the last 24 hours of the event log (in the viewer's scope), replayed at
 * speed onto the page's ticker and map. The first event of the window is found by bisecting
 * the log's sequence numbers (GET /api/v1/events?since=S&limit=1), then the window is read
 * forwards in pages of 1,000 (at most MAX_EVENTS). */
(function () {
  'use strict';
  const K = (window.Kendali = window.Kendali || {});
  const PAGE = 1000;
  const MAX_EVENTS = 20000;
  const TICK_MS = 250;
  const HOLD_MS = 15000;

  /** True when every event in scope after `since` happened at or after `time`. */
  async function allAfter(since, time) {
    const body = await K.api('/api/v1/events?' + K.query({ since, limit: 1 }));
    const ev = body.events[0];
    return { ok: !ev || new Date(ev.time).getTime() >= time, ev };
  }

  /** The smallest `since` from which the log (in scope) holds only events from `time` on.
   * The predicate is monotone in `since`, so bisect: ~log2(lastSeq) small requests. */
  async function firstSeqAfter(time, lastSeq) {
    if ((await allAfter(0, time)).ok) return 0;
    let lo = 0; // predicate false
    let hi = Math.max(lastSeq, 1); // predicate true (nothing after the last seq)
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const { ok, ev } = await allAfter(mid, time);
      if (ok) hi = mid;
      else lo = Math.max(mid, Math.min(ev.seq - 1, hi - 1)); // nothing to find before ev
    }
    return hi;
  }

  class Playback {
    /** opts: {onEvent(msg), onClock(date), onState(playing, info)} */
    constructor(opts) {
      this.opts = opts;
      this.events = [];
      this.timer = null;
      this.playing = false;
    }

    async load(hours) {
      const end = Date.now();
      const start = end - (hours || 24) * 3600e3;
      const health = await K.api('/healthz');
      let since = await firstSeqAfter(start, health.event_seq || 0);
      const out = [];
      while (out.length < MAX_EVENTS) {
        const body = await K.api('/api/v1/events?' + K.query({ since, limit: PAGE }));
        for (const ev of body.events) {
          if (new Date(ev.time).getTime() >= start) out.push(ev);
        }
        if (body.events.length < PAGE) break;
        since = body.events[body.events.length - 1].seq;
      }
      this.events = out.slice(0, MAX_EVENTS);
      return { start, end, count: this.events.length };
    }

    async play(speed) {
      this.stop();
      this.playing = true;
      this.opts.onState(true, { loading: true });
      let window24;
      try {
        window24 = await this.load(24);
      } catch (err) {
        this.playing = false;
        this.opts.onState(false, { error: true });
        return;
      }
      if (!this.playing) return; // stopped while loading
      this.opts.onState(true, { count: window24.count });
      const began = Date.now();
      // Skip the silence before the first event (a quiet night is not worth watching).
      const first = this.events.length ? new Date(this.events[0].time).getTime() : window24.end;
      const from = Math.max(window24.start, Math.min(first, window24.end) - 60e3);
      let index = 0;
      this.timer = setInterval(() => {
        const virtual = from + (Date.now() - began) * speed;
        while (index < this.events.length &&
          new Date(this.events[index].time).getTime() <= virtual) {
          this.opts.onEvent(this.events[index]);
          index += 1;
        }
        this.opts.onClock(new Date(Math.min(virtual, window24.end)));
        if (virtual >= window24.end) {
          // The end: leave the last picture up a moment, then give the page back to live.
          clearInterval(this.timer);
          this.timer = null;
          this.hold = setTimeout(() => this.stop(), HOLD_MS);
        }
      }, TICK_MS);
    }

    stop() {
      clearInterval(this.timer);
      clearTimeout(this.hold);
      this.timer = null;
      const was = this.playing;
      this.playing = false;
      this.events = [];
      if (was) this.opts.onState(false, {});
    }
  }

  /** Wire play / stop buttons, a speed select and a clock element to a Playback. */
  K.bindPlayback = function (root, handlers) {
    if (!root) return null;
    const play = root.querySelector('[data-play]');
    const stop = root.querySelector('[data-stop]');
    const speed = root.querySelector('[data-speed]');
    const clock = root.querySelector('[data-clock]');
    const playback = new Playback({
      onEvent: handlers.onEvent,
      onClock: (date) => {
        if (clock) clock.textContent = K.formatTime(date, handlers.zone ? handlers.zone() : null);
      },
      onState: (playing, info) => {
        root.classList.toggle('playing', playing);
        if (play) play.disabled = playing;
        if (stop) stop.disabled = !playing;
        if (clock) {
          if (info.loading) clock.textContent = K.t('ui_playback_loading');
          else if (info.error) clock.textContent = K.t('ui_playback_error');
          else if (!playing) clock.textContent = '';
        }
        handlers.onState(playing, info);
      },
    });
    if (play) play.addEventListener('click', () => playback.play(Number(speed ? speed.value : 60)));
    if (stop) {
      stop.disabled = true;
      stop.addEventListener('click', () => playback.stop());
    }
    return playback;
  };

  K.Playback = Playback;
}());
