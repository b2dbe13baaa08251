import assert from 'node:assert/strict';
import { tonePower } from './peers/audio-compare.js';
import { after, before, describe, it } from 'node:test';
import type { Leg } from '../src/ports/carrier.js';
import { recordingListener } from '../src/ports/carrier.contract.js';
import { bridgeMedia } from '../src/ports/media-join.js';
import { SystemClock } from '../src/ports/system-clock.js';
import { startSipEdge, type SipEdge } from '../src/sip/sip-edge.js';
import { BridgePhone } from './helpers/bridge-phone.js';
import { eventually } from './helpers/harness.js';
import { sleep } from './helpers/rtp-phone.js';

/**
 * SIP ↔ SIP bridges with real parts (issue 7 point 4): the SIP carrier places two legs to two
 * phones on loopback, one answering PCMU and one PCMA, and their media is joined.
 */

const quiet = { warn: (o: object, m: string) => process.env.SIP_DEBUG && console.error(m, o) };
const signal = new AbortController().signal;
let sidCounter = 0;
const nextSid = () => 'CA' + 'b'.repeat(24) + (++sidCounter).toString(16).padStart(8, '0');


interface Placed {
  callSid: string;
  leg: Leg;
  events: string[];
}

const suite = { timeout: 90_000 };
const each = { timeout: 20_000 };

describe('SIP ↔ SIP bridge through the media worker', suite, () => {
  const clock = new SystemClock();
  let edge: SipEdge;
  let pcmu: BridgePhone;
  let pcma: BridgePhone;
  const placed: Placed[] = [];

  before(async () => {
    const first = 30000 + 2 * Math.floor(Math.random() * 5000);
    // Two workers, so placing the child beside its parent is something the carrier has to do.
    edge = await startSipEdge({ host: '127.0.0.1', port: 0, rtpPorts: [first, first + 99], rtpTimeoutMs: 0, mediaWorkers: 2, clock, log: quiet });
  });
  after(async () => {
    for (const p of placed) p.leg.hangup();
    await edge.close();
  });

  const place = async (phone: BridgePhone, nearCallSid?: string): Promise<Placed> => {
    const callSid = nextSid();
    const { events, listener } = recordingListener();
    const leg = edge.carrier.dial({ callSid, to: phone.uri, from: '+15005550001', ringTimeoutMs: 10_000, nearCallSid }, listener);
    const call = { callSid, leg, events };
    placed.push(call);
    await eventually(() => events, (e) => e.includes('answered'));
    await phone.rtp.until(() => phone.rtp.packets.length > 2); // Switchboard's RTP flows
    return call;
  };

  /** A PCMU phone with telephone-event on 101 as the parent, a PCMA one on 96 as the child. */
  const twoLegs = async (childTe: number | 'none' = 96) => {
    pcmu = await BridgePhone.start(clock, { codec: 'PCMU', telephoneEventPt: 101 });
    pcma = await BridgePhone.start(clock, { codec: 'PCMA', telephoneEventPt: childTe === 'none' ? undefined : childTe });
    const parent = await place(pcmu);
    const child = await place(pcma, parent.callSid);
    return {
      parent,
      child,
      close: () => {
        parent.leg.hangup();
        child.leg.hangup();
        return Promise.all([pcmu.close(), pcma.close()]);
      },
    };
  };

  it('a child placed beside its parent is joined natively, and each phone hears the tone the other sends, PCMU ↔ PCMA', each, async (t) => {
    const { parent, child, close } = await twoLegs();
    try {
      const join = parent.leg.media.join(child.leg.media);
      assert.ok(join, 'both legs are on one media worker');
      await sleep(50);
      const atPcma = pcma.rtp.packets.length;
      const atPcmu = pcmu.rtp.packets.length;
      const sentAt = performance.now();
      await Promise.all([pcmu.sendTone(1000, 400), pcma.sendTone(600, 400)]);
      await sleep(60);
      const toPcma = pcma.audioSince(atPcma);
      const toPcmu = pcmu.audioSince(atPcmu);
      assert.ok(tonePower(toPcma, 1000) > 100 * tonePower(toPcma, 600), 'the PCMA phone hears the PCMU phone\'s 1 kHz');
      assert.ok(tonePower(toPcmu, 600) > 100 * tonePower(toPcmu, 1000), 'the PCMU phone hears the PCMA phone\'s 600 Hz');
      assert.ok(toPcma.length >= 18 * 160 && toPcmu.length >= 18 * 160, `${toPcma.length / 160} and ${toPcmu.length / 160} frames`);
      const firstRelayed = pcma.rtp.packets.slice(atPcma).find((p) => p.payload.some((b) => b !== 0xd5));
      t.diagnostic(`first relayed packet reached the far phone ${(firstRelayed!.at - sentAt).toFixed(2)} ms after the near phone sent it`);
      join.close();
    } finally {
      await close();
    }
  });

  it('RFC 4733 keys cross on the other phone\'s telephone-event payload type, and the parent still reports its own keys', each, async () => {
    const { parent, child, close } = await twoLegs();
    try {
      const join = bridgeMedia({ callSid: parent.callSid, media: parent.leg.media }, { callSid: child.callSid, media: child.leg.media });
      await sleep(50);
      await pcmu.press('1*');
      await pcma.press('5');
      await eventually(() => pcma.keysHeard(), (k) => k === '1*');
      await eventually(() => pcmu.keysHeard(), (k) => k === '5');
      assert.deepEqual(parent.events.filter((e) => e.startsWith('digits')), ['digits:1', 'digits:*'], 'hangupOnStar can hear the *');
      join.close();
    } finally {
      await close();
    }
  });

  it('a key toward a phone without telephone-event arrives as in-band tones', each, async () => {
    const { parent, child, close } = await twoLegs('none');
    try {
      const join = bridgeMedia({ callSid: parent.callSid, media: parent.leg.media }, { callSid: child.callSid, media: child.leg.media });
      await sleep(50);
      const from = pcma.rtp.packets.length;
      await pcmu.press('1');
      await sleep(250);
      const heard = pcma.audioSince(from);
      // '1' is 697 + 1209 Hz (ITU-T Q.23).
      assert.ok(tonePower(heard, 697) > 50 * tonePower(heard, 941) && tonePower(heard, 1209) > 50 * tonePower(heard, 1633));
      join.close();
    } finally {
      await close();
    }
  });

  it('after the join is closed, Switchboard\'s own silence comes back and keys no longer cross; both legs still play', each, async () => {
    const { parent, child, close } = await twoLegs();
    try {
      const join = bridgeMedia({ callSid: parent.callSid, media: parent.leg.media }, { callSid: child.callSid, media: child.leg.media });
      await sleep(50);
      join.close();
      join.close();
      await sleep(50);
      const from = pcma.rtp.packets.length;
      await Promise.all([pcmu.sendTone(1000, 300), pcmu.press('7')]);
      await sleep(100);
      const after = pcma.rtp.packets.slice(from);
      assert.ok(after.length >= 15, `${after.length} packets: the paced stream is back`);
      assert.ok(after.every((p) => p.payloadType === 8 && p.payload.every((b) => b === 0xd5)), 'only A-law silence');
      assert.equal(pcma.keysHeard(), '');
      await parent.leg.media.playDigits('9', signal);
      await child.leg.media.playDigits('8', signal);
      assert.equal(pcmu.keysHeard(), '9');
      assert.equal(pcma.keysHeard(), '8');
    } finally {
      await close();
    }
  });

  it('a child dialled without nearCallSid may land on the other worker; join then returns null and bridgeMedia falls back to tap/feed', each, async () => {
    const { parent, child, close } = await twoLegs();
    const third = await BridgePhone.start(clock, { codec: 'PCMU', telephoneEventPt: 101 });
    try {
      // The parent and the child fill one worker, so the least-loaded rule puts this leg on the other.
      const far = await place(third);
      assert.equal(parent.leg.media.join(far.leg.media), null);
      const join = bridgeMedia({ callSid: far.callSid, media: far.leg.media }, { callSid: parent.callSid, media: parent.leg.media });
      await sleep(50);
      const from = pcmu.rtp.packets.length;
      await third.sendTone(1000, 400);
      await sleep(150);
      const heard = pcmu.audioSince(from);
      assert.ok(tonePower(heard, 1000) > 100 * tonePower(heard, 600), 'the tone crossed the workers through tap/feed');
      await third.press('4');
      await eventually(() => pcmu.keysHeard(), (k) => k === '4');
      join.close();
      child.leg.hangup();
    } finally {
      await Promise.all([close(), third.close()]);
    }
  });

  it('tap hands the far end\'s keys and 20 ms audio frames to the sink until closed', each, async () => {
    const { parent, close } = await twoLegs();
    try {
      const got: string[] = [];
      let frames = 0;
      const tap = parent.leg.media.tap((s) => (s.kind === 'digits' ? got.push(s.digits) : s.kind === 'audio' && s.pcm.length === 160 && frames++));
      await sleep(50);
      await pcmu.sendTone(1000, 200);
      await pcmu.press('3');
      await eventually(() => got, (g) => g.join('') === '3');
      assert.ok(frames >= 8, `${frames} frames`);
      tap.close();
      tap.close();
      await pcmu.press('6');
      await sleep(100);
      assert.deepEqual(got, ['3']);
    } finally {
      await close();
    }
  });

  it('feed plays fed speech and keys to the phone', each, async () => {
    const { parent, close } = await twoLegs();
    try {
      const from = pcmu.rtp.packets.length;
      parent.leg.media.feed({ kind: 'speech', text: 'Hello from the simulated phone' }, 'CAsim');
      parent.leg.media.feed({ kind: 'digits', digits: '2' }, 'CAsim');
      await eventually(() => pcmu.keysHeard(), (k) => k === '2', 10_000);
      const heard = pcmu.audioSince(from);
      assert.ok(heard.some((x) => Math.abs(x) > 2000), 'speech was heard before the key');
    } finally {
      await close();
    }
  });

  it('ringback reaches the phone as the country\'s tone (US 440 + 480 Hz by default, UK 400 + 450 Hz), closes idempotently, and the leg plays on', each, async () => {
    const { parent, close } = await twoLegs();
    try {
      for (const [tone, hz, not] of [[null, [440, 480], [400, 450]], ['uk', [400, 450], [440, 480]]] as const) {
        const from = pcmu.rtp.packets.length;
        const ring = parent.leg.media.ringback(tone);
        await sleep(350);
        ring.close();
        ring.close();
        const heard = pcmu.audioSince(from).subarray(0, 2400); // the first 300 ms: tone in both cadences
        for (let i = 0; i < 2; i++) assert.ok(tonePower(heard, hz[i]) > 20 * tonePower(heard, not[i]), `${tone ?? 'us'}: ${hz[i]} Hz`);
        await sleep(150);
        const after = pcmu.rtp.packets.slice(-5);
        assert.ok(after.every((p) => p.payload.every((b) => b === 0xff)), 'silence once closed');
      }
      await parent.leg.media.playDigits('1', signal);
      assert.equal(pcmu.keysHeard(), '1');
    } finally {
      await close();
    }
  });

  it('a join survives a far end hanging up: the other phone gets Switchboard\'s silence again, and closing afterwards does not throw', each, async () => {
    const { parent, child, close } = await twoLegs();
    try {
      const join = bridgeMedia({ callSid: parent.callSid, media: parent.leg.media }, { callSid: child.callSid, media: child.leg.media });
      await sleep(50);
      pcma.hangup();
      await eventually(() => child.events, (e) => e.includes('ended:remote-hangup'));
      const from = pcmu.rtp.packets.length;
      await pcmu.rtp.until(() => pcmu.rtp.packets.length >= from + 5);
      assert.ok(pcmu.rtp.packets.slice(from).every((p) => p.payload.every((b) => b === 0xff)));
      join.close();
      await parent.leg.media.playDigits('0', signal);
    } finally {
      await close();
    }
  });
});
