import type { HttpMethod } from './http-method.js';

/**
 * Recordings (Twilio's Recording resource, `api.v2010.account.recording`). Switchboard's
 * statuses are the subset it can reach: a recording is `in-progress` while audio is written,
 * then `completed`, or `absent` when nothing was left after trimming silence.
 */
export type RecordingStatus = 'in-progress' | 'completed' | 'absent';

/** What started the recording: `<Record>`, `Record=true` on `POST /Calls`, or `<Dial record>`. */
export type RecordingSource = 'RecordVerb' | 'OutboundAPI' | 'DialVerb' | 'Conference';

/** `RecordingStatusCallbackEvent` values (webhooks.md §2); the default is `completed` only. */
export type RecordingEvent = 'in-progress' | 'completed' | 'absent';
export const RECORDING_EVENTS: readonly RecordingEvent[] = ['in-progress', 'completed', 'absent'];

/** Where and how a recording reports its progress, and whether its silence is trimmed. */
export interface RecordingSettings {
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  statusCallbackEvents: RecordingEvent[];
  /** `trim-silence` (Twilio's default): leading and trailing silence is cut. */
  trim: boolean;
  /** `RecordingChannels`: 1 (mono) or 2 (dual) as asked; the audio itself is always mono. */
  channels: 1 | 2;
}

/** One recording as Switchboard stores it. Times are epoch ms; `duration` is whole seconds. */
export interface RecordingRecord {
  sid: string;
  accountSid: string;
  /** A conference recording's is its conference's SID (the key of its callbacks); rendered null. */
  callSid: string;
  /** The conference recorded (`<Conference record>`); absent or null for a call's recording. */
  conferenceSid?: string | null;
  status: RecordingStatus;
  source: RecordingSource;
  channels: 1 | 2;
  startTime: number;
  /** Null while in progress. */
  duration: number | null;
  errorCode: number | null;
  dateCreated: number;
  dateUpdated: number;
}
