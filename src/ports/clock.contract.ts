import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock } from './clock.js';

/** What a Clock adapter's test file hands the contract: a fresh clock and a way to let time pass. */
export interface ClockHarness {
  clock: Clock;
  /** Lets `ms` of call time pass: a ManualClock advances, a real clock waits (scaled). */
  advance(ms: number): Promise<void>;
}

/**
 * The Clock port's contract (design.md: "every port has one contract suite"). Every Clock
 * adapter runs it from its own test file. Durations are call-time ms chosen far apart, so a
 * real clock at a compressed time scale passes too.
 */
export function runClockContract(name: string, make: () => ClockHarness): void {
  describe(`Clock contract: ${name}`, () => {
    it('fires timers in order of due time, not of setting', async () => {
      const { clock, advance } = make();
      const fired: number[] = [];
      for (const ms of [30_000, 10_000, 20_000]) clock.setTimer(ms, () => fired.push(ms));
      await advance(40_000);
      assert.deepEqual(fired, [10_000, 20_000, 30_000]);
    });

    it('does not fire a timer before its due time', async () => {
      const { clock, advance } = make();
      let fired = false;
      clock.setTimer(100_000, () => (fired = true));
      await advance(20_000);
      assert.equal(fired, false);
      await advance(100_000);
      assert.equal(fired, true);
    });

    it('fires a timer set from inside another timer when it falls due', async () => {
      const { clock, advance } = make();
      const fired: string[] = [];
      clock.setTimer(10_000, () => {
        fired.push('first');
        clock.setTimer(10_000, () => fired.push('second'));
      });
      await advance(40_000);
      assert.deepEqual(fired, ['first', 'second']);
    });

    it('cancel prevents a timer from firing and is idempotent', async () => {
      const { clock, advance } = make();
      let fired = 0;
      const timer = clock.setTimer(10_000, () => fired++);
      timer.cancel();
      timer.cancel();
      await advance(30_000);
      assert.equal(fired, 0);
    });

    it('cancel after a timer fired is harmless', async () => {
      const { clock, advance } = make();
      let fired = 0;
      const timer = clock.setTimer(10_000, () => fired++);
      await advance(30_000);
      timer.cancel();
      timer.cancel();
      assert.equal(fired, 1);
    });

    it('sleep resolves after its duration', async () => {
      const { clock, advance } = make();
      let done = false;
      const slept = clock.sleep(100_000).then(() => (done = true));
      await advance(20_000);
      assert.equal(done, false);
      await advance(100_000);
      await slept;
      assert.equal(done, true);
    });

    it('sleep rejects with the signal reason when aborted, and never resolves later', async () => {
      const { clock, advance } = make();
      const controller = new AbortController();
      const reason = new Error('redirected');
      const slept = clock.sleep(50_000, controller.signal);
      controller.abort(reason);
      await assert.rejects(slept, (err) => err === reason);
      await advance(80_000);
    });

    it('sleep with an already-aborted signal rejects at once with its reason', async () => {
      const { clock } = make();
      const reason = new Error('hung up');
      await assert.rejects(clock.sleep(10_000, AbortSignal.abort(reason)), (err) => err === reason);
    });

    it('sleep with a signal that never aborts resolves normally', async () => {
      const { clock, advance } = make();
      const controller = new AbortController();
      const slept = clock.sleep(10_000, controller.signal);
      await advance(30_000);
      await slept;
      // Aborting afterwards must not surface as an unhandled rejection.
      controller.abort(new Error('late'));
    });

    it('callTimeSince counts the call time that passed, whatever the time scale', async () => {
      const { clock, advance } = make();
      const start = clock.now();
      await advance(2_000);
      const elapsed = clock.callTimeSince(start);
      assert.ok(elapsed >= 2_000 && elapsed < 600_000, `elapsed ${elapsed}`);
    });

    it('now() never goes backwards as time passes', async () => {
      const { clock, advance } = make();
      const before = clock.now();
      assert.equal(typeof before, 'number');
      await advance(10_000);
      assert.ok(clock.now() >= before);
    });
  });
}
