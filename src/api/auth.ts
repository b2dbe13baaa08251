import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { TwilioError } from '../domain/errors.js';
import type { Store } from '../ports/store.js';

const unauthorized = (message: string) =>
  new TwilioError(401, 20003, message, 'Your AccountSid or AuthToken was incorrect.');

/**
 * HTTP Basic auth with the Account SID and auth token (calls-api.md §1). Tokens are read
 * from the store once per account and kept: this runs on every request.
 */
export class Authenticator {
  private readonly tokens = new Map<string, Buffer>();

  constructor(private readonly store: Store) {}

  /** Returns the authenticated account SID, or throws 401 / 20003. */
  async authenticate(request: FastifyRequest): Promise<string> {
    const header = request.headers.authorization;
    if (!header?.startsWith('Basic ')) throw unauthorized('Authentication Error - No credentials provided');
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = Buffer.from(colon < 0 ? '' : decoded.slice(colon + 1));
    const token = await this.token(username);
    if (!token || token.length !== password.length || !timingSafeEqual(token, password)) {
      throw unauthorized('Authentication Error - invalid username');
    }
    return username;
  }

  /** Checks that the path's `{AccountSid}` is the authenticated account. */
  async authorize(request: FastifyRequest, pathAccountSid: string): Promise<void> {
    const account = await this.authenticate(request);
    if (account !== pathAccountSid) throw unauthorized(`Authentication Error - credentials do not grant access to ${pathAccountSid}`);
  }

  private async token(accountSid: string): Promise<Buffer | null> {
    const cached = this.tokens.get(accountSid);
    if (cached) return cached;
    const account = await this.store.getAccount(accountSid);
    if (!account) return null;
    const token = Buffer.from(account.authToken);
    this.tokens.set(accountSid, token);
    return token;
  }
}
