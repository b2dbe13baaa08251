/**
 * Header field values with structure: name-addr (From, To, Contact, Route, Record-Route;
 * RFC 3261 §20.10), Via (§20.42) and CSeq (§20.16). Each parser throws SipParseError (400).
 */
import { fail } from './errors.js';
import { endOfQuoted, formatParams, isLws, isTokenChar, parseGenericParams, quote, skipLws, unquote } from './lex.js';
import type { CSeq, NameAddr, Via } from './types.js';
import { formatUri, parseUri, uriHost } from './uri.js';

/**
 * `"Display" <uri>;params`, `Display <uri>;params` or a bare addr-spec. In the bare form every
 * ";" after the URI starts a header parameter, never a URI parameter (§20.10).
 */
export function parseNameAddr(text: string): NameAddr {
  let i = skipLws(text, 0);
  let displayName: string | undefined;
  if (text[i] === '"') {
    const end = endOfQuoted(text, i);
    displayName = unquote(text.slice(i, end));
    i = skipLws(text, end);
    if (text[i] !== '<') fail('Expected "<" after display name');
  } else if (text.indexOf('<', i) >= 0) {
    const lt = text.indexOf('<', i);
    const words = text.slice(i, lt).trim();
    for (let k = 0; k < words.length; k++) {
      if (!isTokenChar(words[k]!) && !isLws(words[k])) fail('Display name must be a token list or a quoted string');
    }
    if (words.length > 0) displayName = words.replace(/[ \t\r\n]+/g, ' ');
    i = lt;
  }
  let uriText: string;
  if (text[i] === '<') {
    const gt = text.indexOf('>', i);
    if (gt < 0) fail('Unterminated "<" in address');
    uriText = text.slice(i + 1, gt);
    i = gt + 1;
  } else {
    const start = i;
    while (i < text.length && text[i] !== ';' && !isLws(text[i])) i++;
    uriText = text.slice(start, i);
    // A bare addr-spec may not contain ",", "?" or ";" (§20.10): they would be ambiguous.
    if (uriText.indexOf(',') >= 0 || uriText.indexOf('?') >= 0) fail('Address with "," or "?" must be enclosed in <>');
  }
  const uri = parseUri(uriText);
  const params = parseGenericParams(text, i, 'address');
  return displayName === undefined ? { uri, params } : { displayName, uri, params };
}

/** Always writes the `<uri>` form, so URI parameters never turn into header parameters. */
export function formatNameAddr(na: NameAddr): string {
  let out = '';
  if (na.displayName !== undefined && na.displayName.length > 0) out += quote(na.displayName) + ' ';
  return out + '<' + formatUri(na.uri) + '>' + formatParams(na.params);
}

/** `SIP / 2.0 / UDP host[:port] *( ;param )`, LWS allowed around "/" (§25.1 sent-protocol). */
export function parseVia(text: string): Via {
  let i = skipLws(text, 0);
  const part = (): string => {
    const start = i;
    while (i < text.length && isTokenChar(text[i]!)) i++;
    if (i === start) fail('Malformed Via sent-protocol');
    return text.slice(start, i);
  };
  const slash = (): void => {
    i = skipLws(text, i);
    if (text[i] !== '/') fail('Malformed Via sent-protocol');
    i = skipLws(text, i + 1);
  };
  const protocol = part();
  slash();
  const version = part();
  slash();
  const transport = part().toUpperCase();
  if (protocol.toUpperCase() !== 'SIP' || version !== '2.0') fail('Via protocol must be SIP/2.0');
  const afterProtocol = i;
  i = skipLws(text, i);
  if (i === afterProtocol) fail('Via needs whitespace before sent-by');
  let host: string;
  if (text[i] === '[') {
    const close = text.indexOf(']', i);
    if (close < 0) fail('Unterminated IPv6 reference in Via');
    host = text.slice(i + 1, close);
    i = close + 1;
  } else {
    const start = i;
    while (i < text.length && /[A-Za-z0-9.-]/.test(text[i]!)) i++;
    host = text.slice(start, i);
  }
  if (host.length === 0) fail('Via has no host');
  const via: Via = { transport, host, params: {} };
  i = skipLws(text, i);
  if (text[i] === ':') {
    i = skipLws(text, i + 1);
    const start = i;
    while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    const digits = text.slice(start, i);
    if (digits.length === 0 || digits.length > 5 || Number(digits) > 65535) fail('Invalid port in Via');
    via.port = Number(digits);
  }
  via.params = parseGenericParams(text, i, 'Via');
  return via;
}

export function formatVia(via: Via): string {
  const host = uriHost(via.host);
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `SIP/2.0/${via.transport} ${host}${port}${formatParams(via.params)}`;
}

/** The sequence number is a 32-bit unsigned integer below 2**31 (§8.1.1.5, §20.16). */
export function parseCSeq(text: string): CSeq {
  let i = skipLws(text, 0);
  const start = i;
  while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
  const digits = text.slice(start, i);
  if (digits.length === 0 || digits.length > 10) fail('Invalid CSeq number');
  const seq = Number(digits);
  if (seq >= 2 ** 31) fail('CSeq number out of range');
  const afterNumber = i;
  i = skipLws(text, i);
  if (i === afterNumber) fail('CSeq needs whitespace before the method');
  const methodStart = i;
  while (i < text.length && isTokenChar(text[i]!)) i++;
  const method = text.slice(methodStart, i);
  if (method.length === 0 || skipLws(text, i) !== text.length) fail('Invalid CSeq method');
  return { seq, method };
}
