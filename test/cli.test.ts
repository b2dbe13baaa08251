import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { startSwitchboard } from '../src/app.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertCallBody } from './helpers/openapi.js';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `switchboard ARGS` as a real process, with no SWITCHBOARD_* settings but those given. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SWITCHBOARD_')));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...clean, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A failed run: exit 1, nothing on stdout, and the message on stderr. */
function assertFails(run: Run, message: RegExp): void {
  assert.equal(run.code, 1, `expected exit 1, got ${run.code}: ${run.stdout}${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, message);
}

/** A TCP port that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const pause = '<Response><Pause length="3600"/></Response>';

describe('the switchboard command line', () => {
  let h: Harness;
  /** Talks to the harness's server through its data dir (server.json + account.json). */
  let sb: (...args: string[]) => Promise<Run>;
  before(async () => {
    h = await startHarness();
    sb = (...args) => cli([...args, '--data-dir', h.dataDir]);
  });
  after(() => h.close());

  it('calls list shows the calls as a table, filtered by --status and --to, and --json prints REST Call JSON', async () => {
    const live = await h.client.calls.create({ to: '+14155550201', from: '+15005550006', twiml: pause });
    const done = await h.client.calls.create({ to: '+14155550202', from: '+15005550006', twiml: '<Response><Hangup/></Response>' });
    await eventually(() => h.client.calls(live.sid).fetch(), (c) => c.status === 'in-progress');
    await eventually(() => h.client.calls(done.sid).fetch(), (c) => c.status === 'completed');

    const [all, inProgress, to, json] = await Promise.all([
      sb('calls', 'list'), sb('calls', 'list', '--status', 'in-progress'), sb('calls', 'list', '--to', '+14155550202'), sb('calls', 'list', '--limit', '1', '--json'),
    ]);
    assert.equal(all.code, 0, all.stderr);
    const [header, ...rows] = all.stdout.trimEnd().split('\n');
    assert.match(header!, /^SID\s+STATUS\s+DIRECTION\s+FROM\s+TO\s+STARTED \(UTC\)\s+DURATION$/);
    assert.match(rows.find((r) => r.startsWith(live.sid))!, /in-progress\s+outbound-api\s+\+15005550006\s+\+14155550201\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+-$/);
    assert.match(rows.find((r) => r.startsWith(done.sid))!, /completed\s+outbound-api\s+\+15005550006\s+\+14155550202\s+\S+ \S+\s+\d+s$/);
    assert.ok(inProgress.stdout.includes(live.sid) && !inProgress.stdout.includes(done.sid), inProgress.stdout);
    assert.ok(to.stdout.includes(done.sid) && !to.stdout.includes(live.sid), to.stdout);

    const listed = JSON.parse(json.stdout);
    assert.equal(listed.length, 1);
    assertCallBody(listed[0]);
    assert.equal(listed[0].sid, done.sid, 'newest first, as the REST list');
    await h.client.calls(live.sid).update({ status: 'completed' });
  });

  it('calls list --limit follows next_page_uri past one page', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await h.client.calls.create({ to: '+14155550210', from: '+15005550006', twiml: '<Response><Hangup/></Response>' }));
    // Pages of 2: the third call is on the second page.
    const run = await sb('calls', 'list', '--to', '+14155550210', '--limit', '3', '--page-size', '2', '--json');
    assert.deepEqual(JSON.parse(run.stdout).map((c: { sid: string }) => c.sid).sort(), created.map((c) => c.sid).sort());
    const two = await sb('calls', 'list', '--to', '+14155550210', '--limit', '2', '--page-size', '1');
    assert.equal(two.stdout.trimEnd().split('\n').length, 3, `a header and two calls: ${two.stdout}`);
  });

  it('calls get shows one call field by field, and --json is the REST body', async () => {
    const call = await h.client.calls.create({ to: '+14155550203', from: '+15005550006', twiml: pause });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'in-progress');
    const [text, json] = await Promise.all([sb('calls', 'get', call.sid), sb('calls', 'get', call.sid, '--json')]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^sid\\s+${call.sid}$`, 'm'));
    assert.match(text.stdout, /^status\s+in-progress$/m);
    assert.match(text.stdout, /^end_time\s+-$/m);
    const body = JSON.parse(json.stdout);
    assertCallBody(body);
    assert.deepEqual(body, (await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${call.sid}.json`)).json);
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it('calls update redirects a live call to a URL or to TwiML, and calls hangup ends it', async () => {
    h.app.route('/cli-redirect', pause);
    const call = await h.client.calls.create({ to: '+14155550204', from: '+15005550006', twiml: pause });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'in-progress');

    const byUrl = await sb('calls', 'update', call.sid, '--url', `${h.app.url}/cli-redirect`, '--method', 'GET');
    assert.equal(byUrl.code, 0, byUrl.stderr);
    assert.match(byUrl.stdout, /^status\s+in-progress$/m);
    const fetched = await h.app.waitFor('/cli-redirect', (r) => r.params.CallSid === call.sid);
    assert.equal(fetched.method, 'GET');

    const byTwiml = await sb('calls', 'update', call.sid, '--twiml', '<Response><Say>Redirected by the CLI</Say><Pause length="3600"/></Response>', '--json');
    assert.equal(JSON.parse(byTwiml.stdout).sid, call.sid);
    const heard = await eventually(() => h.sim('GET', `/sim/v1/calls/${call.sid}`), (r) => r.body.heard.some((e: { text?: string }) => e.text === 'Redirected by the CLI'));
    assert.ok(heard);

    const hangup = await sb('calls', 'hangup', call.sid);
    assert.equal(hangup.code, 0, hangup.stderr);
    assert.equal(hangup.stdout, `${call.sid} completed\n`);
    assert.equal((await h.client.calls(call.sid).fetch()).status, 'completed');

    const queued = await h.client.calls.create({ to: '+14155550205', from: '+15005550006', twiml: pause });
    const ended = await sb('calls', 'update', queued.sid, '--status', 'completed');
    assert.equal(ended.code, 0, ended.stderr);
    assert.notEqual((await h.client.calls(queued.sid).fetch()).status, 'in-progress');
  });

  it('calls commands exit 1 with Twilio\'s message and code: an unknown sid, an ended call, conflicting options', async () => {
    const unknown = 'CA' + '0'.repeat(32);
    const [get, hangup, both, none] = await Promise.all([
      sb('calls', 'get', unknown), sb('calls', 'hangup', unknown),
      sb('calls', 'update', unknown, '--url', 'http://127.0.0.1:9/x', '--twiml', pause), sb('calls', 'update', unknown),
    ]);
    assertFails(get, new RegExp(`^switchboard: error 20404: The requested resource /2010-04-01/Accounts/${h.server.accountSid}/Calls/${unknown}\\.json was not found \\(HTTP 404\\)\\n$`));
    assertFails(hangup, /error 20404: /);
    assertFails(both, /give exactly one of --url, --twiml or --status/);
    assertFails(none, /give exactly one of --url, --twiml or --status/);

    const call = await h.client.calls.create({ to: '+14155550206', from: '+15005550006', twiml: '<Response><Hangup/></Response>' });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    assertFails(await sb('calls', 'update', call.sid, '--url', `${h.app.url}/x`), /^switchboard: error 21220: .+\(HTTP 400\)\n$/);
    assertFails(await sb('calls', 'update', call.sid, '--status', 'ringing'), /argument 'ringing' is invalid. Allowed choices are completed, canceled/);
  });

  it('numbers add provisions a number with its Voice URL, list shows it, remove releases it by number or SID', async () => {
    const added = await sb('numbers', 'add', '+15005550301', '--voice-url', `${h.app.url}/cli-voice`);
    assert.equal(added.code, 0, added.stderr);
    const [sid] = added.stdout.split(' ');
    const number = await h.client.incomingPhoneNumbers(sid!).fetch();
    assert.equal(number.phoneNumber, '+15005550301');
    assert.equal(number.voiceUrl, `${h.app.url}/cli-voice`);
    await sb('numbers', 'add', '+15005550302');

    const [list, json] = await Promise.all([sb('numbers', 'list'), sb('numbers', 'list', '--json')]);
    assert.match(list.stdout, /^SID\s+NUMBER\s+VOICE URL$/m);
    assert.match(list.stdout, new RegExp(`^${sid}\\s+\\+15005550301\\s+POST ${h.app.url}/cli-voice$`, 'm'));
    assert.match(list.stdout, /^PN[0-9a-f]{32}\s+\+15005550302\s+-$/m);
    assert.deepEqual(JSON.parse(json.stdout).map((n: { phone_number: string }) => n.phone_number).sort(), ['+15005550301', '+15005550302']);

    const byNumber = await sb('numbers', 'remove', '+15005550301');
    assert.equal(byNumber.stdout, `Removed ${sid} (+15005550301)\n`);
    const other = (await h.client.incomingPhoneNumbers.list({ phoneNumber: '+15005550302' }))[0]!;
    assert.equal((await sb('numbers', 'remove', other.sid)).code, 0);
    assert.deepEqual(await h.client.incomingPhoneNumbers.list(), []);
  });

  it('numbers commands exit 1 with Twilio\'s message: a bad number, a duplicate, an unknown SID or number', async () => {
    assertFails(await sb('numbers', 'add', '555-0100'), /^switchboard: error 21421: PhoneNumber '555-0100' is not a valid E\.164 number \(HTTP 400\)\n$/);
    await sb('numbers', 'add', '+15005550303');
    assertFails(await sb('numbers', 'add', '+15005550303'), /error 21422: PhoneNumber \+15005550303 is already provisioned/);
    assertFails(await sb('numbers', 'remove', 'PN' + '0'.repeat(32)), /error 20404: The requested resource .*IncomingPhoneNumbers\/PN0{32}\.json was not found/);
    assertFails(await sb('numbers', 'remove', '+15005550399'), /no provisioned number is \+15005550399/);
    await sb('numbers', 'remove', '+15005550303');
  });

  it('sim call places an inbound call to a number; sim press, say and hangup play its far end', async () => {
    h.app
      .route('/cli-menu', `<Response><Gather input="dtmf" numDigits="2" timeout="3600" action="${h.app.url}/cli-pressed"/></Response>`)
      .route('/cli-pressed', `<Response><Gather input="speech" timeout="3600" action="${h.app.url}/cli-spoke"/></Response>`)
      .route('/cli-spoke', pause);
    await h.client.incomingPhoneNumbers.create({ phoneNumber: '+15005550310', voiceUrl: `${h.app.url}/cli-menu` });

    const placed = await sb('sim', 'call', '+14155550311', '+15005550310');
    assert.equal(placed.code, 0, placed.stderr);
    const sid = placed.stdout.trim();
    assert.match(sid, /^CA[0-9a-f]{32}$/);
    const call = await eventually(() => h.client.calls(sid).fetch(), (c) => c.status === 'in-progress');
    assert.deepEqual([call.direction, call.from, call.to], ['inbound', '+14155550311', '+15005550310']);
    await h.app.waitFor('/cli-menu', (r) => r.params.CallSid === sid);

    assert.equal((await sb('sim', 'press', sid, '42')).stdout, `${sid} pressed 42\n`);
    assert.equal((await h.app.waitFor('/cli-pressed', (r) => r.params.CallSid === sid)).params.Digits, '42');

    assert.equal((await sb('sim', 'say', sid, 'talk', 'to', 'sales')).stdout, `${sid} said "talk to sales"\n`);
    assert.equal((await h.app.waitFor('/cli-spoke', (r) => r.params.CallSid === sid)).params.SpeechResult, 'talk to sales');

    assert.equal((await sb('sim', 'hangup', sid)).code, 0);
    await eventually(() => h.client.calls(sid).fetch(), (c) => c.status === 'completed');
    assertFails(await sb('sim', 'hangup', sid), /^switchboard: error 21220: The call is not live: cannot hang up \(HTTP 409\)\n$/);
  });

  it('sim phone scripts how a number answers and sim heard lists what the far end heard', async () => {
    const scripted = await sb('sim', 'phone', '+14155550320', '--answer', 'busy');
    assert.equal(scripted.stdout, '+14155550320 answers: busy\n');
    const busy = await h.client.calls.create({ to: '+14155550320', from: '+15005550006', twiml: pause });
    await eventually(() => h.client.calls(busy.sid).fetch(), (c) => c.status === 'busy');

    const call = await h.client.calls.create({ to: '+14155550321', from: '+15005550006', twiml: '<Response><Say>Welcome to the line</Say><Hangup/></Response>' });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    const heard = await sb('sim', 'heard', call.sid);
    assert.match(heard.stdout, /^\d\d:\d\d:\d\d\.\d{3}\s+say\s+Welcome to the line$/m);
  });

  it('sim commands exit 1 with Twilio\'s message: an unknown call, a number nobody provisioned, bad digits', async () => {
    const unknown = 'CA' + 'f'.repeat(32);
    const [press, call] = await Promise.all([sb('sim', 'press', unknown, '1'), sb('sim', 'call', '+14155550330', 'not-a-number')]);
    assertFails(press, new RegExp(`error 20404: The requested resource .*Calls/${unknown}\\.json was not found`));
    assertFails(call, /error 21211: 'to' must be an E\.164 number/);
    const live = await h.client.calls.create({ to: '+14155550331', from: '+15005550006', twiml: pause });
    await eventually(() => h.client.calls(live.sid).fetch(), (c) => c.status === 'in-progress');
    assertFails(await sb('sim', 'press', live.sid, 'xyz'), /^switchboard: error 21206: /);
    await h.client.calls(live.sid).update({ status: 'completed' });
  });
});

describe('switchboard calls watch', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('in a real terminal (tmux) shows a call appear with the verb running now, then end; q quits with exit 0', async () => {
    // A tmux server of our own (-L), so other tmux sessions on the machine are never touched.
    const socket = `switchboard-cli-test-${process.pid}-${Date.now()}`;
    const tmux = (...args: string[]) => new Promise<string>((resolve, reject) => {
      execFile('tmux', ['-L', socket, '-f', '/dev/null', ...args], (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    // The shell reports the exit status on the normal screen once the watch leaves the alternate one.
    const command = `${process.execPath} --import tsx ${CLI} calls watch --data-dir ${h.dataDir}; echo "watch exited with $?"; sleep 600`;
    try {
      await tmux('new-session', '-d', '-x', '160', '-y', '40', '-s', 'watch', command);
      const screen = () => tmux('capture-pane', '-p', '-t', 'watch');
      await eventually(screen, (text) => /0 live\s+·\s+connected/.test(text) && text.includes('No live calls.'), 30_000);

      const call = await h.client.calls.create({ to: '+14155550401', from: '+15005550006', twiml: '<Response><Pause length="3600"/></Response>' });
      const shown = await eventually(screen, (text) => new RegExp(`${call.sid}\\s+in-progress\\s+outbound-api\\s+\\+15005550006\\s+\\+14155550401\\s+\\d+:\\d\\d\\s+Pause`).test(text), 10_000);
      assert.match(shown, /1 live/);

      await h.client.calls(call.sid).update({ status: 'completed' });
      const ended = await eventually(screen, (text) => new RegExp(`${call.sid}\\s+completed\\s`).test(text), 10_000);
      assert.match(ended, /0 live/);
      assert.doesNotMatch(ended, /Pause/, 'an ended call runs no verb');

      await tmux('send-keys', '-t', 'watch', 'q');
      const after = await eventually(screen, (text) => text.includes('watch exited with'), 10_000);
      assert.match(after, /watch exited with 0/);
      assert.doesNotMatch(after, /in-progress|completed/, 'the terminal is restored: the table was on the alternate screen');
    } finally {
      await tmux('kill-server').catch(() => undefined);
    }
  });

  it('piped instead of on a terminal, prints one line per status change and verb started', async () => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SWITCHBOARD_')));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'calls', 'watch', '--data-dir', h.dataDir], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      await eventually(() => output, (text) => text.includes('# connected'), 30_000);
      const call = await h.client.calls.create({ to: '+14155550402', from: '+15005550006', twiml: '<Response><Say>Hi</Say><Hangup/></Response>' });
      const lines = await eventually(() => output, (text) => text.includes(`${call.sid} +15005550006 -> +14155550402 completed`), 10_000);
      assert.match(lines, new RegExp(`Z ${call.sid} <Say>`));
      assert.match(lines, new RegExp(`Z ${call.sid} \\+15005550006 -> \\+14155550402 in-progress`));
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('follows the feed across a server restart: it reconnects by itself and shows the calls placed after it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-cli-restart-'));
    let server = await startSwitchboard({ port: 0, dataDir, logger: false, timeScale: 0.01 });
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SWITCHBOARD_')));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'calls', 'watch', '--data-dir', dataDir], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      await eventually(() => output, (text) => text.includes('# connected'), 30_000);
      const port = Number(new URL(server.url).port);
      await server.close();
      await eventually(() => output, (text) => text.includes('# reconnecting'), 10_000);
      // The same address and account, a new feed: the resume point is from another run (a reset).
      server = await startSwitchboard({ port, dataDir, logger: false, timeScale: 0.01 });
      await eventually(() => output, (text) => text.split('# connected').length === 3, 10_000);
      const client = twilio(server.accountSid, server.authToken);
      client.api.baseUrl = server.url;
      const call = await client.calls.create({ to: '+14155550403', from: '+15005550006', twiml: '<Response><Hangup/></Response>' });
      await eventually(() => output, (text) => text.includes(`${call.sid} +15005550006 -> +14155550403 completed`), 10_000);
    } finally {
      child.kill('SIGTERM');
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('how the command line finds the server and the account', () => {
  let h: Harness;
  let empty: string;
  before(async () => {
    h = await startHarness();
    empty = await mkdtemp(join(tmpdir(), 'switchboard-cli-empty-'));
  });
  after(async () => {
    await h.close();
    await rm(empty, { recursive: true, force: true });
  });

  it('the server writes server.json (mode 0600) with its URL and account while it listens, and removes it on close', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-cli-file-'));
    try {
      const server = await startSwitchboard({ port: 0, dataDir, logger: false });
      const file = join(dataDir, 'server.json');
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { url: server.url, accountSid: server.accountSid, pid: process.pid });
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      await server.close();
      assert.equal(existsSync(file), false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('SWITCHBOARD_URL, SWITCHBOARD_ACCOUNT_SID and SWITCHBOARD_AUTH_TOKEN are used when set, with no data dir', async () => {
    const env = { SWITCHBOARD_URL: h.server.url, SWITCHBOARD_ACCOUNT_SID: h.server.accountSid, SWITCHBOARD_AUTH_TOKEN: h.server.authToken };
    const run = await cli(['numbers', 'list', '--data-dir', empty], env);
    assert.deepEqual([run.code, run.stdout], [0, 'No numbers.\n'], run.stderr);
    const wrong = await cli(['calls', 'list', '--data-dir', empty], { ...env, SWITCHBOARD_AUTH_TOKEN: 'f'.repeat(32) });
    assertFails(wrong, /^switchboard: error 20003: .+\(HTTP 401\)\n$/);
  });

  it('says what is missing: no server.json, a server.json left by a process that is gone, a server that does not answer', async () => {
    assertFails(await cli(['calls', 'list', '--data-dir', empty]), /no server found: .*server\.json does not exist \(start `switchboard serve/);

    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    const stale = await mkdtemp(join(tmpdir(), 'switchboard-cli-stale-'));
    try {
      await writeFile(join(stale, 'server.json'), JSON.stringify({ url: 'http://127.0.0.1:1', accountSid: h.server.accountSid, pid: gone.pid }));
      await writeFile(join(stale, 'account.json'), JSON.stringify({ accountSid: h.server.accountSid, authToken: h.server.authToken }));
      assertFails(await cli(['calls', 'list', '--data-dir', stale]), new RegExp(`\\(pid ${gone.pid}\\) is not running`));
    } finally {
      await rm(stale, { recursive: true, force: true });
    }

    const closed = await closedPort();
    const env = { SWITCHBOARD_URL: `http://127.0.0.1:${closed}`, SWITCHBOARD_ACCOUNT_SID: h.server.accountSid, SWITCHBOARD_AUTH_TOKEN: h.server.authToken };
    assertFails(await cli(['calls', 'list', '--data-dir', empty], env), new RegExp(`^switchboard: cannot reach Switchboard at http://127\\.0\\.0\\.1:${closed} \\(from SWITCHBOARD_URL\\): ECONNREFUSED\n$`));
  });
});
