import alawmulaw from 'alawmulaw';
import type { Clock } from '../../src/ports/clock.js';
import { TelephoneEventDecoder } from '../../src/sip/rtp/rfc4733.js';
import { answerOffer } from '../../src/sip/sdp.js';
import { UdpTransport } from '../../src/sip/transport/udp-transport.js';
import { SipUserAgent, type Dialog, type IncomingInvite } from '../../src/sip/user-agent.js';
import { RtpPhone, sleep, type Received } from './rtp-phone.js';

export interface BridgePhoneOptions {
  codec: 'PCMU' | 'PCMA';
  /** The telephone-event PT this phone answers with; none when undefined. */
  telephoneEventPt?: number;
  answerAfterMs?: number;
}

/**
 * A SIP phone for bridge tests: answers the one call Switchboard places to it with the codec and
 * telephone-event payload type it was given (whatever the offer prefers), so two of them make a
 * PCMU ↔ PCMA bridge; sends tones and RFC 4733 keys, and keeps every RTP packet it received.
 */
export class BridgePhone {
  readonly rtp: RtpPhone;
  /** Switchboard's RTP port for the call, once it rang. */
  switchboardPort = 0;
  dialog: Dialog | undefined;
  private ua!: SipUserAgent;
  private transport!: UdpTransport;
  private ssrc = 0x5000 + Math.floor(Math.random() * 0x1000);
  private timestamp = 10_000;

  private constructor(private readonly clock: Clock, readonly options: BridgePhoneOptions, rtp: RtpPhone) {
    this.rtp = rtp;
  }

  static async start(clock: Clock, options: BridgePhoneOptions): Promise<BridgePhone> {
    const phone = new BridgePhone(clock, options, await RtpPhone.open());
    phone.transport = new UdpTransport({ host: '127.0.0.1', port: 0 });
    await phone.transport.start();
    phone.ua = new SipUserAgent({ transport: phone.transport, clock, contactHost: '127.0.0.1', contactPort: phone.port });
    phone.ua.onInvite((invite) => phone.ringIn(invite));
    return phone;
  }

  get port(): number {
    return this.transport.localAddress.port;
  }

  get uri(): string {
    return `sip:phone@127.0.0.1:${this.port}`;
  }

  get payloadType(): 0 | 8 {
    return this.options.codec === 'PCMU' ? 0 : 8;
  }

  /** Sends `ms` of a sine at `hz` as 20 ms packets, paced in real time. */
  async sendTone(hz: number, ms: number): Promise<void> {
    const codec = this.options.codec === 'PCMU' ? alawmulaw.mulaw : alawmulaw.alaw;
    for (let f = 0; f < ms / 20; f++) {
      const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * (f * 160 + i)) / 8000)));
      this.rtp.send(this.switchboardPort, { payloadType: this.payloadType, timestamp: this.timestamp, ssrc: this.ssrc, marker: f === 0 }, codec.encode(pcm));
      this.timestamp += 160;
      await sleep(20);
    }
  }

  /** Presses `keys` as RFC 4733 events on this phone's telephone-event PT. */
  async press(keys: string): Promise<void> {
    for (const key of keys) {
      this.rtp.sendKeyPress(this.switchboardPort, '0123456789*#ABCD'.indexOf(key), this.timestamp, this.ssrc, this.options.telephoneEventPt);
      this.timestamp += 1600;
      await sleep(40);
    }
  }

  /** Keys received as RFC 4733 events on this phone's telephone-event PT, in order. */
  keysHeard(): string {
    const decoder = new TelephoneEventDecoder();
    const pt = this.options.telephoneEventPt;
    return this.rtp.packets
      .filter((p) => p.payloadType === pt)
      .map((p) => decoder.accept(p.ssrc, p.timestamp, p.payload) ?? '')
      .join('');
  }

  /** Received audio from packet `from` on, decoded to PCM. */
  audioSince(from: number): Int16Array {
    const codec = this.options.codec === 'PCMU' ? alawmulaw.mulaw : alawmulaw.alaw;
    const packets = this.rtp.packets.slice(from).filter((p: Received) => p.payloadType === this.payloadType);
    const out = new Int16Array(packets.length * 160);
    packets.forEach((p, i) => out.set(codec.decode(p.payload).subarray(0, 160), i * 160));
    return out;
  }

  hangup(): void {
    void this.dialog?.bye();
  }

  async close(): Promise<void> {
    await this.ua.close();
    this.rtp.close();
  }

  private ringIn(invite: IncomingInvite): void {
    const offered = answerOffer(invite.offer ?? '', { address: '127.0.0.1', port: this.rtp.port, sessionId: '7', version: 1 });
    if ('error' in offered) return invite.reject(488);
    this.switchboardPort = offered.media.remotePort;
    invite.progress(180);
    this.clock.setTimer(this.options.answerAfterMs ?? 200, () => {
      this.dialog = invite.accept(this.answerSdp());
    });
  }

  /** Our answer, written by hand so the codec is ours to pick (RFC 3264 §6.1 lets the answerer choose). */
  private answerSdp(): string {
    const pt = this.payloadType;
    const te = this.options.telephoneEventPt;
    return [
      'v=0', 'o=- 7 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${this.rtp.port} RTP/AVP ${pt}${te === undefined ? '' : ` ${te}`}`,
      `a=rtpmap:${pt} ${this.options.codec}/8000`,
      ...(te === undefined ? [] : [`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-16`]),
      'a=ptime:20', 'a=sendrecv', '',
    ].join('\r\n');
  }
}
