import type { HttpMethod } from '../domain/call.js';
import type { RecordingEvent } from '../domain/recording.js';

/**
 * Typed TwiML verbs, as produced by `parseTwiml`. Attribute names, defaults and limits follow
 * Twilio's TwiML docs (reference: twiml-voice.md §3). Times are in seconds, as written in TwiML.
 */
export type Verb = SayVerb | PlayVerb | PauseVerb | RedirectVerb | HangupVerb | RejectVerb | GatherVerb | RecordVerb;

/** Verbs allowed inside `<Gather>` (error 13320 otherwise). */
export type PromptVerb = SayVerb | PlayVerb | PauseVerb;

/** `<Say voice language loop>text</Say>`; loop 0 means "until hangup". */
export interface SayVerb {
  kind: 'Say';
  text: string;
  voice: string;
  language: string;
  loop: number;
}

/** `<Play loop digits>url</Play>`: an audio URL, or DTMF tones when `digits` is set. */
export interface PlayVerb {
  kind: 'Play';
  url: string | null;
  digits: string | null;
  loop: number;
}

/** `<Pause length>` (default 1 s). */
export interface PauseVerb {
  kind: 'Pause';
  lengthSec: number;
}

/** `<Redirect method>url</Redirect>`; `url` may be relative to the current document. */
export interface RedirectVerb {
  kind: 'Redirect';
  url: string;
  method: HttpMethod;
}

export interface HangupVerb {
  kind: 'Hangup';
}

/** `<Reject reason>`: default `rejected`. */
export interface RejectVerb {
  kind: 'Reject';
  reason: 'busy' | 'rejected';
}

/** `<Gather>`: collects DTMF and/or speech, with nested Say/Play/Pause prompts. */
export interface GatherVerb {
  kind: 'Gather';
  /** null: the current document URL (Twilio's default). */
  action: string | null;
  method: HttpMethod;
  input: { dtmf: boolean; speech: boolean };
  timeoutSec: number;
  /** One of `0-9 * #`, or '' when disabled. */
  finishOnKey: string;
  numDigits: number | null;
  actionOnEmptyResult: boolean;
  /** Seconds of silence that end speech input; 'auto' ends at the end of the utterance. */
  speechTimeout: number | 'auto';
  language: string;
  hints: string | null;
  prompts: PromptVerb[];
}

/** `<Record>`: records the caller (https://www.twilio.com/docs/voice/twiml/record). */
export interface RecordVerb {
  kind: 'Record';
  /** null: the current document URL (Twilio's default). */
  action: string | null;
  method: HttpMethod;
  /** Seconds of silence that end the recording; 0 disables. */
  timeoutSec: number;
  /** Keys that end the recording; '' when none does. */
  finishOnKey: string;
  maxLengthSec: number;
  playBeep: boolean;
  trim: boolean;
  recordingStatusCallback: string | null;
  recordingStatusCallbackMethod: HttpMethod;
  recordingStatusCallbackEvents: RecordingEvent[];
}

/** A problem found while reading a document: a warning (13xxx, 12200) the call survives. */
export interface TwimlWarning {
  code: number;
  message: string;
}

export interface TwimlDocument {
  verbs: Verb[];
  warnings: TwimlWarning[];
}

/**
 * A document that cannot run: 12100 (not well-formed XML), 12102 (root is not `<Response>`),
 * 12200 (an element Switchboard cannot execute). The call ends, and the code is recorded in
 * the call's Notifications (xml-and-errors.md §4b).
 */
export class TwimlError extends Error {
  constructor(readonly code: 12100 | 12102 | 12200, message: string) {
    super(message);
  }
}
