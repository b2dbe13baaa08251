import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertQueueBody, assertQueueList } from './helpers/queue-openapi.js';

/**
 * A call centre, as Twilio's queue sample apps build one, end to end on the simulated network
 * through the official SDK: callers `<Enqueue>` with hold music, an agent `<Dial><Queue>`s the
 * front caller, the Members list shows who waits where, and a supervisor sends one caller to
 * voicemail through `members(sid).update({url})`. Heard logs prove who talked to whom.
 */
describe('call centre story on the simulated network', () => {
  let h: Harness;
  let line = 0;
  const number = () => `+1415557${String(1000 + ++line).padStart(4, '0')}`;
  const heard = async (sid: string) => (await h.sim('GET', `/sim/v1/calls/${sid}`)).body.heard as any[];
  const say = (sid: string, text: string) => h.sim('POST', `/sim/v1/calls/${sid}/speech`, { text });
  /** `from` says `text` until `to` hears it: words said before the bridge is up reach nobody. */
  const talk = (from: string, to: string, text: string) =>
    eventually(async () => {
      await say(from, text);
      return heard(to);
    }, (entries) => entries.some((e) => e.kind === 'speech' && e.text === text && e.fromCallSid === from));
  const status = (sid: string, wanted: string) => eventually(() => h.client.calls(sid).fetch(), (c) => c.status === wanted);
  const rest = (path: string) => h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}${path}`);
  const dial = (path: string) => h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}${path}` });

  before(async () => {
    h = await startHarness();
    h.app.route('/support', '<Response><Enqueue waitUrl="/hold" action="/after-queue">support</Enqueue></Response>');
    h.app.route('/hold', '<Response><Say>Your call is important to us</Say></Response>');
    h.app.route('/after-queue', '<Response><Say>Thank you for calling</Say></Response>');
    h.app.route('/connecting', '<Response><Say>You will now be connected to an agent</Say></Response>');
    h.app.route('/agent', '<Response><Dial action="/agent-done"><Queue url="/connecting">support</Queue></Dial></Response>');
    h.app.route('/agent-done', '<Response><Say>Ready for the next caller</Say></Response>');
    h.app.route('/voicemail', '<Response><Say>Please leave a message</Say></Response>');
  });
  after(() => h.close());

  it('callers wait in order, the agent talks to the front caller, a supervisor sends the last one to voicemail', async () => {
    const callers = [];
    for (let i = 0; i < 3; i++) {
      const call = await dial('/support');
      // Each waits before the next calls, so the order of arrival is the order of the test.
      await h.app.waitFor('/hold', (r) => r.params.CallSid === call.sid);
      callers.push(call);
    }
    const [first, second, third] = callers as [typeof callers[0], typeof callers[0], typeof callers[0]];
    const holdOf = (sid: string) => h.app.to('/hold').find((r) => r.params.CallSid === sid)!.params;
    assert.deepEqual([first, second, third].map((c) => holdOf(c.sid).QueuePosition), ['1', '2', '3']);
    assert.equal(holdOf(third.sid).CurrentQueueSize, '3');
    assert.equal(holdOf(third.sid).MaxQueueSize, '1000');
    // The hold music loops: /hold is requested again once its <Say> ends.
    await eventually(() => h.app.to('/hold').filter((r) => r.params.CallSid === first.sid).length, (n) => n >= 2);

    const [queue] = await h.client.queues.list();
    assert.equal(queue!.friendlyName, 'support');
    assert.equal(queue!.currentSize, 3);
    assert.equal(queue!.maxSize, 1000);
    assert.equal(holdOf(first.sid).QueueSid, queue!.sid);
    assertQueueList('queues', (await rest('/Queues.json')).json);
    const members = await h.client.queues(queue!.sid).members.list();
    assert.deepEqual(members.map((m) => [m.callSid, m.position]), [[first.sid, 1], [second.sid, 2], [third.sid, 3]]);
    assertQueueList('queue_members', (await rest(`/Queues/${queue!.sid}/Members.json`)).json);
    const front = await h.client.queues(queue!.sid).members('Front').fetch();
    assert.equal(front.callSid, first.sid);
    assertQueueBody('member', (await rest(`/Queues/${queue!.sid}/Members/Front.json`)).json);

    // The agent takes the front caller, who first hears the <Queue url> document.
    const bridges: { callSid: string; otherCallSid: string; joined: boolean }[] = [];
    const stopWatching = h.server.events.on('bridge', (e) => bridges.push(e));
    const agent = await dial('/agent');
    const connecting = await h.app.waitFor('/connecting');
    assert.equal(connecting.params.CallSid, first.sid);
    assert.equal(connecting.params.DequeingCallSid, agent.sid);
    assert.equal(connecting.params.QueueSid, queue!.sid);
    await eventually(() => heard(first.sid), (entries) => entries.some((e) => e.kind === 'say' && e.text === 'You will now be connected to an agent'));
    await talk(agent.sid, first.sid, 'Support, how can I help');
    await talk(first.sid, agent.sid, 'My order is late');
    assert.ok(!(await heard(second.sid)).some((e) => e.kind === 'speech'), 'the second caller, still waiting, heard nobody');
    assert.deepEqual((await h.client.queues(queue!.sid).members.list()).map((m) => [m.callSid, m.position]), [[second.sid, 1], [third.sid, 2]]);

    // A supervisor sends the third caller to voicemail: its Enqueue action says so at once.
    const dequeued = await h.client.queues(queue!.sid).members(third.sid).update({ url: `${h.app.url}/voicemail`, method: 'POST' });
    assert.equal(dequeued.callSid, third.sid);
    const redirected = await h.app.waitFor('/after-queue', (r) => r.params.CallSid === third.sid);
    assert.equal(redirected.params.QueueResult, 'redirected');
    assert.equal(redirected.params.QueueSid, queue!.sid);
    await eventually(() => heard(third.sid), (entries) => entries.some((e) => e.kind === 'say' && e.text === 'Please leave a message'));
    await assert.rejects(h.client.queues(queue!.sid).members(third.sid).update({ url: `${h.app.url}/voicemail` }), (e: any) => e.status === 400);
    assert.equal((await h.client.queues(queue!.sid).fetch()).currentSize, 1);

    // The first caller hangs up: its action reports the bridge, the agent's Dial action the call.
    await h.sim('POST', `/sim/v1/calls/${first.sid}/hangup`);
    const agentDone = await h.app.waitFor('/agent-done');
    assert.equal(agentDone.params.DialCallStatus, 'completed');
    assert.equal(agentDone.params.DialCallSid, first.sid);
    assert.equal(agentDone.params.DialBridged, 'true');
    assert.equal(agentDone.params.DequeingCallSid, agent.sid);
    assert.equal(agentDone.params.QueueSid, queue!.sid);
    assert.ok(agentDone.params.DialCallDuration !== undefined && agentDone.params.QueueTime !== undefined);
    const bridged = await h.app.waitFor('/after-queue', (r) => r.params.CallSid === first.sid);
    assert.equal(bridged.params.QueueResult, 'bridged');
    await eventually(() => heard(agent.sid), (entries) => entries.some((e) => e.kind === 'say' && e.text === 'Ready for the next caller'));
    stopWatching();
    // The event feed saw the bridge form and part, for both calls.
    assert.deepEqual(bridges.map((e) => [e.callSid, e.otherCallSid, e.joined]), [
      [agent.sid, first.sid, true], [first.sid, agent.sid, true], [agent.sid, first.sid, false], [first.sid, agent.sid, false],
    ]);
    assertQueueBody('queue', (await rest(`/Queues/${queue!.sid}.json`)).json);
  });
});
