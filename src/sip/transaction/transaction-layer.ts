import { randomBytes } from 'node:crypto';
import type { Clock } from '../../ports/clock.js';
import { guarded, PeerFaults, silentLogger, type SipLogger } from '../logger.js';
import { callIdOf, cseqOf, fromOf, tagOf, topVia } from '../message/headers.js';
import { validateRequest, validateResponse } from '../message/validate.js';
import { makeResponse, refusal } from '../message/response.js';
import type { SipAddress, SipMessage, SipRequest, SipResponse } from '../message/types.js';
import type { SipTransport } from '../transport/transport.js';
import { InviteClientTransaction, type ClientTransactionUser } from './invite-client-transaction.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import type { Transaction, TransactionContext, TransactionFailureUser } from './transaction.js';

/** RFC 3261 §8.1.1.7: every branch we create starts with the magic cookie. */
export const BRANCH_COOKIE = 'z9hG4bK';

/** A fresh, globally unique Via branch. */
export function newBranch(): string {
  return BRANCH_COOKIE + randomBytes(10).toString('hex');
}

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/** The transaction user above this layer: the user-agent core (RFC 3261 §8, §12, §13). */
export interface TransactionCore {
  /**
   * A request that is not a retransmission. `transaction` is its new server transaction, or
   * undefined for an ACK, which has none: the ACK for a 2xx (and any ACK no transaction
   * absorbed) is passed up for the core to match to a dialog (§17.2.3, pitfall 3).
   */
  receiveRequest(request: SipRequest, source: SipAddress, transaction: ServerTransaction | undefined): void;
}

export interface TransactionLayerOptions {
  transport: SipTransport;
  clock: Clock;
  /** The sent-by we put in our Vias; a response whose top Via names another is not ours (§18.1.2). */
  sentBy: { host: string; port: number };
  logger?: SipLogger;
}

/**
 * Matches messages to transactions (RFC 3261 §17.1.3, §17.2.3) and owns their lifetimes.
 *
 * Server transactions are keyed by top-Via branch + sent-by + method, with ACK filed under
 * INVITE; a CANCEL gets its own transaction and is tied to its INVITE by `inviteFor`. Requests
 * whose branch lacks the magic cookie (RFC 2543 peers) are keyed by Call-ID, CSeq number,
 * From tag and the top Via instead. Client transactions are keyed by branch + CSeq method.
 */
export class TransactionLayer {
  private readonly context: TransactionContext;
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();
  private core: TransactionCore | undefined;
  private readonly sentBy: string;
  /** Malformed requests and stray responses: counted, logged at a bounded rate. */
  readonly faults: PeerFaults;

  constructor(options: TransactionLayerOptions) {
    this.context = { transport: options.transport, clock: options.clock, logger: options.logger ?? silentLogger };
    this.faults = new PeerFaults(this.context.logger);
    this.sentBy = sentByKey(options.sentBy.host, options.sentBy.port);
    options.transport.onMessage((message, source) =>
      guarded(this.context.logger, 'receiving a message', () => this.receive(message, source)),
    );
  }

  setCore(core: TransactionCore): void {
    this.core = core;
  }

  /** Sends an INVITE through a new client transaction. The request must carry its Via (with branch). */
  sendInvite(request: SipRequest, destination: SipAddress, user: ClientTransactionUser): InviteClientTransaction {
    const tx = new InviteClientTransaction(clientKeyOf(request), this.context, request, destination, user);
    this.track(this.clients, tx);
    tx.start();
    return tx;
  }

  /** Sends a non-INVITE request (BYE, CANCEL, OPTIONS, …) through a new client transaction. */
  sendRequest(request: SipRequest, destination: SipAddress, user: ClientTransactionUser): NonInviteClientTransaction {
    const tx = new NonInviteClientTransaction(clientKeyOf(request), this.context, request, destination, user);
    this.track(this.clients, tx);
    tx.start();
    return tx;
  }

  /** Sends without a transaction: the ACK for a 2xx (§13.2.2.4) and stateless replies. */
  sendStateless(message: SipMessage, to: SipAddress): void {
    this.context.transport.send(message, to).catch((err: unknown) => {
      this.context.logger.warn({ err, to }, 'SIP: stateless send failed');
    });
  }

  /** The INVITE server transaction a CANCEL refers to (§9.2: same branch and sent-by). */
  inviteFor(cancel: SipRequest): InviteServerTransaction | undefined {
    const tx = this.servers.get(serverKeyOf(cancel, 'INVITE'));
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  /** Ends every transaction without reporting (shutdown). */
  close(): void {
    for (const tx of [...this.servers.values(), ...this.clients.values()]) tx.dispose();
  }

  private receive(message: SipMessage, source: SipAddress): void {
    if (message.kind === 'response') this.receiveResponse(message, source);
    else this.receiveRequest(message, source);
  }

  /**
   * §18.1.2: a response whose top Via sent-by is not ours is discarded. One matching no client
   * transaction is discarded too, a 2xx to INVITE included: RFC 6026 §8.4 keeps the INVITE
   * client transaction in Accepted (Timer M) precisely so that retransmitted and forked 2xx
   * reach the UA through it, and a UA "MUST discard" the rest. Answering them (ACK, BYE to
   * their Contact) would let one forged datagram aim our traffic at a third party.
   */
  private receiveResponse(response: SipResponse, source: SipAddress): void {
    const problem = validateResponse(response);
    if (problem) {
      // §18.1.2 / §8.1.3.1: a malformed response is discarded; a peer can send these at will.
      this.faults.note('invalid-response', { reason: problem.reason, source });
      return;
    }
    const via = topVia(response);
    if (sentByKey(via.host, via.port ?? 5060) !== this.sentBy) {
      this.faults.note('foreign-response', { source, via: `${via.host}:${via.port ?? 5060}` });
      return;
    }
    this.clients.get(clientKeyOf(response))?.receiveResponse(response);
  }

  private receiveRequest(request: SipRequest, source: SipAddress): void {
    // §8.2 / §21.4.1: a request missing or garbling a mandatory header gets 400 (never an ACK).
    const problem = validateRequest(request);
    if (problem) {
      const response = request.method === 'ACK' ? undefined : refusal(request.method, request.headers, problem.status, `Bad Request (${problem.reason})`);
      this.faults.note(response ? 'invalid-request' : 'unanswerable-request', { reason: problem.reason, source });
      if (response) this.sendStateless(response, source);
      return;
    }
    const key = serverKeyOf(request, request.method === 'ACK' ? 'INVITE' : request.method);
    const existing = this.servers.get(key);
    if (request.method === 'ACK') {
      if (existing instanceof InviteServerTransaction && (existing.state === 'completed' || existing.state === 'confirmed')) {
        return existing.receiveRequest(request); // ACK for our non-2xx: absorbed (§17.2.1).
      }
      if (existing && existing.state === 'proceeding') return; // ACK before any final: nothing to acknowledge.
      return this.core?.receiveRequest(request, source, undefined);
    }
    if (existing) return existing.receiveRequest(request); // a retransmission
    const user: TransactionFailureUser = {};
    let tx: ServerTransaction;
    if (request.method === 'INVITE') {
      const invite = new InviteServerTransaction(key, this.context, request, source, user);
      // §17.2.1: we answer 100 Trying at once rather than wait 200 ms for the TU.
      invite.respond(makeResponse(request, 100));
      tx = invite;
    } else {
      tx = new NonInviteServerTransaction(key, this.context, request, source, user);
    }
    this.track(this.servers, tx);
    this.core?.receiveRequest(request, source, tx);
  }

  private track<T extends Transaction>(map: Map<string, T>, tx: T): void {
    map.get(tx.key)?.dispose();
    map.set(tx.key, tx);
    tx.onTerminated(() => {
      if (map.get(tx.key) === tx) map.delete(tx.key);
    });
  }
}

function sentByKey(host: string, port: number): string {
  return `${host.toLowerCase()}:${port}`;
}

/** §17.1.3: a response matches the client transaction with its top Via branch and CSeq method. */
function clientKeyOf(message: SipMessage): string {
  const branch = topVia(message)?.params.branch ?? '';
  return `${branch}|${cseqOf(message).method}`;
}

/** §17.2.3, with the RFC 2543 fallback of §17.2.3 for branches without the magic cookie. */
function serverKeyOf(request: SipRequest, method: string): string {
  const via = topVia(request);
  if (!via) throw new Error('no Via header');
  const sentBy = `${via.host}:${via.port ?? 5060}`;
  const branch = via.params.branch;
  if (branch && branch.startsWith(BRANCH_COOKIE)) return `${branch}|${sentBy}|${method}`;
  return `2543|${callIdOf(request)}|${cseqOf(request).seq}|${tagOf(fromOf(request)) ?? ''}|${sentBy}|${branch ?? ''}|${method}`;
}

