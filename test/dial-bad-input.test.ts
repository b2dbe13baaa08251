import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

/** Bad `<Dial>` input gets Twilio's answer and never leaves a call stuck (issue 7 point 8). */
describe('<Dial> with bad input', () => {
  let h: Harness;
  let line = 0;
  const number = () => `+1415557${String(1000 + ++line).padStart(4, '0')}`;
  const notifications = (sid: string) => h.client.calls(sid).notifications.list();
  const ended = (sid: string) => eventually(() => h.client.calls(sid).fetch(), (c) => !['queued', 'ringing', 'in-progress'].includes(c.status));

  before(async () => {
    h = await startHarness();
    h.app.route('/after', '<Response><Hangup/></Response>');
  });
  after(() => h.close());

  const callWith = async (dial: string) => {
    const path = `/bad-${++line}`;
    h.app.route(path, `<Response>${dial}</Response>`);
    return h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}${path}` });
  };
  const actionOf = (sid: string) => h.app.waitFor('/after', (r) => r.params.CallSid === sid);

  it('a <Dial> with no noun fails at once with a warning, and its action hears failed', async () => {
    const call = await callWith('<Dial action="/after"></Dial>');
    const action = await actionOf(call.sid);
    assert.equal(action.params.DialCallStatus, 'failed');
    assert.equal(action.params.DialBridged, 'false');
    assert.deepEqual((await h.client.calls.list({ parentCallSid: call.sid })), []);
    await ended(call.sid);
    assert.ok((await notifications(call.sid)).some((n) => n.errorCode === '12200'));
  });

  it('eleven nouns dial the first ten and warn 13215 about the eleventh', async () => {
    const numbers = Array.from({ length: 11 }, number);
    for (const n of numbers) await h.sim('PUT', `/sim/v1/phones/${encodeURIComponent(n)}`, { answer: 'no-answer' });
    const call = await callWith(`<Dial timeout="5" action="/after">${numbers.map((n) => `<Number>${n}</Number>`).join('')}</Dial>`);
    await actionOf(call.sid);
    const children = await h.client.calls.list({ parentCallSid: call.sid });
    assert.equal(children.length, 10);
    assert.ok(!children.some((c) => c.to === numbers[10]));
    assert.ok((await notifications(call.sid)).some((n) => n.errorCode === '13215'));
  });

  it('a malformed number is warned with 13223 and not dialed', async () => {
    const call = await callWith('<Dial action="/after"><Number>12</Number></Dial>');
    const action = await actionOf(call.sid);
    assert.equal(action.params.DialCallStatus, 'failed');
    assert.ok((await notifications(call.sid)).some((n) => n.errorCode === '13223'));
  });

  it('a whisper document that cannot be fetched ends the child unconnected and the caller goes on', async () => {
    h.app.route('/broken-whisper', () => ({ status: 500, body: 'boom' }));
    const call = await callWith(`<Dial action="/after"><Number url="/broken-whisper">${number()}</Number></Dial>`);
    const action = await actionOf(call.sid);
    assert.equal(action.params.DialBridged, 'false');
    const [child] = await h.client.calls.list({ parentCallSid: call.sid });
    assert.equal(child.status, 'completed');
    assert.ok((await notifications(child.sid)).some((n) => n.errorCode === '11200'));
  });

  it('a whisper webhook that times out ends the child unconnected, never stuck', async () => {
    h.app.route('/slow-whisper', () => ({ body: '<Response/>', delayMs: 2000 }));
    const call = await callWith(`<Dial action="/after"><Number url="/slow-whisper#rt=100">${number()}</Number></Dial>`);
    const action = await actionOf(call.sid);
    assert.equal(action.params.DialBridged, 'false');
    const [child] = await h.client.calls.list({ parentCallSid: call.sid });
    await ended(child.sid);
    assert.ok((await notifications(child.sid)).some((n) => n.errorCode === '11200'));
  });

  it('<Dial> inside a whisper document is error 13201 on the child', async () => {
    h.app.route('/dialing-whisper', `<Response><Dial>${number()}</Dial></Response>`);
    const call = await callWith(`<Dial action="/after"><Number url="/dialing-whisper">${number()}</Number></Dial>`);
    const action = await actionOf(call.sid);
    assert.equal(action.params.DialBridged, 'false');
    const [child] = await h.client.calls.list({ parentCallSid: call.sid });
    assert.ok((await notifications(child.sid)).some((n) => n.errorCode === '13201'));
    assert.deepEqual(await h.client.calls.list({ parentCallSid: child.sid }), []);
  });

  it('<Dial><Queue> with a name over 64 characters is dropped with 14213, and the dial fails at once', async () => {
    const call = await callWith(`<Say>Joining the queue</Say><Dial><Queue>${'q'.repeat(65)}</Queue></Dial><Say>No queue</Say>`);
    await ended(call.sid);
    const heard = (await h.sim('GET', `/sim/v1/calls/${call.sid}`)).body.heard as any[];
    assert.deepEqual(heard.filter((e) => e.kind === 'say').map((e) => e.text), ['Joining the queue', 'No queue']);
    assert.ok((await notifications(call.sid)).some((n) => n.errorCode === '14213' && n.log === '1'));
  });
});
