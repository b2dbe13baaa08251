import { Option, type Command } from 'commander';
import { withDataDir } from './connection.js';
import { print, printJson } from './output.js';
import { clientFor, type Json } from './rest-client.js';
import { positiveInteger } from './calls-commands.js';

type JsonOption = { dataDir: string; json?: boolean };

/**
 * `switchboard sim …`: the far end of simulated calls, through the `/sim/v1` HTTP API (README,
 * "The simulated phone network"): place an inbound call, press keys, speak, hang up, script
 * how a number answers, read what the far end heard.
 */
export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('Play the far end of simulated calls (the /sim/v1 API)');
  const callPath = (sid: string, action = '') => `/sim/v1/calls/${encodeURIComponent(sid)}${action}`;

  withDataDir(sim.command('call'))
    .description('Place an inbound call from FROM to a provisioned number TO; prints its call SID')
    .argument('<from>', 'the caller, e.g. +14155550100')
    .argument('<to>', 'a number provisioned with `switchboard numbers add`')
    .option('--json', 'print the response JSON ({"callSid"})')
    .action(async (from: string, to: string, options: JsonOption) => {
      const created = await clientFor(options).post('/sim/v1/calls', { json: { from, to } });
      if (options.json) return printJson(created);
      print(created.callSid);
    });

  withDataDir(sim.command('press'))
    .description('The far end presses keys (0-9, A-D, # and *)')
    .argument('<sid>', 'the call SID (CA…)')
    .argument('<digits>', 'e.g. 12#')
    .action(async (sid: string, digits: string, options: { dataDir: string }) => {
      await clientFor(options).post(callPath(sid, '/digits'), { json: { digits } });
      print(`${sid} pressed ${digits}`);
    });

  withDataDir(sim.command('say'))
    .description('The far end says WORDS (heard by <Gather input="speech"> and recordings)')
    .argument('<sid>', 'the call SID (CA…)')
    .argument('<words...>', 'what the far end says')
    .option('--confidence <x>', 'the Confidence a speech <Gather> reports (0 to 1)', Number)
    .action(async (sid: string, words: string[], options: { dataDir: string; confidence?: number }) => {
      const text = words.join(' ');
      await clientFor(options).post(callPath(sid, '/speech'), { json: { text, ...(options.confidence !== undefined && { confidence: options.confidence }) } });
      print(`${sid} said "${text}"`);
    });

  withDataDir(sim.command('hangup'))
    .description('The far end hangs up')
    .argument('<sid>', 'the call SID (CA…)')
    .action(async (sid: string, options: { dataDir: string }) => {
      await clientFor(options).post(callPath(sid, '/hangup'), undefined);
      print(`${sid} hung up by the far end`);
    });

  withDataDir(sim.command('heard'))
    .description('What the far end of a simulated call heard, in order')
    .argument('<sid>', 'the call SID (CA…)')
    .option('--json', 'print the response JSON')
    .action(async (sid: string, options: JsonOption) => {
      const log = await clientFor(options).get(callPath(sid));
      if (options.json) return printJson(log);
      for (const item of log.heard as Json[]) print(heardLine(item));
    });

  withDataDir(sim.command('phone'))
    .description('Script how a simulated number (or client:identity) answers the calls placed to it')
    .argument('<number>', 'E.164 or client:identity')
    .addOption(new Option('--answer <how>', 'how it answers').choices(['answer', 'busy', 'no-answer', 'fail']).default('answer'))
    .option('--answer-after <ms>', 'ring this long before answering (scaled by --time-scale)', positiveInteger)
    .option('--json', 'print the response JSON')
    .action(async (number: string, options: JsonOption & { answer: string; answerAfter?: number }) => {
      const phone = await clientFor(options).put(`/sim/v1/phones/${encodeURIComponent(number)}`, {
        json: { answer: options.answer, ...(options.answerAfter !== undefined && { answerAfterMs: options.answerAfter }) },
      });
      if (options.json) return printJson(phone);
      print(`${phone.number} answers: ${phone.answer}${phone.answer === 'answer' ? ` after ${phone.answerAfterMs} ms` : ''}`);
    });
}

/** One heard item (`{"at","kind","text"?,"digits"?,"url"?,"ms"?}`) as a line; `at` as UTC time of day. */
function heardLine(item: Json): string {
  const what = item.text ?? item.digits ?? item.url ?? (item.ms !== undefined ? `${item.ms} ms` : '');
  const from = item.fromCallSid ? ` (from ${item.fromCallSid})` : '';
  const at = typeof item.at === 'string' ? item.at.slice(11, 23) : '';
  return `${at.padEnd(12)}  ${String(item.kind).padEnd(9)} ${what}${from}`.trimEnd();
}
