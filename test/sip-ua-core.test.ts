import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/ports/manual-clock.js';
import { cseqOf, getHeader, tagOf, toOf } from '../src/sip/message/headers.js';
import { parseMessage } from '../src/sip/message/parse.js';
import type { SipAddress, SipMessage, SipRequest, SipResponse } from '../src/sip/message/types.js';
import type { SipTransport } from '../src/sip/transport/transport.js';
import { SipUserAgent, type Dialog, type IncomingInvite } from '../src/sip/user-agent.js';

const PEER: SipAddress = { address: '127.0.0.1', port: 5070 };

class FakeTransport implements SipTransport {
  readonly sent: { at: number; message: SipMessage; to: SipAddress }[] = [];
  private handler: ((message: SipMessage, source: SipAddress) => void) | undefined;
  constructor(private readonly clock: ManualClock) {}
  send(message: SipMessage, to: SipAddress): Promise<void> {
    this.sent.push({ at: this.clock.now(), message, to });
    return Promise.resolve();
  }
  onMessage(handler: (message: SipMessage, source: SipAddress) => void): void {
    this.handler = handler;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  inject(text: string, source: SipAddress = PEER): void {
    this.handler?.(parseMessage(Buffer.from(text)), source);
  }
  responses(status: number, method?: string): SipResponse[] {
    return this.sent
      .map((s) => s.message)
      .filter((m): m is SipResponse => m.kind === 'response' && m.status === status && (!method || cseqOf(m).method === method));
  }
  requests(method: string): SipRequest[] {
    return this.sent.map((s) => s.message).filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
  }
}

function request(
  method: string,
  o: { branch: string; cseq: number; toTag?: string; body?: string; cseqMethod?: string; recordRoute?: string; contact?: string },
): string {
  const body = o.body ?? '';
  return (
    `${method} sip:switchboard@127.0.0.1:5060 SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=${o.branch};rport\r\nMax-Forwards: 70\r\n` +
    `From: <sip:caller@127.0.0.1>;tag=caller1\r\nTo: <sip:switchboard@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}\r\n` +
    `Call-ID: core-1\r\nCSeq: ${o.cseq} ${o.cseqMethod ?? method}\r\nContact: ${o.contact ?? '<sip:caller@127.0.0.1:5070>'}\r\n` +
    `Record-Route: ${o.recordRoute ?? '<sip:127.0.0.2;lr>'}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function setup() {
  const clock = new ManualClock();
  const transport = new FakeTransport(clock);
  const ua = new SipUserAgent({ transport, clock, contactHost: '127.0.0.1', contactPort: 5060 });
  const invites: IncomingInvite[] = [];
  ua.onInvite((invite) => invites.push(invite));
  return { clock, transport, ua, invites, t0: clock.now() };
}

describe('SIP user agent core', () => {
  it('retransmits its 200 at T1 doubling to T2 until the ACK, which is matched by dialog, not branch', async () => {
    const { clock, transport, invites, t0 } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bK1', cseq: 10, body: OFFER }));
    assert.equal(transport.responses(100).length, 1);
    invites[0]!.progress(180);
    invites[0]!.accept(OFFER);
    const ok = transport.responses(200)[0]!;
    const tag = tagOf(toOf(ok))!;
    assert.equal(tagOf(toOf(transport.responses(180)[0]!)), tag, '180 and 200 carry the same To-tag');
    assert.equal(getHeader(ok.headers, 'Record-Route'), '<sip:127.0.0.2;lr>');
    assert.equal(getHeader(ok.headers, 'Contact'), '<sip:switchboard@127.0.0.1:5060>');
    await clock.advance(7_600);
    transport.inject(request('ACK', { branch: 'z9hG4bKack', cseq: 10, toTag: tag }));
    await clock.advance(30_000);
    const times = transport.sent.filter((s) => s.message.kind === 'response' && s.message.status === 200).map((s) => s.at - t0);
    assert.deepEqual(times, [0, 500, 1500, 3500, 7500]);
  });

  it('without an ACK for 64*T1 it sends BYE and ends the dialog with ack-timeout', async () => {
    const { clock, transport, invites } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bK2', cseq: 10, body: OFFER }));
    const dialog = invites[0]!.accept(OFFER);
    const ended: string[] = [];
    dialog.onEnded = (why) => ended.push(why);
    await clock.advance(32_000);
    assert.deepEqual(ended, ['ack-timeout']);
    const bye = transport.requests('BYE')[0]!;
    assert.equal(bye.uri.user, 'caller', 'BYE goes to the remote Contact');
    assert.equal(getHeader(bye.headers, 'Route'), '<sip:127.0.0.2;lr>');
    assert.notEqual(cseqOf(bye).seq, 11, 'our own CSeq, never the remote one + 1');
  });

  it('a CANCEL after our 200 gets 200 and the call goes on; a CANCEL while ringing gets 200 then 487', () => {
    const { transport, invites } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bK3', cseq: 1, body: OFFER }));
    const dialog = invites[0]!.accept(OFFER);
    let ended = false;
    dialog.onEnded = () => (ended = true);
    transport.inject(request('CANCEL', { branch: 'z9hG4bK3', cseq: 1 }));
    assert.equal(transport.responses(200, 'CANCEL').length, 1);
    assert.equal(transport.responses(487).length, 0);
    assert.equal(ended, false);

    transport.inject(request('INVITE', { branch: 'z9hG4bK4', cseq: 1, body: OFFER }));
    let cancelled = 0;
    invites[1]!.onCancel = () => cancelled++;
    invites[1]!.progress(180);
    transport.inject(request('CANCEL', { branch: 'z9hG4bK4', cseq: 1 }));
    const terminated = transport.responses(487)[0]!;
    assert.equal(tagOf(toOf(terminated)), tagOf(toOf(transport.responses(180).at(-1)!)));
    assert.equal(cancelled, 1);
    assert.throws(() => invites[1]!.accept(OFFER), /cancelled/);
  });

  it('answers OPTIONS with Allow, unknown methods with 405, unknown dialogs with 481', () => {
    const { transport } = setup();
    transport.inject(request('OPTIONS', { branch: 'z9hG4bK5', cseq: 1 }));
    assert.match(getHeader(transport.responses(200, 'OPTIONS')[0]!.headers, 'Allow')!, /INVITE/);
    transport.inject(request('SUBSCRIBE', { branch: 'z9hG4bK6', cseq: 1 }));
    assert.match(getHeader(transport.responses(405)[0]!.headers, 'Allow')!, /BYE/);
    transport.inject(request('BYE', { branch: 'z9hG4bK7', cseq: 2, toTag: 'nope' }));
    assert.equal(transport.responses(481).length, 1);
  });

  it('rejects an in-dialog request with a lower CSeq with 500 and Retry-After, and refuses a re-INVITE it cannot answer with 488', async () => {
    const { transport, invites } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bK8', cseq: 10, body: OFFER }));
    const dialog: Dialog = invites[0]!.accept(OFFER);
    const tag = dialog.localTag;
    transport.inject(request('ACK', { branch: 'z9hG4bK9', cseq: 10, toTag: tag }));
    transport.inject(request('OPTIONS', { branch: 'z9hG4bKa', cseq: 9, toTag: tag }));
    const stale = transport.responses(500)[0]!;
    assert.ok(getHeader(stale.headers, 'Retry-After'));
    dialog.onReinvite = () => undefined;
    transport.inject(request('INVITE', { branch: 'z9hG4bKb', cseq: 11, toTag: tag, body: OFFER }));
    assert.equal(transport.responses(488).length, 1);
  });

  it('an offerless re-INVITE gets our offer in the 200 and the answer arrives from the ACK', () => {
    const { transport, invites } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bKc', cseq: 10, body: OFFER }));
    const dialog = invites[0]!.accept(OFFER);
    transport.inject(request('ACK', { branch: 'z9hG4bKd', cseq: 10, toTag: dialog.localTag }));
    const offers: (string | undefined)[] = [];
    const answers: string[] = [];
    dialog.onReinvite = (offer) => (offers.push(offer), 'OUR-OFFER');
    dialog.onAckSdp = (answer) => answers.push(answer);
    transport.inject(request('INVITE', { branch: 'z9hG4bKe', cseq: 11, toTag: dialog.localTag }));
    assert.deepEqual(offers, [undefined]);
    assert.equal(transport.responses(200, 'INVITE').at(-1)!.body.toString(), 'OUR-OFFER');
    transport.inject(request('ACK', { branch: 'z9hG4bKf', cseq: 11, toTag: dialog.localTag, body: 'THEIR-ANSWER' }));
    assert.deepEqual(answers, ['THEIR-ANSWER']);
  });

  it('a handler that throws is contained and the next request is still served', () => {
    const { transport, ua } = setup();
    ua.onInvite(() => {
      throw new Error('boom');
    });
    transport.inject(request('INVITE', { branch: 'z9hG4bKg', cseq: 1, body: OFFER }));
    transport.inject(request('OPTIONS', { branch: 'z9hG4bKh', cseq: 1 }));
    assert.equal(transport.responses(200, 'OPTIONS').length, 1);
  });

  it('a 2xx that races our CANCEL gets ACK then BYE, and the caller hears 487', async () => {
    const { clock, transport, ua } = setup();
    const events: string[] = [];
    const call = ua.invite(
      { uri: 'sip:bob@127.0.0.1:5070', from: { uri: 'sip:switchboard@127.0.0.1' }, sdp: OFFER },
      { provisional: (s) => events.push(`provisional ${s}`), accepted: () => events.push('accepted'), failed: (s) => events.push(`failed ${s}`) },
    );
    await clock.advance(0);
    call.cancel();
    const invite = transport.requests('INVITE')[0]!;
    assert.equal(transport.requests('CANCEL').length, 0, 'no CANCEL before a provisional');
    const reply = (status: number, method = 'INVITE') =>
      `SIP/2.0 ${status} X\r\nVia: ${getHeader(invite.headers, 'Via')}\r\nFrom: ${getHeader(invite.headers, 'From')}\r\n` +
      `To: ${getHeader(invite.headers, 'To')};tag=bob1\r\nCall-ID: ${getHeader(invite.headers, 'Call-ID')}\r\n` +
      `CSeq: ${cseqOf(invite).seq} ${method}\r\nContact: <sip:bob@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n`;
    transport.inject(reply(180));
    const cancel = transport.requests('CANCEL')[0]!;
    assert.equal(getHeader(cancel.headers, 'Via'), getHeader(invite.headers, 'Via'), 'CANCEL reuses the INVITE Via and branch');
    assert.equal(cseqOf(cancel).seq, cseqOf(invite).seq);
    transport.inject(reply(200));
    await clock.advance(0);
    const kinds = transport.sent.map((s) => (s.message.kind === 'request' ? s.message.method : String(s.message.status)));
    assert.deepEqual(kinds.slice(-2), ['ACK', 'BYE']);
    assert.deepEqual(events, ['failed 487'], 'the 180 after cancel() is not reported, nor the 2xx');
  });

  it('a 2xx to INVITE matching none of our calls is dropped: no ACK, no BYE to the Contact it names', async () => {
    const { clock, transport } = setup();
    const forged = (via: string) =>
      `SIP/2.0 200 OK\r\nVia: ${via}\r\nFrom: <sip:switchboard@127.0.0.1>;tag=ours\r\n` +
      `To: <sip:victim@198.51.100.9>;tag=v1\r\nCall-ID: never-ours\r\nCSeq: 1 INVITE\r\n` +
      `Contact: <sip:victim@198.51.100.9:5060>\r\nContent-Length: 0\r\n\r\n`;
    transport.inject(forged('SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKforged'));
    transport.inject(forged('SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bKforged'));
    await clock.advance(40_000);
    assert.deepEqual(transport.sent, []);
  });

  it('a hangup before the ACK holds the BYE: the 200 keeps being retransmitted and the BYE follows the ACK (§15)', async () => {
    const { clock, transport, invites } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bKheld1', cseq: 10, body: OFFER }));
    const dialog = invites[0]!.accept(OFFER);
    let done = false;
    void dialog.bye().then(() => (done = true));
    await clock.advance(1_600);
    assert.equal(transport.requests('BYE').length, 0, 'no BYE before the ACK');
    assert.equal(transport.responses(200, 'INVITE').length, 3, 'the 200 is still retransmitted');
    transport.inject(request('ACK', { branch: 'z9hG4bKheld2', cseq: 10, toTag: dialog.localTag }));
    await clock.advance(0);
    const bye = transport.requests('BYE');
    assert.equal(bye.length, 1);
    const kinds = transport.sent.map((s) => (s.message.kind === 'request' ? s.message.method : String(s.message.status)));
    assert.equal(kinds.at(-1), 'BYE');
    assert.equal(done, false, 'bye() resolves on the final response');
    const okToBye = `SIP/2.0 200 OK\r\nVia: ${getHeader(bye[0]!.headers, 'Via')}\r\nFrom: ${getHeader(bye[0]!.headers, 'From')}\r\n` +
      `To: ${getHeader(bye[0]!.headers, 'To')}\r\nCall-ID: core-1\r\nCSeq: ${cseqOf(bye[0]!).seq} BYE\r\nContent-Length: 0\r\n\r\n`;
    transport.inject(okToBye);
    await clock.advance(0);
    assert.equal(done, true);
  });

  it('a BYE held for an ACK that never comes goes out once when the 2xx retransmission gives up', async () => {
    const { clock, transport, invites } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bKheld3', cseq: 10, body: OFFER }));
    const dialog = invites[0]!.accept(OFFER);
    const ended: string[] = [];
    dialog.onEnded = (why) => ended.push(why);
    void dialog.bye();
    await clock.advance(31_000);
    assert.equal(transport.requests('BYE').length, 0);
    await clock.advance(1_000);
    assert.equal(transport.requests('BYE').length, 1);
    assert.deepEqual(ended, [], 'the Carrier asked for the end; it is not told again');
  });

  it('with a strict router first in the route set, the BYE goes to that router, which is also its Request-URI (§12.2.1.1)', async () => {
    const { clock, transport, invites } = setup();
    const recordRoute = '<sip:127.0.0.3:5099>, <sip:127.0.0.4:5098;lr>';
    transport.inject(request('INVITE', { branch: 'z9hG4bKstrict1', cseq: 10, body: OFFER, recordRoute }));
    const dialog = invites[0]!.accept(OFFER);
    transport.inject(request('ACK', { branch: 'z9hG4bKstrict2', cseq: 10, toTag: dialog.localTag }));
    void dialog.bye();
    await clock.advance(0);
    const sent = transport.sent.find((s) => s.message.kind === 'request' && s.message.method === 'BYE')!;
    const bye = sent.message as SipRequest;
    assert.equal(bye.uri.host, '127.0.0.3');
    assert.deepEqual(sent.to, { address: '127.0.0.3', port: 5099 });
    assert.deepEqual(getHeader(bye.headers, 'Route'), '<sip:127.0.0.4:5098;lr>');
  });

  it('a 2xx retransmitted after our BYE (our ACK was lost) gets the same ACK again, not a new dialog and BYE', async () => {
    const { clock, transport, ua } = setup();
    let dialog: Dialog | undefined;
    ua.invite(
      { uri: 'sip:bob@127.0.0.1:5070', from: { uri: 'sip:switchboard@127.0.0.1' }, sdp: OFFER },
      { provisional: () => undefined, accepted: (d) => (dialog = d), failed: () => undefined },
    );
    await clock.advance(0);
    const invite = transport.requests('INVITE')[0]!;
    const ok =
      `SIP/2.0 200 OK\r\nVia: ${getHeader(invite.headers, 'Via')}\r\nFrom: ${getHeader(invite.headers, 'From')}\r\n` +
      `To: ${getHeader(invite.headers, 'To')};tag=bob1\r\nCall-ID: ${getHeader(invite.headers, 'Call-ID')}\r\n` +
      `CSeq: ${cseqOf(invite).seq} INVITE\r\nContact: <sip:bob@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n`;
    transport.inject(ok);
    await clock.advance(0);
    void dialog!.bye();
    await clock.advance(0);
    transport.inject(ok);
    transport.inject(ok);
    await clock.advance(0);
    const acks = transport.requests('ACK');
    assert.equal(acks.length, 3);
    assert.equal(getHeader(acks[2]!.headers, 'Via'), getHeader(acks[0]!.headers, 'Via'), 'the stored ACK, re-sent');
    assert.equal(transport.requests('BYE').length, 1);
  });

  it('refuses a request that Requires an extension with 420 and Unsupported naming it, but never an ACK or CANCEL (§8.2.2.3)', () => {
    const { transport, invites } = setup();
    const withRequire = (text: string, tags: string) => text.replace('Max-Forwards: 70\r\n', `Max-Forwards: 70\r\nRequire: ${tags}\r\n`);
    transport.inject(withRequire(request('INVITE', { branch: 'z9hG4bKreq1', cseq: 1, body: OFFER }), '100rel, timer'));
    assert.equal(invites.length, 0);
    const refused = transport.responses(420)[0]!;
    assert.equal(getHeader(refused.headers, 'Unsupported'), '100rel, timer');

    transport.inject(request('INVITE', { branch: 'z9hG4bKreq2', cseq: 10, body: OFFER }));
    const dialog = invites[0]!.accept(OFFER);
    transport.inject(withRequire(request('ACK', { branch: 'z9hG4bKreq3', cseq: 10, toTag: dialog.localTag }), 'timer'));
    transport.inject(withRequire(request('CANCEL', { branch: 'z9hG4bKreq2', cseq: 10 }), 'timer'));
    assert.equal(transport.responses(200, 'CANCEL').length, 1);
    assert.equal(transport.responses(420).length, 1);
    transport.inject(withRequire(request('OPTIONS', { branch: 'z9hG4bKreq4', cseq: 11, toTag: dialog.localTag }), 'timer'));
    assert.equal(transport.responses(420).length, 2, 'in-dialog requests too');
  });

  it('answers a proxy 407 and then the UAS 401, the credentials adding up; a second challenge for a realm fails the call', async () => {
    const { clock, transport, ua } = setup();
    const events: string[] = [];
    ua.invite(
      { uri: 'sip:bob@127.0.0.1:5070', from: { uri: 'sip:switchboard@127.0.0.1' }, sdp: OFFER, auth: { username: 'sb', password: 'pw' } },
      { provisional: () => undefined, accepted: () => events.push('accepted'), failed: (s) => events.push(`failed ${s}`) },
    );
    const challenge = async (status: 401 | 407, realm: string) => {
      await clock.advance(0);
      const invite = transport.requests('INVITE').at(-1)!;
      const header = status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
      transport.inject(
        `SIP/2.0 ${status} Auth\r\nVia: ${getHeader(invite.headers, 'Via')}\r\nFrom: ${getHeader(invite.headers, 'From')}\r\n` +
        `To: ${getHeader(invite.headers, 'To')};tag=x\r\nCall-ID: ${getHeader(invite.headers, 'Call-ID')}\r\n` +
        `CSeq: ${cseqOf(invite).seq} INVITE\r\n${header}: Digest realm="${realm}", nonce="n-${realm}"\r\nContent-Length: 0\r\n\r\n`,
      );
      await clock.advance(0);
    };
    await challenge(407, 'proxy');
    await challenge(401, 'uas');
    const third = transport.requests('INVITE')[2]!;
    assert.match(getHeader(third.headers, 'Proxy-Authorization')!, /realm="proxy"/);
    assert.match(getHeader(third.headers, 'Authorization')!, /realm="uas"/);
    assert.deepEqual(events, []);
    await challenge(401, 'uas');
    assert.equal(transport.requests('INVITE').length, 3, 'no retry with the same refused credentials');
    assert.deepEqual(events, ['failed 401']);
  });

  it('an accepted re-INVITE moves the remote target to its Contact, so the BYE goes there', async () => {
    const { clock, transport, invites } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bKtgt1', cseq: 10, body: OFFER }));
    const dialog = invites[0]!.accept(OFFER);
    transport.inject(request('ACK', { branch: 'z9hG4bKtgt2', cseq: 10, toTag: dialog.localTag }));
    dialog.onReinvite = () => OFFER;
    transport.inject(request('INVITE', { branch: 'z9hG4bKtgt4', cseq: 12, toTag: dialog.localTag, body: OFFER, contact: '<sip:moved@127.0.0.8>' }));
    transport.inject(request('ACK', { branch: 'z9hG4bKtgt5', cseq: 12, toTag: dialog.localTag }));
    void dialog.bye();
    await clock.advance(0);
    assert.equal(transport.requests('BYE')[0]!.uri.user, 'moved');
  });

  it('a refused re-INVITE does not redirect the BYE', async () => {
    const { clock, transport, invites } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bKtgt6', cseq: 10, body: OFFER }));
    const dialog = invites[0]!.accept(OFFER);
    transport.inject(request('ACK', { branch: 'z9hG4bKtgt7', cseq: 10, toTag: dialog.localTag }));
    dialog.onReinvite = () => undefined;
    transport.inject(request('INVITE', { branch: 'z9hG4bKtgt8', cseq: 11, toTag: dialog.localTag, body: OFFER, contact: '<sip:refused@127.0.0.9>' }));
    void dialog.bye();
    await clock.advance(0);
    assert.equal(transport.requests('BYE')[0]!.uri.user, 'caller');
  });

  it('a caller behind NAT (private Contact, public source, no proxy) gets our BYE at the INVITE source; a public Contact keeps its own', async () => {
    const { clock, transport, invites } = setup();
    const natted: SipAddress = { address: '203.0.113.5', port: 40123 };
    const privateContact = (text: string) =>
      text.replace('Contact: <sip:caller@127.0.0.1:5070>', 'Contact: <sip:caller@192.168.1.20:5060>').replace(/Record-Route: .*\r\n/, '');
    transport.inject(privateContact(request('INVITE', { branch: 'z9hG4bKnat1', cseq: 10, body: OFFER })), natted);
    const dialog = invites[0]!.accept(OFFER);
    transport.inject(request('ACK', { branch: 'z9hG4bKnat2', cseq: 10, toTag: dialog.localTag }), natted);
    void dialog.bye();
    await clock.advance(0);
    const bye = transport.sent.find((s) => s.message.kind === 'request' && s.message.method === 'BYE')!;
    assert.deepEqual(bye.to, natted);
    assert.equal((bye.message as SipRequest).uri.host, '192.168.1.20', 'the Request-URI is still the Contact');

    const publicContact = (text: string) => text.replace('Contact: <sip:caller@127.0.0.1:5070>', 'Contact: <sip:caller@198.51.100.7:5062>').replace(/Record-Route: .*\r\n/, '');
    transport.inject(publicContact(request('INVITE', { branch: 'z9hG4bKnat3', cseq: 10, body: OFFER }).replace('core-1', 'core-2')), natted);
    const second = invites[1]!.accept(OFFER);
    transport.inject(request('ACK', { branch: 'z9hG4bKnat4', cseq: 10, toTag: second.localTag }).replace('core-1', 'core-2'), natted);
    void second.bye();
    await clock.advance(0);
    const bye2 = transport.sent.filter((s) => s.message.kind === 'request' && s.message.method === 'BYE')[1]!;
    assert.deepEqual(bye2.to, { address: '198.51.100.7', port: 5062 });
  });
});
