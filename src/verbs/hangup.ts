import type { VerbOutcome } from './verb-context.js';

/** `<Hangup>`: ends the call as `completed` (https://www.twilio.com/docs/voice/twiml/hangup). */
export async function runHangup(): Promise<VerbOutcome> {
  return { type: 'hangup' };
}
