/**
 * The worker RTP generator: `legs` UDP sockets spread over worker threads (one per core by
 * default), each sending 50 pps of G.711 to where it is told and timing what comes back. The
 * relay under test (rtpengine, or Switchboard's bridge) runs in another process; this process
 * only generates and receives, so its event loop is not the relay's.
 *
 * Leg `g` lives in worker `g % threads`: the two legs of a call (2i, 2i + 1) sit in different
 * workers when there are two, so one thread's stall shows up as late sends (`lateness`), not as
 * relay jitter only.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUCKET_MS, BUCKETS, type GeneratorCommand, type WorkerWindow } from './rtp-generator-protocol.js';
import { withTimeout } from './lib.js';

const WORKER_URL = pathToFileURL(fileURLToPath(new URL(`./rtp-generator-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)));

/** Node 20 workers do not inherit tsx's module hooks: register them first (as src/sip/rtp/media-engine.ts does). */
function spawn(workerData: unknown): Worker {
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`, { eval: true, workerData });
}

export interface GeneratorWindow {
  seconds: number;
  sent: number;
  received: number;
  receivedPerLeg: number[];
  payloadTypes: Record<string, number>;
  /** |Δarrival − 20 ms| of the forwarded streams, ms. */
  arrival: { p50: number; p99: number; max: number; samples: number };
  /** How late the generator sent against its schedule, ms. */
  lateness: { p50: number; p99: number; max: number };
  /** CPU of this process (the generator's threads and the bench's main thread) over the window, % of one core. */
  cpuPercent: number;
  /** Packets sent / received since the generator started. */
  sentTotal: number;
  receivedTotal: number;
}

export interface Remote {
  leg: number;
  host: string;
  port: number;
  payloadType: 0 | 8;
}

function fromHistogram(h: number[]): { p50: number; p99: number; max: number; samples: number } {
  const samples = h.reduce((a, b) => a + b, 0);
  const at = (p: number) => {
    if (samples === 0) return NaN;
    const rank = Math.ceil((p / 100) * samples);
    let seen = 0;
    for (let i = 0; i < h.length; i++) if ((seen += h[i]!) >= rank) return (i + 1) * BUCKET_MS;
    return BUCKETS * BUCKET_MS;
  };
  let top = h.length - 1;
  while (top >= 0 && h[top] === 0) top--;
  return { p50: at(50), p99: at(99), max: (top + 1) * BUCKET_MS, samples };
}

export class RtpGenerator {
  private constructor(
    private readonly workers: Worker[],
    private readonly replies: ((message: any) => void)[][],
    /** The local port of every leg, by global leg index. */
    readonly ports: number[],
  ) {}

  static async start(legs: number, threads = Math.min(availableParallelism(), 4)): Promise<RtpGenerator> {
    const n = Math.max(1, Math.min(threads, legs));
    const workers: Worker[] = [];
    const replies: ((message: any) => void)[][] = [];
    const perWorker = Array.from({ length: n }, (_, w) => Math.ceil((legs - w) / n));
    const ready: Promise<number[]>[] = [];
    for (let w = 0; w < n; w++) {
      const worker = spawn({ legs: perWorker[w], ssrcBase: w * 100_000 });
      workers.push(worker);
      const queue: ((message: any) => void)[] = [];
      replies.push(queue);
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('error', reject);
          worker.once('message', (m: { type: string; ports?: number[]; message?: string }) =>
            m.type === 'ready' ? resolve(m.ports!) : reject(new Error(`RTP generator worker: ${m.message}`)),
          );
        }),
      );
    }
    let perWorkerPorts: number[][];
    try {
      perWorkerPorts = await withTimeout(Promise.all(ready), 20_000, 'starting the RTP generator');
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    workers.forEach((worker, w) => {
      worker.on('message', (m) => replies[w]!.shift()?.(m));
      worker.on('error', (err) => process.stderr.write(`[bench] RTP generator worker ${w} failed: ${err.message}\n`));
    });
    const ports = Array.from({ length: legs }, (_, g) => perWorkerPorts[g % n]![Math.floor(g / n)]!);
    return new RtpGenerator(workers, replies, ports);
  }

  private ask(w: number, command: GeneratorCommand): Promise<any> {
    return withTimeout(
      new Promise((resolve) => {
        this.replies[w]!.push(resolve);
        this.workers[w]!.postMessage(command);
      }),
      20_000,
      `RTP generator ${command.cmd}`,
    );
  }

  private all(command: GeneratorCommand): Promise<any[]> {
    return Promise.all(this.workers.map((_, w) => this.ask(w, command)));
  }

  /** Where each leg sends, and what it sends (PCMU 0 / PCMA 8); a leg sends once it has one. */
  async setRemotes(remotes: Remote[]): Promise<void> {
    const n = this.workers.length;
    await Promise.all(
      this.workers.map((_, w) =>
        this.ask(w, { cmd: 'remotes', remotes: remotes.filter((r) => r.leg % n === w).map((r) => ({ ...r, leg: Math.floor(r.leg / n) })) }),
      ),
    );
  }

  async start(): Promise<void> {
    await this.all({ cmd: 'start' });
  }

  /** Opens a window, waits `ms`, closes it and merges every worker's figures. */
  async measure(ms: number): Promise<GeneratorWindow> {
    await this.all({ cmd: 'window-start' });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const windows = (await this.all({ cmd: 'window-end' })).map((m: { result: WorkerWindow }) => m.result);
    const cpu = process.cpuUsage(cpu0);
    const elapsed = performance.now() - t0;
    const n = this.workers.length;
    const merge = (key: 'arrival' | 'lateness') => windows.reduce((acc, w) => acc.map((v, i) => v + w[key][i]!), new Array<number>(BUCKETS).fill(0));
    const payloadTypes: Record<string, number> = {};
    for (const w of windows) for (const [pt, c] of Object.entries(w.payloadTypes)) payloadTypes[pt] = (payloadTypes[pt] ?? 0) + c;
    const late = fromHistogram(merge('lateness'));
    return {
      seconds: Math.max(...windows.map((w) => w.seconds)),
      sent: windows.reduce((a, w) => a + w.sent, 0),
      received: windows.reduce((a, w) => a + w.received, 0),
      receivedPerLeg: this.ports.map((_, g) => windows[g % n]!.receivedPerLeg[Math.floor(g / n)]!),
      payloadTypes,
      arrival: fromHistogram(merge('arrival')),
      lateness: { p50: late.p50, p99: late.p99, max: late.max },
      sentTotal: windows.reduce((a, w) => a + w.sentTotal, 0),
      receivedTotal: windows.reduce((a, w) => a + w.receivedTotal, 0),
      cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
    };
  }

  async stop(): Promise<void> {
    await this.all({ cmd: 'stop' }).catch(() => {});
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
