import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { EspeakTts } from '../src/audio/espeak-tts.js';
import { correlate, readWav8k, tonePower } from './peers/audio-compare.js';
import { withBaresips, type BaresipHandle } from './peers/baresip.js';
import { writeWav8k } from './peers/pcap.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';

/**
 * Conference audio on SIP with real softphones (issue 8 point 3, "Real peers"): three baresip
 * phones call in and `<Dial><Conference>` into one room; each sends its own tone (its aufile)
 * and records what it hears (sndfile). Goertzel on each recording, per phase of the call:
 * all open, one muted, one on hold with a hold document of its own tone.
 */
const TONES = [500, 900, 1300];
const HOLD_TONE = 2000;
const USERS = ['alice', 'bob', 'carol'];
const PHASE_MS = 3000;
/** Phase edges are wall-clock times against each phone's recording start: keep clear of them. */
const MARGIN_MS = 700;

function tone(hz: number, seconds: number, amplitude = 6000): Int16Array {
  return Int16Array.from({ length: seconds * 8000 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)));
}

describe('a conference of three baresip phones', { timeout: 120_000 }, () => {
  const NUMBER = '+15005550300';
  let h: Harness;
  let target: string;
  let dir: string;
  const tts = new EspeakTts();

  before(async () => {
    const rtp = await freeUdpRange(100);
    h = await startHarness({ timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0 } });
    target = `${h.server.sip!.host}:${h.server.sip!.port}`;
    await h.client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, voiceUrl: `${h.app.url}/voice` });
    dir = await mkdtemp(join(tmpdir(), 'conference-baresip-'));
    for (const [i, hz] of TONES.entries()) writeWav8k(join(dir, `tone-${i}.wav`), tone(hz, 40));
    writeWav8k(join(dir, 'hold.wav'), tone(HOLD_TONE, 20));
    for (const [i, hz] of TONES.entries()) writeWav8k(join(dir, `quiet-${i}.wav`), tone(hz, 40, 800));
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('each phone hears the other two and not itself; a muted phone is not heard; the hold document reaches only the held phone', async () => {
    const hold = readFileSync(join(dir, 'hold.wav'));
    h.app.route('/voice', '<Response><Dial><Conference beep="false" waitUrl="" startConferenceOnEnter="true">mixroom</Conference></Dial></Response>');
    h.app.route('/hold.wav', () => ({ body: hold, type: 'audio/wav' }));
    h.app.route('/hold', `<Response><Play>${h.app.url}/hold.wav</Play></Response>`);
    await withBaresips(
      USERS.map((user, i) => ({ user, audioSource: join(dir, `tone-${i}.wav`) })),
      async (phones) => {
        const established: number[] = [];
        const sids: string[] = [];
        const started = Date.now();
        for (const [i, phone] of phones.entries()) {
          await phone.dial(`sip:${NUMBER}@${target}`);
          await phone.waitForEvent('CALL_ESTABLISHED', 15_000);
          established[i] = Date.now();
          sids[i] = (await h.app.waitFor('/voice', (r) => r.at >= started && String(r.params.From).includes(USERS[i]))).params.CallSid;
        }
        const conference = await eventually(
          async () => {
            const [room] = await h.client.conferences.list({ friendlyName: 'mixroom', status: 'in-progress' });
            return { sid: room?.sid ?? '', participants: room ? (await h.client.conferences(room.sid).participants.list()).length : 0 };
          },
          (room) => room.participants === 3,
          10_000,
        );
        const phase = async () => {
          const start = Date.now();
          await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
          return { start, end: Date.now() };
        };
        const open = await phase();
        await h.client.conferences(conference.sid).participants(sids[2]).update({ muted: true });
        const muted = await phase();
        await h.client.conferences(conference.sid).participants(sids[2]).update({ muted: false });
        await h.client.conferences(conference.sid).participants(sids[1]).update({ hold: true, holdUrl: `${h.app.url}/hold`, holdMethod: 'GET' });
        const held = await phase();
        for (const phone of phones) await phone.hangup();
        await Promise.all(phones.map((phone) => phone.waitForEvent('CALL_CLOSED', 15_000)));

        const heard = (i: number, p: { start: number; end: number }) => slice(phones[i], established[i], p);
        const loud = (pcm: Int16Array, hz: number) => tonePower(pcm, hz) > 1e6;
        const absent = (pcm: Int16Array, hz: number, than: number) => tonePower(pcm, hz) * 1e3 < tonePower(pcm, than);
        if (process.env.MIX_DEBUG) {
          for (const [name, p] of Object.entries({ open, muted, held })) {
            for (let i = 0; i < 3; i++) console.error(name, i, [...TONES, HOLD_TONE].map((hz) => tonePower(heard(i, p), hz).toExponential(1)).join(' '));
          }
        }
        for (let i = 0; i < 3; i++) {
          const pcm = heard(i, open);
          const others = [0, 1, 2].filter((j) => j !== i);
          for (const j of others) assert.ok(loud(pcm, TONES[j]), `phone ${i} hears phone ${j} (${tonePower(pcm, TONES[j]).toExponential(1)})`);
          assert.ok(absent(pcm, TONES[i], TONES[others[0]]), `phone ${i} does not hear itself`);
        }
        for (const i of [0, 1]) {
          const pcm = heard(i, muted);
          assert.ok(absent(pcm, TONES[2], TONES[1 - i]), `phone ${i} does not hear the muted phone 2`);
          assert.ok(loud(pcm, TONES[1 - i]), `phone ${i} still hears phone ${1 - i}`);
        }
        assert.ok(loud(heard(2, muted), TONES[0]), 'the muted phone still hears the room');
        const onHold = heard(1, held);
        assert.ok(loud(onHold, HOLD_TONE), 'the held phone hears its hold document');
        assert.ok(absent(onHold, TONES[0], HOLD_TONE) && absent(onHold, TONES[2], HOLD_TONE), 'and not the room');
        for (const i of [0, 2]) {
          const pcm = heard(i, held);
          assert.ok(absent(pcm, HOLD_TONE, TONES[2 - i]), `phone ${i} does not hear the hold document`);
          assert.ok(absent(pcm, TONES[1], TONES[2 - i]), `phone ${i} does not hear the held phone`);
        }
      },
    );
  });

  it('in a room of two baresip phones and a simulated phone, the SIP phones hear its words in the mix and it hears both of them', async () => {
    const text = 'This is the simulated phone speaking in the conference.';
    h.app.route('/voice', '<Response><Dial><Conference beep="false" waitUrl="">mixedroom</Conference></Dial></Response>');
    await withBaresips(
      [0, 1].map((i) => ({ user: USERS[i], audioSource: join(dir, `quiet-${i}.wav`) })),
      async (phones) => {
        const sids: string[] = [];
        const started = Date.now();
        for (const [i, phone] of phones.entries()) {
          await phone.dial(`sip:${NUMBER}@${target}`);
          await phone.waitForEvent('CALL_ESTABLISHED', 15_000);
          sids[i] = (await h.app.waitFor('/voice', (r) => r.at >= started && String(r.params.From).includes(USERS[i]))).params.CallSid;
        }
        const simulated = await h.sim('POST', '/sim/v1/calls', { from: '+15005550999', to: NUMBER });
        assert.ok(simulated.status < 300, JSON.stringify(simulated.body));
        const simSid = simulated.body.callSid as string;
        await eventually(
          async () => {
            const [room] = await h.client.conferences.list({ friendlyName: 'mixedroom', status: 'in-progress' });
            return room ? (await h.client.conferences(room.sid).participants.list()).length : 0;
          },
          (n) => n === 3,
          10_000,
        );
        await h.sim('POST', `/sim/v1/calls/${simSid}/speech`, { text });
        await new Promise((resolve) => setTimeout(resolve, 5000));
        const heard = (await h.sim('GET', `/sim/v1/calls/${simSid}`)).body.heard as { kind: string; ms?: number; fromCallSid?: string }[];
        for (const phone of phones) await phone.hangup();
        await Promise.all(phones.map((phone) => phone.waitForEvent('CALL_CLOSED', 15_000)));

        for (const sid of sids) {
          const ms = heard.filter((e) => e.kind === 'audio' && e.fromCallSid === sid).reduce((n, e) => n + (e.ms ?? 0), 0);
          assert.ok(ms > 2000, `the simulated phone heard ${sid} for ${ms} ms`);
        }
        const speech = await tts.render(text, { voice: 'man', language: 'en-US' });
        for (const [i, phone] of phones.entries()) {
          const recording = readWav8k(phone.recordings()[0].dec);
          const match = correlate(speech, recording);
          assert.ok(match.corr > 0.8, `phone ${i} heard the simulated phone's words: ${match.corr.toFixed(3)}`);
          assert.ok(tonePower(recording, TONES[1 - i]) > 100 * tonePower(recording, TONES[i]), `phone ${i} hears the other SIP phone, not itself`);
        }
      },
    );
  });
});

/** The part of a phone's recording of what it heard during `p`, inside the margins. */
function slice(phone: BaresipHandle, recordingStart: number, p: { start: number; end: number }): Int16Array {
  const pcm = readWav8k(phone.recordings()[0].dec);
  const from = Math.max(0, (p.start + MARGIN_MS - recordingStart) * 8);
  const to = Math.min(pcm.length, (p.end - MARGIN_MS - recordingStart) * 8);
  assert.ok(to - from > 8000, `the recording covers the phase (${pcm.length / 8000} s long)`);
  return pcm.subarray(from, to);
}
