import { randomInt } from 'node:crypto';
import { formatNameAddr, parseNameAddr } from '../message/fields.js';
import { callIdOf, contactOf, cseqOf, fromOf, getHeaders, tagOf, toOf } from '../message/headers.js';
import type { NameAddr, SipHeader, SipMessage, SipRequest, SipResponse, SipUri } from '../message/types.js';

/** What a request built inside a dialog needs besides the dialog's own fields. */
export interface DialogRequestOptions {
  /** CSeq number to use instead of the next local one (ACK and CANCEL reuse the INVITE's). */
  seq?: number;
  headers?: SipHeader[];
  body?: Buffer;
}

/** Whether an in-dialog request may be processed (§12.2.2). */
export type RemoteSeqCheck = 'ok' | 'out-of-order';

/**
 * The state of one dialog (RFC 3261 §12): identifiers, CSeq counters, remote target and route
 * set, and the rules for building requests inside it (§12.2.1.1, loose routing per §16.12).
 * No I/O: the call dialog on top sends what this builds.
 */
export class DialogState {
  private constructor(
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    /** Our From in requests we send (with our tag). */
    private readonly local: NameAddr,
    /** Their address, the To of requests we send (with their tag). */
    private readonly remote: NameAddr,
    private localSeq: number,
    private remoteSeq: number | undefined,
    private target: SipUri,
    /** Route set in the order Route headers must carry it (§12.1.1 / §12.1.2). */
    readonly routeSet: readonly string[],
  ) {}

  /**
   * UAS side (§12.1.1): route set = Record-Route of the request in order, remote target = its
   * Contact, remote CSeq = its CSeq; our CSeq starts at a random value (never remote + 1).
   */
  static asUas(request: SipRequest, localTag: string): DialogState {
    const remote = fromOf(request);
    const local = withTag(toOf(request), localTag);
    const target = contactOf(request)?.uri ?? remote.uri;
    return new DialogState(
      callIdOf(request), localTag, tagOf(remote) ?? '', local, remote,
      randomInt(1, 2 ** 31 - 1), cseqOf(request).seq, target,
      getHeaders(request.headers, 'Record-Route'),
    );
  }

  /**
   * UAC side (§12.1.2), from a 2xx (or dialog-forming 1xx) to our INVITE: route set =
   * Record-Route reversed, remote target = the response's Contact, local CSeq = the INVITE's.
   * Everything is read from the response, which echoes our From, Call-ID and CSeq.
   */
  static asUac(response: SipResponse): DialogState {
    const local = fromOf(response);
    const remote = toOf(response);
    const target = contactOf(response)?.uri ?? remote.uri;
    return new DialogState(
      callIdOf(response), tagOf(local) ?? '', tagOf(remote) ?? '', local, remote,
      cseqOf(response).seq, undefined, target,
      [...getHeaders(response.headers, 'Record-Route')].reverse(),
    );
  }

  /** Dialog id (§12): Call-ID, local tag, remote tag. */
  get id(): string {
    return dialogId(this.callId, this.localTag, this.remoteTag);
  }

  /**
   * Where a request built by `createRequest` is sent first (§12.2.1.1, §8.1.2): the first
   * route-set entry, whether it is a loose router (first Route) or a strict one (then it is the
   * Request-URI), else the remote target.
   */
  get nextHop(): SipUri {
    const first = this.routeSet[0];
    return first === undefined ? this.target : parseNameAddr(first).uri;
  }

  /**
   * §12.2.2: a request whose CSeq is lower than the last one seen is out of order (answer 500
   * with Retry-After). An equal number is only legal for CANCEL and ACK, which reuse the
   * INVITE's. Otherwise the remote CSeq advances.
   */
  checkRemoteSeq(request: SipRequest): RemoteSeqCheck {
    const seq = cseqOf(request).seq;
    if (request.method === 'ACK' || request.method === 'CANCEL') return 'ok';
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return 'out-of-order';
    this.remoteSeq = seq;
    return 'ok';
  }

  /** §12.2.2 / §12.2.1.2: a target-refresh request or its 2xx replaces the remote target. */
  refreshTarget(message: SipMessage): void {
    const contact = contactOf(message);
    if (contact) this.target = contact.uri;
  }

  /**
   * §12.2.1.1: a request inside the dialog. With an empty route set or a loose-routing first
   * hop (`;lr`) the Request-URI is the remote target and Route carries the route set; with a
   * strict router first, the Request-URI is that router and the remote target goes last in
   * Route. Via is left to the sender (each request gets its own branch).
   */
  createRequest(method: string, options: DialogRequestOptions = {}): SipRequest {
    const seq = options.seq ?? ++this.localSeq;
    let uri = this.target;
    let route = [...this.routeSet];
    if (route.length > 0) {
      const first = parseNameAddr(route[0]!);
      if (!('lr' in first.uri.params)) {
        uri = { ...first.uri, headers: {} };
        route = [...route.slice(1), formatNameAddr({ uri: this.target, params: {} })];
      }
    }
    const headers: SipHeader[] = [
      ...route.map((value) => ({ name: 'Route', value })),
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: formatNameAddr(this.local) },
      { name: 'To', value: formatNameAddr(this.remote) },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${seq} ${method}` },
      ...(options.headers ?? []),
    ];
    return { kind: 'request', method, uri, headers, body: options.body ?? Buffer.alloc(0) };
  }
}

/** The key a user agent files dialogs under (§12: Call-ID + local tag + remote tag). */
export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

function withTag(address: NameAddr, tag: string): NameAddr {
  return { ...address, params: { ...address.params, tag } };
}
