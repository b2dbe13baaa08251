import { sleepWith, type Clock, type Timer } from './clock.js';

/** setTimeout overflows past 2^31-1 ms and fires at once, so longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * The production Clock: wall-clock `now()`, real timers scaled by `timeScale`
 * (`--time-scale 0.01` runs a 30 s IVR in 0.3 s; design.md "Time is a port").
 * Only waits are scaled; `now()` stays wall-clock truth so timestamps are honest.
 *
 * With a small scale, call-time gaps below about 1 ms of real time collapse into Node's
 * 1 ms timer resolution, so timers that close together may fire in creation order.
 */
export class SystemClock implements Clock {
  /**
   * @param timeScale real milliseconds per call-time millisecond: 1 = real time, 0.001 = a
   *   thousand times faster, 0 = every timer fires on the next turn of the event loop.
   */
  constructor(readonly timeScale = 1) {
    if (!Number.isFinite(timeScale) || timeScale < 0) {
      throw new RangeError(`timeScale must be a finite number >= 0, got ${timeScale}`);
    }
  }

  now(): number {
    return Date.now();
  }

  callTimeSince(epochMs: number): number {
    const realMs = Date.now() - epochMs;
    // At scale 0 every wait is already over.
    return this.timeScale === 0 ? Number.POSITIVE_INFINITY : realMs / this.timeScale;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const realMs = Math.max(0, Number.isFinite(ms) ? ms * this.timeScale : 0);
    return new SystemTimer(realMs, fn);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
}

/** One pending setTimeout; a class rather than a closure pair so live timers stay small. */
class SystemTimer implements Timer {
  private handle: NodeJS.Timeout | undefined;

  constructor(
    private remainingMs: number,
    private readonly fn: () => void,
  ) {
    this.arm();
  }

  cancel(): void {
    // clearTimeout(undefined) is a no-op, which makes a second cancel (or a cancel after
    // firing) harmless.
    clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(): void {
    const step = Math.min(this.remainingMs, MAX_TIMEOUT_MS);
    this.remainingMs -= step;
    this.handle = setTimeout(() => {
      if (this.remainingMs > 0) return this.arm();
      this.handle = undefined;
      this.fn();
    }, step);
  }
}
