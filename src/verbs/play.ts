import { isErrorCode } from '../domain/errors.js';
import type { PlayVerb } from '../twiml/verbs.js';
import { loopCount, NEXT, type VerbContext, type VerbOutcome } from './verb-context.js';

/**
 * `<Play>`: plays an audio URL (or DTMF `digits`) `loop` times (https://www.twilio.com/docs/voice/twiml/play).
 * An audio URL that cannot be fetched or decoded is a warning (11200 by default) and the call goes on, as on Twilio.
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
      // A carrier may say which Twilio error it was (13420 not audio, 12400 no decoder…).
      const code = (error as { code?: unknown }).code;
      ctx.warn(isErrorCode(code) ? code : 11200, `Play: could not play ${verb.url}: ${(error as Error).message}`);
      return NEXT;
    }
  }
  return NEXT;
}
