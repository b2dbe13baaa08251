import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

/**
 * Live control of both legs of a `<Dial>` (dial.md §6): every row of the table, through the
 * official SDK, on the simulated network.
 */
describe('updating the legs of a <Dial> while it rings or is bridged', () => {
  let h: Harness;
  let line = 0;
  const number = () => `+1415556${String(1000 + ++line).padStart(4, '0')}`;
  const heard = async (sid: string) => (await h.sim('GET', `/sim/v1/calls/${sid}`)).body.heard as any[];
  const status = (sid: string, wanted: string) => eventually(() => h.client.calls(sid).fetch(), (c) => c.status === wanted);

  before(async () => {
    h = await startHarness();
    h.app
      .route('/after', '<Response><Say>Back to the caller</Say><Pause length="3600"/></Response>')
      .route('/parent-new', '<Response><Say>New parent TwiML</Say><Pause length="3600"/></Response>')
      .route('/child-new', '<Response><Say>New child TwiML</Say><Pause length="3600"/></Response>');
  });
  after(() => h.close());

  /** A parent bridged (or ringing, with a slow phone) to one child; resolves with both SIDs. */
  const dialing = async (options: { answerAfterMs?: number; action?: boolean } = {}) => {
    const to = number();
    await h.sim('PUT', `/sim/v1/phones/${encodeURIComponent(to)}`, { answer: 'answer', answerAfterMs: options.answerAfterMs ?? 1000 });
    const path = `/dial-${line}`;
    h.app.route(path, `<Response><Dial${options.action === false ? '' : ' action="/after"'}>${to}</Dial><Say>Next verb</Say></Response>`);
    const parent = await h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}${path}` });
    const [leg] = await eventually(() => h.client.calls.list({ parentCallSid: parent.sid }), (list) => list.length === 1);
    if (!options.answerAfterMs) await status(leg.sid, 'in-progress');
    return { parent: parent.sid, child: leg.sid };
  };
  const actionFor = (parent: string) => h.app.to('/after').filter((r) => r.params.CallSid === parent);

  it('redirecting the parent while bridged hangs up the child and runs the new TwiML, with no action', async () => {
    const { parent, child } = await dialing();
    await h.client.calls(parent).update({ url: `${h.app.url}/parent-new`, method: 'POST' });
    await status(child, 'completed');
    await eventually(() => heard(parent), (entries) => entries.some((e) => e.text === 'New parent TwiML'));
    assert.deepEqual(actionFor(parent), []);
    await h.client.calls(parent).update({ status: 'completed' });
  });

  it('redirecting the parent while the child rings cancels the child', async () => {
    const { parent, child } = await dialing({ answerAfterMs: 60_000 });
    await status(child, 'ringing');
    await h.client.calls(parent).update({ twiml: '<Response><Say>Changed my mind</Say></Response>' });
    await status(child, 'canceled');
    await status(parent, 'completed');
    assert.deepEqual(actionFor(parent), []);
  });

  it('redirecting the child takes it out of the bridge; the parent gets its action without DialCallDuration', async () => {
    const { parent, child } = await dialing();
    await h.client.calls(child).update({ url: `${h.app.url}/child-new` });
    await eventually(() => heard(child), (entries) => entries.some((e) => e.text === 'New child TwiML'));
    const [action] = await eventually(() => actionFor(parent), (list) => list.length === 1);
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal(action.params.DialCallSid, child);
    assert.equal(action.params.DialCallDuration, undefined);
    const fetched = await h.client.calls(child).fetch();
    assert.equal(fetched.status, 'in-progress', 'the redirected child runs on as an ordinary call');
    assert.equal(fetched.parentCallSid, parent);
    await eventually(() => heard(parent), (entries) => entries.some((e) => e.text === 'Back to the caller'));
    await h.sim('POST', `/sim/v1/calls/${child}/speech`, { text: 'no longer bridged' });
    assert.ok(!(await heard(parent)).some((e) => e.text === 'no longer bridged'), 'the legs are no longer joined');
    await h.client.calls(child).update({ status: 'completed' });
    await h.client.calls(parent).update({ status: 'completed' });
  });

  it('hanging up the parent by REST ends the child too, and requests no action', async () => {
    const { parent, child } = await dialing();
    await h.client.calls(parent).update({ status: 'completed' });
    await status(child, 'completed');
    assert.equal((await h.client.calls(parent).fetch()).status, 'completed');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(actionFor(parent), []);
  });

  it('hanging up the child by REST lets the parent go on, with DialCallStatus=completed', async () => {
    const { parent, child } = await dialing();
    await h.client.calls(child).update({ status: 'completed' });
    const [action] = await eventually(() => actionFor(parent), (list) => list.length === 1);
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal((await h.client.calls(parent).fetch()).status, 'in-progress');
    await h.client.calls(parent).update({ status: 'completed' });
  });

  it('canceling a ringing child gives the parent DialCallStatus=canceled', async () => {
    const { parent, child } = await dialing({ answerAfterMs: 60_000 });
    await status(child, 'ringing');
    await h.client.calls(child).update({ status: 'canceled' });
    const [action] = await eventually(() => actionFor(parent), (list) => list.length === 1);
    assert.equal(action.params.DialCallStatus, 'canceled');
    assert.equal(action.params.DialBridged, 'false');
    await h.client.calls(parent).update({ status: 'completed' });
  });

  it('Status=canceled on a parent that is dialing changes nothing (it is in progress)', async () => {
    const { parent, child } = await dialing({ answerAfterMs: 60_000 });
    const updated = await h.client.calls(parent).update({ status: 'canceled' });
    assert.equal(updated.status, 'in-progress');
    assert.equal((await h.client.calls(child).fetch()).status, 'ringing');
    await h.client.calls(parent).update({ status: 'completed' });
    await status(child, 'canceled');
  });

  it('the caller hanging up ends the child and still requests the action, with CallStatus=completed', async () => {
    const { parent, child } = await dialing();
    await h.sim('POST', `/sim/v1/calls/${parent}/hangup`);
    await status(child, 'completed');
    const [action] = await eventually(() => actionFor(parent), (list) => list.length === 1);
    assert.equal(action.params.CallStatus, 'completed');
    assert.equal(action.params.DialCallStatus, 'completed');
  });

  it('an update racing the child\'s answer leaves both calls in a final, consistent state', async () => {
    for (let i = 0; i < 5; i++) {
      const { parent, child } = await dialing({ answerAfterMs: 1000 + i * 200 });
      await new Promise((r) => setTimeout(r, 5 + i * 2));
      await h.client.calls(child).update({ status: 'completed' });
      await eventually(() => h.client.calls(child).fetch(), (c) => c.status === 'completed' || c.status === 'canceled');
      const [action] = await eventually(() => actionFor(parent), (list) => list.length === 1);
      assert.ok(['completed', 'canceled'].includes(action.params.DialCallStatus));
      await h.client.calls(parent).update({ status: 'completed' });
    }
  });
});
