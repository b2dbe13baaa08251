/**
 * SIP message model (RFC 3261 §7). Parsing and serializing live beside this file; the
 * transaction, dialog and user-agent layers only see these shapes.
 *
 * Header names are stored in their canonical full form ("Via", "Call-ID", "CSeq"; compact
 * forms such as "v" or "i" are expanded by the parser, RFC 3261 §7.3.3). Headers that may be
 * comma-joined (Via, Route, Record-Route, Contact, …) are split by the parser into one entry
 * per value, in order, so `getAll('Via')` lists every hop, topmost first.
 */

/** A SIP or SIPS URI (RFC 3261 §19.1). `tel:` and other schemes keep their text in `opaque`. */
export interface SipUri {
  scheme: string;
  /** Unescaped user part, e.g. "+15005550006" or "alice". */
  user?: string;
  password?: string;
  /** Host name or IP; an IPv6 literal is stored without brackets. */
  host: string;
  port?: number;
  /** URI parameters (`;transport=udp;lr`), names lower-cased; a flag parameter is `null`. */
  params: Record<string, string | null>;
  /** URI headers (`?subject=x`). */
  headers: Record<string, string>;
  /** For schemes other than sip/sips: everything after the colon, as received. */
  opaque?: string;
}

/** `"Display" <uri>;tag=x` (RFC 3261 §20.10, name-addr / addr-spec plus header params). */
export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  /** Header parameters after the address, names lower-cased (`tag`, `expires`, `q`). */
  params: Record<string, string | null>;
}

/** One Via value (RFC 3261 §20.42). */
export interface Via {
  /** "UDP", "TCP", … (upper-cased). */
  transport: string;
  host: string;
  port?: number;
  /** `branch`, `received`, `rport` (null when empty), `maddr`, `ttl`; names lower-cased. */
  params: Record<string, string | null>;
}

/** RFC 3261 §20.16. */
export interface CSeq {
  seq: number;
  method: string;
}

/** An ordered header list; names compare case-insensitively. */
export interface SipHeader {
  name: string;
  value: string;
}

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: SipUri;
  headers: SipHeader[];
  body: Buffer;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeader[];
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

/** Where a datagram came from or goes to. */
export interface SipAddress {
  address: string;
  port: number;
}
