/**
 * Time is a port (design.md, invariants): every wait the server times goes through a Clock,
 * so tests can advance time and `--time-scale` can compress real runs. `now()` is always
 * wall-clock truth; only waits are scaled.
 */
export interface Clock {
  /** Wall-clock epoch milliseconds, used for timestamps and durations. */
  now(): number;
  /**
   * Call time elapsed since the wall-clock instant `epochMs` (a value of `now()`): what a
   * timer set then would have counted. Lets a limit counted from the answer be re-armed.
   */
  callTimeSince(epochMs: number): number;
  /** Runs `fn` after `ms` of call time (scaled by the clock's time scale). */
  setTimer(ms: number, fn: () => void): Timer;
  /** Resolves after `ms` of call time; rejects with the signal's reason if aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Timer {
  /** Idempotent. */
  cancel(): void;
}

/** Shared implementation of `sleep` in terms of `setTimer`, so every clock aborts the same way. */
export function sleepWith(clock: Pick<Clock, 'setTimer'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
