import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertCallBody } from './helpers/openapi.js';

const HOLD = '<Response><Pause length="3600"/></Response>';
const rejects21220 = (promise: Promise<unknown>) =>
  assert.rejects(promise, (e: any) => e.status === 400 && e.code === 21220 && e.message === 'Call is not in-progress. Cannot redirect.');

describe('call lifecycle and update by state (call-lifecycle.md §2–§3)', () => {
  let h: Harness;
  let n = 0;
  /** A fresh far-end number per test, so phone scripts do not leak between tests. */
  const number = () => `+1415555${String(1000 + n++).padStart(4, '0')}`;
  before(async () => {
    h = await startHarness();
    h.app
      .route('/hold', HOLD)
      .route('/status', () => ({ status: 204 }))
      .route('/next', '<Response><Say>Next document</Say><Pause length="3600"/></Response>');
  });
  after(() => h.close());

  const callbacks = (sid: string) => h.app.to('/status').filter((r) => r.params.CallSid === sid);
  const status = (sid: string) => h.client.calls(sid).fetch();
  const ringingCall = async (to = number()) => {
    await h.sim('PUT', `/sim/v1/phones/${encodeURIComponent(to)}`, { answer: 'answer', answerAfterMs: 60_000 });
    const call = await h.client.calls.create({
      to, from: '+15005550006', url: `${h.app.url}/hold`, statusCallback: `${h.app.url}/status`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    await eventually(() => status(call.sid), (c) => c.status === 'ringing');
    return call;
  };
  const liveCall = async () => {
    const call = await h.client.calls.create({
      to: number(), from: '+15005550006', twiml: HOLD, statusCallback: `${h.app.url}/status`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    await eventually(() => status(call.sid), (c) => c.status === 'in-progress');
    return call;
  };

  it('an answered call goes queued → ringing → in-progress → completed with signed callbacks in sequence', async () => {
    const call = await liveCall();
    await h.client.calls(call.sid).update({ status: 'completed' });
    const sent = await eventually(() => callbacks(call.sid), (list) => list.length === 4);
    assert.deepEqual(sent.map((r) => [r.params.SequenceNumber, r.params.CallStatus]), [
      ['0', 'initiated'], ['1', 'ringing'], ['2', 'in-progress'], ['3', 'completed'],
    ]);
    for (const r of sent) {
      assert.ok(twilio.validateRequest(h.server.authToken, r.headers['x-twilio-signature'] as string, r.url, r.params));
      assert.equal(r.params.CallbackSource, 'call-progress-events');
      assert.match(r.params.Timestamp!, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
      assert.equal(r.params.Direction, 'outbound-api');
    }
    assert.match(sent[3]!.params.CallDuration!, /^\d+$/);
    assert.equal(sent[3]!.params.Duration, String(Math.ceil(Number(sent[3]!.params.CallDuration) / 60)));
    const done = await status(call.sid);
    assert.ok(done.startTime instanceof Date && done.endTime instanceof Date);
    assert.match(String(done.duration), /^\d+$/);
  });

  it('only the completed callback is sent when StatusCallbackEvent is not given', async () => {
    const call = await h.client.calls.create({ to: number(), from: '+15005550006', twiml: '<Response><Hangup/></Response>', statusCallback: `${h.app.url}/status` });
    const sent = await eventually(() => callbacks(call.sid), (list) => list.length === 1);
    assert.equal(sent[0]!.params.CallStatus, 'completed');
    assert.equal(sent[0]!.params.SequenceNumber, '0');
  });

  for (const [answer, outcome] of [['busy', 'busy'], ['fail', 'failed'], ['no-answer', 'no-answer']] as const) {
    it(`a phone that answers "${answer}" ends the call ${outcome} with a null duration and no TwiML fetched`, async () => {
      const to = number();
      await h.sim('PUT', `/sim/v1/phones/${encodeURIComponent(to)}`, { answer });
      const call = await h.client.calls.create({ to, from: '+15005550006', url: `${h.app.url}/hold`, timeout: 5, statusCallback: `${h.app.url}/status` });
      const ended = await eventually(() => status(call.sid), (c) => c.status === outcome);
      assert.equal(ended.duration, null);
      const [callback] = await eventually(() => callbacks(call.sid), (list) => list.length === 1);
      assert.equal(callback!.params.CallStatus, outcome);
      assert.equal(h.app.to('/hold').filter((r) => r.params.CallSid === call.sid).length, 0);
    });
  }

  it('Status=canceled on a ringing call cancels it and sends the completed callback with CallStatus=canceled', async () => {
    const call = await ringingCall();
    const updated = await h.client.calls(call.sid).update({ status: 'canceled' });
    assert.equal(updated.status, 'canceled');
    const sent = await eventually(() => callbacks(call.sid), (list) => list.some((r) => r.params.CallStatus === 'canceled'));
    assert.deepEqual(sent.map((r) => r.params.CallStatus), ['initiated', 'ringing', 'canceled']);
  });

  it('Status=completed on a ringing call ends it as canceled', async () => {
    const call = await ringingCall();
    assert.equal((await h.client.calls(call.sid).update({ status: 'completed' })).status, 'canceled');
  });

  it('a redirect of a ringing call is used once the call is answered', async () => {
    const to = number();
    await h.sim('PUT', `/sim/v1/phones/${encodeURIComponent(to)}`, { answer: 'answer', answerAfterMs: 20_000 });
    const call = await h.client.calls.create({ to, from: '+15005550006', url: `${h.app.url}/hold` });
    await eventually(() => status(call.sid), (c) => c.status === 'ringing');
    const updated = await h.client.calls(call.sid).update({ url: `${h.app.url}/next`, method: 'GET' });
    assert.equal(updated.status, 'ringing');
    const request = await h.app.waitFor('/next', (r) => r.params.CallSid === call.sid);
    assert.equal(request.method, 'GET');
    assert.equal(h.app.to('/hold').filter((r) => r.params.CallSid === call.sid).length, 0);
  });

  it('Status=canceled leaves an in-progress call alone and answers 200 with it unchanged', async () => {
    const call = await liveCall();
    const updated = await h.client.calls(call.sid).update({ status: 'canceled' });
    assert.equal(updated.status, 'in-progress');
    assert.equal((await status(call.sid)).status, 'in-progress');
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it('every update of a finished call answers 400 / 21220', async () => {
    const call = await liveCall();
    await h.client.calls(call.sid).update({ status: 'completed' });
    await rejects21220(h.client.calls(call.sid).update({ url: `${h.app.url}/next` }));
    await rejects21220(h.client.calls(call.sid).update({ twiml: HOLD }));
    await rejects21220(h.client.calls(call.sid).update({ status: 'completed' }));
    await rejects21220(h.client.calls(call.sid).update({ status: 'canceled' }));
  });

  it('Url together with Twiml is refused with 400 and the call keeps running', async () => {
    const call = await liveCall();
    await assert.rejects(h.client.calls(call.sid).update({ url: `${h.app.url}/next`, twiml: HOLD }), (e: any) => e.status === 400);
    assert.equal((await status(call.sid)).status, 'in-progress');
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it('TimeLimit on create ends the call as completed when reached', async () => {
    const call = await h.client.calls.create({ to: number(), from: '+15005550006', twiml: HOLD, timeLimit: 2 });
    const ended = await eventually(() => status(call.sid), (c) => c.status === 'completed');
    // Durations stay wall-clock truths: at ×0.01 a 2 s limit lasts 20 ms, so 0 whole seconds.
    assert.equal(ended.duration, '0');
  });

  it('TimeLimit on update ends a live call as completed', async () => {
    const call = await liveCall();
    const updated = await h.client.calls(call.sid).update({ timeLimit: 1 });
    assert.equal(updated.status, 'in-progress');
    await eventually(() => status(call.sid), (c) => c.status === 'completed');
  });

  it('StatusCallback sent with Url on update receives the later callbacks', async () => {
    h.app.route('/status2', () => ({ status: 204 }));
    const call = await liveCall();
    await h.client.calls(call.sid).update({ url: `${h.app.url}/next`, statusCallback: `${h.app.url}/status2` });
    await h.client.calls(call.sid).update({ status: 'completed' });
    const done = await h.app.waitFor('/status2', (r) => r.params.CallSid === call.sid);
    assert.equal(done.params.CallStatus, 'completed');
    assert.ok(!callbacks(call.sid).some((r) => r.params.CallStatus === 'completed'));
  });

  it('FallbackUrl sent on update is used when the new Url fails', async () => {
    h.app.route('/broken', () => ({ status: 500, body: 'oops', type: 'text/plain' }));
    const call = await liveCall();
    await h.client.calls(call.sid).update({ url: `${h.app.url}/broken`, fallbackUrl: `${h.app.url}/next` });
    const fallback = await h.app.waitFor('/next', (r) => r.params.CallSid === call.sid);
    assert.equal(fallback.params.ErrorCode, '11200');
    assert.equal(fallback.params.ErrorUrl, `${h.app.url}/broken`);
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it('the JSON of a call in every state matches the Call schema', async () => {
    const ringing = await ringingCall();
    const live = await liveCall();
    for (const sid of [ringing.sid, live.sid]) {
      assertCallBody((await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${sid}.json`)).json);
      await h.client.calls(sid).update({ status: 'completed' });
      assertCallBody((await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${sid}.json`)).json);
    }
  });
});
