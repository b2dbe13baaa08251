import type { ErrorCode } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { Media } from '../ports/carrier.js';

/** A wait, hold or announcement document to run (session/wait-document.ts). */
export interface WaitDocumentRequest {
  /**
   * null, or Twilio's default playlist URL (ports/media-assets.ts): the built-in hold music;
   * `''`: silence until `signal` aborts. An audio URL (audio/* content type) is played as audio.
   */
  url: string | null;
  method: HttpMethod;
  /** Extra request parameters, computed at each request (QueuePosition…). */
  params?: () => Record<string, string>;
  /** Verbs allowed besides Play, Say, Pause, Redirect (an `<Enqueue>` waitUrl also allows Leave, Hangup, Gather). */
  allow?: readonly ('Leave' | 'Hangup' | 'Gather')[];
  /**
   * When the document runs out of verbs: `silence` (conference wait music: silence until
   * aborted), `refetch` (queue: request it again), `end` (an announcement: resolve).
   */
  whenDone: 'silence' | 'refetch' | 'end';
  /** Code for a verb that is not allowed (13238 for conference documents). */
  disallowedCode: ErrorCode;
  /** Where the audio plays, when not on the call's own leg (a room's voice, for an announcement). */
  media?: Pick<Media, 'say' | 'play' | 'pause' | 'playDigits'>;
}

/** How a wait document ended; it never ends by itself with `whenDone: 'silence' | 'refetch'` unless it says `<Leave>` or `<Hangup>`, or fails. */
export type WaitDocumentEnd = { type: 'end' } | { type: 'leave' } | { type: 'hangup' } | { type: 'error'; code: ErrorCode; message: string };
