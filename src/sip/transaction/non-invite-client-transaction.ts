import type { SipAddress, SipRequest, SipResponse } from '../message/types.js';
import type { ClientTransactionUser } from './invite-client-transaction.js';
import { doubled, Timers } from './timers.js';
import { Transaction, type TransactionContext } from './transaction.js';

/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2).
 *
 * ```
 *   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
 *     +------------200-699-------------^
 *   Trying / Proceeding --Timer F / transport error--> Terminated
 * ```
 * Timer E retransmits the request: T1 doubling up to T2 in Trying, every T2 in Proceeding.
 */
export class NonInviteClientTransaction extends Transaction {
  constructor(
    key: string,
    context: TransactionContext,
    readonly request: SipRequest,
    destination: SipAddress,
    protected override user: ClientTransactionUser,
  ) {
    super(key, context, destination, user, 'trying');
  }

  /** Sends the request and arms Timers E and F (§17.1.2.2). */
  start(): void {
    this.transmit(this.request);
    this.arm('E', Timers.TIMER_E, () => this.timerE(Timers.TIMER_E));
    this.arm('F', Timers.TIMER_F, () => this.timedOut());
  }

  receiveResponse(response: SipResponse): void {
    const state = this.currentState;
    if (state !== 'trying' && state !== 'proceeding') return; // Completed absorbs retransmissions.
    if (response.status < 200) {
      this.setState('proceeding');
      this.user.receiveResponse(response);
      return;
    }
    this.disarm('E', 'F');
    this.setState('completed');
    // §17.1.2.2: Timer K (T4 over UDP) absorbs retransmitted final responses.
    this.arm('K', Timers.TIMER_K, () => this.terminate());
    this.user.receiveResponse(response);
  }

  private timerE(interval: number): void {
    const state = this.currentState;
    if (state !== 'trying' && state !== 'proceeding') return;
    this.transmit(this.request);
    // "If Timer E fires while in the Proceeding state, the request MUST be passed to the
    // transport layer for retransmission, and Timer E MUST be reset with a value of T2."
    const next = state === 'proceeding' ? Timers.T2 : doubled(interval, Timers.T2);
    this.arm('E', next, () => this.timerE(next));
  }
}
