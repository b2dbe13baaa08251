import { getHeader, getHeaders, cseqOf } from '../message/headers.js';
import type { SipHeader, SipRequest } from '../message/types.js';

/**
 * A request that belongs to an INVITE we sent rather than standing on its own: the CANCEL
 * (RFC 3261 §9.1) and the ACK for a non-2xx final response (§17.1.1.3). Both carry the
 * INVITE's Request-URI, only its top Via (same branch, so they reach the same transaction),
 * its Route, From, Call-ID and CSeq number with their own method. The To is the INVITE's for
 * a CANCEL and the response's (with its tag) for an ACK.
 */
export function requestFromInvite(
  invite: SipRequest,
  method: 'ACK' | 'CANCEL',
  options: { to?: string; headers?: SipHeader[] } = {},
): SipRequest {
  const copy = (name: string): SipHeader[] => getHeaders(invite.headers, name).map((value) => ({ name, value }));
  const headers: SipHeader[] = [
    { name: 'Via', value: getHeaders(invite.headers, 'Via')[0] ?? '' },
    ...copy('Route'),
    { name: 'Max-Forwards', value: '70' },
    ...copy('From'),
    { name: 'To', value: options.to ?? getHeader(invite.headers, 'To') ?? '' },
    ...copy('Call-ID'),
    { name: 'CSeq', value: `${cseqOf(invite).seq} ${method}` },
    ...(options.headers ?? []),
  ];
  return { kind: 'request', method, uri: invite.uri, headers, body: Buffer.alloc(0) };
}
