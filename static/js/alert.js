/* The quake alert: three tones through WebAudio (no sound file to fetch), shared by the wall
 * and the office. Browsers play it only after a user gesture, unless the kiosk browser runs
 * with --autoplay-policy=no-user-gesture-required; `blocked` says when it could not play. */
(function () {
  'use strict';
  const K = (window.Kendali = window.Kendali || {});
  let audio = null;

  /** Sound the alert; returns true when it was scheduled (false: no device, or blocked). */
  function play() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === 'suspended') audio.resume();
      const t0 = audio.currentTime + 0.05;
      for (let i = 0; i < 3; i++) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = 'square';
        osc.frequency.value = i === 2 ? 1175 : 880;
        gain.gain.setValueAtTime(0.0001, t0 + i * 0.45);
        gain.gain.exponentialRampToValueAtTime(0.25, t0 + i * 0.45 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.45 + 0.35);
        osc.connect(gain).connect(audio.destination);
        osc.start(t0 + i * 0.45);
        osc.stop(t0 + i * 0.45 + 0.4);
      }
      return audio.state !== 'suspended';
    } catch (err) {
      return false; // no audio device: the banner or the focus is the alert
    }
  }

  K.alert = {
    play,
    /** True while the browser still refuses to play without a click on the page. */
    get blocked() {
      return !!audio && audio.state === 'suspended';
    },
  };
}());
