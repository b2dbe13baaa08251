import { checkAudioTools, type AudioToolPaths } from '../audio/audio-tools.js';
import { EspeakTts } from '../audio/espeak-tts.js';
import { SAMPLE_RATE, samplesFor, sharedPcm } from '../audio/pcm.js';
import type { Tts } from '../ports/tts.js';
import { sayDurationMs } from './sim-timing.js';

/**
 * The voice simulated phones speak with, so that what `/sim/v1/calls/{sid}/speech` says is
 * sound in a `<Record>` (trimmed, timed, posted like a real caller's words): espeak-ng when the
 * machine has it (with ffmpeg, which resamples it), else a speech-shaped signal. `warning` is
 * the startup notice for the fallback, null when espeak-ng speaks.
 */
export async function defaultPhoneVoice(paths: AudioToolPaths = {}): Promise<{ tts: Tts; warning: string | null }> {
  const tools = await checkAudioTools(paths);
  if (tools.espeak && tools.ffmpeg) return { tts: new EspeakTts({ espeakPath: paths.espeak, ffmpegPath: paths.ffmpeg }), warning: null };
  return {
    tts: new SpeechShapedTts(),
    warning: `simulated phones speak a speech-shaped signal instead of words (${tools.warnings.join('; ')})`,
  };
}

/** Syllable timing of the fallback voice: a voiced burst, then a short gap. */
const SYLLABLE_MS = 200;
const VOICED_MS = 150;
/** A male speaking pitch, and harmonics falling off as a voice's do. */
const PITCH_HZ = 120;
const HARMONICS = [1, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08];
const PEAK = 9000;

/**
 * Without espeak-ng: words become a signal with speech's shape and the simulated speaking rate
 * (`sayDurationMs`), syllable-like voiced bursts at a speaking pitch, loud enough to be sound
 * and not silence to `trim-silence` and the silence timeout. Deterministic: the same words give
 * the same samples.
 */
export class SpeechShapedTts implements Tts {
  async render(text: string): Promise<Int16Array> {
    if (text.trim() === '') return sharedPcm(0);
    const total = samplesFor(sayDurationMs(text));
    const syllable = samplesFor(SYLLABLE_MS);
    const voiced = samplesFor(VOICED_MS);
    const norm = HARMONICS.reduce((sum, a) => sum + a, 0);
    const pcm = sharedPcm(total);
    for (let i = 0; i < total; i++) {
      const inSyllable = i % syllable;
      if (inSyllable >= voiced) continue;
      const envelope = Math.sin((Math.PI * inSyllable) / voiced); // rises and falls like a syllable
      const t = i / SAMPLE_RATE;
      let wave = 0;
      HARMONICS.forEach((a, k) => (wave += a * Math.sin(2 * Math.PI * PITCH_HZ * (k + 1) * t)));
      pcm[i] = Math.round((PEAK * envelope * wave) / norm);
    }
    return pcm;
  }
}
