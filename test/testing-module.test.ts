import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { startTestSwitchboard, type TestSwitchboard } from '../src/testing/index.js';
import { TwimlApp } from './helpers/twiml-app.js';

/** `switchboard/testing` used the way an app's own test suite would use it. */
describe('switchboard/testing', () => {
  let sb: TestSwitchboard;
  let app: TwimlApp;
  let client: ReturnType<typeof twilio>;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-testing-'));
    sb = await startTestSwitchboard({ dataDir });
    client = twilio(sb.accountSid, sb.authToken);
    client.api.baseUrl = sb.url;
    app = await TwimlApp.start();
    app
      .route('/menu', '<Response><Gather numDigits="1" action="/choice"><Say>Press 1 for sales</Say></Gather></Response>')
      .route('/choice', (r) => `<Response><Say>${r.params.Digits === '1' ? 'Connecting you to sales' : 'Sorry'}</Say></Response>`);
  });
  after(async () => {
    await sb.close();
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('scripts an IVR test: the caller hears the menu, presses 1, and hears the sales message', async () => {
    const call = await client.calls.create({ to: '+14155550100', from: '+15005550006', url: `${app.url}/menu` });
    await sb.waitForCall(call.sid, 'in-progress');
    const caller = sb.call(call.sid);
    await waitUntil(() => caller.said().includes('Press 1 for sales'));
    caller.press('1');
    const ended = await sb.waitForCall(call.sid);
    assert.equal(ended.status, 'completed');
    assert.deepEqual(caller.said(), ['Press 1 for sales', 'Connecting you to sales']);
  });

  it('scripts how a phone answers', async () => {
    sb.phone('+14155550101', { answer: 'busy' });
    const call = await client.calls.create({ to: '+14155550101', from: '+15005550006', url: `${app.url}/menu` });
    assert.equal((await sb.waitForCall(call.sid)).status, 'busy');
  });

  it('places inbound calls to provisioned numbers', async () => {
    await client.incomingPhoneNumbers.create({ phoneNumber: '+14155550102', voiceUrl: `${app.url}/menu` });
    const sid = await sb.dialIn('+15551230000', '+14155550102');
    await sb.waitForCall(sid, 'in-progress');
    sb.call(sid).hangup();
    assert.equal((await sb.waitForCall(sid)).direction, 'inbound');
  });

  it('refuses to press keys on a call that has ended, with a clear error', async () => {
    const call = await client.calls.create({ to: '+14155550103', from: '+15005550006', twiml: '<Response><Hangup/></Response>' });
    await sb.waitForCall(call.sid);
    assert.throws(() => sb.call(call.sid).press('1'), /is not live and answered/);
  });

  it('finds the children a <Dial> placed, in order, by index or by number, and hears the bridge', async () => {
    sb.phone('+14155550105', { answer: 'no-answer' });
    const parent = await client.calls.create({
      to: '+14155550104', from: '+15005550006',
      twiml: '<Response><Dial><Number>+14155550105</Number><Client>alice</Client></Dial></Response>',
    });
    const alice = await sb.waitForChild(parent.sid, { to: 'client:alice' });
    assert.equal((await sb.waitForCall(alice, 'in-progress')).to, 'client:alice');
    const first = await sb.waitForChild(parent.sid);
    assert.equal((await client.calls(first).fetch()).to, '+14155550105');
    assert.equal(await sb.waitForChild(parent.sid, { index: 1 }), alice);
    await assert.rejects(sb.waitForChild(parent.sid, { index: 2, timeoutMs: 50 }), /has 2 child call\(s\), not 3/);
    await sb.waitForCall(first, 'canceled');
    sb.call(alice).say('Alice here');
    await waitUntil(() => sb.call(parent.sid).heard().some((e) => e.kind === 'speech' && e.text === 'Alice here'));
    sb.call(parent.sid).hangup();
    assert.equal((await sb.waitForCall(alice)).status, 'completed');
  });

  it('scripts a client identity like a phone number', async () => {
    sb.phone('client:alice', { answer: 'busy' });
    const call = await client.calls.create({ to: 'client:alice', from: '+15005550006', twiml: '<Response><Say>Hi</Say></Response>' });
    assert.equal((await sb.waitForCall(call.sid)).status, 'busy');
  });
});

async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), 'condition reached');
}
