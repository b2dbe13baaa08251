import type { PauseVerb } from '../twiml/verbs.js';
import { NEXT, type VerbContext, type VerbOutcome } from './verb-context.js';

/** `<Pause length>`: silence for `length` seconds (https://www.twilio.com/docs/voice/twiml/pause). */
export async function runPause(verb: PauseVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.media.pause(verb.lengthSec * 1000, ctx.signal);
  return NEXT;
}
