import type { Store } from '../ports/store.js';

/**
 * The auth token of each account, read from the store once: it checks every REST request's
 * credentials and signs every webhook and callback. Accounts do not change while the server
 * runs.
 */
export class AccountTokens {
  private readonly tokens = new Map<string, string>();

  constructor(private readonly store: Store) {}

  /** The account's token, or null when there is no such account. */
  async get(accountSid: string): Promise<string | null> {
    const cached = this.tokens.get(accountSid);
    if (cached !== undefined) return cached;
    const account = await this.store.getAccount(accountSid);
    if (account) this.tokens.set(accountSid, account.authToken);
    return account?.authToken ?? null;
  }
}
