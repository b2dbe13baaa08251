import type { CallRecord } from '../domain/call.js';
import type { ErrorCode } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { CallEvent } from '../domain/call-status.js';
import type { Media } from '../ports/carrier.js';
import type { Clock } from '../ports/clock.js';
import type { CallRecordings } from '../recordings/recordings.js';
import type { CallInput } from './call-input.js';
import type { ConferenceRooms } from './conference-rooms.js';
import type { CallQueues } from './call-queues.js';
import type { WaitDocumentEnd, WaitDocumentRequest } from './wait-request.js';

export type { WaitDocumentEnd, WaitDocumentRequest };

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
  /** The call running the verb, as it is now. */
  call(): CallRecord;
  /** Answers the call if it is not yet (for a verb that answers late: `<Dial answerOnBridge>`). */
  answer(): Promise<void>;
  /**
   * Places child calls (`<Dial>` nouns). Null where a call may not dial out: a noun's `url`
   * document runs on a child leg, and dialing from there is error 13201 (dial.md §4).
   */
  readonly calls: ChildCalls | null;
  /** The conference rooms (`<Dial><Conference>`); null where a call may not join one (a whisper document). */
  readonly conferences: ConferenceRooms | null;
  /** The call queues (`<Enqueue>`, `<Dial><Queue>`); null where a call may not use them (a whisper or wait document). */
  readonly queues: CallQueues | null;
  /** Runs a wait, hold or announcement document in place (conferences.md §2 wait music, queues.md §2.1), on `request.media` or the call's own media. */
  runWaitDocument(request: WaitDocumentRequest, signal: AbortSignal): Promise<WaitDocumentEnd>;
}


/** What a verb needs to place child calls (house-review.md, "seams": child calls). */
export interface ChildCalls {
  /** Creates the child's Call record (before it rings, so it is listed at once) and dials it. */
  place(request: ChildCallRequest): Promise<DialedCall>;
}

/** One child leg of a `<Dial>` (dial.md §3): its own Call record, webhooks and session. */
export interface ChildCallRequest {
  to: string;
  from: string;
  ringTimeoutSec: number;
  timeLimitSec: number;
  /** Whisper TwiML run on the child once it answers, before the bridge (dial.md §4). */
  url: string | null;
  method: HttpMethod;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  statusCallbackEvents: CallEvent[];
  /** Played to the called party once it answers. */
  sendDigits: string | null;
  sipAuth?: { username: string; password: string };
}

/** What a SIP child's INVITE came to (dial.md §5 `DialSip*`); empty for other carriers. */
export interface SipOutcome {
  callId?: string;
  responseCode?: number;
  headers?: Readonly<Record<string, string>>;
}

/** How a child leg reports to the verb that dialed it. */
export interface DialedCallListener {
  /** Answered, and its whisper document (if any) ran to its end: ready to bridge. */
  connected(): void;
  /**
   * It left the dial: `ended` (it ended, before or after connecting: its status says how) or
   * `redirected` (a REST update gave it new TwiML: it runs on as an ordinary call).
   */
  left(reason: 'ended' | 'redirected', call: CallRecord): void;
}

export interface DialedCall {
  readonly sid: string;
  /** The child's media; joins are made on it once it is connected. */
  readonly media: Media;
  listen(listener: DialedCallListener): void;
  /** The child as it is now. */
  snapshot(): CallRecord;
  /** Cancels it while ringing, hangs it up once answered; resolves once it has ended. */
  hangup(): Promise<void>;
  /** A SIP child's INVITE Call-ID, final response code (200 once answered) and its `X-` headers. */
  sip(): SipOutcome;
  /** Tells the child it is bridged (or no longer is) to `otherCallSid`, for its event feed. */
  bridged(otherCallSid: string, joined: boolean): void;
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
 * - `error`: the verb cannot run (an unsupported verb, `<Dial>` in a whisper document): the
 *   call ends as on an application error, with `code` in its Notifications.
 */
export type VerbOutcome =
  | { type: 'next' }
  | { type: 'fetch'; url: string; method: HttpMethod; params: Record<string, string>; afterHangup?: boolean }
  | { type: 'hangup' }
  | { type: 'reject'; reason: 'busy' | 'rejected' }
  | { type: 'error'; code: ErrorCode; message: string };

/**
 * When a verb needs the call answered (twiml-voice.md §1: any verb but `<Reject>` answers an
 * inbound call; a leading `<Pause>` delays the answer, `<Redirect>` leaves it to the next
 * document): `answered` before it runs; `none` never; `on-bridge` when the verb says so
 * (`<Dial answerOnBridge>` answers once the called party does, dial.md §3).
 */
export type Answers = 'none' | 'answered' | 'on-bridge';

export const NEXT: VerbOutcome = { type: 'next' };

/**
 * The abort reason of a document whose call ended (hangup from either side, time limit), as
 * opposed to a redirect: a verb that reports after a hangup (`<Record>`) tells them apart by it.
 */
export class CallEnded extends Error {
  /** `api`: a REST `Status=completed`; `call`: the far end, the network or a time limit. */
  constructor(readonly by: 'call' | 'api' = 'call') {
    super('call ended');
  }
}

/** Twilio plays `loop="0"` "until hangup"; this bounds it as Play's docs do (1000 iterations). */
export const MAX_LOOPS = 1000;

export function loopCount(loop: number): number {
  return loop === 0 ? MAX_LOOPS : loop;
}
