import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { AudioError, type AudioErrorCode } from './audio-error.js';

/** `child_process.spawn`'s shape, injectable so tests can count or watch the children. */
export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface ToolRun {
  /** Executable name (looked up on PATH) or path. Never run through a shell. */
  command: string;
  args: readonly string[];
  /** Written to the child's stdin, then stdin is closed. Without it stdin is closed at once. */
  input?: Uint8Array | readonly Uint8Array[];
  /** Aborting kills the child (SIGKILL) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Kills the child and rejects with an AudioError after this long. Default 30 s. */
  timeoutMs?: number;
  /** Kills the child and rejects when stdout grows past this. Default 64 MiB. */
  maxOutputBytes?: number;
  /** Appended to the "not found" message, e.g. what goes silent and how to install the tool. */
  missingHint?: string;
  /** Code of the AudioError for a non-zero exit (default 12400, internal failure). */
  failureCode?: AudioErrorCode;
  spawn?: SpawnFn;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
const STDERR_KEEP = 2048;

/**
 * Runs a command-line tool with a buffer on stdin and collects stdout, the way `<Say>` and
 * `<Play>` decoding leave the event loop: the work happens in another process, and this side
 * only moves bytes. Resolves with stdout's chunks (not joined: the caller copies them once into
 * shared PCM). Every failure is an AudioError naming the tool; a missing tool is never a crash.
 */
export function runTool(run: ToolRun): Promise<Buffer[]> {
  const { command, signal } = run;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<Buffer[]>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = (run.spawn ?? nodeSpawn)(command, run.args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    } catch (error) {
      // Synchronous spawn failures (e.g. a NUL byte in an argument) arrive here, not as 'error'.
      reject(new AudioError(12400, `Could not start ${command}: ${(error as Error).message}`, { tool: command }, { cause: error }));
      return;
    }
    const chunks: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let settled = false;
    const maxOutput = run.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;

    const finish = (error: unknown, result?: Buffer[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(result!);
      else {
        // Killing a child that already exited is a no-op; one still running must not outlive us.
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(error);
      }
    };
    const onAbort = () => finish(signal!.reason);
    const timeoutMs = run.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(
      () => finish(new AudioError(12400, `${command} took longer than ${timeoutMs} ms and was stopped`, { tool: command, stderr })),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error: NodeJS.ErrnoException) => {
      const hint = run.missingHint ? `: ${run.missingHint}` : '';
      const message =
        error.code === 'ENOENT'
          ? `${command} not found${hint}`
          : `Could not run ${command} (${error.code ?? error.message})${hint}`;
      finish(new AudioError(12400, message, { tool: command }, { cause: error }));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (settled) return;
      outBytes += chunk.length;
      if (outBytes > maxOutput) {
        finish(new AudioError(12400, `${command} wrote more than ${maxOutput} bytes; stopped`, { tool: command }));
        return;
      }
      chunks.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    // The 'error' listeners keep an early exit (EPIPE on stdin) from becoming an uncaught
    // exception; the exit status then says what went wrong.
    child.stdin!.on('error', () => {});
    child.stdout!.on('error', () => {});
    child.stderr!.on('error', () => {});
    child.on('close', (code, killedBy) => {
      if (code === 0) return finish(undefined, chunks);
      const why = killedBy ? `was killed by ${killedBy}` : `exited with status ${code}`;
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      finish(
        new AudioError(run.failureCode ?? 12400, `${command} ${why}${tail ? `: ${tail}` : ''}`, { tool: command, stderr }),
      );
    });

    if (signal?.aborted) return onAbort(); // aborted while spawning; every listener is in place
    const input = run.input === undefined ? [] : run.input instanceof Uint8Array ? [run.input] : run.input;
    for (const chunk of input) child.stdin!.write(chunk);
    child.stdin!.end();
  });
}
