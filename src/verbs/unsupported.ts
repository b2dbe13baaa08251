import type { UnsupportedVerb } from '../twiml/verbs.js';
import type { VerbContext, VerbOutcome } from './verb-context.js';

/**
 * A real TwiML verb Switchboard does not run. Twilio executes a document verb by verb, so the
 * verbs before this one have been heard; reaching it ends the call as an application error
 * with its code (12200, or 13000 for a `<Dial>` that cannot be dialed), as on Twilio
 * (xml-and-errors.md §4b).
 */
export async function runUnsupported(verb: UnsupportedVerb, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  return { type: 'error', code: verb.code, message: verb.message };
}
