import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ExecOptions {
  url?: string;
  dataDir: string;
}

/** The preload shipped beside the CLI (`switchboard/register`), as built into `dist/`. */
const PRELOAD = fileURLToPath(new URL('../register/register.cjs', import.meta.url));

/**
 * The account a child command runs as: `SWITCHBOARD_ACCOUNT_SID`/`SWITCHBOARD_AUTH_TOKEN`, or the
 * one `switchboard serve` generated into the data dir.
 */
function account(dataDir: string): { accountSid: string; authToken: string } {
  const fromEnv = { accountSid: process.env.SWITCHBOARD_ACCOUNT_SID ?? '', authToken: process.env.SWITCHBOARD_AUTH_TOKEN ?? '' };
  if (fromEnv.accountSid && fromEnv.authToken) return fromEnv;
  const file = join(dataDir, 'account.json');
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { accountSid?: unknown; authToken?: unknown };
    if (typeof saved.accountSid === 'string' && typeof saved.authToken === 'string') return { accountSid: saved.accountSid, authToken: saved.authToken };
  } catch {
    // Reported below with what to do about it.
  }
  throw new Error(`no account: set SWITCHBOARD_ACCOUNT_SID and SWITCHBOARD_AUTH_TOKEN, or pass the --data-dir of the server (${file} was not readable)`);
}

/**
 * The environment that sends a command's Twilio requests, and those of every Node process it
 * starts, to Switchboard: the preload in `NODE_OPTIONS` (inherited by children, forks and
 * `npx`), its target and account, and the `TWILIO_*` credentials that the SDK, twilio-cli and
 * most apps read by default (sdk-hosts.md §3).
 */
export function execEnvironment(options: ExecOptions, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!existsSync(PRELOAD)) throw new Error(`the preload ${PRELOAD} is missing: build the package first (npm run build)`);
  const url = new URL(options.url ?? base.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080').origin;
  const { accountSid, authToken } = account(options.dataDir);
  const flag = `--import=${pathToFileURL(PRELOAD).href}`;
  const nodeOptions = base.NODE_OPTIONS ?? '';
  return {
    ...base,
    NODE_OPTIONS: nodeOptions.includes(flag) ? nodeOptions : `${nodeOptions} ${flag}`.trim(),
    SWITCHBOARD_URL: url,
    SWITCHBOARD_ACCOUNT_SID: accountSid,
    SWITCHBOARD_AUTH_TOKEN: authToken,
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
  };
}

/** `switchboard exec -- <command…>`: runs the command in that environment and exits as it does. */
export function exec(command: string[], options: ExecOptions): void {
  const env = execEnvironment(options);
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
  child.on('error', (error) => {
    process.stderr.write(`switchboard exec: ${command[0]}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
}
