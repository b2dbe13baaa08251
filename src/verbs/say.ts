import type { SayVerb } from '../twiml/verbs.js';
import { loopCount, NEXT, type VerbContext, type VerbOutcome } from './verb-context.js';

/** `<Say>`: speaks the text `loop` times, then the next verb (https://www.twilio.com/docs/voice/twiml/say). */
export async function runSay(verb: SayVerb, ctx: VerbContext): Promise<VerbOutcome> {
  for (let i = loopCount(verb.loop); i > 0; i--) {
    await ctx.media.say(verb.text, { voice: verb.voice, language: verb.language }, ctx.signal);
  }
  return NEXT;
}
