/**
 * What the SIP benchmarks (bench/sip.ts) need beside the Switchboard child: the TwiML app its
 * numbers point at, the audio both sides stream, whether sipp is installed, machine-wide CPU
 * use over a window, and the RTP-only reference probe (bench/media-load.ts) in its own process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import wavefile from 'wavefile';
import { SAMPLE_RATE, espeakReference } from '../test/peers/audio-compare.js';
import { tone } from '../test/peers/pcap.js';
import { withTimeout } from './lib.js';

/** True when `sipp` runs (Debian sip-tester); the SIP benchmarks skip without it. */
export function sippInstalled(): boolean {
  const probe = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
  return !probe.error && /SIPp v/.test(`${probe.stdout}${probe.stderr}`);
}

/**
 * Speech for both directions: espeak-ng when installed (so the in-band DTMF detector sees real
 * speech), else a two-tone chord. 8 kHz mono.
 */
export async function benchSpeech(): Promise<{ pcm: Int16Array; source: string }> {
  try {
    const pcm = await espeakReference('Thank you for calling. Your call is important to us. Please stay on the line while we connect you.');
    return { pcm, source: 'espeak-ng speech' };
  } catch {
    const a = tone(440, 3000);
    const b = tone(620, 3000);
    return { pcm: a.map((v, i) => (v + b[i]!) >> 1), source: '440+620 Hz tone' };
  }
}

export function wav8k(pcm: Int16Array): Buffer {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, SAMPLE_RATE, '16', pcm);
  return Buffer.from(wav.toBuffer());
}

/**
 * The customer's app: answers every webhook with `twiml`, serves `/prompt.wav`, and counts the
 * voice webhooks (one per answered inbound call).
 */
export class TwimlApp {
  private server!: Server;
  url = '';
  voiceRequests = 0;
  twiml = '<Response/>';

  constructor(private readonly wav: Buffer) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      res.on('error', () => {});
      if (req.url?.startsWith('/prompt.wav')) {
        req.resume();
        res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': this.wav.length }).end(this.wav);
        return;
      }
      if (req.url?.startsWith('/voice')) this.voiceRequests++;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end(this.twiml));
    });
    this.server.on('clientError', (_err, socket) => socket.destroy());
    this.url = await listenLocal(this.server);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}

/** Listens on a free loopback port with long keep-alive (a bench app's connections stay up); resolves with its URL. */
export async function listenLocal(server: Server): Promise<string> {
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a bench app's server, its kept-alive connections included. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Share of all cores' time spent busy between `start()` and the returned function's call. */
export function machineBusy(): () => number {
  const total = () =>
    cpus().reduce(
      (t, c) => ({ all: t.all + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle, idle: t.idle + c.times.idle }),
      { all: 0, idle: 0 },
    );
  const a = total();
  return () => {
    const b = total();
    return b.all === a.all ? 0 : 1 - (b.idle - a.idle) / (b.all - a.all);
  };
}

export interface ProbeResult {
  streams: number;
  txPpsMin: number;
  needed: number;
  p99: number;
  max: number;
  skipped: number;
  /** CPU seconds of the probe process (engine workers and the receivers' thread) over its measured windows. */
  cpuSeconds: number;
  seconds: number;
}

const MEDIA_LOAD = fileURLToPath(new URL('./media-load.ts', import.meta.url));

/**
 * The no-SIP reference: bench/media-load.ts opens `streams` RTP streams on the media engine
 * alone, each playing a prompt while a receiver socket echoes it back (50 pps each way), and
 * prints the engine's stats per window; its `summary:` line is parsed here.
 */
export async function runMediaProbe(streams: number, workers: number, seconds: number, portBase: number): Promise<ProbeResult> {
  const args = ['--import', 'tsx', MEDIA_LOAD, '--streams', String(streams), '--workers', String(workers), '--seconds', String(seconds), '--window', '2', '--port-base', String(portBase)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await withTimeout(
    new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    }),
    seconds * 1000 + 60_000,
    `media-load probe (${streams} streams)`,
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const summary = /summary: tx (\d+)–(\d+) pps \(needed (\d+)\), p99 jitter (?:median [\d.]+ )?up to ([\d.]+) ms, max ([\d.]+) ms, skipped (\d+)/.exec(out);
  const cpu = /process CPU \(all threads\) ([\d.]+) s/.exec(out);
  if (code !== 0 || !summary || !cpu) throw new Error(`media-load probe failed (exit ${code}):\n${out.slice(-2000)}`);
  return {
    streams, txPpsMin: Number(summary[1]), needed: Number(summary[3]), p99: Number(summary[4]), max: Number(summary[5]),
    skipped: Number(summary[6]), cpuSeconds: Number(cpu[1]), seconds,
  };
}
