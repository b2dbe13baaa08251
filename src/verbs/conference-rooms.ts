import type { CallRecord } from '../domain/call.js';
import type { ConferenceSettings, ParticipantLeftReason, ParticipantOptions } from '../domain/conference.js';
import type { ErrorCode } from '../domain/errors.js';
import type { Media } from '../ports/carrier.js';
import type { WaitDocumentEnd, WaitDocumentRequest } from './wait-request.js';

/**
 * What `<Dial><Conference>` needs from the conference rooms (src/conferences/): put this call in
 * the room of that name, and hold it there until it leaves. The rooms own who hears whom.
 */
export interface ConferenceRooms {
  /**
   * Joins the room `request.name` of the call's account (created if none is active). Resolves
   * when the room lets the call go (`left`: kicked by REST, or the conference ended), or at
   * once when it cannot join (`refused`). Aborting `signal` takes the call out of the room (the
   * reason, a `LeftRoom` or the call's own, says why) and rejects with that reason.
   */
  join(request: JoinRequest, signal: AbortSignal): Promise<JoinEnd>;
}

export interface JoinRequest {
  call: CallRecord;
  media: Media;
  name: string;
  participant: ParticipantOptions;
  /** Used only if this call creates the conference (the first participant's settings win). */
  settings: ConferenceSettings;
  /** Runs a wait, hold or announcement document on this call (VerbContext.runWaitDocument). */
  runWait(request: WaitDocumentRequest, signal: AbortSignal): Promise<WaitDocumentEnd>;
}

export type JoinEnd =
  | { type: 'refused'; code: ErrorCode; message: string }
  /** `kicked`: Participant DELETE; `ended`: the conference ended; `wait-failed`: its wait document could not be used. */
  | { type: 'left'; why: 'kicked' | 'ended' | 'wait-failed' };

/** Why a participant leaves when the verb itself ends its stay (`*` with hangupOnStar, timeLimit, a redirect). */
export class LeftRoom extends Error {
  constructor(readonly reason: ParticipantLeftReason) {
    super(`left the conference: ${reason}`);
  }
}
