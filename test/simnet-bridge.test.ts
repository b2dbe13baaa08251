import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FarEndSignal, Media, MediaJoin } from '../src/ports/carrier.js';
import { recordingListener } from '../src/ports/carrier.contract.js';
import { InvalidLegTransition } from '../src/ports/leg-state.js';
import { ManualClock } from '../src/ports/manual-clock.js';
import { bridgeMedia } from '../src/ports/media-join.js';
import type { SimCall } from '../src/simnet/sim-call.js';
import { SimNetwork } from '../src/simnet/sim-network.js';

const EPOCH = Date.UTC(2025, 0, 1);
const iso = (offsetMs: number) => new Date(EPOCH + offsetMs).toISOString();
const signal = () => new AbortController().signal;
let sids = 0;
const sid = () => 'CA' + (++sids).toString(16).padStart(32, 'b');

/** A network on a ManualClock at EPOCH and a way to place answered outbound calls on it. */
function network() {
  const clock = new ManualClock(EPOCH);
  const sim = new SimNetwork({ clock });
  const dial = (to: string) => {
    const callSid = sid();
    const { events, listener } = recordingListener();
    const leg = sim.dial({ callSid, to, from: '+15550000000', ringTimeoutMs: 60_000 }, listener) as SimCall;
    return { callSid, events, leg };
  };
  /** Two calls answered at EPOCH + 1000 and bridged. */
  const bridged = async () => {
    const a = dial('+15551110001');
    const b = dial('+15551110002');
    await clock.advance(1000);
    const bridge = bridgeMedia({ callSid: a.callSid, media: a.leg.media }, { callSid: b.callSid, media: b.leg.media });
    return { a, b, bridge };
  };
  const heard = (callSid: string) => sim.heard(callSid)!.heard;
  return { clock, sim, dial, bridged, heard };
}

/** 20 ms of 8 kHz PCM, the frame a SIP leg's tap hands over. */
const frame = () => ({ kind: 'audio' as const, pcm: new Int16Array(160).fill(1000) });

describe('Simulated legs joined by a bridge', () => {
  it('let each phone hear what the other says and presses, marked with the sender\'s call SID', async () => {
    const { clock, sim, bridged, heard } = network();
    const { a, b } = await bridged();
    assert.equal(sim.speak(a.callSid, 'hello, is that Bob?'), true);
    await clock.advance(2000);
    assert.equal(sim.pressDigits(b.callSid, '42'), true);
    assert.deepEqual(heard(b.callSid), [{ at: iso(1000), kind: 'speech', text: 'hello, is that Bob?', fromCallSid: a.callSid }]);
    assert.deepEqual(heard(a.callSid), [{ at: iso(3000), kind: 'digits', digits: '42', fromCallSid: b.callSid }]);
  });

  it('still give a bridged phone\'s own session its keys and words, and not the other phone\'s', async () => {
    const { sim, bridged } = network();
    const { a, b } = await bridged();
    sim.pressDigits(a.callSid, '*');
    sim.speak(a.callSid, 'operator');
    assert.deepEqual(a.events.slice(2), ['digits:*', 'speech:operator@1']);
    assert.deepEqual(b.events.slice(2), []);
  });

  it('move each leg answered → bridged while joined and back to answered when the join closes', async () => {
    const { clock, dial } = network();
    const a = dial('+15551110003');
    const b = dial('+15551110004');
    const states = () => [a.leg.state, b.leg.state];
    assert.deepEqual(states(), ['dialing', 'dialing']);
    await clock.advance(0);
    assert.deepEqual(states(), ['ringing', 'ringing']);
    await clock.advance(1000);
    assert.deepEqual(states(), ['answered', 'answered']);
    const bridge = a.leg.media.join(b.leg.media)!;
    assert.deepEqual(states(), ['bridged', 'bridged']);
    bridge.close();
    assert.deepEqual(states(), ['answered', 'answered']);
    a.leg.hangup();
    assert.deepEqual(states(), ['ended', 'answered']);
  });

  it('put the other leg back to answered, and stop crossing, when one phone hangs up', async () => {
    const { sim, bridged, heard } = network();
    const { a, b, bridge } = await bridged();
    sim.hangup(a.callSid);
    assert.equal(b.leg.state, 'answered');
    assert.equal(sim.speak(b.callSid, 'hello?'), true);
    assert.deepEqual(heard(a.callSid), []);
    bridge.close();
    assert.equal(b.leg.state, 'answered');
  });

  it('refuse to join a leg that is not answered or already bridged, leaving the other leg as it was', async () => {
    const { clock, dial, bridged } = network();
    const { a } = await bridged();
    const up = dial('+15551110005');
    await clock.advance(1000);
    const ringing = dial('+15551110006');
    await clock.advance(0);
    assert.throws(() => up.leg.media.join(ringing.leg.media), InvalidLegTransition);
    assert.deepEqual([up.leg.state, ringing.leg.state], ['answered', 'ringing']);
    assert.throws(() => up.leg.media.join(a.leg.media), InvalidLegTransition);
    assert.deepEqual([up.leg.state, a.leg.state], ['answered', 'bridged']);
    assert.throws(() => up.leg.media.join(up.leg.media), /cannot be joined to itself/);
  });

  it('join natively only with another simulated leg, so bridgeMedia links other kinds through tap/feed', async () => {
    const { clock, dial } = network();
    const a = dial('+15551110008');
    await clock.advance(1000);
    const notSim = { join: () => null } as unknown as Media;
    assert.equal(a.leg.media.join(notSim), null);
    assert.equal(a.leg.state, 'answered');
  });

  it('a <Record> on a leg keeps only its own phone; a whole-call recording holds both sides of the bridge', async () => {
    const { clock, sim, bridged } = network();
    const { a, b } = await bridged();
    const dir = await mkdtemp(join(tmpdir(), 'simnet-bridge-'));
    try {
      const stop = new AbortController();
      const recordOnB = b.leg.media.record(
        { path: join(dir, 'b-record.wav'), maxLengthMs: 10_000, silenceTimeoutMs: 0, stop: stop.signal, beep: false },
        new AbortController().signal,
      );
      const wholeA = a.leg.media.startCallRecording(join(dir, 'a.wav'));
      const wholeB = b.leg.media.startCallRecording(join(dir, 'b.wav'));
      sim.pressDigits(a.callSid, '1');
      await clock.advance(500);
      stop.abort();
      await Promise.all([wholeA.stop(), wholeB.stop(), recordOnB]);
      const loud = async (name: string) => {
        const wav = await readFile(join(dir, name));
        return new Int16Array(wav.buffer, wav.byteOffset + 44, (wav.length - 44) / 2).some((sample) => sample !== 0);
      };
      assert.equal(await loud('a.wav'), true, 'the pressing phone\'s leg records its tone');
      assert.equal(await loud('b.wav'), true, 'the other leg\'s whole-call recording holds the other party too');
      assert.equal(await loud('b-record.wav'), false, 'a <Record> on the other leg records only its own, silent, phone');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('A simulated leg linked to a leg of another kind', () => {
  it('shows 20 ms audio frames as one audio entry per stretch of sound', async () => {
    const { clock, dial, heard } = network();
    const a = dial('+15551110010');
    await clock.advance(1000);
    const from = 'CAsip';
    for (let i = 0; i < 10; i++) {
      a.leg.media.feed(frame(), from);
      await clock.advance(20);
    }
    await clock.advance(150); // a pause in talking longer than the 100 ms gap
    a.leg.media.feed(frame(), from);
    a.leg.media.feed({ kind: 'digits', digits: '9' }, from);
    a.leg.media.feed(frame(), from);
    a.leg.media.feed(frame(), 'CAother');
    assert.deepEqual(heard(a.callSid), [
      { at: iso(1000), kind: 'audio', ms: 200, fromCallSid: from },
      { at: iso(1350), kind: 'audio', ms: 20, fromCallSid: from },
      { at: iso(1350), kind: 'digits', digits: '9', fromCallSid: from },
      { at: iso(1350), kind: 'audio', ms: 20, fromCallSid: from },
      { at: iso(1350), kind: 'audio', ms: 20, fromCallSid: 'CAother' },
    ]);
  });

  it('shows fed words and keys as speech and digits entries', async () => {
    const { clock, dial, heard } = network();
    const a = dial('+15551110011');
    await clock.advance(1000);
    a.leg.media.feed({ kind: 'speech', text: 'sales please' }, 'CAsip');
    a.leg.media.feed({ kind: 'digits', digits: '1#' }, 'CAsip');
    assert.deepEqual(heard(a.callSid), [
      { at: iso(1000), kind: 'speech', text: 'sales please', fromCallSid: 'CAsip' },
      { at: iso(1000), kind: 'digits', digits: '1#', fromCallSid: 'CAsip' },
    ]);
  });

  it('taps the phone\'s words and keys for the other leg until the tap closes', async () => {
    const { clock, sim, dial } = network();
    const a = dial('+15551110012');
    await clock.advance(1000);
    const sent: FarEndSignal[] = [];
    const tap = a.leg.media.tap((s) => sent.push(s));
    sim.speak(a.callSid, 'yes');
    sim.pressDigits(a.callSid, '3');
    tap.close();
    sim.pressDigits(a.callSid, '4');
    assert.deepEqual(sent, [{ kind: 'speech', text: 'yes' }, { kind: 'digits', digits: '3' }]);
    assert.equal(a.leg.state, 'answered', 'a tap does not bridge the leg');
  });

  it('hears nothing on a leg that has ended, and its links close quietly', async () => {
    const { clock, sim, dial } = network();
    const a = dial('+15551110013');
    await clock.advance(1000);
    a.leg.hangup();
    a.leg.media.feed(frame(), 'CAsip');
    const links: MediaJoin[] = [a.leg.media.tap(() => assert.fail('no signal from an ended call')), a.leg.media.ringback(null)];
    for (const link of links) link.close();
    assert.deepEqual(sim.heard(a.callSid)!.heard, []);
  });
});

describe('Ringback on a simulated leg', () => {
  it('is logged when it starts and says how long it played once it stops', async () => {
    const { clock, sim, heard } = network();
    const callSid = sid();
    let ringback: MediaJoin | undefined;
    sim.onInbound(async (offer) => {
      const leg = offer.attach(callSid, recordingListener().listener);
      ringback = leg.media.ringback(null); // before answer: answerOnBridge keeps the caller ringing
      return callSid;
    });
    await sim.placeInbound('+15557770000', '+15550001111');
    await clock.advance(3000);
    assert.deepEqual(heard(callSid), [{ at: iso(0), kind: 'ringback' }]);
    ringback!.close();
    ringback!.close();
    await clock.advance(1000);
    assert.deepEqual(heard(callSid), [{ at: iso(0), kind: 'ringback', ms: 3000 }]);
  });

  it('stops, with its length, when the call ends while it plays', async () => {
    const { clock, sim, dial, heard } = network();
    const a = dial('+15551110014');
    await clock.advance(1000);
    a.leg.media.ringback('uk');
    await clock.advance(2500);
    sim.hangup(a.callSid);
    assert.deepEqual(heard(a.callSid), [{ at: iso(1000), kind: 'ringback', ms: 2500 }]);
    const paused = a.leg.media.pause(100, signal());
    await assert.rejects(paused, /has ended/);
  });
});

describe('Client identities on the simulated network', () => {
  it('are phones like any number: client:alice can be scripted and dialled', async () => {
    const { clock, sim, dial } = network();
    sim.configurePhone('client:alice', { answer: 'answer', answerAfterMs: 2000 });
    assert.deepEqual(sim.phone('client:alice'), { answer: 'answer', answerAfterMs: 2000 });
    const alice = dial('client:alice');
    await clock.advance(2000);
    assert.deepEqual(alice.events, ['ringing', 'answered']);
    assert.equal(sim.heard(alice.callSid)!.number, 'client:alice');
    sim.configurePhone('client:bob', { answer: 'busy' });
    const bob = dial('client:bob');
    await clock.advance(0);
    assert.deepEqual(bob.events, ['ended:busy']);
  });
});
