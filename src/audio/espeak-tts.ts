import type { SayOptions } from '../ports/carrier.js';
import type { Tts } from '../ports/tts.js';
import { AudioCache } from './audio-cache.js';
import { DEFAULT_ESPEAK, DEFAULT_FFMPEG, ESPEAK_MISSING_HINT, FFMPEG_MISSING_HINT } from './audio-tools.js';
import { espeakVoice } from './espeak-voice.js';
import { ffmpegToPcm8k } from './ffmpeg-args.js';
import { pcmFromS16le, sharedPcm } from './pcm.js';
import { runTool, type SpawnFn } from './run-tool.js';

export interface EspeakTtsOptions {
  /** espeak-ng executable (name on PATH or path). Default "espeak-ng". */
  espeakPath?: string;
  /** ffmpeg executable. Default "ffmpeg". */
  ffmpegPath?: string;
  /** Bound of the rendered-audio cache. Default 64 MiB (about 70 minutes of speech). */
  cacheBytes?: number;
  /** Per tool run. Default 30 s. */
  timeoutMs?: number;
  spawn?: SpawnFn;
}

/**
 * `<Say>` on real calls: espeak-ng speaks the text (22,050 Hz WAV on stdout) and ffmpeg
 * resamples it to 8 kHz mono s16. Both run as child processes, so the media event loop only
 * moves bytes (sip-media-notes, pitfall 20).
 *
 * Why ffmpeg for the resampling: <Play> needs ffmpeg anyway (MP3 and other formats), so this
 * adds no tool to install or probe; its resampler low-pass filters before decimating (no
 * aliasing, unlike a naive JS interpolator), and it costs no event-loop time. sox would do as
 * well but would be one more dependency.
 *
 * The text goes to espeak-ng on stdin, never as an argument: no shell, no option injection
 * from text starting with "-", no argv length limit. SSML is not interpreted (no `-m`): its
 * markup would be read out, so the TwiML parser hands us plain text.
 *
 * Renders are cached by (espeak voice, text) in a byte-bounded LRU; concurrent renders of
 * the same key share one pair of processes.
 */
export class EspeakTts implements Tts {
  private readonly cache: AudioCache;
  private readonly espeak: string;
  private readonly ffmpeg: string;

  constructor(private readonly options: EspeakTtsOptions = {}) {
    this.cache = new AudioCache(options.cacheBytes ?? 64 * 1024 * 1024);
    this.espeak = options.espeakPath ?? DEFAULT_ESPEAK;
    this.ffmpeg = options.ffmpegPath ?? DEFAULT_FFMPEG;
  }

  /** Resolves with 8 kHz shared PCM (read-only: cached and shared between callers). */
  render(text: string, options: SayOptions, signal?: AbortSignal): Promise<Int16Array> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (text.trim() === '') return Promise.resolve(sharedPcm(0));
    const voice = espeakVoice(options);
    return this.cache.obtain(`${voice}\0${text}`, signal, async (work) => {
      const { spawn, timeoutMs } = this.options;
      const wav = await runTool({
        command: this.espeak,
        args: ['--stdout', '-v', voice, '--stdin'],
        input: Buffer.from(text, 'utf8'),
        signal: work,
        timeoutMs,
        missingHint: ESPEAK_MISSING_HINT,
        spawn,
      });
      const raw = await runTool({
        command: this.ffmpeg,
        args: ffmpegToPcm8k('wav'),
        input: wav,
        signal: work,
        timeoutMs,
        missingHint: FFMPEG_MISSING_HINT,
        spawn,
      });
      return { pcm: pcmFromS16le(raw), cacheable: true };
    });
  }
}
