import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { JITTER_BINS, JITTER_BIN_MS, type WorkerStatsSample } from './protocol.js';

/** The loop-delay histogram records whole sampling intervals; the interval is subtracted. */
const LOOP_SAMPLE_MS = 5;

/**
 * Counters of one media worker, read and reset by each stats sample. Send jitter is the
 * deviation of a stream's interval between two sent packets from the interval of their slots
 * (20 ms for consecutive slots), measured where the packet is handed to the socket.
 */
export class WorkerMetrics {
  packetsSent = 0;
  packetsReceived = 0;
  packetsRelayed = 0;
  private jitter = new Uint32Array(JITTER_BINS);
  private jitterMax = 0;
  /** Rooms' mix ticks (conference mixing): deviation of the interval between mixes from 20 ms. */
  private mixJitter = new Uint32Array(JITTER_BINS);
  private mixJitterMax = 0;
  private windowStart = performance.now();
  private utilization = performance.eventLoopUtilization();
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });

  constructor() {
    this.loopDelay.enable();
  }

  recordSendDeviation(ms: number): void {
    const d = ms < 0 ? -ms : ms;
    const bin = Math.min(JITTER_BINS - 1, Math.floor(d / JITTER_BIN_MS));
    this.jitter[bin]++;
    if (d > this.jitterMax) this.jitterMax = d;
  }

  recordMixDeviation(ms: number): void {
    const d = ms < 0 ? -ms : ms;
    this.mixJitter[Math.min(JITTER_BINS - 1, Math.floor(d / JITTER_BIN_MS))]++;
    if (d > this.mixJitterMax) this.mixJitterMax = d;
  }

  sample(streams: number, framesSkipped: number): WorkerStatsSample {
    const now = performance.now();
    const ms = (ns: number) => (this.loopDelay.count ? Math.max(0, ns / 1e6 - LOOP_SAMPLE_MS) : 0);
    const utilization = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(utilization, this.utilization).utilization;
    this.utilization = utilization;
    const result: WorkerStatsSample = {
      windowMs: now - this.windowStart,
      streams,
      packetsSent: this.packetsSent,
      packetsReceived: this.packetsReceived,
      packetsRelayed: this.packetsRelayed,
      framesSkipped,
      jitterHistogram: this.jitter,
      jitterMaxMs: this.jitterMax,
      mixJitterHistogram: this.mixJitter,
      mixJitterMaxMs: this.mixJitterMax,
      eventLoopDelayMs: {
        p50: ms(this.loopDelay.percentile(50)),
        p99: ms(this.loopDelay.percentile(99)),
        max: ms(this.loopDelay.max),
      },
      busy,
    };
    this.windowStart = now;
    this.packetsSent = 0;
    this.packetsReceived = 0;
    this.packetsRelayed = 0;
    this.jitter = new Uint32Array(JITTER_BINS);
    this.jitterMax = 0;
    this.mixJitter = new Uint32Array(JITTER_BINS);
    this.mixJitterMax = 0;
    this.loopDelay.reset();
    return result;
  }

  dispose(): void {
    this.loopDelay.disable();
  }
}
