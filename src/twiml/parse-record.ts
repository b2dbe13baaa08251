import { RECORDING_EVENTS, type RecordingEvent } from '../domain/recording.js';
import { readBoolean, readEnum, readInteger, readMethod, readText, type Warn } from './attributes.js';
import type { RecordVerb } from './verbs.js';
import type { XmlElement } from './xml.js';

/** Twilio's upper bound for `maxLength` (4 hours; 24 h needs an account setting Switchboard has not). */
const MAX_LENGTH_LIMIT_SEC = 14400;
const DEFAULT_FINISH_ON_KEY = '1234567890*#';

/**
 * `<Record>` (https://www.twilio.com/docs/voice/twiml/record; twiml-voice.md §3). Warning codes
 * from Twilio's dictionary: 13610 method, 13611 timeout, 13612 maxLength, 13613 finishOnKey,
 * 13616 playBeep, 13621 recordingStatusCallbackEvent, 13699 trim, 13614 transcribe.
 * A non-empty `transcribeCallback` turns transcription on by itself (transcriptions.md §1).
 */
export function parseRecord(el: XmlElement, warn: Warn): RecordVerb {
  const attrs = el.attrs;
  if (el.children.some((c) => typeof c !== 'string' || c.trim() !== '')) {
    warn({ code: 12200, message: '<Record> has no content; what is inside it is ignored' });
  }
  const transcribeCallback = readText(attrs, 'transcribeCallback', null);
  const transcribe = readBoolean(attrs, { verb: 'Record', name: 'transcribe', code: 13614, fallback: false }, warn) || transcribeCallback !== null;
  let maxLengthSec = readInteger(attrs, { verb: 'Record', name: 'maxLength', code: 13612, fallback: 3600, min: 1 }, warn);
  if (maxLengthSec > MAX_LENGTH_LIMIT_SEC) {
    warn({ code: 13612, message: `<Record> maxLength="${maxLengthSec}" is over ${MAX_LENGTH_LIMIT_SEC}; using ${MAX_LENGTH_LIMIT_SEC}` });
    maxLengthSec = MAX_LENGTH_LIMIT_SEC;
  }
  const trim = readEnum(attrs, { verb: 'Record', name: 'trim', code: 13699, fallback: 'trim-silence' as const }, ['trim-silence', 'do-not-trim'] as const, warn);
  return {
    kind: 'Record',
    action: readText(attrs, 'action', null),
    method: readMethod(attrs, 'Record', 13610, warn),
    timeoutSec: readInteger(attrs, { verb: 'Record', name: 'timeout', code: 13611, fallback: 5, min: 0 }, warn),
    finishOnKey: readFinishOnKeys(attrs.get('finishOnKey'), warn),
    maxLengthSec,
    playBeep: readBoolean(attrs, { verb: 'Record', name: 'playBeep', code: 13616, fallback: true }, warn),
    trim: trim === 'trim-silence',
    recordingStatusCallback: readText(attrs, 'recordingStatusCallback', null),
    recordingStatusCallbackMethod: readEnum(
      attrs, { verb: 'Record', name: 'recordingStatusCallbackMethod', code: 13610, fallback: 'POST' as const }, ['GET', 'POST'] as const, warn,
    ),
    recordingStatusCallbackEvents: readRecordingEvents(attrs.get('recordingStatusCallbackEvent'), 'Record', warn),
    transcribe,
    transcribeCallback,
  };
}

/** Any set of `0-9 * #` (several keys allowed, unlike Gather); '' means no key ends it. */
function readFinishOnKeys(raw: string | undefined, warn: Warn): string {
  if (raw === undefined) return DEFAULT_FINISH_ON_KEY;
  if (/^[0-9*#]*$/.test(raw)) return raw;
  warn({ code: 13613, message: `<Record> finishOnKey="${raw}" is invalid (expected keys from 0-9, * and #); using "${DEFAULT_FINISH_ON_KEY}"` });
  return DEFAULT_FINISH_ON_KEY;
}

/**
 * `recordingStatusCallbackEvent` of `<Record>` and `<Dial>`: space- or comma-separated
 * `in-progress completed absent`; default `completed`. Bad → 13621 (its title names no verb).
 */
export function readRecordingEvents(raw: string | undefined, verb: string, warn: Warn): RecordingEvent[] {
  if (raw === undefined || raw.trim() === '') return ['completed'];
  const words = raw.trim().toLowerCase().split(/[\s,]+/);
  if (words.every((w) => (RECORDING_EVENTS as readonly string[]).includes(w))) return [...new Set(words)] as RecordingEvent[];
  warn({ code: 13621, message: `<${verb}> recordingStatusCallbackEvent="${raw}" is invalid (expected in-progress, completed, absent); using "completed"` });
  return ['completed'];
}
