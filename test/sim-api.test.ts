import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

describe('the simulated network API (/sim/v1)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('PUT /sim/v1/phones takes the number with a raw + or as %2B', async () => {
    const raw = await h.sim('PUT', '/sim/v1/phones/+14155550111', { answer: 'busy' });
    assert.equal(raw.status, 200);
    assert.deepEqual(raw.body, { number: '+14155550111', answer: 'busy', answerAfterMs: 1000, sms: 'deliver' });
    const encoded = await h.sim('PUT', '/sim/v1/phones/%2B14155550112', { answer: 'no-answer', answerAfterMs: 5 });
    assert.equal(encoded.body.number, '+14155550112');
    const call = await h.client.calls.create({ to: '+14155550111', from: '+15005550006', twiml: '<Response/>' });
    assert.equal((await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status !== 'queued' && c.status !== 'ringing')).status, 'busy');
  });

  it('answerAfterMs delays the answer: the call rings first', async () => {
    await h.sim('PUT', '/sim/v1/phones/+14155550113', { answer: 'answer', answerAfterMs: 30_000 });
    const call = await h.client.calls.create({ to: '+14155550113', from: '+15005550006', twiml: '<Response><Say>Hello</Say></Response>' });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'ringing');
    assert.equal((await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed', 10_000)).status, 'completed');
  });

  it('bad phone scripts and bad digits answer 400 with a Twilio error body', async () => {
    const notE164 = await h.sim('PUT', '/sim/v1/phones/12345', { answer: 'answer' });
    assert.equal(notE164.status, 400);
    assert.equal(notE164.body.code, 21211);
    const badAnswer = await h.sim('PUT', '/sim/v1/phones/+14155550114', { answer: 'maybe' });
    assert.equal(badAnswer.status, 400);
    assert.match(badAnswer.body.message, /answer must be one of/);
    const call = await h.client.calls.create({ to: '+14155550115', from: '+15005550006', twiml: '<Response><Pause length="3600"/></Response>' });
    const badDigits = await h.sim('POST', `/sim/v1/calls/${call.sid}/digits`, { digits: 'x1' });
    assert.equal(badDigits.status, 400);
    assert.equal(badDigits.body.code, 21206);
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it('acting on an ended call answers 409, and an unknown call 404', async () => {
    const call = await h.client.calls.create({ to: '+14155550116', from: '+15005550006', twiml: '<Response><Hangup/></Response>' });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    const late = await h.sim('POST', `/sim/v1/calls/${call.sid}/hangup`);
    assert.equal(late.status, 409);
    const unknown = await h.sim('GET', '/sim/v1/calls/CA00000000000000000000000000000000');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 20404);
  });

  it('the sim API needs the account credentials', async () => {
    const response = await fetch(`${h.server.url}/sim/v1/phones/+14155550117`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(response.status, 401);
    assert.equal((await response.json()).code, 20003);
  });
});

describe('accounts are isolated', () => {
  it("another account's call is not found (20404), even by SID", async () => {
    const first = await startHarness({ keepDataDir: true });
    const call = await first.client.calls.create({ to: '+14155550118', from: '+15005550006', twiml: '<Response><Hangup/></Response>' });
    await eventually(() => first.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    await first.close();
    const second = await startHarness({ dataDir: first.dataDir, accountSid: 'AC' + 'b'.repeat(32), authToken: 'c'.repeat(32) });
    try {
      await assert.rejects(second.client.calls(call.sid).fetch(), (e: any) => e.status === 404 && e.code === 20404);
      await assert.rejects(second.client.calls(call.sid).update({ status: 'completed' }), (e: any) => e.status === 404 && e.code === 20404);
      assert.deepEqual(await second.client.calls.list(), []);
    } finally {
      await second.close();
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });
});

describe('bad input to the HTTP edge', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('a sim request whose body is not a JSON object answers 400 with a Twilio error body', async () => {
    const array = await h.sim('PUT', '/sim/v1/phones/+14155550119', [1, 2]);
    assert.equal(array.status, 400);
    assert.equal(array.body.message, 'The body must be a JSON object');
    const response = await fetch(`${h.server.url}/sim/v1/calls`, {
      method: 'POST', body: 'not json',
      headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${h.server.accountSid}:${h.server.authToken}`).toString('base64') },
    });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).status, 400);
  });

  it('a URL that cannot be decoded answers 404 / 20404 as on Twilio, and the server goes on', async () => {
    const response = await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Calls/%E0%A4%A.json`);
    assert.equal(response.status, 404);
    assert.equal(response.json.code, 20404);
    assert.equal((await fetch(`${h.server.url}/health`)).status, 200);
  });
});
