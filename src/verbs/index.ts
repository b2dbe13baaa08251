import type { Verb } from '../twiml/verbs.js';
import { runGather } from './gather.js';
import { runHangup } from './hangup.js';
import { runPause } from './pause.js';
import { runPlay } from './play.js';
import { runRecord } from './record.js';
import { runRedirect } from './redirect.js';
import { runReject } from './reject.js';
import { runSay } from './say.js';
import type { VerbContext, VerbOutcome } from './verb-context.js';

type Runner<K extends Verb['kind']> = (verb: Extract<Verb, { kind: K }>, ctx: VerbContext) => Promise<VerbOutcome>;

/**
 * The one table of verbs. `answers`: whether the call must be answered before the verb runs
 * (twiml-voice.md §1: any verb but `<Reject>` answers an inbound call; a leading `<Pause>`
 * delays the answer, and `<Redirect>` leaves it to the next document).
 */
export const VERBS: { [K in Verb['kind']]: { run: Runner<K>; answers: boolean } } = {
  Say: { run: runSay, answers: true },
  Play: { run: runPlay, answers: true },
  Pause: { run: runPause, answers: false },
  Gather: { run: runGather, answers: true },
  Record: { run: runRecord, answers: true },
  Redirect: { run: runRedirect, answers: false },
  Hangup: { run: runHangup, answers: true },
  Reject: { run: runReject, answers: false },
};

export function runVerb(verb: Verb, ctx: VerbContext): Promise<VerbOutcome> {
  return (VERBS[verb.kind].run as Runner<Verb['kind']>)(verb as never, ctx);
}
