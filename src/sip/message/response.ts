/**
 * Building a response to a request (RFC 3261 §8.2.6) and the standard reason phrases (§21).
 */
import { randomBytes } from 'node:crypto';
import { fail, SipParseError } from './errors.js';
import { parseCSeq, parseNameAddr, parseVia } from './fields.js';
import { getHeader, getHeaders } from './headers.js';
import { headerKey } from './names.js';
import type { SipHeader, SipRequest, SipResponse } from './types.js';

const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  199: 'Early Dialog Terminated', 200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy',
  380: 'Alternative Service', 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone', 412: 'Conditional Request Failed',
  413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 417: 'Unknown Resource-Priority', 420: 'Bad Extension',
  421: 'Extension Required', 422: 'Session Interval Too Small', 423: 'Interval Too Brief',
  428: 'Use Identity Header', 429: 'Provide Referrer Identity', 433: 'Anonymity Disallowed',
  436: 'Bad Identity-Info', 437: 'Unsupported Certificate', 438: 'Invalid Identity Header',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here',
  487: 'Request Terminated', 488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending',
  493: 'Undecipherable', 494: 'Security Agreement Required', 500: 'Server Internal Error',
  501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out',
  505: 'Version Not Supported', 513: 'Message Too Large', 580: 'Precondition Failure',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
  607: 'Unwanted',
};

/** The RFC reason phrase for `status`, or a generic one for its class. */
export function defaultReason(status: number): string {
  const known = REASONS[status];
  if (known !== undefined) return known;
  const generic: Record<number, string> = { 1: 'Trying', 2: 'OK', 3: 'Redirect', 4: 'Client Error', 5: 'Server Error', 6: 'Global Failure' };
  return generic[Math.floor(status / 100)] ?? 'Unknown';
}

export interface MakeResponseOptions {
  /** Added to To when the request's To has no tag (§8.2.6.2: a UAS adds one, except on 100). */
  toTag?: string;
  /** Extra headers, appended after the copied ones. */
  headers?: SipHeader[];
  body?: Buffer;
  contentType?: string;
}

/**
 * A response to `request` (§8.2.6.2): Via (every entry, in order), From, To, Call-ID and CSeq
 * copied as received, Timestamp echoed (§8.2.6.1), and Record-Route copied on 18x/2xx to INVITE
 * so the dialog's route set forms (§12.1.1). The request is never mutated.
 */
export function makeResponse(request: SipRequest, status: number, reason?: string, options: MakeResponseOptions = {}): SipResponse {
  const headers: SipHeader[] = [];
  const copy = (name: string): void => {
    const key = headerKey(name);
    for (const h of request.headers) if (headerKey(h.name) === key) headers.push({ name, value: h.value });
  };
  copy('Via');
  copy('From');
  for (const to of getHeaders(request.headers, 'To').slice(0, 1)) {
    headers.push({ name: 'To', value: options.toTag !== undefined && !hasTag(to) ? `${to};tag=${options.toTag}` : to });
  }
  copy('Call-ID');
  copy('CSeq');
  if (status === 100) copy('Timestamp');
  const dialogForming = request.method === 'INVITE' && ((status >= 180 && status < 190) || (status >= 200 && status < 300));
  if (dialogForming) copy('Record-Route');
  for (const h of options.headers ?? []) headers.push({ name: h.name, value: h.value });
  const body = options.body ?? Buffer.alloc(0);
  if (options.contentType !== undefined && getHeader(headers, 'Content-Type') === undefined) {
    headers.push({ name: 'Content-Type', value: options.contentType });
  }
  return { kind: 'response', status, reason: reason ?? defaultReason(status), headers, body };
}

function hasTag(to: string): boolean {
  try {
    return parseNameAddr(to).params.tag !== undefined;
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
    return /;\s*tag\s*=/i.test(to);
  }
}

/**
 * The response a UAS owes a request that failed to parse (§21.4.1, §21.5.6, §21.4.16), built
 * from the raw fields the parser salvaged. Undefined when it cannot be addressed (a response,
 * an ACK, which is never answered): drop those silently.
 */
export function responseToParseError(err: SipParseError, toTag?: string): SipResponse | undefined {
  if (err.kind !== 'request' || err.method === undefined || err.method === 'ACK') return undefined;
  return refusal(err.method, err.headers, err.status, err.status === 400 ? `Bad Request (${err.message})` : defaultReason(err.status), toTag);
}

/**
 * A well-formed error response to a request whose header fields may be faulty (a 400 for
 * malformed input): one From, To, Call-ID and CSeq, each the request's first well-formed one
 * (a placeholder where it has none: a faulty field is never echoed), the request's Vias up to
 * the first malformed one, and a short printable reason. Undefined when the top Via is missing
 * or malformed: there is nowhere to send a response (§18.2.2), so the request is dropped.
 */
export function refusal(method: string, requestHeaders: readonly SipHeader[], status: number, reason: string, toTag?: string): SipResponse | undefined {
  const vias: string[] = [];
  for (const value of getHeaders(requestHeaders, 'Via')) {
    // A Via of another SIP version still says where to send the answer (a 505, RFC 4475 §3.3.13).
    if (!parses(() => parseVia(value.replace(/^(\s*SIP\s*\/\s*)[^/\s]+/i, '$12.0')))) break;
    vias.push(value);
  }
  if (vias.length === 0) return undefined;
  const first = (name: string, check: (value: string) => unknown) => getHeaders(requestHeaders, name).find((v) => parses(() => check(v)));
  const cseq = first('CSeq', (v) => (parseCSeq(v).method === method ? true : fail('other method')));
  const headers: SipHeader[] = [
    ...vias.map((value) => ({ name: 'Via', value })),
    { name: 'From', value: first('From', parseNameAddr) ?? ANONYMOUS },
    { name: 'To', value: withTag(first('To', parseNameAddr) ?? ANONYMOUS, toTag) },
    { name: 'Call-ID', value: first('Call-ID', (v) => (/^\S+$/.test(v.trim()) ? true : fail('bad Call-ID')))?.trim() ?? `invalid-${randomBytes(8).toString('hex')}` },
    { name: 'CSeq', value: cseq ?? `1 ${method}` },
  ];
  return { kind: 'response', status, reason: printable(reason), headers, body: Buffer.alloc(0) };
}

/** RFC 3323 §4.1.1's anonymous URI: stands in for a From or To that cannot be echoed. */
const ANONYMOUS = '<sip:anonymous@anonymous.invalid>';

function withTag(to: string, tag = randomBytes(6).toString('hex')): string {
  return hasTag(to) ? to : `${to};tag=${tag}`;
}

function parses(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch (err) {
    if (err instanceof SipParseError) return false;
    throw err;
  }
}

/** A reason phrase that cannot break the status line or carry a peer's megabytes back to it. */
function printable(reason: string): string {
  const clean = reason.replace(/[^\x20-\x7e]/g, ' ');
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}
