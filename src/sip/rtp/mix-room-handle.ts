import type { RecordingHandle, RecordingResult, RtpStream } from './media-api.js';
import type { Command, Report } from './protocol.js';
import { RtpStreamHandle } from './rtp-stream-handle.js';

type RoomReport = Extract<Report, { room: number }>;

export interface MemberOptions {
  muted: boolean;
  /** The member this one coaches (a member id of this room), or null. */
  coach: number | null;
}

/**
 * The main thread's side of one conference room's mixer (mix-room.ts), on one media worker.
 * A member whose stream lives on that worker is mixed there from its packets; a member on
 * another worker is `remote`: the caller feeds its received frames (`feed`) and gets what it
 * hears through `onOut`, to feed to its stream. Plays settle from the worker's reports.
 */
export class MixRoomHandle {
  private nextPlay = 1;
  private readonly plays = new Map<number, { resolve(): void; reject(e: unknown): void }>();
  private readonly recordings = new Map<number, { resolve(r: RecordingResult): void; reject(e: Error): void }>();
  private closed = false;
  private readonly files: Promise<unknown>[] = [];
  /** What a remote member hears, 20 ms at a time. */
  onOut: (member: number, pcm: Int16Array) => void = () => {};

  constructor(
    readonly id: number,
    private readonly post: (command: Command) => void,
    /** The worker the room lives on. */
    readonly worker: object,
  ) {
    post({ type: 'room-open', room: id });
  }

  /** Whether `stream` is on the room's worker (mixed from its packets) rather than remote. */
  isLocal(stream: RtpStream): boolean {
    return stream instanceof RtpStreamHandle && stream.worker === this.worker && stream.live;
  }

  /** Adds a member: from `stream`'s packets when it is local, from its plays alone (`source`), else remote (fed, heard through onOut). */
  add(member: number, stream: RtpStream | 'source' | undefined, options: MemberOptions): void {
    if (stream === 'source') return this.post({ type: 'room-add', room: this.id, member, source: true, ...options });
    const local = stream instanceof RtpStreamHandle && this.isLocal(stream) ? stream.streamId : undefined;
    this.post({ type: 'room-add', room: this.id, member, stream: local, ...options });
  }

  set(member: number, options: MemberOptions): void {
    this.post({ type: 'room-set', room: this.id, member, ...options });
  }

  remove(member: number): void {
    this.post({ type: 'room-remove', room: this.id, member });
  }

  feed(member: number, pcm: Int16Array): void {
    this.post({ type: 'room-feed', room: this.id, member, pcm });
  }

  /** Plays PCM or in-band digits on a member's seat (its words) or, with member undefined, to the whole room. */
  play(member: number | undefined, audio: { pcm: Int16Array } | { digits: string }, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.resolve();
    const play = this.nextPlay++;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.plays.delete(play);
        this.post({ type: 'room-stop-play', room: this.id, play });
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const off = () => signal.removeEventListener('abort', onAbort);
      this.plays.set(play, { resolve: () => (off(), resolve()), reject: (e) => (off(), reject(e)) });
      this.post({ type: 'room-play', room: this.id, member, play, ...audio });
    });
  }

  record(path: string): RecordingHandle {
    const recording = this.nextPlay++;
    const done = this.closed
      ? Promise.reject(new Error('room closed'))
      : new Promise<RecordingResult>((resolve, reject) => this.recordings.set(recording, { resolve, reject }));
    done.catch(() => {});
    this.files.push(done);
    if (!this.closed) this.post({ type: 'room-record', room: this.id, recording, path });
    return {
      done,
      stop: () => {
        if (this.recordings.has(recording)) this.post({ type: 'room-stop-record', room: this.id, recording });
        return done;
      },
    };
  }

  /** Idempotent; recordings settle once their files are complete. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.post({ type: 'room-close', room: this.id });
  }

  /** Settles once every recording of the room has settled (they outlive `close` by the file's end). */
  settled(): Promise<unknown> {
    return Promise.allSettled(this.files);
  }

  /** The worker died: nothing will settle what is pending. */
  fail(err: Error): void {
    this.closed = true;
    for (const p of this.plays.values()) p.reject(err);
    this.plays.clear();
    for (const r of this.recordings.values()) r.reject(err);
    this.recordings.clear();
  }

  deliver(report: RoomReport): void {
    switch (report.type) {
      case 'room-out':
        return this.onOut(report.member, report.pcm);
      case 'room-play-done': {
        const p = this.plays.get(report.play);
        this.plays.delete(report.play);
        return p?.resolve();
      }
      case 'room-record-done':
      case 'room-record-failed': {
        const r = this.recordings.get(report.recording);
        this.recordings.delete(report.recording);
        if (report.type === 'room-record-done') r?.resolve(report.result);
        else r?.reject(new Error(`recording failed: ${report.message}`));
        return;
      }
    }
  }
}
