import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bdecode, bencode } from '../bench/bencode.js';
import { measureRelay } from '../bench/relay-step.js';
import { Rtpengine, rtpengineRelay, rtpengineVersion } from '../bench/rtpengine.js';

/** The bridge benchmark's own parts (bench/bridge.ts): rtpengine's ng protocol and the relay step. */
describe('the relay benchmark', () => {
  it('writes ng dictionaries with sorted keys and reads rtpengine-style replies back', () => {
    const wire = bencode({ 'call-id': 'c1', command: 'offer', ICE: 'remove', flags: ['trust-address'], n: -3 });
    assert.equal(wire.toString(), 'd3:ICE6:remove7:call-id2:c17:command5:offer5:flagsl13:trust-addresse1:ni-3ee');
    assert.deepEqual(bdecode(Buffer.from('d6:result2:ok3:sdp10:v=0\r\nm=x\r\n6:totalsd3:RTPd7:packetsi42eeee')), {
      result: 'ok', sdp: 'v=0\r\nm=x\r\n', totals: { RTP: { packets: 42 } },
    });
  });

  it('refuses malformed bencode instead of guessing', () => {
    for (const bad of ['d3:key', 'i12', '5:abc', 'l1:ae junk', 'di1ei2ee']) assert.throws(() => bdecode(Buffer.from(bad)), SyntaxError, bad);
  });

  it('counts every packet rtpengine relays between two generator legs, both ways', { skip: rtpengineVersion() ? false : 'rtpengine is not installed (scripts/install-bench-peers.sh)', timeout: 30_000 }, async () => {
    const engine = await Rtpengine.start({ portMin: 42000, portMax: 49999 });
    try {
      const step = await measureRelay(2, rtpengineRelay(engine, 'test'), () => {});
      // 2 calls × 2 directions × 50 pps over a ~4 s window, give or take what was in flight.
      assert.ok(step.window.received >= step.expected * 0.95, `received ${step.window.received} of ${step.expected}`);
      assert.equal(step.silentLegs, 0);
      assert.ok(step.relayCpuMs >= 0 && Number.isFinite(step.cpuUsPerPacket));
      assert.ok(step.relayCount!.packets >= step.relayCount!.generatorReceived, 'rtpengine counted at least what the sinks got');
    } finally {
      await engine.stop();
    }
  });
});
