/** Messages between bench/rtp-generator.ts and its worker threads (bench/rtp-generator-worker.ts). */

/** Deviations are counted in 0.05 ms buckets, so the workers' histograms merge exactly. */
export const BUCKET_MS = 0.05;
export const BUCKETS = 4000; // up to 200 ms; beyond that counts in the last bucket

export type GeneratorCommand =
  | { cmd: 'remotes'; remotes: { leg: number; host: string; port: number; payloadType: 0 | 8 }[] }
  | { cmd: 'start' }
  | { cmd: 'window-start' }
  | { cmd: 'window-end' }
  | { cmd: 'stop' };

export interface WorkerWindow {
  seconds: number;
  sent: number;
  received: number;
  /** Packets received per leg (index into this worker's legs). */
  receivedPerLeg: number[];
  /** Payload types seen on received packets, with counts. */
  payloadTypes: Record<string, number>;
  arrival: number[];
  lateness: number[];
  /** Since the generator started, windows or not. */
  sentTotal: number;
  receivedTotal: number;
}
