import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliError, withDataDir } from './connection.js';
import { durationCell, fields, print, printJson, shortDate, table } from './output.js';
import { clientFor, type Json, type RestClient } from './rest-client.js';
import { watchCalls } from './calls-watch.js';

/** The REST API's largest page (calls-api.md §4, `PageSize` ≤ 1000). */
const MAX_PAGE_SIZE = 1000;

interface ListOptions {
  dataDir: string;
  status?: string;
  to?: string;
  from?: string;
  limit: number;
  pageSize?: number;
  json?: boolean;
}

interface UpdateOptions {
  dataDir: string;
  url?: string;
  method?: string;
  twiml?: string;
  status?: 'completed' | 'canceled';
  json?: boolean;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number greater than 0');
  return n;
}

/** `switchboard calls …`: the Calls resource (`/2010-04-01/Accounts/{AC}/Calls`) from a terminal. */
export function registerCallCommands(program: Command): void {
  const calls = program.command('calls').description('List, inspect, redirect and hang up calls (the Calls REST resource)');

  withDataDir(calls.command('list'))
    .description('List calls, newest first')
    .option('--status <status>', 'only calls in this status (queued, ringing, in-progress, completed, busy, failed, no-answer, canceled)')
    .option('--to <number>', 'only calls to this number or address')
    .option('--from <number>', 'only calls from this number or address')
    .option('--limit <n>', 'at most this many calls (follows next_page_uri)', positiveInteger, 50)
    .option('--page-size <n>', 'calls per REST page (PageSize; default: --limit, at most 1000)', positiveInteger)
    .option('--json', 'print the calls as the REST JSON (an array of Call resources)')
    .action(async (options: ListOptions) => {
      const client = clientFor(options);
      const found = await listCalls(client, options);
      if (options.json) return printJson(found);
      if (found.length === 0) return print('No calls.');
      const rows = found.map((c) => [c.sid, c.status, c.direction, c.from, c.to, shortDate(c.start_time), durationCell(c)]);
      for (const line of table(['SID', 'STATUS', 'DIRECTION', 'FROM', 'TO', 'STARTED (UTC)', 'DURATION'], rows)) print(line);
    });

  withDataDir(calls.command('get'))
    .description('Show one call')
    .argument('<sid>', 'the call SID (CA…)')
    .option('--json', 'print the REST JSON')
    .action(async (sid: string, options: { dataDir: string; json?: boolean }) => {
      const client = clientFor(options);
      showCall(await client.get(callPath(client, sid)), options.json);
    });

  withDataDir(calls.command('update'))
    .description('Change a live call: redirect it to a URL or to TwiML, or end it')
    .argument('<sid>', 'the call SID (CA…)')
    .option('--url <url>', 'fetch new TwiML from this URL and run it now (the running verb stops)')
    .addOption(new Option('--method <method>', 'HTTP method for --url').choices(['GET', 'POST']))
    .option('--twiml <xml>', 'run this TwiML document now (the running verb stops)')
    .addOption(new Option('--status <status>', 'completed hangs up a live call; canceled ends a queued or ringing one').choices(['completed', 'canceled']))
    .option('--json', 'print the updated call as REST JSON')
    .action(async (sid: string, options: UpdateOptions) => {
      const given = [options.url, options.twiml, options.status].filter((value) => value !== undefined);
      if (given.length !== 1) throw new CliError('give exactly one of --url, --twiml or --status');
      if (options.method && !options.url) throw new CliError('--method goes with --url');
      const client = clientFor(options);
      const call = await client.post(callPath(client, sid), {
        form: { Url: options.url, Method: options.method, Twiml: options.twiml, Status: options.status },
      });
      showCall(call, options.json);
    });

  withDataDir(calls.command('hangup'))
    .description('Hang up a call (Status=completed: ends it whether it rings or is answered)')
    .argument('<sid>', 'the call SID (CA…)')
    .option('--json', 'print the updated call as REST JSON')
    .action(async (sid: string, options: { dataDir: string; json?: boolean }) => {
      const client = clientFor(options);
      const call = await client.post(callPath(client, sid), { form: { Status: 'completed' } });
      if (options.json) return printJson(call);
      print(`${call.sid} ${call.status}`);
    });

  withDataDir(calls.command('watch'))
    .description('A live table of the calls in progress, redrawn as they change (q or Ctrl-C quits)')
    .action(async (options: { dataDir: string }) => {
      await watchCalls(clientFor(options));
    });
}

/** The instance path; a SID with a slash or a dot would address another resource, so it is encoded. */
function callPath(client: RestClient, sid: string): string {
  return client.account(`/Calls/${encodeURIComponent(sid)}.json`);
}

async function listCalls(client: RestClient, options: ListOptions): Promise<Json[]> {
  let page = await client.get(client.account('/Calls.json'), {
    Status: options.status, To: options.to, From: options.from, PageSize: String(Math.min(options.pageSize ?? options.limit, MAX_PAGE_SIZE)),
  });
  const found: Json[] = [...page.calls];
  while (found.length < options.limit && typeof page.next_page_uri === 'string') {
    page = await client.get(page.next_page_uri);
    found.push(...page.calls);
  }
  return found.slice(0, options.limit);
}

function showCall(call: Json, json: boolean | undefined): void {
  if (json) return printJson(call);
  for (const line of fields(call)) print(line);
}
