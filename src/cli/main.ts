import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { startSwitchboard } from '../app.js';
import { exec } from './exec.js';
import { registerCallCommands } from './calls-commands.js';
import { registerNumberCommands } from './numbers-commands.js';
import { registerSimCommands } from './sim-commands.js';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number greater than 0');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  timeScale: number;
  sipPort?: number;
  sipHost: string;
  rtpPorts: [number, number];
  sipTrunk?: string;
  sipClients?: string;
  rtpTimeout: number;
  logLevel: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) throw new InvalidArgumentError(`must be one of ${LOG_LEVELS.join(', ')}`);
  return value;
}

/** JSON lines for a log pipeline; pino-pretty's colours when a person is watching the terminal. */
function serverLogger(level: string): Logger {
  if (!process.stdout.isTTY) return pino({ level });
  return pino({ level }, pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } }));
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

/** `--rtp-ports A-B`: inclusive, both even-capable, A <= B. */
function portRange(value: string): [number, number] {
  const match = /^(\d+)-(\d+)$/.exec(value);
  const low = Number(match?.[1]);
  const high = Number(match?.[2]);
  if (!match || low < 1024 || high > 65535 || high - low < 1) {
    throw new InvalidArgumentError('must be two ports A-B with 1024 <= A < B <= 65535, e.g. 10000-20000');
  }
  return [low, high];
}

const program = new Command('switchboard').description('Self-hosted, Twilio-compatible programmable voice server').enablePositionalOptions();

program
  .command('serve')
  .description('Run the server: Twilio REST API 2010-04-01 and the simulated phone network')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on', port, 8080)
  .option('--data-dir <dir>', 'where the SQLite database and the generated account live', './.switchboard')
  .option('--time-scale <x>', 'multiply every wait the server times (0.01 makes a 30 s Pause last 0.3 s)', positiveNumber, 1)
  .option('--sip-port <port>', 'enable SIP/RTP: UDP port for SIP (e.g. 5060); off by default', port)
  .option('--sip-host <ip>', 'address SIP and RTP bind to and advertise (0.0.0.0: the first external IPv4)', '127.0.0.1')
  .option('--rtp-ports <A-B>', 'inclusive UDP port range for RTP (even ports carry RTP)', portRange, [10000, 20000] as [number, number])
  .option('--sip-trunk <uri>', 'send calls to phone numbers to this trunk: sip:[user[:password]@]host[:port]')
  .option('--sip-clients <file>', 'JSON {"alice": "password", ...}: SIP phones that may register and be called as client:alice (re-read on change)')
  .option('--rtp-timeout <seconds>', 'hang up a SIP call whose far end sent no RTP for this long (0 = never)', nonNegativeNumber, 60)
  .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')} (JSON lines; pretty in a terminal)`, logLevel, 'info')
  .action(async (options: ServeOptions) => {
    const server = await startSwitchboard({
      logger: serverLogger(options.logLevel),
      host: options.host,
      port: options.port,
      dataDir: resolve(options.dataDir),
      timeScale: options.timeScale,
      sip: options.sipPort === undefined ? undefined : {
        host: options.sipHost, port: options.sipPort, rtpPorts: options.rtpPorts,
        trunk: options.sipTrunk, clients: options.sipClients && resolve(options.sipClients), rtpTimeoutMs: options.rtpTimeout * 1000,
      },
      accountSid: process.env.SWITCHBOARD_ACCOUNT_SID || undefined,
      authToken: process.env.SWITCHBOARD_AUTH_TOKEN || undefined,
    });
    if (server.accountGenerated) {
      // Printed once, on the start that generated it; it is kept in the data dir.
      process.stdout.write(
        `\nGenerated an account (stored in ${resolve(options.dataDir)}/account.json):\n` +
          `  SWITCHBOARD_ACCOUNT_SID=${server.accountSid}\n  SWITCHBOARD_AUTH_TOKEN=${server.authToken}\n\n`,
      );
    }
    process.stdout.write(`Switchboard listening on ${server.url}\n`);
    if (server.sip) process.stdout.write(`SIP listening on udp ${server.sip.host}:${server.sip.port}\n`);
    const stop = (signal: string) => {
      process.stdout.write(`${signal}: draining\n`);
      server.close().then(
        () => process.exit(0),
        (error) => {
          process.stderr.write(`shutdown failed: ${(error as Error).stack}\n`);
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

program
  .command('exec')
  .description('Run a command whose Twilio requests (twilio SDK 3-6, twilio-cli, twilio-run) go to Switchboard: switchboard exec -- node app.js')
  .argument('<command...>', 'the command and its arguments, after --')
  .option('--url <url>', 'the Switchboard to use (default: $SWITCHBOARD_URL, else http://127.0.0.1:8080)')
  .option('--data-dir <dir>', "the server's data dir, for its account when SWITCHBOARD_ACCOUNT_SID/SWITCHBOARD_AUTH_TOKEN are unset", './.switchboard')
  .passThroughOptions()
  .action((command: string[], options: { url?: string; dataDir: string }) => exec(command, { url: options.url, dataDir: resolve(options.dataDir) }));
// The client commands: plain HTTP to a running server (see connection.ts for how they find it).
registerCallCommands(program);
registerNumberCommands(program);
registerSimCommands(program);
// `switchboard calls list | head`: a reader that stops early is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

program.parseAsync(process.argv).catch((error: Error) => {
  process.stderr.write(`switchboard: ${error.message}\n`);
  process.exit(1);
});
