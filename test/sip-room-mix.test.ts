import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Leg } from '../src/ports/carrier.js';
import { recordingListener } from '../src/ports/carrier.contract.js';
import { SystemClock } from '../src/ports/system-clock.js';
import { runRoomMixContract, type RoomMixHarness } from '../src/ports/room-mix.contract.js';
import { startSipEdge, type SipEdge } from '../src/sip/sip-edge.js';
import { tonePower } from './peers/audio-compare.js';
import { BridgePhone } from './helpers/bridge-phone.js';
import { eventually } from './helpers/harness.js';
import { sleep } from './helpers/rtp-phone.js';

/**
 * The SIP RoomMix (issue 8 point 3) with real parts: the SIP carrier places legs to test phones
 * on loopback (PCMU and PCMA), spread over two media workers, so the room mixes some members
 * from their packets and routes the others from the other worker; each phone sends its own
 * tone and what it hears is checked with Goertzel.
 */

const quiet = { warn: (o: object, m: string) => process.env.SIP_DEBUG && console.error(m, o) };
const signal = new AbortController().signal;
let sidCounter = 0;
const nextSid = () => 'CA' + 'c'.repeat(24) + (++sidCounter).toString(16).padStart(8, '0');
const TONES = [500, 900, 1300];
const open = { muted: false, coaching: null };

interface Member {
  callSid: string;
  leg: Leg;
  phone: BridgePhone;
}

describe('conference audio on SIP: the media worker\'s N−1 mix', { timeout: 120_000 }, () => {
  const clock = new SystemClock();
  let edge: SipEdge;
  const dir = mkdtempSync(join(tmpdir(), 'room-mix-'));

  before(async () => {
    const first = 30000 + 2 * Math.floor(Math.random() * 5000);
    edge = await startSipEdge({ host: '127.0.0.1', port: 0, rtpPorts: [first, first + 99], rtpTimeoutMs: 0, mediaWorkers: 2, clock, log: quiet });
  });
  after(async () => {
    await edge.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const place = async (codec: 'PCMU' | 'PCMA'): Promise<Member> => {
    const phone = await BridgePhone.start(clock, { codec, telephoneEventPt: 101 });
    const callSid = nextSid();
    const { events, listener } = recordingListener();
    const leg = edge.carrier.dial({ callSid, to: phone.uri, from: '+15005550001', ringTimeoutMs: 10_000 }, listener);
    await eventually(() => events, (e) => e.includes('answered'));
    await phone.rtp.until(() => phone.rtp.packets.length > 2);
    return { callSid, leg, phone };
  };
  const three = () => Promise.all([place('PCMU'), place('PCMA'), place('PCMU')]);
  const hangup = (members: Member[]) => Promise.all(members.map((m) => (m.leg.hangup(), m.phone.close())));

  /** Every phone sends its tone at once; returns what each heard meanwhile. */
  const talk = async (members: Member[], who = members.map((_, i) => i)) => {
    const from = members.map((m) => m.phone.rtp.packets.length);
    await Promise.all(who.map((i) => members[i].phone.sendTone(TONES[i], 600)));
    await sleep(150); // the routed member's audio is two thread hops behind
    return members.map((m, i) => m.phone.audioSince(from[i]));
  };
  const hears = (pcm: Int16Array, hz: number, than: number) => tonePower(pcm, hz) > 100 * tonePower(pcm, than);

  it('each of three phones hears the other two and not itself, PCMU and PCMA, across two workers', async () => {
    const members = await three();
    const mix = edge.roomMix();
    try {
      for (const m of members) mix.add(m.callSid, m.leg.media, open);
      await sleep(60);
      const heard = await talk(members);
      for (let i = 0; i < 3; i++) {
        const others = [0, 1, 2].filter((j) => j !== i);
        for (const j of others) {
          assert.ok(tonePower(heard[i], TONES[j]) > 100 * tonePower(heard[i], TONES[i]), `phone ${i} hears ${TONES[j]} Hz far above its own ${TONES[i]} Hz`);
        }
        // Not a trace of itself: what is left at its own frequency is the others' leakage and G.711 noise.
        assert.ok(tonePower(heard[i], TONES[i]) * 1e4 < tonePower(heard[i], TONES[others[0]]), `phone ${i} does not hear itself`);
      }
    } finally {
      mix.close();
      await hangup(members);
    }
  });

  it('a muted member hears the room and is heard by nobody; unmuted it is heard again', async () => {
    const members = await three();
    const mix = edge.roomMix();
    try {
      const muted = members.map((m, i) => mix.add(m.callSid, m.leg.media, { muted: i === 1, coaching: null }));
      await sleep(60);
      let heard = await talk(members);
      assert.ok(tonePower(heard[0], TONES[1]) * 1e4 < tonePower(heard[0], TONES[2]), 'phone 0 does not hear the muted phone');
      assert.ok(hears(heard[0], TONES[2], TONES[1]));
      assert.ok(hears(heard[1], TONES[0], TONES[1]) && hears(heard[1], TONES[2], TONES[1]), 'the muted phone hears both others');
      muted[1].set(open);
      heard = await talk(members, [1]);
      assert.ok(hears(heard[0], TONES[1], TONES[0]) && hears(heard[2], TONES[1], TONES[0]));
    } finally {
      mix.close();
      await hangup(members);
    }
  });

  it('a coach is heard by the member it coaches alone; a removed member (hold) neither hears nor is heard', async () => {
    const members = await three();
    const mix = edge.roomMix();
    try {
      mix.add(members[0].callSid, members[0].leg.media, open);
      mix.add(members[1].callSid, members[1].leg.media, open);
      const coach = mix.add(members[2].callSid, members[2].leg.media, { muted: false, coaching: members[0].callSid });
      await sleep(60);
      let heard = await talk(members, [2]);
      assert.ok(tonePower(heard[0], TONES[2]) > 1e5, 'the coached phone hears its coach');
      assert.ok(tonePower(heard[1], TONES[2]) < 1e4, 'the other phone does not');
      coach.remove();
      await sleep(60);
      heard = await talk(members, [0, 2]);
      assert.ok(tonePower(heard[1], TONES[2]) < 1e4 && tonePower(heard[0], TONES[2]) < 1e4, 'nobody hears a removed member');
      assert.ok(tonePower(heard[2], TONES[0]) < 1e4, 'a removed member hears nobody');
    } finally {
      mix.close();
      await hangup(members);
    }
  });

  it('the room\'s voice is heard by every member, and the room recording holds every member and the voice', async () => {
    const members = await three();
    const mix = edge.roomMix();
    try {
      for (const m of members) mix.add(m.callSid, m.leg.media, open);
      const recording = mix.startRecording(join(dir, 'room.wav'));
      await sleep(60);
      const from = members.map((m) => m.phone.rtp.packets.length);
      await mix.voice.playDigits('1', signal); // 697 + 1209 Hz, in-band: a mix carries no RFC 4733
      await sleep(150);
      for (let i = 0; i < 3; i++) {
        const pcm = members[i].phone.audioSince(from[i]);
        assert.ok(tonePower(pcm, 697) > 50 * tonePower(pcm, 941), `phone ${i} hears the room's voice`);
      }
      await talk(members);
      const { durationMs } = await recording.stop();
      assert.ok(durationMs > 800, `${durationMs} ms recorded`);
      const wav = readFileSync(join(dir, 'room.wav'));
      const pcm = new Int16Array(wav.buffer, wav.byteOffset + 44, (wav.length - 44) >> 1);
      for (const hz of [...TONES, 697]) assert.ok(tonePower(pcm, hz) > 50 * tonePower(pcm, 2000), `the recording holds ${hz} Hz`);
    } finally {
      mix.close();
      await hangup(members);
    }
  });

  it('a member whose leg hangs up leaves the mix; the others go on hearing each other', async () => {
    const members = await three();
    const mix = edge.roomMix();
    try {
      for (const m of members) mix.add(m.callSid, m.leg.media, open);
      members[2].leg.hangup();
      await sleep(100);
      const heard = await talk(members, [0, 1]);
      assert.ok(hears(heard[0], TONES[1], TONES[0]) && hears(heard[1], TONES[0], TONES[1]));
    } finally {
      mix.close();
      await hangup(members);
    }
  });
  describe('the RoomMix contract', () => {
    const placed: (Member & { index: number; from: number })[] = [];
    const harness: RoomMixHarness = {
      mix: () => edge.roomMix(),
      leg: async (index) => {
        const member = { ...(await place(index === 1 ? 'PCMA' : 'PCMU')), index, from: 0 };
        placed.push(member);
        return { callSid: member.callSid, media: member.leg.media };
      },
      listen: () => {
        for (const m of placed) m.from = m.phone.rtp.packets.length;
      },
      speak: async (speakers) => {
        await Promise.all(placed.filter((m) => speakers.includes(m.callSid)).map((m) => m.phone.sendTone(TONES[m.index], 400)));
        await sleep(150);
      },
      heard: async (listener, speaker) => {
        const l = placed.find((m) => m.callSid === listener)!;
        const s = placed.find((m) => m.callSid === speaker)!;
        // A tone heard is some 1e10; what is left of an absent one (leakage, G.711 noise) under 1e7.
        return tonePower(l.phone.audioSince(l.from), TONES[s.index]) > 1e8;
      },
      close: async () => {
        await hangup(placed.splice(0));
      },
    };
    runRoomMixContract((title, body) => it(title, async () => {
      try {
        await body(harness);
      } finally {
        await harness.close();
      }
    }));
  });
});
