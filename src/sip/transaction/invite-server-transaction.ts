import type { SipAddress, SipRequest, SipResponse } from '../message/types.js';
import { doubled, Timers } from './timers.js';
import { Transaction, type TransactionContext, type TransactionFailureUser } from './transaction.js';

/**
 * INVITE server transaction (RFC 3261 §17.2.1, with RFC 6026 §7.1's Accepted state).
 *
 * ```
 *   Proceeding --2xx from TU--> Accepted --Timer L--> Terminated
 *       |
 *       +--300-699 from TU--> Completed --ACK--> Confirmed --Timer I--> Terminated
 *                                 +--Timer H / transport error--> Terminated
 * ```
 * Responses go to the address and port the INVITE came from (see UdpTransport: symmetric, with
 * or without `rport`). A retransmitted INVITE re-sends the
 * last provisional (Proceeding) or final (Completed) response; in Accepted it is absorbed,
 * because retransmitting the 2xx is the UAS core's job (§13.3.1.4), which sends those
 * statelessly. The ACK for a 2xx never reaches this machine: the layer passes it
 * to the core.
 */
export class InviteServerTransaction extends Transaction {
  private lastResponse: SipResponse | undefined;

  constructor(
    key: string,
    context: TransactionContext,
    readonly request: SipRequest,
    source: SipAddress,
    user: TransactionFailureUser,
  ) {
    super(key, context, source, user, 'proceeding');
  }

  /** True until a final response has been sent. */
  get pending(): boolean {
    return this.currentState === 'proceeding';
  }

  /**
   * Sends a response from the TU. Returns false when the state forbids it (a second final
   * response, or anything after Completed), so callers can treat late answers as no-ops.
   */
  respond(response: SipResponse): boolean {
    if (this.currentState !== 'proceeding') return false;
    this.lastResponse = response;
    if (response.status < 200) {
      this.transmit(response);
    } else if (response.status < 300) {
      this.setState('accepted');
      this.transmit(response);
      this.arm('L', Timers.TIMER_L, () => this.terminate());
    } else {
      this.setState('completed');
      this.transmit(response);
      this.arm('G', Timers.TIMER_G, () => this.timerG(Timers.TIMER_G));
      this.arm('H', Timers.TIMER_H, () => this.timedOut());
    }
    return true;
  }

  /** A retransmitted INVITE, or the ACK for a non-2xx final response. */
  receiveRequest(request: SipRequest): void {
    const state = this.currentState;
    if (request.method === 'ACK') {
      if (state === 'completed') {
        // §17.2.1: ACK in Completed moves to Confirmed; Timer I absorbs further ACKs.
        this.disarm('G', 'H');
        this.setState('confirmed');
        this.arm('I', Timers.TIMER_I, () => this.terminate());
      }
      return;
    }
    if ((state === 'proceeding' || state === 'completed') && this.lastResponse) this.transmit(this.lastResponse);
  }

  private timerG(interval: number): void {
    if (this.currentState !== 'completed' || !this.lastResponse) return;
    this.transmit(this.lastResponse);
    const next = doubled(interval, Timers.T2);
    this.arm('G', next, () => this.timerG(next));
  }
}
