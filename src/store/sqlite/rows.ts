import type { AccountRecord, CallRecord, PhoneNumberRecord } from '../../domain/call.js';
import type { RecordingRecord } from '../../domain/recording.js';
import type { NewCallback } from '../../ports/store.js';

// The SQLite rows of the store's tables, and their mapping from and to the domain records.

export interface AccountRow { sid: string; auth_token: string; friendly_name: string; date_created: number }

export interface CallRow {
  sid: string; account_sid: string; parent_call_sid: string | null; to_number: string; from_number: string;
  phone_number_sid: string | null; status: string; direction: string; date_created: number; date_updated: number;
  start_time: number | null; answered_at: number | null; end_time: number | null; duration: number | null; answered_by: string | null;
  forwarded_from: string | null; caller_name: string | null; callback_sequence: number; config: string;
}

export interface NotificationRow {
  sid: string; account_sid: string; call_sid: string; log: number; error_code: number; message_text: string;
  message_date: number; request_method: string | null; request_url: string | null; request_variables: string | null;
  response_body: string | null; response_headers: string | null; date_created: number;
}

export interface PhoneNumberRow {
  sid: string; account_sid: string; phone_number: string; friendly_name: string; voice_url: string | null;
  voice_method: string; voice_fallback_url: string | null; voice_fallback_method: string; status_callback: string | null;
  status_callback_method: string; date_created: number; date_updated: number;
}

export interface RecordingRow {
  sid: string; account_sid: string; call_sid: string; status: string; source: string; channels: number;
  start_time: number; duration: number | null; error_code: number | null; date_created: number; date_updated: number;
}

export interface CallbackRow {
  id: number; call_sid: string; account_sid: string; sequence_number: number; url: string; method: string;
  params: string; attempts: number; next_attempt_at: number;
}

export function callParams(c: CallRecord): Record<string, unknown> {
  return {
    sid: c.sid, account_sid: c.accountSid, parent_call_sid: c.parentCallSid, to_number: c.to, from_number: c.from,
    phone_number_sid: c.phoneNumberSid, status: c.status, direction: c.direction, date_created: c.dateCreated,
    date_updated: c.dateUpdated, start_time: c.startTime, answered_at: c.answeredAt, end_time: c.endTime, duration: c.duration,
    answered_by: c.answeredBy, forwarded_from: c.forwardedFrom, caller_name: c.callerName,
    callback_sequence: c.callbackSequence, config: JSON.stringify(c.config),
  };
}

export function rowToCall(r: CallRow): CallRecord {
  return {
    sid: r.sid, accountSid: r.account_sid, parentCallSid: r.parent_call_sid, to: r.to_number, from: r.from_number,
    phoneNumberSid: r.phone_number_sid, status: r.status as CallRecord['status'], direction: r.direction as CallRecord['direction'],
    dateCreated: r.date_created, dateUpdated: r.date_updated, startTime: r.start_time, answeredAt: r.answered_at, endTime: r.end_time,
    duration: r.duration, answeredBy: r.answered_by, forwardedFrom: r.forwarded_from, callerName: r.caller_name,
    callbackSequence: r.callback_sequence, config: JSON.parse(r.config) as CallRecord['config'],
  };
}

export function callbackParams(cb: NewCallback): Record<string, unknown> {
  return {
    call_sid: cb.callSid, account_sid: cb.accountSid, sequence_number: cb.sequenceNumber, url: cb.url,
    method: cb.method, params: JSON.stringify(cb.params),
  };
}

export function recordingParams(r: RecordingRecord): Record<string, unknown> {
  return {
    sid: r.sid, account_sid: r.accountSid, call_sid: r.callSid, status: r.status, source: r.source, channels: r.channels,
    start_time: r.startTime, duration: r.duration, error_code: r.errorCode, date_created: r.dateCreated, date_updated: r.dateUpdated,
  };
}

export function rowToRecording(r: RecordingRow): RecordingRecord {
  return {
    sid: r.sid, accountSid: r.account_sid, callSid: r.call_sid, status: r.status as RecordingRecord['status'],
    source: r.source as RecordingRecord['source'], channels: r.channels === 2 ? 2 : 1, startTime: r.start_time,
    duration: r.duration, errorCode: r.error_code, dateCreated: r.date_created, dateUpdated: r.date_updated,
  };
}

export function phoneNumberParams(n: PhoneNumberRecord): Record<string, unknown> {
  return {
    sid: n.sid, account_sid: n.accountSid, phone_number: n.phoneNumber, friendly_name: n.friendlyName,
    voice_url: n.voiceUrl, voice_method: n.voiceMethod, voice_fallback_url: n.voiceFallbackUrl,
    voice_fallback_method: n.voiceFallbackMethod, status_callback: n.statusCallback,
    status_callback_method: n.statusCallbackMethod, date_created: n.dateCreated, date_updated: n.dateUpdated,
  };
}

export function rowToPhoneNumber(r: PhoneNumberRow): PhoneNumberRecord {
  type M = PhoneNumberRecord['voiceMethod'];
  return {
    sid: r.sid, accountSid: r.account_sid, phoneNumber: r.phone_number, friendlyName: r.friendly_name,
    voiceUrl: r.voice_url, voiceMethod: r.voice_method as M, voiceFallbackUrl: r.voice_fallback_url,
    voiceFallbackMethod: r.voice_fallback_method as M, statusCallback: r.status_callback,
    statusCallbackMethod: r.status_callback_method as M, dateCreated: r.date_created, dateUpdated: r.date_updated,
  };
}
