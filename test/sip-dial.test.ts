import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EspeakTts } from '../src/audio/espeak-tts.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { correlate, readWav8k, tonePower, type Correlation } from './peers/audio-compare.js';
import { withBaresips } from './peers/baresip.js';
import { espeakWavFixture } from './peers/pcap.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';


/**
 * `<Dial>` with real SIP peers (dial.md §3–§5): a baresip calls in and is bridged to a second
 * baresip, to a registered client, or to a simulated phone. Each side sends speech of its own
 * and records what it hears; a normalized cross-correlation near 1 with what the *other* side
 * sent proves the audio crossed the bridge, in that direction, and was not just noise.
 */
describe('<Dial> with real SIP peers', () => {
  const voice = { voice: 'man', language: 'en-US' };
  const tts = new EspeakTts();
  let h: Harness;
  let target: string;
  let dir: string;
  /** Speech each baresip sends: different texts and voices, so neither matches the other. */
  let callerWav: string;
  let calledWav: string;
  let callerSpeech: Int16Array;
  let calledSpeech: Int16Array;
  let numbers = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sip-dial-'));
    const clients = join(dir, 'clients.json');
    await writeFile(clients, JSON.stringify({ alice: 's3cret' }));
    const rtp = await freeUdpRange(100);
    h = await startHarness({ timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0, clients } });
    target = `${h.server.sip!.host}:${h.server.sip!.port}`;
    callerWav = join(dir, 'caller.wav');
    calledWav = join(dir, 'called.wav');
    callerSpeech = await espeakWavFixture(callerWav, 'One two three four five six seven eight nine ten, the caller keeps on counting slowly.', { padToMs: 60_000 });
    calledSpeech = await espeakWavFixture(calledWav, 'Hello, this is the called party speaking about the weather on a sunny afternoon.', { voice: 'en-us+f3', padToMs: 60_000 });
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh number whose voice URL answers with `twiml`. */
  const provision = async (twiml: string): Promise<string> => {
    const number = `+1500555${String(700 + ++numbers).padStart(4, '0')}`;
    h.app.route(`/voice-${numbers}`, twiml);
    await h.client.incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: `${h.app.url}/voice-${numbers}` });
    return number;
  };

  /**
   * How well `recording` holds some 2 s of `speech`: the best correlation over windows 0.5 s
   * apart. One leg starts sending when it is answered, the other hears it only once the bridge
   * is up, so which part of the speech crosses depends on the load; any 2 s of it matching
   * proves it is that speech. `offsetMs` is where the speech itself starts in the recording.
   */
  const heardOf = (speech: Int16Array, recording: Int16Array): Correlation => {
    let best: Correlation | undefined;
    for (let start = 0; start + 16_000 <= speech.length; start += 4000) {
      const match = correlate(speech.subarray(start, start + 16_000), recording);
      if (!best || match.corr > best.corr) best = { ...match, offsetMs: match.offsetMs - start / 8 };
    }
    return best!;
  };

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('a baresip dialled through <Dial><Sip> hears the caller and the caller hears it, and the child is an outbound-dial call of the parent', async () => {
    await withBaresips([{ audioSource: callerWav }, { audioSource: calledWav, user: 'bob' }], async ([caller, called]) => {
      h.app.route('/dialed', '<Response><Hangup/></Response>');
      const number = await provision(`<Response><Dial action="${h.app.url}/dialed"><Sip>${called.uri}</Sip></Dial></Response>`);
      await caller.dial(`sip:${number}@${target}`);
      await called.waitForEvent('CALL_ESTABLISHED', 15_000);
      await caller.waitForEvent('CALL_ESTABLISHED', 15_000);
      await sleep(5000);
      await caller.hangup();
      await caller.waitForEvent('CALL_CLOSED', 10_000);
      await called.waitForEvent('CALL_CLOSED', 10_000);

      const calledHeard = heardOf(callerSpeech, readWav8k(called.recordings()[0].dec));
      assert.ok(calledHeard.corr > 0.9, `the called baresip heard the caller: ${calledHeard.corr.toFixed(3)}`);
      const callerHeard = heardOf(calledSpeech, readWav8k(caller.recordings()[0].dec));
      assert.ok(callerHeard.corr > 0.9, `the caller heard the called baresip: ${callerHeard.corr.toFixed(3)}`);
      // Neither heard itself: the relay is a cross-connect, not an echo.
      const echo = heardOf(callerSpeech, readWav8k(caller.recordings()[0].dec));
      assert.ok(echo.corr < 0.5, `the caller did not hear its own speech: ${echo.corr.toFixed(3)}`);

      const [parent] = await h.client.calls.list({ to: number, limit: 1 });
      const [child] = await h.client.calls.list({ parentCallSid: parent.sid });
      assert.equal(child.direction, 'outbound-dial');
      assert.equal(child.parentCallSid, parent.sid);
      assert.equal(child.to, called.uri);
      const done = await eventually(() => h.client.calls(child.sid).fetch(), (c) => c.status === 'completed', 10_000);
      assert.ok(Number(done.duration) >= 4, `child duration ${done.duration}`);
      // The caller hanging up still requests the action, with the bridge's outcome (dial.md §5).
      const action = await h.app.waitFor('/dialed', (r) => r.params.CallSid === parent.sid, 10_000);
      assert.equal(action.params.DialCallStatus, 'completed');
      assert.equal(action.params.DialCallSid, child.sid);
      assert.ok(Number(action.params.DialCallDuration) >= 4, `DialCallDuration ${action.params.DialCallDuration}`);
      assert.equal(action.params.DialSipResponseCode, '200');
      assert.match(action.params.DialSipCallId, /\S+@\S+/);
    });
  });

  it('a caller on PCMU and a dialled baresip that only speaks PCMA still hear each other (the relay transcodes)', async () => {
    await withBaresips([{ audioSource: callerWav, codecs: 'PCMU' }, { audioSource: calledWav, user: 'carol', codecs: 'PCMA' }], async ([caller, called]) => {
      const number = await provision(`<Response><Dial><Sip>${called.uri}</Sip></Dial></Response>`);
      await caller.dial(`sip:${number}@${target}`);
      await called.waitForEvent('CALL_ESTABLISHED', 15_000);
      await sleep(4500);
      // Each side really runs its own codec, so what crosses the relay is transcoded.
      assert.match(called.log(), /Set audio encoder: PCMA/);
      assert.match(caller.log(), /Set audio encoder: PCMU/);
      await called.hangup(); // the called party hanging up ends the bridge; the parent goes on (and ends)
      await caller.waitForEvent('CALL_CLOSED', 10_000);
      const calledHeard = heardOf(callerSpeech, readWav8k(called.recordings()[0].dec));
      assert.ok(calledHeard.corr > 0.8, `the PCMA side heard the PCMU caller: ${calledHeard.corr.toFixed(3)}`);
      const callerHeard = heardOf(calledSpeech, readWav8k(caller.recordings()[0].dec));
      assert.ok(callerHeard.corr > 0.8, `the PCMU caller heard the PCMA side: ${callerHeard.corr.toFixed(3)}`);
    });
  });

  it('while the dialled baresip rings the caller hears US ringback (440 + 480 Hz), then the called party once it answers', async () => {
    await withBaresips([{}, { audioSource: calledWav, user: 'dave', answerMode: 'manual' }], async ([caller, called]) => {
      const number = await provision(`<Response><Dial><Sip>${called.uri}</Sip></Dial></Response>`);
      await caller.dial(`sip:${number}@${target}`);
      await called.waitForEvent('CALL_INCOMING', 15_000);
      await sleep(2500);
      await called.accept();
      await called.waitForEvent('CALL_ESTABLISHED', 10_000);
      await sleep(4000);
      await caller.hangup();
      await called.waitForEvent('CALL_CLOSED', 10_000);
      const heard = readWav8k(caller.recordings()[0].dec);
      const ringing = heard.subarray(0, 8000); // the first second: the E.180 cadence is 2 s on
      for (const [hz, not] of [[440, 400], [480, 450]]) {
        assert.ok(tonePower(ringing, hz) > 20 * tonePower(ringing, not), `ringback holds ${hz} Hz`);
      }
      const answered = heardOf(calledSpeech, heard);
      assert.ok(answered.corr > 0.9, `then the called party: ${answered.corr.toFixed(3)} at ${answered.offsetMs} ms`);
      assert.ok(answered.offsetMs > 2000, 'the called party is heard only after it answered');
    });
  });

  it('RFC 4733 digits the caller sends reach the dialled baresip as telephone events', async () => {
    await withBaresips([{}, { user: 'bob' }], async ([caller, called]) => {
      const number = await provision(`<Response><Dial><Sip>${called.uri}</Sip></Dial></Response>`);
      await caller.dial(`sip:${number}@${target}`);
      await called.waitForEvent('CALL_ESTABLISHED', 15_000);
      await caller.waitForEvent('CALL_ESTABLISHED', 15_000);
      await sleep(1000);
      for (const digit of ['7', '#']) {
        await caller.sendDigit(digit);
        await sleep(400);
      }
      const first = await called.waitForEvent('CALL_DTMF_START', 5000);
      const second = await called.waitForEvent('CALL_DTMF_START', 5000);
      assert.deepEqual([first.param, second.param], ['7', '#']);
      await caller.hangup();
      await called.waitForEvent('CALL_CLOSED', 10_000);
    });
  });

  it('a registered baresip is reached by <Dial><Client>alice</Client></Dial> from an outbound-api call and hears the caller', async () => {
    const registrar = target;
    await withBaresips([{ user: 'alice', register: { registrar, password: 's3cret' }, audioSource: calledWav }, { audioSource: callerWav }], async ([alice, caller]) => {
      await eventually(async () => (await alice.command('reginfo')).data.replace(/\u001b\[[;\d]*m/g, ''), (info) => /\bOK\b/.test(info), 10_000);
      const call = await h.client.calls.create({ to: caller.uri, from: '+15005550006', twiml: '<Response><Dial><Client>alice</Client></Dial></Response>' });
      await alice.waitForEvent('CALL_ESTABLISHED', 15_000);
      await sleep(5000);
      await caller.hangup();
      await alice.waitForEvent('CALL_CLOSED', 10_000);

      const aliceHeard = heardOf(callerSpeech, readWav8k(alice.recordings()[0].dec));
      assert.ok(aliceHeard.corr > 0.9, `alice heard the caller: ${aliceHeard.corr.toFixed(3)}`);
      const callerHeard = heardOf(calledSpeech, readWav8k(caller.recordings()[0].dec));
      assert.ok(callerHeard.corr > 0.9, `the caller heard alice: ${callerHeard.corr.toFixed(3)}`);
      const [child] = await h.client.calls.list({ parentCallSid: call.sid });
      assert.equal(child.to, 'client:alice');
      assert.equal(child.direction, 'outbound-dial');
    });
  });

  it('a simulated inbound call dialling <Client>alice</Client> reaches the registered baresip: each hears the other, and alice\'s keys reach the simulated caller', async () => {
    const text = 'Alice, a simulated caller is on the line for you.';
    const number = await provision('<Response><Dial><Client>alice</Client></Dial></Response>');
    await withBaresips([{ user: 'alice', register: { registrar: target, password: 's3cret' }, audioSource: calledWav, codecs: 'PCMA' }], async ([alice]) => {
      await eventually(async () => (await alice.command('reginfo')).data.replace(/\u001b\[[;\d]*m/g, ''), (info) => /\bOK\b/.test(info), 10_000);
      const placed = await h.sim('POST', '/sim/v1/calls', { from: '+14155550188', to: number });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const parentSid = placed.body.callSid as string;
      await alice.waitForEvent('CALL_ESTABLISHED', 15_000);
      await eventually(() => h.client.calls.list({ parentCallSid: parentSid }), (l) => l.length === 1 && l[0].status === 'in-progress', 10_000);
      assert.equal((await h.sim('POST', `/sim/v1/calls/${parentSid}/speech`, { text })).status, 200);
      await sleep(4000);
      await alice.sendDigit('9');
      const heard = await eventually(
        async () => (await h.sim('GET', `/sim/v1/calls/${parentSid}`)).body.heard as { kind: string; ms?: number; digits?: string }[],
        (entries) => entries.some((e) => e.kind === 'digits'),
        5000,
      );
      await alice.hangup();
      await alice.waitForEvent('CALL_CLOSED', 10_000);
      assert.ok(heard.some((e) => e.kind === 'audio' && (e.ms ?? 0) > 0), `the simulated caller heard alice: ${JSON.stringify(heard)}`);
      assert.equal(heard.find((e) => e.kind === 'digits')!.digits, '9');
      const match = correlate(await tts.render(text, voice), readWav8k(alice.recordings()[0].dec));
      assert.ok(match.corr > 0.8, `alice heard the simulated caller's speech: ${match.corr.toFixed(3)} at ${match.offsetMs} ms`);
    });
  });

  it('a SIP caller dialling a simulated number hears its speech as TTS, and the simulated phone hears the caller\'s audio and keys', async () => {
    const text = 'This is the simulated phone answering your call.';
    const simulated = '+14155550123';
    const number = await provision(`<Response><Dial>${simulated}</Dial></Response>`);
    await withBaresips([{ audioSource: callerWav }], async ([caller]) => {
      await caller.dial(`sip:${number}@${target}`);
      await caller.waitForEvent('CALL_ESTABLISHED', 15_000);
      const [parent] = await eventually(() => h.client.calls.list({ to: number, limit: 1 }), (l) => l.length === 1, 10_000);
      const [child] = await eventually(
        () => h.client.calls.list({ parentCallSid: parent.sid }), (l) => l.length === 1 && l[0].status === 'in-progress', 10_000,
      );
      assert.equal(child.to, simulated);
      const spoken = await h.sim('POST', `/sim/v1/calls/${child.sid}/speech`, { text });
      assert.equal(spoken.status, 200, JSON.stringify(spoken.body));
      await sleep(4500);
      await caller.sendDigit('5');
      await sleep(500);
      const heard = await eventually(
        async () => (await h.sim('GET', `/sim/v1/calls/${child.sid}`)).body.heard as { kind: string; ms?: number; digits?: string }[],
        (entries) => entries.some((e) => e.kind === 'digits'),
        5000,
      );
      await caller.hangup();
      await caller.waitForEvent('CALL_CLOSED', 10_000);

      const audio = heard.filter((e) => e.kind === 'audio');
      assert.ok(audio.length > 0, `the simulated phone heard audio: ${JSON.stringify(heard)}`);
      assert.ok(audio.every((e) => typeof e.ms === 'number' && e.ms > 0), JSON.stringify(audio));
      assert.equal(heard.find((e) => e.kind === 'digits')!.digits, '5');
      const match = correlate(await tts.render(text, voice), readWav8k(caller.recordings()[0].dec));
      assert.ok(match.corr > 0.9, `the caller heard the simulated phone's speech: ${match.corr.toFixed(3)} at ${match.offsetMs} ms`);
    });
  });
});

describe('<Dial><Sip> to an unreachable peer', () => {
  it('ends with DialCallStatus=failed in the action, the child failed, and the caller goes on to the action\'s TwiML', async () => {
    // Timer B is 64·T1 = 32 s of call time; ×0.05 makes it 1.6 s. The Dial timeout is longer
    // than that, so the INVITE times out (408) before the ring timeout would report no-answer:
    // a peer that never answers at all is unroutable, `failed` (dial.md §6), as on Twilio.
    const rtp = await freeUdpRange(40);
    const h = await startHarness({ timeScale: 0.05, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0, mediaWorkers: 1 } });
    const closed = createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', resolve));
    const port = closed.address().port;
    closed.close(); // nothing listens there any more
    try {
      h.app.route('/after', '<Response><Say>Sorry</Say><Hangup/></Response>');
      const call = await h.client.calls.create({
        to: '+15005550900', from: '+15005550006',
        twiml: `<Response><Dial timeout="60" action="${h.app.url}/after"><Sip>sip:nobody@127.0.0.1:${port}</Sip></Dial></Response>`,
      });
      const action = await h.app.waitFor('/after', (r) => r.params.CallSid === call.sid, 20_000);
      assert.equal(action.params.DialCallStatus, 'failed');
      assert.equal(action.params.DialBridged, 'false');
      // Timer B fired: RFC 3261 §8.1.3.1 treats it as a 408 (the SipResponseCode the call reports).
      assert.equal(action.params.DialSipResponseCode, '408');
      assert.ok(action.params.DialSipCallId);
      const [child] = await h.client.calls.list({ parentCallSid: call.sid });
      assert.equal(child.status, 'failed');
      // The action's <Say> and <Hangup> ran: the parent is not left waiting on the dead child.
      await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed', 10_000);
    } finally {
      await h.close();
    }
  });
});
