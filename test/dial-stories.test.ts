import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertCallBody } from './helpers/openapi.js';

/**
 * `<Dial>` call stories from Twilio's sample apps (call forwarding, screening, find-me,
 * simultaneous ring), end to end on the simulated network, driven by the official SDK.
 */
describe('<Dial> call stories on the simulated network', () => {
  let h: Harness;
  let line = 0;
  /** A fresh number per story, so phone scripts never leak between stories. */
  const number = () => `+1415555${String(1000 + ++line).padStart(4, '0')}`;
  const phone = (to: string, answer: string, answerAfterMs = 1000) => h.sim('PUT', `/sim/v1/phones/${encodeURIComponent(to)}`, { answer, answerAfterMs });
  const heard = async (sid: string) => (await h.sim('GET', `/sim/v1/calls/${sid}`)).body.heard as any[];
  const children = (parentCallSid: string) => h.client.calls.list({ parentCallSid });
  const child = async (parentCallSid: string, to?: string) =>
    (await eventually(() => children(parentCallSid), (list) => list.some((c) => !to || c.to === to))).find((c) => !to || c.to === to)!;
  const status = (sid: string, wanted: string) => eventually(() => h.client.calls(sid).fetch(), (c) => c.status === wanted);

  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  /** Places an outbound call whose TwiML is `twiml` (served at a path of its own). */
  const callWith = async (twiml: string) => {
    const path = `/doc-${++line}`;
    h.app.route(path, twiml);
    return h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}${path}` });
  };

  it('forwards the caller to a number, bridges them, and requests the action when the called party hangs up', async () => {
    const to = number();
    h.app.route('/after-forward', '<Response><Say>Goodbye</Say></Response>');
    const parent = await callWith(`<Response><Say>Connecting you</Say><Dial action="/after-forward" callerId="+15005550199">${to}</Dial></Response>`);
    const leg = await child(parent.sid, to);
    assert.equal(leg.direction, 'outbound-dial');
    assert.equal(leg.parentCallSid, parent.sid);
    assert.equal(leg.from, '+15005550199');
    await status(leg.sid, 'in-progress');
    const raw = await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${leg.sid}.json`);
    assertCallBody(raw.json);

    await h.sim('POST', `/sim/v1/calls/${leg.sid}/speech`, { text: 'Hello, this is Bob' });
    const parentHeard = await eventually(() => heard(parent.sid), (entries) => entries.some((e) => e.kind === 'speech'));
    const speech = parentHeard.find((e) => e.kind === 'speech');
    assert.equal(speech.text, 'Hello, this is Bob');
    assert.equal(speech.fromCallSid, leg.sid);
    assert.ok(parentHeard.findIndex((e) => e.text === 'Connecting you') < parentHeard.findIndex((e) => e.kind === 'ringback'), 'the caller heard the Say, then ringback');
    await h.sim('POST', `/sim/v1/calls/${parent.sid}/digits`, { digits: '42' });
    await eventually(() => heard(leg.sid), (entries) => entries.some((e) => e.kind === 'digits' && e.digits === '42' && e.fromCallSid === parent.sid));

    await h.sim('POST', `/sim/v1/calls/${leg.sid}/hangup`);
    const action = await h.app.waitFor('/after-forward', (r) => r.params.CallSid === parent.sid);
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal(action.params.DialCallSid, leg.sid);
    assert.equal(action.params.DialBridged, 'true');
    assert.match(action.params.DialCallDuration, /^\d+$/);
    assert.equal(action.params.CallStatus, 'in-progress');
    assert.ok(twilio.validateRequest(h.server.authToken, action.headers['x-twilio-signature'] as string, action.url, action.params));
    await eventually(() => heard(parent.sid), (entries) => entries.some((e) => e.text === 'Goodbye'));
    assert.equal((await h.client.calls(leg.sid).fetch()).status, 'completed');
  });

  it('goes on with the next verb when there is no action, and ends when the document does', async () => {
    const to = number();
    const parent = await callWith(`<Response><Dial>${to}</Dial><Say>After the dial</Say></Response>`);
    const leg = await child(parent.sid, to);
    await status(leg.sid, 'in-progress');
    await h.sim('POST', `/sim/v1/calls/${leg.sid}/hangup`);
    await eventually(() => heard(parent.sid), (entries) => entries.some((e) => e.text === 'After the dial'));
    await status(parent.sid, 'completed');
  });

  for (const [answer, dialStatus] of [['busy', 'busy'], ['no-answer', 'no-answer'], ['fail', 'failed']] as const) {
    it(`reports DialCallStatus=${dialStatus} and DialBridged=false when the called phone is ${answer}`, async () => {
      const to = number();
      await phone(to, answer);
      h.app.route(`/after-${answer}`, '<Response><Hangup/></Response>');
      const parent = await callWith(`<Response><Dial timeout="5" action="/after-${answer}">${to}</Dial></Response>`);
      const action = await h.app.waitFor(`/after-${answer}`, (r) => r.params.CallSid === parent.sid);
      assert.equal(action.params.DialCallStatus, dialStatus);
      assert.equal(action.params.DialBridged, 'false');
      assert.equal(action.params.DialCallDuration, undefined);
      const leg = await child(parent.sid, to);
      assert.equal(action.params.DialCallSid, leg.sid);
      assert.equal(leg.status, dialStatus);
    });
  }

  it('rings several numbers at once: the first to answer wins and the others are canceled', async () => {
    const slow = number();
    const fast = number();
    await phone(slow, 'answer', 20_000);
    await phone(fast, 'answer', 2_000);
    h.app.route('/after-simul', '<Response><Hangup/></Response>');
    const parent = await callWith(`<Response><Dial action="/after-simul"><Number>${slow}</Number><Number>${fast}</Number></Dial></Response>`);
    const winner = await child(parent.sid, fast);
    await status(winner.sid, 'in-progress');
    const loser = await child(parent.sid, slow);
    await status(loser.sid, 'canceled');
    await h.sim('POST', `/sim/v1/calls/${winner.sid}/hangup`);
    const action = await h.app.waitFor('/after-simul', (r) => r.params.CallSid === parent.sid);
    assert.equal(action.params.DialCallSid, winner.sid);
    assert.equal(action.params.DialCallStatus, 'completed');
  });

  it('rings the numbers one after another with sequential="true"', async () => {
    const first = number();
    const second = number();
    await phone(first, 'busy');
    const parent = await callWith(`<Response><Dial sequential="true"><Number>${first}</Number><Number>${second}</Number></Dial></Response>`);
    const busy = await child(parent.sid, first);
    await status(busy.sid, 'busy');
    const answered = await child(parent.sid, second);
    await status(answered.sid, 'in-progress');
    assert.ok(new Date(answered.dateCreated) >= new Date(busy.dateCreated));
    await h.client.calls(parent.sid).update({ status: 'completed' });
  });

  it('screens the call with <Number url>: the called party hears the whisper, and a key press connects', async () => {
    const to = number();
    h.app
      .route('/screen', '<Response><Gather numDigits="1" action="/screened"><Say>Press 1 to accept</Say></Gather><Hangup/></Response>')
      .route('/screened', (r) => (r.params.Digits === '1' ? '<Response/>' : '<Response><Hangup/></Response>'))
      .route('/after-screen', '<Response><Hangup/></Response>');
    const parent = await callWith(`<Response><Dial action="/after-screen"><Number url="/screen">${to}</Number></Dial></Response>`);
    const leg = await child(parent.sid, to);
    const whisper = await h.app.waitFor('/screen', (r) => r.params.CallSid === leg.sid);
    assert.equal(whisper.params.ParentCallSid, parent.sid);
    assert.equal(whisper.params.Direction, 'outbound-dial');
    await eventually(() => heard(leg.sid), (entries) => entries.some((e) => e.text === 'Press 1 to accept'));
    assert.ok(!(await heard(parent.sid)).some((e) => e.text === 'Press 1 to accept'), 'the caller does not hear the whisper');
    await h.sim('POST', `/sim/v1/calls/${leg.sid}/digits`, { digits: '1' });
    // The caller's ringback stops (and gets its length) when the screened call is bridged.
    await eventually(() => heard(parent.sid), (entries) => entries.some((e) => e.kind === 'ringback' && e.ms !== undefined));
    await h.sim('POST', `/sim/v1/calls/${parent.sid}/speech`, { text: 'are you there' });
    await eventually(() => heard(leg.sid), (entries) => entries.some((e) => e.kind === 'speech' && e.text === 'are you there'));
    await h.sim('POST', `/sim/v1/calls/${leg.sid}/hangup`);
    const action = await h.app.waitFor('/after-screen', (r) => r.params.CallSid === parent.sid);
    assert.equal(action.params.DialBridged, 'true');
  });

  it('a screening document that hangs up leaves the caller unconnected (DialBridged=false)', async () => {
    const to = number();
    h.app
      .route('/screen-no', '<Response><Say>Declining</Say><Hangup/></Response>')
      .route('/after-screen-no', '<Response><Say>Nobody is available</Say></Response>');
    const parent = await callWith(`<Response><Dial action="/after-screen-no"><Number url="/screen-no">${to}</Number></Dial></Response>`);
    const action = await h.app.waitFor('/after-screen-no', (r) => r.params.CallSid === parent.sid);
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal(action.params.DialBridged, 'false');
    await eventually(() => heard(parent.sid), (entries) => entries.some((e) => e.text === 'Nobody is available'));
  });

  it('find-me: the action dials the next number while DialCallStatus says nobody answered', async () => {
    const numbers = [number(), number(), number()];
    await phone(numbers[0], 'no-answer');
    await phone(numbers[1], 'busy');
    h.app.route('/find-me', (r) => {
      const next = Number(new URL(r.url).searchParams.get('i') ?? 0) + 1;
      if (r.params.DialCallStatus === 'completed' || next >= numbers.length) return '<Response><Hangup/></Response>';
      return `<Response><Dial timeout="5" action="/find-me?i=${next}">${numbers[next]}</Dial></Response>`;
    });
    const parent = await callWith(`<Response><Dial timeout="5" action="/find-me?i=0">${numbers[0]}</Dial></Response>`);
    const third = await child(parent.sid, numbers[2]);
    await status(third.sid, 'in-progress');
    const statuses = h.app.to('/find-me').filter((r) => r.params.CallSid === parent.sid).map((r) => r.params.DialCallStatus);
    assert.deepEqual(statuses, ['no-answer', 'busy']);
    await h.sim('POST', `/sim/v1/calls/${third.sid}/hangup`);
    await status(parent.sid, 'completed');
  });

  it('hangupOnStar lets the caller drop the called party and go on', async () => {
    const to = number();
    h.app.route('/after-star', '<Response><Say>Back with you</Say></Response>');
    const parent = await callWith(`<Response><Dial hangupOnStar="true" action="/after-star">${to}</Dial></Response>`);
    const leg = await child(parent.sid, to);
    await status(leg.sid, 'in-progress');
    await h.sim('POST', `/sim/v1/calls/${parent.sid}/digits`, { digits: '*' });
    const action = await h.app.waitFor('/after-star', (r) => r.params.CallSid === parent.sid);
    assert.equal(action.params.DialCallStatus, 'completed');
    await status(leg.sid, 'completed');
    await eventually(() => heard(parent.sid), (entries) => entries.some((e) => e.text === 'Back with you'));
  });

  it('sends the noun\'s own status callbacks for the child, signed, with ParentCallSid', async () => {
    const to = number();
    const parent = await callWith(
      `<Response><Dial><Number statusCallback="/child-status" statusCallbackEvent="initiated ringing answered completed">${to}</Number></Dial></Response>`,
    );
    h.app.route('/child-status', '<Response/>');
    const leg = await child(parent.sid, to);
    await status(leg.sid, 'in-progress');
    await h.sim('POST', `/sim/v1/calls/${leg.sid}/hangup`);
    const completed = await h.app.waitFor('/child-status', (r) => r.params.CallSid === leg.sid && r.params.CallStatus === 'completed');
    const events = h.app.to('/child-status').filter((r) => r.params.CallSid === leg.sid).map((r) => r.params.CallStatus);
    assert.deepEqual(events, ['initiated', 'ringing', 'in-progress', 'completed']);
    assert.equal(completed.params.ParentCallSid, parent.sid);
    assert.equal(completed.params.Direction, 'outbound-dial');
    assert.ok(twilio.validateRequest(h.server.authToken, completed.headers['x-twilio-signature'] as string, completed.url, completed.params));
  });

  it('answerOnBridge keeps an inbound caller ringing until the called party answers', async () => {
    const to = number();
    await phone(to, 'answer', 3_000);
    const own = number();
    h.app.route('/inbound-aob', `<Response><Dial answerOnBridge="true">${to}</Dial></Response>`);
    await h.client.incomingPhoneNumbers.create({ phoneNumber: own, voiceUrl: `${h.app.url}/inbound-aob` });
    const placed = await h.sim('POST', '/sim/v1/calls', { from: '+14155559999', to: own });
    const parentSid = placed.body.callSid ?? placed.body.sid;
    const leg = await child(parentSid, to);
    assert.equal((await h.client.calls(parentSid).fetch()).status, 'ringing');
    await status(leg.sid, 'in-progress');
    await status(parentSid, 'in-progress');
    await h.client.calls(parentSid).update({ status: 'completed' });
    await status(leg.sid, 'completed');
  });
});
