import type { Verb } from '../twiml/verbs.js';
import { runDial } from './dial.js';
import { runEnqueue } from './enqueue.js';
import { runLeave } from './leave.js';
import { runGather } from './gather.js';
import { runHangup } from './hangup.js';
import { PROMPT_VERBS } from './prompts.js';
import { runRecord } from './record.js';
import { runRedirect } from './redirect.js';
import { runReject } from './reject.js';
import { runUnsupported } from './unsupported.js';
import type { Answers, VerbContext, VerbOutcome } from './verb-context.js';

type Runner<K extends Verb['kind']> = (verb: Extract<Verb, { kind: K }>, ctx: VerbContext) => Promise<VerbOutcome>;

/**
 * The one table of verbs. Say, Play and Pause come from `prompts.ts`, shared with `<Gather>`.
 * `answers` (verb-context.ts `Answers`): an unsupported verb answers nothing itself; the
 * application-error path that follows answers to speak its message.
 */
export const VERBS: { [K in Verb['kind']]: { run: Runner<K>; answers: Answers } } = {
  ...PROMPT_VERBS,
  Gather: { run: runGather, answers: 'answered' },
  Record: { run: runRecord, answers: 'answered' },
  Redirect: { run: runRedirect, answers: 'none' },
  Hangup: { run: runHangup, answers: 'answered' },
  Reject: { run: runReject, answers: 'none' },
  Dial: { run: runDial, answers: 'on-bridge' },
  Enqueue: { run: runEnqueue, answers: 'answered' },
  Leave: { run: runLeave, answers: 'none' },
  Unsupported: { run: runUnsupported, answers: 'none' },
};

export function runVerb(verb: Verb, ctx: VerbContext): Promise<VerbOutcome> {
  return (VERBS[verb.kind].run as Runner<Verb['kind']>)(verb as never, ctx);
}
