import { JITTER_BINS, JITTER_BIN_MS, type WorkerStatsSample } from './protocol.js';

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

/** What one worker (or all of them, in `total`) did since the previous `stats()` call. */
export interface MediaLoadStats {
  streams: number;
  /** RTP packets sent and received per second over the window. */
  txPps: number;
  rxPps: number;
  /** Of txPps, the packets relayed between linked streams (a bridge) per second. */
  relayPps: number;
  /** Deviation of each stream's inter-packet send interval from its slots' interval (20 ms), in ms. */
  sendJitterMs: Percentiles;
  /** Deviation of each conference room's interval between mix ticks from 20 ms; `count` ticks. */
  mixJitterMs: Percentiles & { count: number };
  /** Stream-frames not sent because the loop fell more than two slots behind. */
  framesSkipped: number;
  /** Event-loop delay of the worker; in `total`, the worst worker's figures. */
  eventLoopDelayMs: Percentiles;
  /** Share of the window the worker's event loop was busy; in `total`, the mean over workers. */
  busy: number;
}

export interface MediaStats {
  workers: (MediaLoadStats & { worker: number })[];
  total: MediaLoadStats;
}

function percentile(histogram: Uint32Array, count: number, p: number): number {
  if (count === 0) return 0;
  const rank = Math.ceil(p * count);
  let seen = 0;
  for (let bin = 0; bin < histogram.length; bin++) {
    seen += histogram[bin];
    if (seen >= rank) return (bin + 1) * JITTER_BIN_MS;
  }
  return histogram.length * JITTER_BIN_MS;
}

function summarize(samples: WorkerStatsSample[]): MediaLoadStats {
  const histogram = new Uint32Array(JITTER_BINS);
  let count = 0;
  for (const s of samples) {
    const h = s.jitterHistogram;
    for (let i = 0; i < h.length && i < JITTER_BINS; i++) histogram[i] += h[i];
  }
  for (let i = 0; i < JITTER_BINS; i++) count += histogram[i];
  const mixHistogram = new Uint32Array(JITTER_BINS);
  let mixCount = 0;
  for (const s of samples) {
    const h = s.mixJitterHistogram;
    for (let i = 0; i < h.length && i < JITTER_BINS; i++) mixHistogram[i] += h[i];
  }
  for (let i = 0; i < JITTER_BINS; i++) mixCount += mixHistogram[i];
  const perSecond = (n: number, windowMs: number) => (windowMs > 0 ? (n * 1000) / windowMs : 0);
  const sum = (f: (s: WorkerStatsSample) => number) => samples.reduce((n, s) => n + f(s), 0);
  const worst = (f: (s: WorkerStatsSample) => number) => samples.reduce((n, s) => Math.max(n, f(s)), 0);
  return {
    streams: sum((s) => s.streams),
    txPps: sum((s) => perSecond(s.packetsSent, s.windowMs)),
    rxPps: sum((s) => perSecond(s.packetsReceived, s.windowMs)),
    relayPps: sum((s) => perSecond(s.packetsRelayed, s.windowMs)),
    sendJitterMs: {
      p50: percentile(histogram, count, 0.5),
      p99: percentile(histogram, count, 0.99),
      max: worst((s) => s.jitterMaxMs),
    },
    mixJitterMs: {
      p50: percentile(mixHistogram, mixCount, 0.5),
      p99: percentile(mixHistogram, mixCount, 0.99),
      max: worst((s) => s.mixJitterMaxMs),
      count: mixCount,
    },
    framesSkipped: sum((s) => s.framesSkipped),
    eventLoopDelayMs: {
      p50: worst((s) => s.eventLoopDelayMs.p50),
      p99: worst((s) => s.eventLoopDelayMs.p99),
      max: worst((s) => s.eventLoopDelayMs.max),
    },
    busy: samples.length > 0 ? sum((s) => s.busy) / samples.length : 0,
  };
}

export function aggregateStats(samples: WorkerStatsSample[]): MediaStats {
  return {
    workers: samples.map((s, worker) => ({ worker, ...summarize([s]) })),
    total: summarize(samples),
  };
}
