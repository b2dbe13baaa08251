import { AudioError } from './audio-error.js';
import { runTool, type SpawnFn } from './run-tool.js';

/** Where the audio tools live; names are looked up on PATH. */
export interface AudioToolPaths {
  espeak?: string;
  ffmpeg?: string;
}

export const DEFAULT_ESPEAK = 'espeak-ng';
export const DEFAULT_FFMPEG = 'ffmpeg';

/** What goes silent without each tool, and how to get it (Debian 12 package names). */
export const ESPEAK_MISSING_HINT =
  '<Say> on SIP calls will be silent and log a notification; install it with apt-get install espeak-ng';
export const FFMPEG_MISSING_HINT =
  '<Say> and <Play> (other than 8 kHz WAV) on SIP calls will be silent and log a notification; install it with apt-get install ffmpeg';

export interface AudioToolStatus {
  espeak: boolean;
  ffmpeg: boolean;
  /** One line per missing or broken tool, ready for the startup log. */
  warnings: string[];
}

const probes = new Map<string, Promise<AudioToolStatus>>();

/**
 * Probes espeak-ng (`--version`) and ffmpeg (`-version`; it rejects `--version`) once per
 * set of paths, so startup can warn about a missing tool instead of every call finding out.
 * The answer is advisory: a tool that disappears later still makes render/load reject with
 * an AudioError, never crash.
 */
export function checkAudioTools(paths: AudioToolPaths = {}, spawn?: SpawnFn): Promise<AudioToolStatus> {
  const espeak = paths.espeak ?? DEFAULT_ESPEAK;
  const ffmpeg = paths.ffmpeg ?? DEFAULT_FFMPEG;
  const key = `${espeak}\0${ffmpeg}`;
  // An injected spawn is a test's fake: never memoised, so it cannot leak into other callers.
  if (spawn) return probeBoth(espeak, ffmpeg, spawn);
  let probe = probes.get(key);
  if (!probe) {
    probe = probeBoth(espeak, ffmpeg);
    probes.set(key, probe);
  }
  return probe;
}

async function probeBoth(espeak: string, ffmpeg: string, spawn?: SpawnFn): Promise<AudioToolStatus> {
  const [espeakProblem, ffmpegProblem] = await Promise.all([
    probe(espeak, '--version', ESPEAK_MISSING_HINT, spawn),
    probe(ffmpeg, '-version', FFMPEG_MISSING_HINT, spawn),
  ]);
  const warnings = [espeakProblem, ffmpegProblem].filter((w): w is string => w !== undefined);
  return { espeak: espeakProblem === undefined, ffmpeg: ffmpegProblem === undefined, warnings };
}

/** Undefined when the tool answers its version flag; otherwise the warning to log. */
async function probe(command: string, versionFlag: string, missingHint: string, spawn?: SpawnFn): Promise<string | undefined> {
  try {
    await runTool({ command, args: [versionFlag], timeoutMs: 10_000, maxOutputBytes: 1 << 20, missingHint, spawn });
    return undefined;
  } catch (error) {
    if (error instanceof AudioError) return error.message;
    return `${command} could not be probed: ${String(error)}`;
  }
}
