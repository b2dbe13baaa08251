import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runClockContract } from '../src/ports/clock.contract.js';
import { ManualClock } from '../src/ports/manual-clock.js';
import { SystemClock } from '../src/ports/system-clock.js';

runClockContract('ManualClock', () => {
  const clock = new ManualClock();
  return { clock, advance: (ms) => clock.advance(ms) };
});

const SCALE = 0.001;
runClockContract('SystemClock at time scale 0.001', () => ({
  clock: new SystemClock(SCALE),
  // Real time passes; the 5 ms of slack absorbs timer jitter without blurring the contract's gaps.
  advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms * SCALE + 5)),
}));

describe('ManualClock', () => {
  it('starts at the given epoch and moves now() by exactly the advanced amount', async () => {
    const clock = new ManualClock(1_000);
    assert.equal(clock.now(), 1_000);
    await clock.advance(250);
    assert.equal(clock.now(), 1_250);
  });

  it('shows each timer the time it was due when it fires', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.setTimer(300, () => seen.push(clock.now()));
    clock.setTimer(100, () => seen.push(clock.now()));
    await clock.advance(1_000);
    assert.deepEqual(seen, [100, 300]);
  });

  it('fires timers due at the same time in the order they were set', async () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimer(100, () => fired.push('a'));
    clock.setTimer(100, () => fired.push('b'));
    clock.setTimer(50, () => fired.push('c'));
    await clock.advance(100);
    assert.deepEqual(fired, ['c', 'a', 'b']);
  });

  it('counts pending timers and forgets fired, cancelled and aborted ones', async () => {
    const clock = new ManualClock();
    const t = clock.setTimer(100, () => {});
    clock.setTimer(200, () => {});
    const controller = new AbortController();
    const slept = clock.sleep(500, controller.signal);
    assert.equal(clock.pendingTimers, 3);
    t.cancel();
    controller.abort(new Error('stop'));
    await assert.rejects(slept);
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(200);
    assert.equal(clock.pendingTimers, 0);
  });

  it('runs a chain of sleeps inside one advance', async () => {
    const clock = new ManualClock(0);
    const woke: number[] = [];
    const chain = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        woke.push(clock.now());
      }
    })();
    await clock.advance(300);
    await chain;
    assert.deepEqual(woke, [100, 200, 300]);
  });

  it('refuses overlapping advances and negative amounts', async () => {
    const clock = new ManualClock();
    const first = clock.advance(10);
    await assert.rejects(clock.advance(10), /already advancing/);
    await first;
    await assert.rejects(clock.advance(-1), RangeError);
  });
});

describe('SystemClock', () => {
  it('scales waits by the time scale but keeps now() on the wall clock', async () => {
    const clock = new SystemClock(0.001);
    const start = Date.now();
    assert.ok(Math.abs(clock.now() - start) < 50);
    await clock.sleep(20_000); // 20 ms of real time
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= 15 && elapsed < 1_000, `elapsed ${elapsed} ms`);
  });

  it('rejects a negative or non-finite time scale', () => {
    assert.throws(() => new SystemClock(-1), RangeError);
    assert.throws(() => new SystemClock(Number.NaN), RangeError);
  });
});
