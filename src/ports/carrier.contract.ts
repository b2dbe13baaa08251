import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBridgeCases, type BridgeHarness } from './carrier-bridge.contract.js';
import type { Carrier, InboundOffer, Leg, LegListener } from './carrier.js';

/** How a far-end phone answers, in the contract's own terms (an adapter maps it to its peers). */
export interface FarEndBehaviour {
  answer: 'answer' | 'busy' | 'no-answer' | 'fail';
  /** For `answer`: ring time in call-time ms. */
  answerAfterMs?: number;
}

/** What a Carrier adapter's test file hands the contract. */
export interface CarrierHarness {
  carrier: Carrier;
  /** Lets `ms` of call time pass (a ManualClock advances; also flushes pending microtasks). */
  advance(ms: number): Promise<void>;
  /** Scripts the phone at `number` for calls dialled afterwards. */
  configurePhone(number: string, behaviour: FarEndBehaviour): void | Promise<void>;
  /** A far-end phone calls in through the carrier's inbound handler; resolves with the handler's SID. */
  placeInbound(from: string, to: string): Promise<string>;
  /** The far end hangs up; false when the call is unknown or already over. */
  farEndHangup(callSid: string): boolean | Promise<boolean>;
  /** A URL `play()` can fetch and its length in ms; the play case is skipped without one. */
  audio?: { url: string; ms: number };
  /** Present when the adapter can show what crosses a bridge; the bridge cases run only then. */
  bridge?: BridgeHarness;
  close?(): void | Promise<void>;
}

/** A LegListener that writes every event as a string, in order. */
export function recordingListener(): { events: string[]; listener: LegListener } {
  const events: string[] = [];
  return {
    events,
    listener: {
      ringing: () => events.push('ringing'),
      answered: () => events.push('answered'),
      ended: (reason) => events.push(`ended:${reason}`),
      digits: (digits) => events.push(`digits:${digits}`),
      speech: (text, confidence) => events.push(`speech:${text}@${confidence}`),
      notice: (code, message) => events.push(`notice:${code}:${message}`),
    },
  };
}

const TO = '+15005550006';
const FROM = '+15005550001';
const RING_TIMEOUT_MS = 60_000;
let sidCounter = 0;
const nextSid = () => 'CA' + (++sidCounter).toString(16).padStart(32, '0');

/**
 * The Carrier port's contract (design.md: "every port has one contract suite"): simnet runs it
 * on a ManualClock (test/simnet.test.ts), the SIP edge against a SIP phone on loopback
 * (test/sip-carrier.test.ts). Call-progress rules it pins down:
 * - no listener event arrives synchronously inside `dial()`;
 * - outbound: `ringing` then `answered`; `busy`/`failed` without ringing; `no-answer` exactly at
 *   `ringTimeoutMs`, also for a phone that would answer later than that;
 * - our own `hangup()`, `answer()` and `reject()` never call the listener back: the session
 *   made that change itself. Only the far end or the network ends a call with `ended(reason)`;
 * - inbound legs start ringing at `attach` (no `ringing()` callback either);
 * - media resolves after its length, rejects at once with the signal's reason when aborted,
 *   and rejects when the call is over;
 * - bridges (issue 7, when the harness has `bridge`): keys cross a `bridgeMedia` join both ways
 *   and still reach the pressing leg's own listener (a parent's `hangupOnStar`, dial.md); a
 *   closed join, tap or ringback stops and leaves the leg playing media; a leg's end does not
 *   make closing its join throw.
 */
export function runCarrierContract(name: string, make: () => CarrierHarness | Promise<CarrierHarness>): void {
  const test = (title: string, body: (h: CarrierHarness) => Promise<void>, skip?: (h: CarrierHarness) => string | undefined) =>
    it(title, async (t) => {
      const h = await make();
      try {
        const reason = skip?.(h);
        if (reason) return t.skip(reason);
        await body(h);
      } finally {
        await h.close?.();
      }
    });

  const dial = (h: CarrierHarness, ringTimeoutMs = RING_TIMEOUT_MS) => {
    const callSid = nextSid();
    const { events, listener } = recordingListener();
    const leg = h.carrier.dial({ callSid, to: TO, from: FROM, ringTimeoutMs }, listener);
    return { callSid, events, leg };
  };

  const answered = async (h: CarrierHarness) => {
    await h.configurePhone(TO, { answer: 'answer', answerAfterMs: 1000 });
    const call = dial(h);
    await h.advance(1000);
    assert.deepEqual(call.events, ['ringing', 'answered']);
    return call;
  };

  const acceptInbound = async (h: CarrierHarness) => {
    const { events, listener } = recordingListener();
    let offered: InboundOffer | undefined;
    let leg: Leg | undefined;
    const callSid = nextSid();
    h.carrier.onInbound(async (offer) => {
      offered = offer;
      leg = offer.attach(callSid, listener);
      return callSid;
    });
    assert.equal(await h.placeInbound(FROM, TO), callSid);
    assert.ok(offered && leg);
    return { callSid, events, leg, offer: offered };
  };

  const signal = () => new AbortController().signal;
  const voice = { voice: 'alice', language: 'en-US' };
  describe(`Carrier contract: ${name}`, () => {
    test('dial returns the leg at once and reports nothing before returning', async (h) => {
      await h.configurePhone(TO, { answer: 'busy' });
      const { events, leg } = dial(h);
      assert.deepEqual(events, []);
      assert.equal(typeof leg.hangup, 'function');
      await h.advance(0);
      assert.deepEqual(events, ['ended:busy']);
    });

    test('an answering phone rings, then answers after answerAfterMs', async (h) => {
      await h.configurePhone(TO, { answer: 'answer', answerAfterMs: 3000 });
      const { events } = dial(h);
      await h.advance(2999);
      assert.deepEqual(events, ['ringing']);
      await h.advance(1);
      assert.deepEqual(events, ['ringing', 'answered']);
    });

    test('a busy phone ends the call busy without ringing', async (h) => {
      await h.configurePhone(TO, { answer: 'busy' });
      const { events } = dial(h);
      await h.advance(RING_TIMEOUT_MS);
      assert.deepEqual(events, ['ended:busy']);
    });

    test('an unreachable phone ends the call failed without ringing', async (h) => {
      await h.configurePhone(TO, { answer: 'fail' });
      const { events } = dial(h);
      await h.advance(RING_TIMEOUT_MS);
      assert.deepEqual(events, ['ended:failed']);
    });

    test('a phone nobody answers ends no-answer exactly at the ring timeout', async (h) => {
      await h.configurePhone(TO, { answer: 'no-answer' });
      const { events } = dial(h, 20_000);
      await h.advance(19_999);
      assert.deepEqual(events, ['ringing']);
      await h.advance(1);
      assert.deepEqual(events, ['ringing', 'ended:no-answer']);
    });

    test('a phone that would answer after the ring timeout ends no-answer at the timeout', async (h) => {
      await h.configurePhone(TO, { answer: 'answer', answerAfterMs: 30_000 });
      const { events } = dial(h, 10_000);
      await h.advance(10_000);
      assert.deepEqual(events, ['ringing', 'ended:no-answer']);
      await h.advance(30_000);
      assert.deepEqual(events, ['ringing', 'ended:no-answer']);
    });

    test('hangup while ringing cancels the call silently and is idempotent', async (h) => {
      await h.configurePhone(TO, { answer: 'answer', answerAfterMs: 5000 });
      const { events, leg, callSid } = dial(h);
      await h.advance(1000);
      leg.hangup();
      leg.hangup();
      await h.advance(RING_TIMEOUT_MS);
      assert.deepEqual(events, ['ringing']);
      assert.equal(await h.farEndHangup(callSid), false);
    });

    test('hangup before the call starts ringing cancels it with no events at all', async (h) => {
      const { events, leg } = dial(h);
      leg.hangup();
      await h.advance(RING_TIMEOUT_MS);
      assert.deepEqual(events, []);
    });

    test('hangup after answer ends the call without an ended callback', async (h) => {
      const { events, leg, callSid } = await answered(h);
      leg.hangup();
      leg.hangup();
      await h.advance(1000);
      assert.deepEqual(events, ['ringing', 'answered']);
      assert.equal(await h.farEndHangup(callSid), false);
      await assert.rejects(leg.media.pause(100, signal()));
    });

    test('a far-end hangup ends an answered call with remote-hangup, once', async (h) => {
      const { events, leg, callSid } = await answered(h);
      assert.equal(await h.farEndHangup(callSid), true);
      assert.equal(await h.farEndHangup(callSid), false);
      leg.hangup();
      await h.advance(0);
      assert.deepEqual(events, ['ringing', 'answered', 'ended:remote-hangup']);
    });

    test('pause resolves after its length and not before', async (h) => {
      const { leg } = await answered(h);
      let done = false;
      const paused = leg.media.pause(2000, signal()).then(() => (done = true));
      await h.advance(1999);
      assert.equal(done, false);
      await h.advance(1);
      await paused;
      assert.equal(done, true);
    });

    test('say and playDigits resolve once their audio has played', async (h) => {
      const { leg } = await answered(h);
      const said = leg.media.say('Hello there', voice, signal());
      await h.advance(60_000);
      await said;
      const dialled = leg.media.playDigits('12w3', signal());
      await h.advance(60_000);
      await dialled;
    });

    test('play resolves once the audio file has played', async (h) => {
      const { leg } = await answered(h);
      let settled = false;
      const played = leg.media.play(h.audio!.url, signal()).finally(() => (settled = true));
      // The fetch is real I/O, so the clock can only move the audio along once it has finished.
      for (let tries = 0; !settled && tries < 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await h.advance(h.audio!.ms);
      }
      await played;
    }, (h) => (h.audio ? undefined : 'the harness serves no audio URL'));

    test('aborting media rejects at once with the signal reason', async (h) => {
      const { leg } = await answered(h);
      const controller = new AbortController();
      const reason = new Error('redirected');
      const said = leg.media.say('A long announcement that nobody will hear to the end', voice, controller.signal);
      controller.abort(reason);
      await assert.rejects(said, (err) => err === reason);
      const already = AbortSignal.abort(reason);
      await assert.rejects(leg.media.pause(1000, already), (err) => err === reason);
      await assert.rejects(leg.media.playDigits('123', already), (err) => err === reason);
    });

    test('media in flight rejects when the far end hangs up', async (h) => {
      const { leg, callSid } = await answered(h);
      // The expectation is attached first: over a real network the rejection comes while
      // farEndHangup is still settling.
      const paused = assert.rejects(leg.media.pause(10_000, signal()));
      await h.advance(100);
      await h.farEndHangup(callSid);
      await paused;
    });

    test('media on an ended call rejects', async (h) => {
      const { leg } = await answered(h);
      leg.hangup();
      await assert.rejects(leg.media.say('Anyone there?', voice, signal()));
      await assert.rejects(leg.media.pause(100, signal()));
      await assert.rejects(leg.media.playDigits('1', signal()));
    });

    test('record writes a WAV until stopped and resolves finished; a redirect rejects it with the reason', async (h) => {
      const { leg } = await answered(h);
      const dir = await mkdtemp(join(tmpdir(), 'carrier-contract-'));
      try {
        const stop = new AbortController();
        const request = { path: join(dir, 'one.wav'), maxLengthMs: 60_000, silenceTimeoutMs: 0, stop: stop.signal, beep: false };
        const recorded = leg.media.record(request, signal());
        await h.advance(1000);
        stop.abort();
        const result = await recorded;
        assert.equal(result.reason, 'finished');
        const file = await readFile(request.path);
        assert.equal(file.toString('latin1', 0, 4), 'RIFF');
        assert.equal(file.length - 44, file.readUInt32LE(40), 'the data size in the header matches the file');

        const redirect = new AbortController();
        const reason = new Error('redirected');
        const second = assert.rejects(leg.media.record({ ...request, path: join(dir, 'two.wav'), stop: new AbortController().signal }, redirect.signal), (err) => err === reason);
        await h.advance(500);
        redirect.abort(reason);
        await second;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('a whole-call recording stops when asked and is a complete WAV', async (h) => {
      const { leg } = await answered(h);
      const dir = await mkdtemp(join(tmpdir(), 'carrier-contract-'));
      try {
        const path = join(dir, 'call.wav');
        const recording = leg.media.startCallRecording(path);
        await h.advance(1000);
        const { durationMs } = await recording.stop();
        assert.ok(durationMs >= 0);
        const file = await readFile(path);
        assert.equal(file.toString('latin1', 8, 12), 'WAVE');
        assert.equal(file.length - 44, file.readUInt32LE(40));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('an inbound call is offered with its numbers and rings until answered', async (h) => {
      const { offer, leg, events } = await acceptInbound(h);
      assert.equal(offer.from, FROM);
      assert.equal(offer.to, TO);
      await assert.rejects(leg.media.say('Too early', voice, signal()), /not answered/);
      leg.answer();
      leg.answer();
      const said = leg.media.say('Welcome', voice, signal());
      await h.advance(60_000);
      await said;
      assert.deepEqual(events, []);
    });

    test('rejecting an inbound call ends it silently', async (h) => {
      const { leg, events, callSid } = await acceptInbound(h);
      leg.reject('busy');
      leg.reject('rejected');
      await h.advance(1000);
      assert.deepEqual(events, []);
      assert.equal(await h.farEndHangup(callSid), false);
      await assert.rejects(leg.media.pause(100, signal()));
    });

    test('a caller hanging up before answer ends the inbound call with remote-hangup', async (h) => {
      const { events, callSid } = await acceptInbound(h);
      assert.equal(await h.farEndHangup(callSid), true);
      await h.advance(0);
      assert.deepEqual(events, ['ended:remote-hangup']);
    });

    test('an error from the inbound handler reaches the caller of placeInbound', async (h) => {
      h.carrier.onInbound(async () => {
        throw new Error('no such number');
      });
      await assert.rejects(h.placeInbound(FROM, TO), /no such number/);
    });

    runBridgeCases(test, answered);
  });
}
