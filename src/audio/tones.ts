import { SAMPLE_RATE, samplesFor, sharedPcm } from './pcm.js';

/**
 * Tones made in code, as shared 8 kHz PCM: Twilio's `<Record>` beep and the `<Dial>` ringback
 * tones. (`<Play digits>` tones are made by the media engine itself: src/sip/rtp/dtmf.ts.)
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
  writeTone(pcm, 0, length, [hz], BEEP_PEAK);
  return pcm;
}

/**
 * Writes `length` samples of the sum of sines at `hz` into `pcm` from `at`, each sine peaking at
 * `peak`, with raised-cosine edges (at most half the tone each).
 */
function writeTone(pcm: Int16Array, at: number, length: number, hz: readonly number[], peak: number): void {
  const ramp = Math.min(samplesFor(RAMP_MS), Math.floor(length / 2));
  for (let n = 0; n < length; n++) {
    const edge = Math.min(n, length - 1 - n);
    const gain = edge < ramp ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp) : 1;
    let s = 0;
    for (const f of hz) s += Math.sin((2 * Math.PI * f * n) / SAMPLE_RATE);
    pcm[at + n] = Math.round(s * peak * gain);
  }
}

/** A ringing tone (ITU-T E.180 §2.2): its frequencies, and its cadence as on/off pairs in ms. */
export interface RingbackTone {
  hz: readonly number[];
  cadenceMs: readonly number[];
}

const SINGLE = [1000, 4000];
/** The British double ring (0.4 on, 0.2 off, 0.4 on, 2.0 off), shared by several countries. */
const DOUBLE = [400, 200, 400, 2000];

/**
 * The ringing tone of every `<Dial ringTone>` code (dial.md §1), after ITU-T E.180 Supplement 2
 * (the national tones in use). A tone modulated at a low rate (Australia's 425 Hz × 25 Hz) is
 * written as its sidebands, which is the same signal.
 */
export const RINGBACK_TONES: Readonly<Record<string, RingbackTone>> = {
  us: { hz: [440, 480], cadenceMs: [2000, 4000] },
  'us-old': { hz: [380, 460], cadenceMs: [2000, 4000] },
  uk: { hz: [400, 450], cadenceMs: DOUBLE },
  au: { hz: [400, 425, 450], cadenceMs: DOUBLE },
  nz: { hz: [400, 450], cadenceMs: DOUBLE },
  in: { hz: [375, 425], cadenceMs: DOUBLE },
  my: { hz: [425], cadenceMs: DOUBLE },
  sg: { hz: [401, 449], cadenceMs: DOUBLE },
  za: { hz: [367, 433], cadenceMs: DOUBLE },
  tw: { hz: [440, 480], cadenceMs: [1000, 2000] },
  jp: { hz: [384, 416], cadenceMs: [1000, 2000] },
  at: { hz: [420], cadenceMs: [1000, 5000] },
  be: { hz: [425], cadenceMs: [1000, 3000] },
  cl: { hz: [400], cadenceMs: [1000, 3000] },
  il: { hz: [400], cadenceMs: [1000, 3000] },
  cn: { hz: [450], cadenceMs: SINGLE },
  th: { hz: [400], cadenceMs: SINGLE },
  fr: { hz: [440], cadenceMs: [1500, 3500] },
  es: { hz: [425], cadenceMs: [1500, 3000] },
  hu: { hz: [425], cadenceMs: [1250, 3750] },
  ru: { hz: [425], cadenceMs: [800, 3200] },
  pt: { hz: [425], cadenceMs: [1000, 5000] },
  se: { hz: [425], cadenceMs: [1000, 5000] },
  ...Object.fromEntries(
    ['bg', 'br', 'ch', 'cz', 'de', 'dk', 'ee', 'fi', 'gr', 'it', 'lt', 'mx', 'nl', 'no', 'ph', 'pl', 've'].map((code) => [code, { hz: [425], cadenceMs: SINGLE }]),
  ),
};

/** About −19 dBm0 per component (E.180 §2: ringing tone between −13 and −25 dBm0 in total). */
const RING_PEAK = 32767 * 10 ** (-22.17 / 20);

const ringbacks = new Map<string, Int16Array>();

/**
 * One whole cadence of the ringing tone for `code` as shared 8 kHz PCM, looped by the player.
 * Unknown codes and null get the US tone, which is also Twilio's default.
 */
export function ringback(code: string | null): Int16Array {
  const key = code !== null && RINGBACK_TONES[code] ? code : 'us';
  let pcm = ringbacks.get(key);
  if (pcm) return pcm;
  const { hz, cadenceMs } = RINGBACK_TONES[key];
  pcm = sharedPcm(samplesFor(cadenceMs.reduce((a, b) => a + b, 0)));
  let at = 0;
  cadenceMs.forEach((ms, i) => {
    const length = samplesFor(ms);
    if (i % 2 === 0) writeTone(pcm!, at, length, hz, RING_PEAK);
    at += length;
  });
  ringbacks.set(key, pcm);
  return pcm;
}
