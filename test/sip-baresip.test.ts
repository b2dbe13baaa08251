import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AudioLoader } from '../src/audio/audio-loader.js';
import { EspeakTts } from '../src/audio/espeak-tts.js';
import { decodeWav } from '../src/audio/wav.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { accountPath, basicAuth } from './helpers/rest.js';
import { correlate, readWav8k } from './peers/audio-compare.js';
import { withBaresip } from './peers/baresip.js';
import { espeakWavFixture } from './peers/pcap.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';

/**
 * The SIP edge against baresip (Debian baresip-core), a real softphone: it calls in and is
 * called, records what it hears, plays a WAV of speech and sends RFC 4733 digits. The audio
 * checks correlate baresip's recording with Switchboard's own TTS of the `<Say>` text, so
 * they prove it was *our* audio, in order, not just some sound.
 */
describe('SIP calls with baresip', () => {
  const NUMBER = '+15005550200';
  const voice = { voice: 'man', language: 'en-US' };
  const tts = new EspeakTts();
  let h: Harness;
  let target: string;
  let dir: string;

  before(async () => {
    const rtp = await freeUdpRange(100);
    h = await startHarness({ timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0 } });
    target = `${h.server.sip!.host}:${h.server.sip!.port}`;
    await h.client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, voiceUrl: `${h.app.url}/voice` });
    dir = await mkdtemp(join(tmpdir(), 'baresip-audio-'));
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a caller hears the <Say> text: baresip\'s recording correlates with the TTS of it', async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    h.app.route('/voice', `<Response><Say voice="man" language="en-US">${text}</Say><Pause length="1"/><Hangup/></Response>`);
    await withBaresip({}, async (b) => {
      await b.dial(`sip:${NUMBER}@${target}`);
      await b.waitForEvent('CALL_ESTABLISHED', 15_000);
      await b.waitForEvent('CALL_CLOSED', 30_000);
      const heard = readWav8k(b.recordings()[0].dec);
      const match = correlate(await tts.render(text, voice), heard);
      assert.ok(match.corr > 0.9, `correlation ${match.corr.toFixed(3)} at ${match.offsetMs} ms`);
      assert.ok(match.rmsAfter < match.rmsInside / 10, 'silence after the prompt');
    });
    const voiceHook = await h.app.waitFor('/voice');
    assert.equal(voiceHook.params.Direction, 'inbound');
    assert.equal(voiceHook.params.To, NUMBER);
  });

  it('update({url}) mid-prompt switches what the caller hears to the new document', async () => {
    const first = 'This first announcement is long and keeps going on and on for quite a while.';
    const second = 'Now you hear the second document.';
    h.app.route('/voice', `<Response><Say voice="man" language="en-US" loop="5">${first}</Say></Response>`);
    h.app.route('/second', `<Response><Say voice="man" language="en-US">${second}</Say><Pause length="1"/><Hangup/></Response>`);
    await withBaresip({}, async (b) => {
      const dialled = Date.now();
      await b.dial(`sip:${NUMBER}@${target}`);
      await b.waitForEvent('CALL_ESTABLISHED', 15_000);
      const established = Date.now();
      const hook = await h.app.waitFor('/voice', (r) => r.at >= dialled);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const updated = Date.now();
      await h.client.calls(hook.params.CallSid).update({ url: `${h.app.url}/second`, method: 'POST' });
      await b.waitForEvent('CALL_CLOSED', 30_000);
      const heard = readWav8k(b.recordings().at(-1)!.dec);
      const secondMatch = correlate(await tts.render(second, voice), heard);
      assert.ok(secondMatch.corr > 0.9, `second prompt correlation ${secondMatch.corr.toFixed(3)}`);
      // The second prompt starts after the update (baresip's recording starts near the answer).
      assert.ok(secondMatch.offsetMs > updated - established - 1000, `second prompt at ${secondMatch.offsetMs} ms`);
      // The first prompt was cut: its full rendering does not fit before the second one.
      const firstPcm = await tts.render(first, voice);
      const firstStart = correlate(firstPcm.subarray(0, 8000), heard);
      assert.ok(firstStart.corr > 0.9 && firstStart.offsetMs < secondMatch.offsetMs, 'the first prompt was heard before the update');
      assert.ok(firstStart.offsetMs + firstPcm.length / 8 > secondMatch.offsetMs + 500, 'the first prompt was cut, not finished');
    });
  });

  it('an outbound call to baresip collects the digits it sends as RFC 4733 events', async () => {
    h.app.route('/gather', '<Response><Gather numDigits="2" timeout="10" action="/keys"><Say>Press two keys</Say></Gather></Response>');
    h.app.route('/keys', '<Response><Hangup/></Response>');
    await withBaresip({}, async (b) => {
      const call = await h.client.calls.create({ to: b.uri, from: '+15005550006', url: `${h.app.url}/gather` });
      await b.waitForEvent('CALL_ESTABLISHED', 15_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await b.sendDigit('4');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await b.sendDigit('2');
      const keys = await h.app.waitFor('/keys', (r) => r.params.CallSid === call.sid, 15_000);
      assert.equal(keys.params.Digits, '42');
      await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed', 10_000);
    });
  });

  it('<Record> on a SIP call keeps what the phone said, served as WAV through the Recordings API', async () => {
    const spoken = join(dir, 'spoken.wav');
    const source = await espeakWavFixture(spoken, 'Please record this sentence for the test.', { padToMs: 20_000 });
    h.app.route('/record', '<Response><Record maxLength="6" timeout="0" playBeep="false" action="/recorded"/></Response>');
    h.app.route('/recorded', '<Response><Hangup/></Response>');
    await withBaresip({ audioSource: spoken }, async (b) => {
      const call = await h.client.calls.create({ to: b.uri, from: '+15005550006', url: `${h.app.url}/record` });
      const recorded = await h.app.waitFor('/recorded', (r) => r.params.CallSid === call.sid, 20_000);
      const [recording] = await h.client.calls(call.sid).recordings.list();
      assert.equal(recording.sid, recorded.params.RecordingSid);
      const media = await fetch(`${h.server.url}${accountPath(h)}/Recordings/${recording.sid}.wav`, { headers: { authorization: basicAuth(h) } });
      assert.equal(media.status, 200);
      const pcm = decodeWav(new Uint8Array(await media.arrayBuffer()));
      assert.ok(pcm, 'a PCM WAV');
      const speech = source.subarray(0, 8000 * 3);
      const match = correlate(speech, pcm!);
      assert.ok(match.corr > 0.8, `recording correlates with what baresip sent: ${match.corr.toFixed(3)}`);
    });
  });

  it('hold and resume by re-INVITE keep the call up, and keys still reach a Gather afterwards', async () => {
    h.app.route('/hold', '<Response><Pause length="3"/><Gather numDigits="1" timeout="10" action="/after-hold"/></Response>');
    h.app.route('/after-hold', '<Response><Hangup/></Response>');
    await withBaresip({}, async (b) => {
      const call = await h.client.calls.create({ to: b.uri, from: '+15005550006', url: `${h.app.url}/hold` });
      await b.waitForEvent('CALL_ESTABLISHED', 15_000);
      await b.command('hold');
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal((await h.client.calls(call.sid).fetch()).status, 'in-progress');
      await b.command('resume');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await b.sendDigit('9');
      const after = await h.app.waitFor('/after-hold', (r) => r.params.CallSid === call.sid, 15_000);
      assert.equal(after.params.Digits, '9');
    });
  });

  it('<Play> of an MP3 reaches the caller, and Record=true keeps the whole call', async () => {
    const wavPath = join(dir, 'music.wav');
    const mp3Path = join(dir, 'music.mp3');
    await espeakWavFixture(wavPath, 'This sentence was an MP3 file on a web server.');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', wavPath, '-ar', '22050', mp3Path]);
    h.app.route('/music.mp3', () => ({ body: readFileSync(mp3Path), type: 'audio/mpeg' }));
    h.app.route('/play', `<Response><Play>${h.app.url}/music.mp3</Play><Hangup/></Response>`);
    // What Switchboard sends is its own decode of the MP3 (ffmpeg, 8 kHz): the reference.
    const sent = await new AudioLoader().load(`${h.app.url}/music.mp3`);
    await withBaresip({}, async (b) => {
      const call = await h.client.calls.create({ to: b.uri, from: '+15005550006', url: `${h.app.url}/play`, record: true });
      await b.waitForEvent('CALL_CLOSED', 30_000);
      const heard = correlate(sent, readWav8k(b.recordings().at(-1)!.dec));
      assert.ok(heard.corr > 0.9, `baresip heard the MP3: ${heard.corr.toFixed(3)}`);
      const [recording] = await eventually(() => h.client.calls(call.sid).recordings.list(), (list) => list.length === 1 && list[0].status === 'completed', 10_000);
      assert.equal(recording.source, 'OutboundAPI');
      const media = await fetch(`${h.server.url}${accountPath(h)}/Recordings/${recording.sid}.wav`, { headers: { authorization: basicAuth(h) } });
      const pcm = decodeWav(new Uint8Array(await media.arrayBuffer()))!;
      const kept = correlate(sent, pcm);
      assert.ok(kept.corr > 0.8, `the call recording holds what we played: ${kept.corr.toFixed(3)}`);
    });
  });
});
