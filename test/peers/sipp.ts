/**
 * Runs sipp (Debian sip-tester 3.6) as a SIP peer for interop tests. Every run gets its own
 * temporary working directory (sipp resolves `play_pcap_audio` paths against it and writes its
 * logs there), a global `-timeout` with `-timeout_error` so a stuck scenario fails instead of
 * hanging, and its final statistics read back from `-trace_stat` (the CSV named by `-stf`).
 *
 * Exit codes (sipp(1)): 0 every call succeeded, 1 at least one failed, 97 exit on an internal
 * command, 99 normal exit without calls processed, -1/255 fatal error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOOPBACK, freeUdpPort } from './ports.js';

/** `uac`/`uas`: sipp's built-in scenarios (`-sn`); a path ending in `.xml`; or a fixture name from test/fixtures/sipp. */
export type SippScenario = 'uac' | 'uas' | (string & {});

export interface SippOptions {
  scenario: SippScenario;
  /** `host:port` to send to (UAC). A UAS leaves it out. */
  target?: string;
  /** `-p`. Default: a free port chosen now (a UAS needs a known one; see `SippHandle.port`). */
  localPort?: number;
  /** `-m`: stop after this many calls. Default 1. */
  calls?: number;
  /** `-r`: calls per second. */
  rate?: number;
  /** `-l`: most simultaneous calls. */
  limit?: number;
  /** `-s`: the Request-URI user part. */
  service?: string;
  /** `-d`: the length of every `<pause/>` without its own `milliseconds`. */
  durationMs?: number;
  /** `-key name value`: values for `[name]` keywords in the scenario (e.g. `rtp_sink_port`). */
  keys?: Record<string, string | number>;
  extraArgs?: string[];
  /** Working directory; default a fresh temp dir, removed after the run unless `keepDir`. */
  cwd?: string;
  keepDir?: boolean;
  /** Files to place in the working directory first, by relative path (e.g. `pcap/audio.pcap`). */
  files?: Record<string, Buffer | string>;
  /** Global timeout; sipp then fails (`-timeout_error`). Default 30 s. */
  timeoutMs?: number;
  /** Log every SIP message (`-trace_msg`) into `SippResult.messages`. */
  traceMessages?: boolean;
}

/** From sipp's `-trace_stat` CSV, cumulative columns (`(C)`). */
export interface SippStats {
  created: number;
  successful: number;
  failed: number;
  failedMaxUdpRetrans: number;
  failedUnexpectedMessage: number;
  failedTimeoutOnRecv: number;
  outOfCallMessages: number;
  deadCallMessages: number;
  retransmissions: number;
}

export interface SippResult {
  code: number;
  stdout: string;
  stderr: string;
  stats?: SippStats;
  /** The `-trace_err` log: unexpected messages and why calls failed. */
  errors: string;
  /** The `-trace_msg` log when `traceMessages` was set. */
  messages: string;
  /** The command line, for failure messages. */
  args: string[];
}

export interface SippHandle {
  /** The local SIP port (`-p`): where a UAS listens. */
  port: number;
  done: Promise<SippResult>;
  /** Ends sipp (SIGTERM, then SIGKILL after 2 s); `done` still settles. */
  kill(): void;
}

const FIXTURES = fileURLToPath(new URL('../fixtures/sipp/', import.meta.url));
/** Where the pcaps sip-tester ships are copied to in the working dir; the fixtures refer to `pcap/...`. */
const PCAP_DIR = 'pcap';
/** The slot `uac-pcap-dtmf` streams; sip-tester's 7 s g711a.pcap unless `files` puts another there. */
const DEFAULT_AUDIO_PCAP = 'g711a.pcap';
const DEFAULT_TIMEOUT_MS = 30_000;
/** sipp has its own timeout; this one only catches a sipp that ignores it. */
const KILL_GRACE_MS = 5_000;

/** Path of a scenario in test/fixtures/sipp, e.g. `sippFixture('uas-busy')`. */
export function sippFixture(name: string): string {
  return join(FIXTURES, `${name}.xml`);
}

/** Runs sipp to completion. */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  return (await startSipp(options)).done;
}

/** Starts sipp in the background (typically a UAS) and returns once it has been spawned. */
export async function startSipp(options: SippOptions): Promise<SippHandle> {
  const port = options.localPort ?? (await freeUdpPort());
  const ownDir = options.cwd === undefined;
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'sipp-'));
  prepareWorkingDir(cwd, options.files ?? {});
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const args = sippArgs(options, port, timeoutMs);

  const child = spawn('sipp', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => stdout.push(d));
  child.stderr.on('data', (d: Buffer) => stderr.push(d));
  let killTimer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), 2_000);
  };
  const watchdog = setTimeout(kill, timeoutMs + KILL_GRACE_MS);

  const done = new Promise<SippResult>((resolveDone, rejectDone) => {
    child.on('error', (error) => {
      clearTimeout(watchdog);
      rejectDone(new Error(`cannot run sipp (install it with scripts/install-test-peers.sh): ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      clearTimeout(killTimer);
      const result: SippResult = {
        code: code ?? (signal ? 128 + 15 : -1),
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
        stats: readStats(join(cwd, 'stats.csv')),
        errors: readIfExists(join(cwd, 'errors.log')),
        messages: readIfExists(join(cwd, 'messages.log')),
        args,
      };
      if (ownDir && !options.keepDir) rmSync(cwd, { recursive: true, force: true });
      resolveDone(result);
    });
  });
  return { port, done, kill };
}

function sippArgs(options: SippOptions, port: number, timeoutMs: number): string[] {
  const args: string[] = [];
  if (options.scenario === 'uac' || options.scenario === 'uas') args.push('-sn', options.scenario);
  else args.push('-sf', scenarioPath(options.scenario));
  args.push('-i', LOOPBACK, '-p', String(port), '-m', String(options.calls ?? 1), '-nostdin');
  if (options.rate !== undefined) args.push('-r', String(options.rate));
  if (options.limit !== undefined) args.push('-l', String(options.limit));
  if (options.service !== undefined) args.push('-s', options.service);
  if (options.durationMs !== undefined) args.push('-d', String(options.durationMs));
  args.push('-timeout', `${Math.max(1, Math.ceil(timeoutMs / 1000))}s`, '-timeout_error');
  // -fd: the CSV gets a row per interval and a final one at exit; parse the last row.
  args.push('-trace_stat', '-stf', 'stats.csv', '-fd', '1', '-trace_err', '-error_file', 'errors.log');
  if (options.traceMessages) args.push('-trace_msg', '-message_file', 'messages.log');
  for (const [name, value] of Object.entries(options.keys ?? {})) args.push('-key', name, String(value));
  args.push(...(options.extraArgs ?? []));
  if (options.target !== undefined) args.push(options.target);
  return args;
}

function scenarioPath(scenario: string): string {
  if (!scenario.endsWith('.xml')) return sippFixture(scenario);
  return isAbsolute(scenario) ? scenario : resolve(scenario);
}

/** Copies sip-tester's pcaps to `pcap/` (not committed: they ship with the package) and writes `files`. */
function prepareWorkingDir(cwd: string, files: Record<string, Buffer | string>): void {
  mkdirSync(join(cwd, PCAP_DIR), { recursive: true });
  for (const pcap of shippedPcaps()) copyFileSync(pcap, join(cwd, PCAP_DIR, basename(pcap)));
  const audio = shippedPcaps().find((p) => basename(p) === DEFAULT_AUDIO_PCAP);
  if (audio) copyFileSync(audio, join(cwd, PCAP_DIR, 'audio.pcap'));
  for (const [relative, content] of Object.entries(files)) {
    const path = join(cwd, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

let pcapList: string[] | undefined;
/** The pcaps listed by `dpkg -L sip-tester` (g711a.pcap and dtmf_2833_*.pcap). */
export function shippedPcaps(): string[] {
  if (pcapList) return pcapList;
  const dpkg = spawnSync('dpkg', ['-L', 'sip-tester'], { encoding: 'utf8' });
  pcapList = (dpkg.stdout ?? '').split('\n').filter((line) => line.endsWith('.pcap') && existsSync(line));
  return pcapList;
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}

/** The last row of sipp's statistics CSV (`;`-separated, one header row), keyed by column name. */
function readStats(path: string): SippStats | undefined {
  const lines = readIfExists(path).split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) return undefined;
  const header = lines[0].split(';');
  const row = lines[lines.length - 1].split(';');
  const column = (name: string): number => {
    const index = header.indexOf(name);
    return index < 0 ? 0 : Number(row[index]) || 0;
  };
  return {
    created: column('TotalCallCreated'),
    successful: column('SuccessfulCall(C)'),
    failed: column('FailedCall(C)'),
    failedMaxUdpRetrans: column('FailedMaxUDPRetrans(C)'),
    failedUnexpectedMessage: column('FailedUnexpectedMessage(C)'),
    failedTimeoutOnRecv: column('FailedTimeoutOnRecv(C)'),
    outOfCallMessages: column('OutOfCallMsgs(C)'),
    deadCallMessages: column('DeadCallMsgs(C)'),
    retransmissions: column('Retransmissions(C)'),
  };
}
