import { rfc2822 } from '../../domain/dates.js';
import type { TranscriptionRecord } from '../../domain/transcription.js';
import { accountPath } from '../../domain/api-paths.js';

/**
 * A Transcription in Twilio's 2010 JSON shape (`api.v2010.account.transcription`, the same as
 * `…recording.transcription`; transcriptions.md §3). `duration` is a string, `price` a string
 * like the other resources, `uri` always the account-level form, `transcription_text` the text
 * once `completed` and null otherwise.
 */
export function transcriptionJson(t: TranscriptionRecord): Record<string, unknown> {
  return {
    account_sid: t.accountSid,
    api_version: '2010-04-01',
    date_created: rfc2822(t.dateCreated),
    date_updated: rfc2822(t.dateUpdated),
    duration: String(t.duration),
    price: null,
    price_unit: 'USD',
    recording_sid: t.recordingSid,
    sid: t.sid,
    status: t.status,
    transcription_text: t.status === 'completed' ? t.text : null,
    type: 'fast',
    uri: `${accountPath(t.accountSid)}/Transcriptions/${t.sid}.json`,
  };
}
