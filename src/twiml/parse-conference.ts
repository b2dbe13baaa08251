import { CONFERENCE_EVENTS, labelProblem, MAX_LABEL_LENGTH, MAX_PARTICIPANTS, type ConferenceEvent } from '../domain/conference.js';
import { readBoolean, readEnum, readInteger, readText, type Warn } from './attributes.js';
import { textContent } from './content.js';
import { readRecordingEvents } from './parse-record.js';
import type { DialConference } from './verbs.js';
import type { XmlElement } from './xml.js';

const REGIONS = ['us1', 'us2', 'ie1', 'de1', 'sg1', 'br1', 'au1', 'jp1'] as const;
const V = 'Conference';

/**
 * `<Conference>` (https://www.twilio.com/docs/voice/twiml/conference; conferences.md §2). Each
 * attribute gets its default; a bad value is its Twilio code (13230–13239) and the default.
 * An empty name is 13237 and the noun is dropped; a name over 128 characters too.
 * `jitterBufferSize`, `region`, `recordingConfigurationId` and `eventCallbackUrl` are accepted
 * (region is kept for the resource; the rest change nothing here).
 */
export function parseConference(el: XmlElement, warn: Warn): DialConference | null {
  const name = textContent(el, warn);
  if (name === '' || name.length > MAX_LABEL_LENGTH) {
    warn({ code: 13237, message: name === '' ? '<Conference> needs a name as its text; ignored' : `<Conference> name is over ${MAX_LABEL_LENGTH} characters; ignored` });
    return null;
  }
  const a = el.attrs;
  const label = readText(a, 'participantLabel', null);
  const problem = label === null ? null : labelProblem(label);
  if (problem) warn({ code: 16023, message: `<Conference participantLabel="${label}"> ${problem}; joining without a label` });
  const waitUrl = a.get('waitUrl');
  const record = readEnum(a, { verb: V, name: 'record', code: 13230, fallback: 'do-not-record' as const }, ['do-not-record', 'record-from-start', 'true', 'false'] as const, warn);
  const trim = readEnum(a, { verb: V, name: 'trim', code: 13239, fallback: 'trim-silence' as const }, ['trim-silence', 'do-not-trim', 'true', 'false'] as const, warn);
  return {
    kind: 'Conference',
    name,
    muted: readBoolean(a, { verb: V, name: 'muted', code: 13230, fallback: false }, warn),
    beep: readEnum(a, { verb: V, name: 'beep', code: 13235, fallback: 'true' as const }, ['true', 'false', 'onEnter', 'onExit'] as const, warn),
    startConferenceOnEnter: readBoolean(a, { verb: V, name: 'startConferenceOnEnter', code: 13232, fallback: true }, warn),
    endConferenceOnExit: readBoolean(a, { verb: V, name: 'endConferenceOnExit', code: 13231, fallback: false }, warn),
    waitUrl: waitUrl === undefined ? null : waitUrl.trim(),
    // POST when a waitUrl is given; Twilio fetches its own default playlist with GET.
    waitMethod: readEnum(a, { verb: V, name: 'waitMethod', code: 13234, fallback: 'POST' as const }, ['GET', 'POST'] as const, warn),
    maxParticipants: Math.min(MAX_PARTICIPANTS, readInteger(a, { verb: V, name: 'maxParticipants', code: 13230, fallback: MAX_PARTICIPANTS, min: 2 }, warn)),
    record: record === 'record-from-start' || record === 'true',
    trim: trim === 'trim-silence' || trim === 'true',
    coach: readText(a, 'coach', null),
    participantLabel: problem ? null : label,
    statusCallback: readText(a, 'statusCallback', null),
    statusCallbackMethod: readEnum(a, { verb: V, name: 'statusCallbackMethod', code: 13234, fallback: 'POST' as const }, ['GET', 'POST'] as const, warn),
    statusCallbackEvents: readEvents(a.get('statusCallbackEvent'), warn),
    recordingStatusCallback: readText(a, 'recordingStatusCallback', null),
    recordingStatusCallbackEvents: readRecordingEvents(a.get('recordingStatusCallbackEvent'), V, warn),
    recordingStatusCallbackMethod: readEnum(a, { verb: V, name: 'recordingStatusCallbackMethod', code: 13234, fallback: 'POST' as const }, ['GET', 'POST'] as const, warn),
    region: readEnum(a, { verb: V, name: 'region', code: 13230, fallback: null }, REGIONS, warn),
  };
}

/**
 * Space-separated event words (twilio-node joins its array with spaces; commas tolerated).
 * Unknown words are dropped with 13230. None given: `start end`, the REST default, since the
 * TwiML one is unverified (conferences.md §2; docs/compatibility.md).
 */
function readEvents(raw: string | undefined, warn: Warn): ConferenceEvent[] {
  if (raw === undefined || raw.trim() === '') return ['start', 'end'];
  const words = raw.trim().split(/[\s,]+/);
  const unknown = words.filter((w) => !(CONFERENCE_EVENTS as readonly string[]).includes(w));
  if (unknown.length > 0) warn({ code: 13230, message: `<Conference statusCallbackEvent> ${unknown.join(', ')}: not conference events; ignored` });
  return CONFERENCE_EVENTS.filter((e) => words.includes(e));
}
