import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SystemClock } from '../src/ports/system-clock.js';
import { getHeader } from '../src/sip/message/headers.js';
import { parseMessage } from '../src/sip/message/parse.js';
import type { SipResponse } from '../src/sip/message/types.js';
import { UdpTransport } from '../src/sip/transport/udp-transport.js';
import { SipUserAgent, type Dialog, type IncomingInvite, type OutgoingInviteListener } from '../src/sip/user-agent.js';

const SDP = (port: number, dir = 'sendrecv') =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=${dir}\r\n`;

const agents: SipUserAgent[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.close()));
});

async function agent(): Promise<{ ua: SipUserAgent; port: number }> {
  const transport = new UdpTransport({ host: '127.0.0.1', port: 0 });
  await transport.start();
  const port = transport.localAddress.port;
  const ua = new SipUserAgent({ transport, clock: new SystemClock(), contactHost: '127.0.0.1', contactPort: port });
  agents.push(ua);
  return { ua, port };
}

/** Resolves with the next value passed to the returned callback. */
function next<T>(): { promise: Promise<T>; fire: (value: T) => void } {
  let fire!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (fire = resolve));
  return { promise, fire };
}

interface Recorded extends OutgoingInviteListener {
  events: string[];
  accepted$: Promise<Dialog>;
  failed$: Promise<number>;
  ringing$: Promise<number>;
}

function recorder(): Recorded {
  const events: string[] = [];
  const accepted = next<Dialog>();
  const failed = next<number>();
  const ringing = next<number>();
  return {
    events,
    accepted$: accepted.promise,
    failed$: failed.promise,
    ringing$: ringing.promise,
    provisional: (status) => {
      events.push(`provisional ${status}`);
      ringing.fire(status);
    },
    accepted: (dialog: Dialog, response: SipResponse) => {
      events.push(`accepted ${response.status}`);
      accepted.fire(dialog);
    },
    failed: (status) => {
      events.push(`failed ${status}`);
      failed.fire(status);
    },
  };
}

describe('two SIP user agents over loopback UDP', () => {
  it('ring, accept, ACK and a BYE from the caller ends the callee dialog', async () => {
    const alice = await agent();
    const bob = await agent();
    const incoming = next<IncomingInvite>();
    bob.ua.onInvite((invite) => {
      invite.progress(180);
      incoming.fire(invite);
    });
    const rec = recorder();
    alice.ua.invite({ uri: `sip:bob@127.0.0.1:${bob.port}`, from: { uri: 'sip:alice@127.0.0.1' }, sdp: SDP(4000) }, rec);
    const invite = await incoming.promise;
    assert.equal(invite.offer, SDP(4000));
    assert.equal(await rec.ringing$, 180);
    const bobDialog = invite.accept(SDP(5000));
    const ended = next<string>();
    bobDialog.onEnded = (why) => ended.fire(why);
    const aliceDialog = await rec.accepted$;
    assert.equal(aliceDialog.callId, bobDialog.callId);
    assert.equal(aliceDialog.remoteTag, bobDialog.localTag);
    await aliceDialog.bye();
    assert.equal(await ended.promise, 'bye');
    assert.deepEqual(rec.events, ['provisional 180', 'accepted 200']);
  });

  it('a BYE from the callee reaches the caller dialog', async () => {
    const alice = await agent();
    const bob = await agent();
    const bobDialog = next<Dialog>();
    bob.ua.onInvite((invite) => bobDialog.fire(invite.accept(SDP(5002))));
    const rec = recorder();
    alice.ua.invite({ uri: `sip:bob@127.0.0.1:${bob.port}`, from: { uri: 'sip:alice@127.0.0.1' }, sdp: SDP(4002) }, rec);
    const aliceDialog = await rec.accepted$;
    const ended = next<string>();
    aliceDialog.onEnded = (why) => ended.fire(why);
    await (await bobDialog.promise).bye();
    assert.equal(await ended.promise, 'bye');
  });

  it('a CANCEL while ringing answers 487, tells the callee, and fails the caller with 487', async () => {
    const alice = await agent();
    const bob = await agent();
    const cancelled = next<void>();
    bob.ua.onInvite((invite) => {
      invite.onCancel = () => cancelled.fire();
      invite.progress(180);
    });
    const rec = recorder();
    const call = alice.ua.invite({ uri: `sip:bob@127.0.0.1:${bob.port}`, from: { uri: 'sip:alice@127.0.0.1' }, sdp: SDP(4004) }, rec);
    await rec.ringing$;
    call.cancel();
    call.cancel();
    await cancelled.promise;
    assert.equal(await rec.failed$, 487);
    assert.deepEqual(rec.events, ['provisional 180', 'failed 487']);
  });

  it('a re-INVITE putting the call on hold reaches onReinvite and its answer reaches the far end', async () => {
    const alice = await agent();
    const bob = await agent();
    const bobDialog = next<Dialog>();
    bob.ua.onInvite((invite) => bobDialog.fire(invite.accept(SDP(5006))));
    const rec = recorder();
    alice.ua.invite({ uri: `sip:bob@127.0.0.1:${bob.port}`, from: { uri: 'sip:alice@127.0.0.1' }, sdp: SDP(4006) }, rec);
    await rec.accepted$;
    const dialog = await bobDialog.promise;
    const offers = next<string | undefined>();
    dialog.onReinvite = (offer) => {
      offers.fire(offer);
      return SDP(5006, 'recvonly');
    };
    // Alice's side has no re-INVITE API (the Carrier never sends one), so a raw peer plays her.
    const hold = await rawReinvite(bob.port, dialog, SDP(4006, 'sendonly'));
    assert.match((await offers.promise) ?? '', /a=sendonly/);
    assert.equal(hold.status, 200);
    assert.match(hold.body.toString(), /a=recvonly/);
  });

  it('a 486 reject fails the caller with 486', async () => {
    const alice = await agent();
    const bob = await agent();
    bob.ua.onInvite((invite) => invite.reject(486));
    const rec = recorder();
    alice.ua.invite({ uri: `sip:bob@127.0.0.1:${bob.port}`, from: { uri: 'sip:alice@127.0.0.1' }, sdp: SDP(4008) }, rec);
    assert.equal(await rec.failed$, 486);
  });

  it('answers a 401 challenge with digest credentials once and the call connects', async () => {
    const alice = await agent();
    const peer = await challengingPeer('secret');
    const rec = recorder();
    alice.ua.invite(
      { uri: `sip:bob@127.0.0.1:${peer.port}`, from: { uri: 'sip:alice@127.0.0.1' }, sdp: SDP(4010), auth: { username: 'alice', password: 'secret' } },
      rec,
    );
    await rec.accepted$;
    assert.equal(peer.invites, 2);
    assert.ok(peer.authorized);
    peer.close();
  });
});

/** Sends a re-INVITE inside `dialog` from a raw socket playing the caller, ACKs the 200, returns it. */
async function rawReinvite(targetPort: number, dialog: Dialog, sdp: string): Promise<SipResponse> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  const head = (method: string, branch: string) =>
    `${method} sip:switchboard@127.0.0.1:${targetPort} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@127.0.0.1>;tag=${dialog.remoteTag}\r\nTo: <sip:bob@127.0.0.1>;tag=${dialog.localTag}\r\n` +
    `Call-ID: ${dialog.callId}\r\nCSeq: 2000000000 ${method}\r\nContact: <sip:alice@127.0.0.1:${port}>\r\n`;
  const response = new Promise<SipResponse>((resolve) => {
    socket.on('message', (data) => {
      const message = parseMessage(data);
      if (message.kind === 'response' && message.status >= 200) resolve(message);
    });
  });
  socket.send(`${head('INVITE', 'z9hG4bKhold1')}Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`, targetPort, '127.0.0.1');
  const ok = await response;
  socket.send(`${head('ACK', 'z9hG4bKhold2')}Content-Length: 0\r\n\r\n`, targetPort, '127.0.0.1');
  await new Promise((resolve) => setTimeout(resolve, 20));
  socket.close();
  return ok;
}

/** A UAS that answers the first INVITE with a 401 digest challenge and accepts a correct retry. */
async function challengingPeer(password: string) {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const state = { port: socket.address().port, invites: 0, authorized: false, close: () => socket.close() };
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  socket.on('message', (data, rinfo) => {
    const message = parseMessage(data);
    if (message.kind !== 'request' || message.method !== 'INVITE') return;
    state.invites++;
    const h = (name: string) => getHeader(message.headers, name) ?? '';
    const echo = `Via: ${h('Via')}\r\nFrom: ${h('From')}\r\nTo: ${h('To')};tag=peer1\r\nCall-ID: ${h('Call-ID')}\r\nCSeq: ${h('CSeq')}\r\n`;
    const auth = h('Authorization');
    const field = (name: string) => new RegExp(`${name}="?([^",]+)"?`).exec(auth)?.[1] ?? '';
    const expected = md5(
      `${md5(`${field('username')}:sb:${password}`)}:n0nce:${field('nc')}:${field('cnonce')}:auth:${md5(`INVITE:${field('uri')}`)}`,
    );
    let reply: string;
    if (auth && field('response') === expected) {
      state.authorized = true;
      const sdp = SDP(6000);
      reply = `SIP/2.0 200 OK\r\n${echo}Contact: <sip:peer@127.0.0.1:${state.port}>\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`;
    } else {
      reply = `SIP/2.0 401 Unauthorized\r\n${echo}WWW-Authenticate: Digest realm="sb", nonce="n0nce", qop="auth", algorithm=MD5\r\nContent-Length: 0\r\n\r\n`;
    }
    socket.send(reply, rinfo.port, rinfo.address);
  });
  return state;
}

/** Binds port 0 on loopback to find a free UDP port for sipp. */
async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Runs sipp in a temp dir and resolves with its exit code. */
function runSipp(args: string[]): Promise<number> {
  const cwd = mkdtempSync(join(tmpdir(), 'sipp-'));
  return new Promise<number>((resolve) => {
    const child = spawn('sipp', [...args, '-timeout', '20s', '-nostdin'], { cwd, stdio: 'ignore' });
    child.on('error', () => resolve(-1));
    child.on('exit', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve(code ?? -1);
    });
  });
}

describe('interop with sipp', () => {
  it('sipp calls our auto-answering user agent, hangs up, and exits 0', async () => {
    const bob = await agent();
    bob.ua.onInvite((invite) => {
      invite.progress(180);
      invite.accept(SDP(5020));
    });
    const code = await runSipp(['-sn', 'uac', '-m', '1', '-d', '1000', '-i', '127.0.0.1', '-p', String(await freePort()), `127.0.0.1:${bob.port}`]);
    assert.equal(code, 0);
  });

  it('our user agent calls sipp, which answers; our BYE ends the call and sipp exits 0', async () => {
    const alice = await agent();
    const sippPort = await freePort();
    const exit = runSipp(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(sippPort), '-m', '1']);
    await new Promise((resolve) => setTimeout(resolve, 300)); // let sipp bind before we call
    const rec = recorder();
    alice.ua.invite({ uri: `sip:service@127.0.0.1:${sippPort}`, from: { uri: 'sip:alice@127.0.0.1' }, sdp: SDP(4020) }, rec);
    const dialog = await rec.accepted$;
    await dialog.bye();
    assert.equal(await exit, 0);
  });
});

describe('UDP transport', () => {
  it('answers a malformed request 400, fills rport/received, and keeps serving', async () => {
    const bob = await agent();
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    const replies: SipResponse[] = [];
    const two = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        replies.push(parseMessage(data) as SipResponse);
        if (replies.length === 2) resolve();
      }),
    );
    const head = (cseq: string) =>
      `OPTIONS sip:switchboard@127.0.0.1:${bob.port} SIP/2.0\r\nVia: SIP/2.0/UDP 10.9.9.9:5999;branch=z9hG4bKt${cseq.length};rport\r\n` +
      `Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:y@127.0.0.1>\r\nCall-ID: udp-1\r\nCSeq: ${cseq}\r\n`;
    socket.send(`${head('1 OPTIONS')}Content-Length: 99999\r\n\r\n`, bob.port, '127.0.0.1');
    socket.send(Buffer.from([0xff, 0x00, 0x13]), bob.port, '127.0.0.1');
    socket.send(`${head('2 OPTIONS')}Content-Length: 0\r\n\r\n`, bob.port, '127.0.0.1');
    await two;
    socket.close();
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 400]);
    const ok = replies.find((r) => r.status === 200)!;
    assert.match(getHeader(ok.headers, 'Via')!, new RegExp(`received=127\\.0\\.0\\.1;rport=${port}|rport=${port};received=127\\.0\\.0\\.1`));
  });
});
