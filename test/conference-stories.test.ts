import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertConferenceBody, assertConferenceList } from './helpers/conference-openapi.js';

/**
 * Conference stories from Twilio's sample apps (warm transfer, a moderated conference call),
 * end to end on the simulated network through the official SDK. What each phone heard is read
 * from its heard log: `{"kind":"speech","text","fromCallSid"}` for what another participant said.
 */
describe('conference stories on the simulated network', () => {
  let h: Harness;
  let line = 0;
  const number = () => `+1415556${String(1000 + ++line).padStart(4, '0')}`;
  const heard = async (sid: string) => (await h.sim('GET', `/sim/v1/calls/${sid}`)).body.heard as any[];
  const say = (sid: string, text: string) => h.sim('POST', `/sim/v1/calls/${sid}/speech`, { text });
  const hears = (sid: string, text: string, from: string) =>
    eventually(() => heard(sid), (entries) => entries.some((e) => e.kind === 'speech' && e.text === text && e.fromCallSid === from));
  const status = (sid: string, wanted: string) => eventually(() => h.client.calls(sid).fetch(), (c) => c.status === wanted);
  const rest = (path: string) => h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}${path}`);

  before(async () => {
    h = await startHarness();
    h.app.route('/conference-events', '');
  });
  after(() => h.close());

  /** A call whose TwiML is `twiml`, answered by a simulated phone. */
  const callWith = async (twiml: string) => {
    const path = `/doc-${++line}`;
    h.app.route(path, `<Response>${twiml}</Response>`);
    const call = await h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}${path}` });
    await status(call.sid, 'in-progress');
    return call;
  };

  it('warm transfer: the caller waits with music, agent 1 and agent 2 are added by REST, agent 1 leaves, the caller still talks to agent 2', async () => {
    h.app.route('/wait', '<Response><Say>Please hold while we find an agent</Say><Redirect/></Response>');
    const room = `transfer-${++line}`;
    const caller = await callWith(`<Dial><Conference waitUrl="/wait" endConferenceOnExit="true">${room}</Conference></Dial>`);
    await h.app.waitFor('/wait', (r) => r.params.CallSid === caller.sid);
    const [conference] = await eventually(() => h.client.conferences.list({ friendlyName: room }), (list) => list.length === 1);
    assert.equal(conference!.status, 'init');
    assertConferenceBody('conference', (await rest(`/Conferences/${conference!.sid}.json`)).json);
    await eventually(() => heard(caller.sid), (entries) => entries.filter((e) => e.text === 'Please hold while we find an agent').length >= 2);

    const agent1 = await h.client.conferences(conference!.sid).participants.create({ from: '+15005550006', to: number(), label: 'agent-1' });
    assert.equal(agent1.status, 'queued');
    assert.equal(agent1.label, 'agent-1');
    await status(agent1.callSid, 'in-progress');
    await eventually(() => h.client.conferences(conference!.sid).fetch(), (c) => c.status === 'in-progress');
    await say(agent1.callSid, 'Hi, this is agent one');
    await hears(caller.sid, 'Hi, this is agent one', agent1.callSid);
    const waitRequests = h.app.to('/wait').length;

    // Agent 1 brings in agent 2, addressing the room by name this time.
    const agent2 = await h.client.conferences(room).participants.create({ from: '+15005550006', to: number() });
    await status(agent2.callSid, 'in-progress');
    await eventually(() => h.client.conferences(conference!.sid).participants.list(), (list) => list.length === 3 && list.every((p) => p.status === 'connected'));
    await say(agent2.callSid, 'Agent two, I can take it from here');
    await hears(caller.sid, 'Agent two, I can take it from here', agent2.callSid);
    await hears(agent1.callSid, 'Agent two, I can take it from here', agent2.callSid);
    assertConferenceList('participants', (await rest(`/Conferences/${conference!.sid}/Participants.json`)).json);
    assertConferenceList('conferences', (await rest(`/Conferences.json?FriendlyName=${room}`)).json);
    const raw = await rest(`/Conferences/${conference!.sid}/Participants/agent-1.json`);
    assertConferenceBody('participant', raw.json);
    assert.equal(raw.json.call_sid, agent1.callSid);

    // Agent 1 leaves: a REST participant has no TwiML left, so its call ends; the room goes on.
    await h.client.conferences(conference!.sid).participants(agent1.callSid).remove();
    await status(agent1.callSid, 'completed');
    await say(caller.sid, 'Thank you for taking my call');
    await hears(agent2.callSid, 'Thank you for taking my call', caller.sid);
    const agent1Heard = await heard(agent1.callSid);
    assert.ok(!agent1Heard.some((e) => e.text === 'Thank you for taking my call'), 'agent 1 left before the caller spoke');
    assert.deepEqual((await h.client.conferences(conference!.sid).participants.list()).map((p) => p.callSid).sort(), [caller.sid, agent2.callSid].sort());
    assert.equal(h.app.to('/wait').length, waitRequests, 'the wait music stopped when the conference started');

    // The caller (endConferenceOnExit) hangs up: the conference ends and agent 2 is dropped.
    await h.sim('POST', `/sim/v1/calls/${caller.sid}/hangup`);
    await status(agent2.callSid, 'completed');
    const ended = await eventually(() => h.client.conferences(conference!.sid).fetch(), (c) => c.status === 'completed');
    assert.equal(ended.reasonConferenceEnded, 'participant-with-end-conference-on-exit-left');
    assert.equal(ended.callSidEndingConference, caller.sid);
    assertConferenceBody('conference', (await rest(`/Conferences/${conference!.sid}.json`)).json);
    assert.deepEqual(await h.client.conferences(conference!.sid).participants.list(), []);
  });

  it('moderated conference: attendees wait until the moderator joins, one is muted and one kicked by REST, and every status callback arrives in order', async () => {
    const name = `board-${++line}`;
    const events = 'start end join leave mute hold modify announcement';
    h.app.route('/after-meeting', '<Response><Say>The meeting has ended</Say></Response>');
    const attendeeTwiml = `<Dial action="/after-meeting"><Conference startConferenceOnEnter="false" statusCallback="/conference-events" statusCallbackEvent="${events}">${name}</Conference></Dial><Say>unused</Say>`;
    const a1 = await callWith(attendeeTwiml);
    const a2 = await callWith(attendeeTwiml);
    // Without a waitUrl, the built-in hold music plays.
    await eventually(() => heard(a2.sid), (entries) => entries.some((e) => e.kind === 'play' && e.url.endsWith('/assets/hold-music.wav')));
    const [conference] = await h.client.conferences.list({ friendlyName: name, status: 'init' });
    assert.ok(conference, 'the room waits in init until the moderator comes');
    const music = await fetch(`${h.server.url}/assets/hold-music.wav`);
    assert.equal(music.headers.get('content-type'), 'audio/wav');

    const moderator = await callWith(`<Dial><Conference endConferenceOnExit="true">${name}</Conference></Dial>`);
    await eventually(() => h.client.conferences(conference!.sid).fetch(), (c) => c.status === 'in-progress');
    await say(a1.sid, 'Can everyone hear me');
    await hears(moderator.sid, 'Can everyone hear me', a1.sid);

    const muted = await h.client.conferences(conference!.sid).participants(a1.sid).update({ muted: true });
    assert.equal(muted.muted, true);
    assert.equal((await h.client.conferences(conference!.sid).participants.list({ muted: true })).length, 1);
    await say(a1.sid, 'This should not be heard');
    await say(a2.sid, 'I have a question');
    await hears(moderator.sid, 'I have a question', a2.sid);
    assert.ok(!(await heard(moderator.sid)).some((e) => e.text === 'This should not be heard'), 'a muted attendee is heard by nobody');

    await h.client.conferences(conference!.sid).participants(a2.sid).remove();
    const kicked = await h.app.waitFor('/after-meeting', (r) => r.params.CallSid === a2.sid);
    assert.equal(kicked.params.DialCallStatus, 'answered');
    assert.equal(kicked.params.DialCallSid, undefined);

    await h.sim('POST', `/sim/v1/calls/${moderator.sid}/hangup`);
    await h.app.waitFor('/after-meeting', (r) => r.params.CallSid === a1.sid);
    await eventually(() => heard(a1.sid), (entries) => entries.some((e) => e.text === 'The meeting has ended'));

    const callbacks = await eventually(() => h.app.to('/conference-events').filter((r) => r.params.ConferenceSid === conference!.sid), (list) => list.some((r) => r.params.StatusCallbackEvent === 'conference-end'));
    const seen = callbacks.map((r) => [r.params.StatusCallbackEvent, r.params.CallSid ?? null, r.params.ReasonParticipantLeft ?? null]);
    assert.deepEqual(seen, [
      ['participant-join', a1.sid, null],
      ['participant-join', a2.sid, null],
      ['participant-join', moderator.sid, null],
      ['conference-start', null, null],
      ['participant-mute', a1.sid, null],
      ['participant-leave', a2.sid, 'participant_updated_via_api'],
      ['participant-leave', moderator.sid, 'participant_hung_up'],
      ['participant-leave', a1.sid, 'moderator_ended_conference'],
      ['conference-end', null, null],
    ]);
    assert.deepEqual(callbacks.map((r) => r.params.SequenceNumber), ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const end = callbacks.at(-1)!.params;
    assert.equal(end.ReasonConferenceEnded, 'participant-with-end-conference-on-exit-left');
    assert.equal(end.CallSidEndingConference, moderator.sid);
    assert.equal(end.FriendlyName, name);
    assert.match(end.Timestamp!, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    const muteEvent = callbacks[4]!.params;
    assert.deepEqual([muteEvent.Muted, muteEvent.Hold, muteEvent.StartConferenceOnEnter, muteEvent.EndConferenceOnExit], ['true', 'false', 'false', 'false']);
  });
});
