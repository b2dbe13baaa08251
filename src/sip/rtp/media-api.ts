import type { RecordingOptions, RecordingResult } from './recording.js';
import type { StreamParams } from './protocol.js';

export type { RecordingOptions, RecordingResult, StreamParams };
export type { MediaStats, MediaLoadStats, Percentiles } from './media-stats.js';

export interface MediaEngineOptions {
  /** Local address the RTP sockets bind to (and the address to put in SDP `c=`). */
  host: string;
  /** Inclusive; RTP uses the even ports (RFC 3550 §11). */
  portRange: [number, number];
  /** Worker threads; default `os.availableParallelism()`. */
  workers?: number;
  /** No RTP received for this long → `rtpTimeout`; default 60_000, 0 = off. */
  rtpTimeoutMs?: number;
}

export interface StreamEvents {
  /** A key the phone pressed, from RFC 4733 events or (while detection is on) in-band tones. */
  dtmf(digit: string): void;
  /** A decoded 20 ms frame of what the phone sent, while the stream is tapped (`tap(true)`). */
  audio?(pcm: Int16Array): void;
  /** No RTP arrived for `rtpTimeoutMs` while receiving; fires again only after packets resume. */
  rtpTimeout(): void;
  /** The stream's media worker died: no audio flows any more, and nothing will time out. */
  failed(error: Error): void;
}

/** One call's RTP session: a socket on an even port of the range, in one media worker. */
export interface RtpStream {
  readonly localAddress: string;
  readonly localPort: number;
  /**
   * After SDP negotiation or a re-INVITE; the first configure with send=true starts the frames
   * (silence until something plays). send=false (hold) stops packets but keeps the clock; the
   * first packet after resume carries the marker bit.
   */
  configure(params: StreamParams): void;
  /**
   * Plays 8 kHz 16-bit PCM (put it on a SharedArrayBuffer to hand it over without a copy).
   * Plays and digit strings queue behind each other. Resolves when the last frame of `pcm` has
   * been sent; abort stops it within one frame and rejects with signal.reason; rejects when the
   * stream closes.
   */
  play(pcm: Int16Array, signal: AbortSignal): Promise<void>;
  /** `0-9 * # A-D` as RFC 4733 events when negotiated, else in-band tones; `w` = 0.5 s, `W` = 1 s. */
  playDigits(digits: string, signal: AbortSignal): Promise<void>;
  /** In-band (Goertzel) detection costs CPU on every packet; switch it on only while collecting digits. */
  detectInbandDtmf(on: boolean): void;
  record(path: string, options: RecordingOptions): RecordingHandle;
  /**
   * Links this stream with `other` both ways (a bridge): each packet one receives is sent on the
   * other at once, transcoded between PCMU and PCMA when they differ, RFC 4733 events on the
   * other's telephone-event PT. False when `other` is not on this stream's worker (or either is
   * closed): the caller then bridges through tap/feed.
   */
  link(other: RtpStream): boolean;
  /** Undoes `link`; each stream goes back to its own frames (silence) with the marker bit set. */
  unlink(other: RtpStream): void;
  /** While on, received audio is reported as `audio` events (a decode per packet: only then). */
  tap(on: boolean): void;
  /** Queues PCM from elsewhere to play when nothing else plays, without a promise per frame. */
  feed(pcm: Int16Array): void;
  /** Idempotent; releases the port once the worker has closed the socket. */
  close(): void;
}

export interface OpenOptions {
  /** Open the stream on the same worker as this one (both legs of a bridge), when it is live. */
  near?: RtpStream;
}

export interface RecordingHandle {
  /** Ends the recording (reason 'stopped' unless it had already ended) and resolves with its result. */
  stop(): Promise<RecordingResult>;
  /** Settles when the recording ends for any reason; rejects on a file error. */
  readonly done: Promise<RecordingResult>;
}
