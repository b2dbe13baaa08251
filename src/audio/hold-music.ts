import { SAMPLE_RATE, samplesFor } from './pcm.js';
import { encodeWav } from './wav.js';

/**
 * The built-in hold music and conference beep, synthesised at start (no files shipped, no
 * internet): 8 kHz 16-bit PCM WAV, what a phone leg plays without resampling.
 */

/** I–vi–IV–V in C: each chord's notes in Hz (C4 E4 G4, A3 C4 E4, F3 A3 C4, G3 B3 D4), with the bass an octave down. */
const CHORDS: readonly (readonly number[])[] = [
  [130.81, 261.63, 329.63, 392.0],
  [110.0, 220.0, 261.63, 329.63],
  [87.31, 174.61, 220.0, 261.63],
  [98.0, 196.0, 246.94, 293.66],
];
const CHORD_MS = 1500;
/** Quiet enough to sit under speech: the sum of four notes peaks near -12 dBFS. */
const NOTE_PEAK = 2000;

/**
 * Six seconds of soft chords (each with a short attack and a long decay, like a struck
 * string), which loop without a click because every chord fades to zero.
 */
export function holdMusicPcm(): Int16Array {
  const perChord = samplesFor(CHORD_MS);
  const pcm = new Int16Array(perChord * CHORDS.length);
  const attack = samplesFor(30);
  CHORDS.forEach((notes, index) => {
    for (let n = 0; n < perChord; n++) {
      const envelope = n < attack ? n / attack : Math.exp((-3 * (n - attack)) / perChord) * (1 - (n - attack) / (perChord - attack));
      let s = 0;
      // A gentle second harmonic makes the sines sound less like test tones.
      for (const hz of notes) s += Math.sin((2 * Math.PI * hz * n) / SAMPLE_RATE) + 0.25 * Math.sin((4 * Math.PI * hz * n) / SAMPLE_RATE);
      pcm[index * perChord + n] = Math.round(s * NOTE_PEAK * envelope);
    }
  });
  return pcm;
}

/** A conference join/leave beep: 250 ms, two partials (880 and 1320 Hz) fading out. */
export function conferenceBeepPcm(): Int16Array {
  const length = samplesFor(250);
  const pcm = new Int16Array(length);
  for (let n = 0; n < length; n++) {
    const envelope = Math.min(1, n / samplesFor(5)) * (1 - n / length);
    const s = Math.sin((2 * Math.PI * 880 * n) / SAMPLE_RATE) + 0.5 * Math.sin((2 * Math.PI * 1320 * n) / SAMPLE_RATE);
    pcm[n] = Math.round(s * 6000 * envelope);
  }
  return pcm;
}

export const holdMusicWav = (): Buffer => encodeWav(holdMusicPcm());
export const conferenceBeepWav = (): Buffer => encodeWav(conferenceBeepPcm());
