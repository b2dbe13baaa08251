/**
 * HTTP Digest authentication, client side, as SIP uses it (RFC 3261 §22.4, RFC 2617, RFC 7616,
 * RFC 8760): parse a WWW-Authenticate / Proxy-Authenticate challenge and compute the matching
 * Authorization / Proxy-Authorization value. MD5 and SHA-256, each with its "-sess" variant;
 * qop "auth" (preferred), "auth-int", or none (RFC 2069 compatibility).
 */
import { createHash, randomBytes } from 'node:crypto';
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

/** The Authorization (or Proxy-Authorization) header value answering `challenge`. */
export function digestAuthorization(credentials: DigestCredentials): string {
  const { challenge, username, password, method, uri } = credentials;
  const algorithm = challenge.algorithm.toLowerCase();
  const hashName = HASHES[algorithm];
  if (hashName === undefined) throw new Error(`Unsupported digest algorithm ${challenge.algorithm}`);
  const h = (text: string | Buffer): string => createHash(hashName).update(text).digest('hex');
  const qop = challenge.qop.includes('auth') ? 'auth' : challenge.qop.includes('auth-int') ? 'auth-int' : undefined;
  const sess = algorithm.endsWith('-sess');
  const cnonce = credentials.cnonce ?? (qop !== undefined || sess ? randomBytes(12).toString('hex') : undefined);
  const nc = (credentials.nc ?? 1).toString(16).padStart(8, '0');

  let ha1 = h(`${username}:${challenge.realm}:${password}`);
  if (sess) ha1 = h(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = h(qop === 'auth-int' ? `${method}:${uri}:${h(credentials.body ?? Buffer.alloc(0))}` : `${method}:${uri}`);
  const response = qop === undefined ? h(`${ha1}:${challenge.nonce}:${ha2}`) : h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${qop}:${ha2}`);

  const parts = [
    `username=${quote(username)}`, `realm=${quote(challenge.realm)}`, `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`, `response="${response}"`, `algorithm=${challenge.algorithm}`,
  ];
  if (cnonce !== undefined) parts.push(`cnonce=${quote(cnonce)}`);
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${nc}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
