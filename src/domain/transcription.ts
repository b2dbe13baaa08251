/**
 * Recording transcriptions (Twilio's legacy Transcription resource, `api.v2010.account.transcription`;
 * transcriptions.md §3): one per `<Record transcribe>` recording, `in-progress` while the
 * recognizer runs, then `completed` with its text or `failed`.
 */
export type TranscriptionStatus = 'in-progress' | 'completed' | 'failed';

/** One transcription as Switchboard stores it. Times are epoch ms; `duration` is the recording's whole seconds. */
export interface TranscriptionRecord {
  sid: string;
  accountSid: string;
  recordingSid: string;
  callSid: string;
  status: TranscriptionStatus;
  /** Null until `completed` (and on `failed`). */
  text: string | null;
  duration: number;
  dateCreated: number;
  dateUpdated: number;
}

/**
 * Only recordings longer than 2 s and shorter than 120 s are transcribed (error 13617,
 * transcriptions.md §1); `seconds` is the exact length of the audio.
 */
export function transcribable(seconds: number): boolean {
  return seconds > 2 && seconds < 120;
}
