import type { ErrorCode } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { Media } from '../ports/carrier.js';
import type { Clock } from '../ports/clock.js';
import type { CallRecordings } from '../recordings/recordings.js';
import type { CallInput } from './call-input.js';

/**
 * What a verb runner may use (style-anchors §3: a verb gets a narrow context and returns an
 * outcome; it never touches the session). `signal` aborts when the call is redirected or
 * hung up: every wait must honour it.
 */
export interface VerbContext {
  readonly media: Media;
  readonly clock: Clock;
  readonly input: CallInput;
  readonly signal: AbortSignal;
  /** The call's recordings (`<Record>`). */
  readonly recordings: CallRecordings;
  /** A verb's URL made absolute against the current document's; null when it cannot be (twiml-voice.md §1). */
  resolveUrl(url: string): string | null;
  /** Records a warning (Twilio Notification, log level 1) on the call; the verb goes on. */
  warn(code: ErrorCode, message: string): void;
}

/**
 * How a verb hands control back to the document runner.
 * - `next`: go on with the next verb of the document.
 * - `fetch`: request `url` (relative to the current document) and run the TwiML it returns
 *   (an `action` or `<Redirect>`: twiml-voice.md §1, control transfer).
 *   With `afterHangup`, the call has already ended: the request is still made, as Twilio does
 *   for `<Record>`, and its response is ignored.
 * - `hangup`: end the call (`completed`).
 * - `reject`: refuse an unanswered inbound call (`<Reject>`).
 */
export type VerbOutcome =
  | { type: 'next' }
  | { type: 'fetch'; url: string; method: HttpMethod; params: Record<string, string>; afterHangup?: boolean }
  | { type: 'hangup' }
  | { type: 'reject'; reason: 'busy' | 'rejected' };

export const NEXT: VerbOutcome = { type: 'next' };

/**
 * The abort reason of a document whose call ended (hangup from either side, time limit), as
 * opposed to a redirect: a verb that reports after a hangup (`<Record>`) tells them apart by it.
 */
export class CallEnded extends Error {
  constructor() {
    super('call ended');
  }
}

/** Twilio plays `loop="0"` "until hangup"; this bounds it as Play's docs do (1000 iterations). */
export const MAX_LOOPS = 1000;

export function loopCount(loop: number): number {
  return loop === 0 ? MAX_LOOPS : loop;
}
