import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/ports/manual-clock.js';
import { SipClientsFile, parseSipClients } from '../src/sip/client-credentials.js';
import { digestAuthorization, parseChallenge } from '../src/sip/message/digest.js';
import { getHeader, getHeaders } from '../src/sip/message/headers.js';
import { parseMessage } from '../src/sip/message/parse.js';
import { serializeMessage } from '../src/sip/message/serialize.js';
import type { SipRequest, SipResponse } from '../src/sip/message/types.js';
import { SipRegistrar, type RegistrarOptions } from '../src/sip/registrar.js';
import { eventually, startHarness } from './helpers/harness.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';

const REALM = '127.0.0.1';
const SOURCE = { address: '127.0.0.1', port: 5070 };
const PASSWORDS: Record<string, string> = { alice: 's3cret', bob: 'hunter2' };

interface Register {
  user?: string;
  contact?: string | string[];
  expires?: string;
  callId?: string;
  cseq?: number;
  authorization?: string;
}

/** A REGISTER as a phone sends it (RFC 3261 §10.2). */
function register(r: Register = {}): SipRequest {
  const user = r.user ?? 'alice';
  const contacts = r.contact === undefined ? ['<sip:alice@127.0.0.1:5070>'] : [r.contact].flat();
  const lines = [
    `REGISTER sip:${REALM} SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-' + Math.random().toString(36).slice(2),
    'Max-Forwards: 70',
    `From: <sip:${user}@${REALM}>;tag=ph1`,
    `To: <sip:${user}@${REALM}>`,
    `Call-ID: ${r.callId ?? 'reg-1'}`,
    `CSeq: ${r.cseq ?? 1} REGISTER`,
    ...contacts.map((c) => `Contact: ${c}`),
    ...(r.expires === undefined ? [] : [`Expires: ${r.expires}`]),
    ...(r.authorization === undefined ? [] : [`Authorization: ${r.authorization}`]),
    'Content-Length: 0',
    '', '',
  ];
  return parseMessage(Buffer.from(lines.join('\r\n'))) as SipRequest;
}

function registrar(options: Partial<RegistrarOptions> = {}): { reg: SipRegistrar; clock: ManualClock } {
  const clock = new ManualClock();
  const reg = new SipRegistrar({ clock, clients: { passwordOf: (id) => PASSWORDS[id] }, realm: REALM, ...options });
  return { reg, clock };
}

/** Sends `r` unauthenticated, answers the challenge of `algorithm` as a phone would, and returns the final answer. */
function registerWithAuth(reg: SipRegistrar, r: Register = {}, password?: string, algorithm = 'MD5', username?: string): SipResponse {
  const challenged = reg.register(register(r), SOURCE);
  assert.equal(challenged.status, 401);
  const value = getHeaders(challenged.headers, 'WWW-Authenticate').find((v) => parseChallenge(v).algorithm === algorithm);
  assert.ok(value, `a ${algorithm} challenge among ${getHeaders(challenged.headers, 'WWW-Authenticate').join(' | ')}`);
  const user = username ?? r.user ?? 'alice';
  const authorization = digestAuthorization({
    challenge: parseChallenge(value), username: user, password: password ?? PASSWORDS[user] ?? 'x', method: 'REGISTER', uri: `sip:${REALM}`,
  });
  return reg.register(register({ ...r, cseq: (r.cseq ?? 1) + 1, authorization }), SOURCE);
}

const contactsOf = (response: SipResponse) => getHeaders(response.headers, 'Contact');

describe('SIP registrar (RFC 3261 §10.3)', () => {
  it('a REGISTER without credentials is challenged with 401, an MD5 digest nonce and qop=auth', () => {
    const { reg } = registrar();
    const response = reg.register(register(), SOURCE);
    assert.equal(response.status, 401);
    const [challenge, ...others] = getHeaders(response.headers, 'WWW-Authenticate').map(parseChallenge);
    assert.deepEqual(others, []);
    assert.equal(challenge!.realm, REALM);
    assert.equal(challenge!.algorithm, 'MD5');
    assert.deepEqual(challenge!.qop, ['auth']);
    assert.match(getHeader(response.headers, 'To')!, /;tag=/);
    assert.deepEqual(reg.bindingsOf('alice'), []);
  });

  it('the right MD5 answer binds the Contact for the default 3600 s and the 200 lists it', () => {
    const { reg } = registrar();
    const ok = registerWithAuth(reg);
    assert.equal(ok.status, 200);
    assert.deepEqual(contactsOf(ok), ['<sip:alice@127.0.0.1:5070>;expires=3600']);
    assert.ok(getHeader(ok.headers, 'Date'));
    assert.equal(reg.bindingsOf('alice')[0]!.contact.port, 5070);
  });

  it('with SHA-256 offered, it is challenged first and a SHA-256 answer registers', () => {
    const { reg } = registrar({ algorithms: ['SHA-256', 'MD5'] });
    const algorithms = getHeaders(reg.register(register(), SOURCE).headers, 'WWW-Authenticate').map((v) => parseChallenge(v).algorithm);
    assert.deepEqual(algorithms, ['SHA-256', 'MD5']);
    assert.equal(registerWithAuth(reg, {}, undefined, 'SHA-256').status, 200);
  });

  it('an MD5 answer is refused when only SHA-256 was offered (no downgrade)', () => {
    const { reg } = registrar({ algorithms: ['SHA-256'] });
    const challenge = parseChallenge(getHeader(reg.register(register(), SOURCE).headers, 'WWW-Authenticate')!);
    const authorization = digestAuthorization({
      challenge: { ...challenge, algorithm: 'MD5' }, username: 'alice', password: 's3cret', method: 'REGISTER', uri: `sip:${REALM}`,
    });
    assert.equal(reg.register(register({ cseq: 2, authorization }), SOURCE).status, 403);
  });

  it('a wrong password, an unknown identity, or alice registering bob gets 403 and binds nothing', () => {
    const { reg } = registrar();
    assert.equal(registerWithAuth(reg, {}, 'wrong').status, 403);
    assert.equal(registerWithAuth(reg, { user: 'mallory' }, 'anything').status, 403);
    assert.equal(registerWithAuth(reg, { user: 'bob' }, 's3cret', 'MD5', 'alice').status, 403);
    assert.deepEqual(reg.bindingsOf('alice'), []);
    assert.deepEqual(reg.bindingsOf('bob'), []);
  });

  it('an expiry shorter than 60 s gets 423 Interval Too Brief with Min-Expires: 60', () => {
    const { reg } = registrar();
    const brief = registerWithAuth(reg, { expires: '30' });
    assert.equal(brief.status, 423);
    assert.equal(getHeader(brief.headers, 'Min-Expires'), '60');
    const param = registerWithAuth(reg, { contact: '<sip:alice@127.0.0.1:5070>;expires=10', expires: '600' });
    assert.equal(param.status, 423, 'the Contact expires parameter wins over the Expires header');
    assert.deepEqual(reg.bindingsOf('alice'), []);
  });

  it('a binding counts down on the clock and is gone when it expires', async () => {
    const { reg, clock } = registrar();
    assert.equal(registerWithAuth(reg, { expires: '120' }).status, 200);
    await clock.advance(60_000);
    const query = registerWithAuth(reg, { contact: [], cseq: 5 });
    assert.deepEqual(contactsOf(query), ['<sip:alice@127.0.0.1:5070>;expires=60']);
    await clock.advance(60_001);
    assert.deepEqual(reg.bindingsOf('alice'), []);
  });

  it('a refresh restarts the expiry; a REGISTER older than the binding (same Call-ID, lower CSeq) gets 500', async () => {
    const { reg, clock } = registrar();
    registerWithAuth(reg, { expires: '120', cseq: 10 });
    await clock.advance(100_000);
    const refreshed = registerWithAuth(reg, { expires: '120', cseq: 20 });
    assert.deepEqual(contactsOf(refreshed), ['<sip:alice@127.0.0.1:5070>;expires=120']);
    const stale = registerWithAuth(reg, { expires: '0', cseq: 3 });
    assert.equal(stale.status, 500);
    assert.equal(reg.bindingsOf('alice').length, 1);
  });

  it('Expires: 0 removes that contact, and Contact: * with Expires: 0 removes them all', () => {
    const { reg } = registrar();
    registerWithAuth(reg, { contact: '<sip:alice@10.0.0.1:5060>', callId: 'desk' });
    registerWithAuth(reg, { contact: '<sip:alice@10.0.0.2:5060>', callId: 'mobile' });
    assert.equal(reg.bindingsOf('alice')[0]!.contact.host, '10.0.0.2', 'the most recent registration comes first');
    const one = registerWithAuth(reg, { contact: '<sip:alice@10.0.0.2:5060>', callId: 'mobile', cseq: 5, expires: '0' });
    assert.deepEqual(contactsOf(one), ['<sip:alice@10.0.0.1:5060>;expires=3600']);
    const wildcardWithoutZero = registerWithAuth(reg, { contact: '*', cseq: 7 });
    assert.equal(wildcardWithoutZero.status, 400);
    const all = registerWithAuth(reg, { contact: '*', expires: '0', cseq: 9 });
    assert.equal(all.status, 200);
    assert.deepEqual(contactsOf(all), []);
    assert.deepEqual(reg.bindingsOf('alice'), []);
  });

  it('a nonce older than five minutes is re-challenged with stale=true; a forged one without', async () => {
    const { reg, clock } = registrar();
    const challenge = parseChallenge(getHeader(reg.register(register(), SOURCE).headers, 'WWW-Authenticate')!);
    await clock.advance(5 * 60_000 + 1);
    const answer = (nonce: string) => digestAuthorization({ challenge: { ...challenge, nonce }, username: 'alice', password: 's3cret', method: 'REGISTER', uri: `sip:${REALM}` });
    const stale = reg.register(register({ cseq: 2, authorization: answer(challenge.nonce) }), SOURCE);
    assert.equal(stale.status, 401);
    assert.equal(parseChallenge(getHeader(stale.headers, 'WWW-Authenticate')!).stale, true);
    const forged = reg.register(register({ cseq: 3, authorization: answer(`${clock.now().toString(36)}.AAAAAAAAAAAAAAAAAAAAAA`) }), SOURCE);
    assert.equal(forged.status, 401);
    assert.equal(parseChallenge(getHeader(forged.headers, 'WWW-Authenticate')!).stale, false);
  });

  it('a malformed Authorization or Contact gets 400 rather than an exception', () => {
    const { reg } = registrar();
    assert.equal(reg.register(register({ authorization: 'Digest username=' }), SOURCE).status, 400);
    assert.equal(registerWithAuth(reg, { contact: '<sip:alice@' }).status, 400);
  });

  it('a request from a registered phone\'s address is that client; the same From from elsewhere is not', () => {
    const { reg } = registrar();
    registerWithAuth(reg);
    assert.equal(reg.identityAt('alice', SOURCE), 'alice');
    assert.equal(reg.identityAt('alice', { address: '127.0.0.1', port: 9999 }), undefined);
    assert.equal(reg.identityAt('bob', SOURCE), undefined);
  });
});

describe('the SIP clients file (--sip-clients)', () => {
  it('reads identities and passwords, and refuses a file that is not an object of non-empty strings', () => {
    assert.deepEqual([...parseSipClients('{"alice":"s3cret","bob.smith":"pw"}')], [['alice', 's3cret'], ['bob.smith', 'pw']]);
    for (const bad of ['[]', '{"alice": 1}', '{"alice": ""}', '{"al ice": "x"}', 'not json']) {
      assert.throws(() => parseSipClients(bad), RangeError, bad);
    }
  });

  it('is read again when it changes; a bad edit keeps the previous list', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sip-clients-'));
    try {
      const path = join(dir, 'clients.json');
      await writeFile(path, '{"alice":"one"}');
      const clock = new ManualClock();
      const warnings: string[] = [];
      const file = new SipClientsFile(path, clock, { warn: (_o, msg) => warnings.push(msg) });
      assert.equal(file.passwordOf('alice'), 'one');
      await writeFile(path, '{"alice":"two","carol":"three"}');
      await clock.advance(1_000);
      assert.equal(file.passwordOf('alice'), 'two');
      assert.equal(file.passwordOf('carol'), 'three');
      await writeFile(path, '{"alice":');
      await clock.advance(1_000);
      assert.equal(file.passwordOf('alice'), 'two');
      assert.equal(warnings.length, 1);
      assert.throws(() => new SipClientsFile(join(dir, 'missing.json'), clock, { warn() {} }), /--sip-clients/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('REGISTER through the SIP edge', () => {
  const rtpRange = async (): Promise<[number, number]> => {
    const range = await freeUdpRange(10);
    return [range.first, range.last];
  };

  /** Sends one datagram to the edge and resolves with the first response that comes back. */
  async function exchange(port: number, request: SipRequest): Promise<SipResponse> {
    const socket = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const answered = new Promise<SipResponse>((resolve) => socket.on('message', (data) => resolve(parseMessage(data) as SipResponse)));
      socket.send(serializeMessage(request), port, '127.0.0.1');
      return await answered;
    } finally {
      socket.close();
    }
  }

  it('a server started with --sip-clients challenges a REGISTER and accepts the answer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sip-clients-'));
    const clients = join(dir, 'clients.json');
    await writeFile(clients, JSON.stringify({ alice: 's3cret' }));
    const h = await startHarness({ sip: { port: await freeUdpPort(), rtpPorts: await rtpRange(), clients } });
    try {
      const port = h.server.sip!.port;
      const challenged = await exchange(port, register());
      assert.equal(challenged.status, 401);
      const authorization = digestAuthorization({
        challenge: parseChallenge(getHeader(challenged.headers, 'WWW-Authenticate')!), username: 'alice', password: 's3cret',
        method: 'REGISTER', uri: `sip:${REALM}`,
      });
      const ok = await exchange(port, register({ cseq: 2, authorization }));
      assert.equal(ok.status, 200);
      assert.deepEqual(contactsOf(ok), ['<sip:alice@127.0.0.1:5070>;expires=3600']);
      // carol is no SIP client: client:carol is the simulated network's, and never 32009.
      const call = await h.client.calls.create({ to: 'client:carol', from: '+15005550006', twiml: '<Response><Hangup/></Response>' });
      await eventually(() => h.client.calls(call.sid).fetch(), (c) => ['completed', 'failed', 'busy', 'no-answer'].includes(c.status));
      const codes = (await h.client.calls(call.sid).notifications.list()).map((n) => n.errorCode);
      assert.ok(!codes.includes('32009'), `notifications ${codes.join(', ')}`);
    } finally {
      await h.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('without --sip-clients, REGISTER is a method the server does not support (405)', async () => {
    const h = await startHarness({ sip: { port: await freeUdpPort(), rtpPorts: await rtpRange() } });
    try {
      const refused = await exchange(h.server.sip!.port, register());
      assert.equal(refused.status, 405);
      assert.ok(getHeader(refused.headers, 'Allow'));
    } finally {
      await h.close();
    }
  });
});
