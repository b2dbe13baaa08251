import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock.js';
import type { CallDialog } from './call-dialog.js';
import type { SipLogger } from './logger.js';
import { parseNameAddr } from './message/fields.js';
import { getHeader } from './message/headers.js';
import type { SipAddress, SipHeader, SipRequest, SipUri } from './message/types.js';
import { newBranch, type TransactionLayer } from './transaction/transaction-layer.js';

/** Methods we implement, advertised in Allow (RFC 3261 §20.5). */
export const ALLOWED_METHODS = 'INVITE, ACK, CANCEL, BYE, OPTIONS';

/** What the pieces of the user agent share: the transaction layer, identity and dialog table. */
export class UaContext {
  readonly contact: string;
  private readonly dialogs = new Map<string, CallDialog>();

  constructor(
    readonly layer: TransactionLayer,
    readonly clock: Clock,
    readonly logger: SipLogger,
    readonly host: string,
    readonly port: number,
    readonly userAgentName: string,
  ) {
    this.contact = `<sip:switchboard@${host.includes(':') ? `[${host}]` : host}:${port}>`;
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
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    request.headers.unshift({ name: 'Via', value: `SIP/2.0/UDP ${host}:${this.port};branch=${branch};rport` });
    return request;
  }

  addDialog(dialog: CallDialog): void {
    this.dialogs.set(dialog.state.id, dialog);
  }

  removeDialog(dialog: CallDialog): void {
    if (this.dialogs.get(dialog.state.id) === dialog) this.dialogs.delete(dialog.state.id);
  }

  findDialog(id: string): CallDialog | undefined {
    return this.dialogs.get(id);
  }

  allDialogs(): CallDialog[] {
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

/** A SIP URI to a UDP address (RFC 3263 reduced to A records): `maddr` overrides the host; port defaults to 5060. */
export async function resolveHop(uri: SipUri): Promise<SipAddress> {
  const host = uri.params.maddr ?? uri.host;
  const port = uri.port ?? 5060;
  if (isIP(host)) return { address: host, port };
  const resolved = await lookup(host);
  return { address: resolved.address, port };
}
