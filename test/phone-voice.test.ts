import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import twilio from 'twilio';
import { SILENCE_THRESHOLD } from '../src/recordings/wav-file.js';
import { SpeechShapedTts } from '../src/simnet/phone-voice.js';
import { sayDurationMs } from '../src/simnet/sim-timing.js';
import { eventually, startHarness } from './helpers/harness.js';
import { TwimlApp } from './helpers/twiml-app.js';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;
const WORDS = 'Hello, this is Ada, please call me back about the invoice';
const RECORD = '<Response><Record action="/recorded" timeout="1" trim="trim-silence"/></Response>';

describe("a simulated caller's words are sound, not silence", () => {
  let app: TwimlApp;
  let dataDir: string;
  before(async () => {
    app = await TwimlApp.start();
    app.route('/voicemail', RECORD).route('/recorded', '<Response><Hangup/></Response>');
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-voice-'));
  });
  after(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Leaves a voicemail on `server`: waits for the beep, speaks WORDS, returns the Record action's parameters. */
  async function leaveVoicemail(server: { url: string; accountSid: string; authToken: string }) {
    const client = twilio(server.accountSid, server.authToken);
    client.api.baseUrl = server.url;
    const authorization = 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64');
    const call = await client.calls.create({ to: '+15558675309', from: '+15005550006', url: `${app.url}/voicemail` });
    const heard = () => fetch(`${server.url}/sim/v1/calls/${call.sid}`, { headers: { authorization } }).then((r) => r.json() as Promise<{ heard: { kind: string }[] }>);
    await eventually(heard, (log) => log.heard.some((e) => e.kind === 'beep'), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 600)); // the 0.5 s beep is over: all the words are recorded
    const spoken = await fetch(`${server.url}/sim/v1/calls/${call.sid}/speech`, {
      method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ text: WORDS }),
    });
    assert.equal(spoken.status, 200);
    const action = await app.waitFor('/recorded', (r) => r.params.CallSid === call.sid, 20_000);
    const wav = Buffer.from(await (await fetch(`${action.params.RecordingUrl}.wav`, { headers: { authorization } })).arrayBuffer());
    return { params: action.params, samples: new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length)) };
  }

  it('under plain `switchboard serve`, espeak-ng speaks them: the voicemail is recorded, trimmed to the words and posted', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', join(dataDir, 'serve')], {
      env: { ...process.env, SWITCHBOARD_ACCOUNT_SID: '', SWITCHBOARD_AUTH_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const url = (await eventually(() => /listening on (http:\/\/\S+)/.exec(output)?.[1], (u) => u !== undefined, 20_000))!;
      const [, accountSid, authToken] = /SWITCHBOARD_ACCOUNT_SID=(AC[0-9a-f]{32})\s+SWITCHBOARD_AUTH_TOKEN=([0-9a-f]{32})/.exec(output)!;
      const { params, samples } = await leaveVoicemail({ url, accountSid, authToken });
      assert.doesNotMatch(output, /speech-shaped/, 'espeak-ng is installed by the project setup: no fallback notice');
      const seconds = samples.length / 8000;
      assert.ok(seconds > 2 && seconds < 8, `espeak-ng takes a few seconds to say the words; the trimmed file holds ${seconds} s`);
      assert.equal(params.RecordingDuration, String(Math.round(seconds)));
      assert.ok(samples.some((s) => Math.abs(s) > 4 * SILENCE_THRESHOLD), 'the file holds speech');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('without espeak-ng, the phones speak a speech-shaped signal of the words\' length, with a startup warning', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const h = await startHarness({ logger, timeScale: 1, audioTools: { espeak: '/nonexistent/espeak-ng' } });
    try {
      assert.ok(lines.some((line) => /speech-shaped signal/.test(line) && /espeak/.test(line)), lines.join('\n'));
      const { params, samples } = await leaveVoicemail(h.server);
      const expectedMs = sayDurationMs(WORDS);
      assert.ok(Math.abs(samples.length / 8 - expectedMs) <= 20, `trimmed to the words' ${expectedMs} ms, got ${samples.length / 8} ms`);
      assert.equal(params.RecordingDuration, String(Math.round(expectedMs / 1000)));
    } finally {
      await h.close();
    }
  });

  it('the speech-shaped signal is as long as the words take to say, loud enough to be sound, and the same every time', async () => {
    const tts = new SpeechShapedTts();
    const pcm = await tts.render(WORDS);
    assert.equal(pcm.length, (sayDurationMs(WORDS) * 8000) / 1000);
    assert.ok(pcm.some((s) => Math.abs(s) > 8 * SILENCE_THRESHOLD));
    assert.deepEqual(await tts.render(WORDS), pcm);
    assert.equal((await tts.render('   ')).length, 0);
  });
});
