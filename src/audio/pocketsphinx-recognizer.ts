import { readFile } from 'node:fs/promises';
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
 * empty, which costs accuracy: README, "Transcription"). The PCM goes to pocketsphinx on stdin;
 * its stdout is one line of words per utterance it found.
 */
export class PocketsphinxRecognizer implements Recognizer {
  constructor(private readonly options: PocketsphinxOptions = {}) {}

  async recognize(input: RecognizerInput, signal?: AbortSignal): Promise<string> {
    const { options } = this;
    const timeoutMs = options.timeoutMs ?? 60_000;
    const wav = await readFile(input.path);
    const ffmpeg = options.ffmpeg ?? DEFAULT_FFMPEG;
    const pcm16k = await runTool({
      command: ffmpeg,
      args: ['-hide_banner', '-loglevel', 'error', '-f', 'wav', '-i', 'pipe:0', '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'],
      input: wav, signal, timeoutMs, missingHint: FFMPEG_MISSING_HINT, spawn: options.spawn,
    });
    const command = options.pocketsphinx ?? DEFAULT_POCKETSPHINX;
    const out = await runTool({
      command,
      args: ['-infile', '/dev/stdin', '-logfn', '/dev/null'],
      input: pcm16k, signal, timeoutMs, missingHint: POCKETSPHINX_MISSING_HINT, spawn: options.spawn,
    });
    return Buffer.concat(out).toString('utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '').join(' ');
  }
}
