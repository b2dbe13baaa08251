import { performance } from 'node:perf_hooks';
import type { PacedStream } from './pacer.js';
import { FRAME_SAMPLES, PcmSource, SlotFrame, renderInbandDigits, type FrameSource } from './play-sources.js';
import { PlayoutBuffer } from './playout-buffer.js';
import { FeedBuffer } from './relay.js';
import { Recording, type RecordingResult } from './recording.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** What a room tells the worker, which forwards it to the main thread. */
export interface RoomReporter {
  /** A member that lives elsewhere (`remote`): its 20 ms of the mix, to be fed to its leg. */
  out(member: number, pcm: Int16Array): void;
  playDone(play: number): void;
  recordingEnded(recording: number, result: Promise<RecordingResult>): void;
}

export interface SeatOptions {
  muted: boolean;
  /** The member this one coaches (heard by it alone), or null. */
  coach: number | null;
}

/**
 * One member of the room. Its audio comes from its own stream's packets (`buffer`, a member on
 * this worker), from frames fed by the main thread (`fed`: a SIP leg on another worker), or
 * from plays (`queue`: words of a simulated phone rendered to speech, its keys as tones).
 */
export class Seat {
  readonly buffer = new PlayoutBuffer();
  fed: FeedBuffer | undefined;
  readonly queue: { play: number; source: FrameSource }[] = [];
  readonly frame = new Int16Array(FRAME_SAMPLES);
  /** What the member hears this slot: the others' sum, saturated. */
  readonly out = new Int16Array(FRAME_SAMPLES);
  /** Whether `frame` holds audio this slot (and the member is summed at all). */
  speaking = false;

  constructor(
    readonly id: number,
    public options: SeatOptions,
    readonly remote: boolean,
  ) {}
}

const NO_SEATS: readonly Seat[] = [];
const INT16_MAX = 32767;
const INT16_MIN = -32768;

/**
 * A conference room's PCM mixer, on the media worker of its members (conferences.md §1;
 * issue 8 point 3). Every 20 ms slot, at most once (`mix`), each member's audio is taken (its
 * jitter buffer, fed frames or plays), and each member hears the sum of the others (N−1):
 * `total − own`, plus the coaches that coach it; a muted member is not summed; a coach is
 * summed for the coached member alone; the room's voice (announcements, beeps) is in `total`,
 * so everyone hears it. Sums are saturated to int16 and never scaled: a room is mostly one
 * talker at a time, and scaling by 1/N would make a lone talker quieter as the room grows.
 * Recordings take `total` (what a silent listener would hear; coaching is private).
 *
 * Members on this worker are mixed in the slot their stream sends; the room is also a paced
 * member of the worker's loop itself, so rooms with only remote members mix on time, and its
 * `mix` measures the tick jitter (deviation of the interval between mixes from 20 ms).
 */
export class MixRoom implements PacedStream {
  private readonly seats = new Map<number, Seat>();
  private readonly total = new Int32Array(FRAME_SAMPLES);
  private readonly totalPcm = new Int16Array(FRAME_SAMPLES);
  private readonly voice: { play: number; source: FrameSource }[] = [];
  private readonly voiceFrame = new SlotFrame();
  private readonly recordings = new Map<number, Recording>();
  private lastSlot = NaN;
  private lastMixAt: number | undefined;
  /** This slot's speaking coaches (usually none). */
  private readonly coaches: Seat[] = [];

  constructor(
    private readonly metrics: WorkerMetrics,
    private readonly reporter: RoomReporter,
  ) {}

  get size(): number {
    return this.seats.size;
  }

  seat(id: number, options: SeatOptions, remote: boolean): Seat {
    const seat = new Seat(id, options, remote);
    this.seats.set(id, seat);
    return seat;
  }

  get(id: number): Seat | undefined {
    return this.seats.get(id);
  }

  remove(id: number): void {
    const seat = this.seats.get(id);
    if (!seat) return;
    this.seats.delete(id);
    for (const q of seat.queue) this.reporter.playDone(q.play);
  }

  /** A play on a member (its rendered words) or, with member undefined, on the room's voice. */
  play(seat: Seat | undefined, play: number, pcm: Int16Array | undefined, digits: string | undefined): void {
    const source = new PcmSource(pcm ?? renderInbandDigits(digits ?? ''));
    if ((pcm ?? digits ?? '').length === 0) return this.reporter.playDone(play);
    (seat ? seat.queue : this.voice).push({ play, source });
  }

  stopPlay(play: number): void {
    for (const queue of [this.voice, ...[...this.seats.values()].map((s) => s.queue)]) {
      const i = queue.findIndex((q) => q.play === play);
      if (i >= 0) queue.splice(i, 1);
    }
  }

  record(recording: number, path: string): void {
    const r = new Recording(path, { mix: 'both' }, (result) => {
      this.recordings.delete(recording);
      this.reporter.recordingEnded(recording, result);
    });
    this.recordings.set(recording, r);
  }

  stopRecording(recording: number): void {
    void this.recordings.get(recording)?.end('stopped');
  }

  /** What `seat` hears in the slot at `slotTime` (mixing the slot first if nobody has yet). */
  frameFor(seat: Seat, slotTime: number): Int16Array {
    this.mix(slotTime);
    return seat.out;
  }

  sendSlot(slotTime: number): void {
    this.mix(slotTime);
  }

  skipSlots(slots: number): void {
    for (const seat of this.seats.values()) seat.buffer.skip(slots);
    this.lastMixAt = undefined;
  }

  private mix(slotTime: number): void {
    if (slotTime === this.lastSlot) return;
    const now = performance.now();
    if (this.lastMixAt !== undefined) this.metrics.recordMixDeviation(now - this.lastMixAt - (slotTime - this.lastSlot));
    this.lastMixAt = now;
    this.lastSlot = slotTime;
    const total = this.total;
    total.fill(0);
    const coaches = this.coaches;
    coaches.length = 0;
    for (const seat of this.seats.values()) {
      seat.speaking = this.take(seat) && !seat.options.muted;
      if (!seat.speaking) continue;
      if (seat.options.coach !== null) coaches.push(seat);
      else for (let i = 0; i < FRAME_SAMPLES; i++) total[i] += seat.frame[i];
    }
    const voice = this.voice[0];
    if (voice) {
      const frame = this.voiceFrame;
      frame.reset();
      const finished = voice.source.fill(frame, 0);
      if (frame.kind === 'audio') {
        const { pcm, from } = frame;
        for (let i = 0; i < FRAME_SAMPLES && from + i < pcm.length; i++) total[i] += pcm[from + i];
      }
      if (finished) {
        this.voice.shift();
        this.reporter.playDone(voice.play);
      }
    }
    for (const seat of this.seats.values()) this.hear(seat);
    if (this.recordings.size > 0) {
      saturate(total, this.totalPcm);
      for (const r of this.recordings.values()) r.sent(slotTime, this.totalPcm, 0, FRAME_SAMPLES);
    }
  }

  /** The member's 20 ms of audio into `seat.frame`: its plays first, then fed frames, then its packets. */
  private take(seat: Seat): boolean {
    const head = seat.queue[0];
    if (head) {
      const frame = this.voiceFrame;
      frame.reset();
      const finished = head.source.fill(frame, 0);
      const { pcm, from } = frame;
      for (let i = 0; i < FRAME_SAMPLES; i++) seat.frame[i] = from + i < pcm.length ? pcm[from + i] : 0;
      if (finished) {
        seat.queue.shift();
        this.reporter.playDone(head.play);
      }
      seat.buffer.skip(1); // the member's own packets of this slot are dropped
      return true;
    }
    if (seat.fed) return seat.fed.take(seat.frame);
    return seat.buffer.take(seat.frame);
  }

  /** `seat.out` = total − own + what its coaches say, saturated; posted when the member is remote. */
  private hear(seat: Seat): void {
    const own = seat.speaking && seat.options.coach === null;
    const out = seat.out;
    const total = this.total;
    const coaches = this.coaches.length === 0 ? NO_SEATS : this.coaches.filter((coach) => coach.options.coach === seat.id);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      let s = own ? total[i] - seat.frame[i] : total[i];
      for (const coach of coaches) s += coach.frame[i];
      out[i] = s > INT16_MAX ? INT16_MAX : s < INT16_MIN ? INT16_MIN : s;
    }
    if (seat.remote) this.reporter.out(seat.id, out.slice());
  }

  housekeeping(now: number): void {
    for (const r of this.recordings.values()) r.tick(now);
  }

  /** Ends recordings (reason 'closed') and plays; resolves when the files are complete. */
  close(): Promise<unknown> {
    for (const q of this.voice) this.reporter.playDone(q.play);
    this.voice.length = 0;
    for (const id of [...this.seats.keys()]) this.remove(id);
    return Promise.all([...this.recordings.values()].map((r) => r.end('closed').catch(() => {})));
  }
}

function saturate(from: Int32Array, to: Int16Array): void {
  for (let i = 0; i < from.length; i++) {
    const s = from[i];
    to[i] = s > INT16_MAX ? INT16_MAX : s < INT16_MIN ? INT16_MIN : s;
  }
}
