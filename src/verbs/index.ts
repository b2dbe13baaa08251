import type { Verb } from '../twiml/verbs.js';
import { runGather } from './gather.js';
import { runHangup } from './hangup.js';
import { PROMPT_VERBS } from './prompts.js';
import { runRecord } from './record.js';
import { runRedirect } from './redirect.js';
import { runReject } from './reject.js';
import { runUnsupported } from './unsupported.js';
import type { VerbContext, VerbOutcome } from './verb-context.js';

type Runner<K extends Verb['kind']> = (verb: Extract<Verb, { kind: K }>, ctx: VerbContext) => Promise<VerbOutcome>;

/**
 * The one table of verbs. `answers`: whether the call must be answered before the verb runs
 * (twiml-voice.md §1: any verb but `<Reject>` answers an inbound call; a leading `<Pause>`
 * delays the answer, and `<Redirect>` leaves it to the next document). Say, Play and Pause
 * come from `prompts.ts`, shared with `<Gather>`. An unsupported verb answers nothing itself:
 * the application-error path that follows answers to speak its message.
 */
export const VERBS: { [K in Verb['kind']]: { run: Runner<K>; answers: boolean } } = {
  ...PROMPT_VERBS,
  Gather: { run: runGather, answers: true },
  Record: { run: runRecord, answers: true },
  Redirect: { run: runRedirect, answers: false },
  Hangup: { run: runHangup, answers: true },
  Reject: { run: runReject, answers: false },
  Unsupported: { run: runUnsupported, answers: false },
};

export function runVerb(verb: Verb, ctx: VerbContext): Promise<VerbOutcome> {
  return (VERBS[verb.kind].run as Runner<Verb['kind']>)(verb as never, ctx);
}
