import type { RejectVerb } from '../twiml/verbs.js';
import type { VerbOutcome } from './verb-context.js';

/**
 * `<Reject reason>`: refuses an inbound call without answering it
 * (https://www.twilio.com/docs/voice/twiml/reject). The session decides what that means
 * once the call is already answered.
 */
export async function runReject(verb: RejectVerb): Promise<VerbOutcome> {
  return { type: 'reject', reason: verb.reason };
}
