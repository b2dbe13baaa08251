import { readBoolean, readEnum, readInteger, readMethod, readText, type Warn } from './attributes.js';
import { clip, isBlank } from './content.js';
import { isClientIdentity, numberFromText, parseClient, parseNumber, parseRoom, parseSip, toE164 } from './parse-dial-nouns.js';
import { readRecordingEvents } from './parse-record.js';
import { parseConference } from './parse-conference.js';
import type { DialNoun, DialRecord, DialTarget, DialVerb, UnsupportedVerb } from './verbs.js';
import type { XmlElement } from './xml.js';

/** `ringTone` values (dial.md §1, Twilio's `<Dial>` docs). */
const RING_TONES = [
  'at', 'au', 'bg', 'br', 'be', 'ch', 'cl', 'cn', 'cz', 'de', 'dk', 'ee', 'es', 'fi', 'fr', 'gr', 'hu', 'il', 'in', 'it',
  'lt', 'jp', 'mx', 'my', 'nl', 'no', 'nz', 'ph', 'pl', 'pt', 'ru', 'se', 'sg', 'th', 'uk', 'us', 'us-old', 'tw', 've', 'za',
] as const;
const RECORD_VALUES = [
  'do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual', 'true', 'false',
] as const;
/** Twilio dials "up to ten" Number/Client/Sip nouns per `<Dial>` (dial.md §2). */
export const MAX_DIAL_TARGETS = 10;
const TIMEOUT_MIN = 5;
const TIMEOUT_MAX = 600;
/** 4 hours: Twilio's default and its ceiling unless the account has 24-hour calls (dial.md §1). */
const TIME_LIMIT_MAX = 14400;
/** Twilio's rule for a caller ID shown to a `<Sip>` far end: no whitespace, `+ - _ .` allowed. */
const SIP_CALLER_ID = /^[A-Za-z0-9+\-_.]+$/;

/**
 * `<Dial>` (https://www.twilio.com/docs/voice/twiml/dial; dial.md §1–§2, codes from §8).
 *
 * Every attribute gets its default; a bad value is its Twilio warning (13210–13220, 13256,
 * 13621, 13622, 13699) and the default, and the Dial still runs. `callReason`, `referUrl`,
 * `referMethod`, `recordingConfigurationId` and `events` are accepted and ignored.
 *
 * Nouns: text is one `<Number>`; a noun that cannot be dialed is dropped with its warning.
 * Beyond ten Number/Client/Sip nouns, the rest are dropped with 13215 and the first ten are
 * dialed. When nothing dialable is left, the Dial is kept with no nouns and a 12200 warning:
 * it ends at once as `failed` (its `action`, if any, is requested; else the next verb runs).
 *
 * A `<Conference>` or `<Queue>` with any other noun (or a second one) cannot mean anything:
 * Twilio's 13000. The Dial is then an UnsupportedVerb with that code, so the verbs before it
 * run and reaching it ends the call.
 */
export function parseDial(el: XmlElement, warn: Warn): DialVerb | UnsupportedVerb {
  const attrs = el.attrs;
  const nouns = readNouns(el, warn);
  const rooms = nouns.filter((n) => n.kind === 'Conference' || n.kind === 'Queue');
  let targets = nouns.filter((n): n is DialTarget => n.kind !== 'Conference' && n.kind !== 'Queue');
  if (rooms.length > 1 || (rooms.length === 1 && targets.length > 0)) {
    const names = nouns.map((n) => `<${n.kind}>`).join(', ');
    return { kind: 'Unsupported', name: 'Dial', code: 13000, message: `A <Conference> or <Queue> cannot be dialed together with other nouns (${names}): Twilio error 13000` };
  }
  if (targets.length > MAX_DIAL_TARGETS) {
    warn({ code: 13215, message: `<Dial> has ${targets.length} nouns; Twilio dials up to ${MAX_DIAL_TARGETS}, so only the first ${MAX_DIAL_TARGETS} are dialed` });
    targets = targets.slice(0, MAX_DIAL_TARGETS);
  }
  const dialed: DialNoun[] = rooms.length === 1 ? rooms : targets;
  if (dialed.length === 0) {
    warn({ code: 12200, message: '<Dial> has no number, client, SIP address or room to dial; it ends at once as failed' });
  }
  const trim = readEnum(attrs, { verb: 'Dial', name: 'trim', code: 13699, fallback: 'do-not-trim' as const }, ['trim-silence', 'do-not-trim'] as const, warn);
  return {
    kind: 'Dial',
    action: readText(attrs, 'action', null),
    method: readMethod(attrs, 'Dial', 13210, warn),
    timeoutSec: readTimeout(attrs, warn),
    timeLimitSec: readTimeLimit(attrs, warn),
    callerId: readCallerId(attrs.get('callerId'), targets, warn),
    hangupOnStar: readBoolean(attrs, { verb: 'Dial', name: 'hangupOnStar', code: 13213, fallback: false }, warn),
    answerOnBridge: readBoolean(attrs, { verb: 'Dial', name: 'answerOnBridge', code: 13219, fallback: false }, warn),
    record: readRecord(attrs, warn),
    recordingStatusCallback: readCallbackUrl(attrs, warn),
    recordingStatusCallbackMethod: readEnum(
      attrs, { verb: 'Dial', name: 'recordingStatusCallbackMethod', code: 13210, fallback: 'POST' as const }, ['GET', 'POST'] as const, warn,
    ),
    recordingStatusCallbackEvents: readRecordingEvents(attrs.get('recordingStatusCallbackEvent'), 'Dial', warn),
    recordingTrack: readEnum(attrs, { verb: 'Dial', name: 'recordingTrack', code: 13622, fallback: 'both' as const }, ['inbound', 'outbound', 'both'] as const, warn),
    trim: trim === 'trim-silence',
    ringTone: readEnum(attrs, { verb: 'Dial', name: 'ringTone', code: 13220, fallback: null }, RING_TONES, warn),
    sequential: readBoolean(attrs, { verb: 'Dial', name: 'sequential', code: 13218, fallback: false }, warn),
    nouns: dialed,
  };
}

/** Nouns Twilio defines that Switchboard does not dial (dial.md §2: out of scope). */
const UNSUPPORTED_NOUNS = new Set(['Application', 'WhatsApp', 'Sim']);

/** The nouns in document order; each text run is one Number. Anything else is 13215, ignored. */
function readNouns(dial: XmlElement, warn: Warn): DialNoun[] {
  const nouns: DialNoun[] = [];
  for (const child of dial.children) {
    let noun: DialNoun | null = null;
    if (typeof child === 'string') {
      if (!isBlank(child)) noun = numberFromText(child, warn);
    } else if (child.name === 'Number') noun = parseNumber(child, warn);
    else if (child.name === 'Client') noun = parseClient(child, warn);
    else if (child.name === 'Sip') noun = parseSip(child, warn);
    else if (child.name === 'Conference') noun = parseConference(child, warn);
    else if (child.name === 'Queue') noun = parseRoom(child, warn);
    else if (UNSUPPORTED_NOUNS.has(child.name)) {
      warn({ code: 13215, message: `<Dial><${child.name}> is not supported by Switchboard; ignored` });
    } else {
      warn({ code: 13215, message: `<${child.name}> is not allowed inside <Dial> (expected Number, Client, Sip, Conference or Queue); ignored` });
    }
    if (noun) nouns.push(noun);
  }
  return nouns;
}

/**
 * `timeout`, 5–600 s, default 30. An integer outside the range is brought into it (with
 * 13212) rather than replaced by 30: `timeout="2"` meant "short", not "thirty seconds".
 */
function readTimeout(attrs: XmlElement['attrs'], warn: Warn): number {
  const value = readInteger(attrs, { verb: 'Dial', name: 'timeout', code: 13212, fallback: 30, min: 0 }, warn);
  const clamped = Math.min(TIMEOUT_MAX, Math.max(TIMEOUT_MIN, value));
  if (clamped !== value) warn({ code: 13212, message: `<Dial> timeout="${value}" is outside ${TIMEOUT_MIN}–${TIMEOUT_MAX}; using ${clamped}` });
  return clamped;
}

/** `timeLimit`, a positive integer, default and ceiling 14400 s (over it: 13216, capped). */
function readTimeLimit(attrs: XmlElement['attrs'], warn: Warn): number {
  const value = readInteger(attrs, { verb: 'Dial', name: 'timeLimit', code: 13216, fallback: TIME_LIMIT_MAX, min: 1 }, warn);
  if (value <= TIME_LIMIT_MAX) return value;
  warn({ code: 13216, message: `<Dial> timeLimit="${value}" is over ${TIME_LIMIT_MAX}; using ${TIME_LIMIT_MAX}` });
  return TIME_LIMIT_MAX;
}

/** `record`: the five long forms, plus `true` (= record-from-answer) and `false` (= do-not-record). */
function readRecord(attrs: XmlElement['attrs'], warn: Warn): DialRecord {
  const value = readEnum(attrs, { verb: 'Dial', name: 'record', code: 13217, fallback: 'do-not-record' as const }, RECORD_VALUES, warn);
  if (value === 'true') return 'record-from-answer';
  if (value === 'false') return 'do-not-record';
  return value;
}

/** An absolute http(s) URL or a relative one (resolved when used); anything else is 13256. */
function readCallbackUrl(attrs: XmlElement['attrs'], warn: Warn): string | null {
  const value = readText(attrs, 'recordingStatusCallback', null);
  if (value === null) return null;
  try {
    const url = new URL(value, 'http://relative.invalid/');
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // falls through to the warning
  }
  warn({ code: 13256, message: `<Dial> recordingStatusCallback="${clip(value)}" is not a valid URL; the recording is made without callbacks` });
  return null;
}

/**
 * `callerId` (dial.md §1): a phone number (normalised to E.164 like a dialed one); when no
 * Number is dialed, a `client:identity`; when only Sip is dialed, any string of letters,
 * digits and `+ - _ .`. Otherwise 13214 and the parent's caller ID. Whether the number
 * belongs to the account is checked when the child call is placed, not here.
 */
function readCallerId(raw: string | undefined, targets: DialTarget[], warn: Warn): string | null {
  const value = raw?.trim();
  if (!value) return null;
  if (targets.length > 0 && targets.every((t) => t.kind === 'Sip') && SIP_CALLER_ID.test(value)) return value;
  if (value.startsWith('client:') && !targets.some((t) => t.kind === 'Number') && isClientIdentity(value.slice('client:'.length))) return value;
  const number = toE164(value);
  if (number !== null) return number;
  warn({ code: 13214, message: `<Dial> callerId="${clip(value)}" is not a phone number${targets.some((t) => t.kind === 'Number') ? '' : ' or client identifier'}; using the caller's ID` });
  return null;
}
