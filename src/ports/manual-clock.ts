import { sleepWith, type Clock, type Timer } from './clock.js';

/** 2025-01-01T00:00:00Z: a fixed default so timestamps in tests are reproducible. */
const DEFAULT_EPOCH_MS = Date.UTC(2025, 0, 1);

/** Lets queued promise continuations run, so code woken by one timer can arm the next. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A Clock for tests: time stands still until `advance(ms)` moves it, firing each due timer
 * in order of due time (ties in the order they were set). After each timer it lets pending
 * promise callbacks run, so a chain of waits (a verb that sleeps, then sleeps again) plays out
 * inside one `advance` exactly as it would in real time. Modelled on xstate's SimulatedClock.
 */
export class ManualClock implements Clock {
  private epochMs: number;
  /** Sorted by due time, ties in insertion order: tests hold few timers, so clarity beats a heap. */
  private readonly timers: ManualTimer[] = [];
  private advancing = false;

  /** @param startEpochMs what `now()` returns before any `advance`. */
  constructor(startEpochMs: number = DEFAULT_EPOCH_MS) {
    this.epochMs = startEpochMs;
  }

  now(): number {
    return this.epochMs;
  }

  callTimeSince(epochMs: number): number {
    return this.epochMs - epochMs;
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer = new ManualTimer(this.timers, this.epochMs + delay, fn);
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].due > timer.due) i--;
    this.timers.splice(i, 0, timer);
    return timer;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, including
   * timers set by the timers it fires. Always await it. An exception thrown by a timer
   * rejects the returned promise (time stays where that timer was due).
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0, got ${ms}`);
    // Overlapping advances would interleave two timelines; refuse rather than guess.
    if (this.advancing) throw new Error('ManualClock.advance() called while already advancing');
    this.advancing = true;
    try {
      const target = this.epochMs + ms;
      await flush();
      for (let next = this.timers[0]; next !== undefined && next.due <= target; next = this.timers[0]) {
        this.timers.shift();
        this.epochMs = Math.max(this.epochMs, next.due);
        next.fire();
        await flush();
      }
      this.epochMs = target;
    } finally {
      this.advancing = false;
    }
  }
}

class ManualTimer implements Timer {
  private fn: (() => void) | undefined;

  constructor(
    private readonly pending: ManualTimer[],
    readonly due: number,
    fn: () => void,
  ) {
    this.fn = fn;
  }

  fire(): void {
    const fn = this.fn;
    this.fn = undefined;
    fn?.();
  }

  cancel(): void {
    if (this.fn === undefined) return;
    this.fn = undefined;
    const i = this.pending.indexOf(this);
    if (i >= 0) this.pending.splice(i, 1);
  }
}
