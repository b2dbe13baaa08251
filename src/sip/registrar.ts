import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../ports/clock.js';
import type { SipClientDirectory } from './client-credentials.js';
import { digestAnswerMatches, parseDigestAnswer, type DigestAnswer } from './message/digest.js';
import { SipParseError } from './message/errors.js';
import { formatNameAddr, parseNameAddr } from './message/fields.js';
import { callIdOf, cseqOf, getHeader, getHeaders, toOf } from './message/headers.js';
import { quote } from './message/lex.js';
import { makeResponse } from './message/response.js';
import type { SipAddress, SipHeader, SipRequest, SipResponse, SipUri } from './message/types.js';
import { newTag } from './ua-context.js';

/** One registered contact of a client (RFC 3261 §10.3: a binding of the address of record). */
export interface SipBinding {
  /** Where the phone takes calls: the Contact URI it registered. */
  readonly contact: SipUri;
  /** The address the REGISTER came from: calls from that phone come from there too. */
  readonly source: SipAddress;
  readonly callId: string;
  readonly cseq: number;
  readonly expiresAt: number;
}

export interface RegistrarOptions {
  clock: Clock;
  clients: SipClientDirectory;
  /** The digest realm (RFC 3261 §22.1): the host phones register with. */
  realm: string;
  /** Shorter registrations get 423 (RFC 3261 §10.3 step 7); default 60 s. */
  minExpiresS?: number;
  /** Longer ones are shortened to this (the registrar's choice, §10.3 step 7); default 3600 s. */
  maxExpiresS?: number;
  /**
   * The digest algorithms challenged with, most preferred first, and the only ones accepted.
   * Default MD5 alone: baresip 1.0 (libre) and other phones fail the whole registration on a
   * challenge they cannot answer, instead of picking the one they can as RFC 8760 §2.4 asks.
   */
  algorithms?: readonly ('SHA-256' | 'MD5')[];
}

/** When neither the Contact's `expires` nor an Expires header says (RFC 3261 §10.2.1.1). */
const DEFAULT_EXPIRES_S = 3600;
/** How long a nonce is good for; after that the phone is re-challenged with `stale=true` (RFC 2617 §3.2.1). */
const NONCE_TTL_MS = 5 * 60_000;
/** Bindings kept per identity: a phone that changes address each time cannot grow the table without bound. */
const MAX_BINDINGS = 10;

/** A failed registration: status, reason and extra headers of the answer. */
class Refusal {
  constructor(readonly status: number, readonly reason?: string, readonly headers: SipHeader[] = []) {}
}

/**
 * The registrar (RFC 3261 §10.3) for SIP clients: a phone registers as an identity of the SIP
 * clients file (the To URI's user part), proving its password with digest authentication
 * (§22.4; MD5 and SHA-256, RFC 8760), so that `client:alice` rings it. Bindings live in memory
 * and expire on the Clock's wall time (`now()`), because the phone counts its refresh interval
 * in real seconds; a restart forgets them until the phones re-register.
 *
 * Nonces are stateless: the time they were issued, signed with a per-process key, so a
 * challenge costs no memory. Nonce counts are not tracked (a captured REGISTER can be replayed
 * within the nonce's five minutes; it can only renew what it already said).
 */
export class SipRegistrar {
  private readonly bindings = new Map<string, Map<string, SipBinding>>();
  private readonly secret = randomBytes(32);
  private readonly minExpiresS: number;
  private readonly maxExpiresS: number;
  private readonly algorithms: readonly string[];

  constructor(private readonly options: RegistrarOptions) {
    this.minExpiresS = options.minExpiresS ?? 60;
    this.maxExpiresS = options.maxExpiresS ?? DEFAULT_EXPIRES_S;
    this.algorithms = options.algorithms ?? ['MD5'];
  }

  /** True when `identity` is in the SIP clients file (registered or not). */
  isClient(identity: string): boolean {
    return this.options.clients.passwordOf(identity) !== undefined;
  }

  /** The live bindings of `identity`, the most recently registered first. */
  bindingsOf(identity: string): SipBinding[] {
    const table = this.bindings.get(identity);
    if (!table) return [];
    const now = this.options.clock.now();
    for (const [key, binding] of table) if (binding.expiresAt <= now) table.delete(key);
    if (table.size === 0) this.bindings.delete(identity);
    return [...table.values()].reverse(); // the table keeps the order of registration (see apply)
  }

  /**
   * The identity a request from `user` at `source` belongs to: `user` itself when one of its
   * live bindings was registered from that address (so a From header alone proves nothing).
   */
  identityAt(user: string | undefined, source: SipAddress): string | undefined {
    if (user === undefined) return undefined;
    const match = this.bindingsOf(user).some((b) => b.source.address === source.address && b.source.port === source.port);
    return match ? user : undefined;
  }

  /** Answers a REGISTER (§10.3): 401 challenge, 403, 423, 400, 500 out of order, or 200 with the bindings. */
  register(request: SipRequest, source: SipAddress): SipResponse {
    const toTag = newTag();
    try {
      const identity = this.process(request, source);
      const now = this.options.clock.now();
      const contacts = this.bindingsOf(identity).map((b): SipHeader => ({
        name: 'Contact', value: formatNameAddr({ uri: b.contact, params: { expires: String(Math.ceil((b.expiresAt - now) / 1000)) } }),
      }));
      return makeResponse(request, 200, undefined, { toTag, headers: [...contacts, { name: 'Date', value: new Date(now).toUTCString() }] });
    } catch (error) {
      if (error instanceof Refusal) return makeResponse(request, error.status, error.reason, { toTag, headers: error.headers });
      if (error instanceof SipParseError) return makeResponse(request, 400, `Bad Request (${error.message})`.replace(/[\r\n]/g, ' '), { toTag });
      throw error;
    }
  }

  /** Steps 3 to 7; returns the identity whose bindings the 200 lists. */
  private process(request: SipRequest, source: SipAddress): string {
    // §10.3 step 1 (is the Request-URI's domain ours?) is skipped: every domain that reaches
    // this socket is ours, as phones are configured with an IP address as often as a name.
    const answer = this.authenticate(request);
    const identity = toOf(request).uri.user;
    // Step 6: an identity may change its own bindings only.
    if (identity === undefined || identity !== answer.username) {
      throw new Refusal(403, `Forbidden (${answer.username} may not register ${identity ?? 'an address without a user'})`);
    }
    this.apply(identity, this.changesOf(request, identity), request, source);
    return identity;
  }

  /** §22.4: the Authorization for our realm, checked; a challenge (401) when there is none or its nonce is not ours. */
  private authenticate(request: SipRequest): DigestAnswer {
    const ours = getHeaders(request.headers, 'Authorization').map(parseDigestAnswer).find((a) => a.realm === this.options.realm);
    if (!ours) throw this.challenge(false);
    const age = this.nonceAge(ours.nonce);
    if (age === undefined) throw this.challenge(false);
    // The password may be right but the nonce too old: a fresh challenge with stale=true lets
    // the phone answer again without asking its user (RFC 2617 §3.2.1).
    if (age > NONCE_TTL_MS) throw this.challenge(true);
    const password = this.options.clients.passwordOf(ours.username);
    const challenged = this.algorithms.some((a) => a.toLowerCase() === ours.algorithm);
    if (password === undefined || !challenged || !digestAnswerMatches(ours, password, request.method, request.body)) {
      // 403 rather than a new challenge: a phone with a wrong password would otherwise retry
      // for ever, and baresip reports a 403 to its user as a failed registration.
      throw new Refusal(403, 'Forbidden (wrong identity or password)');
    }
    return ours;
  }

  /** One WWW-Authenticate per algorithm, the preferred first (RFC 8760 §2.4), all with the same nonce. */
  private challenge(stale: boolean): Refusal {
    const nonce = this.newNonce();
    const value = (algorithm: string) =>
      `Digest realm=${quote(this.options.realm)}, nonce=${quote(nonce)}, algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`;
    return new Refusal(401, undefined, this.algorithms.map((algorithm) => ({ name: 'WWW-Authenticate', value: value(algorithm) })));
  }

  private newNonce(): string {
    const issued = this.options.clock.now().toString(36);
    return `${issued}.${this.sign(issued)}`;
  }

  /** How long ago a nonce of ours was issued; undefined when it is not one of ours. */
  private nonceAge(nonce: string): number | undefined {
    const [issued, signature, extra] = nonce.split('.');
    if (issued === undefined || signature === undefined || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(issued));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const age = this.options.clock.now() - parseInt(issued, 36);
    return Number.isFinite(age) && age >= 0 ? age : undefined;
  }

  private sign(issued: string): string {
    return createHmac('sha256', this.secret).update(`${issued}:${this.options.realm}`).digest('base64url').slice(0, 22);
  }

  /**
   * Steps 6 and 7 up to the point of no return: the requested expiry of each Contact, so a
   * 423, a 400 or an out-of-order REGISTER changes nothing at all.
   */
  private changesOf(request: SipRequest, identity: string): { all: boolean; contacts: { uri: SipUri; expiresS: number }[] } {
    const values = getHeaders(request.headers, 'Contact');
    const headerExpires = expiresValue(getHeader(request.headers, 'Expires'));
    if (values.some((v) => v.trim() === '*')) {
      // §10.2.2: the wildcard removes every binding, and only with Expires: 0 and nothing else.
      if (values.length !== 1 || headerExpires !== 0) throw new Refusal(400, 'Bad Request (Contact: * needs Expires: 0 and no other Contact)');
      return { all: true, contacts: [] };
    }
    const contacts = values.map((value) => {
      const contact = parseNameAddr(value);
      const requested = expiresValue(contact.params.expires ?? undefined) ?? headerExpires ?? DEFAULT_EXPIRES_S;
      if (requested > 0 && requested < this.minExpiresS) {
        throw new Refusal(423, undefined, [{ name: 'Min-Expires', value: String(this.minExpiresS) }]);
      }
      return { uri: contact.uri, expiresS: Math.min(requested, this.maxExpiresS) };
    });
    const callId = callIdOf(request);
    const cseq = cseqOf(request).seq;
    const table = this.bindings.get(identity);
    for (const { uri } of contacts) {
      const existing = table?.get(bindingKey(uri));
      // Step 7: a REGISTER older than the one that made the binding (same Call-ID, lower or equal CSeq) is refused.
      if (existing && existing.callId === callId && existing.cseq >= cseq) throw new Refusal(500, 'Server Internal Error (REGISTER out of order)');
    }
    return { all: false, contacts };
  }

  private apply(identity: string, changes: ReturnType<SipRegistrar['changesOf']>, request: SipRequest, source: SipAddress): void {
    if (changes.all) {
      this.bindings.delete(identity);
      return;
    }
    const table = this.bindings.get(identity) ?? new Map<string, SipBinding>();
    const now = this.options.clock.now();
    const callId = callIdOf(request);
    const cseq = cseqOf(request).seq;
    for (const { uri, expiresS } of changes.contacts) {
      const key = bindingKey(uri);
      table.delete(key); // re-inserted last: the Map's order is the order of registration
      if (expiresS > 0) table.set(key, { contact: uri, source, callId, cseq, expiresAt: now + expiresS * 1000 });
    }
    while (table.size > MAX_BINDINGS) table.delete(table.keys().next().value!);
    if (table.size > 0) this.bindings.set(identity, table);
    else this.bindings.delete(identity);
  }
}

/** An Expires header or `expires` parameter (RFC 3261 §20.19: delta-seconds); malformed reads as absent. */
function expiresValue(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d{1,10}\s*$/.test(text)) return undefined;
  return Number(text);
}

/** Contacts compare as URIs (§19.1.4, simplified): scheme and host case-insensitive, user exact, default port. */
function bindingKey(uri: SipUri): string {
  return `${uri.scheme.toLowerCase()}:${uri.user ?? ''}@${uri.host.toLowerCase()}:${uri.port ?? 5060}`;
}
