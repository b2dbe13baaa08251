import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

/** How a call ends when the app's TwiML cannot be used (xml-and-errors.md §4b). */
describe('application errors end the call the way Twilio does', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.app
      .route('/fallback', '<Response><Say>Fallback speaking</Say></Response>')
      .route('/500', () => ({ status: 500, body: 'oops', type: 'text/plain' }))
      .route('/slow', () => ({ body: '<Response><Say>too late</Say></Response>', delayMs: 1500 }))
      .route('/malformed', '<Response><Say>unclosed</Response>')
      .route('/unknown-verb', '<Response><Say>first</Say><Dance/></Response>')
      .route('/pay', '<Response><Say>Please hold</Say><Pay/><Say>never heard</Say></Response>')
      .route('/dial-mixed', '<Response><Say>Connecting you</Say><Dial><Conference>room</Conference><Number>+14155550100</Number></Dial></Response>')
      .route('/wrong-root', '<Reply><Say>hi</Say></Reply>');
  });
  after(() => h.close());

  const run = async (url: string, fallbackUrl?: string) => {
    const call = await h.client.calls.create({ to: '+14155550142', from: '+15005550006', url, ...(fallbackUrl && { fallbackUrl }) });
    const ended = await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    const notifications = await h.client.calls(call.sid).notifications.list();
    const heard = (await h.sim('GET', `/sim/v1/calls/${call.sid}`)).body.heard.map((e: any) => e.text);
    return { sid: call.sid, ended, notifications, heard };
  };

  it('an app answering 500 without a fallback ends the call with 11200 in its Notifications', async () => {
    const { notifications, heard } = await run(`${h.app.url}/500`);
    assert.equal(notifications.length, 1);
    assert.equal(notifications[0]!.errorCode, '11200');
    assert.equal(notifications[0]!.log, '0');
    assert.equal(notifications[0]!.requestUrl, `${h.app.url}/500`);
    assert.equal(notifications[0]!.responseBody, 'oops');
    assert.deepEqual(heard, ['We are sorry, an application error has occurred. Goodbye.']);
  });

  it('an app answering 500 hands the call to FallbackUrl with ErrorCode and ErrorUrl', async () => {
    const { sid, heard, notifications } = await run(`${h.app.url}/500`, `${h.app.url}/fallback`);
    const request = await h.app.waitFor('/fallback', (r) => r.params.CallSid === sid);
    assert.equal(request.params.ErrorCode, '11200');
    assert.equal(request.params.ErrorUrl, `${h.app.url}/500`);
    assert.deepEqual(heard, ['Fallback speaking']);
    assert.equal(notifications[0]!.errorCode, '11200');
  });

  it('a failing fallback adds its own notification, and the list pages through both with the SDK', async () => {
    const { sid, notifications } = await run(`${h.app.url}/500`, `${h.app.url}/500?fallback`);
    assert.deepEqual(notifications.map((n) => n.requestUrl), [`${h.app.url}/500`, `${h.app.url}/500?fallback`]);
    const paged = await h.client.calls(sid).notifications.list({ pageSize: 1 });
    assert.deepEqual(paged.map((n) => n.sid), notifications.map((n) => n.sid));
  });

  it('an app that times out (read timeout override #rt=200) goes to the fallback', async () => {
    const { sid, heard } = await run(`${h.app.url}/slow#rt=200`, `${h.app.url}/fallback`);
    await h.app.waitFor('/fallback', (r) => r.params.CallSid === sid);
    assert.deepEqual(heard, ['Fallback speaking']);
  });

  it('malformed XML ends the call with 12100', async () => {
    const { notifications, heard } = await run(`${h.app.url}/malformed`);
    assert.equal(notifications[0]!.errorCode, '12100');
    assert.match(notifications[0]!.responseBody!, /unclosed/);
    assert.deepEqual(heard, ['We are sorry, an application error has occurred. Goodbye.']);
  });

  it('a document that fails to parse goes to the fallback with its own ErrorCode', async () => {
    const { sid, heard } = await run(`${h.app.url}/unknown-verb`, `${h.app.url}/fallback`);
    const request = await h.app.waitFor('/fallback', (r) => r.params.CallSid === sid);
    assert.equal(request.params.ErrorCode, '12200');
    assert.deepEqual(heard, ['Fallback speaking']);
  });

  it('an unknown verb ends the call with 12200 before any verb runs', async () => {
    const { notifications, heard } = await run(`${h.app.url}/unknown-verb`);
    assert.equal(notifications[0]!.errorCode, '12200');
    assert.match(notifications[0]!.messageText, /Dance/);
    assert.ok(!heard.includes('first'));
  });

  it('the <Say> before a <Pay> is heard, then the call ends with a 12200 notification when <Pay> is reached', async () => {
    const { sid, ended, notifications, heard } = await run(`${h.app.url}/pay`, `${h.app.url}/fallback`);
    assert.deepEqual(heard, ['Please hold', 'We are sorry, an application error has occurred. Goodbye.']);
    assert.equal(ended.status, 'completed');
    assert.equal(notifications.length, 1);
    assert.equal(notifications[0]!.errorCode, '12200');
    assert.equal(notifications[0]!.log, '0');
    assert.match(notifications[0]!.messageText, /<Pay> is not supported/);
    assert.equal(notifications[0]!.requestUrl, `${h.app.url}/pay`);
    // A verb that cannot run is not a document that cannot be fetched: the fallback is not asked.
    assert.equal(h.app.to('/fallback').filter((r) => r.params.CallSid === sid).length, 0);
  });

  it('a <Dial> mixing <Conference> with <Number> plays what comes before it, then ends the call with 13000', async () => {
    const { notifications, heard } = await run(`${h.app.url}/dial-mixed`);
    assert.deepEqual(heard, ['Connecting you', 'We are sorry, an application error has occurred. Goodbye.']);
    assert.deepEqual(notifications.map((n) => [n.errorCode, n.log]), [['13000', '0']]);
  });

  it('a root other than <Response> ends the call with 12102', async () => {
    const { notifications } = await run(`${h.app.url}/wrong-root`);
    assert.equal(notifications[0]!.errorCode, '12102');
  });

  it('malformed inline Twiml ends the call with 12100', async () => {
    const call = await h.client.calls.create({ to: '+14155550142', from: '+15005550006', twiml: '<Response><Say>oops</Response>' });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    const [note] = await h.client.calls(call.sid).notifications.list();
    assert.equal(note!.errorCode, '12100');
  });

  it('a Gather without action in inline Twiml cannot resolve its action: 11100, call ends', async () => {
    const call = await h.client.calls.create({ to: '+14155550142', from: '+15005550006', twiml: '<Response><Gather timeout="30"><Say>Menu</Say></Gather></Response>' });
    await eventually(() => h.sim('GET', `/sim/v1/calls/${call.sid}`), (r) => r.status === 200 && r.body.heard.length > 0);
    await h.sim('POST', `/sim/v1/calls/${call.sid}/digits`, { digits: '5' });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    const [note] = await h.client.calls(call.sid).notifications.list();
    assert.equal(note!.errorCode, '11100');
  });
});
