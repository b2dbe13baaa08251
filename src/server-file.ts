import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `server.json` in the data dir: where a running server listens, so that the CLI (`switchboard
 * calls list`, …) finds it with no flags. Written once the server listens, removed on a clean
 * close; a crash leaves it behind, which is why it carries the pid (the CLI checks it).
 * The auth token is not in it: the account is in `account.json` or the environment.
 */
export interface ServerFile {
  url: string;
  accountSid: string;
  pid: number;
}

export const SERVER_FILE = 'server.json';

export function writeServerFile(dataDir: string, server: ServerFile): void {
  writeFileSync(join(dataDir, SERVER_FILE), JSON.stringify(server, null, 2) + '\n', { mode: 0o600 });
}

/** The file's contents, or undefined when there is none (or it is not one of ours). */
export function readServerFile(dataDir: string): ServerFile | undefined {
  try {
    const saved = JSON.parse(readFileSync(join(dataDir, SERVER_FILE), 'utf8')) as Partial<ServerFile>;
    if (typeof saved.url === 'string' && typeof saved.accountSid === 'string' && typeof saved.pid === 'number') {
      return { url: saved.url, accountSid: saved.accountSid, pid: saved.pid };
    }
  } catch {
    // Absent or unreadable: no server announced itself here.
  }
  return undefined;
}

/** Removes the file if it still describes this server (a newer server may have replaced it). */
export function removeServerFile(dataDir: string, url: string): void {
  if (readServerFile(dataDir)?.url === url) rmSync(join(dataDir, SERVER_FILE), { force: true });
}
