import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/ports/manual-clock.js';
import { cseqOf, getHeader, topVia } from '../src/sip/message/headers.js';
import { parseMessage } from '../src/sip/message/parse.js';
import { makeResponse } from '../src/sip/message/response.js';
import type { SipAddress, SipMessage, SipRequest, SipResponse } from '../src/sip/message/types.js';
import type { ServerTransaction, TransactionCore } from '../src/sip/transaction/transaction-layer.js';
import { TransactionLayer } from '../src/sip/transaction/transaction-layer.js';
import type { SipTransport } from '../src/sip/transport/transport.js';

const PEER: SipAddress = { address: '192.0.2.7', port: 5070 };

/** An in-memory transport: records what was sent (with the clock time) and injects messages. */
class FakeTransport implements SipTransport {
  readonly sent: { at: number; message: SipMessage; to: SipAddress }[] = [];
  failSends = false;
  private handler: ((message: SipMessage, source: SipAddress) => void) | undefined;
  constructor(private readonly clock: ManualClock) {}
  send(message: SipMessage, to: SipAddress): Promise<void> {
    if (this.failSends) return Promise.reject(new Error('EHOSTUNREACH'));
    this.sent.push({ at: this.clock.now(), message, to });
    return Promise.resolve();
  }
  onMessage(handler: (message: SipMessage, source: SipAddress) => void): void {
    this.handler = handler;
  }
  inject(message: SipMessage, source: SipAddress = PEER): void {
    this.handler?.(message, source);
  }
  /** Send times in ms since `t0` of messages matching `pick`. */
  times(t0: number, pick: (m: SipMessage) => boolean): number[] {
    return this.sent.filter((s) => pick(s.message)).map((s) => s.at - t0);
  }
}

class RecordingCore implements TransactionCore {
  readonly requests: { request: SipRequest; tx: ServerTransaction | undefined }[] = [];
  receiveRequest(request: SipRequest, _source: SipAddress, tx: ServerTransaction | undefined): void {
    this.requests.push({ request, tx });
  }
}

function setup() {
  const clock = new ManualClock();
  const transport = new FakeTransport(clock);
  // The test requests carry Via 192.0.2.7:5070 both ways, so that is "our" sent-by here.
  const layer = new TransactionLayer({ transport, clock, sentBy: { host: '192.0.2.7', port: 5070 } });
  const core = new RecordingCore();
  layer.setCore(core);
  return { clock, transport, layer, core, t0: clock.now() };
}

function request(method: string, opts: { branch?: string; cseq?: number; toTag?: string; body?: string } = {}): SipRequest {
  const body = opts.body ?? '';
  const text =
    `${method} sip:bob@192.0.2.1:5060 SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 192.0.2.7:5070;branch=${opts.branch ?? 'z9hG4bKabc'};rport\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: <sip:alice@192.0.2.7>;tag=from1\r\n` +
    `To: <sip:bob@192.0.2.1>${opts.toTag ? `;tag=${opts.toTag}` : ''}\r\n` +
    `Call-ID: call-1@192.0.2.7\r\n` +
    `CSeq: ${opts.cseq ?? 1} ${method}\r\n` +
    `Contact: <sip:alice@192.0.2.7:5070>\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return parseMessage(Buffer.from(text)) as SipRequest;
}

const isRequest = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;
const isStatus = (status: number) => (m: SipMessage) => m.kind === 'response' && m.status === status;

function user() {
  const events: string[] = [];
  return {
    events,
    receiveResponse: (r: SipResponse) => events.push(`response ${r.status}`),
    timeout: () => events.push('timeout'),
    transportError: () => events.push('transport error'),
  };
}

describe('INVITE client transaction', () => {
  it('retransmits the INVITE on Timer A, doubling without a cap, and times out with Timer B at 64*T1', async () => {
    const { clock, transport, layer, t0 } = setup();
    const u = user();
    layer.sendInvite(request('INVITE'), PEER, u);
    await clock.advance(40_000);
    assert.deepEqual(transport.times(t0, isRequest('INVITE')), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.deepEqual(u.events, ['timeout']);
  });

  it('stops retransmitting on a provisional response and passes it up', async () => {
    const { clock, transport, layer, t0 } = setup();
    const u = user();
    const invite = request('INVITE');
    layer.sendInvite(invite, PEER, u);
    await clock.advance(600);
    transport.inject(makeResponse(invite, 180, undefined, { toTag: 't1' }));
    await clock.advance(60_000);
    assert.deepEqual(transport.times(t0, isRequest('INVITE')), [0, 500]);
    assert.deepEqual(u.events, ['response 180'], 'Timer B does not run in Proceeding');
  });

  it('ACKs a non-2xx final itself with the INVITE branch, re-ACKs its retransmission without passing it up', async () => {
    const { clock, transport, layer } = setup();
    const u = user();
    const invite = request('INVITE', { branch: 'z9hG4bKinv' });
    layer.sendInvite(invite, PEER, u);
    const busy = makeResponse(invite, 486, undefined, { toTag: 'busy1' });
    transport.inject(busy);
    transport.inject(busy);
    const acks = transport.sent.filter((s) => isRequest('ACK')(s.message));
    assert.equal(acks.length, 2);
    const ack = acks[0]!.message as SipRequest;
    assert.equal(topVia(ack).params.branch, 'z9hG4bKinv');
    assert.deepEqual(cseqOf(ack), { seq: 1, method: 'ACK' });
    assert.match(getHeader(ack.headers, 'To')!, /tag=busy1/);
    assert.deepEqual(u.events, ['response 486']);
    await clock.advance(32_000);
    transport.inject(busy);
    assert.equal(transport.sent.filter((s) => isRequest('ACK')(s.message)).length, 2, 'after Timer D the transaction is gone');
  });

  it('passes every 2xx up (retransmissions and forks) and never ACKs a 2xx itself', () => {
    const { transport, layer, core } = setup();
    const u = user();
    const invite = request('INVITE');
    layer.sendInvite(invite, PEER, u);
    transport.inject(makeResponse(invite, 200, undefined, { toTag: 'a' }));
    transport.inject(makeResponse(invite, 200, undefined, { toTag: 'a' }));
    transport.inject(makeResponse(invite, 200, undefined, { toTag: 'fork' }));
    assert.deepEqual(u.events, ['response 200', 'response 200', 'response 200']);
    assert.equal(transport.sent.filter((s) => isRequest('ACK')(s.message)).length, 0);
  });

  it('drops a 2xx that arrives after Timer M: no transaction, nothing passed up, nothing sent (RFC 6026 §8.4)', async () => {
    const { clock, transport, layer, core } = setup();
    const invite = request('INVITE');
    const u = user();
    layer.sendInvite(invite, PEER, u);
    transport.inject(makeResponse(invite, 200, undefined, { toTag: 'a' }));
    await clock.advance(32_000);
    const sentBefore = transport.sent.length;
    transport.inject(makeResponse(invite, 200, undefined, { toTag: 'a' }));
    assert.deepEqual(u.events, ['response 200']);
    assert.equal(core.requests.length, 0);
    assert.equal(transport.sent.length, sentBefore);
  });

  it('drops responses that fail validation without passing them up, with one warning for a burst of them', () => {
    const clock = new ManualClock();
    const transport = new FakeTransport(clock);
    const logged: string[] = [];
    const logger = { warn: (_: object, msg: string) => logged.push(`warn ${msg}`), debug: (_: object, msg: string) => logged.push(`debug ${msg}`) };
    const layer = new TransactionLayer({ transport, clock, logger, sentBy: { host: '192.0.2.7', port: 5070 } });
    const invite = request('INVITE');
    const u = user();
    layer.sendInvite(invite, PEER, u);
    const bad = makeResponse(invite, 180, undefined, { toTag: 'x' });
    bad.headers.push({ name: 'Contact', value: '<sip:' });
    for (let i = 0; i < 50; i++) transport.inject(bad);
    assert.deepEqual(u.events, []);
    assert.deepEqual(logged, ['warn SIP: invalid-response from a peer (1 since the last report)']);
    assert.deepEqual(layer.faults.totals(), { 'invalid-response': 50 });
  });

  it('drops a response whose top Via sent-by is not ours, even with a live transaction\'s branch (§18.1.2)', () => {
    const { transport, layer } = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKmine' });
    const u = user();
    layer.sendInvite(invite, PEER, u);
    const forged = makeResponse(invite, 486, undefined, { toTag: 'x' });
    forged.headers = forged.headers.map((h) =>
      h.name === 'Via' ? { name: 'Via', value: 'SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bKmine' } : h,
    );
    transport.inject(forged);
    assert.deepEqual(u.events, []);
    assert.equal(transport.sent.filter((s) => isRequest('ACK')(s.message)).length, 0);
  });

  it('reports a transport error and ends the transaction', async () => {
    const { clock, transport, layer } = setup();
    transport.failSends = true;
    const u = user();
    layer.sendInvite(request('INVITE'), PEER, u);
    await clock.advance(0);
    assert.deepEqual(u.events, ['transport error']);
  });
});

describe('non-INVITE client transaction', () => {
  it('retransmits on Timer E doubling up to T2, and times out with Timer F', async () => {
    const { clock, transport, layer, t0 } = setup();
    const u = user();
    layer.sendRequest(request('BYE', { toTag: 'x', cseq: 5 }), PEER, u);
    await clock.advance(33_000);
    assert.deepEqual(
      transport.times(t0, isRequest('BYE')),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
    assert.deepEqual(u.events, ['timeout']);
  });

  it('retransmits every T2 once a provisional arrived, and absorbs a final in Completed until Timer K', async () => {
    const { clock, transport, layer, t0 } = setup();
    const u = user();
    const bye = request('BYE', { toTag: 'x' });
    layer.sendRequest(bye, PEER, u);
    transport.inject(makeResponse(bye, 100));
    await clock.advance(9_000);
    assert.deepEqual(transport.times(t0, isRequest('BYE')), [0, 500, 4500, 8500]);
    const ok = makeResponse(bye, 200);
    transport.inject(ok);
    transport.inject(ok);
    assert.deepEqual(u.events, ['response 100', 'response 200']);
    await clock.advance(20_000);
    assert.equal(transport.times(t0, isRequest('BYE')).length, 4);
  });
});

describe('INVITE server transaction', () => {
  it('answers 100 Trying at once and re-sends the last provisional on a retransmitted INVITE', () => {
    const { transport, core } = setup();
    const invite = request('INVITE');
    transport.inject(invite);
    assert.ok(isStatus(100)(transport.sent[0]!.message));
    assert.deepEqual(transport.sent[0]!.to, PEER);
    const tx = core.requests[0]!.tx!;
    tx.respond(makeResponse(invite, 180, undefined, { toTag: 'me' }));
    transport.inject(request('INVITE'));
    assert.equal(core.requests.length, 1, 'the retransmission is absorbed');
    assert.deepEqual(transport.sent.map((s) => (s.message as SipResponse).status), [100, 180, 180]);
  });

  it('retransmits a non-2xx final on Timer G capped at T2, until Timer H, then stops', async () => {
    const { clock, transport, core, t0 } = setup();
    const invite = request('INVITE');
    transport.inject(invite);
    core.requests[0]!.tx!.respond(makeResponse(invite, 486, undefined, { toTag: 'me' }));
    await clock.advance(40_000);
    assert.deepEqual(
      transport.times(t0, isStatus(486)),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
  });

  it('absorbs the ACK for a non-2xx (same branch): retransmissions stop and the core never sees it', async () => {
    const { clock, transport, core, t0 } = setup();
    const invite = request('INVITE');
    transport.inject(invite);
    core.requests[0]!.tx!.respond(makeResponse(invite, 603, undefined, { toTag: 'me' }));
    await clock.advance(600);
    transport.inject(request('ACK', { toTag: 'me' }));
    transport.inject(request('ACK', { toTag: 'me' }));
    await clock.advance(10_000);
    assert.deepEqual(transport.times(t0, isStatus(603)), [0, 500]);
    assert.equal(core.requests.length, 1);
  });

  it('passes the ACK for a 2xx up to the core, even one that reuses the INVITE branch', () => {
    const { transport, core } = setup();
    const invite = request('INVITE');
    transport.inject(invite);
    core.requests[0]!.tx!.respond(makeResponse(invite, 200, undefined, { toTag: 'me' }));
    transport.inject(request('ACK', { branch: 'z9hG4bKnew', toTag: 'me' }));
    transport.inject(request('ACK', { toTag: 'me' }));
    assert.deepEqual(
      core.requests.map((r) => [r.request.method, r.tx]),
      [['INVITE', core.requests[0]!.tx], ['ACK', undefined], ['ACK', undefined]],
    );
  });

  it('absorbs a retransmitted INVITE in Accepted without re-sending the 2xx (the core retransmits it)', () => {
    const { transport, core } = setup();
    const invite = request('INVITE');
    transport.inject(invite);
    const tx = core.requests[0]!.tx!;
    const ok = makeResponse(invite, 200, undefined, { toTag: 'me' });
    tx.respond(ok);
    transport.inject(request('INVITE'));
    assert.equal(tx.respond(makeResponse(invite, 486)), false, 'a second final is refused');
    assert.deepEqual(transport.sent.map((s) => (s.message as SipResponse).status), [100, 200]);
    assert.equal(core.requests.length, 1);
  });
});

describe('non-INVITE server transaction and CANCEL matching', () => {
  it('absorbs a retransmission while Trying, then answers retransmissions with the final until Timer J', async () => {
    const { clock, transport, core } = setup();
    const bye = request('BYE', { toTag: 'me', cseq: 9 });
    transport.inject(bye);
    transport.inject(request('BYE', { toTag: 'me', cseq: 9 }));
    assert.equal(transport.sent.length, 0);
    core.requests[0]!.tx!.respond(makeResponse(bye, 200));
    transport.inject(request('BYE', { toTag: 'me', cseq: 9 }));
    assert.equal(transport.sent.length, 2);
    await clock.advance(32_000);
    transport.inject(request('BYE', { toTag: 'me', cseq: 9 }));
    assert.equal(core.requests.length, 2, 'after Timer J the same request is new again');
  });

  it('matches a CANCEL to its INVITE by branch, in its own transaction', () => {
    const { transport, layer, core } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bKone' }));
    transport.inject(request('INVITE', { branch: 'z9hG4bKtwo', cseq: 2 }));
    const cancel = request('CANCEL', { branch: 'z9hG4bKtwo', cseq: 2 });
    transport.inject(cancel);
    const [, second, cancelled] = core.requests;
    assert.equal(cancelled!.request.method, 'CANCEL');
    assert.notEqual(cancelled!.tx, second!.tx);
    assert.equal(layer.inviteFor(cancel), second!.tx);
    assert.equal(layer.inviteFor(request('CANCEL', { branch: 'z9hG4bKnone' })), undefined);
  });

  it('answers 400 to a request whose CSeq is unreadable, and does not crash', () => {
    const { transport, core } = setup();
    const broken = request('OPTIONS');
    broken.headers = broken.headers.filter((h) => h.name !== 'CSeq');
    transport.inject(broken);
    assert.equal(core.requests.length, 0);
    assert.equal((transport.sent[0]!.message as SipResponse).status, 400);
  });
});
