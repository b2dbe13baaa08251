import { randomBytes, randomInt } from 'node:crypto';
import type { Timer } from '../ports/clock.js';
import { CallDialog } from './call-dialog.js';
import { DialogState } from './dialog/dialog.js';
import { guarded } from './logger.js';
import { digestAuthorization, parseChallenge } from './message/digest.js';
import { formatNameAddr, parseNameAddr } from './message/fields.js';
import { cseqOf, getHeaders, tagOf, toOf } from './message/headers.js';
import type { SipHeader, SipRequest, SipResponse, SipUri } from './message/types.js';
import { formatUri, parseUri } from './message/uri.js';
import type { InviteClientTransaction } from './transaction/invite-client-transaction.js';
import { requestFromInvite } from './transaction/invite-derived-request.js';
import { Timers } from './transaction/timers.js';
import type { OutgoingInvite, OutgoingInviteListener, OutgoingInviteRequest } from './ua-api.js';
import { newTag, nextHopOf, type UaContext } from './ua-context.js';

/**
 * The UAC side of an INVITE (RFC 3261 §13.2): digest retry on 401/407 (§22.2, once per realm), CANCEL
 * (§9.1) only after a provisional, the ACK for every 2xx (§13.2.2.4), and ACK-then-BYE for a
 * 2xx we no longer want (it raced our CANCEL, or a second fork answered).
 */
export class OutgoingInviteHandle implements OutgoingInvite {
  private readonly uri: SipUri;
  readonly callId: string;
  private readonly fromTag = newTag();
  private seq = randomInt(1, 2 ** 30);
  private tx: InviteClientTransaction | undefined;
  private settled = false;
  private provisionalSeen = false;
  private cancelRequested = false;
  private cancelSent = false;
  private cancelGiveUp: Timer | undefined;
  /** Authorization headers of the INVITE in flight; its 2xx ACK must carry the same (§13.2.2.4). */
  private credentials: SipHeader[] = [];
  /** One answer per challenge (header name + realm), all of them on every later INVITE (§22.3). */
  private readonly answeredChallenges = new Map<string, SipHeader>();
  /**
   * Every 2xx we answered, by To-tag. A retransmitted 2xx (our ACK was lost) gets the same ACK
   * again, even after our BYE removed the dialog from the UA: never a second dialog and BYE.
   */
  private readonly answered = new Map<string, CallDialog>();

  constructor(
    private readonly ua: UaContext,
    private readonly spec: OutgoingInviteRequest,
    private readonly listener: OutgoingInviteListener,
  ) {
    this.uri = typeof spec.uri === 'string' ? parseUri(spec.uri) : spec.uri;
    this.callId = `${randomBytes(12).toString('hex')}@${ua.host}`;
  }

  /** Sends the first INVITE. Reports a failure through the listener, never by throwing. */
  start(): void {
    this.send(this.buildInvite());
  }

  cancel(): void {
    if (this.settled || this.cancelRequested) return;
    this.cancelRequested = true;
    // §9.1: "If no provisional response has been received, the CANCEL request MUST NOT be sent;
    // rather, the client MUST wait for the arrival of a provisional response."
    if (this.provisionalSeen) this.sendCancel();
  }

  private send(invite: SipRequest): void {
    nextHopOf(invite).then(
      (to) => {
        if (this.settled) return;
        if (this.cancelRequested && !this.provisionalSeen) return this.finish(487, undefined);
        this.tx = this.ua.layer.sendInvite(invite, to, {
          receiveResponse: (response) => guarded(this.ua.logger, 'INVITE response', () => this.receiveResponse(response)),
          timeout: () => this.finish(this.cancelRequested ? 487 : 408, undefined),
          transportError: () => this.finish(503, undefined),
        });
      },
      (err: unknown) => {
        this.ua.logger.warn({ err, uri: formatUri(invite.uri) }, 'SIP: INVITE has no reachable next hop');
        this.finish(503, undefined);
      },
    );
  }

  private receiveResponse(response: SipResponse): void {
    if (response.status < 200) {
      this.provisionalSeen = true;
      if (this.cancelRequested && !this.cancelSent) this.sendCancel();
      // 100 is hop-by-hop (§8.1.3.2): only 18x mean anything to the caller.
      if (response.status > 100 && !this.settled && !this.cancelRequested) this.listener.provisional(response.status, response);
      return;
    }
    if (response.status < 300) return this.receiveSuccess(response);
    if (this.settled) return;
    if ((response.status === 401 || response.status === 407) && this.retryWithCredentials(response)) return;
    this.finish(response.status, response);
  }

  /** §13.2.2.4: ACK every 2xx; the first one wins the call unless we cancelled it. */
  private receiveSuccess(response: SipResponse): void {
    const remoteTag = tagOf(toOf(response)) ?? '';
    const known = this.answered.get(remoteTag);
    if (known) return known.resendAck();
    const state = DialogState.asUac(response);
    const dialog = new CallDialog(this.ua, state);
    this.answered.set(remoteTag, dialog);
    const wanted = !this.settled && !this.cancelRequested;
    if (wanted) this.settled = true;
    this.ua.addDialog(dialog);
    const ack = this.ua.stampVia(state.createRequest('ACK', { seq: cseqOf(response).seq, headers: this.credentials }));
    dialog.nextHop().then(
      (to) => {
        dialog.sendAck(ack, to);
        if (wanted) {
          this.cancelGiveUp?.cancel();
          guarded(this.ua.logger, 'INVITE accepted listener', () => this.listener.accepted(dialog, response));
        } else {
          void dialog.bye();
          if (!this.settled) this.finish(487, undefined);
        }
      },
      (err: unknown) => {
        this.ua.logger.warn({ err }, 'SIP: cannot route the ACK for a 2xx');
        this.ua.removeDialog(dialog);
        if (wanted) guarded(this.ua.logger, 'INVITE failed listener', () => this.listener.failed(503, response));
      },
    );
  }

  /**
   * §22.2, §22.3: retry with digest credentials (same Call-ID and From tag, CSeq + 1), once per
   * realm: a proxy's 407 and then the UAS's 401 are both answered, the credentials adding up.
   * A new challenge for a realm we already answered means they were refused (wrong password).
   */
  private retryWithCredentials(response: SipResponse): boolean {
    const auth = this.spec.auth;
    if (!auth || this.cancelRequested) return false;
    const name = response.status === 407 ? 'Proxy-Authorization' : 'Authorization';
    const challenges = getHeaders(response.headers, response.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate');
    let answered = 0;
    for (const text of challenges) {
      let key: string;
      let value: string;
      try {
        const challenge = parseChallenge(text);
        key = `${name}|${challenge.realm}`;
        if (this.answeredChallenges.has(key)) return false;
        value = digestAuthorization({ challenge, username: auth.username, password: auth.password, method: 'INVITE', uri: formatUri(this.uri) });
      } catch (err) {
        this.ua.logger.warn({ err }, 'SIP: unusable digest challenge');
        continue;
      }
      this.answeredChallenges.set(key, { name, value });
      answered++;
    }
    if (answered === 0) return false;
    this.seq += 1;
    this.credentials = [...this.answeredChallenges.values()];
    this.provisionalSeen = false;
    this.send(this.buildInvite());
    return true;
  }

  /** §9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via (branch) as the INVITE. */
  private sendCancel(): void {
    const tx = this.tx;
    if (!tx || this.cancelSent) return;
    this.cancelSent = true;
    const cancel = requestFromInvite(tx.request, 'CANCEL', { headers: [{ name: 'User-Agent', value: this.ua.userAgentName }] });
    this.ua.layer.sendRequest(cancel, tx.peer, { receiveResponse: () => undefined });
    // §9.1: with no final response 64*T1 after the CANCEL, the INVITE is given up.
    this.cancelGiveUp = this.ua.clock.setTimer(64 * Timers.T1, () => {
      if (this.settled) return;
      tx.dispose();
      this.finish(487, undefined);
    });
  }

  private finish(status: number, response: SipResponse | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.cancelGiveUp?.cancel();
    guarded(this.ua.logger, 'INVITE failed listener', () => this.listener.failed(status, response));
  }

  private buildInvite(): SipRequest {
    const from = formatNameAddr({
      ...(this.spec.from.displayName ? { displayName: this.spec.from.displayName } : {}),
      uri: parseUri(this.spec.from.uri),
      params: { tag: this.fromTag },
    });
    const to = this.spec.to !== undefined ? formatNameAddr(parseNameAddr(this.spec.to)) : formatNameAddr({ uri: this.uri, params: {} });
    const request: SipRequest = {
      kind: 'request',
      method: 'INVITE',
      uri: this.uri,
      headers: [
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: from },
        { name: 'To', value: to },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${this.seq} INVITE` },
        ...this.ua.commonHeaders(),
        ...this.credentials,
        ...(this.spec.headers ?? []),
        { name: 'Content-Type', value: 'application/sdp' },
      ],
      body: Buffer.from(this.spec.sdp),
    };
    return this.ua.stampVia(request);
  }
}
