import type { RecordingOptions, RecordingResult } from './recording.js';

/**
 * Messages between the main thread's MediaEngine and its media workers. The main thread only
 * sends commands; each worker owns the sockets and the 20 ms loop of its streams.
 */
export interface StreamParams {
  remoteAddress: string;
  remotePort: number;
  payloadType: 0 | 8;
  telephoneEventPt?: number;
  send: boolean;
  receive: boolean;
}

export interface WorkerConfig {
  host: string;
  rtpTimeoutMs: number;
}

export type Command =
  | { type: 'open'; stream: number; port: number }
  | { type: 'configure'; stream: number; params: StreamParams }
  /** `pcm` is posted as is: on a SharedArrayBuffer it is shared, not copied. */
  | { type: 'play'; stream: number; play: number; pcm: Int16Array }
  | { type: 'play-digits'; stream: number; play: number; digits: string }
  | { type: 'stop-play'; stream: number; play: number }
  | { type: 'detect-inband'; stream: number; on: boolean }
  | { type: 'record'; stream: number; recording: number; path: string; options: RecordingOptions }
  /** Joins two streams of this worker: what each receives is sent on the other (a bridge). */
  | { type: 'link'; stream: number; other: number }
  | { type: 'unlink'; stream: number; other: number }
  /** While on, what the stream receives is reported as decoded 20 ms frames (`audio`). */
  | { type: 'tap'; stream: number; on: boolean }
  /** Audio from a leg elsewhere, played in order as it comes (a bridge's audio path). */
  | { type: 'feed'; stream: number; pcm: Int16Array }
  | { type: 'stop-record'; stream: number; recording: number }
  /** A conference room's mixer on this worker (mix-room.ts); members are numbered per room. */
  | { type: 'room-open'; room: number }
  /**
   * `stream` is the member's stream when it lives on this worker; `source` a member heard only
   * through its plays (a simulated phone); else the member is remote (room-feed in, room-out back).
   */
  | { type: 'room-add'; room: number; member: number; stream?: number; source?: boolean; muted: boolean; coach: number | null }
  | { type: 'room-set'; room: number; member: number; muted: boolean; coach: number | null }
  | { type: 'room-remove'; room: number; member: number }
  | { type: 'room-feed'; room: number; member: number; pcm: Int16Array }
  /** On `member`'s seat (its rendered words) or, without one, on the room's voice; pcm or in-band digits. */
  | { type: 'room-play'; room: number; member?: number; play: number; pcm?: Int16Array; digits?: string }
  | { type: 'room-stop-play'; room: number; play: number }
  | { type: 'room-record'; room: number; recording: number; path: string }
  | { type: 'room-stop-record'; room: number; recording: number }
  | { type: 'room-close'; room: number }
  | { type: 'close'; stream: number }
  | { type: 'stats'; request: number }
  | { type: 'shutdown' };

export type Report =
  | { type: 'ready' }
  | { type: 'opened'; stream: number; address: string; port: number }
  | { type: 'open-failed'; stream: number; code: string; message: string }
  | { type: 'closed'; stream: number; port: number }
  | { type: 'play-done'; stream: number; play: number }
  | { type: 'dtmf'; stream: number; digit: string }
  | { type: 'audio'; stream: number; pcm: Int16Array }
  | { type: 'rtp-timeout'; stream: number }
  | { type: 'record-done'; stream: number; recording: number; result: RecordingResult }
  | { type: 'record-failed'; stream: number; recording: number; message: string }
  | { type: 'stats'; request: number; stats: WorkerStatsSample }
  | { type: 'room-out'; room: number; member: number; pcm: Int16Array }
  | { type: 'room-play-done'; room: number; play: number }
  | { type: 'room-record-done'; room: number; recording: number; result: RecordingResult }
  | { type: 'room-record-failed'; room: number; recording: number; message: string }
  | { type: 'fault'; message: string };

/** Send-jitter histogram resolution and range (deviations beyond it land in the last bin). */
export const JITTER_BIN_MS = 0.05;
export const JITTER_BINS = 4000;

/** What a worker measured since its previous stats sample. */
export interface WorkerStatsSample {
  windowMs: number;
  streams: number;
  packetsSent: number;
  packetsReceived: number;
  /** Packets forwarded from one linked stream to the other (also counted in packetsSent). */
  packetsRelayed: number;
  framesSkipped: number;
  /** Counts of |interval − expected| per JITTER_BIN_MS bin. */
  jitterHistogram: Uint32Array;
  jitterMaxMs: number;
  /** The same for conference rooms' mix ticks (one count per room per tick). */
  mixJitterHistogram: Uint32Array;
  mixJitterMaxMs: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Share of the window the worker's event loop was busy (0–1): its CPU cost at this load. */
  busy: number;
}
