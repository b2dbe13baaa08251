import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { ErrorCode } from '../domain/errors.js';
import { isTwimlUrl, readEnum, readInteger, readMethod, readText, type Warn } from './attributes.js';
import { clip, textContent } from './content.js';
import { MAX_QUEUE_NAME } from '../domain/queue.js';
import type { DialClient, DialNumber, DialRoom, DialSip, DialTargetCommon } from './verbs.js';
import type { XmlElement } from './xml.js';

/**
 * The nouns of `<Dial>` (dial.md §2; https://www.twilio.com/docs/voice/twiml/number, …/client,
 * …/sip). A noun that cannot be dialed (a malformed number, a bad identity or URI) is dropped
 * with its warning, and the other nouns are still dialed, as Twilio does.
 */

type Attrs = ReadonlyMap<string, string>;

/**
 * Country assumed for numbers written without `+` (`415-123-4567`, `(415) 555-1212`). Twilio's
 * docs write US numbers that way, so US it is; other countries need the `+` form.
 */
export const DEFAULT_COUNTRY = 'US';

/** Digits with the usual separators, and an optional leading `+`: what a person writes. */
const NUMBER_TEXT = /^\+?[0-9 ().\-]+$/;

/**
 * A phone number as written in TwiML → E.164, or null when it is not a plausible number.
 * libphonenumber-js decides, by length per country ("possible"), not by its list of assigned
 * ranges ("valid"): that list rejects the 555 and 500 test numbers apps use every day.
 */
export function toE164(text: string): string | null {
  const trimmed = text.trim();
  if (!NUMBER_TEXT.test(trimmed)) return null;
  const parsed = parsePhoneNumberFromString(trimmed, DEFAULT_COUNTRY);
  return parsed?.isPossible() ? parsed.number : null;
}

/** `<Number>` or plain text in `<Dial>`. A malformed number is 13223 and the noun is dropped. */
export function parseNumber(el: XmlElement, warn: Warn): DialNumber | null {
  return readNumber(textContent(el, warn), el.attrs, warn);
}

/** Plain text inside `<Dial>`: shorthand for one `<Number>` with every default. */
export function numberFromText(text: string, warn: Warn): DialNumber | null {
  return readNumber(text.trim(), new Map(), warn);
}

function readNumber(text: string, attrs: Attrs, warn: Warn): DialNumber | null {
  const number = toE164(text);
  if (number === null) {
    warn({ code: 13223, message: `<Dial> number "${clip(text)}" is not a phone number; not dialed` });
    return null;
  }
  refuseAmd(attrs, 'Number', warn);
  return { kind: 'Number', number, sendDigits: readSendDigits(attrs, warn), ...readCommon(attrs, 'Number', 13221, warn) };
}

/** `sendDigits`: `0-9 A-D # *`, `w` = 0.5 s and `W` = 1 s pauses (dial.md §2). Bad → 13222. */
function readSendDigits(attrs: Attrs, warn: Warn): string | null {
  const raw = attrs.get('sendDigits');
  if (raw === undefined || raw.trim() === '') return null;
  if (/^[0-9A-Da-d#*wW]+$/.test(raw.trim())) return raw.trim();
  warn({ code: 13222, message: `<Number> sendDigits="${raw}" is invalid (expected 0-9, A-D, #, *, w and W); no digits are sent` });
  return null;
}

/** Identities Twilio accepts: ≤ 256 characters, no control, space, delimiter or "unwise" character (RFC 2396 §2.4.3). */
const IDENTITY = /^[^\u0000-\u0020\u007f<>#%"{}|\\^[\]`]{1,256}$/;

export function isClientIdentity(text: string): boolean {
  return IDENTITY.test(text);
}

/**
 * `<Client>`: the identity as text or as an `<Identity>` child, plus `<Parameter name value>`
 * children handed to the device. A bad identity is 31105 and the noun is dropped.
 */
export function parseClient(el: XmlElement, warn: Warn): DialClient | null {
  let text = '';
  let identity: string | null = null;
  const parameters: Record<string, string> = {};
  for (const child of el.children) {
    if (typeof child === 'string') text += child;
    else if (child.name === 'Identity') identity = textContent(child, warn);
    else if (child.name === 'Parameter') readParameter(child, parameters, warn);
    else warn({ code: 13215, message: `<${child.name}> is not allowed inside <Client>; ignored` });
  }
  const name = identity ?? text.trim();
  if (!isClientIdentity(name)) {
    warn({ code: 31105, message: `<Client> identity "${clip(name)}" is invalid (1–256 characters, no spaces, control characters or <>#%"{}|\\^[]\`); not dialed` });
    return null;
  }
  return { kind: 'Client', identity: name, parameters, ...readCommon(el.attrs, 'Client', 13210, warn) };
}

function readParameter(el: XmlElement, into: Record<string, string>, warn: Warn): void {
  const name = readText(el.attrs, 'name', null);
  if (name === null) {
    warn({ code: 13215, message: '<Parameter> inside <Client> has no name; ignored' });
    return;
  }
  into[name] = el.attrs.get('value') ?? '';
}

/** SIP header names Twilio passes on from a `<Sip>` URI (dial.md §2): `x-` headers and these. */
const SIP_HEADERS = ['user-to-user', 'remote-party-id', 'p-preferred-identity', 'p-called-party-id'];
const SIP_URI_MAX = 255;
const SIP_HEADERS_MAX = 1024;
/** `sip:` or `sips:`, optional `user[:password]@`, a host name or IPv4 or `[IPv6]`, port, `;params`. */
const SIP_URI = /^sips?:(?:[^@\s?;]+@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::[0-9]{1,5})?((?:;[^;?\s]+)*)$/i;

/**
 * `<Sip>`: a SIP URI, kept with its `?headers` (sent on the INVITE); `username`/`password` for
 * digest auth toward the far end. A bad URI is 13243 and the noun is dropped; a header Twilio
 * would not pass on is 13252 and is removed from the URI.
 */
export function parseSip(el: XmlElement, warn: Warn): DialSip | null {
  const text = textContent(el, warn);
  const uri = readSipUri(text, warn);
  if (uri === null) return null;
  let username = readText(el.attrs, 'username', null);
  let password = readText(el.attrs, 'password', null);
  if ((username === null) !== (password === null)) {
    warn({ code: 13249, message: '<Sip> needs both username and password for digest authentication; dialing without credentials' });
    username = password = null;
  }
  refuseAmd(el.attrs, 'Sip', warn);
  return { kind: 'Sip', uri, username, password, ...readCommon(el.attrs, 'Sip', 13241, warn) };
}

function readSipUri(text: string, warn: Warn): string | null {
  const bad = (why: string) => {
    warn({ code: 13243, message: `<Sip> URI "${clip(text)}" is invalid (${why}); not dialed` });
    return null;
  };
  const [base = '', query] = splitOnce(text, '?');
  const match = SIP_URI.exec(base);
  if (!match) return bad('expected sip:user@host or sips:user@host');
  if (base.length >= SIP_URI_MAX) return bad(`longer than ${SIP_URI_MAX - 1} characters`);
  const transport = /;transport=([^;]*)/i.exec(match[1] ?? '')?.[1];
  if (transport !== undefined && !['udp', 'tcp', 'tls'].includes(transport.toLowerCase())) return bad(`transport "${transport}" is not udp, tcp or tls`);
  if (query === undefined || query === '') return base;
  if (query.length >= SIP_HEADERS_MAX) return bad(`its headers are over ${SIP_HEADERS_MAX - 1} characters`);
  const kept = query.split('&').filter((pair) => {
    const name = splitOnce(pair, '=')[0]!.toLowerCase();
    if (name.startsWith('x-') || SIP_HEADERS.includes(name)) return true;
    warn({ code: 13252, message: `<Sip> header "${clip(name)}" cannot be sent (only X- headers, User-to-User, Remote-Party-ID, P-Preferred-Identity, P-Called-Party-ID); removed` });
    return false;
  });
  return kept.length === 0 ? base : `${base}?${kept.join('&')}`;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/**
 * `<Queue url method>` (queues.md §4): a name of 1–64 characters (14212 / 14213: the noun is
 * dropped); a bad `url` is 14211 (bridged without it), a bad `method` 14210.
 */
export function parseRoom(el: XmlElement, warn: Warn): DialRoom | null {
  const name = textContent(el, warn);
  if (name === '') {
    warn({ code: 14212, message: '<Queue> needs a name as its text; ignored' });
    return null;
  }
  if ([...name].length > MAX_QUEUE_NAME) {
    warn({ code: 14213, message: `<Queue> name is over ${MAX_QUEUE_NAME} characters; ignored` });
    return null;
  }
  let url = readText(el.attrs, 'url', null);
  if (url !== null && !isTwimlUrl(url)) {
    warn({ code: 14211, message: `<Queue url="${url}"> is not an http(s) or relative URL; bridging without it` });
    url = null;
  }
  return { kind: 'Queue', name, url, method: readMethod(el.attrs, 'Queue', 14210, warn) };
}

const CHILD_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const;

/**
 * What Number, Client and Sip share: the child's `url` (whisper) and its status callbacks.
 * `methodCode` is the noun's "invalid method" warning (13221 Number, 13241 Sip; Client has
 * none of its own, so 13210, `<Dial>`'s). Bad events are 21626, the REST API's code for them.
 */
function readCommon(attrs: Attrs, noun: string, methodCode: ErrorCode, warn: Warn): DialTargetCommon {
  return {
    url: readText(attrs, 'url', null),
    method: readMethod(attrs, noun, methodCode, warn),
    statusCallback: readText(attrs, 'statusCallback', null),
    statusCallbackMethod: readEnum(attrs, { verb: noun, name: 'statusCallbackMethod', code: methodCode, fallback: 'POST' as const }, ['GET', 'POST'] as const, warn),
    statusCallbackEvents: readChildEvents(attrs.get('statusCallbackEvent'), noun, warn),
  };
}

/** Space-separated (twilio-node joins its array with spaces; commas tolerated); default `completed`. */
function readChildEvents(raw: string | undefined, noun: string, warn: Warn): DialTargetCommon['statusCallbackEvents'] {
  if (raw === undefined || raw.trim() === '') return ['completed'];
  const words = raw.trim().toLowerCase().split(/[\s,]+/);
  if (words.every((w) => (CHILD_EVENTS as readonly string[]).includes(w))) {
    return CHILD_EVENTS.filter((e) => words.includes(e));
  }
  warn({ code: 21626, message: `<${noun}> statusCallbackEvent="${raw}" is invalid (expected initiated, ringing, answered, completed); using "completed"` });
  return ['completed'];
}

/** `machineDetection*` with their ranges (dial.md §2), checked so a typo is reported as such. */
const AMD_RANGES: Record<string, [number, number]> = {
  machineDetectionTimeout: [3, 60],
  machineDetectionSpeechThreshold: [1000, 6000],
  machineDetectionSpeechEndThreshold: [500, 5000],
  machineDetectionSilenceTimeout: [2000, 10000],
};
const AMD_ATTRS = ['machineDetection', ...Object.keys(AMD_RANGES), 'amdStatusCallback', 'amdStatusCallbackMethod'];

/**
 * Answering machine detection does not exist in Switchboard: the noun is dialed without it,
 * with warning 12200 (as for `<Record transcribe>`); a value Twilio would refuse is 21234
 * first. `AsyncAmd*` names belong to `POST /Calls` only: 21263 (dial.md §2).
 */
function refuseAmd(attrs: Attrs, noun: string, warn: Warn): void {
  const asyncAmd = [...attrs.keys()].filter((name) => name.startsWith('AsyncAmd'));
  if (asyncAmd.length > 0) {
    warn({ code: 21263, message: `<${noun}> ${asyncAmd.join(', ')}: AsyncAmd parameters belong to POST /Calls, not to <${noun}>; ignored` });
  }
  const used = AMD_ATTRS.filter((name) => attrs.has(name));
  if (used.length === 0) return;
  readEnum(attrs, { verb: noun, name: 'machineDetection', code: 21234, fallback: null }, ['Enable', 'DetectMessageEnd'] as const, warn);
  readEnum(attrs, { verb: noun, name: 'amdStatusCallbackMethod', code: 21234, fallback: null }, ['GET', 'POST'] as const, warn);
  for (const [name, [min, max]] of Object.entries(AMD_RANGES)) {
    const value = readInteger(attrs, { verb: noun, name, code: 21234, fallback: null, min }, warn);
    if (value !== null && value > max) warn({ code: 21234, message: `<${noun}> ${name}="${value}" is over ${max}` });
  }
  warn({ code: 12200, message: `<${noun}> ${used.join(', ')}: answering machine detection is not supported by Switchboard; dialing without it` });
}
