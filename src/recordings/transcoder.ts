import { DEFAULT_FFMPEG } from '../audio/audio-tools.js';
import { runTool, type SpawnFn } from '../audio/run-tool.js';

/** The formats a recording's media is served in besides the stored WAV (Twilio: `.mp3`). */
export type TranscodedFormat = 'mp3';

/** Turns a stored WAV file into the bytes of another format; rejects when it cannot. */
export type Transcoder = (wavPath: string, format: TranscodedFormat) => Promise<Buffer>;

/** An hour of 8 kHz audio encodes in a few seconds; this bounds a stuck ffmpeg. */
const TRANSCODE_TIMEOUT_MS = 60_000;

/**
 * MP3 through ffmpeg (`ffmpeg` on PATH unless the operator configured a path), in another
 * process with a timeout. The whole output is collected before it is returned, so a failing
 * ffmpeg is a rejection (an AudioError naming the tool), never a cut-off 200.
 */
export function ffmpegTranscoder(ffmpeg: string = DEFAULT_FFMPEG, spawn?: SpawnFn): Transcoder {
  return async (wavPath) => {
    const chunks = await runTool({
      command: ffmpeg,
      args: ['-hide_banner', '-loglevel', 'error', '-i', wavPath, '-f', 'mp3', 'pipe:1'],
      timeoutMs: TRANSCODE_TIMEOUT_MS,
      spawn,
    });
    return Buffer.concat(chunks);
  };
}
