import { concatPcm, SAMPLE_RATE, samplesFor, sharedPcm } from './pcm.js';

/**
 * Tones Switchboard plays itself: DTMF for `<Play digits>` (https://www.twilio.com/docs/voice/twiml/play#attributes-digits),
 * Twilio's `<Record>` beep, and silence. All return shared 8 kHz PCM.
 */

/** DTMF row and column frequencies in Hz (ITU-T Q.23; the event codes of RFC 4733 §3.2). */
const DTMF: Record<string, readonly [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

/**
 * Peak amplitude of a sine at -10 dBm0 in 16-bit linear PCM. G.711's digital milliwatt (0 dBm0)
 * is a sine 3.17 dB below full scale (ITU-T G.711 table 5), so -10 dBm0 is
 * 32767 · 10^(-13.17/20) ≈ 7,180. Two such tones peak at ≈ 14,400: no clipping, and inside the
 * -3 to -20 dBm0 per-tone window receivers accept (Q.24).
 */
const DTMF_TONE_PEAK = 32767 * 10 ** (-13.17 / 20);
/** The record beep a little louder than one DTMF tone (-6 dBm0), as a single sine. */
const BEEP_PEAK = 32767 * 10 ** (-9.17 / 20);
/** 4 ms raised-cosine edges: a tone that starts at full amplitude clicks across the band. */
const RAMP_MS = 4;

/** Tone and gap of each `<Play digits>` key: 100 ms each, common carrier timing and above Q.24's 40 ms minimum. */
export const DIGIT_TONE_MS = 100;
export const DIGIT_GAP_MS = 100;
/** `w` pauses half a second, `W` one second (Twilio's `<Play digits>` and `SendDigits`). */
export const SHORT_PAUSE_MS = 500;
export const LONG_PAUSE_MS = 1000;

export function silence(ms: number): Int16Array {
  return sharedPcm(samplesFor(ms));
}

/** The two-tone signal of one DTMF key (`0-9 * # A-D`, case-insensitive). */
export function dtmfTone(digit: string, ms = DIGIT_TONE_MS): Int16Array {
  const pair = DTMF[digit.toUpperCase()];
  if (!pair) throw new RangeError(`"${digit}" is not a DTMF key (0-9, *, #, A-D)`);
  return sines(pair, DTMF_TONE_PEAK, ms);
}

/** Twilio's `<Record playBeep>` beep: a 1 kHz tone, half a second by default. */
export function beep(ms = 500, hz = 1000): Int16Array {
  return sines([hz], BEEP_PEAK, ms);
}

/**
 * The audio of a `<Play digits>` string: each key is a 100 ms tone followed by a 100 ms gap;
 * `w` is 0.5 s and `W` 1 s of silence. Throws a RangeError on any other character (the TwiML
 * parser rejects those first, with warning 13430).
 */
export function digitsAudio(digits: string): Int16Array {
  const parts: Int16Array[] = [];
  for (const key of digits) {
    if (key === 'w') parts.push(silence(SHORT_PAUSE_MS));
    else if (key === 'W') parts.push(silence(LONG_PAUSE_MS));
    else parts.push(dtmfTone(key, DIGIT_TONE_MS), silence(DIGIT_GAP_MS));
  }
  return concatPcm(parts);
}

function sines(frequencies: readonly number[], peak: number, ms: number): Int16Array {
  const length = samplesFor(ms);
  const pcm = sharedPcm(length);
  const ramp = Math.min(samplesFor(RAMP_MS), Math.floor(length / 2));
  const steps = frequencies.map((hz) => (2 * Math.PI * hz) / SAMPLE_RATE);
  for (let n = 0; n < length; n++) {
    let value = 0;
    for (const step of steps) value += Math.sin(step * n);
    const edge = Math.min(n, length - 1 - n);
    const gain = edge < ramp ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp) : 1;
    pcm[n] = Math.round(value * peak * gain);
  }
  return pcm;
}
