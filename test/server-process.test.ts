import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';
import { runSipp, sippFixture } from './peers/sipp.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { eventually } from './helpers/harness.js';
import { TwimlApp } from './helpers/twiml-app.js';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `switchboard serve` as a real process, as a user would, and waits for it to listen. */
async function serve(dataDir: string, env: Record<string, string> = {}, args: string[] = []): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir, ...args], {
    env: { ...process.env, SWITCHBOARD_ACCOUNT_SID: '', SWITCHBOARD_AUTH_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await eventually(() => /listening on (http:\/\/\S+)/.exec(output)?.[1], (u) => u !== undefined, 20_000);
  return { child, url: url!, output: () => output, exited };
}

describe('the switchboard serve process', () => {
  let dataDir: string;
  let app: TwimlApp;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-cli-'));
    app = await TwimlApp.start();
  });
  after(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates an account on first start, prints it once, keeps it, and exits 0 on SIGTERM', async () => {
    const dir = join(dataDir, 'generated');
    const first = await serve(dir);
    const printed = /SWITCHBOARD_ACCOUNT_SID=(AC[0-9a-f]{32})\s+SWITCHBOARD_AUTH_TOKEN=([0-9a-f]{32})/.exec(first.output());
    assert.ok(printed, first.output());
    assert.equal((await fetch(`${first.url}/health`)).status, 200);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const second = await serve(dir);
    assert.doesNotMatch(second.output(), /SWITCHBOARD_AUTH_TOKEN=/);
    const saved = JSON.parse(await readFile(join(dir, 'account.json'), 'utf8'));
    assert.deepEqual([saved.accountSid, saved.authToken], [printed[1], printed[2]]);
    const client = twilio(printed[1], printed[2]);
    client.api.baseUrl = second.url;
    assert.deepEqual(await client.calls.list(), []);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  it('serve --sip-port answers SIP calls on that port, and refuses a bad --rtp-ports', async () => {
    const sipPort = await freeUdpPort();
    const rtp = await freeUdpRange(20);
    const running = await serve(join(dataDir, 'sip'), {}, ['--sip-port', String(sipPort), '--rtp-ports', `${rtp.first}-${rtp.last}`]);
    await eventually(() => running.output(), (out) => out.includes(`SIP listening on udp 127.0.0.1:${sipPort}`), 10_000);
    const [, sid, token] = /SWITCHBOARD_ACCOUNT_SID=(AC[0-9a-f]{32})\s+SWITCHBOARD_AUTH_TOKEN=([0-9a-f]{32})/.exec(running.output())!;
    const client = twilio(sid, token);
    client.api.baseUrl = running.url;
    await client.incomingPhoneNumbers.create({ phoneNumber: '+15005550400', voiceUrl: `${app.url}/cli-sip` });
    app.route('/cli-sip', '<Response><Say loop="0">Hello over SIP</Say></Response>');
    const sipp = await runSipp({ scenario: sippFixture('uac-hangs-up'), target: `127.0.0.1:${sipPort}`, service: '15005550400', durationMs: 1000 });
    assert.equal(sipp.code, 0, sipp.errors);
    const [call] = await client.calls.list({ to: '+15005550400' });
    assert.equal(call.direction, 'inbound');
    await eventually(() => client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);

    const bad = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--sip-port', '0', '--rtp-ports', '20000-10000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let errors = '';
    bad.stderr!.on('data', (chunk) => (errors += chunk));
    assert.equal(await new Promise((resolve) => bad.on('exit', resolve)), 1);
    assert.match(errors, /--rtp-ports/);
  });

  it('after a crash, a queued callback is delivered and calls that were live are closed', async () => {
    const accountSid = 'AC' + randomBytes(16).toString('hex');
    const authToken = randomBytes(16).toString('hex');
    const env = { SWITCHBOARD_ACCOUNT_SID: accountSid, SWITCHBOARD_AUTH_TOKEN: authToken };
    const dir = join(dataDir, 'crash');
    let appUp = false;
    app.route('/status', () => (appUp ? { status: 204 } : { status: 503, body: 'down', type: 'text/plain' }));

    const first = await serve(dir, env, ['--time-scale', '0.05']);
    const client = twilio(accountSid, authToken);
    client.api.baseUrl = first.url;
    const short = await client.calls.create({ to: '+14155550100', from: '+15005550006', twiml: '<Response><Hangup/></Response>', statusCallback: `${app.url}/status` });
    const live = await client.calls.create({ to: '+14155550101', from: '+15005550006', twiml: '<Response><Pause length="3600"/></Response>', statusCallback: `${app.url}/status` });
    await app.waitFor('/status', (r) => r.params.CallSid === short.sid, 10_000);
    await eventually(() => client.calls(live.sid).fetch(), (c) => c.status === 'in-progress', 10_000);
    first.child.kill('SIGKILL');
    await first.exited;

    appUp = true;
    const second = await serve(dir, env);
    client.api.baseUrl = second.url;
    const delivered = await app.waitFor('/status', (r) => r.params.CallSid === short.sid && r.headers['x-twilio-signature'] !== undefined && appUp, 10_000);
    assert.equal(delivered.params.CallStatus, 'completed');
    assert.equal(delivered.params.SequenceNumber, '0');
    const closed = await client.calls(live.sid).fetch();
    assert.equal(closed.status, 'completed');
    assert.ok(closed.endTime instanceof Date);
    const [note] = await client.calls(live.sid).notifications.list();
    assert.match(note!.messageText, /closed on restart/);
    const closedCallback = await app.waitFor('/status', (r) => r.params.CallSid === live.sid, 10_000);
    assert.equal(closedCallback.params.CallStatus, 'completed');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
