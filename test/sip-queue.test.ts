import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SystemClock } from '../src/ports/system-clock.js';
import { BridgePhone } from './helpers/bridge-phone.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { tonePower } from './peers/audio-compare.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';

/**
 * A queue between two SIP phones (queues.md §4): the caller `<Enqueue>`s, the agent
 * `<Dial><Queue>`s, and the two existing legs are bridged by the same media bridge as `<Dial>`
 * (native when both legs are on one media worker, through the audio path otherwise).
 */
describe('queues with SIP legs', { timeout: 60_000 }, () => {
  const clock = new SystemClock();
  let h: Harness;
  let caller: BridgePhone;
  let agent: BridgePhone;

  before(async () => {
    const rtp = await freeUdpRange(40);
    h = await startHarness({ timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0, mediaWorkers: 2 } });
    caller = await BridgePhone.start(clock, { codec: 'PCMU', telephoneEventPt: 101 });
    agent = await BridgePhone.start(clock, { codec: 'PCMA', telephoneEventPt: 96 });
  });
  after(async () => {
    await h.close();
    await Promise.all([caller.close(), agent.close()]);
  });

  /** `from` sends a tone of `hz` until `to` hears it above the other tone `not`. */
  const crosses = (from: BridgePhone, to: BridgePhone, hz: number, not: number) =>
    eventually(async () => {
      const at = to.rtp.packets.length;
      await from.sendTone(hz, 400);
      const heard = to.audioSince(at);
      return tonePower(heard, hz) > 100 * tonePower(heard, not);
    }, (ok) => ok, 20_000);

  it('a SIP caller taken from the queue by a SIP agent hears the agent and is heard, then goes on to its action', async () => {
    h.app.route('/after', '<Response><Say>Thanks</Say></Response>');
    const queued = await h.client.calls.create({ to: caller.uri, from: '+15005550006', twiml: `<Response><Enqueue waitUrl="" action="${h.app.url}/after">sip-queue</Enqueue></Response>` });
    await eventually(() => h.client.queues.list(), (list) => list.some((q) => q.friendlyName === 'sip-queue' && q.currentSize === 1), 15_000);
    const taking = await h.client.calls.create({ to: agent.uri, from: '+15005550006', twiml: '<Response><Dial><Queue>sip-queue</Queue></Dial></Response>' });
    await eventually(() => h.client.queues.list(), (list) => list.some((q) => q.friendlyName === 'sip-queue' && q.currentSize === 0), 15_000);
    assert.ok(await crosses(caller, agent, 1000, 600), 'the agent hears the caller');
    assert.ok(await crosses(agent, caller, 600, 1000), 'the caller hears the agent');
    agent.hangup();
    const action = await h.app.waitFor('/after', (r) => r.params.CallSid === queued.sid, 15_000);
    assert.equal(action.params.QueueResult, 'bridged');
    await eventually(() => h.client.calls(taking.sid).fetch(), (c) => c.status === 'completed', 15_000);
  });
});
