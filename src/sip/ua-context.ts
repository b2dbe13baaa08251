import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock.js';
import type { SipLogger } from './logger.js';
import { parseNameAddr } from './message/fields.js';
import { getHeader } from './message/headers.js';
import type { SipAddress, SipHeader, SipRequest } from './message/types.js';
import { uriHost } from './message/uri.js';
import { resolveHop } from './sip-endpoints.js';
import { newBranch, type ServerTransaction, type TransactionLayer } from './transaction/transaction-layer.js';
import { ALLOWED_METHODS } from './ua-api.js';

/**
 * A dialog as the UA's dialog table knows it: found by its id (RFC 3261 §12), handed the
 * in-dialog requests and ACKs, hung up on close. An interface, so the table does not import
 * the dialog class that imports this context.
 */
export interface TableDialog {
  readonly state: { readonly id: string };
  receiveRequest(request: SipRequest, tx: ServerTransaction): void;
  receiveAck(ack: SipRequest): void;
  bye(): Promise<void>;
}

/** What the pieces of the user agent share: the transaction layer, identity and dialog table. */
export class UaContext {
  readonly contact: string;
  private readonly dialogs = new Map<string, TableDialog>();

  constructor(
    readonly layer: TransactionLayer,
    readonly clock: Clock,
    readonly logger: SipLogger,
    readonly host: string,
    readonly port: number,
    readonly userAgentName: string,
  ) {
    this.contact = `<sip:switchboard@${uriHost(host)}:${port}>`;
  }

  /** Headers on everything we originate: Contact, Allow, User-Agent. */
  commonHeaders(): SipHeader[] {
    return [
      { name: 'Contact', value: this.contact },
      { name: 'Allow', value: ALLOWED_METHODS },
      { name: 'User-Agent', value: this.userAgentName },
    ];
  }

  /** Puts a fresh top Via (new branch, rport requested per RFC 3581) on a request we send. */
  stampVia(request: SipRequest, branch: string = newBranch()): SipRequest {
    request.headers.unshift({ name: 'Via', value: `SIP/2.0/UDP ${uriHost(this.host)}:${this.port};branch=${branch};rport` });
    return request;
  }

  addDialog(dialog: TableDialog): void {
    this.dialogs.set(dialog.state.id, dialog);
  }

  removeDialog(dialog: TableDialog): void {
    if (this.dialogs.get(dialog.state.id) === dialog) this.dialogs.delete(dialog.state.id);
  }

  findDialog(id: string): TableDialog | undefined {
    return this.dialogs.get(id);
  }

  allDialogs(): TableDialog[] {
    return [...this.dialogs.values()];
  }
}

/** A To/From tag: 8 random bytes, well above the 32 bits of randomness §19.3 asks for. */
export function newTag(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Where a request outside a dialog goes (RFC 3261 §8.1.2): the first Route's URI if there is
 * one (a preloaded loose route), else the Request-URI. In-dialog requests use
 * `DialogState.nextHop` instead, which also handles strict routers.
 */
export function nextHopOf(request: SipRequest): Promise<SipAddress> {
  const route = getHeader(request.headers, 'Route');
  return resolveHop(route ? parseNameAddr(route).uri : request.uri);
}
