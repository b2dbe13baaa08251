import { SAMPLE_RATE, samplesFor, sharedPcm } from './pcm.js';

/**
 * Twilio's `<Record>` beep, as shared 8 kHz PCM. (`<Play digits>` tones are made by the media
 * engine itself: src/sip/rtp/dtmf.ts.)
 */

/**
 * The record beep at -6 dBm0, as a single sine. G.711's digital milliwatt (0 dBm0) is a sine
 * 3.17 dB below full scale (ITU-T G.711 table 5), so -6 dBm0 is 32767 · 10^(-9.17/20).
 */
const BEEP_PEAK = 32767 * 10 ** (-9.17 / 20);
/** 4 ms raised-cosine edges: a tone that starts at full amplitude clicks across the band. */
const RAMP_MS = 4;

/** Twilio's `<Record playBeep>` beep: a 1 kHz tone, half a second by default. */
export function beep(ms = 500, hz = 1000): Int16Array {
  const length = samplesFor(ms);
  const pcm = sharedPcm(length);
  const ramp = Math.min(samplesFor(RAMP_MS), Math.floor(length / 2));
  const step = (2 * Math.PI * hz) / SAMPLE_RATE;
  for (let n = 0; n < length; n++) {
    const edge = Math.min(n, length - 1 - n);
    const gain = edge < ramp ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp) : 1;
    pcm[n] = Math.round(Math.sin(step * n) * BEEP_PEAK * gain);
  }
  return pcm;
}
