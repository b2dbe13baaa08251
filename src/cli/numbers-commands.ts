import { Option, type Command } from 'commander';
import { CliError, withDataDir } from './connection.js';
import { print, printJson, table } from './output.js';
import { clientFor, type Json, type RestClient } from './rest-client.js';

interface AddOptions {
  dataDir: string;
  voiceUrl?: string;
  voiceMethod?: string;
  statusCallback?: string;
  friendlyName?: string;
  json?: boolean;
}

/** `switchboard numbers …`: IncomingPhoneNumbers, the numbers whose Voice URL answers inbound calls. */
export function registerNumberCommands(program: Command): void {
  const numbers = program.command('numbers').description('List, provision and release phone numbers (the IncomingPhoneNumbers REST resource)');

  withDataDir(numbers.command('list'))
    .description('List the provisioned numbers')
    .option('--json', 'print the numbers as the REST JSON (an array of IncomingPhoneNumber resources)')
    .action(async (options: { dataDir: string; json?: boolean }) => {
      const client = clientFor(options);
      const found = await listNumbers(client);
      if (options.json) return printJson(found);
      if (found.length === 0) return print('No numbers.');
      const rows = found.map((n) => [n.sid, n.phone_number, n.voice_url ? `${n.voice_method} ${n.voice_url}` : '-']);
      for (const line of table(['SID', 'NUMBER', 'VOICE URL'], rows)) print(line);
    });

  withDataDir(numbers.command('add'))
    .description('Provision a number; inbound calls to it run its Voice URL')
    .argument('<e164>', 'the number, e.g. +15005550100')
    .option('--voice-url <url>', 'the TwiML webhook for inbound calls')
    .addOption(new Option('--voice-method <method>', 'HTTP method for --voice-url').choices(['GET', 'POST']))
    .option('--status-callback <url>', 'where status callbacks for inbound calls go')
    .option('--friendly-name <name>', 'a label (default: the number, formatted)')
    .option('--json', 'print the new number as REST JSON')
    .action(async (e164: string, options: AddOptions) => {
      const client = clientFor(options);
      const number = await client.post(client.account('/IncomingPhoneNumbers.json'), {
        form: {
          PhoneNumber: e164, VoiceUrl: options.voiceUrl, VoiceMethod: options.voiceMethod,
          StatusCallback: options.statusCallback, FriendlyName: options.friendlyName,
        },
      });
      if (options.json) return printJson(number);
      print(`${number.sid} ${number.phone_number}${number.voice_url ? ` → ${number.voice_method} ${number.voice_url}` : ''}`);
    });

  withDataDir(numbers.command('remove'))
    .description('Release a number (by its PN… SID or the number itself)')
    .argument('<sid-or-e164>', 'PN… or +1…')
    .action(async (ref: string, options: { dataDir: string }) => {
      const client = clientFor(options);
      const sid = ref.startsWith('PN') ? ref : await sidOf(client, ref);
      await client.delete(client.account(`/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`));
      print(`Removed ${sid}${sid === ref ? '' : ` (${ref})`}`);
    });
}

async function listNumbers(client: RestClient): Promise<Json[]> {
  let page = await client.get(client.account('/IncomingPhoneNumbers.json'), { PageSize: '1000' });
  const found: Json[] = [...page.incoming_phone_numbers];
  while (typeof page.next_page_uri === 'string') {
    page = await client.get(page.next_page_uri);
    found.push(...page.incoming_phone_numbers);
  }
  return found;
}

/** The `PhoneNumber` filter finds a number by its E.164 form. */
async function sidOf(client: RestClient, e164: string): Promise<string> {
  const page = await client.get(client.account('/IncomingPhoneNumbers.json'), { PhoneNumber: e164 });
  const [number] = page.incoming_phone_numbers as Json[];
  if (!number) throw new CliError(`no provisioned number is ${e164}`);
  return number.sid as string;
}
