import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { eventually } from './helpers/harness.js';
import { TwimlApp } from './helpers/twiml-app.js';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

/** `switchboard serve --log-level <level>` as a process whose stdout is a pipe (so JSON lines). */
async function serve(dataDir: string, level: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--time-scale', '0.01', '--log-level', level], {
    env: { ...process.env, SWITCHBOARD_ACCOUNT_SID: '', SWITCHBOARD_AUTH_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = (await eventually(() => /listening on (http:\/\/\S+)/.exec(output)?.[1], (u) => u !== undefined, 20_000))!;
  const [, sid, token] = /SWITCHBOARD_ACCOUNT_SID=(AC[0-9a-f]{32})\s+SWITCHBOARD_AUTH_TOKEN=([0-9a-f]{32})/.exec(output)!;
  const client = twilio(sid, token);
  client.api.baseUrl = url;
  const lines = () => output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  const stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { client, lines, stop };
}

describe('server logs', () => {
  let app: TwimlApp;
  let dir: string;
  before(async () => {
    app = await TwimlApp.start();
    app.route('/voice', '<Response><Say>Hello</Say><Hangup/></Response>');
    dir = await mkdtemp(join(tmpdir(), 'switchboard-logs-'));
  });
  after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--log-level debug writes JSON lines, and every line about a call carries its callSid', async () => {
    const server = await serve(join(dir, 'debug'), 'debug');
    try {
      const call = await server.client.calls.create({ to: '+14155550170', from: '+15005550006', url: `${app.url}/voice` });
      await eventually(() => server.lines(), (lines) => lines.some((l) => l.callSid === call.sid && l.to === 'completed'));
      const callLines = server.lines().filter((l) => l.component === 'calls');
      assert.ok(callLines.length >= 6, `status, TwiML and verb lines, got ${callLines.length}`);
      for (const line of callLines) assert.match(String(line.callSid), /^CA[0-9a-f]{32}$/, JSON.stringify(line));
      const mine = callLines.filter((l) => l.callSid === call.sid).map((l) => l.msg);
      for (const msg of ['call in-progress', 'TwiML requested', 'verb started', 'call completed']) assert.ok(mine.includes(msg), `${msg} in ${mine.join(', ')}`);
      assert.ok(server.lines().some((l) => l.level === 20), 'debug lines are written');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('--log-level warn hides info and debug lines', async () => {
    const server = await serve(join(dir, 'warn'), 'warn');
    try {
      const call = await server.client.calls.create({ to: '+14155550171', from: '+15005550006', url: `${app.url}/voice` });
      await eventually(() => server.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
      assert.deepEqual(server.lines().filter((l) => Number(l.level) < 40), []);
    } finally {
      await server.stop();
    }
  });

  it('refuses an unknown --log-level', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--log-level', 'loud'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (chunk) => (err += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.notEqual(code, 0);
    assert.match(err, /must be one of fatal, error, warn, info, debug/);
  });
});
