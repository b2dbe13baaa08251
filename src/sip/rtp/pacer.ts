import { performance } from 'node:perf_hooks';

export const FRAME_MS = 20;
/** A tick this many slots late or less sends every due frame; later ones skip (sip-media-notes §Pacing). */
const MAX_CATCH_UP_SLOTS = 2;

export interface PacedStream {
  /** Produces (and, unless on hold, sends) the frame of the slot scheduled at `slotTime`. */
  sendSlot(slotTime: number): void;
  /** Advances the stream's clock over `slots` missed slots without sending them. */
  skipSlots(slots: number): void;
}

/**
 * One deadline-paced 20 ms loop for every stream of a worker (sip-media-notes pitfall 19).
 * Slot k is due at t0 + k·20 ms; each tick sends the frames of all due slots and sleeps until
 * the next deadline, so timer lateness never accumulates into drift the way setInterval's does
 * (about −1.2% there, which starves the far end's jitter buffer). When the loop falls more than
 * two slots behind, the missed slots are skipped: every stream's RTP timestamp advances over
 * them, so it stays tied to the wall clock, and no burst hits the network.
 */
export class Pacer {
  private readonly members = new Set<PacedStream>();
  private t0 = 0;
  private nextSlot = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Stream-frames skipped since the counter was last read. */
  framesSkipped = 0;

  constructor(private readonly onError: (err: unknown) => void) {}

  get size(): number {
    return this.members.size;
  }

  add(stream: PacedStream): void {
    this.members.add(stream);
    if (!this.timer) {
      this.t0 = performance.now() + FRAME_MS;
      this.nextSlot = 0;
      this.schedule(performance.now());
    }
  }

  delete(stream: PacedStream): void {
    this.members.delete(stream);
    if (this.members.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    this.members.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(now: number): void {
    this.timer = setTimeout(this.tick, Math.max(0, this.t0 + this.nextSlot * FRAME_MS - now));
  }

  private readonly tick = (): void => {
    const now = performance.now();
    const lastDue = Math.floor((now - this.t0) / FRAME_MS);
    let due = lastDue - this.nextSlot + 1;
    if (due > MAX_CATCH_UP_SLOTS + 1) {
      const skipped = due - 1;
      for (const stream of this.members) {
        try {
          stream.skipSlots(skipped);
        } catch (err) {
          this.onError(err);
        }
      }
      this.framesSkipped += skipped * this.members.size;
      this.nextSlot += skipped;
      due = 1;
    }
    for (; due > 0; due--) {
      const slotTime = this.t0 + this.nextSlot * FRAME_MS;
      for (const stream of this.members) {
        try {
          stream.sendSlot(slotTime);
        } catch (err) {
          this.onError(err);
        }
      }
      this.nextSlot++;
    }
    if (this.members.size > 0) this.schedule(performance.now());
    else this.timer = undefined;
  };
}
