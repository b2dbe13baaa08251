import { isIP } from 'node:net';
import { isDigitString } from './dtmf.js';
import type { RecordingHandle, RecordingOptions, RecordingResult, RtpStream, StreamEvents, StreamParams } from './media-api.js';
import type { Command, Report } from './protocol.js';

type StreamReport = Extract<Report, { stream: number }>;

interface PendingPlay {
  resolve(): void;
  reject(reason: unknown): void;
}

interface PendingRecording {
  resolve(result: RecordingResult): void;
  reject(err: Error): void;
}

/**
 * The main thread's side of one stream: validates calls, posts commands to the stream's worker
 * and settles promises from the worker's reports.
 */
export class RtpStreamHandle implements RtpStream {
  private readonly plays = new Map<number, PendingPlay>();
  private readonly recordings = new Map<number, PendingRecording>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly id: number,
    readonly localAddress: string,
    readonly localPort: number,
    private readonly events: StreamEvents,
    private readonly post: (command: Command) => void,
    /** The worker the stream lives on: only streams of one worker can be linked. */
    readonly worker: object,
  ) {}

  configure(params: StreamParams): void {
    if (this.closed) return;
    if (!isIP(params.remoteAddress)) throw new TypeError(`remoteAddress must be an IP address, got ${JSON.stringify(params.remoteAddress)}`);
    if (!Number.isInteger(params.remotePort) || params.remotePort < 1 || params.remotePort > 65535) {
      throw new RangeError(`invalid remotePort ${params.remotePort}`);
    }
    if (params.payloadType !== 0 && params.payloadType !== 8) throw new RangeError(`unsupported payload type ${params.payloadType}`);
    const te = params.telephoneEventPt;
    if (te !== undefined && (!Number.isInteger(te) || te < 96 || te > 127)) throw new RangeError(`invalid telephone-event payload type ${te}`);
    this.post({ type: 'configure', stream: this.id, params: { ...params } });
  }

  play(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    return this.startPlay(signal, (play) => ({ type: 'play', stream: this.id, play, pcm }));
  }

  playDigits(digits: string, signal: AbortSignal): Promise<void> {
    if (!isDigitString(digits)) return Promise.reject(new RangeError(`digits may hold only 0-9 * # A-D w W, got ${JSON.stringify(digits)}`));
    return this.startPlay(signal, (play) => ({ type: 'play-digits', stream: this.id, play, digits }));
  }

  private startPlay(signal: AbortSignal, command: (play: number) => Command): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.reject(new Error('RTP stream closed'));
    const play = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.plays.delete(play);
        this.post({ type: 'stop-play', stream: this.id, play });
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.plays.set(play, {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (reason) => {
          signal.removeEventListener('abort', onAbort);
          reject(reason);
        },
      });
      this.post(command(play));
    });
  }

  detectInbandDtmf(on: boolean): void {
    if (!this.closed) this.post({ type: 'detect-inband', stream: this.id, on });
  }

  record(path: string, options: RecordingOptions): RecordingHandle {
    const recording = this.nextId++;
    let done: Promise<RecordingResult>;
    const invalid = invalidRecordingOption(options);
    if (invalid) done = Promise.reject(invalid);
    else if (this.closed) done = Promise.reject(new Error('RTP stream closed'));
    else {
      done = new Promise<RecordingResult>((resolve, reject) => this.recordings.set(recording, { resolve, reject }));
      this.post({ type: 'record', stream: this.id, recording, path, options: { ...options } });
    }
    // A caller that only ever calls stop() must not see an unhandled rejection from `done`.
    done.catch(() => {});
    return {
      done,
      stop: () => {
        if (this.recordings.has(recording)) this.post({ type: 'stop-record', stream: this.id, recording });
        return done;
      },
    };
  }

  link(other: RtpStream): boolean {
    if (!(other instanceof RtpStreamHandle) || other === this || other.worker !== this.worker || this.closed || other.closed) return false;
    this.post({ type: 'link', stream: this.id, other: other.id });
    return true;
  }

  unlink(other: RtpStream): void {
    if (other instanceof RtpStreamHandle && !this.closed) this.post({ type: 'unlink', stream: this.id, other: other.id });
  }

  tap(on: boolean): void {
    if (!this.closed) this.post({ type: 'tap', stream: this.id, on });
  }

  feed(pcm: Int16Array): void {
    if (!this.closed && pcm.length > 0) this.post({ type: 'feed', stream: this.id, pcm });
  }

  /** The worker's number for this stream (a room's member on its worker is named by it). */
  get streamId(): number {
    return this.id;
  }

  /** Whether the stream is still open (not closed, its worker alive). */
  get live(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failPlays(new Error('RTP stream closed'));
    // Recordings settle from the worker's report, with reason 'closed', once the file is complete.
    this.post({ type: 'close', stream: this.id });
  }

  /** The stream's worker is gone: nothing will settle the pending promises any more. */
  fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.events.failed(err);
    this.failPlays(err);
    for (const r of this.recordings.values()) r.reject(err);
    this.recordings.clear();
  }

  private failPlays(err: Error): void {
    for (const p of this.plays.values()) p.reject(err);
    this.plays.clear();
  }

  /** A report from the worker about this stream. */
  deliver(report: StreamReport): void {
    switch (report.type) {
      case 'play-done': {
        const p = this.plays.get(report.play);
        this.plays.delete(report.play);
        return p?.resolve();
      }
      case 'dtmf':
        if (!this.closed) this.events.dtmf(report.digit);
        return;
      case 'audio':
        if (!this.closed) this.events.audio?.(report.pcm);
        return;
      case 'rtp-timeout':
        if (!this.closed) this.events.rtpTimeout();
        return;
      case 'record-done':
      case 'record-failed': {
        const r = this.recordings.get(report.recording);
        this.recordings.delete(report.recording);
        if (report.type === 'record-done') r?.resolve(report.result);
        else r?.reject(new Error(`recording failed: ${report.message}`));
        return;
      }
      default:
        return;
    }
  }
}

function invalidRecordingOption(options: RecordingOptions): Error | undefined {
  if (options.mix !== 'received' && options.mix !== 'both') return new RangeError(`mix must be 'received' or 'both'`);
  for (const key of ['silenceTimeoutMs', 'maxLengthMs'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) return new RangeError(`${key} must be a positive number of ms`);
  }
  return undefined;
}
