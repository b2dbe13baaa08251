import { getHeader } from '../message/headers.js';
import type { SipAddress, SipRequest, SipResponse } from '../message/types.js';
import { requestFromInvite } from './invite-derived-request.js';
import { doubled, Timers } from './timers.js';
import { Transaction, type TransactionContext, type TransactionFailureUser } from './transaction.js';

/** The transaction user of a client transaction: every response that is not absorbed. */
export interface ClientTransactionUser extends TransactionFailureUser {
  receiveResponse(response: SipResponse): void;
}

/**
 * INVITE client transaction (RFC 3261 §17.1.1, with RFC 6026 §7.2's Accepted state).
 *
 * ```
 *   Calling --1xx--> Proceeding --2xx--> Accepted --Timer M--> Terminated
 *      |                 |  \--300-699--> Completed --Timer D--> Terminated
 *      +--2xx / 300-699 -+
 *   Calling --Timer B / transport error--> Terminated
 * ```
 * Over UDP the request is retransmitted on Timer A (T1, doubling without a cap) until a
 * response arrives. A non-2xx final response is acknowledged here with the INVITE's branch;
 * the ACK for a 2xx belongs to the transaction user (§13.2.2.4), so every 2xx, including
 * retransmissions and forks seen in Accepted, is passed up.
 */
export class InviteClientTransaction extends Transaction {
  private ack: SipRequest | undefined;

  constructor(
    key: string,
    context: TransactionContext,
    readonly request: SipRequest,
    destination: SipAddress,
    protected override user: ClientTransactionUser,
  ) {
    super(key, context, destination, user, 'calling');
  }

  /** Sends the INVITE and arms Timers A and B (§17.1.1.2). */
  start(): void {
    this.transmit(this.request);
    this.arm('A', Timers.TIMER_A, () => this.timerA(Timers.TIMER_A));
    this.arm('B', Timers.TIMER_B, () => this.timedOut());
  }

  receiveResponse(response: SipResponse): void {
    const state = this.currentState;
    if (response.status < 200) {
      if (state === 'calling' || state === 'proceeding') {
        // §17.1.1.2: a provisional response moves Calling to Proceeding and stops A and B.
        this.disarm('A', 'B');
        this.setState('proceeding');
        this.user.receiveResponse(response);
      }
      return;
    }
    if (response.status < 300) {
      if (state === 'calling' || state === 'proceeding') {
        this.disarm('A', 'B');
        // RFC 6026 §7.2: "the client transaction MUST transition to the Accepted state, and
        // Timer M MUST be started" so that retransmitted or forked 2xx still reach the TU.
        this.setState('accepted');
        this.arm('M', Timers.TIMER_M, () => this.terminate());
        this.user.receiveResponse(response);
      } else if (state === 'accepted') {
        this.user.receiveResponse(response);
      }
      return;
    }
    if (state === 'calling' || state === 'proceeding') {
      this.disarm('A', 'B');
      this.setState('completed');
      this.ack = requestFromInvite(this.request, 'ACK', { to: getHeader(response.headers, 'To') });
      this.transmit(this.ack);
      // §17.1.1.2: Timer D (at least 32 s over UDP) absorbs retransmitted finals.
      this.arm('D', Timers.TIMER_D, () => this.terminate());
      this.user.receiveResponse(response);
    } else if (state === 'completed' && this.ack) {
      // "Any retransmissions of the final response ... MUST cause the ACK to be re-passed
      // to the transport layer for retransmission, but the newly received response MUST NOT
      // be passed up to the TU."
      this.transmit(this.ack);
    }
  }

  private timerA(interval: number): void {
    if (this.currentState !== 'calling') return;
    this.transmit(this.request);
    const next = doubled(interval);
    this.arm('A', next, () => this.timerA(next));
  }
}
