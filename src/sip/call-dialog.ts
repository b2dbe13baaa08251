import { isIPv4, isIPv6 } from 'node:net';
import type { Timer } from '../ports/clock.js';
import { DialogState } from './dialog/dialog.js';
import { guarded } from './logger.js';
import { cseqOf } from './message/headers.js';
import { makeResponse } from './message/response.js';
import type { SipAddress, SipHeader, SipRequest, SipResponse } from './message/types.js';
import type { InviteServerTransaction } from './transaction/invite-server-transaction.js';
import type { ServerTransaction } from './transaction/transaction-layer.js';
import { doubled, Timers } from './transaction/timers.js';
import { resolveHop } from './sip-endpoints.js';
import { ALLOWED_METHODS, type Dialog } from './ua-api.js';
import type { UaContext } from './ua-context.js';

type EndReason = 'bye' | 'ack-timeout' | 'failed';

/** A 2xx we keep retransmitting until its ACK arrives (RFC 3261 §13.3.1.4). */
interface UnackedAnswer {
  seq: number;
  /** We put an offer in the 2xx (offerless INVITE), so the ACK carries the answer. */
  offerInAnswer: boolean;
  retransmit: Timer;
  giveUp: Timer;
}

/**
 * An INVITE dialog (RFC 3261 §12–§15) with the behaviour the Carrier relies on: the UAS 2xx
 * retransmission until ACK, re-INVITE (hold/resume, offerless too), BYE in both directions,
 * and the ACK a UAC owes every 2xx retransmission.
 */
export class CallDialog implements Dialog {
  onReinvite: ((offer: string | undefined) => string | undefined) | undefined;
  onAckSdp: ((answer: string) => void) | undefined;
  onEnded: ((reason: EndReason) => void) | undefined;

  private unacked: UnackedAnswer | undefined;
  /** UAC: the ACK for our INVITE's 2xx, re-sent for each retransmitted 2xx (§13.2.2.4). */
  private ack: SipRequest | undefined;
  private ackDestination: SipAddress | undefined;
  private endNotified = false;
  private byePromise: Promise<void> | undefined;
  /** Resolves a bye() asked for while our 2xx was un-ACKed; the BYE waits for the ACK (§15). */
  private heldBye: (() => void) | undefined;

  constructor(
    private readonly ua: UaContext,
    readonly state: DialogState,
    /** UAS: where the dialog-forming INVITE came from (see `nextHop`). */
    private readonly initialSource?: SipAddress,
  ) {}

  get callId(): string {
    return this.state.callId;
  }
  get localTag(): string {
    return this.state.localTag;
  }
  get remoteTag(): string {
    return this.state.remoteTag;
  }

  /** UAS: sends the 2xx to an INVITE (initial or re-INVITE) and retransmits it until the ACK. */
  sendAnswer(tx: InviteServerTransaction, response: SipResponse, offerInAnswer: boolean): void {
    this.stopRetransmitting();
    tx.respond(response);
    const seq = cseqOf(response).seq;
    const peer = tx.peer;
    const retransmit = (interval: number): Timer =>
      this.ua.clock.setTimer(interval, () => {
        if (this.unacked?.seq !== seq) return;
        this.ua.layer.sendStateless(response, peer);
        this.unacked.retransmit = retransmit(doubled(interval, Timers.T2));
      });
    this.unacked = {
      seq,
      offerInAnswer,
      retransmit: retransmit(Timers.T1),
      // §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds without receiving
      // an ACK, the dialog is confirmed, but the session SHOULD be terminated" with a BYE.
      giveUp: this.ua.clock.setTimer(64 * Timers.T1, () => {
        if (this.unacked?.seq !== seq) return;
        this.unacked = undefined;
        if (this.heldBye) return this.releaseHeldBye(); // the Carrier already hung up
        void this.bye();
        this.notifyEnded('ack-timeout');
      }),
    };
  }

  /** UAC: sends the ACK for the 2xx that formed (or refreshed) the dialog. */
  sendAck(ack: SipRequest, to: SipAddress): void {
    this.ack = ack;
    this.ackDestination = to;
    this.ua.layer.sendStateless(ack, to);
  }

  /** UAC: a retransmitted 2xx (our ACK was lost): acknowledge it again. */
  resendAck(): void {
    if (this.ack && this.ackDestination) this.ua.layer.sendStateless(this.ack, this.ackDestination);
  }

  /** An ACK matched to this dialog by Call-ID and tags (pitfall 3), never by branch. */
  receiveAck(ack: SipRequest): void {
    const pending = this.unacked;
    if (!pending || cseqOf(ack).seq !== pending.seq) return;
    this.stopRetransmitting();
    if (this.heldBye) return this.releaseHeldBye();
    if (pending.offerInAnswer && ack.body.length > 0) {
      const answer = ack.body.toString('utf8');
      guarded(this.ua.logger, 'dialog onAckSdp', () => this.onAckSdp?.(answer));
    }
  }

  /** A request inside this dialog, with its server transaction (§12.2.2). */
  receiveRequest(request: SipRequest, tx: ServerTransaction): void {
    if (this.state.checkRemoteSeq(request) === 'out-of-order') {
      tx.respond(makeResponse(request, 500, 'Server Internal Error', {
        toTag: this.localTag,
        headers: [{ name: 'Retry-After', value: String(1 + Math.floor(Math.random() * 10)) }],
      }));
      return;
    }
    switch (request.method) {
      case 'BYE':
        tx.respond(makeResponse(request, 200, undefined, { toTag: this.localTag }));
        this.stopRetransmitting();
        this.notifyEnded('bye');
        return;
      case 'INVITE':
        return this.receiveReinvite(request, tx as InviteServerTransaction);
      case 'OPTIONS':
        tx.respond(makeResponse(request, 200, undefined, { toTag: this.localTag, headers: this.optionsHeaders() }));
        return;
      default:
        tx.respond(makeResponse(request, 405, undefined, {
          toTag: this.localTag,
          headers: [{ name: 'Allow', value: ALLOWED_METHODS }],
        }));
    }
  }

  /**
   * §15: "the callee's UA MUST NOT send a BYE on a confirmed dialog until it has received an
   * ACK for its 2xx response or until the server transaction times out". So while our 2xx is
   * un-ACKed the BYE is held (the 2xx keeps being retransmitted, which a caller that lost it
   * needs) and goes out on the ACK, or when the retransmission gives up.
   */
  bye(): Promise<void> {
    if (this.byePromise) return this.byePromise;
    if (this.endNotified) return (this.byePromise = Promise.resolve()); // the far end already hung up
    if (this.unacked) {
      this.byePromise = new Promise<void>((resolve) => (this.heldBye = resolve));
      return this.byePromise;
    }
    this.byePromise = this.sendBye();
    return this.byePromise;
  }

  private releaseHeldBye(): void {
    const resolve = this.heldBye;
    this.heldBye = undefined;
    if (resolve) void this.sendBye().then(resolve);
  }

  private sendBye(): Promise<void> {
    this.stopRetransmitting();
    this.ua.removeDialog(this);
    const request = this.ua.stampVia(this.state.createRequest('BYE', { headers: this.ownHeaders() }));
    return this.nextHop().then(
      (to) =>
        new Promise<void>((resolve) => {
          this.ua.layer.sendRequest(request, to, {
            receiveResponse: (response) => {
              if (response.status >= 200) resolve();
            },
            timeout: () => resolve(),
            transportError: () => resolve(),
          });
        }),
      (err: unknown) => this.ua.logger.warn({ err }, 'SIP: BYE has no reachable next hop'),
    );
  }

  /**
   * Where our requests in this dialog go (§12.2.1.1), with one NAT repair: a caller with no
   * proxy in the path (empty route set) whose Contact is a private address while its INVITE
   * came from a public one is behind NAT, and its Contact cannot be reached; its BYE then goes
   * to the INVITE's source address and port, the binding its own packets opened.
   */
  nextHop(): Promise<SipAddress> {
    const source = this.initialSource;
    const target = this.state.nextHop;
    if (source && this.state.routeSet.length === 0 && isPrivateAddress(target.params.maddr ?? target.host) && !isPrivateAddress(source.address)) {
      return Promise.resolve(source);
    }
    return resolveHop(target);
  }

  /** Ends the dialog from below (transport failure, UA shutdown) without sending anything. */
  fail(): void {
    this.stopRetransmitting();
    this.notifyEnded('failed');
  }

  /**
   * §14.2: a re-INVITE. One that overlaps an INVITE we have not seen ACKed gets 500 with
   * Retry-After; otherwise the Carrier answers the offer (or makes one, for an offerless
   * re-INVITE), and undefined means 488.
   */
  private receiveReinvite(request: SipRequest, tx: InviteServerTransaction): void {
    if (this.unacked) {
      tx.respond(makeResponse(request, 500, 'Server Internal Error', {
        toTag: this.localTag,
        headers: [{ name: 'Retry-After', value: '1' }],
      }));
      return;
    }
    const offer = request.body.length > 0 ? request.body.toString('utf8') : undefined;
    let sdp: string | undefined;
    guarded(this.ua.logger, 'dialog onReinvite', () => {
      sdp = this.onReinvite?.(offer);
    });
    if (sdp === undefined) {
      tx.respond(makeResponse(request, 488, undefined, { toTag: this.localTag, headers: this.ownHeaders() }));
      return;
    }
    // §12.2.2: the target refresh takes effect with the 2xx; a refused re-INVITE changes nothing.
    this.state.refreshTarget(request);
    const ok = makeResponse(request, 200, undefined, {
      toTag: this.localTag,
      headers: this.ownHeaders(),
      body: Buffer.from(sdp),
      contentType: 'application/sdp',
    });
    this.sendAnswer(tx, ok, offer === undefined);
  }

  /**
   * Tells the Carrier once; not after its own bye() (it asked for the end). A BYE still held
   * for the ACK is dropped: the far end hung up first, or the dialog failed.
   */
  private notifyEnded(reason: EndReason): void {
    this.ua.removeDialog(this);
    const held = this.heldBye;
    this.heldBye = undefined;
    held?.();
    if (this.endNotified || held) return;
    this.endNotified = true;
    guarded(this.ua.logger, 'dialog onEnded', () => this.onEnded?.(reason));
  }

  private stopRetransmitting(): void {
    this.unacked?.retransmit.cancel();
    this.unacked?.giveUp.cancel();
    this.unacked = undefined;
  }

  private ownHeaders(): SipHeader[] {
    return this.ua.commonHeaders();
  }

  private optionsHeaders(): SipHeader[] {
    return [...this.ua.commonHeaders(), { name: 'Accept', value: 'application/sdp' }];
  }
}

/**
 * RFC 1918, RFC 6598 (carrier-grade NAT), link-local, loopback and IPv6 ULA/link-local
 * addresses: not reachable from the far side of a NAT. Hostnames count as public.
 */
function isPrivateAddress(host: string): boolean {
  if (isIPv4(host)) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  if (isIPv6(host)) return /^(f[cd]|fe[89ab])/i.test(host) || host === '::1';
  return false;
}
