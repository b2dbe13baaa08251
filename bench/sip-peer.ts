/**
 * The bridge benchmark's SIP signalling: a bare-bones user agent on one UDP socket that places
 * calls (UAC: INVITE, ACK, BYE) and answers them (UAS: 180, 200 with SDP, BYE), and timestamps
 * every INVITE it receives. RTP is not its business: the SDP it sends names the worker RTP
 * generator's ports (bench/rtp-generator.ts), and it hands back the far end's SDP.
 *
 * Only what loopback needs of RFC 3261: retransmission of the INVITE and of the 2xx on timer T1
 * (§17.1.1.2, §13.3.1.4), ACK for 2xx as its own transaction and for non-2xx on the INVITE's
 * branch (§17.1.1.3), one dialog per Call-ID. Messages are parsed with Switchboard's own parser
 * (a codec, not the code under test: the bridge's behaviour is measured from RTP and timing).
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseMessage } from '../src/sip/message/parse.js';
import { getHeader } from '../src/sip/message/headers.js';
import type { SipRequest, SipResponse } from '../src/sip/message/types.js';

const T1_MS = 500;
const INVITE_TIMEOUT_MS = 32_000;
const id = () => randomBytes(6).toString('hex');

export interface OutgoingCall {
  callId: string;
  /** The final response: 200 with the far end's SDP, or the failure. */
  answered: Promise<{ status: number; sdp: string }>;
  /** Resolves when the far end sent BYE (or we did and it was answered). */
  ended: Promise<void>;
  hangup(): Promise<void>;
}

export interface IncomingInvite {
  callId: string;
  /** Request-URI user part. */
  user: string;
  sdp: string;
  /** performance.now() when the first INVITE datagram arrived (in this process). */
  at: number;
}

interface Dialog {
  callId: string;
  localTag: string;
  remoteTag?: string;
  localUri: string;
  remoteUri: string;
  target: string;
  cseq: number;
  ended: () => void;
  onResponse?: (res: SipResponse) => void;
  /** UAS: the last response to the INVITE, resent on retransmissions; the 2xx timer until ACK. */
  lastResponse?: string;
  retransmit?: NodeJS.Timeout;
}

export class SipPeer {
  private readonly dialogs = new Map<string, Dialog>();
  private readonly pendingBye = new Map<string, () => void>();
  /** Answers incoming INVITEs: the SDP of a 200, or a failure status. */
  answer: (invite: IncomingInvite) => { sdp: string } | { status: number } = () => ({ status: 486 });
  onInvite?: (invite: IncomingInvite) => void;

  private constructor(private readonly socket: Socket, readonly port: number) {
    socket.on('message', (data, rinfo) => {
      let msg;
      try {
        msg = parseMessage(data);
      } catch {
        return;
      }
      if (msg.kind === 'response') this.response(msg);
      else this.request(msg, `${rinfo.address}:${rinfo.port}`);
    });
  }

  static async start(): Promise<SipPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.on('error', () => {});
    return new SipPeer(socket, socket.address().port);
  }

  private send(text: string, hostPort: string): void {
    const [host, port] = hostPort.split(':');
    this.socket.send(Buffer.from(text), Number(port), host);
  }

  private via(branch: string): string {
    return `SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${branch};rport`;
  }

  private request(req: SipRequest, from: string): void {
    const callId = getHeader(req.headers, 'Call-ID') ?? '';
    const dialog = this.dialogs.get(callId);
    const reply = (status: number, reason: string, extra: string[] = [], body = '', toTag?: string) => {
      const to = getHeader(req.headers, 'To') ?? '';
      const lines = [
        `SIP/2.0 ${status} ${reason}`,
        ...req.headers.filter((h) => /^via$/i.test(h.name)).map((h) => `Via: ${h.value}`),
        `From: ${getHeader(req.headers, 'From')}`,
        `To: ${toTag && !/;tag=/i.test(to) ? `${to};tag=${toTag}` : to}`,
        `Call-ID: ${callId}`, `CSeq: ${getHeader(req.headers, 'CSeq')}`, ...extra,
        ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body,
      ];
      return lines.join('\r\n');
    };
    switch (req.method) {
      case 'INVITE': {
        if (dialog?.lastResponse) return this.send(dialog.lastResponse, from); // a retransmission
        const invite: IncomingInvite = { callId, user: req.uri.user ?? '', sdp: req.body.toString('utf8'), at: performance.now() };
        this.onInvite?.(invite);
        const tag = id();
        const contact = getHeader(req.headers, 'Contact') ?? '';
        const d: Dialog = {
          callId, localTag: tag, remoteTag: /;tag=([^;>\s]+)/.exec(getHeader(req.headers, 'From') ?? '')?.[1],
          localUri: `sip:${invite.user}@127.0.0.1:${this.port}`, remoteUri: /<([^>]+)>/.exec(getHeader(req.headers, 'From') ?? '')?.[1] ?? '',
          target: /<sip:(?:[^@>]*@)?([^;>]+)/.exec(contact)?.[1] ?? from, cseq: 1, ended: () => {},
        };
        this.dialogs.set(callId, d);
        const decision = this.answer(invite);
        if ('status' in decision) {
          d.lastResponse = reply(decision.status, 'Busy Here', [], '', tag);
          this.send(d.lastResponse, from);
          return;
        }
        this.send(reply(180, 'Ringing', [], '', tag), from);
        d.lastResponse = reply(200, 'OK', [`Contact: <${d.localUri}>`], decision.sdp, tag);
        this.send(d.lastResponse, from);
        let interval = T1_MS;
        const again = () => {
          if (!d.lastResponse || interval > 4 * T1_MS * 8) return;
          this.send(d.lastResponse, from);
          d.retransmit = setTimeout(again, (interval *= 2));
        };
        d.retransmit = setTimeout(again, interval);
        return;
      }
      case 'ACK':
        if (dialog) clearTimeout(dialog.retransmit);
        return;
      case 'BYE':
        this.send(reply(200, 'OK'), from);
        if (dialog) {
          clearTimeout(dialog.retransmit);
          this.dialogs.delete(callId);
          dialog.ended();
        }
        return;
      case 'CANCEL':
        this.send(reply(200, 'OK'), from);
        return;
      default:
        this.send(reply(200, 'OK'), from);
    }
  }

  private response(res: SipResponse): void {
    const callId = getHeader(res.headers, 'Call-ID') ?? '';
    const method = (getHeader(res.headers, 'CSeq') ?? '').split(/\s+/)[1];
    if (method === 'BYE') {
      this.pendingBye.get(callId)?.();
      return;
    }
    this.dialogs.get(callId)?.onResponse?.(res);
  }

  /** Places a call to `user@target` from `fromUser`, offering `sdp`. */
  invite(options: { target: string; user: string; fromUser: string; sdp: string }): OutgoingCall {
    const callId = `${id()}@bench`;
    const branch = id();
    let ended!: () => void;
    const endedPromise = new Promise<void>((resolve) => (ended = resolve));
    const d: Dialog = {
      callId, localTag: id(), localUri: `sip:${options.fromUser}@127.0.0.1:${this.port}`, remoteUri: `sip:${options.user}@${options.target}`,
      target: options.target, cseq: 1, ended,
    };
    this.dialogs.set(callId, d);
    const head = (method: string, uri: string, cseq: number, br: string, toTag?: string) => [
      `${method} ${uri} SIP/2.0`, `Via: ${this.via(br)}`, 'Max-Forwards: 70',
      `From: <${d.localUri}>;tag=${d.localTag}`, `To: <${d.remoteUri}>${toTag ? `;tag=${toTag}` : ''}`,
      `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, `Contact: <${d.localUri}>`,
    ];
    const inviteText = [...head('INVITE', d.remoteUri, 1, branch), 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(options.sdp)}`, '', options.sdp].join('\r\n');
    const answered = new Promise<{ status: number; sdp: string }>((resolve) => {
      let interval = T1_MS;
      let timer: NodeJS.Timeout;
      const started = performance.now();
      const resend = () => {
        if (performance.now() - started > INVITE_TIMEOUT_MS) return resolve({ status: 408, sdp: '' });
        this.send(inviteText, options.target);
        timer = setTimeout(resend, (interval = Math.min(interval * 2, 4000)));
      };
      this.send(inviteText, options.target);
      timer = setTimeout(resend, interval);
      d.onResponse = (res) => {
        if (res.status < 200) return clearTimeout(timer); // provisional: stop resending (§17.1.1.2)
        clearTimeout(timer);
        const toTag = /;tag=([^;>\s]+)/.exec(getHeader(res.headers, 'To') ?? '')?.[1];
        if (res.status >= 300) {
          this.send([...head('ACK', d.remoteUri, 1, branch, toTag), 'Content-Length: 0', '', ''].join('\r\n'), options.target);
          this.dialogs.delete(callId);
          ended();
          return resolve({ status: res.status, sdp: '' });
        }
        d.remoteTag = toTag;
        d.target = /<sip:(?:[^@>]*@)?([^;>]+)/.exec(getHeader(res.headers, 'Contact') ?? '')?.[1] ?? options.target;
        // A retransmitted 2xx gets the same ACK again (§13.2.2.4).
        this.send([...head('ACK', d.remoteUri, 1, id(), toTag), 'Content-Length: 0', '', ''].join('\r\n'), d.target);
        resolve({ status: res.status, sdp: res.body.toString('utf8') });
      };
    });
    const hangup = async () => {
      if (!this.dialogs.has(callId) || !d.remoteTag) return;
      const bye = [...head('BYE', d.remoteUri, ++d.cseq, id(), d.remoteTag), 'Content-Length: 0', '', ''].join('\r\n');
      const done = new Promise<void>((resolve) => this.pendingBye.set(callId, resolve));
      this.send(bye, d.target);
      const timer = setTimeout(() => this.send(bye, d.target), T1_MS);
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 4 * T1_MS))]);
      clearTimeout(timer);
      this.pendingBye.delete(callId);
      this.dialogs.delete(callId);
      ended();
    };
    return { callId, answered, ended: endedPromise, hangup };
  }

  /**
   * Sends BYE on every dialog still up (both the calls placed and those answered), and sends
   * each again (RFC 3261 §17.1.2.2, Timer E doubling from T1) until its 200 arrives or about
   * 4 s pass: a burst of hundreds of BYEs can overflow the far end's socket buffer, and a real
   * UA would retransmit.
   */
  async hangupAll(): Promise<void> {
    const waiting = new Map<string, { bye: string; target: string }>();
    for (const d of [...this.dialogs.values()]) {
      clearTimeout(d.retransmit);
      if (!d.remoteTag) continue;
      const bye = [
        `BYE sip:${d.target} SIP/2.0`, `Via: ${this.via(id())}`, 'Max-Forwards: 70', `From: <${d.localUri}>;tag=${d.localTag}`,
        `To: <${d.remoteUri}>;tag=${d.remoteTag}`, `Call-ID: ${d.callId}`, `CSeq: ${++d.cseq + 100} BYE`, 'Content-Length: 0', '', '',
      ].join('\r\n');
      waiting.set(d.callId, { bye, target: d.target });
      this.pendingBye.set(d.callId, () => waiting.delete(d.callId));
      this.send(bye, d.target);
    }
    this.dialogs.clear();
    for (let interval = T1_MS; waiting.size > 0 && interval <= 8 * T1_MS; interval *= 2) {
      await new Promise((resolve) => setTimeout(resolve, interval));
      for (const { bye, target } of waiting.values()) this.send(bye, target);
    }
    for (const callId of waiting.keys()) this.pendingBye.delete(callId);
  }

  close(): void {
    for (const d of this.dialogs.values()) clearTimeout(d.retransmit);
    this.socket.close();
  }
}
