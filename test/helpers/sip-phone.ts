import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { FarEndBehaviour } from '../../src/ports/carrier.contract.js';
import type { Clock, Timer } from '../../src/ports/clock.js';
import { getHeader } from '../../src/sip/message/headers.js';
import { answerOffer, createOffer } from '../../src/sip/sdp.js';
import { UdpTransport } from '../../src/sip/transport/udp-transport.js';
import { SipUserAgent, type Dialog, type IncomingInvite, type OutgoingInvite } from '../../src/sip/user-agent.js';

/** One call as the far-end phone sees it. */
interface PhoneCall {
  state: 'ringing' | 'answered' | 'ended';
  incoming?: IncomingInvite;
  outgoing?: OutgoingInvite;
  dialog?: Dialog;
  answerTimer?: Timer;
}

/**
 * A scripted far-end SIP phone for tests, built on Switchboard's own user agent over loopback:
 * it answers, refuses or ignores the calls Switchboard makes to it, places calls to
 * Switchboard, hangs up, and keeps an RTP socket whose packets it counts. Calls are keyed by the
 * `X-Twilio-CallSid` header Switchboard puts on its INVITEs, or by the SID a test registers for
 * a call the phone placed.
 */
export class SipTestPhone {
  readonly rtp: Socket;
  rtpPackets = 0;
  /** INVITEs that reached the phone so far. */
  invitesSeen = 0;
  private readonly behaviours = new Map<string, FarEndBehaviour>();
  private readonly calls = new Map<string, PhoneCall>();
  private ua!: SipUserAgent;
  private transport!: UdpTransport;

  private constructor(private readonly clock: Clock) {
    this.rtp = createSocket('udp4');
    this.rtp.on('error', () => undefined);
    this.rtp.on('message', () => this.rtpPackets++);
  }

  static async start(clock: Clock): Promise<SipTestPhone> {
    const phone = new SipTestPhone(clock);
    await new Promise<void>((resolve) => phone.rtp.bind(0, '127.0.0.1', resolve));
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
  call(key: string, from: string, to: string, target: string, listener: { failed?(status: number): void } = {}): void {
    const call: PhoneCall = { state: 'ringing' };
    this.calls.set(key, call);
    call.outgoing = this.ua.invite(
      { uri: `sip:${to}@${target}`, from: { uri: `sip:${from}@127.0.0.1:${this.port}` }, sdp: this.offer() },
      {
        provisional: () => undefined,
        accepted: (dialog) => this.connected(call, dialog),
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

  async close(): Promise<void> {
    await this.ua.close();
    this.rtp.close();
  }

  private ringIn(invite: IncomingInvite): void {
    this.invitesSeen++;
    const key = getHeader(invite.request.headers, 'X-Twilio-CallSid') ?? invite.request.uri.user ?? '';
    const behaviour = this.behaviours.get(invite.request.uri.user ?? '') ?? { answer: 'answer', answerAfterMs: 1000 };
    const call: PhoneCall = { state: 'ringing', incoming: invite };
    this.calls.set(key, call);
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
      const answered = answerOffer(invite.offer ?? '', this.localMedia());
      if ('error' in answered) return this.refuse(call, answered.error);
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

  private offer(): string {
    return createOffer(this.localMedia());
  }

  private localMedia() {
    return { address: '127.0.0.1', port: (this.rtp.address() as AddressInfo).port, sessionId: '1', version: 1 };
  }
}
