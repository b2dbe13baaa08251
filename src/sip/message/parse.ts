/**
 * Bytes → SipMessage (RFC 3261 §7, grammar §25). Header values stay strings; structured fields
 * are parsed on demand by headers.ts. Tolerant where the RFC asks receivers to be (bare LF line
 * ends, folded lines, compact names, leading CRLFs §7.5), strict where a guess would be unsafe
 * (start line, Content-Length, version). Every failure is a SipParseError carrying the status a
 * UAS should answer with and the raw fields it needs to address that answer (§21.4.1).
 */
import { SipParseError } from './errors.js';
import { isToken, splitTopLevel, trimLws } from './lex.js';
import { canonicalHeaderName, isListHeader } from './names.js';
import type { SipHeader, SipMessage, SipRequest, SipResponse } from './types.js';
import { parseUri } from './uri.js';

/** Request-URI schemes this stack routes; anything else is answered 416 (§8.2.2.1). */
const SUPPORTED_SCHEMES = new Set(['sip', 'sips', 'tel']);
const ADDRESSING = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq']);
const SIP_VERSION = /^SIP\/([0-9]+)\.([0-9]+)$/i;

export function parseMessage(data: Buffer): SipMessage {
  let start = 0;
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  if (start >= data.length) throw new SipParseError('Empty message');
  const { headEnd, bodyStart } = findHeadEnd(data, start);
  const lines = data.toString('utf8', start, headEnd).split('\n');
  const startLine = stripCr(lines[0]!);
  const partial: StartLineInfo = {};
  const headers: SipHeader[] = [];
  try {
    recogniseStartLine(startLine, partial);
    if (startLine.indexOf('\r') >= 0) throw new SipParseError('Bare CR in start line');
    readHeaders(lines, headers);
    const body = readBody(data, bodyStart, headers);
    return partial.kind === 'response'
      ? parseStatusLine(startLine, headers, body)
      : parseRequestLine(startLine, headers, body);
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
    if (partial.kind !== undefined) err.kind = partial.kind;
    if (partial.method !== undefined) err.method = partial.method;
    err.headers = headers.filter((h) => ADDRESSING.has(h.name));
    throw err;
  }
}

/** The head ends at the first empty line (CRLF CRLF, or LF LF from lenient senders). */
function findHeadEnd(data: Buffer, start: number): { headEnd: number; bodyStart: number } {
  let lf = data.indexOf(0x0a, start);
  while (lf >= 0) {
    let next = lf + 1;
    if (data[next] === 0x0d) next++;
    if (data[next] === 0x0a) return { headEnd: lf, bodyStart: next + 1 };
    lf = data.indexOf(0x0a, lf + 1);
  }
  // No empty line: a datagram that ends right after its headers. Treat it as body-less.
  return { headEnd: data.length, bodyStart: data.length };
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

interface StartLineInfo {
  kind?: 'request' | 'response';
  method?: string;
}

/** Notes the message kind and method early, so even a later failure can be answered. */
function recogniseStartLine(line: string, partial: StartLineInfo): void {
  if (/^SIP\//i.test(line)) {
    partial.kind = 'response';
    return;
  }
  const sp = line.indexOf(' ');
  const method = sp > 0 ? line.slice(0, sp) : '';
  if (isToken(method)) {
    partial.kind = 'request';
    partial.method = method;
  }
}

function readHeaders(lines: string[], headers: SipHeader[]): void {
  let name: string | undefined;
  let value = '';
  const flush = (): void => {
    if (name === undefined) return;
    const canonical = canonicalHeaderName(name);
    const trimmed = trimLws(value);
    if (isListHeader(canonical)) {
      const parts = splitTopLevel(trimmed, ',');
      if (parts.length === 0) headers.push({ name: canonical, value: '' });
      for (const part of parts) headers.push({ name: canonical, value: part });
    } else headers.push({ name: canonical, value: trimmed });
  };
  for (let n = 1; n < lines.length; n++) {
    const line = stripCr(lines[n]!);
    if (line.length === 0) continue;
    // CR is only legal as part of a line end (§25.1); a stray one would corrupt re-serialization.
    if (line.indexOf('\r') >= 0) throw new SipParseError('Bare CR in header');
    if (line[0] === ' ' || line[0] === '\t') {
      // Folded continuation (§7.3.1): the line break and leading whitespace become one SP.
      if (name === undefined) throw new SipParseError('Header continuation before any header');
      value += ' ' + trimLws(line);
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon < 0) throw new SipParseError(`Header line without a colon`);
    const rawName = trimLws(line.slice(0, colon));
    if (!isToken(rawName)) throw new SipParseError('Invalid header name');
    name = rawName;
    value = line.slice(colon + 1);
  }
  flush();
}

/** Content-Length bounds the body (§18.3, §20.14): extra bytes are dropped, missing bytes fail. */
function readBody(data: Buffer, bodyStart: number, headers: SipHeader[]): Buffer {
  let length: number | undefined;
  for (const h of headers) {
    if (h.name !== 'Content-Length') continue;
    if (!/^[0-9]{1,10}$/.test(h.value)) throw new SipParseError('Malformed Content-Length');
    const n = Number(h.value);
    if (length !== undefined && length !== n) throw new SipParseError('Conflicting Content-Length values');
    length = n;
  }
  const available = data.length - bodyStart;
  if (length === undefined) return data.subarray(bodyStart);
  if (length > available) throw new SipParseError(`Content-Length ${length} exceeds the ${available} body bytes received`);
  return data.subarray(bodyStart, bodyStart + length);
}

/** Request-Line = Method SP Request-URI SP SIP-Version (§25.1): exactly single spaces. */
function parseRequestLine(line: string, headers: SipHeader[], body: Buffer): SipRequest {
  const parts = line.split(' ');
  if (parts.length !== 3) throw new SipParseError('Malformed Request-Line');
  const [method, uriText, version] = parts as [string, string, string];
  if (!isToken(method)) throw new SipParseError('Invalid method');
  checkVersion(version);
  if (uriText.startsWith('<')) throw new SipParseError('Request-URI must not be enclosed in <>');
  const uri = parseUri(uriText);
  if (!SUPPORTED_SCHEMES.has(uri.scheme)) throw new SipParseError(`Unsupported URI scheme "${uri.scheme}"`, 416);
  return { kind: 'request', method, uri, headers, body };
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§25.1); tolerate an empty reason. */
function parseStatusLine(line: string, headers: SipHeader[], body: Buffer): SipResponse {
  const sp1 = line.indexOf(' ');
  if (sp1 < 0) throw new SipParseError('Malformed Status-Line');
  checkVersion(line.slice(0, sp1));
  const sp2 = line.indexOf(' ', sp1 + 1);
  const code = sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
  if (!/^[1-6][0-9][0-9]$/.test(code)) throw new SipParseError('Invalid status code');
  const reason = sp2 < 0 ? '' : line.slice(sp2 + 1);
  return { kind: 'response', status: Number(code), reason, headers, body };
}

function checkVersion(version: string): void {
  const match = SIP_VERSION.exec(version);
  if (match === null) throw new SipParseError('Malformed SIP version');
  if (Number(match[1]) !== 2 || Number(match[2]) !== 0) throw new SipParseError(`Unsupported SIP version ${version}`, 505);
}
