import type { Verb } from '../twiml/verbs.js';
import { runDial } from './dial.js';
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
 * When a verb needs the call answered (twiml-voice.md §1: any verb but `<Reject>` answers an
 * inbound call; a leading `<Pause>` delays the answer, `<Redirect>` leaves it to the next
 * document): `answered` before it runs; `none` never; `on-bridge` when the verb says so
 * (`<Dial answerOnBridge>` answers once the called party does, dial.md §3).
 */
export type Answers = 'none' | 'answered' | 'on-bridge';

/** The one table of verbs. */
export const VERBS: { [K in Verb['kind']]: { run: Runner<K>; answers: Answers } } = {
  Say: { run: runSay, answers: 'answered' },
  Play: { run: runPlay, answers: 'answered' },
  Pause: { run: runPause, answers: 'none' },
  Gather: { run: runGather, answers: 'answered' },
  Record: { run: runRecord, answers: 'answered' },
  Redirect: { run: runRedirect, answers: 'none' },
  Hangup: { run: runHangup, answers: 'answered' },
  Reject: { run: runReject, answers: 'none' },
  Dial: { run: runDial, answers: 'on-bridge' },
};

export function runVerb(verb: Verb, ctx: VerbContext): Promise<VerbOutcome> {
  return (VERBS[verb.kind].run as Runner<Verb['kind']>)(verb as never, ctx);
}
