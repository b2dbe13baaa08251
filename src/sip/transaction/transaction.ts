import type { Clock, Timer } from '../../ports/clock.js';
import { guarded, type SipLogger } from '../logger.js';
import type { SipAddress, SipMessage } from '../message/types.js';
import type { SipTransport } from '../transport/transport.js';

/**
 * Transaction states across the four machines of RFC 3261 §17, plus "accepted" from
 * RFC 6026 §7.1 (an INVITE transaction that saw a 2xx and waits for retransmissions).
 */
export type TransactionState =
  | 'calling'
  | 'trying'
  | 'proceeding'
  | 'accepted'
  | 'completed'
  | 'confirmed'
  | 'terminated';

/** What every transaction is built with. */
export interface TransactionContext {
  transport: SipTransport;
  clock: Clock;
  logger: SipLogger;
}

/** Told when a transaction failed without a response (RFC 3261 §17.1.1.2, §17.1.4, §17.2.4). */
export interface TransactionFailureUser {
  /** Timer B or F fired on a client transaction; Timer H on an INVITE server transaction. */
  timeout?(): void;
  /** The transport could not send (RFC 3261 §17.1.4 / §17.2.4). */
  transportError?(error: Error): void;
}

/**
 * Shared mechanics of the four transaction machines: named timers through the Clock, sends
 * that report transport errors, and a single path into Terminated. Timer names are the RFC's
 * ("A", "B", …) so the subclasses read like §17.
 */
export abstract class Transaction {
  protected currentState: TransactionState;
  private readonly timers = new Map<string, Timer>();
  private terminatedListener: ((transaction: Transaction) => void) | undefined;

  protected constructor(
    /** The matching key the transaction layer files this transaction under (§17.1.3, §17.2.3). */
    readonly key: string,
    protected readonly context: TransactionContext,
    /** Where this transaction's messages go: the next hop, or the request's source for a server. */
    readonly peer: SipAddress,
    protected user: TransactionFailureUser,
    initialState: TransactionState,
  ) {
    this.currentState = initialState;
  }

  get state(): TransactionState {
    return this.currentState;
  }

  /** Called once when the transaction reaches Terminated; the layer uses it to forget it. */
  onTerminated(listener: (transaction: Transaction) => void): void {
    this.terminatedListener = listener;
  }

  /** Replaces who hears of a timeout or transport error (the core binds itself after creation). */
  setFailureUser(user: TransactionFailureUser): void {
    this.user = user;
  }

  /** Ends the transaction at once without telling its user (layer shutdown, §9.1 CANCEL give-up). */
  dispose(): void {
    this.terminate();
  }

  protected setState(state: TransactionState): void {
    this.currentState = state;
  }

  protected arm(name: string, ms: number, fire: () => void): void {
    this.timers.get(name)?.cancel();
    this.timers.set(
      name,
      this.context.clock.setTimer(ms, () => {
        this.timers.delete(name);
        if (this.currentState !== 'terminated') guarded(this.context.logger, `timer ${name}`, fire);
      }),
    );
  }

  protected disarm(...names: string[]): void {
    for (const name of names) {
      this.timers.get(name)?.cancel();
      this.timers.delete(name);
    }
  }

  protected transmit(message: SipMessage): void {
    this.context.transport.send(message, this.peer).catch((error: unknown) => {
      if (this.currentState === 'terminated') return;
      // RFC 3261 §17.1.4 / §17.2.4: a transport failure ends the transaction and informs the TU.
      this.terminate();
      const err = error instanceof Error ? error : new Error(String(error));
      guarded(this.context.logger, 'transaction user transportError', () => this.user.transportError?.(err));
    });
  }

  protected timedOut(): void {
    this.terminate();
    guarded(this.context.logger, 'transaction user timeout', () => this.user.timeout?.());
  }

  protected terminate(): void {
    if (this.currentState === 'terminated') return;
    this.currentState = 'terminated';
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    const listener = this.terminatedListener;
    this.terminatedListener = undefined;
    listener?.(this);
  }
}
