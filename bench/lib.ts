/**
 * Benchmark plumbing: server child processes (start, RPC, clean stop), a closed-loop undici
 * load generator, and percentiles.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Ready } from './server-child.js';
import type { SipOptions } from '../src/app.js';

const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const RPC_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** Every child still running and every data dir not yet removed: cleaned up on any exit. */
const running = new Set<ServerChild>();

export function killAllChildren(): void {
  for (const child of running) child.kill();
}

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A server (Switchboard or bare node:http) in a forked child, driven over IPC. */
export class ServerChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly exited: Promise<number | null>;

  private constructor(private readonly proc: ChildProcess, readonly info: Ready) {
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
    void this.exited.then(() => {
      running.delete(this);
      this.removeDataDir();
      for (const waiter of this.pending.values()) waiter.reject(new Error('server child exited'));
      this.pending.clear();
    });
  }

  get url(): string {
    return this.info.url;
  }

  /** Basic auth header for the Switchboard account. */
  get authorization(): string {
    return 'Basic ' + Buffer.from(`${this.info.accountSid}:${this.info.authToken}`).toString('base64');
  }

  /** `sip`: start the Switchboard with its SIP/RTP edge on. */
  static async start(mode: 'switchboard' | 'bare', options: { sip?: SipOptions } = {}): Promise<ServerChild> {
    // BENCH_CPU_PROF=<dir> profiles every Switchboard child (open the .cpuprofile in DevTools).
    const profile = mode === 'switchboard' && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const proc = fork(CHILD, options.sip ? [mode, JSON.stringify({ sip: options.sip })] : [mode], {
      execArgv: ['--import', 'tsx', '--expose-gc', ...profile],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = new Promise<Ready>((resolve, reject) => {
      proc.on('message', (message: { type?: string }) => {
        if (message.type === 'ready') resolve(message as Ready);
      });
      proc.once('exit', (code) => reject(new Error(`server child (${mode}) exited with ${code} before it was ready`)));
      proc.once('error', reject);
    });
    try {
      const info = await withTimeout(ready, START_TIMEOUT_MS, `starting ${mode} server`);
      const child = new ServerChild(proc, info);
      running.add(child);
      return child;
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
  }

  rpc<T>(cmd: string, args?: unknown, timeoutMs = RPC_TIMEOUT_MS): Promise<T> {
    const id = this.nextId++;
    const reply = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, cmd, args });
    });
    return withTimeout(reply, timeoutMs, `rpc ${cmd}`);
  }

  /** Asks the child to close its server (Switchboard drains its calls), then waits for it to exit. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.send({ id: 0, cmd: 'close' });
    try {
      await withTimeout(this.exited, STOP_TIMEOUT_MS, 'stopping server child');
    } catch (err) {
      this.kill();
      throw err;
    }
  }

  /** Last resort: SIGKILL, then the data dir is removed here. */
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    running.delete(this);
    this.removeDataDir();
  }

  private removeDataDir(): void {
    if (this.info.dataDir) rmSync(this.info.dataDir, { recursive: true, force: true });
  }
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Successful responses per second inside the measured window. */
  rate: number;
  ok: number;
  failed: number;
  /** Status codes seen other than the expected one, with counts. */
  unexpected: Record<string, number>;
  p50: number;
  p99: number;
}

/**
 * Closed-loop load: `connections` workers, each sending its next request as soon as the last
 * one answered, over one undici Pool (pipelining 1). Only responses that complete inside the
 * measured window (after `warmupMs`) count.
 */
export async function runLoad(options: {
  url: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  expectStatus: number;
  request(i: number): RequestSpec;
  /** Called with each successful response body (e.g. to collect created call SIDs). */
  onBody?(body: string): void;
  /** A pool kept across runs (left open); otherwise one is made and closed for this run. */
  pool?: Pool;
}): Promise<LoadResult & { latencies: number[] }> {
  const pool = options.pool ?? new Pool(options.url, { connections: options.connections, pipelining: 1 });
  const start = performance.now();
  const windowStart = start + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  let ok = 0;
  let failed = 0;
  let sent = 0;
  const unexpected: Record<string, number> = {};
  const latencies: number[] = [];
  const worker = async () => {
    while (performance.now() < windowEnd) {
      const spec = options.request(sent++);
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: spec.method, path: spec.path, headers: spec.headers, body: spec.body });
        const body = await res.body.text();
        const t1 = performance.now();
        const inWindow = t1 >= windowStart && t1 < windowEnd;
        if (res.statusCode === options.expectStatus) {
          options.onBody?.(body);
          if (inWindow) {
            ok++;
            latencies.push(t1 - t0);
          }
        } else {
          unexpected[res.statusCode] = (unexpected[res.statusCode] ?? 0) + 1;
          if (inWindow) failed++;
        }
      } catch (err) {
        const key = (err as { code?: string }).code ?? 'error';
        unexpected[key] = (unexpected[key] ?? 0) + 1;
        failed++;
        await sleep(10);
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  if (!options.pool) await pool.close();
  return { rate: ok / (options.durationMs / 1000), ok, failed, unexpected, p50: percentile(latencies, 50), p99: percentile(latencies, 99), latencies };
}

/**
 * Sends `total` requests with at most `connections` in flight and returns every response body
 * (in completion order). Throws on the first unexpected status.
 */
export async function runBatch(options: {
  url: string;
  connections: number;
  total: number;
  expectStatus: number;
  request(i: number): RequestSpec;
}): Promise<string[]> {
  const pool = new Pool(options.url, { connections: options.connections, pipelining: 1 });
  const bodies: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < options.total) {
      const spec = options.request(next++);
      const res = await pool.request({ method: spec.method, path: spec.path, headers: spec.headers, body: spec.body });
      const body = await res.body.text();
      if (res.statusCode !== options.expectStatus) throw new Error(`${spec.method} ${spec.path}: HTTP ${res.statusCode} ${body}`);
      bodies.push(body);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.connections, options.total) }, worker));
  } finally {
    await pool.close();
  }
  return bodies;
}

/** Nearest-rank percentile; NaN for no samples. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The TwiML app the redirected calls fetch: records when each request's headers arrived. */
export class ArrivalApp {
  private readonly waiters = new Map<number, (at: number) => void>();
  private readonly early = new Map<number, number>();
  private server!: Server;
  url = '';

  constructor(private readonly twiml: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const at = performance.now();
      const match = /[?&]i=(\d+)/.exec(req.url ?? '');
      if (match) {
        const i = Number(match[1]);
        const waiter = this.waiters.get(i);
        if (waiter) {
          this.waiters.delete(i);
          waiter(at);
        } else this.early.set(i, at);
      }
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end(this.twiml));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  arrival(i: number, timeoutMs: number): Promise<number> {
    const seen = this.early.get(i);
    if (seen !== undefined) return Promise.resolve(seen);
    return withTimeout(new Promise<number>((resolve) => this.waiters.set(i, resolve)), timeoutMs, `webhook for sample ${i}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

