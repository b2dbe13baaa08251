import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlayoutBuffer } from '../src/sip/rtp/playout-buffer.js';

/** A packet of `samples` samples, every sample holding `value`. */
const packet = (value: number, samples = 160) => new Int16Array(samples).fill(value);

/** Takes `frames` 20 ms frames; each is its first sample, or null for a frame without audio. */
function take(buffer: PlayoutBuffer, frames: number): (number | null)[] {
  const out = new Int16Array(160);
  return Array.from({ length: frames }, () => (buffer.take(out) ? out[0] : null));
}

describe('a conference member\'s jitter buffer (sip/rtp/playout-buffer.ts)', () => {
  it('plays a talkspurt 40 ms behind its first packet, in timestamp order even when packets arrive out of order', () => {
    const b = new PlayoutBuffer();
    b.push(1, 1000, packet(1), 160);
    b.push(1, 1320, packet(3), 160); // arrives before the packet it follows
    b.push(1, 1160, packet(2), 160);
    assert.deepEqual(take(b, 5), [0, 0, 1, 2, 3]);
  });

  it('places 30 ms packets by timestamp, reads a lost packet as silence, and drops a packet whose audio was already mixed', () => {
    const b = new PlayoutBuffer();
    b.push(7, 0, packet(5, 240), 240);
    b.push(7, 480, packet(6, 240), 240); // the packet at 240 was lost
    const frames = take(b, 6);
    assert.deepEqual(frames.slice(2, 4), [5, 5]);
    assert.equal(frames[4], 0, 'the lost 30 ms are silence');
    b.push(7, 240, packet(9, 240), 240); // too late: already mixed
    assert.equal(b.late, 1);
  });

  it('re-anchors on a new SSRC, so a source that restarts is not taken for a late one', () => {
    const b = new PlayoutBuffer();
    b.push(1, 50_000, packet(1), 160);
    take(b, 3);
    b.push(2, 10, packet(4), 160);
    assert.deepEqual(take(b, 3), [0, 0, 4]);
    assert.equal(b.late, 0);
  });

  it('has no audio once its sender has been quiet for 200 ms, and the next packet starts a new talkspurt', () => {
    const b = new PlayoutBuffer();
    b.push(1, 0, packet(1), 160);
    take(b, 12);
    assert.equal(take(b, 1)[0], null);
    b.push(1, 160 * 40, packet(2), 160);
    assert.deepEqual(take(b, 3), [0, 0, 2]);
  });
});
