import { dialogId } from './dialog/dialog.js';
import { IncomingInviteHandle } from './incoming-invite.js';
import { guarded, silentLogger } from './logger.js';
import { callIdOf, fromOf, getHeaders, tagOf, toOf } from './message/headers.js';
import { makeResponse } from './message/response.js';
import type { SipAddress, SipRequest, SipResponse } from './message/types.js';
import { OutgoingInviteHandle } from './outgoing-invite.js';
import { InviteServerTransaction } from './transaction/invite-server-transaction.js';
import { TransactionLayer, type ServerTransaction, type TransactionCore } from './transaction/transaction-layer.js';
import { ALLOWED_METHODS, type IncomingInvite, type OutgoingInvite, type OutgoingInviteListener, type OutgoingInviteRequest, type UserAgentOptions } from './ua-api.js';
import { UaContext } from './ua-context.js';

export type { Dialog, IncomingInvite, OutgoingInvite, OutgoingInviteListener, OutgoingInviteRequest, UserAgentOptions } from './ua-api.js';

/** How long `close()` waits for the BYEs of live calls before closing the socket. */
const CLOSE_GRACE_MS = 1_000;

/**
 * The SIP user agent core (RFC 3261 §8, §12–§15) over one UDP transport: routes requests to
 * dialogs or to the new-call handler, answers what needs no application (OPTIONS, CANCEL,
 * unknown methods, unknown dialogs), and places outgoing calls.
 */
export class SipUserAgent {
  private readonly ua: UaContext;
  private readonly layer: TransactionLayer;
  private readonly transport: UserAgentOptions['transport'];
  private inviteHandler: ((invite: IncomingInvite) => void) | undefined;
  private registrar: ((request: SipRequest, source: SipAddress) => SipResponse) | undefined;
  private readonly incoming = new WeakMap<InviteServerTransaction, IncomingInviteHandle>();
  private closed = false;

  constructor(options: UserAgentOptions) {
    const logger = options.logger ?? silentLogger;
    this.transport = options.transport;
    this.layer = new TransactionLayer({
      transport: options.transport,
      clock: options.clock,
      sentBy: { host: options.contactHost, port: options.contactPort },
      logger,
    });
    this.ua = new UaContext(this.layer, options.clock, logger, options.contactHost, options.contactPort, options.userAgentName ?? 'Switchboard');
    const core: TransactionCore = {
      receiveRequest: (request, source, tx) => guarded(logger, `handling ${request.method}`, () => this.receiveRequest(request, source, tx)),
    };
    this.layer.setCore(core);
  }

  /** Malformed requests and stray responses peers sent, by kind (for /metrics). */
  faults(): Record<string, number> {
    return this.layer.faults.totals();
  }

  /** Called for every new INVITE (not re-INVITEs). 100 Trying has already been sent synchronously. */
  onInvite(handler: (invite: IncomingInvite) => void): void {
    this.inviteHandler = handler;
  }

  /** Answers REGISTER (RFC 3261 §10.3) with `registrar`'s response; without one, REGISTER gets 405. */
  onRegister(registrar: (request: SipRequest, source: SipAddress) => SipResponse): void {
    this.registrar = registrar;
  }

  /** Sends an INVITE with `sdp`; handles 401/407 with digest when `auth` is given (once per realm), CANCEL, 2xx ACK, forked 2xx while the transaction lives (ACK then BYE). */
  invite(request: OutgoingInviteRequest, listener: OutgoingInviteListener): OutgoingInvite {
    const handle = new OutgoingInviteHandle(this.ua, request, listener);
    if (this.closed) {
      queueMicrotask(() => guarded(this.ua.logger, 'INVITE failed listener', () => listener.failed(503, undefined)));
      return handle;
    }
    handle.start();
    return handle;
  }

  /** Hangs up live calls (BYE, waiting briefly for answers), ends all transactions and closes the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const byes = this.ua.allDialogs().map((dialog) => dialog.bye());
    if (byes.length > 0) await Promise.race([Promise.all(byes), this.ua.clock.sleep(CLOSE_GRACE_MS)]);
    this.layer.close();
    await this.transport.close();
  }

  private receiveRequest(request: SipRequest, source: SipAddress, tx: ServerTransaction | undefined): void {
    if (request.method === 'ACK' || !tx) return this.receiveAck(request);
    if (this.closed) {
      tx.respond(makeResponse(request, 503, undefined, { headers: [{ name: 'Retry-After', value: '5' }] }));
      return;
    }
    if (request.method === 'CANCEL') return this.receiveCancel(request, tx);
    const unsupported = requiredExtensions(request);
    if (unsupported.length > 0) {
      // §8.2.2.3: we implement no extension (100rel, timer, ...), so any Require gets 420.
      tx.respond(makeResponse(request, 420, undefined, { headers: [{ name: 'Unsupported', value: unsupported.join(', ') }] }));
      return;
    }
    const toTag = tagOf(toOf(request));
    if (toTag !== undefined) {
      // §12.2.2: a request for a dialog we do not have gets 481.
      const dialog = this.ua.findDialog(dialogId(callIdOf(request), toTag, tagOf(fromOf(request)) ?? ''));
      if (!dialog) return void tx.respond(makeResponse(request, 481));
      return dialog.receiveRequest(request, tx);
    }
    if (request.method === 'REGISTER' && this.registrar) return void tx.respond(this.registrar(request, source));
    switch (request.method) {
      case 'INVITE':
        return this.receiveInvite(tx as InviteServerTransaction, source);
      case 'OPTIONS':
        // §11.2: capabilities outside a dialog.
        tx.respond(makeResponse(request, 200, undefined, {
          headers: [...this.ua.commonHeaders(), { name: 'Accept', value: 'application/sdp' }],
        }));
        return;
      case 'BYE':
        tx.respond(makeResponse(request, 481));
        return;
      default:
        // §8.2.1: a method we do not support gets 405 with Allow.
        tx.respond(makeResponse(request, 405, undefined, { headers: [{ name: 'Allow', value: ALLOWED_METHODS }] }));
    }
  }

  private receiveInvite(tx: InviteServerTransaction, source: SipAddress): void {
    const handle = new IncomingInviteHandle(this.ua, tx, source);
    this.incoming.set(tx, handle);
    const handler = this.inviteHandler;
    if (!handler) return handle.reject(480);
    guarded(this.ua.logger, 'onInvite handler', () => handler(handle));
  }

  /**
   * §9.2: a CANCEL matching an unanswered INVITE gets 200, the INVITE 487 and the Carrier
   * onCancel. One for an INVITE already answered gets 200 and changes nothing; one matching
   * no INVITE gets 481.
   */
  private receiveCancel(cancel: SipRequest, tx: ServerTransaction): void {
    const inviteTx = this.layer.inviteFor(cancel);
    if (!inviteTx) return void tx.respond(makeResponse(cancel, 481));
    const handle = this.incoming.get(inviteTx);
    tx.respond(makeResponse(cancel, 200, undefined, handle ? { toTag: handle.toTag } : {}));
    handle?.cancelled();
  }

  /** The ACK for a 2xx, matched by Call-ID and tags (pitfall 3). */
  private receiveAck(ack: SipRequest): void {
    const localTag = tagOf(toOf(ack));
    if (localTag === undefined) return;
    this.ua.findDialog(dialogId(callIdOf(ack), localTag, tagOf(fromOf(ack)) ?? ''))?.receiveAck(ack);
  }
}

/** The option tags of every Require header (§20.32); none is supported, so all are refused. */
function requiredExtensions(request: SipRequest): string[] {
  return getHeaders(request.headers, 'Require')
    .flatMap((value) => value.split(','))
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}
