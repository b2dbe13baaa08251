import type { RedirectVerb } from '../twiml/verbs.js';
import type { VerbOutcome } from './verb-context.js';

/** `<Redirect>`: hands control to the TwiML at the URL (https://www.twilio.com/docs/voice/twiml/redirect). */
export async function runRedirect(verb: RedirectVerb): Promise<VerbOutcome> {
  return { type: 'fetch', url: verb.url, method: verb.method, params: {} };
}
