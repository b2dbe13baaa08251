import type { FarEndBehaviour } from '../../src/ports/carrier.contract.js';
import type { Clock, Timer } from '../../src/ports/clock.js';
import { getHeader } from '../../src/sip/message/headers.js';
import { TelephoneEventDecoder } from '../../src/sip/rtp/rfc4733.js';
import { answerOffer, createOffer, readAnswer, type NegotiatedMedia } from '../../src/sip/sdp.js';
import { UdpTransport } from '../../src/sip/transport/udp-transport.js';
import { SipUserAgent, type Dialog, type IncomingInvite, type OutgoingInvite } from '../../src/sip/user-agent.js';
import { RtpPhone } from './rtp-phone.js';

/** One call as the far-end phone sees it. */
interface PhoneCall {
  state: 'ringing' | 'answered' | 'ended';
  incoming?: IncomingInvite;
  outgoing?: OutgoingInvite;
  dialog?: Dialog;
  answerTimer?: Timer;
  /** This call's own RTP socket, so what crosses a bridge can be told apart per call. */
  rtp: RtpPhone;
  /** Switchboard's side of the media, once SDP was exchanged. */
  media?: NegotiatedMedia;
  /** Where the next RFC 4733 event starts (RFC 4733 §2.5.1.2: one timestamp per event). */
  timestamp: number;
}

const KEYS = '0123456789*#ABCD';

/**
 * A scripted far-end SIP phone for tests, built on Switchboard's own user agent over loopback:
 * it answers, refuses or ignores the calls Switchboard makes to it, places calls to
 * Switchboard, hangs up, and gives each call its own RTP socket, from which it presses RFC 4733
 * keys and on which it keeps the keys Switchboard sent. Calls are keyed by the
 * `X-Twilio-CallSid` header Switchboard puts on its INVITEs, or by the SID a test registers for
 * a call the phone placed.
 */
export class SipTestPhone {
  /** INVITEs that reached the phone and were set ringing (or refused) so far. */
  invitesSeen = 0;
  private readonly behaviours = new Map<string, FarEndBehaviour>();
  private readonly calls = new Map<string, PhoneCall>();
  private readonly sockets: RtpPhone[] = [];
  private readonly ssrc = 0x6000 + Math.floor(Math.random() * 0x1000);
  private ua!: SipUserAgent;
  private transport!: UdpTransport;

  private constructor(private readonly clock: Clock) {}

  static async start(clock: Clock): Promise<SipTestPhone> {
    const phone = new SipTestPhone(clock);
    phone.transport = new UdpTransport({ host: '127.0.0.1', port: 0 });
    await phone.transport.start();
    phone.ua = new SipUserAgent({ transport: phone.transport, clock, contactHost: '127.0.0.1', contactPort: phone.port });
    phone.ua.onInvite((invite) => phone.ringIn(invite));
    return phone;
  }

  get port(): number {
    return this.transport.localAddress.port;
  }

  configure(number: string, behaviour: FarEndBehaviour): void {
    this.behaviours.set(number, behaviour);
  }

  /** Places a call to Switchboard at `target` (`host:port`); `key` names it for `hangup`. */
  async call(key: string, from: string, to: string, target: string, listener: { failed?(status: number): void } = {}): Promise<void> {
    const call = await this.newCall('ringing');
    this.calls.set(key, call);
    call.outgoing = this.ua.invite(
      { uri: `sip:${to}@${target}`, from: { uri: `sip:${from}@127.0.0.1:${this.port}` }, sdp: createOffer(this.localMedia(call)) },
      {
        provisional: () => undefined,
        accepted: (dialog, response) => {
          const answer = readAnswer(response.body.toString());
          if (!('error' in answer)) call.media = answer;
          this.connected(call, dialog);
        },
        failed: (status) => {
          call.state = 'ended';
          listener.failed?.(status);
        },
      },
    );
  }

  /** Names a call the phone placed by the SID Switchboard gave it. */
  alias(key: string, callSid: string): void {
    const call = this.calls.get(key);
    if (call) this.calls.set(callSid, call);
  }

  /** The phone hangs up: BYE once answered; while ringing, CANCEL (its call) or 486 (ours). */
  hangup(key: string): boolean {
    const call = this.calls.get(key);
    if (!call || call.state === 'ended') return false;
    call.state = 'ended';
    call.answerTimer?.cancel();
    if (call.dialog) void call.dialog.bye();
    else if (call.outgoing) call.outgoing.cancel();
    else call.incoming?.reject(486);
    return true;
  }

  /**
   * The phone of call `key` presses `keys` as RFC 4733 events on the telephone-event payload
   * type the call negotiated, toward Switchboard's RTP address for that call (RFC 4733 §2.5).
   */
  async press(key: string, keys: string): Promise<void> {
    const call = this.calls.get(key);
    const pt = call?.media?.telephoneEventPt;
    if (!call?.media || pt === undefined) throw new Error(`SipTestPhone: call ${key} has no RFC 4733 media to press keys on`);
    for (const digit of keys) {
      call.rtp.sendKeyPress(call.media.remotePort, KEYS.indexOf(digit), call.timestamp, this.ssrc, pt);
      call.timestamp += 1600;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  }

  /** Keys Switchboard sent to call `key` as RFC 4733 events, in order. */
  keysHeard(key: string): string {
    const call = this.calls.get(key);
    const pt = call?.media?.telephoneEventPt;
    if (!call || pt === undefined) return '';
    const decoder = new TelephoneEventDecoder();
    return call.rtp.packets
      .filter((p) => p.payloadType === pt)
      .map((p) => decoder.accept(p.ssrc, p.timestamp, p.payload) ?? '')
      .join('');
  }

  async close(): Promise<void> {
    await this.ua.close();
    for (const socket of this.sockets) socket.close();
  }

  private async newCall(state: PhoneCall['state']): Promise<PhoneCall> {
    const rtp = await RtpPhone.open();
    this.sockets.push(rtp);
    return { state, rtp, timestamp: 10_000 };
  }

  private ringIn(invite: IncomingInvite): void {
    void this.newCall('ringing').then((call) => this.ring(invite, call));
  }

  private ring(invite: IncomingInvite, call: PhoneCall): void {
    const key = getHeader(invite.request.headers, 'X-Twilio-CallSid') ?? invite.request.uri.user ?? '';
    const behaviour = this.behaviours.get(invite.request.uri.user ?? '') ?? { answer: 'answer', answerAfterMs: 1000 };
    call.incoming = invite;
    this.calls.set(key, call);
    // Counted once the call is set up, so a harness waiting on it knows the answer timer is set.
    this.invitesSeen++;
    invite.onCancel = () => {
      call.state = 'ended';
      call.answerTimer?.cancel();
    };
    if (behaviour.answer === 'busy') return this.refuse(call, 486);
    if (behaviour.answer === 'fail') return this.refuse(call, 503);
    invite.progress(180);
    if (behaviour.answer === 'no-answer') return;
    call.answerTimer = this.clock.setTimer(behaviour.answerAfterMs ?? 1000, () => {
      if (call.state !== 'ringing') return;
      const answered = answerOffer(invite.offer ?? '', this.localMedia(call));
      if ('error' in answered) return this.refuse(call, answered.error);
      call.media = answered.media;
      this.connected(call, invite.accept(answered.sdp));
    });
  }

  private refuse(call: PhoneCall, status: number): void {
    call.state = 'ended';
    call.incoming!.reject(status);
  }

  private connected(call: PhoneCall, dialog: Dialog): void {
    call.dialog = dialog;
    if (call.state === 'ended') return void dialog.bye();
    call.state = 'answered';
    dialog.onEnded = () => (call.state = 'ended');
  }

  private localMedia(call: PhoneCall) {
    return { address: '127.0.0.1', port: call.rtp.port, sessionId: '1', version: 1 };
  }
}
