import assert from 'node:assert/strict';
import type { Media } from './carrier.js';
import type { RoomMix } from './room-mix.js';

/**
 * What a RoomMix adapter's test gives the contract: answered legs of its kind, a way to make a
 * leg's far end say something recognisable (simnet: words; SIP: a tone of the leg's own
 * frequency), and a way to ask what a far end heard since the last `listen()`.
 */
export interface RoomMixHarness {
  mix(): RoomMix;
  /** A new answered leg; `index` (0–2) picks what its far end says. */
  leg(index: number): Promise<{ callSid: string; media: Media }>;
  /** Every leg's far end starts hearing afresh (what came before is forgotten). */
  listen(): void;
  /** The far ends of `speakers` say their piece at once; resolves once it has been heard. */
  speak(speakers: string[]): Promise<void>;
  /** Whether `listener`'s far end heard `speaker` since `listen()`. */
  heard(listener: string, speaker: string): Promise<boolean>;
  /** Hangs up every leg placed. */
  close(): Promise<void>;
}

type ContractTest = (title: string, body: (h: RoomMixHarness) => Promise<void>) => void;

const open = { muted: false, coaching: null };

/**
 * The RoomMix port's contract (design.md: "every port has one contract suite"), run against
 * the signal-level mix on simulated legs (test/signal-mix.test.ts) and the SIP media worker's
 * PCM mix on SIP legs (test/sip-room-mix.test.ts). It pins down conferences.md §2 and issue 8
 * point 3: an N−1 mix, `muted`, `coach`, a removed member (hold), and an idempotent close.
 */
export function runRoomMixContract(test: ContractTest): void {
  const room = async (h: RoomMixHarness) => {
    const mix = h.mix();
    const legs = [await h.leg(0), await h.leg(1), await h.leg(2)];
    const sids = legs.map((l) => l.callSid);
    return { mix, legs, sids };
  };
  const exchange = async (h: RoomMixHarness, speakers: string[]) => {
    h.listen();
    await h.speak(speakers);
  };

  test('every member hears the others and never itself', async (h) => {
    const { mix, legs, sids } = await room(h);
    for (const leg of legs) mix.add(leg.callSid, leg.media, open);
    await exchange(h, sids);
    for (const listener of sids) {
      for (const speaker of sids) assert.equal(await h.heard(listener, speaker), listener !== speaker, `${listener} hears ${speaker}`);
    }
    mix.close();
  });

  test('a muted member is heard by nobody and still hears the others; set() unmutes it', async (h) => {
    const { mix, legs, sids } = await room(h);
    const members = legs.map((leg, i) => mix.add(leg.callSid, leg.media, { muted: i === 0, coaching: null }));
    await exchange(h, sids);
    assert.equal(await h.heard(sids[1], sids[0]), false);
    assert.equal(await h.heard(sids[2], sids[0]), false);
    assert.equal(await h.heard(sids[0], sids[1]), true);
    members[0].set(open);
    await exchange(h, [sids[0]]);
    assert.equal(await h.heard(sids[1], sids[0]), true);
    mix.close();
  });

  test('a coach is heard by the member it coaches alone, and hears everyone', async (h) => {
    const { mix, legs, sids } = await room(h);
    mix.add(sids[0], legs[0].media, open);
    mix.add(sids[1], legs[1].media, open);
    mix.add(sids[2], legs[2].media, { muted: false, coaching: sids[0] });
    await exchange(h, sids);
    assert.equal(await h.heard(sids[0], sids[2]), true);
    assert.equal(await h.heard(sids[1], sids[2]), false);
    assert.equal(await h.heard(sids[2], sids[0]), true);
    assert.equal(await h.heard(sids[2], sids[1]), true);
    mix.close();
  });

  test('a removed member (hold, leave) neither hears the room nor is heard; removing twice and closing twice are harmless', async (h) => {
    const { mix, legs, sids } = await room(h);
    const members = legs.map((leg) => mix.add(leg.callSid, leg.media, open));
    members[2].remove();
    members[2].remove();
    await exchange(h, sids);
    assert.equal(await h.heard(sids[0], sids[2]), false);
    assert.equal(await h.heard(sids[2], sids[0]), false);
    assert.equal(await h.heard(sids[0], sids[1]), true);
    mix.close();
    mix.close();
    await exchange(h, sids);
    assert.equal(await h.heard(sids[0], sids[1]), false, 'a closed room carries nothing');
  });
}
