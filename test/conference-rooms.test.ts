import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { newSid } from '../src/domain/sid.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertConferenceBody, assertConferenceList } from './helpers/conference-openapi.js';

/**
 * Conference rules one at a time (conferences.md §2–§6): limits and bad input with Twilio's
 * codes, hold, coaching, announcements, beeps, live control of a participant's call, and the
 * REST resource's formats and paging. Simulated network, official SDK.
 */
describe('conference rooms: limits, control and REST details', () => {
  let h: Harness;
  let line = 0;
  const number = () => `+1415557${String(1000 + ++line).padStart(4, '0')}`;
  const room = () => `room-${++line}`;
  const heard = async (sid: string) => (await h.sim('GET', `/sim/v1/calls/${sid}`)).body.heard as any[];
  const say = (sid: string, text: string) => h.sim('POST', `/sim/v1/calls/${sid}/speech`, { text });
  const hears = (sid: string, text: string, from?: string) =>
    eventually(() => heard(sid), (entries) => entries.some((e) => e.text === text && (from === undefined || e.fromCallSid === from)));
  const status = (sid: string, wanted: string) => eventually(() => h.client.calls(sid).fetch(), (c) => c.status === wanted);
  const notes = (sid: string) => h.client.calls(sid).notifications.list();
  const account = () => `/2010-04-01/Accounts/${h.server.accountSid}`;
  const live = (name: string) => eventually(() => h.client.conferences.list({ friendlyName: name, status: 'in-progress' }), (l) => l.length === 1).then((l) => l[0]!);
  const waiting = (name: string) => eventually(() => h.client.conferences.list({ friendlyName: name }), (l) => l.length === 1).then((l) => l[0]!);
  const events = (cf: string) => h.app.to('/events').filter((r) => r.params.ConferenceSid === cf).map((r) => r.params);

  before(async () => {
    h = await startHarness();
    h.app.route('/events', '');
    h.app.route('/after', '<Response><Say>after the room</Say></Response>');
  });
  after(() => h.close());

  const callWith = async (twiml: string) => {
    const path = `/doc-${++line}`;
    h.app.route(path, `<Response>${twiml}</Response>`);
    const call = await h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}${path}` });
    await status(call.sid, 'in-progress');
    return call;
  };
  const join = (name: string, attrs = '', dial = 'action="/after"') => callWith(`<Dial ${dial}><Conference statusCallback="/events" statusCallbackEvent="start end join leave mute hold modify announcement" ${attrs}>${name}</Conference></Dial>`);
  /** Two callers in a started room. */
  const pair = async (name = room()) => {
    const a = await join(name);
    const b = await join(name);
    const conference = await live(name);
    return { name, a, b, conference };
  };

  it('a room at maxParticipants refuses the next caller with 16020 (its TwiML goes on, DialCallStatus=failed) and REST with 16020', async () => {
    const name = room();
    await join(name, 'maxParticipants="2"');
    await join(name);
    const third = await join(name);
    const action = await h.app.waitFor('/after', (r) => r.params.CallSid === third.sid);
    assert.equal(action.params.DialCallStatus, 'failed');
    assert.ok((await notes(third.sid)).some((n) => n.errorCode === '16020'));
    const cf = await live(name);
    await assert.rejects(h.client.conferences(cf.sid).participants.create({ from: '+15005550006', to: number() }), (e: any) => e.status === 400 && e.code === 16020);
  });

  it('participant labels: one in use is 16025 in TwiML (not added) and 16026 by REST; one like a Call SID is 16024; a label addresses the participant', async () => {
    const name = room();
    const first = await join(name, 'participantLabel="customer"');
    const second = await join(name, 'participantLabel="customer"');
    await h.app.waitFor('/after', (r) => r.params.CallSid === second.sid);
    assert.ok((await notes(second.sid)).some((n) => n.errorCode === '16025'));
    const cf = await waiting(name);
    const byLabel = await h.client.conferences(cf.sid).participants('customer').fetch();
    assert.equal(byLabel.callSid, first.sid);
    await assert.rejects(h.client.conferences(cf.sid).participants.create({ from: '+15005550006', to: number(), label: 'customer' }), (e: any) => e.code === 16026);
    await assert.rejects(h.client.conferences(cf.sid).participants.create({ from: '+15005550006', to: number(), label: `CA${'a'.repeat(32)}` }), (e: any) => e.code === 16024);
  });

  it('a coach of nobody in the room is 13240 and the caller goes on after the Dial', async () => {
    const call = await join(room(), `coach="CA${'b'.repeat(32)}"`);
    await h.app.waitFor('/after', (r) => r.params.CallSid === call.sid);
    assert.ok((await notes(call.sid)).some((n) => n.errorCode === '13240'));
  });

  it('unknown conferences and participants are 20404; a completed one refuses participants (16022) and updates (16001)', async () => {
    const unknown = `CF${'0'.repeat(32)}`;
    await assert.rejects(h.client.conferences(unknown).fetch(), (e: any) => e.status === 404 && e.code === 20404);
    await assert.rejects(h.client.conferences(unknown).participants.list(), (e: any) => e.status === 404);
    const { conference, a } = await pair();
    await assert.rejects(h.client.conferences(conference.sid).participants(`CA${'c'.repeat(32)}`).fetch(), (e: any) => e.code === 20404);
    const ended = await h.client.conferences(conference.sid).update({ status: 'completed' });
    assert.equal(ended.status, 'completed');
    assert.equal(ended.reasonConferenceEnded, 'conference-ended-via-api');
    assert.equal(ended.callSidEndingConference, null);
    await h.app.waitFor('/after', (r) => r.params.CallSid === a.sid);
    await assert.rejects(h.client.conferences(conference.sid).participants.create({ from: '+15005550006', to: number() }), (e: any) => e.code === 16022);
    await assert.rejects(h.client.conferences(conference.sid).update({ status: 'completed' }), (e: any) => e.code === 16001);
    const leaves = await eventually(() => events(conference.sid).filter((p) => p.StatusCallbackEvent === 'participant-leave'), (l) => l.length === 2);
    assert.deepEqual(leaves.map((p) => p.ReasonParticipantLeft), ['conference_ended_via_api', 'conference_ended_via_api']);
  });

  it('Participants create answers 201 with the participant queued, in JSON and XML', async () => {
    const { conference } = await pair();
    const json = await h.rest('POST', `${account()}/Conferences/${conference.sid}/Participants.json`, { From: '+15005550006', To: number(), Label: 'late', Muted: 'true' });
    assert.equal(json.status, 201);
    assertConferenceBody('participant', json.json);
    assert.deepEqual([json.json.status, json.json.label, json.json.muted, json.json.queue_time], ['queued', 'late', true, '0']);
    const xml = await h.rest('POST', `${account()}/Conferences/${conference.sid}/Participants`, { From: '+15005550006', To: number() });
    assert.equal(xml.status, 201);
    assert.match(xml.body, /<TwilioResponse><Participant>.*<Status>queued<\/Status>/s);
    const missing = await h.rest('POST', `${account()}/Conferences/${conference.sid}/Participants.json`, { From: '+15005550006' });
    assert.equal(missing.json.code, 21201);
  });

  it('Participants create by name makes the room with its Conference* settings, and its call ends when it leaves', async () => {
    const name = room();
    h.app.route('/call-status', '');
    const created = await h.client.conferences(name).participants.create({
      from: '+15005550006', to: number(), conferenceStatusCallback: `${h.app.url}/events`, conferenceStatusCallbackEvent: ['join', 'leave', 'end'],
      statusCallback: `${h.app.url}/call-status`, statusCallbackEvent: ['answered', 'completed'],
    });
    const [conference] = await h.client.conferences.list({ friendlyName: name });
    assert.equal(created.conferenceSid, conference!.sid);
    const join = await h.app.waitFor('/events', (r) => r.params.ConferenceSid === conference!.sid && r.params.StatusCallbackEvent === 'participant-join');
    assert.equal(join.params.CallSid, created.callSid);
    await h.sim('POST', `/sim/v1/calls/${created.callSid}/hangup`);
    await h.app.waitFor('/events', (r) => r.params.ConferenceSid === conference!.sid && r.params.StatusCallbackEvent === 'conference-end');
    assert.ok(!h.app.to('/events').some((r) => r.params.ConferenceSid === conference!.sid && r.params.StatusCallbackEvent === 'conference-start'), 'start was not subscribed');
    const completed = await h.app.waitFor('/call-status', (r) => r.params.CallSid === created.callSid && r.params.CallStatus === 'completed');
    assert.equal(completed.params.Direction, 'outbound-api');
  });

  it('a REST participant whose call is busy or unanswered leaves with participant_add_failed and its call status', async () => {
    const { conference } = await pair();
    for (const answer of ['busy', 'no-answer'] as const) {
      const to = number();
      await h.sim('PUT', `/sim/v1/phones/${encodeURIComponent(to)}`, { answer });
      const created = await h.client.conferences(conference.sid).participants.create({ from: '+15005550006', to, timeout: 5 });
      assert.equal(created.status, 'queued');
      await status(created.callSid, answer);
      const leave = await eventually(() => events(conference.sid), (list) => list.some((p) => p.CallSid === created.callSid && p.StatusCallbackEvent === 'participant-leave'));
      const params = leave.find((p) => p.CallSid === created.callSid && p.StatusCallbackEvent === 'participant-leave')!;
      assert.deepEqual([params.ParticipantCallStatus, params.ReasonParticipantLeft], [answer, 'participant_add_failed']);
      await assert.rejects(h.client.conferences(conference.sid).participants(created.callSid).fetch(), (e: any) => e.status === 404);
    }
    assert.equal((await h.client.conferences(conference.sid).fetch()).status, 'in-progress', 'the room goes on');
  });

  it('hold takes a participant out of the mix and plays the hold document to it alone; unhold brings it back', async () => {
    h.app.route('/hold', '<Response><Say>You are on hold</Say><Redirect/></Response>');
    const { conference, a, b } = await pair();
    const held = await h.client.conferences(conference.sid).participants(a.sid).update({ hold: true, holdUrl: `${h.app.url}/hold` });
    assert.equal(held.hold, true);
    assert.equal((await h.app.waitFor('/hold', (r) => r.params.CallSid === a.sid)).method, 'GET', 'HoldMethod defaults to GET');
    await hears(a.sid, 'You are on hold');
    await say(b.sid, 'Is anyone there');
    await say(a.sid, 'Hello from hold');
    assert.ok(!(await heard(a.sid)).some((e) => e.text === 'Is anyone there'), 'the held one does not hear the room');
    assert.ok(!(await heard(b.sid)).some((e) => e.text === 'You are on hold' || e.text === 'Hello from hold'), 'hold music and the held one reach nobody else');
    await h.client.conferences(conference.sid).participants(a.sid).update({ hold: false });
    await say(b.sid, 'Welcome back');
    await hears(a.sid, 'Welcome back', b.sid);
    const holds = await eventually(() => events(conference.sid).filter((p) => p.StatusCallbackEvent.includes('hold')).map((p) => p.StatusCallbackEvent), (l) => l.length === 2);
    assert.deepEqual(holds, ['participant-hold', 'participant-unhold']);
  });

  it('a REST participant put on hold while its phone rings joins on hold', async () => {
    h.app.route('/hold-early', '<Response><Say>Please wait for the agent</Say><Redirect/></Response>');
    const { conference, b } = await pair();
    const to = number();
    await h.sim('PUT', `/sim/v1/phones/${encodeURIComponent(to)}`, { answer: 'answer', answerAfterMs: 30_000 });
    const created = await h.client.conferences(conference.sid).participants.create({ from: '+15005550006', to });
    const held = await h.client.conferences(conference.sid).participants(created.callSid).update({ hold: true, holdUrl: `${h.app.url}/hold-early` });
    assert.equal(held.hold, true);
    assert.ok(['queued', 'ringing'].includes(held.status), held.status);
    await hears(created.callSid, 'Please wait for the agent');
    await say(b.sid, 'Only for the room');
    await say(created.callSid, 'Anyone?');
    assert.ok(!(await heard(created.callSid)).some((e) => e.text === 'Only for the room'));
    assert.ok(!(await heard(b.sid)).some((e) => e.text === 'Anyone?'));
  });

  it('a hold URL that errors leaves the participant on hold in silence, with the error in its Notifications', async () => {
    h.app.route('/broken-hold', () => ({ status: 500, body: 'oops' }));
    const { conference, a, b } = await pair();
    await h.client.conferences(conference.sid).participants(a.sid).update({ hold: true, holdUrl: `${h.app.url}/broken-hold` });
    await eventually(() => notes(a.sid), (list) => list.some((n) => n.errorCode === '11200'));
    assert.equal((await h.client.conferences(conference.sid).participants(a.sid).fetch()).hold, true);
    await say(b.sid, 'still here');
    assert.ok(!(await heard(a.sid)).some((e) => e.text === 'still here'));
  });

  it('a coach is heard only by the participant it coaches', async () => {
    const { conference, a, b } = await pair();
    const coach = await h.client.conferences(conference.sid).participants.create({ from: '+15005550006', to: number(), coaching: true, callSidToCoach: a.sid });
    assert.equal(coach.coaching, true);
    assert.equal(coach.callSidToCoach, a.sid);
    await status(coach.callSid, 'in-progress');
    await eventually(() => h.client.conferences(conference.sid).participants(coach.callSid).fetch(), (p) => p.status === 'connected');
    await say(coach.callSid, 'Offer them the discount');
    await hears(a.sid, 'Offer them the discount', coach.callSid);
    await say(b.sid, 'What can you do for me');
    await hears(coach.callSid, 'What can you do for me', b.sid);
    assert.ok(!(await heard(b.sid)).some((e) => e.text === 'Offer them the discount'), 'the customer does not hear the coach');
    assert.equal((await h.client.conferences(conference.sid).participants.list({ coaching: true })).length, 1);
  });

  it('AnnounceUrl on the conference is heard by everyone, and fires announcement-end', async () => {
    h.app.route('/announce', '<Response><Say>The meeting ends in five minutes</Say></Response>');
    const { conference, a, b } = await pair();
    await h.client.conferences(conference.sid).update({ announceUrl: `${h.app.url}/announce` });
    await hears(a.sid, 'The meeting ends in five minutes');
    await hears(b.sid, 'The meeting ends in five minutes');
    const done = await eventually(() => events(conference.sid), (list) => list.some((p) => p.StatusCallbackEvent === 'announcement-end'));
    assert.equal(done.find((p) => p.StatusCallbackEvent === 'announcement-end')!.AnnounceUrl, `${h.app.url}/announce`);
  });

  it('a participant joining a started room beeps for everyone; beep="false" joins silently', async () => {
    const { name, a } = await pair();
    const beeps = async () => (await heard(a.sid)).filter((e) => e.kind === 'play' && e.url.endsWith('/assets/conference-beep.wav')).length;
    const before = await beeps();
    await join(name);
    await eventually(beeps, (n) => n === before + 1);
    const silent = await join(name, 'beep="false"');
    await join(name);
    await eventually(beeps, (n) => n >= before + 2);
    assert.equal(await beeps(), before + 2, 'the beep="false" joiner added no beep');
    await h.sim('POST', `/sim/v1/calls/${silent.sid}/hangup`);
    const leaver = await join(name, 'beep="onExit"');
    // Only a participant that was in the room beeps as it leaves: wait until it has joined.
    await h.app.waitFor('/events', (r) => r.params.CallSid === leaver.sid && r.params.StatusCallbackEvent === 'participant-join');
    await h.sim('POST', `/sim/v1/calls/${leaver.sid}/hangup`);
    await eventually(beeps, (n) => n === before + 3);
  });

  it('muted="true" joins listen-only: it hears the room and nobody hears it', async () => {
    const { name, a } = await pair();
    const listener = await join(name, 'muted="true"');
    await eventually(() => h.client.conferences.list({ friendlyName: name }).then((l) => h.client.conferences(l[0]!.sid).participants(listener.sid).fetch()), (p) => p.muted === true);
    await say(listener.sid, 'can you hear me');
    await say(a.sid, 'welcome to the call');
    await hears(listener.sid, 'welcome to the call', a.sid);
    assert.ok(!(await heard(a.sid)).some((e) => e.text === 'can you hear me'));
  });

  it('an AnnounceUrl that cannot be fetched fires announcement-fail with the reason', async () => {
    const { conference } = await pair();
    await h.client.conferences(conference.sid).update({ announceUrl: `${h.app.url}/no-such-announcement` });
    const failed = await eventually(() => events(conference.sid), (l) => l.some((p) => p.StatusCallbackEvent === 'announcement-fail'));
    const params = failed.find((p) => p.StatusCallbackEvent === 'announcement-fail')!;
    assert.equal(params.AnnounceUrl, `${h.app.url}/no-such-announcement`);
    assert.ok(params.ReasonAnnouncementFailed);
  });

  it('speaker events: participant-speech-start when a participant speaks, participant-speech-stop when it is done', async () => {
    const name = room();
    const a = await callWith(`<Dial><Conference statusCallback="/events" statusCallbackEvent="speaker">${name}</Conference></Dial>`);
    const b = await join(name);
    const conference = await live(name);
    await say(a.sid, 'Hello there');
    await hears(b.sid, 'Hello there', a.sid);
    const speech = await eventually(() => events(conference.sid).filter((p) => p.StatusCallbackEvent.startsWith('participant-speech')), (l) => l.length === 2);
    assert.deepEqual(speech.map((p) => [p.StatusCallbackEvent, p.CallSid]), [['participant-speech-start', a.sid], ['participant-speech-stop', a.sid]]);
  });

  it('waitUrl="" is silence until the conference starts', async () => {
    const name = room();
    const a = await join(name, 'waitUrl=""');
    await join(name);
    await live(name);
    const entries = await eventually(() => heard(a.sid), (l) => l.length > 0);
    assert.deepEqual(entries.map((e) => e.kind), ['play'], 'only the start beep');
    assert.match(entries[0].url, /conference-beep\.wav$/);
  });

  it('hangupOnStar and timeLimit take the caller out of the room to its action; the room goes on', async () => {
    const { name, conference, b } = await pair();
    const star = await join(name, '', 'action="/after" hangupOnStar="true"');
    await eventually(() => h.client.conferences(conference.sid).participants.list(), (l) => l.length === 3);
    await h.sim('POST', `/sim/v1/calls/${star.sid}/digits`, { digits: '*' });
    assert.equal((await h.app.waitFor('/after', (r) => r.params.CallSid === star.sid)).params.DialCallStatus, 'answered');
    const limited = await join(name, '', 'action="/after" timeLimit="5"');
    await h.app.waitFor('/after', (r) => r.params.CallSid === limited.sid);
    assert.equal((await h.client.conferences(conference.sid).fetch()).status, 'in-progress');
    assert.deepEqual((await h.client.conferences(conference.sid).participants.list()).length, 2);
  });

  it('calls(sid).update({twiml}) takes a participant out of the room, and a redirect can put it in another room', async () => {
    const { conference, a, b } = await pair();
    const other = room();
    await h.client.calls(a.sid).update({ twiml: `<Response><Dial><Conference>${other}</Conference></Dial></Response>` });
    const leave = await eventually(() => events(conference.sid), (l) => l.some((p) => p.StatusCallbackEvent === 'participant-leave' && p.CallSid === a.sid));
    assert.equal(leave.find((p) => p.CallSid === a.sid && p.StatusCallbackEvent === 'participant-leave')!.ReasonParticipantLeft, 'participant_updated_via_api');
    const moved = await waiting(other);
    await eventually(() => h.client.conferences(moved.sid).participants.list(), (l) => l.length === 1 && l[0]!.callSid === a.sid);
    // The first room still has b, and stays active while someone is in it.
    assert.deepEqual((await h.client.conferences(conference.sid).participants.list()).map((p) => p.callSid), [b.sid]);
    await h.sim('POST', `/sim/v1/calls/${b.sid}/hangup`);
    const ended = await eventually(() => h.client.conferences(conference.sid).fetch(), (c) => c.status === 'completed');
    assert.equal(ended.reasonConferenceEnded, 'last-participant-left');
  });

  it('lists conferences newest first in JSON and XML, with filters and pages', async () => {
    const names = [room(), room(), room()];
    for (const name of names) await join(name);
    const json = await h.rest('GET', `${account()}/Conferences.json?PageSize=2&Status=init`);
    assert.equal(json.status, 200);
    assert.equal(json.json.conferences.length, 2);
    assertConferenceList('conferences', json.json);
    assert.match(json.json.next_page_uri, /PageToken=PA/);
    const next = await h.rest('GET', json.json.next_page_uri);
    assert.ok(next.json.conferences.length >= 1);
    assert.ok(!next.json.conferences.some((c: any) => json.json.conferences.some((d: any) => d.sid === c.sid)));
    const all = await h.client.conferences.list({ status: 'init', dateCreated: new Date() });
    assert.ok(names.every((n) => all.some((c) => c.friendlyName === n)));
    const xml = await h.rest('GET', `${account()}/Conferences?FriendlyName=${names[0]}`);
    assert.match(xml.headers.get('content-type')!, /xml/);
    assert.match(xml.body, /<Conferences[^>]*>.*<Conference>.*<FriendlyName>room-/s);
    const bad = await h.rest('GET', `${account()}/Conferences.json?Status=open`);
    assert.equal(bad.status, 400);
  });

  it('record="record-from-start" records the room from its start into a Recording of the conference, with its callback', async () => {
    h.app.route('/recording', '');
    const name = room();
    const a = await join(name, 'record="record-from-start" trim="do-not-trim" recordingStatusCallback="/recording" recordingStatusCallbackEvent="in-progress completed"');
    const b = await join(name);
    const conference = await live(name);
    await say(a.sid, 'This call is recorded');
    await hears(b.sid, 'This call is recorded', a.sid);
    await h.sim('POST', `/sim/v1/calls/${a.sid}/hangup`);
    await h.sim('POST', `/sim/v1/calls/${b.sid}/hangup`);
    const done = await h.app.waitFor('/recording', (r) => r.params.ConferenceSid === conference.sid && r.params.RecordingStatus === 'completed');
    assert.equal(done.params.RecordingSource, 'Conference');
    assert.equal(done.params.RecordingChannels, '1');
    assert.equal(done.params.CallSid, undefined);
    assert.ok(h.app.to('/recording').some((r) => r.params.RecordingSid === done.params.RecordingSid && r.params.RecordingStatus === 'in-progress'));
    const listed = await h.rest('GET', `${account()}/Conferences/${conference.sid}/Recordings.json`);
    assert.deepEqual(listed.json.recordings.map((r: any) => [r.sid, r.conference_sid, r.call_sid, r.source, r.status]), [[done.params.RecordingSid, conference.sid, null, 'Conference', 'completed']]);
    const filtered = await h.client.recordings.list({ conferenceSid: conference.sid });
    assert.deepEqual(filtered.map((r) => r.sid), [done.params.RecordingSid]);
    const media = await h.rest('GET', `${account()}/Recordings/${done.params.RecordingSid}.wav`);
    assert.equal(media.status, 200);
    assert.equal((await h.rest('GET', `${account()}/Conferences/CF${'9'.repeat(32)}/Recordings.json`)).status, 404);
  });

  it('a wait document that fails, or holds a verb other than Play/Say/Pause/Redirect (13238), takes the caller out to its action', async () => {
    h.app.route('/gather-wait', '<Response><Gather/></Response>');
    const bad = await join(room(), 'waitUrl="/gather-wait"');
    await h.app.waitFor('/after', (r) => r.params.CallSid === bad.sid);
    assert.ok((await notes(bad.sid)).some((n) => n.errorCode === '13238' && n.log === '0'));
    const missing = await join(room(), 'waitUrl="/no-such-wait"');
    await h.app.waitFor('/after', (r) => r.params.CallSid === missing.sid);
    assert.ok((await notes(missing.sid)).some((n) => n.errorCode === '11200'));
  });

  it('participant updates: modify events, coaching checks (16028, 16027), XML form, and a kick of the last participant ends the room', async () => {
    const { conference, a, b } = await pair();
    const p = h.client.conferences(conference.sid).participants(a.sid);
    assert.equal((await p.update({ endConferenceOnExit: true })).endConferenceOnExit, true);
    await assert.rejects(p.update({ coaching: true, callSidToCoach: `CA${'d'.repeat(32)}` }), (e: any) => e.code === 16028);
    await h.client.conferences(conference.sid).participants(b.sid).update({ hold: true });
    await assert.rejects(p.update({ coaching: true, callSidToCoach: b.sid }), (e: any) => e.code === 16027);
    const xml = await h.rest('GET', `${account()}/Conferences/${conference.sid}/Participants/${a.sid}`);
    assert.match(xml.body, /<Participant>.*<CallSid>CA[0-9a-f]{32}<\/CallSid>.*<EndConferenceOnExit>true<\/EndConferenceOnExit>/s);
    await p.update({ endConferenceOnExit: false });
    await h.client.conferences(conference.sid).participants(b.sid).remove();
    await h.client.conferences(conference.sid).participants(a.sid).remove();
    const ended = await eventually(() => h.client.conferences(conference.sid).fetch(), (c) => c.status === 'completed');
    assert.equal(ended.reasonConferenceEnded, 'last-participant-kicked');
    const names = (await eventually(() => events(conference.sid), (l) => l.some((e) => e.StatusCallbackEvent === 'conference-end'))).map((e) => e.StatusCallbackEvent);
    assert.deepEqual(names.filter((n) => n === 'participant-modify').length, 2);
    assert.equal(names.at(-1), 'conference-end');
  });
});

describe('conferences after a crash', () => {
  it('a conference left active is closed on restart as completed, and its record stays listed', async () => {
    const first = await startHarness({ keepDataDir: true });
    const { accountSid, authToken } = first.server;
    const dataDir = first.dataDir;
    await first.close();
    const store = new SqliteStore(join(dataDir, 'switchboard.db'));
    await store.migrate();
    const sid = newSid('CF');
    const at = Date.now() - 60_000;
    await store.conferences.saveConference({
      sid, accountSid, friendlyName: 'interrupted', status: 'in-progress', region: 'us1', dateCreated: at, dateUpdated: at,
      reasonConferenceEnded: null, callSidEndingConference: null, callbackSequence: 4,
    });
    await store.close();
    const second = await startHarness({ dataDir, accountSid, authToken });
    try {
      const conference = await second.client.conferences(sid).fetch();
      assert.deepEqual([conference.status, conference.reasonConferenceEnded, conference.friendlyName], ['completed', 'last-participant-left', 'interrupted']);
      assert.deepEqual(await second.client.conferences(sid).participants.list(), []);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
