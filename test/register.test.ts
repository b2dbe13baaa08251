/**
 * `switchboard/register` and `switchboard exec`: unmodified Twilio apps and tools, each the real
 * package from npm (the `twilio-v340`/`-v3`/`-v4`/`-v5` aliases are the real `twilio` 3.40.0, 3.x, 4.x, 5.x),
 * run as child processes against the package as it ships (built into a temp dir), and reach the
 * Switchboard of the test instead of Twilio.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildPackage, projectWith, REPO_NODE_MODULES } from './helpers/built-package.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

interface Ran { code: number | null; stdout: string; stderr: string }

/** The test's environment without anything that would steer a child elsewhere. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(NODE_OPTIONS|SWITCHBOARD_.*|TWILIO_.*|https?_proxy|no_proxy)$/i.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lastJsonLine(ran: Ran): any {
  assert.equal(ran.code, 0, `exit ${ran.code}\n${ran.stdout}\n${ran.stderr}`);
  const line = ran.stdout.trim().split('\n').at(-1)!;
  return JSON.parse(line);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An app as Twilio's quickstarts write it: a client from the environment, a call, a fetch, a product Switchboard does not serve. */
const SDK_APP = `
const twilio = require(process.argv[2]);
const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
(async () => {
  const created = await client.calls.create({ to: '+14155550100', from: '+15005550006', url: process.argv[3] });
  const fetched = await client.calls(created.sid).fetch();
  let unknownHost;
  try { await client.verify.v2.services.list(); } catch (e) { unknownHost = { status: e.status, code: e.code, message: e.message }; }
  console.log(JSON.stringify({ sid: created.sid, to: fetched.to, accountSid: fetched.accountSid, unknownHost }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** An ES module app holding some other account's credentials, on an edge and region. */
const ESM_APP = `
import twilio from 'twilio';
const client = twilio('AC${'f'.repeat(32)}', '${'0'.repeat(32)}', { edge: 'sydney', region: 'au1' });
const call = await client.calls.create({ to: '+14155550101', from: '+15005550006', url: process.argv[2] });
const listed = await client.calls.list({ to: '+14155550101' });
const fetched = await (await fetch('https://api.twilio.com' + call.uri)).json();
const studio = await fetch('https://studio.twilio.com/v2/Flows');
const elsewhere = await fetch(process.argv[2]);
console.log(JSON.stringify({
  sid: call.sid, accountSid: call.accountSid, listed: listed.map((c) => c.sid),
  fetched: fetched.sid, studio: [studio.status, (await studio.json()).code], elsewhere: elsewhere.status,
}));
`;

/** A CommonJS app that also talks to a non-Twilio host, which must be left alone. */
const CJS_APP = `
const http = require('node:http');
const client = require('twilio-v5')(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
http.get(process.argv[2] + '/ping', (res) => {
  res.resume();
  client.calls.create({ to: '+14155550102', from: '+15005550006', twiml: '<Response><Say>Hi</Say></Response>' })
    .then((call) => console.log(JSON.stringify({ ping: res.statusCode, sid: call.sid })), (e) => { console.error(e); process.exit(1); });
});
`;

/** An Express voice app as Twilio's quickstart writes it: signed webhooks checked by twilio.webhook(). */
const EXPRESS_APP = `
const express = require('express');
const twilio = require('twilio');
const app = express();
app.use(express.urlencoded({ extended: false }));
app.post('/voice', twilio.webhook(), (req, res) => {
  const response = new twilio.twiml.VoiceResponse();
  response.say('Hello from Express');
  res.type('text/xml').send(response.toString());
});
const server = app.listen(0, '127.0.0.1', async () => {
  const base = 'http://127.0.0.1:' + server.address().port;
  const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
  const call = await client.calls.create({ to: '+14155550105', from: '+15005550006', url: base + '/voice' });
  const forged = await fetch(base + '/voice', {
    method: 'POST', headers: { 'x-twilio-signature': 'forged', 'content-type': 'application/x-www-form-urlencoded' }, body: 'CallSid=' + call.sid,
  });
  console.log(JSON.stringify({ sid: call.sid, forged: forged.status }));
});
`;

/**
 * A voicemail IVR written as Twilio's samples write one (Express, twilio.webhook(), VoiceResponse,
 * a client built from the environment): it greets the caller by state, records a message with
 * transcribeCallback, and texts the transcription to the owner.
 */
const VOICEMAIL_APP = `
const express = require('express');
const twilio = require('twilio');
const app = express();
app.use(express.urlencoded({ extended: false }));
const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
const OWNER = process.env.OWNER_NUMBER;
app.post('/voice', twilio.webhook(), (req, res) => {
  const response = new twilio.twiml.VoiceResponse();
  response.say('Thanks for calling from ' + (req.body.FromState || 'somewhere'));
  const gather = response.gather({ numDigits: 1, action: '/menu' });
  gather.say('Press 1 to leave a message.');
  res.type('text/xml').send(response.toString());
});
app.post('/menu', twilio.webhook(), (req, res) => {
  const response = new twilio.twiml.VoiceResponse();
  if (req.body.Digits === '1') {
    response.record({ timeout: 10, maxLength: 60, transcribeCallback: '/transcribed', action: '/recorded' });
  } else {
    response.redirect('/voice');
  }
  res.type('text/xml').send(response.toString());
});
app.post('/recorded', twilio.webhook(), (req, res) => {
  const response = new twilio.twiml.VoiceResponse();
  response.say('Goodbye');
  response.hangup();
  res.type('text/xml').send(response.toString());
});
app.post('/transcribed', twilio.webhook(), async (req, res) => {
  await client.messages.create({ to: OWNER, from: req.body.To, body: 'Voicemail from ' + req.body.From + ': ' + req.body.TranscriptionText });
  res.sendStatus(204);
});
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ base: 'http://127.0.0.1:' + server.address().port })));
`;

/** A Twilio Function as the templates write it. */
const FUNCTION = `
exports.handler = async function (context, event, callback) {
  try {
    const call = await context.getTwilioClient().calls.create({ to: event.To, from: '+15005550006', url: event.Url });
    callback(null, { sid: call.sid, accountSid: call.accountSid });
  } catch (error) {
    callback(null, { error: String(error) });
  }
};
`;

describe('switchboard/register and switchboard exec', { timeout: 240_000 }, () => {
  let dir: string;
  let pkg: string;
  let project: string;
  let h: Harness;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-register-'));
    pkg = await buildPackage(dir);
    project = await projectWith(join(dir, 'app'), pkg, ['twilio', 'twilio-v340', 'twilio-v3', 'twilio-v4', 'twilio-v5']);
    await writeFile(join(project, 'sdk-app.cjs'), SDK_APP);
    await writeFile(join(project, 'esm-app.mjs'), ESM_APP);
    await writeFile(join(project, 'cjs-app.cjs'), CJS_APP);
    await writeFile(join(project, 'express-app.cjs'), EXPRESS_APP);
    await writeFile(join(project, 'voicemail-app.cjs'), VOICEMAIL_APP);
    // Express as twilio-run, which depends on it, resolves it: not a package of this project's own.
    await symlink(dirname(createRequire(join(REPO_NODE_MODULES, 'twilio-run/package.json')).resolve('express/package.json')), join(project, 'node_modules/express'), 'dir');
    await mkdir(join(dir, 'home'));
    h = await startHarness();
    h.app.route('/voice', '<Response><Say>Hello from the app</Say></Response>');
    h.app.route('/ping', () => ({ status: 204, body: '', type: 'text/plain' }));
    env = cleanEnv({ HOME: join(dir, 'home'), SWITCHBOARD_URL: h.server.url });
  });
  after(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const sdk of ['twilio-v340', 'twilio-v3', 'twilio-v4', 'twilio-v5', 'twilio']) {
    it(`node --import switchboard/register sends an unmodified ${sdk} app's calls to Switchboard, and other Twilio hosts get Twilio's 404`, async () => {
      const ran = await run(process.execPath, ['--import', 'switchboard/register', 'sdk-app.cjs', sdk, `${h.app.url}/voice`], {
        cwd: project, env: { ...env, TWILIO_ACCOUNT_SID: h.server.accountSid, TWILIO_AUTH_TOKEN: h.server.authToken },
      });
      const out = lastJsonLine(ran);
      assert.match(out.sid, /^CA[0-9a-f]{32}$/);
      assert.deepEqual([out.to, out.accountSid], ['+14155550100', h.server.accountSid]);
      assert.equal((await h.client.calls(out.sid).fetch()).to, '+14155550100');
      await h.app.waitFor('/voice', (r) => r.params.CallSid === out.sid);
      assert.deepEqual(out.unknownHost, { status: 404, code: 20404, message: 'The requested resource /v2/Services was not found' });
    });
  }

  it('an ES module app with another account on an edge and region runs as the SWITCHBOARD_ACCOUNT_SID account', async () => {
    const ran = await run(process.execPath, ['--import', 'switchboard/register', 'esm-app.mjs', `${h.app.url}/voice`], {
      cwd: project, env: { ...env, SWITCHBOARD_ACCOUNT_SID: h.server.accountSid, SWITCHBOARD_AUTH_TOKEN: h.server.authToken },
    });
    const out = lastJsonLine(ran);
    assert.equal(out.accountSid, h.server.accountSid);
    assert.deepEqual(out.listed, [out.sid]);
    assert.equal(out.fetched, out.sid, 'fetch() of an api.twilio.com URL reaches Switchboard');
    assert.deepEqual(out.studio, [404, 20404]);
    assert.equal(out.elsewhere, 200, 'fetch() of another host is left alone');
  });

  it('a proxy in the environment does not take the SDK\'s requests away from Switchboard', async () => {
    const deadProxy = 'http://127.0.0.1:9';
    const ran = await run(process.execPath, ['--import', 'switchboard/register', 'sdk-app.cjs', 'twilio', `${h.app.url}/voice`], {
      cwd: project,
      env: { ...env, HTTP_PROXY: deadProxy, HTTPS_PROXY: deadProxy, TWILIO_ACCOUNT_SID: h.server.accountSid, TWILIO_AUTH_TOKEN: h.server.authToken },
    });
    assert.equal((await h.client.calls(lastJsonLine(ran).sid).fetch()).to, '+14155550100');
  });

  it('node --require switchboard/register works for CommonJS and leaves requests to other hosts alone', async () => {
    const ran = await run(process.execPath, ['--require', 'switchboard/register', 'cjs-app.cjs', h.app.url], {
      cwd: project, env: { ...env, TWILIO_ACCOUNT_SID: h.server.accountSid, TWILIO_AUTH_TOKEN: h.server.authToken },
    });
    const out = lastJsonLine(ran);
    assert.equal(out.ping, 204);
    assert.equal(h.app.to('/ping').length, 1);
    assert.equal((await h.client.calls(out.sid).fetch()).from, '+15005550006');
  });

  it('twilio-cli api:core:calls:create and list run under switchboard exec, with the account from the data dir', async () => {
    const cli = join(REPO_NODE_MODULES, 'twilio-cli/bin/run');
    const exec = (args: string[]) => run(process.execPath, [join(pkg, 'bin/switchboard.js'), 'exec', '--data-dir', h.dataDir, '--', process.execPath, cli, ...args, '-o', 'json'], { cwd: dir, env });
    const created = JSON.parse((await exec(['api:core:calls:create', '--to', '+14155550103', '--from', '+15005550006', '--url', `${h.app.url}/voice`])).stdout);
    assert.equal(created[0].accountSid, h.server.accountSid);
    const sid = created[0].sid as string;
    await h.app.waitFor('/voice', (r) => r.params.CallSid === sid);
    const listed = JSON.parse((await exec(['api:core:calls:list', '--to', '+14155550103'])).stdout) as { sid: string }[];
    assert.deepEqual(listed.map((c) => c.sid), [sid]);
  });

  it("a Twilio Functions folder run by twilio-run under switchboard exec places calls with context.getTwilioClient()", async () => {
    const functions = join(dir, 'functions-project');
    await mkdir(join(functions, 'functions'), { recursive: true });
    await writeFile(join(functions, 'package.json'), JSON.stringify({ name: 'voice-functions', version: '1.0.0', private: true }));
    // The project's own .env holds some other account: the workers still act as Switchboard's.
    await writeFile(join(functions, '.env'), `ACCOUNT_SID=AC${'e'.repeat(32)}\nAUTH_TOKEN=${'5'.repeat(32)}\n`);
    await writeFile(join(functions, 'functions', 'call.js'), FUNCTION);
    const port = await freePort();
    const child = spawn(process.execPath, [
      join(pkg, 'bin/switchboard.js'), 'exec', '--', process.execPath, join(REPO_NODE_MODULES, 'twilio-run/bin/twilio-run.js'),
      'start', '--cwd', functions, '--port', String(port),
    ], { cwd: dir, env: { ...env, SWITCHBOARD_ACCOUNT_SID: h.server.accountSid, SWITCHBOARD_AUTH_TOKEN: h.server.authToken }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    try {
      await eventually(() => output, (text) => text.includes(`localhost:${port}/call`), 60_000);
      const query = new URLSearchParams({ To: '+14155550104', Url: `${h.app.url}/voice` });
      const reply = await (await fetch(`http://127.0.0.1:${port}/call?${query}`)).json();
      assert.match(reply.sid ?? '', /^CA/, JSON.stringify(reply));
      assert.equal(reply.accountSid, h.server.accountSid);
      await h.app.waitFor('/voice', (r) => r.params.CallSid === reply.sid);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });

  it('an Express app with twilio.webhook() under switchboard exec places a call to itself and accepts only Switchboard\'s signatures', async () => {
    const child = spawn(process.execPath, [join(pkg, 'bin/switchboard.js'), 'exec', '--', process.execPath, 'express-app.cjs'], {
      cwd: project, env: { ...env, SWITCHBOARD_ACCOUNT_SID: h.server.accountSid, SWITCHBOARD_AUTH_TOKEN: h.server.authToken }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    try {
      const line = await eventually(() => output.split('\n').find((l) => l.startsWith('{')), (l) => l !== undefined, 30_000);
      const out = JSON.parse(line!);
      assert.equal(out.forged, 403, 'twilio.webhook() refuses a forged signature');
      const heard = await eventually(() => h.sim('GET', `/sim/v1/calls/${out.sid}`), (r) => r.body.heard?.some((e: { text?: string }) => e.text === 'Hello from Express'));
      assert.equal(heard.status, 200);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });

  it('an unmodified voicemail IVR under switchboard exec: greets by FromState, records, transcribes and texts the owner', async () => {
    const owner = '+14155550199';
    const child = spawn(process.execPath, [join(pkg, 'bin/switchboard.js'), 'exec', '--', process.execPath, 'voicemail-app.cjs'], {
      cwd: project, env: { ...env, OWNER_NUMBER: owner, SWITCHBOARD_ACCOUNT_SID: h.server.accountSid, SWITCHBOARD_AUTH_TOKEN: h.server.authToken }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    try {
      const line = await eventually(() => output.split('\n').find((l) => l.startsWith('{')), (l) => l !== undefined, 30_000);
      const { base } = JSON.parse(line!) as { base: string };
      await h.client.incomingPhoneNumbers.create({ phoneNumber: '+17752204188', voiceUrl: `${base}/voice` });
      const placed = await h.sim('POST', '/sim/v1/calls', { from: '+12105389200', to: '+17752204188' });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const sid: string = placed.body.callSid;
      const heard = () => h.sim('GET', `/sim/v1/calls/${sid}`).then((r) => r.body.heard as { kind: string; text?: string }[]);
      await eventually(heard, (log) => log.some((e) => e.text === 'Press 1 to leave a message.'), 20_000);
      assert.ok((await heard()).some((e) => e.text === 'Thanks for calling from TX'), 'FromState of a San Antonio number');
      await h.sim('POST', `/sim/v1/calls/${sid}/digits`, { digits: '1' });
      await eventually(heard, (log) => log.some((e) => e.kind === 'beep'), 20_000);
      const words = 'Hi, this is Grace calling about the invoice, please call me back tomorrow morning';
      await h.sim('POST', `/sim/v1/calls/${sid}/speech`, { text: words });
      const inbox = await eventually(() => h.sim('GET', `/sim/v1/phones/${encodeURIComponent(owner)}/messages`),
        (r) => r.body.messages?.length > 0, 30_000);
      assert.equal(inbox.body.messages[0].body, `Voicemail from +12105389200: ${words}`);
      assert.equal(inbox.body.messages[0].from, '+17752204188');
      await eventually(heard, (log) => log.some((e) => e.text === 'Goodbye'), 20_000);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });

  it('switchboard exec without an account says how to give one and runs nothing', async () => {
    const ran = await run(process.execPath, [join(pkg, 'bin/switchboard.js'), 'exec', '--data-dir', join(dir, 'nowhere'), '--', process.execPath, '-e', 'console.log("ran")'], { cwd: dir, env });
    assert.notEqual(ran.code, 0);
    assert.doesNotMatch(ran.stdout, /ran/);
    assert.match(ran.stderr, /SWITCHBOARD_ACCOUNT_SID/);
  });
});
