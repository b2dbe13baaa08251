import type { PlayVerb } from '../twiml/verbs.js';
import { loopCount, NEXT, type VerbContext, type VerbOutcome } from './verb-context.js';

/**
 * `<Play>`: plays an audio URL (or DTMF `digits`) `loop` times (https://www.twilio.com/docs/voice/twiml/play).
 * An audio URL that cannot be fetched is a warning (11200) and the call goes on, as on Twilio.
 */
export async function runPlay(verb: PlayVerb, ctx: VerbContext): Promise<VerbOutcome> {
  for (let i = loopCount(verb.loop); i > 0; i--) {
    if (verb.digits) {
      await ctx.media.playDigits(verb.digits, ctx.signal);
      continue;
    }
    try {
      await ctx.media.play(verb.url!, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      ctx.warn(11200, `Play: could not fetch ${verb.url}: ${(error as Error).message}`);
      return NEXT;
    }
  }
  return NEXT;
}
