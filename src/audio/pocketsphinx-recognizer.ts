import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Recognizer, RecognizerInput } from '../ports/recognizer.js';
import { DEFAULT_FFMPEG, FFMPEG_MISSING_HINT } from './audio-tools.js';
import { runTool, type SpawnFn } from './run-tool.js';

export const DEFAULT_POCKETSPHINX = 'pocketsphinx_continuous';
export const POCKETSPHINX_MISSING_HINT =
  'transcriptions of SIP recordings fail; install it with `apt-get install pocketsphinx pocketsphinx-en-us` or pass its path';

export interface PocketsphinxOptions {
  /** `pocketsphinx_continuous` (Debian `pocketsphinx`, 0.8+5prealpha), or its path. */
  pocketsphinx?: string;
  ffmpeg?: string;
  /** Gives up on one recording after this long. Default 60 s (a 2-minute recording takes ~10 s on one core). */
  timeoutMs?: number;
  spawn?: SpawnFn;
}

/**
 * The offline Recognizer: CMU pocketsphinx with Debian's `pocketsphinx-en-us` model (US English,
 * a general language model). That model is 16 kHz: an 8 kHz model is not packaged, and the
 * 16 kHz one given 8 kHz features (`-samprate 8000 -nfft 256 -upperf 3500`) recognizes nothing,
 * so the telephone audio is resampled to 16 kHz by ffmpeg first (the band above 4 kHz stays
 * empty, which costs accuracy: README, "Transcription").
 */
export class PocketsphinxRecognizer implements Recognizer {
  constructor(private readonly options: PocketsphinxOptions = {}) {}

  async recognize(input: RecognizerInput, signal?: AbortSignal): Promise<string> {
    const { options } = this;
    const timeoutMs = options.timeoutMs ?? 60_000;
    // pocketsphinx reads a file (node's stdio pipes are sockets, which it cannot open as
    // /dev/stdin): the 16 kHz copy goes in a private temp dir, removed afterwards.
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-asr-'));
    try {
      const raw = join(dir, 'audio.raw');
      await runTool({
        command: options.ffmpeg ?? DEFAULT_FFMPEG,
        args: ['-hide_banner', '-loglevel', 'error', '-y', '-i', input.path, '-ac', '1', '-ar', '16000', '-f', 's16le', raw],
        signal, timeoutMs, missingHint: FFMPEG_MISSING_HINT, spawn: options.spawn,
      });
      const out = await runTool({
        command: options.pocketsphinx ?? DEFAULT_POCKETSPHINX,
        args: ['-infile', raw, '-logfn', '/dev/null'],
        signal, timeoutMs, missingHint: POCKETSPHINX_MISSING_HINT, spawn: options.spawn,
      });
      return words(out);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** stdout is one line of words per utterance found. */
function words(out: Buffer[]): string {
  return Buffer.concat(out).toString('utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '').join(' ');
}
