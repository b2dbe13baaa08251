import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from './helpers/harness.js';
import { withBaresip } from './peers/baresip.js';
import { espeakWavFixture } from './peers/pcap.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';

const words = (text: string) => new Set(text.toLowerCase().match(/[a-z']+/g) ?? []);

/**
 * A SIP caller's voicemail transcribed by the offline recognizer (pocketsphinx, Debian): baresip
 * sends an espeak-ng sentence over RTP into `<Record transcribe>`. The words of synthetic speech
 * at 8 kHz are recognized poorly (README, "Transcription"), so the check is that recognition
 * really ran on the audio and found some of the sentence's words, not that it is exact.
 */
describe('transcription of a SIP recording with pocketsphinx', () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    const rtp = await freeUdpRange(40);
    h = await startHarness({ timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0 } });
    dir = await mkdtemp(join(tmpdir(), 'transcribe-sip-'));
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the transcribe callback carries words that overlap the sentence the phone spoke', async () => {
    const sentence = 'Hi, are you there? I will call you back later.';
    const spoken = join(dir, 'spoken.wav');
    await espeakWavFixture(spoken, sentence, { padToMs: 20_000 });
    h.app.route('/record', '<Response><Record maxLength="6" timeout="0" playBeep="false" transcribeCallback="/transcribed" action="/recorded"/></Response>');
    h.app.route('/recorded', '<Response><Hangup/></Response>');
    h.app.route('/transcribed', '<Response/>');
    await withBaresip({ audioSource: spoken }, async (b) => {
      const call = await h.client.calls.create({ to: b.uri, from: '+15005550006', url: `${h.app.url}/record` });
      const callback = await h.app.waitFor('/transcribed', (r) => r.params.CallSid === call.sid, 60_000);
      assert.equal(callback.params.TranscriptionStatus, 'completed');
      const heard = words(callback.params.TranscriptionText ?? '');
      const overlap = [...words(sentence)].filter((w) => heard.has(w));
      assert.ok(overlap.length > 0, `recognized "${callback.params.TranscriptionText}" shares no word with "${sentence}"`);
      const fetched = await h.client.transcriptions(callback.params.TranscriptionSid!).fetch();
      assert.equal(fetched.transcriptionText, callback.params.TranscriptionText);
    });
  });
});
