import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readWavInfo } from '../src/audio/wav.js';
import { EspeakTts } from '../src/audio/espeak-tts.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

/**
 * `<Dial record>` (dial.md §7) on the simulated network: one Recording of the bridge on the
 * parent, mono or a real two-channel WAV, reported in the action and its status callback.
 */
describe('<Dial record>', () => {
  let h: Harness;
  let line = 0;
  const number = () => `+1415558${String(1000 + ++line).padStart(4, '0')}`;

  before(async () => {
    h = await startHarness({ tts: new EspeakTts() });
    h.app.route('/rec-after', '<Response><Hangup/></Response>').route('/rec-status', '<Response/>');
  });
  after(() => h.close());

  for (const [record, channels] of [['record-from-answer-dual', 2], ['record-from-answer', 1]] as const) {
    it(`${record} makes a ${channels}-channel Recording of both sides, on the parent, with source DialVerb`, async () => {
      const to = number();
      const path = `/rec-${line}`;
      h.app.route(path, `<Response><Dial record="${record}" action="/rec-after" recordingStatusCallback="/rec-status">${to}</Dial></Response>`);
      const parent = await h.client.calls.create({ to: number(), from: '+15005550006', url: `${h.app.url}${path}` });
      const [child] = await eventually(() => h.client.calls.list({ parentCallSid: parent.sid }), (list) => list.length === 1);
      await eventually(() => h.client.calls(child.sid).fetch(), (c) => c.status === 'in-progress');
      await eventually(() => h.sim('GET', `/sim/v1/calls/${parent.sid}`), (r) => r.body.heard.some((e: any) => e.kind === 'ringback' && e.ms !== undefined));
      await h.sim('POST', `/sim/v1/calls/${parent.sid}/speech`, { text: 'Hello from the caller' });
      await h.sim('POST', `/sim/v1/calls/${child.sid}/speech`, { text: 'Hello from the called party' });
      await new Promise((r) => setTimeout(r, 100));
      await h.sim('POST', `/sim/v1/calls/${child.sid}/hangup`);

      const action = await h.app.waitFor('/rec-after', (r) => r.params.CallSid === parent.sid, 10_000);
      assert.ok(action.params.RecordingUrl && action.params.RecordingSid, 'the action carries the recording');
      const status = await h.app.waitFor('/rec-status', (r) => r.params.RecordingSid === action.params.RecordingSid, 10_000);
      assert.equal(status.params.RecordingSource, 'DialVerb');
      assert.equal(status.params.RecordingChannels, String(channels));
      assert.equal(status.params.CallSid, parent.sid);

      const recording = await h.client.recordings(action.params.RecordingSid).fetch();
      assert.equal(recording.callSid, parent.sid);
      assert.equal(recording.source, 'DialVerb');
      assert.equal(recording.channels, channels);
      assert.ok(Number(recording.duration) >= 1);
      const wav = new Uint8Array(await (await fetch(`${action.params.RecordingUrl}.wav`, {
        headers: { authorization: 'Basic ' + Buffer.from(`${h.server.accountSid}:${h.server.authToken}`).toString('base64') },
      })).arrayBuffer());
      const info = readWavInfo(wav)!;
      assert.equal(info.channels, channels);
      assert.equal(info.sampleRate, 8000);
      if (channels === 2) {
        // Each side's words land in its own channel: caller in 1, called party in 2.
        const samples = new Int16Array(wav.buffer.slice(info.dataOffset, info.dataOffset + info.dataBytes));
        let left = 0;
        let right = 0;
        for (let i = 0; i + 1 < samples.length; i += 2) {
          left += Math.abs(samples[i]!);
          right += Math.abs(samples[i + 1]!);
        }
        assert.ok(left > 0 && right > 0, 'both channels hold sound');
      }
    });
  }

  it('Record=true on a call that dials records the called party too', async () => {
    const to = number();
    h.app.route('/rec-whole', `<Response><Dial>${to}</Dial></Response>`).route('/whole-status', '<Response/>');
    const parent = await h.client.calls.create({
      to: number(), from: '+15005550006', url: `${h.app.url}/rec-whole`, record: true, recordingStatusCallback: `${h.app.url}/whole-status`,
    });
    const [child] = await eventually(() => h.client.calls.list({ parentCallSid: parent.sid }), (list) => list.length === 1);
    await eventually(() => h.sim('GET', `/sim/v1/calls/${parent.sid}`), (r) => r.body.heard.some((e: any) => e.kind === 'ringback' && e.ms !== undefined));
    // Only the called party speaks: without its side the recording would hold silence only.
    await h.sim('POST', `/sim/v1/calls/${child.sid}/speech`, { text: 'This is the called party speaking for a while' });
    await new Promise((r) => setTimeout(r, 100));
    await h.client.calls(parent.sid).update({ status: 'completed' });
    const status = await h.app.waitFor('/whole-status', (r) => r.params.CallSid === parent.sid, 10_000);
    assert.equal(status.params.RecordingStatus, 'completed');
    assert.ok(Number(status.params.RecordingDuration) >= 1);
  });
});
