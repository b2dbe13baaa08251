import { rfc2822 } from '../../domain/dates.js';
import type { RecordingRecord } from '../../domain/recording.js';
import { accountPath as base } from '../../domain/api-paths.js';

/** The fields a Recording shows both at the account level and under its call. */
function commonFields(r: RecordingRecord): Record<string, unknown> {
  return {
    account_sid: r.accountSid,
    api_version: '2010-04-01',
    call_sid: r.conferenceSid ? null : r.callSid,
    conference_sid: r.conferenceSid ?? null,
    date_created: rfc2822(r.dateCreated),
    date_updated: rfc2822(r.dateUpdated),
    start_time: rfc2822(r.startTime),
    duration: r.duration === null ? '-1' : String(r.duration),
    sid: r.sid,
    price: null,
    price_unit: 'USD',
    status: r.status,
    channels: r.channels,
    source: r.source,
    error_code: r.errorCode,
    encryption_details: null,
  };
}

/**
 * A Recording in Twilio's 2010 JSON shape (`api.v2010.account.recording`): every key present,
 * nulls where Switchboard has no value (no billing, no encryption).
 * `duration` is a string of whole seconds, `-1` while the recording is in progress, as on Twilio.
 */
export function recordingJson(r: RecordingRecord, mediaUrl: string): Record<string, unknown> {
  const uri = `${base(r.accountSid)}/Recordings/${r.sid}`;
  return {
    ...commonFields(r),
    uri: `${uri}.json`,
    subresource_uris: {
      add_on_results: `${uri}/AddOnResults.json`,
      transcriptions: `${uri}/Transcriptions.json`,
    },
    media_url: mediaUrl,
  };
}

/** A Recording as the call's subresource shows it (`api.v2010.account.call.recording`). */
export function callRecordingJson(r: RecordingRecord): Record<string, unknown> {
  return {
    ...commonFields(r),
    uri: `${base(r.accountSid)}/Calls/${r.callSid}/Recordings/${r.sid}.json`,
    track: r.source === 'RecordVerb' ? 'inbound' : 'both',
  };
}
