import { readBoolean, readEnum, readInteger, readMethod, readText, type Warn } from './attributes.js';
import { clip, expectEmpty, isBlank, textContent } from './content.js';
import { parseDial } from './parse-dial.js';
import {
  TwimlError,
  type GatherVerb,
  type HangupVerb,
  type PauseVerb,
  type PlayVerb,
  type PromptVerb,
  type RedirectVerb,
  type RejectVerb,
  type SayVerb,
  type TwimlDocument,
  type TwimlWarning,
  type UnsupportedVerb,
  type Verb,
} from './verbs.js';
import { parseRecord } from './parse-record.js';
import { parseEnqueue, parseLeave } from './parse-enqueue.js';
import { readXml, type XmlElement } from './xml.js';

/**
 * Parses a TwiML voice document into typed verbs, in document order.
 *
 * Follows Twilio's TwiML Voice docs (https://www.twilio.com/docs/voice/twiml; reference:
 * twiml-voice.md §1–3) and error dictionary (xml-and-errors.md §4b):
 * - not well-formed XML, or an empty body → TwimlError 12100;
 * - root element other than `<Response>` → TwimlError 12102;
 * - a break of TwiML's schema (an element that is not a TwiML verb, text directly under
 *   `<Response>`, a verb other than Say/Play/Pause inside `<Gather>`) → TwimlError 12200:
 *   the document is refused and none of it runs, as on Twilio;
 * - a real TwiML verb Switchboard does not run (`<Connect>`, `<Start>`, …) → an
 *   UnsupportedVerb: the verbs before it run, and reaching it ends the call with 12200;
 * - a bad attribute value → a warning with Twilio's code, and the attribute's default.
 * Names of elements and attributes are case-sensitive; unknown attributes are ignored.
 * Parsing never executes anything.
 */
export function parseTwiml(xml: string): TwimlDocument {
  const root = readXml(xml);
  if (root.name !== 'Response') {
    throw new TwimlError(12102, `The root element must be <Response>, not <${root.name}>`);
  }
  const warnings: TwimlWarning[] = [];
  const warn: Warn = (w) => warnings.push(w);
  const verbs: Verb[] = [];
  for (const child of root.children) {
    if (typeof child === 'string') {
      if (!isBlank(child)) throw new TwimlError(12200, `Text is not allowed directly inside <Response>: "${clip(child)}"`);
      continue;
    }
    const verb = parseVerb(child, warn);
    if (verb) verbs.push(verb);
  }
  return { verbs, warnings };
}

// ---- the vocabulary ---------------------------------------------------------------------------

/**
 * Reads one element; null when the verb is dropped with a warning (e.g. `<Say>` with no
 * text); an UnsupportedVerb when it is well-formed but cannot run (`<Dial>` mixing nouns, 13000).
 */
type Parser<V> = (el: XmlElement, warn: Warn) => V | UnsupportedVerb | null;
type PromptParser<V> = (el: XmlElement, warn: Warn) => V | null;
type Runnable = Exclude<Verb, UnsupportedVerb>;

/**
 * The TwiML vocabulary, in one place (twiml-voice.md §2). A verb Switchboard runs has its
 * parser here and its runner in `verbs/index.ts`; the `Verb` union makes both tables complete,
 * so adding a verb is one entry in each.
 */
const RUNNABLE: { [K in Runnable['kind']]: Parser<Extract<Runnable, { kind: K }>> } = {
  Say: (el, warn) => parseSay(el, warn, false),
  Play: parsePlay,
  Pause: parsePause,
  Redirect: parseRedirect,
  Hangup: parseHangup,
  Reject: parseReject,
  Gather: parseGather,
  Record: parseRecord,
  Dial: parseDial,
  Enqueue: parseEnqueue,
  Leave: parseLeave,
};

/** Real TwiML verbs Switchboard does not read at all yet: reaching one ends the call with 12200. */
const NOT_RUN = ['Connect', 'Start', 'Stop', 'Pay', 'Refer', 'Sms', 'Echo'];

/** Elements TwiML allows only inside a verb: at the top they break the schema. */
const NESTED_ONLY: Record<string, string> = {
  Number: 'Dial', Client: 'Dial', Sip: 'Dial', Conference: 'Dial', Queue: 'Dial', Prompt: 'Pay', Stream: 'Start', Parameter: 'Dial',
};

/** Verbs allowed inside `<Gather>` (13320 otherwise), read with Gather's own warning codes. */
const PROMPTS: { [K in PromptVerb['kind']]: PromptParser<Extract<PromptVerb, { kind: K }>> } = {
  Say: (el, warn) => parseSay(el, warn, true),
  Play: parsePlay,
  Pause: parsePause,
};

function parseVerb(el: XmlElement, warn: Warn): Verb | null {
  const name = el.name;
  if (Object.hasOwn(RUNNABLE, name)) return RUNNABLE[name as Runnable['kind']](el, warn);
  if (NOT_RUN.includes(name)) return notRun(name);
  throw new TwimlError(12200, notAVerb(name));
}

function notRun(name: string): UnsupportedVerb {
  return { kind: 'Unsupported', name, code: 12200, message: `<${name}> is not supported by Switchboard yet` };
}

function notAVerb(name: string): string {
  if (Object.hasOwn(NESTED_ONLY, name)) return `<${name}> is not a TwiML verb: it belongs inside <${NESTED_ONLY[name]}>`;
  const known = [...Object.keys(RUNNABLE), ...NOT_RUN];
  const near = known.find((v) => v.toLowerCase() === name.toLowerCase());
  // A common slip: `<say>`. Twilio's names are case-sensitive, so it is an error, but say why.
  return near ? `<${name}> is not a TwiML verb (names are case-sensitive: did you mean <${near}>?)` : `<${name}> is not a TwiML verb`;
}

// ---- <Say> ------------------------------------------------------------------------------------

/** SSML elements Twilio accepts inside `<Say>` (twiml-voice.md §2). */
const SSML = new Set(['break', 'emphasis', 'lang', 'p', 'phoneme', 'prosody', 's', 'say-as', 'sub', 'w']);
/** Twilio's `<Say>` length limits: 4096 characters, 3000 for Amazon Polly voices (error 13521). */
const SAY_LIMIT = 4096;
const SAY_LIMIT_POLLY = 3000;

/**
 * `<Say voice language loop>`. `nested` is true inside `<Gather>`, where Twilio reports a bad
 * loop as 13322 ("Gather->Say: Invalid loop value") instead of 13510.
 */
function parseSay(el: XmlElement, warn: Warn, nested: boolean): SayVerb | null {
  const voice = readText(el.attrs, 'voice', 'man');
  const language = readText(el.attrs, 'language', 'en');
  const loop = readInteger(el.attrs, { verb: 'Say', name: 'loop', code: nested ? 13322 : 13510, fallback: 1, min: 0 }, warn);
  const text = spokenText(el, warn);
  if (text === '') {
    warn({ code: 13520, message: '<Say> has no text to speak; skipped' });
    return null;
  }
  const limit = voice.startsWith('Polly.') ? SAY_LIMIT_POLLY : SAY_LIMIT;
  const length = [...text].length;
  if (length > limit) {
    // Dropped rather than truncated: speaking half a sentence is worse than a visible warning.
    warn({ code: 13521, message: `<Say> text is ${length} characters, over the ${limit}-character limit for voice "${voice}"; skipped` });
    return null;
  }
  return { kind: 'Say', text, voice, language, loop };
}

/** Marks an SSML element boundary while flattening; NUL cannot occur in decoded XML text. */
const BOUNDARY = '\u0000';

/**
 * The words of a `<Say>`: its text plus the text inside SSML children, in order, with XML
 * whitespace collapsed. An element boundary counts as a word break (the SDK writes
 * `<Say>Hi<emphasis>there</emphasis></Say>` with no spaces), except before punctuation, so that
 * `<emphasis>now</emphasis>!` reads "now!". `<sub alias>` contributes its text, not the alias.
 */
function spokenText(say: XmlElement, warn: Warn): string {
  const parts: string[] = [];
  const walk = (el: XmlElement): void => {
    for (const child of el.children) {
      if (typeof child === 'string') {
        parts.push(child);
        continue;
      }
      if (!SSML.has(child.name)) {
        warn({ code: 12200, message: `<${child.name}> is not an SSML element allowed in <Say>; its text is spoken` });
      }
      parts.push(BOUNDARY);
      walk(child);
      parts.push(BOUNDARY);
    }
  };
  walk(say);
  return parts
    .join('')
    .replace(/\u0000+(?=[ \t\r\n.,!?;:)]|$)/g, '')
    .replace(/(?<=^|[ \t\r\n(])\u0000+/g, '')
    .replace(/\u0000+/g, ' ')
    .replace(/[ \t\r\n]+/g, ' ')
    .trim();
}

// ---- <Play>, <Pause> ----------------------------------------------------------------------------

/** `<Play loop digits>url</Play>`: `w`/`W` is a half-second wait (Twilio `<Play digits>`). */
function parsePlay(el: XmlElement, warn: Warn): PlayVerb | null {
  const url = textContent(el, warn) || null;
  const loop = readInteger(el.attrs, { verb: 'Play', name: 'loop', code: 13410, fallback: 1, min: 0 }, warn);
  let digits = el.attrs.get('digits')?.trim() || null;
  if (digits !== null && !/^[0-9*#wW]+$/.test(digits)) {
    warn({ code: 13430, message: `<Play> digits="${digits}" is invalid (expected 0-9, *, # and w); digits ignored` });
    digits = null;
  }
  if (url === null && digits === null) {
    warn({ code: 12200, message: '<Play> has neither a URL nor digits; skipped' });
    return null;
  }
  return { kind: 'Play', url, digits, loop };
}

/** `<Pause length>`: Twilio requires an integer > 0 (13910). */
function parsePause(el: XmlElement, warn: Warn): PauseVerb {
  expectEmpty(el, warn);
  const lengthSec = readInteger(el.attrs, { verb: 'Pause', name: 'length', code: 13910, fallback: 1, min: 1 }, warn);
  return { kind: 'Pause', lengthSec };
}

// ---- <Redirect>, <Hangup>, <Reject> ---------------------------------------------------------------

/**
 * `<Redirect method>url</Redirect>`. An empty `<Redirect/>` re-requests the current document
 * (its URL resolves to the document's own, as an empty relative reference does: RFC 3986 §5.2),
 * which Twilio's IVR templates rely on to repeat a menu.
 */
function parseRedirect(el: XmlElement, warn: Warn): RedirectVerb {
  const url = textContent(el, warn);
  return { kind: 'Redirect', url, method: readMethod(el.attrs, 'Redirect', 13710, warn) };
}

/** `<Hangup>` has no attributes; `<Parameter>` children exist in twilio-node's model and are ignored. */
function parseHangup(el: XmlElement, warn: Warn): HangupVerb {
  expectEmpty(el, warn, ['Parameter']);
  return { kind: 'Hangup' };
}

/** `<Reject reason="rejected|busy">`, default `rejected`. */
function parseReject(el: XmlElement, warn: Warn): RejectVerb {
  expectEmpty(el, warn, ['Parameter']);
  const reason = readEnum(el.attrs, { verb: 'Reject', name: 'reason', code: 13810, fallback: 'rejected' as const }, ['busy', 'rejected'] as const, warn);
  return { kind: 'Reject', reason };
}

// ---- <Gather> --------------------------------------------------------------------------------------

/**
 * `<Gather>` (https://www.twilio.com/docs/voice/twiml/gather). Warning codes from Twilio's
 * dictionary: 13310 finishOnKey, 13312 method, 13313 timeout, 13314 numDigits, 13326 input,
 * 13327 speechTimeout, 13338 actionOnEmptyResult.
 */
function parseGather(el: XmlElement, warn: Warn): GatherVerb {
  const attrs = el.attrs;
  const timeoutSec = readInteger(attrs, { verb: 'Gather', name: 'timeout', code: 13313, fallback: 5, min: 1 }, warn);
  return {
    kind: 'Gather',
    action: readText(attrs, 'action', null),
    method: readMethod(attrs, 'Gather', 13312, warn),
    input: readInput(attrs.get('input'), warn),
    timeoutSec,
    finishOnKey: readFinishOnKey(attrs.get('finishOnKey'), warn),
    numDigits: readInteger(attrs, { verb: 'Gather', name: 'numDigits', code: 13314, fallback: null, min: 1 }, warn),
    actionOnEmptyResult: readBoolean(attrs, { verb: 'Gather', name: 'actionOnEmptyResult', code: 13338, fallback: false }, warn),
    speechTimeout: readSpeechTimeout(attrs, timeoutSec, warn),
    language: readText(attrs, 'language', 'en-US'),
    hints: readText(attrs, 'hints', null),
    prompts: readPrompts(el, warn),
  };
}

/** `input="dtmf"`, `"speech"` or `"dtmf speech"` (either order). */
function readInput(raw: string | undefined, warn: Warn): GatherVerb['input'] {
  if (raw === undefined) return { dtmf: true, speech: false };
  const words = raw.trim().toLowerCase().split(/[ \t\r\n]+/);
  if (words.every((w) => w === 'dtmf' || w === 'speech')) {
    return { dtmf: words.includes('dtmf'), speech: words.includes('speech') };
  }
  warn({ code: 13326, message: `<Gather> input="${raw}" is invalid (expected "dtmf", "speech" or "dtmf speech"); using "dtmf"` });
  return { dtmf: true, speech: false };
}

/** One key of `0-9 * #`, or '' to disable. Not trimmed: `" "` is a mistake, not "disabled". */
function readFinishOnKey(raw: string | undefined, warn: Warn): string {
  if (raw === undefined) return '#';
  if (/^[0-9*#]?$/.test(raw)) return raw;
  warn({ code: 13310, message: `<Gather> finishOnKey="${raw}" is invalid (expected one of 0-9, *, # or empty); using "#"` });
  return '#';
}

/** A positive integer or `auto`; defaults to the Gather's `timeout` (Twilio docs). */
function readSpeechTimeout(attrs: XmlElement['attrs'], timeoutSec: number, warn: Warn): number | 'auto' {
  if (attrs.get('speechTimeout')?.trim().toLowerCase() === 'auto') return 'auto';
  return readInteger(attrs, { verb: 'Gather', name: 'speechTimeout', code: 13327, fallback: timeoutSec, min: 1 }, warn);
}

/**
 * Nested `<Say>`/`<Play>`/`<Pause>`, in order, read with the top-level rules. Any other element
 * is Twilio's 13320 ("Gather: Invalid nested verb"); we end the call with 12200 rather than run
 * a Gather without the prompt or action the app wrote.
 */
function readPrompts(gather: XmlElement, warn: Warn): PromptVerb[] {
  const prompts: PromptVerb[] = [];
  for (const child of gather.children) {
    if (typeof child === 'string') {
      if (!isBlank(child)) warn({ code: 12200, message: `Text inside <Gather> is ignored: "${clip(child)}" (wrap it in <Say>)` });
      continue;
    }
    if (!Object.hasOwn(PROMPTS, child.name)) {
      const allowed = Object.keys(PROMPTS).map((k) => `<${k}>`).join(', ');
      throw new TwimlError(12200, `<${child.name}> cannot be nested in <Gather> (only ${allowed}; Twilio warning 13320)`);
    }
    const prompt: PromptVerb | null = PROMPTS[child.name as PromptVerb['kind']](child, warn);
    if (prompt) prompts.push(prompt);
  }
  return prompts;
}
