import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertQueueBody, assertQueueList } from './helpers/queue-openapi.js';

/**
 * Queue rules one at a time (queues.md): every `QueueResult`, the `<Dial><Queue>` outcomes,
 * live control of queued and bridged calls, the limits and the error codes, through the SDK.
 */
describe('queues: rules and limits', () => {
  let h: Harness;
  let line = 0;
  const number = () => `+1415558${String(1000 + ++line).padStart(4, '0')}`;
  const heard = async (sid: string) => (await h.sim('GET', `/sim/v1/calls/${sid}`)).body.heard as any[];
  const said = (sid: string, text: string) => eventually(() => heard(sid), (entries) => entries.some((e) => e.kind === 'say' && e.text === text));
  const status = (sid: string, wanted: string) => eventually(() => h.client.calls(sid).fetch(), (c) => c.status === wanted);
  const notes = (sid: string) => h.client.calls(sid).notifications.list();
  const path = (p: string) => `/2010-04-01/Accounts/${h.server.accountSid}${p}`;
  /** A call running `twiml`; returns once its first request of `waitFor` (if any) arrived. */
  const callWith = async (twiml: string, waitFor?: string) => {
    const doc = `/doc-${++line}`;
    h.app.route(doc, `<Response>${twiml}</Response>`);
    const call = await h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}${doc}` });
    if (waitFor) await h.app.waitFor(waitFor, (r) => r.params.CallSid === call.sid);
    return call;
  };
  /** `from` says `text` until `to` hears it: speech before the bridge is up reaches nobody. */
  const talk = (from: string, to: string, text: string) =>
    eventually(async () => {
      await h.sim('POST', `/sim/v1/calls/${from}/speech`, { text });
      return heard(to);
    }, (entries) => entries.some((e) => e.kind === 'speech' && e.text === text && e.fromCallSid === from));
  const queueNamed = async (name: string) => (await h.client.queues.list()).find((q) => q.friendlyName === name)!;
  const actionOf = (route: string, sid: string) => h.app.waitFor(route, (r) => r.params.CallSid === sid);

  before(async () => {
    h = await startHarness();
    h.app.route('/hold', '<Response><Say>Please hold</Say></Response>');
    h.app.route('/after', '<Response><Say>After the queue</Say></Response>');
    h.app.route('/agent-after', '<Response><Say>Agent done</Say></Response>');
    h.app.route('/elsewhere', '<Response><Say>Somewhere else</Say><Pause length="60"/></Response>');
  });
  after(() => h.close());

  it('a full queue refuses the caller with warning 14207 and QueueResult=queue-full, without QueueSid or QueueTime', async () => {
    const q = await h.client.queues.create({ friendlyName: 'tiny', maxSize: 1 });
    assert.equal(q.maxSize, 1);
    await callWith('<Enqueue waitUrl="/hold">tiny</Enqueue>', '/hold');
    const second = await callWith('<Enqueue waitUrl="/hold" action="/after">tiny</Enqueue>');
    const full = await actionOf('/after', second.sid);
    assert.equal(full.params.QueueResult, 'queue-full');
    assert.equal(full.params.QueueSid, undefined);
    assert.equal(full.params.QueueTime, undefined);
    await eventually(() => notes(second.sid), (list) => list.some((n) => n.errorCode === '14207' && n.log === '1'));
    assert.equal((await h.client.queues(q.sid).fetch()).currentSize, 1);
  });

  it('without an action, a full queue goes on with the verb after <Enqueue>', async () => {
    await h.client.queues.create({ friendlyName: 'closed', maxSize: 1 });
    await callWith('<Enqueue waitUrl="/hold">closed</Enqueue>', '/hold');
    const second = await callWith('<Enqueue waitUrl="/hold">closed</Enqueue><Say>The queue is full</Say>');
    await said(second.sid, 'The queue is full');
  });

  it('<Leave> in the wait document takes the caller out: the action gets QueueResult=leave, QueueSid and QueueTime', async () => {
    h.app.route('/closing', '<Response><Say>We are closed</Say><Leave/></Response>');
    const caller = await callWith('<Enqueue waitUrl="/closing" action="/after">night</Enqueue>');
    const left = await actionOf('/after', caller.sid);
    assert.equal(left.params.QueueResult, 'leave');
    assert.equal(left.params.QueueSid, (await queueNamed('night')).sid);
    assert.ok(/^\d+$/.test(left.params.QueueTime!));
    assert.equal((await queueNamed('night')).currentSize, 0);
  });

  it('<Leave> without an action goes on in the original document, after the <Enqueue>', async () => {
    h.app.route('/leave-now', '<Response><Leave/></Response>');
    const caller = await callWith('<Enqueue waitUrl="/leave-now">night-2</Enqueue><Say>Call back tomorrow</Say>');
    await said(caller.sid, 'Call back tomorrow');
  });

  it('a caller hanging up while queued: QueueResult=hangup, and the queue shrinks', async () => {
    const caller = await callWith('<Enqueue waitUrl="/hold" action="/after">hangups</Enqueue>', '/hold');
    assert.equal((await queueNamed('hangups')).currentSize, 1);
    await h.sim('POST', `/sim/v1/calls/${caller.sid}/hangup`);
    const action = await actionOf('/after', caller.sid);
    assert.equal(action.params.QueueResult, 'hangup');
    assert.equal((await queueNamed('hangups')).currentSize, 0);
  });

  it('a REST redirect of a queued call leaves the queue with QueueResult=redirected and runs the new TwiML', async () => {
    const caller = await callWith('<Enqueue waitUrl="/hold" action="/after">redirects</Enqueue>', '/hold');
    await h.client.calls(caller.sid).update({ twiml: '<Response><Say>Moved by REST</Say></Response>' });
    const action = await actionOf('/after', caller.sid);
    assert.equal(action.params.QueueResult, 'redirected');
    assert.equal(action.params.CallStatus, 'in-progress');
    await said(caller.sid, 'Moved by REST');
    assert.ok(!(await heard(caller.sid)).some((e) => e.text === 'After the queue'), 'the action answer is not run');
    assert.equal((await queueNamed('redirects')).currentSize, 0);
  });

  it('a bridged caller redirected by REST: QueueResult=redirected-from-bridged, and the agent\'s Dial ends with the caller as DialCallSid', async () => {
    const caller = await callWith('<Enqueue waitUrl="/hold" action="/after">transfers</Enqueue>', '/hold');
    const agent = await callWith('<Dial action="/agent-after"><Queue>transfers</Queue></Dial>');
    await eventually(() => h.client.queues.list(), (list) => list.find((q) => q.friendlyName === 'transfers')!.currentSize === 0);
    await talk(agent.sid, caller.sid, 'Transferring you');
    await h.client.calls(caller.sid).update({ url: `${h.app.url}/elsewhere` });
    assert.equal((await actionOf('/after', caller.sid)).params.QueueResult, 'redirected-from-bridged');
    const agentAction = await actionOf('/agent-after', agent.sid);
    assert.equal(agentAction.params.DialCallStatus, 'completed');
    assert.equal(agentAction.params.DialCallSid, caller.sid);
    await said(caller.sid, 'Somewhere else');
  });

  it('the agent hanging up ends the bridge: the caller\'s action gets QueueResult=bridged and its TwiML goes on', async () => {
    const caller = await callWith('<Enqueue waitUrl="/hold" action="/after">agent-hangs-up</Enqueue>', '/hold');
    const agent = await callWith('<Dial><Queue>agent-hangs-up</Queue></Dial>');
    await talk(agent.sid, caller.sid, 'Goodbye now');
    await h.sim('POST', `/sim/v1/calls/${agent.sid}/hangup`);
    const action = await actionOf('/after', caller.sid);
    assert.equal(action.params.QueueResult, 'bridged');
    assert.ok(/^\d+$/.test(action.params.QueueTime!));
    await said(caller.sid, 'After the queue');
  });

  it('hangupOnStar: the agent presses * and goes on; the caller goes on to its action', async () => {
    const caller = await callWith('<Enqueue waitUrl="/hold" action="/after">stars</Enqueue>', '/hold');
    const agent = await callWith('<Dial hangupOnStar="true" action="/agent-after"><Queue>stars</Queue></Dial>');
    await eventually(() => h.client.queues.list(), (list) => list.find((q) => q.friendlyName === 'stars')!.currentSize === 0);
    await talk(agent.sid, caller.sid, 'One moment');
    await h.sim('POST', `/sim/v1/calls/${agent.sid}/digits`, { digits: '*' });
    assert.equal((await actionOf('/agent-after', agent.sid)).params.DialBridged, 'true');
    assert.equal((await actionOf('/after', caller.sid)).params.QueueResult, 'bridged');
    await said(agent.sid, 'Agent done');
  });

  it('an agent dialing an empty queue waits for the next caller and takes it', async () => {
    await h.client.queues.create({ friendlyName: 'late' });
    const agent = await callWith('<Dial timeout="600" action="/agent-after"><Queue>late</Queue></Dial>');
    await status(agent.sid, 'in-progress');
    const caller = await callWith('<Enqueue waitUrl="/hold" action="/after">late</Enqueue>');
    await talk(caller.sid, agent.sid, 'Finally someone');
  });

  it('an empty queue past the Dial timeout is no-answer; a queue that does not exist is failed', async () => {
    await h.client.queues.create({ friendlyName: 'empty' });
    const waiting = await callWith('<Dial timeout="1" action="/agent-after"><Queue>empty</Queue></Dial>');
    const noAnswer = await actionOf('/agent-after', waiting.sid);
    assert.equal(noAnswer.params.DialCallStatus, 'no-answer');
    assert.equal(noAnswer.params.DialBridged, 'false');
    const missing = await callWith('<Dial action="/agent-after"><Queue>no-such-queue</Queue></Dial>');
    assert.equal((await actionOf('/agent-after', missing.sid)).params.DialCallStatus, 'failed');
  });

  it('two agents never get the same caller', async () => {
    const callers = [];
    for (let i = 0; i < 2; i++) callers.push(await callWith('<Enqueue waitUrl="/hold">pair</Enqueue>', '/hold'));
    const agents = await Promise.all([1, 2].map(() => callWith('<Dial action="/agent-after"><Queue url="/whisper-pair">pair</Queue></Dial>')));
    h.app.route('/whisper-pair', '<Response><Say>Connecting</Say></Response>');
    const whispers = await eventually(() => h.app.to('/whisper-pair'), (list) => list.length >= 2);
    assert.deepEqual(whispers.map((w) => w.params.CallSid).sort(), callers.map((c) => c.sid).sort());
    assert.deepEqual(whispers.map((w) => w.params.DequeingCallSid).sort(), agents.map((a) => a.sid).sort());
  });

  it('Enqueue parameters: a bad method is 14201, an unnamed queue is 14204 with QueueResult=error, workflowSid is 14226', async () => {
    const bad = await callWith('<Enqueue method="PUT" waitUrl="/leave-now" action="/after">params</Enqueue>');
    assert.equal((await actionOf('/after', bad.sid)).params.QueueResult, 'leave');
    await eventually(() => notes(bad.sid), (list) => list.some((n) => n.errorCode === '14201'));
    const unnamed = await callWith('<Enqueue action="/after"></Enqueue>');
    assert.equal((await actionOf('/after', unnamed.sid)).params.QueueResult, 'error');
    await eventually(() => notes(unnamed.sid), (list) => list.some((n) => n.errorCode === '14204'));
    const long = await callWith(`<Enqueue action="/after">${'x'.repeat(65)}</Enqueue>`);
    assert.equal((await actionOf('/after', long.sid)).params.QueueResult, 'error');
    await eventually(() => notes(long.sid), (list) => list.some((n) => n.errorCode === '14205'));
    const task = await callWith('<Enqueue workflowSid="WW0123" action="/after">tasks</Enqueue>');
    assert.equal((await actionOf('/after', task.sid)).params.QueueResult, 'error');
    await eventually(() => notes(task.sid), (list) => list.some((n) => n.errorCode === '14226'));
  });

  it('a wait document with a verb a queue does not allow ends the wait with QueueResult=error', async () => {
    h.app.route('/bad-hold', '<Response><Record/></Response>');
    const caller = await callWith('<Enqueue waitUrl="/bad-hold" action="/after">strict</Enqueue>');
    assert.equal((await actionOf('/after', caller.sid)).params.QueueResult, 'error');
  });

  it('Queue REST: create 201 with defaults, unique names, MaxSize up to 5000, update, delete 204 only when empty, XML', async () => {
    const created = await h.rest('POST', path('/Queues.json'), { FriendlyName: 'rest-queue' });
    assert.equal(created.status, 201);
    assertQueueBody('queue', created.json);
    assert.equal(created.json.max_size, 1000);
    assert.equal(created.json.current_size, 0);
    assert.equal(created.json.average_wait_time, 0);
    const sid = created.json.sid as string;
    assert.equal((await h.rest('POST', path('/Queues.json'), { FriendlyName: 'rest-queue' })).status, 400);
    assert.equal((await h.rest('POST', path('/Queues.json'), { FriendlyName: 'big', MaxSize: '5001' })).json.code, 20001);
    assert.equal((await h.rest('POST', path('/Queues.json'), {})).json.code, 20001);
    assert.equal((await h.rest('POST', path('/Queues.json'), { FriendlyName: 'y'.repeat(65) })).json.code, 20001);
    const updated = await h.client.queues(sid).update({ friendlyName: 'rest-queue-2', maxSize: 5000 });
    assert.equal(updated.maxSize, 5000);
    assert.equal(updated.friendlyName, 'rest-queue-2');
    const xml = await h.rest('GET', path(`/Queues/${sid}`));
    assert.match(xml.body, /<Queue><DateUpdated>.*<FriendlyName>rest-queue-2<\/FriendlyName>/);
    const page = await h.rest('GET', path('/Queues.json?PageSize=1'));
    assertQueueList('queues', page.json);
    assert.ok(page.json.next_page_uri);

    const caller = await callWith('<Enqueue waitUrl="/hold">rest-queue-2</Enqueue>', '/hold');
    const refused = await h.rest('DELETE', path(`/Queues/${sid}.json`));
    assert.equal(refused.status, 400);
    await h.client.calls(caller.sid).update({ status: 'completed' });
    await eventually(() => h.client.queues(sid).fetch(), (q) => q.currentSize === 0);
    assert.equal(await h.client.queues(sid).remove(), true);
    assert.equal((await h.rest('GET', path(`/Queues/${sid}.json`))).status, 404);
  });

  it('unknown queues and members are 20404; a dequeue needs a Url', async () => {
    const unknown = 'QU' + '0'.repeat(32);
    for (const p of [`/Queues/${unknown}.json`, `/Queues/${unknown}/Members.json`, `/Queues/${unknown}/Members/Front.json`]) {
      const r = await h.rest('GET', path(p));
      assert.equal(r.status, 404, p);
      assert.equal(r.json.code, 20404, p);
    }
    assert.equal((await h.rest('DELETE', path(`/Queues/${unknown}.json`))).json.code, 20404);
    const q = await h.client.queues.create({ friendlyName: 'members-404' });
    const noCall = await h.rest('GET', path(`/Queues/${q.sid}/Members/CA${'1'.repeat(32)}.json`));
    assert.equal(noCall.json.code, 20404);
    assert.equal((await h.rest('GET', path(`/Queues/${q.sid}/Members/Front.json`))).json.code, 20404, 'Front of an empty queue');
    const noUrl = await h.rest('POST', path(`/Queues/${q.sid}/Members/Front.json`), { Method: 'POST' });
    assert.equal(noUrl.json.code, 21205);
    const members = await h.rest('GET', path(`/Queues/${q.sid}/Members.json`));
    assertQueueList('queue_members', members.json);
    assert.deepEqual(members.json.queue_members, []);
  });

  it('average_wait_time and wait_time are computed at read from the current members', async () => {
    const caller = await callWith('<Enqueue waitUrl="/hold">timing</Enqueue>', '/hold');
    const q = await queueNamed('timing');
    // Time runs at ×0.01 in the harness: a couple of wall seconds are minutes of call time.
    const later = await eventually(() => h.client.queues(q.sid).members(caller.sid).fetch(), (m) => m.waitTime >= 2, 8000);
    assert.equal(later.position, 1);
    assert.ok((await h.client.queues(q.sid).fetch()).averageWaitTime >= 2);
    const dequeued = await h.client.queues(q.sid).members('Front').update({ url: `${h.app.url}/elsewhere` });
    assert.equal(dequeued.callSid, caller.sid);
    await said(caller.sid, 'Somewhere else');
    assert.equal((await h.client.queues(q.sid).fetch()).averageWaitTime, 0);
  });
});
