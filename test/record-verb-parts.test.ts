import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../src/ports/manual-clock.js';
import { trimSilence, wavSamples } from '../src/recordings/wav-file.js';
import { SimRecording } from '../src/simnet/sim-recording.js';
import { sayDurationMs } from '../src/simnet/sim-timing.js';
import { parseTwiml } from '../src/twiml/parse-twiml.js';
import type { RecordVerb } from '../src/twiml/verbs.js';

const record = (attrs: string) => {
  const document = parseTwiml(`<Response><Record ${attrs}/></Response>`);
  return { verb: document.verbs[0] as RecordVerb, codes: document.warnings.map((w) => w.code) };
};
const samples = async (path: string) => {
  const bytes = await readFile(path);
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset + 44, bytes.byteOffset + bytes.length));
};

describe('<Record> parsing', () => {
  it('has Twilio’s defaults', () => {
    const { verb, codes } = record('');
    assert.deepEqual(verb, {
      kind: 'Record', action: null, method: 'POST', timeoutSec: 5, finishOnKey: '1234567890*#', maxLengthSec: 3600, playBeep: true,
      trim: true, recordingStatusCallback: null, recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvents: ['completed'],
      transcribe: false, transcribeCallback: null,
    });
    assert.deepEqual(codes, []);
  });

  it('reads every attribute, with several finishOnKey keys and timeout 0', () => {
    const { verb, codes } = record('action="/done" method="GET" timeout="0" finishOnKey="#*" maxLength="20" playBeep="false" trim="do-not-trim" '
      + 'recordingStatusCallback="/rs" recordingStatusCallbackMethod="GET" recordingStatusCallbackEvent="in-progress absent"');
    assert.deepEqual(codes, []);
    assert.equal(verb.timeoutSec, 0);
    assert.equal(verb.finishOnKey, '#*');
    assert.equal(verb.maxLengthSec, 20);
    assert.equal(verb.playBeep, false);
    assert.equal(verb.trim, false);
    assert.deepEqual(verb.recordingStatusCallbackEvents, ['in-progress', 'absent']);
  });

  it('bad values are warnings with Twilio’s codes and the defaults', () => {
    const { verb, codes } = record('method="PUT" timeout="x" finishOnKey="a" maxLength="-1" playBeep="maybe" trim="some" recordingStatusCallbackEvent="done" transcribe="yes"');
    assert.deepEqual(codes.sort(), [13610, 13611, 13612, 13613, 13614, 13616, 13621, 13699]);
    assert.equal(verb.transcribe, false, 'an invalid transcribe value is false');
    assert.equal(verb.timeoutSec, 5);
    assert.equal(verb.finishOnKey, '1234567890*#');
    assert.equal(verb.maxLengthSec, 3600);
    assert.equal(verb.trim, true);
    assert.equal(record('maxLength="99999"').verb.maxLengthSec, 14400);
  });

  it('transcribe="true" turns transcription on, and so does a non-empty transcribeCallback alone', () => {
    assert.equal(record('transcribe="true"').verb.transcribe, true);
    assert.deepEqual(record('transcribeCallback="/t"').verb, { ...record('').verb, transcribe: true, transcribeCallback: '/t' });
    assert.equal(record('transcribeCallback=" "').verb.transcribe, false, 'an empty transcribeCallback is no callback');
    assert.equal(record('transcribe="false" transcribeCallback="/t"').verb.transcribe, true, 'the callback wins, as on Twilio');
  });
});

describe('simulated recordings', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-sim-recording-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('without a Tts, speech is silence of its spoken length and holds off the silence timeout', async () => {
    const clock = new ManualClock();
    const path = join(dir, 'no-tts.wav');
    const recording = new SimRecording(clock, undefined, path, { maxLengthMs: 0, silenceTimeoutMs: 1000 });
    await clock.advance(500);
    recording.speak('Hello there');
    await clock.advance(500 + sayDurationMs('Hello there'));
    assert.equal(await Promise.race([recording.done, 'running']), 'running', 'the phone was talking, not silent');
    await clock.advance(500);
    assert.equal(await recording.done, 'silence');
    assert.equal(await recording.write(), 500 + sayDurationMs('Hello there') + 1000);
    const pcm = await samples(path);
    assert.equal(pcm.length, (500 + sayDurationMs('Hello there') + 1000) * 8);
    assert.ok(pcm.every((s) => s === 0));
  });

  it('keys are DTMF tones in the recording, and trimming keeps only them', async () => {
    const clock = new ManualClock();
    const path = join(dir, 'keys.wav');
    const recording = new SimRecording(clock, undefined, path, { maxLengthMs: 3000, silenceTimeoutMs: 0 });
    await clock.advance(1000);
    recording.press('5');
    await clock.advance(5000);
    assert.equal(await recording.done, 'max-length');
    assert.equal(await recording.write(), 3000);
    assert.equal(await wavSamples(path), 24000);
    const kept = await trimSilence(path);
    assert.ok(kept > 400 && kept <= 800, `one key sounds for under 100 ms, kept ${kept} samples`);
    assert.equal(await wavSamples(path), kept);
  });
});
