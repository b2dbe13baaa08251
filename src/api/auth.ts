import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TwilioError } from '../domain/errors.js';
import type { AccountTokens } from '../calls/account-tokens.js';

const unauthorized = (message: string) =>
  new TwilioError(401, 20003, message, 'Your AccountSid or AuthToken was incorrect.');

/** How many distinct good `Authorization` headers are remembered (oldest forgotten first). */
const MAX_ACCEPTED = 1024;

/** HTTP Basic auth with the Account SID and auth token (calls-api.md §1), on every request. */
export class Authenticator {
  /** One check per request: the hook before the body and the route's own call share it. */
  private readonly checked = new WeakMap<FastifyRequest, Promise<string>>();
  /**
   * `Authorization` values already found good, and their account: a client sends the same
   * header on every request, so the hot path is one map lookup, not a base64 decode and a
   * token comparison. Exact header bytes only; tokens do not change while the server runs.
   */
  private readonly accepted = new Map<string, Promise<string>>();

  constructor(private readonly tokens: AccountTokens) {}

  /** Returns the authenticated account SID, or throws 401 / 20003. */
  authenticate(request: FastifyRequest): Promise<string> {
    const header = request.headers.authorization;
    const known = header === undefined ? undefined : this.accepted.get(header);
    if (known) return known;
    let check = this.checked.get(request);
    if (!check) {
      this.checked.set(request, (check = this.check(request)));
      if (header !== undefined) check.then((account) => this.remember(header, account), () => {});
    }
    return check;
  }

  private remember(header: string, account: string): void {
    if (this.accepted.size >= MAX_ACCEPTED) this.accepted.delete(this.accepted.keys().next().value!);
    this.accepted.set(header, Promise.resolve(account));
  }

  private async check(request: FastifyRequest): Promise<string> {
    const header = request.headers.authorization;
    if (!header?.startsWith('Basic ')) throw unauthorized('Authentication Error - No credentials provided');
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = Buffer.from(colon < 0 ? '' : decoded.slice(colon + 1));
    const known = await this.tokens.get(username);
    const token = known === null ? null : Buffer.from(known);
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
}

/**
 * Credentials are checked as soon as the route is known, before a body is read or parsed: a
 * client without them gets its 401 without the server spending a parse (or a 413) on its body.
 * The routes keep their own check, which this one has already answered.
 */
export function authenticateBeforeBody(app: FastifyInstance, auth: Authenticator): void {
  app.addHook('onRequest', (request, _reply, done) => {
    // Without a body there is nothing to protect: the route's own check is enough, and the
    // reads (the hot path) pay nothing here.
    if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) return done();
    const route = request.routeOptions.url ?? '';
    const params = request.params as { accountSid?: string };
    const check = route.startsWith('/2010-04-01/Accounts/:accountSid') && params.accountSid ? auth.authorize(request, params.accountSid)
      : route.startsWith('/sim/') ? auth.authenticate(request) : undefined;
    if (check) check.then(() => done(), done);
    else done();
  });
}
