/**
 * The interop test harness (test/peers/) proved against the peers themselves, with no Switchboard
 * in the loop: sipp against sipp, baresip against baresip, and both against a plain RTP socket.
 * If these pass, a failing interop test points at Switchboard, not at the harness.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { correlate, espeakReference, readWav8k } from './peers/audio-compare.js';
import { startBaresip } from './peers/baresip.js';
import { buildRtpPcap, espeakWavFixture } from './peers/pcap.js';
import { startRtpSink } from './peers/rtp-sink.js';
import { runSipp, startSipp, type SippOptions, type SippResult } from './peers/sipp.js';

const SIPP_TIMEOUT_MS = 15_000;

/** Runs a UAS scenario in the background and a UAC scenario against it; returns both results. */
async function sippCall(uas: Omit<SippOptions, 'target'>, uac: Omit<SippOptions, 'target'>): Promise<{ uac: SippResult; uas: SippResult }> {
  const server = await startSipp({ timeoutMs: SIPP_TIMEOUT_MS, ...uas });
  try {
    const client = await runSipp({ timeoutMs: SIPP_TIMEOUT_MS, ...uac, target: `127.0.0.1:${server.port}` });
    return { uac: client, uas: await server.done };
  } finally {
    server.kill();
  }
}

function explain(result: SippResult): string {
  return `sipp ${result.args.join(' ')} exited ${result.code}\n${result.errors.slice(0, 2000)}\n${result.stderr.slice(0, 500)}`;
}

let workDir = '';
before(() => {
  workDir = mkdtempSync(join(tmpdir(), 'peers-test-'));
});
after(() => rmSync(workDir, { recursive: true, force: true }));

describe('sipp peers', () => {
  it('a built-in sipp UAC call to a built-in sipp UAS succeeds on both sides', async () => {
    const { uac, uas } = await sippCall({ scenario: 'uas' }, { scenario: 'uac', durationMs: 200 });
    assert.equal(uac.code, 0, explain(uac));
    assert.equal(uas.code, 0, explain(uas));
    assert.equal(uac.stats?.successful, 1);
    assert.equal(uac.stats?.failed, 0);
  });

  for (const [scenario, code] of [
    ['uas-busy', '486'],
    ['uas-decline', '603'],
  ] as const) {
    it(`a UAS answering ${code} (${scenario}) makes the sipp UAC exit 1 with one failed call`, async () => {
      const { uac, uas } = await sippCall({ scenario }, { scenario: 'uac-hangs-up' });
      assert.equal(uac.code, 1, explain(uac));
      assert.equal(uac.stats?.failed, 1);
      assert.equal(uac.stats?.successful, 0);
      assert.equal(uas.code, 0, explain(uas));
      assert.match(uac.errors, new RegExp(`SIP/2\\.0 ${code}`));
    });
  }

  it('uac-hangs-up sends BYE after -d ms and uas-answer answers it', async () => {
    const { uac, uas } = await sippCall({ scenario: 'uas-answer', traceMessages: true }, { scenario: 'uac-hangs-up', durationMs: 300 });
    assert.equal(uac.code, 0, explain(uac));
    assert.equal(uas.code, 0, explain(uas));
    // to the remote target the 200's Contact named (RFC 3261 12.2.1.1)
    assert.match(uas.messages, /^BYE sip:uas@127\.0\.0\.1:\d+ SIP\/2\.0/m);
  });

  it('uac-cancel cancels a call ringing on uas-ring-no-answer: 200 to the CANCEL, 487 to the INVITE, ACK', async () => {
    const { uac, uas } = await sippCall({ scenario: 'uas-ring-no-answer', traceMessages: true }, { scenario: 'uac-cancel', durationMs: 100 });
    assert.equal(uac.code, 0, explain(uac));
    assert.equal(uas.code, 0, explain(uas));
    assert.match(uas.messages, /^CANCEL /m);
    assert.match(uas.messages, /^SIP\/2\.0 487 /m);
  });

  it('uac-pcap-dtmf streams a generated 20 ms PCMU pcap, sends RFC 4733 digits 1 2 3 and answers the far end’s BYE', async () => {
    const speech = await espeakReference('One two three four.');
    const sink = await startRtpSink();
    try {
      const audioMs = Math.ceil(speech.length / 8);
      const { uac, uas } = await sippCall(
        { scenario: 'uas-answer-rtp-sink', keys: { rtp_sink_port: sink.port }, durationMs: audioMs + 1800, traceMessages: true },
        { scenario: 'uac-pcap-dtmf', durationMs: audioMs, files: { 'pcap/audio.pcap': buildRtpPcap(speech) } },
      );
      assert.equal(uac.code, 0, explain(uac));
      assert.equal(uas.code, 0, explain(uas));
      // the UAS's BYE went to sipp's Contact through the fake Record-Route
      assert.match(uas.messages, /^Route: <sip:127\.0\.0\.1:\d+;lr;proxy=fake>/m);

      const pcmu = sink.packets.filter((p) => p.payloadType === 0);
      assert.equal(pcmu.length, Math.ceil(speech.length / 160));
      assert.ok(pcmu.every((p, i) => i === 0 || p.sequence === ((pcmu[i - 1].sequence + 1) & 0xffff)));
      assert.ok(correlate(speech, sink.audio(0)).corr > 0.95);
      assert.deepEqual(
        sink.telephoneEvents(101).map((e) => e.digit),
        ['1', '2', '3'],
      );
    } finally {
      await sink.close();
    }
  });

  it('uas-answer-then-bye hangs up after -d ms with a BYE that sipp’s uac-pcap-dtmf answers', async () => {
    const { uac, uas } = await sippCall(
      { scenario: 'uas-answer-then-bye', durationMs: 1600, traceMessages: true },
      { scenario: 'uac-pcap-dtmf', durationMs: 200, files: { 'pcap/audio.pcap': buildRtpPcap(new Int16Array(1600)) } },
    );
    assert.equal(uac.code, 0, explain(uac));
    assert.equal(uas.code, 0, explain(uas));
    assert.match(uas.messages, /^BYE sip:sipp@127\.0\.0\.1:\d+ SIP\/2\.0/m);
    assert.match(uas.messages, /^CSeq: 1 BYE/m);
  });

  it('uac-load runs several concurrent calls streaming a generated pcap, all successful', async () => {
    const calls = 3;
    const { uac, uas } = await sippCall(
      { scenario: 'uas-answer', calls },
      { scenario: 'uac-load', calls, rate: 10, limit: calls, durationMs: 1000, files: { 'pcap/load.pcap': buildRtpPcap(new Int16Array(8000)) } },
    );
    assert.equal(uac.code, 0, explain(uac));
    assert.equal(uas.code, 0, explain(uas));
    assert.equal(uac.stats?.successful, calls);
    assert.equal(uac.stats?.retransmissions, 0);
  });
});

describe('baresip peers', () => {
  it('baresip A calls baresip B, which auto-answers; B’s recording of the call is A’s speech', async () => {
    const source = join(workDir, 'alice.wav');
    const speech = await espeakWavFixture(source, 'Baresip speaking. The quick brown fox jumps over the lazy dog.', { padToMs: 20_000 });
    const [alice, bob] = await Promise.all([startBaresip({ audioSource: source, user: 'alice' }), startBaresip({ answerMode: 'auto', user: 'bob' })]);
    try {
      assert.equal((await alice.dial(bob.uri)).ok, true);
      const incoming = await bob.waitForEvent('CALL_ESTABLISHED');
      assert.equal(incoming.direction, 'incoming');
      assert.equal(incoming.peeruri, alice.uri);
      await alice.waitForEvent('CALL_ESTABLISHED');
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(speech.length / 8) + 400));
      await alice.hangup();
      await bob.waitForEvent('CALL_CLOSED');

      const [recording] = bob.recordings();
      assert.ok(recording, bob.log().slice(-2000));
      const match = correlate(speech, readWav8k(recording.dec));
      assert.ok(match.corr > 0.8, `correlation ${match.corr}`);
      assert.ok(match.rmsInside > 0.01 && match.rmsAfter < 0.005, JSON.stringify(match));
    } finally {
      await Promise.all([alice.quit(), bob.quit()]);
    }
  });

  it('a baresip sndcode reaches the far end’s RTP socket as an RFC 4733 event', async () => {
    const sink = await startRtpSink();
    const uas = await startSipp({ scenario: 'uas-answer-rtp-sink', keys: { rtp_sink_port: sink.port }, durationMs: 2000, timeoutMs: SIPP_TIMEOUT_MS });
    const phone = await startBaresip({ user: 'dtmf' });
    try {
      await phone.dial(`sip:service@127.0.0.1:${uas.port}`);
      await phone.waitForEvent('CALL_ESTABLISHED');
      await phone.sendDigit('7');
      await phone.waitForEvent('CALL_CLOSED'); // sipp hangs up after -d
      const result = await uas.done;
      assert.equal(result.code, 0, explain(result));
      assert.deepEqual(
        sink.telephoneEvents(101).map((e) => [e.digit, e.ended]),
        [['7', true]],
      );
      assert.ok(sink.packets.some((p) => p.payloadType === 0), 'baresip also sent PCMU audio');
    } finally {
      uas.kill();
      await phone.quit();
      await sink.close();
    }
  });
});
