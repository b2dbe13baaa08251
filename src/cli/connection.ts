import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readServerFile } from '../server-file.js';

/** `serve`'s default data dir, where a client command looks for `server.json` and `account.json`. */
export const DEFAULT_DATA_DIR = './.switchboard';

/** A failure the CLI reports as one line on stderr and exit code 1 (main.ts prints it). */
export class CliError extends Error {
  /** The HTTP status when the server answered with an error; undefined when it was not reached. */
  constructor(message: string, readonly httpStatus?: number) {
    super(message);
  }
}

/** Where the server is and whose account to use: what every client command needs. */
export interface Connection {
  url: string;
  accountSid: string;
  authToken: string;
  /** Said in a "cannot reach" message, so the user knows which setting to fix. */
  source: string;
}

export interface ConnectionOptions {
  dataDir: string;
}

/** Adds `--data-dir` to a client command (each leaf carries it, as `serve` does). */
export function withDataDir(command: Command): Command {
  return command.option('--data-dir <dir>', 'the data dir of the server to talk to (server.json, account.json), unless SWITCHBOARD_URL and the account are set', DEFAULT_DATA_DIR);
}

/**
 * The environment first (`SWITCHBOARD_URL`, `SWITCHBOARD_ACCOUNT_SID`, `SWITCHBOARD_AUTH_TOKEN`,
 * the names `serve` reads), then the data dir: `server.json` for the URL, `account.json` for
 * the account. Each half is resolved on its own, so a URL in the environment works with the
 * stored account and the reverse.
 */
export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  const dataDir = resolve(options.dataDir);
  const server = readServerFile(dataDir);
  let url = env.SWITCHBOARD_URL?.trim();
  let source = 'SWITCHBOARD_URL';
  if (!url) {
    if (!server) {
      throw new CliError(`no server found: ${join(dataDir, 'server.json')} does not exist (start \`switchboard serve --data-dir ${options.dataDir}\`, or set SWITCHBOARD_URL)`);
    }
    if (!isRunning(server.pid)) {
      throw new CliError(`the server that wrote ${join(dataDir, 'server.json')} (pid ${server.pid}) is not running: start \`switchboard serve\` again, or set SWITCHBOARD_URL`);
    }
    url = server.url;
    source = join(dataDir, 'server.json');
  }
  const account = accountFrom(env, dataDir);
  if (!env.SWITCHBOARD_URL && server && server.accountSid !== account.accountSid) {
    throw new CliError(`the server at ${url} runs account ${server.accountSid}, not ${account.accountSid}: set SWITCHBOARD_ACCOUNT_SID and SWITCHBOARD_AUTH_TOKEN to the server's`);
  }
  return { url: url.replace(/\/+$/, ''), ...account, source };
}

function accountFrom(env: NodeJS.ProcessEnv, dataDir: string): { accountSid: string; authToken: string } {
  const accountSid = env.SWITCHBOARD_ACCOUNT_SID?.trim();
  const authToken = env.SWITCHBOARD_AUTH_TOKEN?.trim();
  if (accountSid && authToken) return { accountSid, authToken };
  if (accountSid || authToken) throw new CliError('set both SWITCHBOARD_ACCOUNT_SID and SWITCHBOARD_AUTH_TOKEN, or neither');
  const file = join(dataDir, 'account.json');
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { accountSid?: unknown; authToken?: unknown };
    if (typeof saved.accountSid === 'string' && typeof saved.authToken === 'string') return { accountSid: saved.accountSid, authToken: saved.authToken };
  } catch {
    // Reported below, with the two ways to fix it.
  }
  throw new CliError(`no account: ${file} is missing or unreadable, and SWITCHBOARD_ACCOUNT_SID / SWITCHBOARD_AUTH_TOKEN are not set`);
}

/** Signal 0 checks that the process exists; EPERM means it exists under another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
