import type { SipAddress, SipRequest, SipResponse } from '../message/types.js';
import { Timers } from './timers.js';
import { Transaction, type TransactionContext, type TransactionFailureUser } from './transaction.js';

/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2).
 *
 * ```
 *   Trying --1xx from TU--> Proceeding --200-699 from TU--> Completed --Timer J--> Terminated
 *     +---------------200-699 from TU-------------^
 * ```
 * A retransmitted request is absorbed in Trying and answered with the last response in
 * Proceeding and Completed.
 */
export class NonInviteServerTransaction extends Transaction {
  private lastResponse: SipResponse | undefined;

  constructor(
    key: string,
    context: TransactionContext,
    readonly request: SipRequest,
    source: SipAddress,
    user: TransactionFailureUser,
  ) {
    super(key, context, source, user, 'trying');
  }

  /** True until a final response has been sent. */
  get pending(): boolean {
    return this.currentState === 'trying' || this.currentState === 'proceeding';
  }

  /** Sends a response from the TU; false (and nothing sent) once a final response went out. */
  respond(response: SipResponse): boolean {
    if (!this.pending) return false;
    this.lastResponse = response;
    this.transmit(response);
    if (response.status < 200) {
      this.setState('proceeding');
    } else {
      this.setState('completed');
      // §17.2.2: Timer J (64*T1 over UDP) keeps answering retransmissions with the final response.
      this.arm('J', Timers.TIMER_J, () => this.terminate());
    }
    return true;
  }

  /** A retransmission of the request. */
  receiveRequest(_request: SipRequest): void {
    if (this.currentState === 'trying') return;
    if (this.lastResponse) this.transmit(this.lastResponse);
  }
}
