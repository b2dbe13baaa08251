/**
 * HTTP Digest authentication as SIP uses it (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760).
 * Client side: parse a WWW-Authenticate / Proxy-Authenticate challenge and compute the matching
 * Authorization / Proxy-Authorization value. Server side (the registrar): parse the credentials
 * a client sent and check them against the password. MD5 and SHA-256, each with its "-sess"
 * variant; qop "auth" (preferred), "auth-int", or none (RFC 2069 compatibility).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail } from './errors.js';
import { endOfQuoted, isTokenChar, quote, skipLws, unquote } from './lex.js';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** As sent ("MD5" when absent, RFC 2617 §3.2.1). */
  algorithm: string;
  /** The qop values offered, lower-cased; empty for an RFC 2069 challenge. */
  qop: string[];
  stale: boolean;
  /** Every parameter as received (names lower-cased, quotes removed). */
  params: Record<string, string>;
}

export interface DigestCredentials {
  challenge: DigestChallenge;
  username: string;
  password: string;
  /** The request method ("INVITE", "REGISTER", …; for ACK/CANCEL, the INVITE's, §22.4). */
  method: string;
  /** The digest-uri: the Request-URI as sent. */
  uri: string;
  /** Nonce count for this nonce, starting at 1 (RFC 2617 §3.2.2). */
  nc?: number;
  /** Client nonce; random when omitted. */
  cnonce?: string;
  /** The message body, needed only when the challenge offers nothing but qop=auth-int. */
  body?: Buffer;
}

const HASHES: Record<string, string> = { md5: 'md5', 'md5-sess': 'md5', 'sha-256': 'sha256', 'sha-256-sess': 'sha256' };

/** Parses `Digest realm="…", nonce="…", …` (RFC 2617 §3.2.1). Throws SipParseError. */
export function parseChallenge(headerValue: string): DigestChallenge {
  const params = parseDigestParams(headerValue);
  const realm = params.realm;
  const nonce = params.nonce;
  if (realm === undefined || nonce === undefined) fail('Digest challenge needs realm and nonce');
  const challenge: DigestChallenge = {
    realm,
    nonce,
    algorithm: params.algorithm ?? 'MD5',
    qop: (params.qop ?? '').split(',').map((q) => q.trim().toLowerCase()).filter((q) => q.length > 0),
    stale: (params.stale ?? '').toLowerCase() === 'true',
    params,
  };
  if (params.opaque !== undefined) challenge.opaque = params.opaque;
  return challenge;
}

/** The auth-params of a `Digest …` challenge or credentials value (names lower-cased, quotes removed). */
function parseDigestParams(headerValue: string): Record<string, string> {
  let i = skipLws(headerValue, 0);
  const schemeStart = i;
  while (i < headerValue.length && isTokenChar(headerValue[i]!)) i++;
  if (headerValue.slice(schemeStart, i).toLowerCase() !== 'digest') fail('Not a Digest challenge');
  const params: Record<string, string> = {};
  for (;;) {
    i = skipLws(headerValue, i);
    if (i >= headerValue.length) break;
    if (headerValue[i] === ',') {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < headerValue.length && isTokenChar(headerValue[i]!)) i++;
    const name = headerValue.slice(nameStart, i).toLowerCase();
    i = skipLws(headerValue, i);
    if (name.length === 0 || headerValue[i] !== '=') fail('Malformed Digest parameter');
    i = skipLws(headerValue, i + 1);
    if (headerValue[i] === '"') {
      const end = endOfQuoted(headerValue, i);
      params[name] = unquote(headerValue.slice(i, end));
      i = end;
    } else {
      const valueStart = i;
      while (i < headerValue.length && headerValue[i] !== ',' && headerValue[i] !== ' ' && headerValue[i] !== '\t') i++;
      params[name] = headerValue.slice(valueStart, i);
    }
  }
  return params;
}

/** The Authorization (or Proxy-Authorization) header value answering `challenge`. */
export function digestAuthorization(credentials: DigestCredentials): string {
  const { challenge, username, password, method, uri } = credentials;
  const algorithm = challenge.algorithm.toLowerCase();
  if (HASHES[algorithm] === undefined) throw new Error(`Unsupported digest algorithm ${challenge.algorithm}`);
  const qop = challenge.qop.includes('auth') ? 'auth' : challenge.qop.includes('auth-int') ? 'auth-int' : undefined;
  const cnonce = credentials.cnonce ?? (qop !== undefined || algorithm.endsWith('-sess') ? randomBytes(12).toString('hex') : undefined);
  const nc = (credentials.nc ?? 1).toString(16).padStart(8, '0');
  const response = digestResponse({
    algorithm, username, realm: challenge.realm, password, nonce: challenge.nonce, method, uri, qop, nc, cnonce, body: credentials.body,
  });

  const parts = [
    `username=${quote(username)}`, `realm=${quote(challenge.realm)}`, `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`, `response="${response}"`, `algorithm=${challenge.algorithm}`,
  ];
  if (cnonce !== undefined) parts.push(`cnonce=${quote(cnonce)}`);
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${nc}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

/** What a client sent in Authorization (RFC 2617 §3.2.2), as a server reads it. */
export interface DigestAnswer {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  /** Lower-cased; "md5" when absent. */
  algorithm: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

/** Parses an Authorization / Proxy-Authorization value. Throws SipParseError when a required field is missing. */
export function parseDigestAnswer(headerValue: string): DigestAnswer {
  const p = parseDigestParams(headerValue);
  const { username, realm, nonce, uri, response } = p;
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    fail('Digest credentials need username, realm, nonce, uri and response');
  }
  const answer: DigestAnswer = { username, realm, nonce, uri, response, algorithm: (p.algorithm ?? 'MD5').toLowerCase() };
  if (p.qop !== undefined) answer.qop = p.qop.toLowerCase();
  if (p.nc !== undefined) answer.nc = p.nc;
  if (p.cnonce !== undefined) answer.cnonce = p.cnonce;
  if (p.opaque !== undefined) answer.opaque = p.opaque;
  return answer;
}

/**
 * True when `answer` proves knowledge of `password` for `method` (RFC 2617 §3.2.2.1). Checks the
 * response only: whether the nonce is ours and fresh is the caller's business. An unknown
 * algorithm or qop, or a qop without nc/cnonce, is simply false.
 */
export function digestAnswerMatches(answer: DigestAnswer, password: string, method: string, body: Buffer): boolean {
  if (HASHES[answer.algorithm] === undefined) return false;
  if (answer.qop !== undefined && answer.qop !== 'auth' && answer.qop !== 'auth-int') return false;
  if (answer.qop !== undefined && (answer.nc === undefined || answer.cnonce === undefined)) return false;
  if (answer.algorithm.endsWith('-sess') && answer.cnonce === undefined) return false;
  const expected = digestResponse({ ...answer, password, method, body });
  const given = Buffer.from(answer.response.toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
}

/** request-digest of RFC 2617 §3.2.2.1 (RFC 7616 §3.4.1 for SHA-256), as lower-case hex. */
function digestResponse(f: {
  algorithm: string; username: string; realm: string; password: string; nonce: string; method: string; uri: string;
  qop?: string | undefined; nc?: string | undefined; cnonce?: string | undefined; body?: Buffer | undefined;
}): string {
  const algorithm = f.algorithm.toLowerCase();
  const h = (text: string | Buffer): string => createHash(HASHES[algorithm]!).update(text).digest('hex');
  let ha1 = h(`${f.username}:${f.realm}:${f.password}`);
  if (algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${f.nonce}:${f.cnonce}`);
  const ha2 = h(f.qop === 'auth-int' ? `${f.method}:${f.uri}:${h(f.body ?? Buffer.alloc(0))}` : `${f.method}:${f.uri}`);
  return f.qop === undefined ? h(`${ha1}:${f.nonce}:${ha2}`) : h(`${ha1}:${f.nonce}:${f.nc}:${f.cnonce}:${f.qop}:${ha2}`);
}
