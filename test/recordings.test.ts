import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeWav } from '../src/audio/wav.js';
import type { RecordingRecord } from '../src/domain/recording.js';
import { newSid } from '../src/domain/sid.js';
import { SystemClock } from '../src/ports/system-clock.js';
import type { Tts } from '../src/ports/tts.js';
import { Recordings } from '../src/recordings/recordings.js';
import { ffmpegTranscoder, type Transcoder } from '../src/recordings/transcoder.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { rejectsWith } from './helpers/sdk.js';

/** What the fake Tts renders for any words: 0.8 s of a loud, recognisable sawtooth. */
const SPOKEN = Int16Array.from({ length: 6400 }, (_, i) => 1000 + ((i * 37) % 2000));
const fakeTts: Tts = { render: async () => SPOKEN };

const HOLD = '<Pause length="3600"/>';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('recordings: <Record>, Record=true and the Recordings resource', () => {
  let h: Harness;
  let n = 0;
  before(async () => {
    h = await startHarness({ tts: fakeTts });
    for (const path of ['/recording-status', '/call-recording', '/call-status']) h.app.route(path, '<Response/>');
  });
  after(() => h.close());

  const auth = () => 'Basic ' + Buffer.from(`${h.server.accountSid}:${h.server.authToken}`).toString('base64');
  /** Places a call whose first document is `twiml`; resolves with its SID once the document was fetched. */
  const call = async (twiml: string, extra: Record<string, unknown> = {}) => {
    const path = `/rec${n++}`;
    h.app.route(path, `<?xml version="1.0"?><Response>${twiml}</Response>`);
    const created = await h.client.calls.create({ to: '+15558675309', from: '+15005550006', url: h.app.url + path, ...extra });
    await h.app.waitFor(path, (r) => r.params.CallSid === created.sid);
    return created.sid;
  };
  const heard = async (sid: string) => (await h.sim('GET', `/sim/v1/calls/${sid}`)).body.heard as { kind: string; ms?: number }[];
  /** Waits for the beep, then for it to be over (0.5 s of call time is 5 ms at ×0.01). */
  const recording = async (sid: string) => {
    await eventually(() => heard(sid), (list) => list.some((e) => e.kind === 'beep'));
    await sleep(40);
  };
  const speak = (sid: string, text: string) => h.sim('POST', `/sim/v1/calls/${sid}/speech`, { text });
  const press = (sid: string, digits: string) => h.sim('POST', `/sim/v1/calls/${sid}/digits`, { digits });
  const media = async (url: string) => {
    const response = await fetch(url, { headers: { authorization: auth() } });
    return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
  };
  const samplesOf = (wav: Buffer) => new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));

  it('Record beeps, records what the caller said, and posts RecordingUrl, RecordingDuration, RecordingSid and the finishing key', async () => {
    h.app.route('/recorded', `<Response><Say>Thanks</Say>${HOLD}</Response>`);
    const sid = await call('<Record action="/recorded" timeout="60" finishOnKey="#*"/>');
    await recording(sid);
    await speak(sid, 'Hello, please call me back');
    await sleep(40);
    await press(sid, '#');
    const action = await h.app.waitFor('/recorded', (r) => r.params.CallSid === sid);
    assert.equal(action.params.Digits, '#');
    assert.equal(action.params.CallStatus, 'in-progress');
    assert.match(action.params.RecordingSid!, /^RE[0-9a-f]{32}$/);
    assert.equal(action.params.RecordingUrl, `${h.server.url}/2010-04-01/Accounts/${h.server.accountSid}/Recordings/${action.params.RecordingSid}`);
    assert.equal(action.params.RecordingDuration, '1', 'trim-silence leaves the 0.8 s the caller spoke');
    const beep = (await heard(sid)).find((e) => e.kind === 'beep');
    assert.equal(beep?.ms, 500);

    const wav = await media(action.params.RecordingUrl!);
    assert.equal(wav.status, 200);
    assert.equal(wav.type, 'audio/x-wav');
    assert.equal(wav.body.toString('ascii', 0, 4), 'RIFF');
    assert.equal(wav.body.toString('ascii', 8, 12), 'WAVE');
    assert.equal(wav.body.readUInt16LE(22), 1, 'mono');
    assert.equal(wav.body.readUInt32LE(24), 8000, '8 kHz');
    assert.equal(wav.body.readUInt16LE(34), 16, '16-bit');
    assert.deepEqual(samplesOf(wav.body), SPOKEN, 'the recording holds exactly what the phone said, rendered by the Tts');
    assert.equal(Math.max(1, Math.round(samplesOf(wav.body).length / 8000)), Number(action.params.RecordingDuration));
    const asWav = await media(`${action.params.RecordingUrl}.wav`);
    assert.deepEqual(asWav.body, wav.body);
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('timeout seconds of silence end the recording; with do-not-trim the file holds all of it and Digits is absent', async () => {
    h.app.route('/silent', `<Response>${HOLD}</Response>`);
    const sid = await call('<Record action="/silent" timeout="3" trim="do-not-trim" playBeep="false"/>');
    const action = await h.app.waitFor('/silent', (r) => r.params.CallSid === sid);
    assert.equal(action.params.RecordingDuration, '3');
    assert.equal(action.params.Digits, undefined);
    const wav = await media(`${action.params.RecordingUrl}.wav`);
    const samples = samplesOf(wav.body);
    assert.equal(samples.length, 3 * 8000, 'one sample per 1/8000 s of call time');
    assert.ok(samples.every((s) => s === 0), 'a silent phone records silence');
    assert.equal((await heard(sid)).some((e) => e.kind === 'beep'), false, 'playBeep="false" plays no beep');
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('maxLength ends the recording even while the caller keeps talking', async () => {
    h.app.route('/long', `<Response>${HOLD}</Response>`);
    const sid = await call('<Record action="/long" timeout="0" maxLength="2" trim="do-not-trim"/>');
    const action = await h.app.waitFor('/long', (r) => r.params.CallSid === sid);
    assert.equal(action.params.RecordingDuration, '2');
    assert.equal(samplesOf((await media(`${action.params.RecordingUrl}.wav`)).body).length, 2 * 8000);
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('an empty recording requests no action and the next verb runs', async () => {
    const sid = await call('<Record action="/never" timeout="1"/><Say>Nothing recorded</Say>');
    await eventually(() => heard(sid), (list) => list.some((e) => e.kind === 'say'));
    assert.equal(h.app.to('/never').length, 0);
    const [only] = await h.client.calls(sid).recordings.list();
    assert.equal(only!.status, 'absent');
    assert.equal(only!.duration, '0');
  });

  it('a caller who hangs up during Record still gets the action requested, with Digits=hangup, and its TwiML is not run', async () => {
    h.app.route('/after-hangup', '<Response><Say>Nobody hears this</Say></Response>');
    const sid = await call('<Record action="/after-hangup" timeout="60"/>');
    await recording(sid);
    await speak(sid, 'Bye');
    await sleep(40);
    await h.sim('POST', `/sim/v1/calls/${sid}/hangup`);
    const action = await h.app.waitFor('/after-hangup', (r) => r.params.CallSid === sid);
    assert.equal(action.params.Digits, 'hangup');
    assert.equal(action.params.CallStatus, 'completed');
    assert.equal(action.params.RecordingDuration, '1');
    assert.equal((await h.client.calls(sid).fetch()).status, 'completed');
    await sleep(50);
    assert.equal((await heard(sid)).some((e) => e.kind === 'say'), false);
  });

  it('a REST redirect during Record stops it without an action request; the recording is kept', async () => {
    h.app.route('/moved', `<Response><Say>Moved</Say>${HOLD}</Response>`);
    const sid = await call('<Record action="/not-requested" timeout="60" trim="do-not-trim"/>');
    await recording(sid);
    await h.client.calls(sid).update({ url: `${h.app.url}/moved` });
    await h.app.waitFor('/moved', (r) => r.params.CallSid === sid);
    await eventually(() => h.client.calls(sid).recordings.list(), (list) => list[0]?.status === 'completed');
    assert.equal(h.app.to('/not-requested').length, 0);
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('the Recordings resource lists, fetches, filters and deletes through the official SDK', async () => {
    h.app.route('/kept', `<Response>${HOLD}</Response>`);
    const sid = await call('<Record action="/kept" timeout="1" trim="do-not-trim" playBeep="false" recordingStatusCallback="/recording-status" recordingStatusCallbackEvent="in-progress completed"/>');
    const action = await h.app.waitFor('/kept', (r) => r.params.CallSid === sid);
    const reSid = action.params.RecordingSid!;

    const fetched = await h.client.recordings(reSid).fetch();
    assert.equal(fetched.sid, reSid);
    assert.equal(fetched.callSid, sid);
    assert.equal(fetched.accountSid, h.server.accountSid);
    assert.equal(fetched.status, 'completed');
    assert.equal(fetched.source, 'RecordVerb');
    assert.equal(fetched.channels, 1);
    assert.equal(fetched.duration, '1');
    assert.equal(fetched.priceUnit, 'USD');
    assert.equal(fetched.conferenceSid, null);
    assert.equal(fetched.mediaUrl, action.params.RecordingUrl);
    assert.equal(fetched.uri, `/2010-04-01/Accounts/${h.server.accountSid}/Recordings/${reSid}.json`);
    assert.ok(fetched.dateCreated instanceof Date && !Number.isNaN(fetched.dateCreated.getTime()));

    assert.ok((await h.client.recordings.list()).some((r) => r.sid === reSid));
    assert.deepEqual((await h.client.recordings.list({ callSid: sid })).map((r) => r.sid), [reSid]);
    assert.deepEqual(await h.client.recordings.list({ dateCreatedBefore: new Date('2000-01-01') }), []);
    assert.ok((await h.client.recordings.list({ dateCreatedAfter: new Date(Date.now() - 3_600_000) })).some((r) => r.sid === reSid));
    const [underCall] = await h.client.calls(sid).recordings.list();
    assert.equal(underCall!.sid, reSid);
    assert.equal((await h.client.calls(sid).recordings(reSid).fetch()).track, 'inbound');

    const xml = await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Recordings/${reSid}.xml`);
    assert.match(xml.body, new RegExp(`<TwilioResponse><Recording>.*<Sid>${reSid}</Sid>`));

    // The status callbacks went through the outbox: in-progress first, then completed.
    const events = await eventually(() => h.app.to('/recording-status').filter((r) => r.params.RecordingSid === reSid), (l) => l.length === 2);
    assert.deepEqual(events.map((e) => e.params.RecordingStatus).sort(), ['completed', 'in-progress']);
    const completed = events.find((e) => e.params.RecordingStatus === 'completed')!;
    assert.equal(completed.params.RecordingDuration, '1');
    assert.equal(completed.params.RecordingSource, 'RecordVerb');
    assert.equal(completed.params.RecordingChannels, '1');
    assert.equal(completed.params.CallSid, sid);
    assert.equal(completed.params.ErrorCode, '0');
    assert.ok(completed.headers['x-twilio-signature']);

    const file = join(h.dataDir, 'recordings', h.server.accountSid, `${reSid}.wav`);
    assert.ok(existsSync(file));
    assert.equal(await h.client.calls(sid).recordings(reSid).remove(), true);
    assert.equal(existsSync(file), false, 'deleting the recording removes its audio');
    await rejectsWith(h.client.recordings(reSid).fetch(), 404, 20404);
    assert.equal((await media(`${action.params.RecordingUrl}.wav`)).status, 404);
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('the media is served as MP3 through ffmpeg', async () => {
    h.app.route('/mp3', `<Response>${HOLD}</Response>`);
    const sid = await call('<Record action="/mp3" timeout="1" trim="do-not-trim" playBeep="false"/>');
    const action = await h.app.waitFor('/mp3', (r) => r.params.CallSid === sid);
    const mp3 = await media(`${action.params.RecordingUrl}.mp3`);
    assert.equal(mp3.status, 200);
    assert.equal(mp3.type, 'audio/mpeg');
    assert.ok(mp3.body.length > 100);
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it('an unknown recording is 20404 in JSON and as media', async () => {
    const unknown = 'RE' + '0'.repeat(32);
    await rejectsWith(h.client.recordings(unknown).fetch(), 404, 20404);
    const raw = await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Recordings/${unknown}.json`);
    assert.equal(raw.json.code, 20404);
    assert.equal((await media(`${h.server.url}/2010-04-01/Accounts/${h.server.accountSid}/Recordings/${unknown}`)).status, 404);
    await rejectsWith(h.client.recordings(unknown).remove(), 404, 20404);
  });

  it('Record=true records the call from answer to end, with its recording status callback and the fields in the completed callback', async () => {
    const sid = await call(HOLD, {
      record: true, recordingStatusCallback: `${h.app.url}/call-recording`, statusCallback: `${h.app.url}/call-status`,
    });
    await sleep(40);
    await speak(sid, 'This call is being recorded');
    await sleep(40);
    await h.sim('POST', `/sim/v1/calls/${sid}/hangup`);
    const callback = await h.app.waitFor('/call-recording', (r) => r.params.CallSid === sid);
    assert.equal(callback.params.RecordingStatus, 'completed');
    assert.equal(callback.params.RecordingSource, 'OutboundAPI');
    assert.equal(callback.params.RecordingDuration, '1');
    const status = await h.app.waitFor('/call-status', (r) => r.params.CallSid === sid && r.params.CallStatus === 'completed');
    assert.equal(status.params.RecordingSid, callback.params.RecordingSid);
    assert.equal(status.params.RecordingUrl, callback.params.RecordingUrl);
    assert.equal(status.params.RecordingDuration, '1');
    const [recording] = await h.client.calls(sid).recordings.list();
    assert.equal(recording!.source, 'OutboundAPI');
    assert.equal(recording!.track, 'both');
    assert.deepEqual(samplesOf((await media(callback.params.RecordingUrl!)).body), SPOKEN);
  });

  it('RecordingChannels and Trim are validated on create', async () => {
    await rejectsWith(h.client.calls.create({ to: '+15558675309', from: '+15005550006', twiml: '<Response/>', record: true, recordingChannels: 'stereo' }), 400);
    await rejectsWith(h.client.calls.create({ to: '+15558675309', from: '+15005550006', twiml: '<Response/>', record: true, trim: 'sometimes' }), 400);
    await rejectsWith(h.client.calls.create({ to: '+15558675309', from: '+15005550006', twiml: '<Response/>', recordingStatusCallbackMethod: 'PUT' }), 400, 21209);
  });
});

describe('recordings after a crash', () => {
  it('a recording left in-progress is closed on restart with the audio written so far and a whole header', async () => {
    const first = await startHarness({ keepDataDir: true });
    const { accountSid, authToken } = first.server;
    const dataDir = first.dataDir;
    await first.close();
    // What a crash leaves behind: the resource in-progress, and a file whose header was never patched.
    const store = new SqliteStore(join(dataDir, 'switchboard.db'));
    await store.migrate();
    const sid = newSid('RE');
    await store.saveRecording({
      sid, accountSid, callSid: newSid('CA'), status: 'in-progress', source: 'RecordVerb', channels: 1,
      startTime: Date.now(), duration: null, errorCode: null, dateCreated: Date.now(), dateUpdated: Date.now(),
    });
    await store.close();
    mkdirSync(join(dataDir, 'recordings', accountSid), { recursive: true });
    const samples = new Int16Array(12_000).fill(3000); // 1.5 s
    writeFileSync(join(dataDir, 'recordings', accountSid, `${sid}.wav`), Buffer.concat([Buffer.alloc(44), Buffer.from(samples.buffer)]));

    const second = await startHarness({ dataDir, accountSid, authToken });
    try {
      const recording = await second.client.recordings(sid).fetch();
      assert.equal(recording.status, 'completed');
      assert.equal(recording.duration, '2');
      const media = await fetch(`${second.server.url}/2010-04-01/Accounts/${accountSid}/Recordings/${sid}.wav`, {
        headers: { authorization: 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64') },
      });
      const pcm = decodeWav(new Uint8Array(await media.arrayBuffer()));
      assert.equal(pcm?.length, 12_000);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('recording media', () => {
  it('is the stored WAV, or an MP3 from the configured transcoder; none while recording; a missing ffmpeg is named', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-media-'));
    const store = new SqliteStore(join(root, 'switchboard.db'));
    await store.migrate();
    try {
      const asked: string[] = [];
      const transcoder: Transcoder = async (path, format) => {
        asked.push(`${format} ${path}`);
        return Buffer.from('an mp3');
      };
      const deps = { store, clock: new SystemClock(), outbox: { kick() {} }, root, publicUrl: () => 'http://127.0.0.1:1' };
      const recordings = new Recordings({ ...deps, transcoder });
      const recording: RecordingRecord = {
        sid: newSid('RE'), accountSid: newSid('AC'), callSid: newSid('CA'), status: 'completed', source: 'RecordVerb', channels: 1,
        startTime: Date.now(), duration: 1, errorCode: null, dateCreated: Date.now(), dateUpdated: Date.now(),
      };
      const path = recordings.path(recording.accountSid, recording.sid)!;
      mkdirSync(join(root, recording.accountSid));
      const wavBytes = Buffer.concat([Buffer.alloc(44), Buffer.alloc(16_000, 7)]);
      writeFileSync(path, wavBytes);

      const wav = await recordings.media(recording, 'wav');
      assert.equal(wav?.contentType, 'audio/x-wav');
      assert.equal(wav?.length, wavBytes.length);
      const chunks: Buffer[] = [];
      for await (const chunk of wav!.body) chunks.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(chunks), wavBytes);

      const mp3 = await recordings.media(recording, 'mp3');
      assert.equal(mp3?.contentType, 'audio/mpeg');
      assert.equal(mp3?.body.toString(), 'an mp3');
      assert.deepEqual(asked, [`mp3 ${path}`]);

      assert.equal(await recordings.media({ ...recording, status: 'in-progress' }, 'wav'), null);
      assert.equal(await recordings.media({ ...recording, sid: newSid('RE') }, 'wav'), null);

      const noFfmpeg = new Recordings({ ...deps, transcoder: ffmpegTranscoder('/nonexistent/ffmpeg') });
      await assert.rejects(noFfmpeg.media(recording, 'mp3'), /\/nonexistent\/ffmpeg/);
    } finally {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
