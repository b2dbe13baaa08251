import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MixRoom } from '../src/sip/rtp/mix-room.js';
import { WorkerMetrics } from '../src/sip/rtp/worker-metrics.js';

/** A room whose members' audio comes from plays, mixed slot by slot by hand. */
function room() {
  const metrics = new WorkerMetrics();
  const done: number[] = [];
  const out = new Map<number, Int16Array[]>();
  const mix = new MixRoom(metrics, {
    out: (member, pcm) => out.set(member, [...(out.get(member) ?? []), pcm]),
    playDone: (play) => done.push(play),
    recordingEnded: () => {},
  });
  let slot = 0;
  const tick = () => mix.sendSlot((slot += 20));
  return { mix, metrics, done, out, tick };
}

const loud = (value: number) => new Int16Array(160).fill(value);

describe('the media worker\'s room mixer (sip/rtp/mix-room.ts)', () => {
  it('saturates a sum beyond 16 bits instead of wrapping, and never scales a lone talker', () => {
    const { mix, out, tick } = room();
    const [a, b] = [mix.seat(1, { muted: false, coach: null }, false), mix.seat(2, { muted: false, coach: null }, false)];
    mix.seat(3, { muted: false, coach: null }, true);
    mix.play(a, 1, loud(30_000), undefined);
    mix.play(b, 2, loud(20_000), undefined);
    tick();
    assert.equal(out.get(3)![0][0], 32_767, 'the listener hears full scale, not a wrapped negative sum');
    assert.equal(a.out[0], 20_000, 'each talker hears the other at its own level');
    assert.equal(b.out[0], 30_000);
  });

  it('mixes the room\'s voice into every member\'s share, muted or coached alike, and reports its end', () => {
    const { mix, done, tick } = room();
    const muted = mix.seat(1, { muted: true, coach: null }, false);
    const coached = mix.seat(2, { muted: false, coach: null }, false);
    const coach = mix.seat(3, { muted: false, coach: 2 }, false);
    mix.play(undefined, 9, loud(1000), undefined);
    mix.play(coach, 10, loud(50), undefined);
    mix.play(muted, 11, loud(7), undefined);
    tick();
    assert.deepEqual([muted.out[0], coached.out[0], coach.out[0]], [1000, 1050, 1000]);
    assert.deepEqual(done.sort(), [10, 11, 9].sort());
  });

  it('counts one mix per slot however many members ask for it, and measures the interval between mixes', () => {
    const { mix, metrics, tick } = room();
    const a = mix.seat(1, { muted: false, coach: null }, false);
    for (let i = 0; i < 3; i++) {
      tick();
      mix.frameFor(a, 20 * (i + 1));
    }
    const sample = metrics.sample(0, 0);
    assert.equal(sample.mixJitterHistogram.reduce((n, c) => n + c, 0), 2, 'three mixes, two intervals');
    metrics.dispose();
  });
});
