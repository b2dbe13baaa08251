/**
 * SIP URIs (RFC 3261 §19.1, grammar §25.1). `sip:`/`sips:` are parsed into parts with escapes
 * resolved; every other scheme (`tel:`, `urn:`, …) keeps its text in `opaque` (RFC 3261 §19.1
 * leaves them to their own RFCs; RFC 4475 §3.1.1.13 says an element treats them as opaque).
 */
import { fail } from './errors.js';
import type { SipUri } from './types.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const UNRESERVED = ALNUM + "-_.!~*'()";
const USER_CHARS = charSet(UNRESERVED + '&=+$,;?/');
const PASSWORD_CHARS = charSet(UNRESERVED + '&=+$,');
const PARAM_CHARS = charSet(UNRESERVED + '[]/:&+$');
const HEADER_CHARS = charSet(UNRESERVED + '[]/?:+$');
const HOST_CHARS = charSet(ALNUM + '-.');
const IPV6_CHARS = charSet('0123456789abcdefABCDEF:.');
const SCHEME_CHARS = charSet(ALNUM + '+-.');

function charSet(chars: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) set[chars.charCodeAt(i)] = 1;
  return set;
}

function allowed(set: Uint8Array, code: number): boolean {
  return code < 128 && set[code] === 1;
}

/** Percent-decodes `text`, accepting only characters of `set` plus valid `%XX` escapes. */
function unescapePart(text: string, set: Uint8Array, what: string): string {
  if (text.indexOf('%') < 0) {
    for (let i = 0; i < text.length; i++) if (!allowed(set, text.charCodeAt(i))) fail(`Invalid character in URI ${what}`);
    return text;
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (hex.length !== 2 || !/^[0-9a-fA-F]{2}$/.test(hex)) fail(`Invalid escape in URI ${what}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (allowed(set, code)) bytes.push(code);
    else fail(`Invalid character in URI ${what}`);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Percent-encodes every byte of `text` that `set` does not allow literally. */
function escapePart(text: string, set: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < text.length && plain; i++) plain = allowed(set, text.charCodeAt(i));
  if (plain) return text;
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += allowed(set, byte) ? String.fromCharCode(byte) : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Parses any absolute URI. Throws SipParseError (400) on malformed text. */
export function parseUri(text: string): SipUri {
  const colon = text.indexOf(':');
  if (colon <= 0) fail('URI has no scheme');
  const scheme = text.slice(0, colon).toLowerCase();
  const first = scheme.charCodeAt(0);
  if (!(first >= 0x61 && first <= 0x7a)) fail('URI scheme must start with a letter');
  for (let i = 1; i < scheme.length; i++) if (!allowed(SCHEME_CHARS, scheme.charCodeAt(i))) fail('Invalid URI scheme');
  const rest = text.slice(colon + 1);
  for (let i = 0; i < rest.length; i++) {
    const code = rest.charCodeAt(i);
    // LWS, controls and raw non-ASCII are never part of a URI (§25.1; RFC 4475 §3.1.2.5).
    if (code <= 0x20 || code >= 0x7f) fail('Invalid character in URI');
  }
  if (scheme !== 'sip' && scheme !== 'sips') {
    if (rest.length === 0) fail('Empty URI');
    return { scheme, host: '', params: {}, headers: {}, opaque: rest };
  }
  return parseSipParts(scheme, rest);
}

function parseSipParts(scheme: string, rest: string): SipUri {
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  // userinfo may hold ";" and "?" (user-unreserved) but never a raw "@", so the first "@" ends it.
  let i = 0;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pw = userinfo.indexOf(':');
    const user = pw >= 0 ? userinfo.slice(0, pw) : userinfo;
    if (user.length === 0) fail('Empty user part in URI');
    uri.user = unescapePart(user, USER_CHARS, 'user');
    if (pw >= 0) uri.password = unescapePart(userinfo.slice(pw + 1), PASSWORD_CHARS, 'password');
    i = at + 1;
  }
  if (rest[i] === '[') {
    const close = rest.indexOf(']', i);
    if (close < 0) fail('Unterminated IPv6 reference');
    const host = rest.slice(i + 1, close);
    if (host.indexOf(':') < 0) fail('Invalid IPv6 reference');
    for (let k = 0; k < host.length; k++) if (!allowed(IPV6_CHARS, host.charCodeAt(k))) fail('Invalid IPv6 reference');
    uri.host = host;
    i = close + 1;
  } else {
    const start = i;
    while (i < rest.length && allowed(HOST_CHARS, rest.charCodeAt(i))) i++;
    uri.host = rest.slice(start, i);
  }
  if (uri.host.length === 0) fail('URI has no host');
  if (rest[i] === ':') {
    const start = ++i;
    while (i < rest.length && rest.charCodeAt(i) >= 0x30 && rest.charCodeAt(i) <= 0x39) i++;
    const digits = rest.slice(start, i);
    if (digits.length === 0 || digits.length > 5 || Number(digits) > 65535) fail('Invalid port in URI');
    uri.port = Number(digits);
  }
  const query = rest.indexOf('?', i);
  const paramText = rest.slice(i, query < 0 ? rest.length : query);
  if (paramText.length > 0) {
    if (paramText[0] !== ';') fail('Invalid character after URI host');
    for (const param of paramText.slice(1).split(';')) {
      const eq = param.indexOf('=');
      const name = unescapePart(eq < 0 ? param : param.slice(0, eq), PARAM_CHARS, 'parameter').toLowerCase();
      if (name.length === 0) fail('Empty URI parameter');
      uri.params[name] = eq < 0 ? null : unescapePart(param.slice(eq + 1), PARAM_CHARS, 'parameter');
    }
  }
  if (query >= 0) {
    for (const header of rest.slice(query + 1).split('&')) {
      const eq = header.indexOf('=');
      if (eq <= 0) fail('Invalid URI header');
      uri.headers[unescapePart(header.slice(0, eq), HEADER_CHARS, 'header')] = unescapePart(header.slice(eq + 1), HEADER_CHARS, 'header');
    }
  }
  return uri;
}

/** Formats a URI, escaping whatever each part does not allow literally (§19.1.2). */
export function formatUri(uri: SipUri): string {
  if (uri.opaque !== undefined) return `${uri.scheme}:${uri.opaque}`;
  let out = uri.scheme + ':';
  if (uri.user !== undefined) {
    out += escapePart(uri.user, USER_CHARS);
    if (uri.password !== undefined) out += ':' + escapePart(uri.password, PASSWORD_CHARS);
    out += '@';
  }
  out += uriHost(uri.host);
  if (uri.port !== undefined) out += ':' + uri.port;
  for (const [name, value] of Object.entries(uri.params)) {
    out += ';' + escapePart(name, PARAM_CHARS) + (value === null ? '' : '=' + escapePart(value, PARAM_CHARS));
  }
  const headers = Object.entries(uri.headers);
  if (headers.length > 0) {
    out += '?' + headers.map(([n, v]) => escapePart(n, HEADER_CHARS) + '=' + escapePart(v, HEADER_CHARS)).join('&');
  }
  return out;
}

/**
 * A host as a SIP URI or Via writes it: an IPv6 literal in brackets (RFC 3261 §25.1
 * `IPv6reference`, from RFC 2732), a hostname or IPv4 address as is. Hosts are kept unbracketed
 * everywhere else, so this is the one place the brackets are added.
 */
export function uriHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
