import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertCallBody } from './helpers/openapi.js';
import { lastJson, lastStatus, rejectsWith } from './helpers/sdk.js';

/**
 * IncomingPhoneNumbers through the official SDK (create, list, fetch, update, remove), and
 * inbound calls on the simulated network to the numbers provisioned that way.
 */

describe('IncomingPhoneNumbers through the SDK', () => {
  let h: Harness;
  const NUMBER = '+14155550170';
  /** The number created by the first test; the later tests read, change and remove it. */
  let sid: string;

  before(async () => { h = await startHarness(); });
  after(() => h.close());

  it('creates a number with its voice settings (201)', async () => {
    const number = await h.client.incomingPhoneNumbers.create({
      phoneNumber: NUMBER,
      voiceUrl: `${h.app.url}/voice`,
      voiceMethod: 'GET',
      voiceFallbackUrl: `${h.app.url}/fallback`,
      statusCallback: `${h.app.url}/status`,
    });
    assert.equal(lastStatus(h), 201);
    sid = number.sid;
    assert.match(number.sid, /^PN[0-9a-f]{32}$/);
    assert.equal(number.accountSid, h.server.accountSid);
    assert.equal(number.phoneNumber, NUMBER);
    assert.equal(number.voiceUrl, `${h.app.url}/voice`);
    assert.equal(number.voiceMethod, 'GET');
    assert.equal(number.voiceFallbackUrl, `${h.app.url}/fallback`);
    assert.equal(number.statusCallback, `${h.app.url}/status`);
    assert.ok(number.dateCreated instanceof Date && !Number.isNaN(number.dateCreated.getTime()));
    const body = lastJson(h);
    assert.equal(body.uri, `/2010-04-01/Accounts/${h.server.accountSid}/IncomingPhoneNumbers/${sid}.json`);
  });

  it('lists numbers, and filters them on PhoneNumber', async () => {
    const other = await h.client.incomingPhoneNumbers.create({ phoneNumber: '+14155550171', voiceUrl: `${h.app.url}/other` });
    const all = await h.client.incomingPhoneNumbers.list();
    assert.deepEqual(all.map((n) => n.sid).sort(), [sid, other.sid].sort());
    const body = lastJson(h);
    assert.ok(Array.isArray(body.incoming_phone_numbers));
    assert.equal(body.next_page_uri, null);
    const filtered = await h.client.incomingPhoneNumbers.list({ phoneNumber: NUMBER });
    assert.deepEqual(filtered.map((n) => n.sid), [sid]);
    assert.deepEqual(await h.client.incomingPhoneNumbers.list({ phoneNumber: '+19995550100' }), []);
  });

  it('fetches a number by SID', async () => {
    const number = await h.client.incomingPhoneNumbers(sid).fetch();
    assert.equal(lastStatus(h), 200);
    assert.equal(number.sid, sid);
    assert.equal(number.phoneNumber, NUMBER);
    assert.equal(number.voiceUrl, `${h.app.url}/voice`);
  });

  it('updates the VoiceUrl and keeps the other settings', async () => {
    const updated = await h.client.incomingPhoneNumbers(sid).update({ voiceUrl: `${h.app.url}/voice2` });
    assert.equal(lastStatus(h), 200);
    assert.equal(updated.voiceUrl, `${h.app.url}/voice2`);
    assert.equal(updated.voiceMethod, 'GET');
    assert.equal(updated.voiceFallbackUrl, `${h.app.url}/fallback`);
    assert.equal((await h.client.incomingPhoneNumbers(sid).fetch()).voiceUrl, `${h.app.url}/voice2`);
  });

  it('refuses a number that is already provisioned with 400 / 21422', async () => {
    await rejectsWith(h.client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, voiceUrl: `${h.app.url}/voice` }), 400, 21422);
  });

  it('refuses a number that is not E.164 with 400 / 21421', async () => {
    await rejectsWith(h.client.incomingPhoneNumbers.create({ phoneNumber: '415-555-0100', voiceUrl: `${h.app.url}/voice` }), 400, 21421);
    await rejectsWith(h.client.incomingPhoneNumbers.create({ phoneNumber: 'not a number' }), 400, 21421);
  });

  it('removes a number: remove() resolves true and the number is gone', async () => {
    assert.equal(await h.client.incomingPhoneNumbers(sid).remove(), true);
    assert.equal(lastStatus(h), 204);
    await rejectsWith(h.client.incomingPhoneNumbers(sid).fetch(), 404, 20404);
    assert.deepEqual(await h.client.incomingPhoneNumbers.list({ phoneNumber: NUMBER }), []);
    await rejectsWith(h.client.incomingPhoneNumbers(sid).remove(), 404, 20404);
  });
});

describe('inbound calls to a provisioned number', () => {
  let h: Harness;
  const NUMBER = '+14155550180';
  const CALLER = '+14155550111';
  let numberSid: string;

  before(async () => {
    h = await startHarness();
    h.app.route('/inbound', '<Response><Say>Thanks for calling</Say><Pause length="3600"/></Response>');
    const number = await h.client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, voiceUrl: `${h.app.url}/inbound`, voiceMethod: 'POST' });
    numberSid = number.sid;
  });
  after(() => h.close());

  it('requests the number\'s VoiceUrl, signed, with Direction inbound and CallStatus ringing', async () => {
    const placed = await h.sim('POST', '/sim/v1/calls', { from: CALLER, to: NUMBER });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const callSid: string = placed.body.callSid;
    assert.match(callSid, /^CA[0-9a-f]{32}$/);

    const request = await h.app.waitFor('/inbound', (r) => r.params.CallSid === callSid);
    assert.equal(request.method, 'POST');
    const signature = request.headers['x-twilio-signature'];
    assert.equal(typeof signature, 'string');
    assert.ok(twilio.validateRequest(h.server.authToken, signature as string, request.url, request.params), 'X-Twilio-Signature is valid');
    assert.equal(request.params.Direction, 'inbound');
    assert.equal(request.params.CallStatus, 'ringing');
    assert.equal(request.params.To, NUMBER);
    assert.equal(request.params.From, CALLER);
    assert.equal(request.params.AccountSid, h.server.accountSid);

    const heard = await eventually(() => h.sim('GET', `/sim/v1/calls/${callSid}`), (r) => r.body.heard?.some((e: any) => e.text === 'Thanks for calling'));
    assert.equal(heard.status, 200);
  });

  it('shows the inbound call as a Call resource with direction inbound and the number\'s SID', async () => {
    const placed = await h.sim('POST', '/sim/v1/calls', { from: CALLER, to: NUMBER });
    const callSid: string = placed.body.callSid;
    const call = await h.client.calls(callSid).fetch();
    assertCallBody(lastJson(h));
    assert.equal(call.direction, 'inbound');
    assert.equal(call.phoneNumberSid, numberSid);
    assert.equal(call.to, NUMBER);
    assert.equal(call.from, CALLER);
    assert.equal(call.toFormatted, '(415) 555-0180');
    const listed = await h.client.calls.list({ to: NUMBER, from: CALLER });
    assert.ok(listed.some((c) => c.sid === callSid));
  });

  it('refuses an inbound call to a number that is not provisioned with 404 / 20404', async () => {
    const before = (await h.client.calls.list()).length;
    const placed = await h.sim('POST', '/sim/v1/calls', { from: CALLER, to: '+14155550189' });
    assert.equal(placed.status, 404);
    assert.equal(placed.body.status, 404);
    assert.equal(placed.body.code, 20404);
    assert.equal(typeof placed.body.message, 'string');
    assert.equal(placed.body.more_info, 'https://www.twilio.com/docs/errors/20404');
    assert.equal((await h.client.calls.list()).length, before, 'no call was created');
  });

  it('refuses an inbound call to a number once it is removed', async () => {
    const number = await h.client.incomingPhoneNumbers.create({ phoneNumber: '+14155550181', voiceUrl: `${h.app.url}/inbound` });
    await h.client.incomingPhoneNumbers(number.sid).remove();
    const placed = await h.sim('POST', '/sim/v1/calls', { from: CALLER, to: '+14155550181' });
    assert.equal(placed.status, 404);
    assert.equal(placed.body.code, 20404);
  });
});

describe('IncomingPhoneNumbers methods', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(() => h.close());

  it('PUT on a number answers 405 / 20004 with an Allow header', async () => {
    const number = await h.client.incomingPhoneNumbers.create({ phoneNumber: '+14155550180', voiceUrl: 'http://127.0.0.1:9/voice' });
    const response = await h.rest('PUT', `/2010-04-01/Accounts/${h.server.accountSid}/IncomingPhoneNumbers/${number.sid}.json`, {});
    assert.equal(response.status, 405);
    assert.equal(response.json.code, 20004);
    assert.equal(response.headers.get('allow'), 'GET, POST, DELETE');
  });
});
