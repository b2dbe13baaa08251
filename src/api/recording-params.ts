import { RECORDING_EVENTS, type RecordingEvent, type RecordingSettings } from '../domain/recording.js';
import { badRequest } from '../domain/errors.js';
import { methodParam, one, urlParam, type Form } from './form.js';

/**
 * `Record`, `RecordingChannels`, `RecordingStatusCallback`, `RecordingStatusCallbackMethod`,
 * `RecordingStatusCallbackEvent` and `Trim` on `POST /Calls` (calls-api.md §3). Returns null when
 * the call is not recorded; the other parameters are still checked, as Twilio checks them.
 */
export function parseRecordingParams(form: Form): RecordingSettings | null {
  const record = one(form, 'Record')?.trim().toLowerCase();
  if (record !== undefined && record !== '' && record !== 'true' && record !== 'false') {
    throw badRequest(70002, `Record must be true or false, not '${one(form, 'Record')}'`);
  }
  const channels = one(form, 'RecordingChannels')?.trim().toLowerCase() || 'mono';
  if (channels !== 'mono' && channels !== 'dual') {
    throw badRequest(70002, `RecordingChannels must be mono or dual, not '${one(form, 'RecordingChannels')}'`);
  }
  const trim = one(form, 'Trim')?.trim().toLowerCase() || 'trim-silence';
  if (trim !== 'trim-silence' && trim !== 'do-not-trim') {
    throw badRequest(70002, `Trim must be trim-silence or do-not-trim, not '${one(form, 'Trim')}'`);
  }
  const settings: RecordingSettings = {
    statusCallback: urlParam(form, 'RecordingStatusCallback'),
    statusCallbackMethod: methodParam(form, 'RecordingStatusCallbackMethod'),
    statusCallbackEvents: recordingEvents(form),
    trim: trim === 'trim-silence',
    // Recordings are one mixed channel; `dual` is accepted, and the resource says what the file holds.
    channels: 1,
  };
  return record === 'true' ? settings : null;
}

/** Repeated keys (what twilio-node sends) or space-separated values; default `completed`. */
function recordingEvents(form: Form): RecordingEvent[] {
  const values = (form.RecordingStatusCallbackEvent ?? []).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  if (values.length === 0) return ['completed'];
  for (const value of values) {
    if (!(RECORDING_EVENTS as readonly string[]).includes(value)) {
      throw badRequest(70002, `RecordingStatusCallbackEvent '${value}' is not one of ${RECORDING_EVENTS.join(', ')}`);
    }
  }
  return [...new Set(values)] as RecordingEvent[];
}
