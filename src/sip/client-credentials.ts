import { readFileSync, statSync } from 'node:fs';
import type { Clock } from '../ports/clock.js';
import type { SipLogger } from './logger.js';

/** Who may register as a SIP client, and with which password (`serve --sip-clients FILE`). */
export interface SipClientDirectory {
  /** The password of `identity`, or undefined when it is not a SIP client. */
  passwordOf(identity: string): string | undefined;
}

/**
 * A client identity as Twilio allows it (dial.md, `<Client>`: at most 256 characters, no control,
 * space, delimiter or "unwise" character) that is also a SIP user part as written, unescaped
 * (RFC 3261 §25.1 `unreserved` and `user-unreserved`, minus `?` and `/`).
 */
const IDENTITY = /^[A-Za-z0-9\-_.!~*'()&=+$,;]{1,256}$/;

/** How often the file's modification time is looked at: a REGISTER or a dial sees an edit within this. */
const RECHECK_MS = 1_000;

/**
 * Reads `{"alice": "s3cret", "bob": "…"}`: identities to passwords. Throws a RangeError saying
 * what is wrong, so a bad file is refused at start rather than locking every phone out.
 */
export function parseSipClients(text: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RangeError('must be a JSON object of identity → password, e.g. {"alice": "s3cret"}');
  }
  const clients = new Map<string, string>();
  for (const [identity, password] of Object.entries(parsed)) {
    if (!IDENTITY.test(identity)) throw new RangeError(`"${identity}" is not a client identity (letters, digits and - _ . ! ~ * ' ( ) & = + $ , ; up to 256)`);
    if (typeof password !== 'string' || password.length === 0) throw new RangeError(`the password of "${identity}" must be a non-empty string`);
    clients.set(identity, password);
  }
  return clients;
}

/**
 * The SIP clients file an operator edits. It is read at start (a bad file stops the start) and
 * read again when its modification time changes, checked at most once a second when a
 * password is looked up; a bad edit is logged and the previous list stays in force.
 */
export class SipClientsFile implements SipClientDirectory {
  private clients: Map<string, string>;
  private stamp: string;
  private checkedAt: number;

  constructor(
    private readonly path: string,
    private readonly clock: Clock,
    private readonly log: SipLogger,
  ) {
    try {
      this.stamp = this.fileStamp();
      this.clients = parseSipClients(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new RangeError(`--sip-clients ${path} ${(error as Error).message}`);
    }
    this.checkedAt = clock.now();
  }

  passwordOf(identity: string): string | undefined {
    this.refresh();
    return this.clients.get(identity);
  }

  private refresh(): void {
    const now = this.clock.now();
    if (now - this.checkedAt < RECHECK_MS) return;
    this.checkedAt = now;
    let stamp: string;
    try {
      stamp = this.fileStamp();
    } catch (error) {
      return this.log.warn({ err: error, path: this.path }, 'SIP clients file unreadable; keeping the previous list');
    }
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      this.clients = parseSipClients(readFileSync(this.path, 'utf8'));
    } catch (error) {
      this.log.warn({ err: error, path: this.path }, 'SIP clients file is invalid; keeping the previous list');
    }
  }

  private fileStamp(): string {
    const stat = statSync(this.path);
    return `${stat.mtimeMs}:${stat.size}`;
  }
}
