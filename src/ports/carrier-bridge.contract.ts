import assert from 'node:assert/strict';
import type { FarEndSignal, Leg } from './carrier.js';
import { bridgeMedia } from './media-join.js';

/** What the bridge cases need from a Carrier harness beyond the rest of the contract. */
export interface BridgeHarness {
  /** The far end of `callSid` presses DTMF keys (simnet: pressDigits; SIP: RFC 4733 from the test phone). */
  press(callSid: string, digits: string): Promise<void>;
  /** Every key the far end of `callSid` has received so far, in order (simnet: heard `digits` entries; SIP: RFC 4733 events the test phone got). */
  digitsHeard(callSid: string): Promise<string>;
}

/** The part of CarrierHarness the bridge cases use. */
interface Harness {
  advance(ms: number): Promise<void>;
  farEndHangup(callSid: string): boolean | Promise<boolean>;
  bridge?: BridgeHarness;
}

/** An answered outbound leg, its SID, and its listener's events (see carrier.contract.ts). */
interface AnsweredLeg {
  callSid: string;
  events: string[];
  leg: Leg;
}

type ContractTest<H extends Harness> = (title: string, body: (h: H) => Promise<void>, skip?: (h: H) => string | undefined) => void;

const signal = () => new AbortController().signal;

/**
 * Every key a leg's listener reported, in order. `LegListener.digits` carries "one or more keys"
 * per call: simnet reports a press as one batch, SIP one RFC 4733 event at a time.
 */
const keysReported = (events: string[]) => events.flatMap((e) => (e.startsWith('digits:') ? [e.slice('digits:'.length)] : [])).join('');

/**
 * The Carrier contract's bridge cases (issue 7: "the carrier contract suite gains bridge cases
 * that simnet and SIP both pass"), run inside `runCarrierContract` and skipped unless the
 * harness has `bridge`. They pin down:
 * - keys cross a `bridgeMedia` join both ways and still reach the pressing leg's own listener
 *   (a parent's session watches for `hangupOnStar`, dial.md);
 * - a closed join, tap or ringback stops, and the leg still plays media;
 * - a leg's end does not make closing its join throw.
 */
export function runBridgeCases<H extends Harness>(test: ContractTest<H>, answered: (h: H) => Promise<AnsweredLeg>): void {
  const noBridge = (h: Harness) => (h.bridge ? undefined : 'the harness cannot show what crosses a bridge');

  /** Keys travel over a real network too: polls `read` (moving the clock on) until it is `want`. */
  const eventually = async (h: Harness, read: () => Promise<string>, want: string) => {
    let got = await read();
    for (let tries = 0; got !== want && tries < 200; tries++) {
      await h.advance(20);
      await new Promise((resolve) => setTimeout(resolve, 10));
      got = await read();
    }
    assert.equal(got, want);
  };
  /** Long enough for a key that was going to cross to have crossed. */
  const settle = async (h: Harness) => {
    await h.advance(500);
    await new Promise((resolve) => setTimeout(resolve, 200));
  };
  /** Both legs still play media: a short pause on each resolves. */
  const bothPlay = async (h: Harness, ...legs: Leg[]) => {
    const paused = legs.map((leg) => leg.media.pause(100, signal()));
    await h.advance(100);
    await Promise.all(paused);
  };
  const joined = async (h: H) => {
    const a = await answered(h);
    const b = await answered(h);
    const join = bridgeMedia({ callSid: a.callSid, media: a.leg.media }, { callSid: b.callSid, media: b.leg.media });
    return { a, b, join };
  };

  test('keys pressed at either far end of a bridge reach the other far end, and their own leg', async (h) => {
    const { a, b, join } = await joined(h);
    await h.bridge!.press(a.callSid, '12');
    await eventually(h, () => h.bridge!.digitsHeard(b.callSid), '12');
    await h.bridge!.press(b.callSid, '#');
    await eventually(h, () => h.bridge!.digitsHeard(a.callSid), '#');
    assert.equal(keysReported(a.events), '12', 'the pressing leg\'s listener hears its own keys');
    assert.equal(keysReported(b.events), '#');
    join.close();
  }, noBridge);

  test('after a bridge is closed keys no longer cross, and both legs still play media', async (h) => {
    const { a, b, join } = await joined(h);
    join.close();
    join.close();
    await h.bridge!.press(a.callSid, '5');
    await h.bridge!.press(b.callSid, '6');
    await settle(h);
    assert.equal(await h.bridge!.digitsHeard(b.callSid), '');
    assert.equal(await h.bridge!.digitsHeard(a.callSid), '');
    await bothPlay(h, a.leg, b.leg);
  }, noBridge);

  test('a tap hands the far end\'s keys to its sink until it is closed', async (h) => {
    const { leg, callSid } = await answered(h);
    const signals: FarEndSignal[] = [];
    const tap = leg.media.tap((s) => signals.push(s));
    const keys = async () => signals.flatMap((s) => (s.kind === 'digits' ? [s.digits] : [])).join('');
    await h.bridge!.press(callSid, '7');
    await eventually(h, keys, '7');
    tap.close();
    tap.close();
    await h.bridge!.press(callSid, '8');
    await settle(h);
    assert.equal(await keys(), '7');
  }, noBridge);

  test('ringback on an answered leg closes idempotently and the leg plays media afterwards', async (h) => {
    const { leg } = await answered(h);
    const ringback = leg.media.ringback(null);
    await h.advance(1000);
    ringback.close();
    ringback.close();
    await bothPlay(h, leg);
  }, noBridge);

  test('a far end hanging up ends the bridge: closing it afterwards does not throw', async (h) => {
    const { a, b, join } = await joined(h);
    assert.equal(await h.farEndHangup(a.callSid), true);
    await h.advance(0);
    join.close();
    await bothPlay(h, b.leg);
  }, noBridge);

}
