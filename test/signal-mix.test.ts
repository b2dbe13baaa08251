import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignalMix } from '../src/conferences/signal-mix.js';
import type { FarEndSignal, Media } from '../src/ports/carrier.js';
import { ManualClock } from '../src/ports/manual-clock.js';
import type { Leg } from '../src/ports/carrier.js';
import { recordingListener } from '../src/ports/carrier.contract.js';
import { runRoomMixContract, type RoomMixHarness } from '../src/ports/room-mix.contract.js';
import { SimNetwork } from '../src/simnet/sim-network.js';

/** A leg as the mix sees it: what its far end sends (`send`), and what it was fed and played. */
function leg() {
  const sinks = new Set<(signal: FarEndSignal) => void>();
  const fed: string[] = [];
  const played: string[] = [];
  const media = {
    tap(sink: (signal: FarEndSignal) => void) {
      sinks.add(sink);
      return { close: () => sinks.delete(sink) };
    },
    feed(signal: FarEndSignal, from: string) {
      fed.push(`${from}:${signal.kind === 'speech' ? signal.text : signal.kind === 'digits' ? signal.digits : 'audio'}`);
    },
    async play(url: string) {
      played.push(url);
    },
  } as unknown as Media;
  const send = (text: string) => { for (const sink of sinks) sink({ kind: 'speech', text }); };
  return { media, fed, played, send, taps: () => sinks.size };
}

describe('SignalMix (ports/room-mix.ts at signal level)', () => {
  it('feeds what a member says to every other member, never back to itself', () => {
    const mix = new SignalMix(new ManualClock());
    const [a, b, c] = [leg(), leg(), leg()];
    mix.add('A', a.media, { muted: false, coaching: null });
    mix.add('B', b.media, { muted: false, coaching: null });
    mix.add('C', c.media, { muted: false, coaching: null });
    a.send('hello');
    assert.deepEqual([a.fed, b.fed, c.fed], [[], ['A:hello'], ['A:hello']]);
  });

  it('a muted member is heard by nobody but still hears; a coach is heard only by the member it coaches', () => {
    const mix = new SignalMix(new ManualClock());
    const [a, b, coach] = [leg(), leg(), leg()];
    const member = mix.add('A', a.media, { muted: true, coaching: null });
    mix.add('B', b.media, { muted: false, coaching: null });
    mix.add('C', coach.media, { muted: false, coaching: 'A' });
    a.send('not heard');
    b.send('heard');
    coach.send('psst');
    assert.deepEqual([a.fed, b.fed, coach.fed], [['B:heard', 'C:psst'], [], ['B:heard']]);
    member.set({ muted: false, coaching: null });
    a.send('now heard');
    assert.deepEqual(b.fed, ['A:now heard']);
  });

  it('remove and close stop the taps; the voice plays to every member', async () => {
    const mix = new SignalMix(new ManualClock());
    const [a, b] = [leg(), leg()];
    const member = mix.add('A', a.media, { muted: false, coaching: null });
    mix.add('B', b.media, { muted: false, coaching: null });
    await mix.voice.play('http://x/beep.wav', new AbortController().signal);
    assert.deepEqual([a.played, b.played], [['http://x/beep.wav'], ['http://x/beep.wav']]);
    member.remove();
    member.remove();
    assert.equal(a.taps(), 0);
    b.send('alone');
    assert.deepEqual(a.fed, []);
    mix.close();
    assert.equal(b.taps(), 0);
  });
});

describe('speaker detection (conference speaker events)', () => {
  it("a simulated phone's words are speech for as long as they take to say; loud audio until a 600 ms hangover", async () => {
    const { detectSpeech } = await import('../src/conferences/speaker-detector.js');
    const clock = new ManualClock();
    const a = leg();
    const changes: [boolean, number][] = [];
    const start = clock.now();
    const detector = detectSpeech(a.media, clock, (speaking) => changes.push([speaking, clock.now() - start]));
    a.send('Hello there'); // 11 characters: 715 ms
    await clock.advance(1000);
    assert.deepEqual(changes, [[true, 0], [false, 715]]);
    changes.length = 0;
    const loud = new Int16Array(160).fill(4000);
    const quiet = new Int16Array(160).fill(50);
    detector.close();
    assert.equal(a.taps(), 0);
    // Audio frames go through a fresh detector on a leg that sends PCM.
    const sip = audioLeg();
    const detector2 = detectSpeech(sip.media, clock, (speaking) => changes.push([speaking, clock.now() - start]));
    const t0 = clock.now() - start;
    sip.send(loud);
    await clock.advance(20);
    sip.send(quiet);
    await clock.advance(1000);
    assert.deepEqual(changes, [[true, t0], [false, t0 + 600]]);
    detector2.close();
  });
});

function audioLeg() {
  const sinks = new Set<(signal: FarEndSignal) => void>();
  const media = { tap: (sink: (signal: FarEndSignal) => void) => (sinks.add(sink), { close: () => sinks.delete(sink) }) } as unknown as Media;
  return { media, send: (pcm: Int16Array) => { for (const sink of sinks) sink({ kind: 'audio', pcm }); } };
}

describe('SignalMix on simulated legs passes the RoomMix contract', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sim = new SimNetwork({ clock });
  const legs: { callSid: string; leg: Leg }[] = [];
  const seen = new Map<string, number>();
  let n = 0;
  const heardOf = (callSid: string) => sim.heard(callSid)?.heard ?? [];
  const harness: RoomMixHarness = {
    mix: () => new SignalMix(clock),
    leg: async () => {
      const callSid = 'CA' + (++n).toString(16).padStart(32, 'd');
      const { listener } = recordingListener();
      const leg = sim.dial({ callSid, to: `+1555222${String(n).padStart(4, '0')}`, from: '+15550000000', ringTimeoutMs: 60_000 }, listener);
      await clock.advance(1000);
      legs.push({ callSid, leg });
      return { callSid, media: leg.media };
    },
    listen: () => {
      for (const { callSid } of legs) seen.set(callSid, heardOf(callSid).length);
    },
    speak: async (speakers) => {
      for (const callSid of speakers) sim.speak(callSid, `this is ${callSid}`);
      await clock.advance(0);
    },
    heard: async (listener, speaker) =>
      heardOf(listener).slice(seen.get(listener) ?? 0).some((e) => e.kind === 'speech' && e.fromCallSid === speaker),
    close: async () => {
      for (const { leg } of legs.splice(0)) leg.hangup();
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
