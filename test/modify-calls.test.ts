import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertCallBody } from './helpers/openapi.js';

/**
 * The journey of Twilio's guide "Modify Calls In Progress With Node.js", end to end on the
 * simulated network, driven by the official SDK.
 */
describe('modify calls in progress (the guide, end to end)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.app
      .route('/voice', '<Response><Say>Please hold</Say><Pause length="3600"/></Response>')
      .route('/new', '<Response><Say>You have been redirected</Say><Pause length="3600"/></Response>');
  });
  after(() => h.close());

  const liveCall = async () => {
    const call = await h.client.calls.create({ to: '+14155550100', from: '+15005550006', url: `${h.app.url}/voice` });
    await h.app.waitFor('/voice', (r) => r.params.CallSid === call.sid);
    return call;
  };

  it('update({url, method}) stops the running verb and fetches the new TwiML', async () => {
    const call = await liveCall();
    const updated = await h.client.calls(call.sid).update({ url: `${h.app.url}/new`, method: 'POST' });
    assert.equal(updated.to, '+14155550100');
    const request = await h.app.waitFor('/new', (r) => r.params.CallSid === call.sid);
    assert.equal(request.method, 'POST');
    assert.equal(request.params.CallStatus, 'in-progress');
    assert.ok(twilio.validateRequest(h.server.authToken, request.headers['x-twilio-signature'] as string, request.url, request.params));
    const heard = await eventually(() => h.sim('GET', `/sim/v1/calls/${call.sid}`), (r) => r.body.heard.some((e: any) => e.text === 'You have been redirected'));
    const spoken = heard.body.heard.filter((e: any) => e.kind === 'say').map((e: any) => e.text);
    assert.deepEqual(spoken, ['Please hold', 'You have been redirected']);
  });

  it('update({status: "completed"}) hangs up an in-progress call', async () => {
    const call = await liveCall();
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'in-progress');
    const ended = await h.client.calls(call.sid).update({ status: 'completed' });
    assert.equal(ended.direction, 'outbound-api');
    assert.equal(ended.status, 'completed');
    assert.ok(ended.endTime instanceof Date);
    assert.notEqual(ended.duration, null);
    const raw = await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${call.sid}.json`);
    assertCallBody(raw.json);
  });

  it('a redirect with inline Twiml runs it at once', async () => {
    const call = await liveCall();
    const response = new twilio.twiml.VoiceResponse();
    response.say('Hi & bye');
    await h.client.calls(call.sid).update({ twiml: response.toString() });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    const heard = await h.sim('GET', `/sim/v1/calls/${call.sid}`);
    assert.equal(heard.body.heard.at(-1).text, 'Hi & bye');
  });
});
