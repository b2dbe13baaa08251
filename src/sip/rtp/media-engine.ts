import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MediaEngineOptions, OpenOptions, RtpStream, StreamEvents } from './media-api.js';
import { aggregateStats, type MediaStats } from './media-stats.js';
import { PortPool } from './port-pool.js';
import type { Command, Report, WorkerConfig, WorkerStatsSample } from './protocol.js';
import { MixRoomHandle } from './mix-room-handle.js';
import { RtpStreamHandle } from './rtp-stream-handle.js';

export type * from './media-api.js';

const DEFAULT_RTP_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 5_000;
/** Bind errors after which the next port is tried: another process holds this one. */
const PORT_TAKEN = new Set(['EADDRINUSE', 'EACCES']);

const SOURCE_EXTENSION = extname(fileURLToPath(import.meta.url));
/** Under tests the sources run as .ts through tsx; in production as .js from dist/. */
const WORKER_URL = new URL('./media-worker' + SOURCE_EXTENSION, import.meta.url);

/**
 * Node 20 worker threads inherit `--import tsx` in execArgv but not the module hooks it
 * registers, so a .ts worker fails with "Unknown file extension". Running from sources, the
 * worker therefore starts from a one-line bootstrap that registers tsx's hooks first.
 */
function spawnWorker(config: WorkerConfig, name: string): Worker {
  if (SOURCE_EXTENSION !== '.ts') return new Worker(WORKER_URL, { workerData: config, name });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: config, name });
}

type OpenResult = Extract<Report, { type: 'opened' | 'open-failed' }>;

/** The main thread's view of one media worker. */
class MediaWorker {
  readonly streams = new Map<number, RtpStreamHandle>();
  readonly opening = new Map<number, (result: OpenResult) => void>();
  readonly rooms = new Map<number, MixRoomHandle>();
  readonly statsRequests = new Map<number, (sample: WorkerStatsSample) => void>();
  /** Streams opened or being opened: the load that picks the worker for the next stream. */
  load = 0;
  alive = true;
  readonly exited: Promise<void>;

  constructor(
    readonly worker: Worker,
    private readonly onReport: (from: MediaWorker, report: Report) => void,
    onDeath: (from: MediaWorker, err: Error) => void,
  ) {
    worker.on('message', (report: Report) => this.onReport(this, report));
    worker.on('error', (err) => onDeath(this, err));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        if (this.alive) onDeath(this, new Error(`media worker exited with code ${code}`));
        resolve();
      }),
    );
  }

  post(command: Command): void {
    if (this.alive) this.worker.postMessage(command);
  }
}

/**
 * RTP media for the SIP edge. Media runs in worker threads (one per core by default): each
 * owns the UDP sockets of its calls and one 20 ms pacing loop, so a stall in the main thread
 * (SIP, webhooks, TTS) never delays a frame, and calls spread over the cores. This class
 * only sends commands and settles promises.
 */
export class MediaEngine {
  private readonly ports: PortPool;
  private nextStream = 1;
  private nextRequest = 1;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: MediaEngineOptions,
    private readonly workers: MediaWorker[],
  ) {
    this.ports = new PortPool(options.portRange[0], options.portRange[1]);
  }

  static async start(options: MediaEngineOptions): Promise<MediaEngine> {
    new PortPool(options.portRange[0], options.portRange[1]); // validates before any thread starts
    const count = options.workers ?? availableParallelism();
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`workers must be a positive integer, got ${count}`);
    const rtpTimeoutMs = options.rtpTimeoutMs ?? DEFAULT_RTP_TIMEOUT_MS;
    if (!(rtpTimeoutMs >= 0)) throw new RangeError(`rtpTimeoutMs must be >= 0, got ${rtpTimeoutMs}`);
    const config: WorkerConfig = { host: options.host, rtpTimeoutMs };
    const workers: MediaWorker[] = [];
    const engine = new MediaEngine(options, workers);
    const online: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = spawnWorker(config, `media-${i}`);
      online.push(
        new Promise((resolve, reject) => {
          const onReady = (report: Report) => {
            if (report.type !== 'ready') return;
            worker.off('message', onReady);
            resolve();
          };
          worker.on('message', onReady);
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`media worker exited with code ${code} while starting`)));
        }),
      );
      workers.push(new MediaWorker(worker, engine.onReport, engine.onWorkerDeath));
    }
    try {
      await Promise.all(online);
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  /**
   * Binds an even port in the least-loaded worker, or in `near`'s worker when it is live (so a
   * bridge relays inside one thread). Rejects when no port is free.
   */
  async openStream(events: StreamEvents, options: OpenOptions = {}): Promise<RtpStream> {
    if (this.closing) throw new Error('MediaEngine is closed');
    const target = this.workerOf(options.near) ?? this.leastLoaded();
    if (!target) throw new Error('no media worker is running');
    target.load++;
    try {
      for (let attempt = 0; attempt < this.ports.size; attempt++) {
        const port = this.ports.take();
        if (port === undefined) break;
        const stream = this.nextStream++;
        const result = await new Promise<OpenResult>((resolve) => {
          target.opening.set(stream, resolve);
          target.post({ type: 'open', stream, port });
        });
        if (result.type === 'opened') {
          const handle = new RtpStreamHandle(stream, result.address, result.port, events, (c) => target.post(c), target);
          target.streams.set(stream, handle);
          if (this.closing) handle.close();
          return handle;
        }
        // The port stays marked as taken when another process holds it, so it is not retried at once.
        if (!PORT_TAKEN.has(result.code)) {
          this.ports.release(port);
          throw new Error(`cannot open RTP socket on ${this.options.host}:${port}: ${result.message}`);
        }
        setTimeout(() => this.ports.release(port), 10_000).unref();
      }
      throw new Error(`no free RTP port in ${this.options.portRange.join('-')}`);
    } catch (err) {
      target.load--;
      throw err;
    }
  }

  /**
   * A conference room's mixer on `near`'s worker (the first member's: it and every member later
   * opened beside it are mixed from their packets), or the least-loaded one.
   */
  openRoom(near?: RtpStream): MixRoomHandle {
    if (this.closing) throw new Error('MediaEngine is closed');
    const target = this.workerOf(near) ?? this.leastLoaded();
    if (!target) throw new Error('no media worker is running');
    const room = new MixRoomHandle(this.nextStream++, (c) => {
      if (c.type === 'room-close') void room.settled().then(() => target.rooms.delete(room.id));
      target.post(c);
    }, target);
    target.rooms.set(room.id, room);
    return room;
  }

  /** The worker a live stream is on (a room places members beside each other by it). */
  workerIdOf(stream: RtpStream): object | undefined {
    return this.workerOf(stream);
  }

  /**
   * Per-worker and total figures since the previous call: streams, packets sent/received per
   * second, send jitter p50/p99/max, frames skipped, event-loop delay. For benchmarks.
   */
  async stats(): Promise<MediaStats> {
    const live = this.workers.filter((w) => w.alive);
    const samples = await Promise.all(
      live.map(
        (w) =>
          new Promise<WorkerStatsSample>((resolve) => {
            const request = this.nextRequest++;
            w.statsRequests.set(request, resolve);
            w.post({ type: 'stats', request });
          }),
      ),
    );
    return aggregateStats(samples);
  }

  /** Closes every stream (recordings end with reason 'closed' and are complete on disk), then the workers. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const w of this.workers) {
      for (const stream of w.streams.values()) stream.close();
      w.post({ type: 'shutdown' });
    }
    await Promise.all(
      this.workers.map(async (w) => {
        const timer = setTimeout(() => void w.worker.terminate(), SHUTDOWN_TIMEOUT_MS);
        await w.exited;
        clearTimeout(timer);
      }),
    );
  }

  private workerOf(stream: RtpStream | undefined): MediaWorker | undefined {
    if (!(stream instanceof RtpStreamHandle) || !stream.live) return undefined;
    const worker = this.workers.find((w) => w === stream.worker);
    return worker?.alive ? worker : undefined;
  }

  private leastLoaded(): MediaWorker | undefined {
    let best: MediaWorker | undefined;
    for (const w of this.workers) if (w.alive && (!best || w.load < best.load)) best = w;
    return best;
  }

  private readonly onReport = (from: MediaWorker, report: Report): void => {
    switch (report.type) {
      case 'opened':
      case 'open-failed': {
        const resolve = from.opening.get(report.stream);
        from.opening.delete(report.stream);
        return resolve?.(report);
      }
      case 'closed':
        from.streams.delete(report.stream);
        from.load--;
        this.ports.release(report.port);
        return;
      case 'stats': {
        const resolve = from.statsRequests.get(report.request);
        from.statsRequests.delete(report.request);
        return resolve?.(report.stats);
      }
      case 'ready':
        return;
      case 'room-out':
      case 'room-play-done':
      case 'room-record-done':
      case 'room-record-failed':
        return from.rooms.get(report.room)?.deliver(report);
      case 'fault':
        // A bug inside the worker caught at its boundary; the worker and its calls go on.
        process.emitWarning(`media worker: ${report.message}`, 'MediaEngineWarning');
        return;
      default:
        from.streams.get(report.stream)?.deliver(report);
    }
  };

  private readonly onWorkerDeath = (from: MediaWorker, err: Error): void => {
    if (!from.alive) return;
    from.alive = false;
    if (!this.closing) process.emitWarning(`a media worker stopped (${err.message}); its ${from.streams.size} calls lost their audio`, 'MediaWorkerDied');
    for (const stream of from.streams.values()) {
      stream.fail(err);
      if (stream.localPort) this.ports.release(stream.localPort);
    }
    from.streams.clear();
    for (const [stream, resolve] of from.opening) resolve({ type: 'open-failed', stream, code: 'EWORKER', message: err.message });
    from.opening.clear();
    for (const room of from.rooms.values()) room.fail(err);
    from.rooms.clear();
    for (const resolve of from.statsRequests.values()) resolve(emptySample());
    from.statsRequests.clear();
  };
}

function emptySample(): WorkerStatsSample {
  return {
    windowMs: 0,
    streams: 0,
    packetsSent: 0,
    packetsReceived: 0,
    packetsRelayed: 0,
    framesSkipped: 0,
    jitterHistogram: new Uint32Array(0),
    jitterMaxMs: 0,
    mixJitterHistogram: new Uint32Array(0),
    mixJitterMaxMs: 0,
    eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
    busy: 0,
  };
}
