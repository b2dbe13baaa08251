import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

const HOLD = '<Pause length="3600"/>';

describe('TwiML verbs on the simulated network', () => {
  let h: Harness;
  let n = 0;
  const number = () => `+1212555${String(1000 + n++).padStart(4, '0')}`;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  /** Places a call whose first document is `twiml` served at `/doc<k>`; resolves once it was fetched. */
  const call = async (twiml: string, to = number()) => {
    const path = `/doc${n++}`;
    h.app.route(path, `<?xml version="1.0"?><Response>${twiml}</Response>`);
    const created = await h.client.calls.create({ to, from: '+15005550006', url: h.app.url + path });
    await h.app.waitFor(path, (r) => r.params.CallSid === created.sid);
    return created.sid;
  };
  const heard = async (sid: string) => (await h.sim('GET', `/sim/v1/calls/${sid}`)).body.heard as any[];
  const ended = (sid: string) => eventually(() => h.client.calls(sid).fetch(), (c) => c.status !== 'in-progress' && c.status !== 'ringing' && c.status !== 'queued');
  const listening = async (sid: string, kind: string) => eventually(() => heard(sid), (list) => list.some((e) => e.kind === kind));

  it('Say speaks its text loop times with entities decoded, then the call completes when the document runs out', async () => {
    const sid = await call('<Say voice="alice" language="en-GB" loop="2">Fish &amp; chips</Say>');
    assert.equal((await ended(sid)).status, 'completed');
    assert.deepEqual((await heard(sid)).map((e) => [e.kind, e.text]), [['say', 'Fish & chips'], ['say', 'Fish & chips']]);
  });

  it('Play plays the audio URL and Play digits sends tones', async () => {
    h.app.route('/beep.wav', () => ({ body: wav(8000), type: 'audio/wav' }));
    const sid = await call(`<Play loop="2">${h.app.url}/beep.wav</Play><Play digits="12w3"/>`);
    await ended(sid);
    const entries = await heard(sid);
    assert.deepEqual(entries.map((e) => e.kind), ['play', 'play', 'tone', 'silence', 'tone']);
    assert.equal(entries[0].url, `${h.app.url}/beep.wav`);
    assert.equal(entries[0].ms, 1000);
    assert.equal(h.app.to('/beep.wav').length, 1, 'a looped Play fetches its audio once');
  });

  it('a Play whose audio cannot be fetched is a warning and the call goes on', async () => {
    const sid = await call(`<Play>${h.app.url}/missing.wav</Play><Say>after</Say>`);
    await ended(sid);
    assert.equal((await heard(sid)).at(-1).text, 'after');
    const notes = await h.client.calls(sid).notifications.list();
    assert.equal(notes[0]!.errorCode, '11200');
    assert.equal(notes[0]!.log, '1');
  });

  it('Pause is heard as a pause of its length', async () => {
    const sid = await call('<Pause length="2"/>');
    await ended(sid);
    assert.deepEqual((await heard(sid)).map((e) => [e.kind, e.ms]), [['pause', 2000]]);
  });

  it('Redirect fetches a relative URL with its method and runs that document', async () => {
    h.app.route('/redirected', '<Response><Say>Redirected</Say></Response>');
    const sid = await call('<Redirect method="GET">/redirected</Redirect><Say>never</Say>');
    const request = await h.app.waitFor('/redirected', (r) => r.params.CallSid === sid);
    assert.equal(request.method, 'GET');
    await ended(sid);
    assert.deepEqual((await heard(sid)).map((e) => e.text), ['Redirected']);
  });

  it('an empty Redirect requests the current document again, query string and all, as an IVR menu repeats', async () => {
    let visits = 0;
    h.app.route('/menu', () => (++visits < 3 ? `<Response><Say>Menu ${visits}</Say><Redirect method="GET"/></Response>` : '<Response><Hangup/></Response>'));
    const created = await h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}/menu?lang=en` });
    await ended(created.sid);
    const requests = h.app.to('/menu').filter((r) => r.params.CallSid === created.sid);
    assert.deepEqual(requests.map((r) => [r.method, new URL(r.url).searchParams.getAll('lang')]), [['POST', ['en']], ['GET', ['en']], ['GET', ['en']]]);
    assert.deepEqual((await heard(created.sid)).map((e) => e.text), ['Menu 1', 'Menu 2']);
  });

  it('a Redirect loop that never plays anything is stopped with 11215 after 100 documents', async () => {
    h.app.route('/spin', '<Response><Redirect/></Response>');
    const created = await h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}/spin` });
    assert.equal((await ended(created.sid)).status, 'completed');
    assert.equal(h.app.to('/spin').filter((r) => r.params.CallSid === created.sid).length, 100);
    const notes = await h.client.calls(created.sid).notifications.list();
    assert.deepEqual(notes.map((n) => n.errorCode), ['11215']);
    assert.match(notes[0]!.messageText, /redirect loop/);
  });

  it('Hangup ends the call as completed and nothing after it runs', async () => {
    const sid = await call('<Hangup/><Say>never</Say>');
    assert.equal((await ended(sid)).status, 'completed');
    assert.deepEqual(await heard(sid), []);
  });

  it('Gather posts Digits to the action URL after numDigits, stopping its prompt', async () => {
    h.app.route('/gathered', '<Response><Say>Thanks</Say></Response>');
    const sid = await call(`<Gather numDigits="2" action="/gathered"><Say>${'Please press two keys. '.repeat(40)}</Say></Gather><Say>no input</Say>`);
    await listening(sid, 'say');
    assert.equal((await h.sim('POST', `/sim/v1/calls/${sid}/digits`, { digits: '42' })).status, 200);
    const action = await h.app.waitFor('/gathered', (r) => r.params.CallSid === sid);
    assert.equal(action.params.Digits, '42');
    assert.equal(action.method, 'POST');
    await ended(sid);
    assert.deepEqual((await heard(sid)).map((e) => e.text), ['Please press two keys. '.repeat(40).trim(), 'Thanks']);
  });

  it('Gather ends on finishOnKey, which is not part of Digits', async () => {
    h.app.route('/pin', '<Response/>');
    const sid = await call(`<Gather action="/pin" finishOnKey="#" timeout="30"><Say>Enter your PIN</Say></Gather>`);
    await listening(sid, 'say');
    await h.sim('POST', `/sim/v1/calls/${sid}/digits`, { digits: '123#' });
    assert.equal((await h.app.waitFor('/pin', (r) => r.params.CallSid === sid)).params.Digits, '123');
  });

  it('Gather without input falls through to the next verb after its timeout', async () => {
    const sid = await call('<Gather action="/unused" timeout="1"><Say>Press something</Say></Gather><Say>No input received</Say>');
    await ended(sid);
    assert.deepEqual((await heard(sid)).map((e) => e.text), ['Press something', 'No input received']);
    assert.equal(h.app.to('/unused').length, 0);
  });

  it('Gather with actionOnEmptyResult requests the action even without input', async () => {
    h.app.route('/empty', '<Response/>');
    const sid = await call('<Gather action="/empty" timeout="1" actionOnEmptyResult="true"/>');
    assert.equal((await h.app.waitFor('/empty', (r) => r.params.CallSid === sid)).params.Digits, '');
  });

  it('Gather with speech input posts SpeechResult and Confidence', async () => {
    h.app.route('/speech', '<Response/>');
    const sid = await call('<Gather input="speech" action="/speech" timeout="30"><Say>Say something</Say></Gather>');
    await listening(sid, 'say');
    await h.sim('POST', `/sim/v1/calls/${sid}/speech`, { text: 'book a table', confidence: 0.82 });
    const action = await h.app.waitFor('/speech', (r) => r.params.CallSid === sid);
    assert.equal(action.params.SpeechResult, 'book a table');
    assert.equal(action.params.Confidence, '0.82');
    assert.equal(action.params.Digits, undefined);
  });

  it('speech to a DTMF-only Gather is ignored: the prompt plays on and the timeout still falls through', async () => {
    const prompt = 'Press a key. '.repeat(30).trim();
    const sid = await call(`<Gather action="/unused" timeout="1"><Say>${prompt}</Say></Gather><Say>Still here</Say>`);
    await listening(sid, 'say');
    await h.sim('POST', `/sim/v1/calls/${sid}/speech`, { text: 'operator' });
    assert.equal((await ended(sid)).status, 'completed');
    assert.deepEqual((await heard(sid)).map((e) => e.text), [prompt, 'Still here']);
    assert.equal(h.app.to('/unused').length, 0);
  });

  it('digits pressed while no Gather listens are dropped', async () => {
    h.app.route('/late', '<Response/>');
    const sid = await call(`<Say>${'Long message. '.repeat(20)}</Say><Gather action="/late" timeout="1"/>`);
    await listening(sid, 'say');
    await h.sim('POST', `/sim/v1/calls/${sid}/digits`, { digits: '9' });
    await ended(sid);
    assert.equal(h.app.to('/late').length, 0);
  });

  it('a Gather in progress is dropped by a REST redirect without posting its action', async () => {
    h.app.route('/dropped', '<Response/>').route('/elsewhere', `<Response><Say>Elsewhere</Say>${HOLD}</Response>`);
    const sid = await call(`<Gather action="/dropped" timeout="60"><Say>Menu</Say></Gather>`);
    await listening(sid, 'say');
    await h.sim('POST', `/sim/v1/calls/${sid}/digits`, { digits: '1' });
    await h.client.calls(sid).update({ url: `${h.app.url}/elsewhere` });
    await h.app.waitFor('/elsewhere', (r) => r.params.CallSid === sid);
    await h.sim('POST', `/sim/v1/calls/${sid}/digits`, { digits: '#' });
    await h.client.calls(sid).update({ status: 'completed' });
    assert.equal(h.app.to('/dropped').length, 0);
  });

  it('a REST redirect stops a long Play and a long Pause at once', async () => {
    h.app.route('/long.wav', () => ({ body: wav(8000 * 60), type: 'audio/wav' }));
    h.app.route('/after-audio', `<Response><Say>Redirected from audio</Say>${HOLD}</Response>`);
    for (const verb of [`<Play>${h.app.url}/long.wav</Play>`, '<Pause length="60"/>']) {
      const sid = await call(verb);
      const [first] = await eventually(() => heard(sid), (list) => list.length === 1);
      assert.equal(first.ms, 60_000);
      await h.client.calls(sid).update({ url: `${h.app.url}/after-audio` });
      // At least 2: the new document's Pause follows its Say within milliseconds.
      const entries = await eventually(() => heard(sid), (list) => list.length >= 2);
      assert.equal(entries[1].text, 'Redirected from audio');
      assert.ok(Date.parse(entries[1].at) < Date.parse(first.at) + first.ms * 0.01, 'the new TwiML started before the audio would have ended');
      await h.client.calls(sid).update({ status: 'completed' });
    }
  });

  it('a REST redirect stops a long Say at once', async () => {
    const text = 'This message is long. '.repeat(150);
    h.app.route('/after-say', `<Response><Say>Redirected now</Say>${HOLD}</Response>`);
    const sid = await call(`<Say>${text}</Say>`);
    const [first] = await listening(sid, 'say');
    await h.client.calls(sid).update({ url: `${h.app.url}/after-say` });
    const entries = await listening(sid, 'say').then(() => eventually(() => heard(sid), (l) => l.length >= 2));
    assert.equal(entries[1].text, 'Redirected now');
    assert.ok(Date.parse(entries[1].at) < Date.parse(first.at) + first.ms * 0.01, 'the new TwiML started before the old Say would have ended');
    await h.client.calls(sid).update({ status: 'completed' });
  });
});

describe('Reject and inbound calls', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  for (const [reason, outcome] of [['busy', 'busy'], ['rejected', 'no-answer'], [null, 'no-answer']] as const) {
    it(`Reject ${reason ?? '(default)'} as the first verb leaves the inbound call unanswered and ${outcome}`, async () => {
      const path = `/reject-${reason}`;
      h.app.route(path, `<Response><Reject${reason ? ` reason="${reason}"` : ''}/></Response>`);
      const phoneNumber = `+1646555${String(Math.floor(Math.random() * 9000) + 1000)}`;
      await h.client.incomingPhoneNumbers.create({ phoneNumber, voiceUrl: h.app.url + path });
      const { body } = await h.sim('POST', '/sim/v1/calls', { from: '+15551230000', to: phoneNumber });
      const ended = await eventually(() => h.client.calls(body.callSid).fetch(), (c) => c.status === outcome);
      assert.equal(ended.direction, 'inbound');
      assert.equal(ended.duration, null);
    });
  }

  it('the far end hanging up ends an answered call as completed', async () => {
    h.app.route('/long', '<Response><Say>Hello</Say><Pause length="3600"/></Response>');
    const phoneNumber = '+16465550999';
    await h.client.incomingPhoneNumbers.create({ phoneNumber, voiceUrl: `${h.app.url}/long` });
    const { body } = await h.sim('POST', '/sim/v1/calls', { from: '+15551230000', to: phoneNumber });
    await eventually(() => h.client.calls(body.callSid).fetch(), (c) => c.status === 'in-progress');
    await h.sim('POST', `/sim/v1/calls/${body.callSid}/hangup`);
    assert.equal((await eventually(() => h.client.calls(body.callSid).fetch(), (c) => c.status !== 'in-progress')).status, 'completed');
  });
});

/** A mono 8 kHz 16-bit WAV of `samples` samples. */
function wav(samples: number): Buffer {
  const data = samples * 2;
  const buffer = Buffer.alloc(44 + data);
  buffer.write('RIFF', 0); buffer.writeUInt32LE(36 + data, 4); buffer.write('WAVE', 8);
  buffer.write('fmt ', 12); buffer.writeUInt32LE(16, 16); buffer.writeUInt16LE(1, 20); buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(8000, 24); buffer.writeUInt32LE(16000, 28); buffer.writeUInt16LE(2, 32); buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36); buffer.writeUInt32LE(data, 40);
  return buffer;
}
