import type { SipHeader } from './types.js';

/**
 * A message (or one of its fields) that does not follow the RFC 3261 §25 grammar.
 *
 * `status` is the response a UAS should send: 400 for malformed messages (§21.4.1), 505 for a
 * SIP version other than 2.0 (§21.5.6), 416 for a Request-URI scheme it does not handle
 * (§21.4.16). `method` and `headers` carry what could be read before the failure (the raw
 * Via, From, To, Call-ID and CSeq values), so the error response can still be addressed.
 */
export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  readonly status: 400 | 416 | 505;
  /** 'request' or 'response' when the start line could be recognised. */
  kind?: 'request' | 'response';
  method?: string;
  /** Raw Via, From, To, Call-ID and CSeq entries found before the failure, canonical names. */
  headers: SipHeader[] = [];

  constructor(message: string, status: 400 | 416 | 505 = 400) {
    super(message);
    this.status = status;
  }
}

/** Throws a 400 SipParseError; a helper so field parsers stay one-liners at each check. */
export function fail(message: string, status: 400 | 416 | 505 = 400): never {
  throw new SipParseError(message, status);
}
