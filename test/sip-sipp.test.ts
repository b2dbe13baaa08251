import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, eventually, type Harness } from './helpers/harness.js';
import { concat, dtmfAudio, silence } from './peers/dtmf-tones.js';
import { buildRtpPcap } from './peers/pcap.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';
import { runSipp, sippFixture, startSipp } from './peers/sipp.js';

/**
 * The SIP edge against sipp (Debian sip-tester), a real SIP peer: inbound calls with RTP and
 * RFC 4733 digits, outbound calls to a sipp UAS that answers, is busy, declines or never
 * answers, and BYE from either side. Everything goes through the official SDK and real webhooks.
 */
describe('SIP calls with sipp', () => {
  const NUMBER = '+15005550100';
  let h: Harness;
  let sipTarget: string;

  before(async () => {
    const rtp = await freeUdpRange(200);
    h = await startHarness({ timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0 } });
    sipTarget = `${h.server.sip!.host}:${h.server.sip!.port}`;
    await h.client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, voiceUrl: `${h.app.url}/voice` });
    h.app.route('/status', '');
  });
  after(() => h.close());

  const callsTo = (to: string) => h.client.calls.list({ to });

  it('answers an inbound INVITE with the number\'s TwiML, collects RFC 4733 digits and hangs up with BYE', async () => {
    h.app.route('/voice', '<Response><Gather numDigits="3" timeout="10" action="/digits"><Say>Enter your code</Say></Gather></Response>');
    h.app.route('/digits', '<Response><Say>Thank you</Say><Hangup/></Response>');
    const result = await runSipp({ scenario: sippFixture('uac-pcap-dtmf'), target: sipTarget, service: NUMBER.slice(1), durationMs: 1000, timeoutMs: 30_000 });
    assert.equal(result.code, 0, `sipp failed:\n${result.errors}\n${result.stdout.slice(-2000)}`);
    const voice = await h.app.waitFor('/voice');
    assert.equal(voice.params.Direction, 'inbound');
    assert.equal(voice.params.To, NUMBER);
    assert.match(voice.params.From, /^sip:sipp@127\.0\.0\.1/);
    assert.equal(voice.params.CallStatus, 'ringing');
    const digits = await h.app.waitFor('/digits');
    assert.equal(digits.params.Digits, '123');
    const [call] = await callsTo(NUMBER);
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
  });

  it('keys sent as in-band tones by a caller without telephone-event reach a Gather', async () => {
    h.app.route('/voice', '<Response><Gather numDigits="3" timeout="10" action="/digits"><Say>Enter your code</Say></Gather></Response>');
    // sipp only takes our BYE once its audio has been sent.
    h.app.route('/digits', '<Response><Pause length="3"/><Hangup/></Response>');
    const tones = concat([silence(1500), dtmfAudio('159'), silence(500)]);
    const dialled = Date.now();
    const result = await runSipp({
      scenario: sippFixture('uac-pcap-inband'), target: sipTarget, service: NUMBER.slice(1), durationMs: tones.length / 8,
      files: { 'pcap/audio.pcap': buildRtpPcap(tones, { codec: 'PCMA' }) },
    });
    assert.equal(result.code, 0, result.errors);
    const digits = await h.app.waitFor('/digits', (r) => r.at >= dialled);
    assert.equal(digits.params.Digits, '159');
  });

  it('<Gather input="speech"> on SIP hears nothing (no recognizer) and goes on as Twilio does without input', async () => {
    h.app.route('/voice', '<Response><Gather input="speech" timeout="1" action="/speech"><Say>Say something</Say></Gather><Say>No input</Say><Hangup/></Response>');
    h.app.route('/speech', '<Response><Hangup/></Response>');
    const dialled = Date.now();
    const result = await runSipp({ scenario: sippFixture('uac-pcap-dtmf'), target: sipTarget, service: NUMBER.slice(1), durationMs: 1000 });
    assert.equal(result.code, 0, result.errors);
    const voice = await h.app.waitFor('/voice', (r) => r.at >= dialled);
    await eventually(() => h.client.calls(voice.params.CallSid).fetch(), (c) => c.status === 'completed');
    assert.equal(h.app.requests.filter((r) => r.path === '/speech' && r.at >= dialled).length, 0);
  });

  it('a BYE from the caller ends the call completed and stops the running verb', async () => {
    h.app.route('/voice', `<Response><Say loop="0">This prompt would go on for ever</Say></Response>`);
    const result = await runSipp({ scenario: sippFixture('uac-hangs-up'), target: sipTarget, service: NUMBER.slice(1), durationMs: 1500 });
    assert.equal(result.code, 0, result.errors);
    const voice = await h.app.waitFor('/voice', (r) => r.params.CallStatus === 'ringing');
    await eventually(() => h.client.calls(voice.params.CallSid).fetch(), (c) => c.status === 'completed');
  });

  for (const [reason, code, status] of [['busy', 486, 'busy'], ['rejected', 603, 'no-answer']] as const) {
    it(`<Reject reason="${reason}"> refuses the INVITE with ${code} and the call ends ${status}`, async () => {
      h.app.route('/voice', `<Response><Reject reason="${reason}"/></Response>`);
      const dialled = Date.now();
      const result = await runSipp({ scenario: 'uac', target: sipTarget, service: NUMBER.slice(1), durationMs: 100 });
      assert.equal(result.code, 1, 'sipp expected a 200');
      assert.match(result.errors, new RegExp(`SIP/2\\.0 ${code} `));
      const voice = await h.app.waitFor('/voice', (r) => r.at >= dialled);
      await eventually(() => h.client.calls(voice.params.CallSid).fetch(), (c) => c.status === status);
    });
  }

  for (const twiml of ['<Response><Hangup/></Response>', '<Response/>']) {
    it(`a burst of 80 INVITEs 5 ms apart to ${twiml} is answered 200 then hung up, every caller agreeing with its record`, async () => {
      h.app.route('/voice', twiml);
      const dialled = Date.now();
      const result = await runSipp({ scenario: sippFixture('uac-callee-hangs-up'), target: sipTarget, service: NUMBER.slice(1), calls: 80, rate: 200, limit: 80, timeoutMs: 60_000 });
      assert.equal(result.code, 0, `a caller got something other than 200 + BYE:\n${result.errors.slice(0, 3000)}`);
      assert.equal(result.stats?.successful, 80);
      const sids = h.app.requests.filter((r) => r.path === '/voice' && r.at >= dialled).map((r) => r.params.CallSid!);
      assert.equal(new Set(sids).size, 80);
      const records = await Promise.all(sids.map((sid) => eventually(() => h.client.calls(sid).fetch(), (c) => c.status === 'completed')));
      assert.ok(records.every((c) => c.startTime !== null), 'every record says the call was answered, as every caller saw');
    });
  }

  it('an INVITE to a number nobody provisioned gets 404', async () => {
    const result = await runSipp({ scenario: 'uac', target: sipTarget, service: '15005550199', durationMs: 100 });
    assert.equal(result.code, 1);
    assert.match(result.errors + result.stdout, /404/);
  });

  describe('outbound calls to a sip: address', () => {
    const place = async (scenario: string, extra: Record<string, unknown> = {}) => {
      const uas = await startSipp({ scenario: sippFixture(scenario), timeoutMs: 30_000 });
      h.app.route('/outbound', '<Response><Say>Hello from Switchboard</Say><Hangup/></Response>');
      const call = await h.client.calls.create({
        to: `sip:bob@127.0.0.1:${uas.port}`, from: '+15005550006', url: `${h.app.url}/outbound`,
        statusCallback: `${h.app.url}/status`, statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'], ...extra,
      });
      return { call, uas };
    };
    const completedCallback = (sid: string) => h.app.waitFor('/status', (r) => r.params.CallSid === sid && r.params.CallStatus !== 'initiated' && r.params.CallStatus !== 'ringing' && r.params.CallStatus !== 'in-progress', 30_000);

    it('a UAS that answers runs the TwiML and the call completes with SipResponseCode 200', async () => {
      const { call, uas } = await place('uas-answer');
      const done = await completedCallback(call.sid);
      assert.equal(done.params.CallStatus, 'completed');
      assert.equal(done.params.SipResponseCode, '200');
      assert.equal((await uas.done).code, 0);
      const outbound = await h.app.waitFor('/outbound', (r) => r.params.CallSid === call.sid);
      assert.equal(outbound.params.Direction, 'outbound-api');
    });

    it('a From with an empty SIP user part is sent as anonymous instead of breaking the call', async () => {
      const uas = await startSipp({ scenario: sippFixture('uas-answer'), timeoutMs: 30_000, traceMessages: true });
      h.app.route('/outbound', '<Response><Say>Hello</Say><Hangup/></Response>');
      const call = await h.client.calls.create({ to: `sip:bob@127.0.0.1:${uas.port}`, from: 'sip:@example.com', url: `${h.app.url}/outbound` });
      await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed', 15_000);
      const result = await uas.done;
      assert.equal(result.code, 0);
      assert.match(result.messages, /From: <sip:anonymous@127\.0\.0\.1>/);
    });

    it('486 Busy Here ends the call busy', async () => {
      const { call, uas } = await place('uas-busy');
      const done = await completedCallback(call.sid);
      assert.equal(done.params.CallStatus, 'busy');
      assert.equal(done.params.SipResponseCode, '486');
      assert.equal((await uas.done).code, 0);
    });

    it('<Dial><Sip> to a busy UAS gives the action DialCallStatus=busy with its Call-ID, 486 and X- headers', async () => {
      const uas = await startSipp({ scenario: sippFixture('uas-busy'), timeoutMs: 30_000 });
      h.app.route('/dial-busy-after', '<Response><Hangup/></Response>');
      const call = await h.client.calls.create({
        to: '+14155550188', from: '+15005550006',
        twiml: `<Response><Dial action="${h.app.url}/dial-busy-after"><Sip>sip:bob@127.0.0.1:${uas.port}</Sip></Dial></Response>`,
      });
      const action = await h.app.waitFor('/dial-busy-after', (r) => r.params.CallSid === call.sid, 30_000);
      assert.equal(action.params.DialCallStatus, 'busy');
      assert.equal(action.params.DialSipResponseCode, '486');
      assert.equal(action.params['DialSipHeader_X-Busy-Reason'], 'in-a-meeting');
      assert.match(action.params.DialSipCallId, /@/);
      assert.equal((await uas.done).code, 0);
    });

    it('603 Decline ends the call no-answer', async () => {
      const { call, uas } = await place('uas-decline');
      const done = await completedCallback(call.sid);
      assert.equal(done.params.CallStatus, 'no-answer');
      assert.equal(done.params.SipResponseCode, '603');
      assert.equal((await uas.done).code, 0);
    });

    it('no answer before Timeout sends CANCEL and ends the call no-answer', async () => {
      const { call, uas } = await place('uas-ring-no-answer', { timeout: 2 });
      const done = await completedCallback(call.sid);
      assert.equal(done.params.CallStatus, 'no-answer');
      assert.equal(done.params.SipResponseCode, '487');
      assert.equal((await uas.done).code, 0, 'sipp saw the CANCEL and answered 200 + 487');
    });

    it('a BYE from the called party ends the call completed', async () => {
      const uas = await startSipp({ scenario: sippFixture('uas-answer-then-bye'), timeoutMs: 30_000, durationMs: 1000 });
      h.app.route('/long', '<Response><Pause length="60"/></Response>');
      const call = await h.client.calls.create({ to: `sip:bob@127.0.0.1:${uas.port}`, from: '+15005550006', url: `${h.app.url}/long` });
      await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed', 15_000);
      assert.equal((await uas.done).code, 0);
    });
  });

  describe('digest authentication (RFC 3261 §22.2)', () => {
    const authKeys = { auth_user: 'alice', auth_password: 'secret' };
    const finalStatus = (sid: string) => h.app.waitFor('/status', (r) => r.params.CallSid === sid && r.params.CallStatus !== 'initiated', 20_000);

    it('SipAuthUsername/SipAuthPassword answer a 401 challenge and the call connects', async () => {
      const uas = await startSipp({ scenario: sippFixture('uas-auth'), keys: authKeys, timeoutMs: 20_000 });
      const call = await h.client.calls.create({
        to: `sip:bob@127.0.0.1:${uas.port}`, from: '+15005550006', sipAuthUsername: 'alice', sipAuthPassword: 'secret',
        twiml: '<Response><Say>Authenticated</Say><Hangup/></Response>', statusCallback: `${h.app.url}/status`,
      });
      const done = await finalStatus(call.sid);
      assert.equal(done.params.CallStatus, 'completed');
      assert.equal((await uas.done).code, 0, 'sipp verified our Authorization header');
    });

    it('a wrong password ends the call failed with the 403 the far end gave', async () => {
      const uas = await startSipp({ scenario: sippFixture('uas-auth'), keys: authKeys, timeoutMs: 20_000 });
      const call = await h.client.calls.create({
        to: `sip:bob@127.0.0.1:${uas.port}`, from: '+15005550006', sipAuthUsername: 'alice', sipAuthPassword: 'wrong',
        twiml: '<Response><Say>Never heard</Say></Response>', statusCallback: `${h.app.url}/status`,
      });
      const done = await finalStatus(call.sid);
      assert.equal(done.params.CallStatus, 'failed');
      assert.equal(done.params.SipResponseCode, '403');
      uas.kill();
      await uas.done;
    });

    it('calls to phone numbers go to --sip-trunk with its credentials; other numbers stay simulated without one', async () => {
      const uas = await startSipp({ scenario: sippFixture('uas-auth'), keys: authKeys, timeoutMs: 20_000 });
      const rtp = await freeUdpRange(40);
      const trunked = await startHarness({
        timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], trunk: `sip:alice:secret@127.0.0.1:${uas.port}`, rtpTimeoutMs: 0 },
      });
      try {
        const call = await trunked.client.calls.create({ to: '+15005551234', from: '+15005550006', twiml: '<Response><Say>Via the trunk</Say><Hangup/></Response>' });
        await eventually(() => trunked.client.calls(call.sid).fetch(), (c) => c.status === 'completed', 15_000);
        assert.equal((await uas.done).code, 0, 'the trunk saw our INVITE and credentials');
        assert.equal(trunked.server.sim.heard(call.sid), undefined, 'not a simulated call');
      } finally {
        await trunked.close();
      }
      // The main harness has no trunk: a number is a simulated phone.
      const simulated = await h.client.calls.create({ to: '+15005551234', from: '+15005550006', twiml: '<Response><Say>Simulated</Say></Response>' });
      await eventually(() => h.server.sim.heard(simulated.sid)?.heard.length ?? 0, (n) => n > 0, 10_000);
    });
  });
});
