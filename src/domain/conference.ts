import type { HttpMethod } from './http-method.js';

/**
 * Conferences (conferences.md): a named room per account; many records may share a name over
 * time, at most one of them active (`init` or `in-progress`).
 */
export type ConferenceStatus = 'init' | 'in-progress' | 'completed';

/** `reason_conference_ended` / `ReasonConferenceEnded` (conferences.md §3, §5). */
export type ConferenceEndReason =
  | 'conference-ended-via-api'
  | 'participant-with-end-conference-on-exit-left'
  | 'participant-with-end-conference-on-exit-kicked'
  | 'last-participant-kicked'
  | 'last-participant-left';

/** The Conference resource as stored (times epoch ms). */
export interface ConferenceRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  status: ConferenceStatus;
  /** `region` of the first participant that set one; null is rendered `us1` once started. */
  region: string | null;
  dateCreated: number;
  dateUpdated: number;
  reasonConferenceEnded: ConferenceEndReason | null;
  callSidEndingConference: string | null;
  /** Next `SequenceNumber` of its status callbacks. */
  callbackSequence: number;
}

/** `statusCallbackEvent` words (conferences.md §5). */
export const CONFERENCE_EVENTS = ['start', 'end', 'join', 'leave', 'mute', 'hold', 'modify', 'speaker', 'announcement'] as const;
export type ConferenceEvent = (typeof CONFERENCE_EVENTS)[number];

/** Participant `status` (conferences.md §4): `complete`, not `completed`. */
export type ParticipantStatus = 'queued' | 'connecting' | 'ringing' | 'connected' | 'complete' | 'failed';

/** `ReasonParticipantLeft` (conferences.md §5), with underscores as Twilio sends it. */
export type ParticipantLeftReason =
  | 'conference_ended_via_api'
  | 'moderator_ended_conference'
  | 'participant_updated_via_api'
  | 'participant_hung_up'
  | 'participant_add_failed';

/** What the first participant fixes for the whole conference (conferences.md §7). */
export interface ConferenceSettings {
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  statusCallbackEvents: readonly ConferenceEvent[];
  maxParticipants: number;
  record: boolean;
  trim: boolean;
  recordingStatusCallback: string | null;
  recordingStatusCallbackMethod: HttpMethod;
  recordingStatusCallbackEvents: readonly ('in-progress' | 'completed' | 'absent')[];
  region: string | null;
}

/** One participant's flags, as `<Conference>` attributes or the Participants API set them. */
export interface ParticipantOptions {
  muted: boolean;
  beep: 'true' | 'false' | 'onEnter' | 'onExit';
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  /** null: the built-in hold music; '': silence. */
  waitUrl: string | null;
  waitMethod: HttpMethod;
  /** The call this one coaches (heard only by it), or null. */
  coach: string | null;
  label: string | null;
}

export const MAX_PARTICIPANTS = 250;
export const MAX_LABEL_LENGTH = 128;

/**
 * Why a label cannot address a participant (conferences.md §2 `participantLabel`): it would be
 * read as a Call SID, or it holds a path separator. Null when it is fine.
 */
export function labelProblem(label: string): string | null {
  if (label.length === 0 || label.length > MAX_LABEL_LENGTH) return `must be 1 to ${MAX_LABEL_LENGTH} characters`;
  if (/^CA[0-9a-fA-F]{32}$/.test(label)) return 'must not look like a Call SID';
  if (label.includes('/') || /%2f/i.test(label)) return 'must not contain "/"';
  return null;
}
