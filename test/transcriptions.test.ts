import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { PocketsphinxRecognizer } from '../src/audio/pocketsphinx-recognizer.js';
import { newSid } from '../src/domain/sid.js';
import type { CallRecord } from '../src/domain/call.js';
import type { RecordingRecord } from '../src/domain/recording.js';
import { runTranscriptionStoreContract } from '../src/ports/transcription-store.contract.js';
import { SystemClock } from '../src/ports/system-clock.js';
import type { Tts } from '../src/ports/tts.js';
import { Transcriptions } from '../src/recordings/transcriptions.js';
import { writeWav } from '../src/recordings/wav-file.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { rejectsWith } from './helpers/sdk.js';

runTranscriptionStoreContract('SQLite :memory:', async () => new SqliteStore(':memory:'));

/** The Transcription schema of the OpenAPI subset; `price` loosened (a string, as on Twilio's examples). */
const spec = JSON.parse(await readFile(new URL('./fixtures/transcriptions-openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv.default({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('date-time-rfc-2822', /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
for (const format of ['currency', 'uri-map']) ajv.addFormat(format, true);
const schemaOf = (name: string) => {
  const schema = structuredClone(spec.components.schemas[name]);
  schema.properties.price = {};
  for (const [key, value] of Object.entries(spec.components.schemas)) if (key.endsWith('_enum_status')) ajv.addSchema(value as object, `#/components/schemas/${key}`);
  return schema;
};
const validateTranscription = ajv.compile(schemaOf('api.v2010.account.transcription'));
const TRANSCRIPTION_KEYS = Object.keys(spec.components.schemas['api.v2010.account.transcription'].properties).sort();
const assertTranscriptionBody = (body: unknown) => {
  assert.ok(validateTranscription(body), ajv.errorsText(validateTranscription.errors));
  assert.deepEqual(Object.keys(body as object).sort(), TRANSCRIPTION_KEYS);
};

/** Every phrase the phone says renders as 3 s of a loud sawtooth: long enough to be transcribed. */
const THREE_SECONDS = Int16Array.from({ length: 24_000 }, (_, i) => 1000 + ((i * 37) % 2000));
const tts: Tts = { render: async () => THREE_SECONDS };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('transcriptions on the simulated network', () => {
  let h: Harness;
  let n = 0;
  before(async () => {
    h = await startHarness({ tts });
    h.app.route('/transcribed', '<Response/>');
    h.app.route('/recorded', '<Response><Pause length="3600"/></Response>');
  });
  after(() => h.close());

  const call = async (twiml: string) => {
    const path = `/t${n++}`;
    h.app.route(path, `<Response>${twiml}</Response>`);
    const created = await h.client.calls.create({ to: '+15558675309', from: '+15005550006', url: h.app.url + path });
    await h.app.waitFor(path, (r) => r.params.CallSid === created.sid);
    return created.sid;
  };
  const speakAfterBeep = async (sid: string, text: string) => {
    await eventually(() => h.sim('GET', `/sim/v1/calls/${sid}`), (r) => r.body.heard.some((e: { kind: string }) => e.kind === 'beep'));
    // At once: words begun over the beep are recorded too, and a loaded machine must not let
    // the silence timeout (100 s of call time, 1 s here) end the recording first.
    await h.sim('POST', `/sim/v1/calls/${sid}/speech`, { text });
  };

  it('a voicemail is transcribed as what the phone said: the callback, the REST resource in JSON and XML, and delete', async () => {
    const sid = await call('<Record transcribe="true" transcribeCallback="/transcribed" action="/recorded" timeout="100" finishOnKey="#"/>');
    await speakAfterBeep(sid, 'Hi, this is Ann. Please call me back about the invoice.');
    await h.sim('POST', `/sim/v1/calls/${sid}/speech`, { text: 'Thanks, bye.' });
    const recorded = await h.app.waitFor('/recorded', (r) => r.params.CallSid === sid);
    await h.client.calls(sid).update({ status: 'completed' });
    const callback = await h.app.waitFor('/transcribed', (r) => r.params.CallSid === sid);
    assert.equal(callback.method, 'POST');
    assert.ok(callback.headers['x-twilio-signature'], 'signed like every webhook');
    const p = callback.params;
    assert.equal(p.TranscriptionText, 'Hi, this is Ann. Please call me back about the invoice. Thanks, bye.');
    assert.equal(p.TranscriptionStatus, 'completed');
    assert.match(p.TranscriptionSid!, /^TR[0-9a-f]{32}$/);
    assert.equal(p.RecordingSid, recorded.params.RecordingSid);
    assert.equal(p.RecordingUrl, recorded.params.RecordingUrl);
    assert.equal(p.TranscriptionUrl, `${h.server.url}/2010-04-01/Accounts/${h.server.accountSid}/Recordings/${p.RecordingSid}/Transcriptions/${p.TranscriptionSid}`);
    assert.equal(p.AccountSid, h.server.accountSid);
    assert.equal(p.From, '+15005550006');
    assert.equal(p.To, '+15558675309');
    assert.equal(p.ApiVersion, '2010-04-01');

    const fetched = await h.client.transcriptions(p.TranscriptionSid!).fetch();
    assert.equal(fetched.status, 'completed');
    assert.equal(fetched.transcriptionText, p.TranscriptionText);
    assert.equal(fetched.recordingSid, p.RecordingSid);
    assert.equal(fetched.type, 'fast');
    const listed = await h.client.recordings(p.RecordingSid!).transcriptions.list();
    assert.deepEqual(listed.map((t) => t.sid), [p.TranscriptionSid]);
    assert.ok((await h.client.transcriptions.list()).some((t) => t.sid === p.TranscriptionSid));
    const viaRecording = await h.client.recordings(p.RecordingSid!).transcriptions(p.TranscriptionSid!).fetch();
    assert.equal(viaRecording.transcriptionText, p.TranscriptionText);

    const json = await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Transcriptions/${p.TranscriptionSid}.json`);
    assertTranscriptionBody(json.json);
    assert.equal(json.json.duration, recorded.params.RecordingDuration, 'a string of whole seconds, as the recording');
    assert.equal(json.json.uri, `/2010-04-01/Accounts/${h.server.accountSid}/Transcriptions/${p.TranscriptionSid}.json`);
    const list = await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Recordings/${p.RecordingSid}/Transcriptions.json`);
    assert.equal(list.json.transcriptions.length, 1);
    assertTranscriptionBody(list.json.transcriptions[0]);
    const xml = await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Transcriptions/${p.TranscriptionSid}`);
    assert.match(xml.body, /<TwilioResponse><Transcription>.*<TranscriptionText>Hi, this is Ann\./s);

    const wrongRecording = newSid('RE');
    await rejectsWith(h.client.recordings(wrongRecording).transcriptions(p.TranscriptionSid!).fetch(), 404, 20404);
    await h.client.recordings(p.RecordingSid!).transcriptions(p.TranscriptionSid!).remove();
    await rejectsWith(h.client.transcriptions(p.TranscriptionSid!).fetch(), 404, 20404);
    await rejectsWith(h.client.transcriptions(p.TranscriptionSid!).remove(), 404, 20404);
    assert.equal((await h.client.recordings(p.RecordingSid!).fetch()).status, 'completed', 'the recording is kept');
  });

  it('transcribeCallback alone turns transcription on', async () => {
    const sid = await call('<Record transcribeCallback="/transcribed" action="/recorded" timeout="100"/>');
    await speakAfterBeep(sid, 'Just checking in.');
    const callback = await h.app.waitFor('/transcribed', (r) => r.params.CallSid === sid);
    assert.equal(callback.params.TranscriptionText, 'Just checking in.');
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('transcribe="true" without a callback stores the transcription, found through the recording', async () => {
    const sid = await call('<Record transcribe="true" action="/recorded" timeout="100"/>');
    await speakAfterBeep(sid, 'No callback here.');
    const recorded = await h.app.waitFor('/recorded', (r) => r.params.CallSid === sid);
    const [t] = await eventually(() => h.client.recordings(recorded.params.RecordingSid!).transcriptions.list(), (l) => l[0]?.status === 'completed');
    assert.equal(t!.transcriptionText, 'No callback here.');
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('a recording of 2 s or less is kept but not transcribed, with warning 13617', async () => {
    const sid = await call('<Record transcribe="true" transcribeCallback="/transcribed" maxLength="2" trim="do-not-trim" timeout="0" action="/recorded"/>');
    const recorded = await h.app.waitFor('/recorded', (r) => r.params.CallSid === sid);
    assert.equal(recorded.params.RecordingDuration, '2');
    const notes = await eventually(() => h.client.calls(sid).notifications.list(), (l) => l.some((x) => x.errorCode === '13617'));
    assert.equal(notes.find((x) => x.errorCode === '13617')!.log, '1', 'a warning');
    assert.deepEqual(await h.client.recordings(recorded.params.RecordingSid!).transcriptions.list(), []);
    assert.equal(h.app.to('/transcribed').filter((r) => r.params.CallSid === sid).length, 0);
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('an invalid transcribe value is warning 13614 and records without transcribing', async () => {
    const sid = await call('<Record transcribe="yes" action="/recorded" timeout="100"/>');
    await speakAfterBeep(sid, 'Hello there.');
    const recorded = await h.app.waitFor('/recorded', (r) => r.params.CallSid === sid);
    const notes = await h.client.calls(sid).notifications.list();
    assert.ok(notes.some((x) => x.errorCode === '13614'));
    await sleep(50);
    assert.deepEqual(await h.client.recordings(recorded.params.RecordingSid!).transcriptions.list(), []);
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('the Transcription resource refuses create (405) and answers 20404 for an unknown SID', async () => {
    const base = `/2010-04-01/Accounts/${h.server.accountSid}`;
    assert.equal((await h.rest('POST', `${base}/Transcriptions.json`, { RecordingSid: newSid('RE') })).status, 405);
    const missing = await h.rest('GET', `${base}/Transcriptions/${newSid('TR')}.json`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.code, 20404);
  });
});

describe('transcriptions without a recognition engine', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-transcribe-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a recording whose words are not known, with no engine installed, ends failed with a Notification and a failed callback', async () => {
    const store = new SqliteStore(':memory:');
    await store.migrate();
    const clock = new SystemClock();
    let kicked = 0;
    const transcriptions = new Transcriptions({
      store, clock, outbox: { kick: () => void kicked++ }, publicUrl: () => 'http://127.0.0.1:9',
      callParams: (c) => ({ CallSid: c.sid, AccountSid: c.accountSid }),
      recognizer: new PocketsphinxRecognizer({ pocketsphinx: join(dir, 'no-such-pocketsphinx') }),
    });
    const accountSid = newSid('AC');
    const call = { sid: newSid('CA'), accountSid } as CallRecord;
    const path = join(dir, 'speech.wav');
    await writeWav(path, 8000 * 4, (chunk, offset) => chunk.forEach((_, i) => (chunk[i] = ((offset + i) * 37) % 2000)));
    const recording = { sid: newSid('RE'), accountSid, callSid: call.sid, duration: 4 } as RecordingRecord;
    const outcome = await transcriptions.start(call, recording, { path, callbackUrl: 'http://127.0.0.1:9/t' });
    assert.ok(outcome.started);
    const sid = outcome.sid;
    const failed = await eventually(() => store.getTranscription(accountSid, sid), (t) => t?.status === 'failed');
    assert.equal(failed!.text, null);
    const [note] = await store.listNotifications(accountSid, call.sid);
    assert.equal(note?.errorCode, 12400);
    assert.match(note!.messageText, /no-such-pocketsphinx not found/);
    const [callback] = await store.pendingCallbacks(10);
    assert.equal(callback?.params.TranscriptionStatus, 'failed');
    assert.equal(callback?.params.TranscriptionText, undefined);
    assert.equal(kicked, 1);
    await store.close();
  });
});
