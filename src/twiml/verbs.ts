import type { ErrorCode } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { RecordingEvent } from '../domain/recording.js';
import type { ConferenceEvent } from '../domain/conference.js';

/**
 * Typed TwiML verbs, as produced by `parseTwiml`. Attribute names, defaults and limits follow
 * Twilio's TwiML docs (reference: twiml-voice.md §3). Times are in seconds, as written in TwiML.
 */
export type Verb = SayVerb | PlayVerb | PauseVerb | RedirectVerb | HangupVerb | RejectVerb | GatherVerb | RecordVerb | DialVerb | EnqueueVerb | LeaveVerb | UnsupportedVerb;

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

/** `<Redirect method>url</Redirect>`; `url` may be relative to the current document, or empty for the document itself. */
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
  /** `transcribe="true"`, or a non-empty `transcribeCallback` (which alone turns it on). */
  transcribe: boolean;
  /** Where the transcription is posted when done (relative to the document); null: nowhere. */
  transcribeCallback: string | null;
}

/** A problem found while reading a document: a warning (13xxx, 12200) the call survives. */
export interface TwimlWarning {
  code: ErrorCode;
  message: string;
}

export interface TwimlDocument {
  verbs: Verb[];
  warnings: TwimlWarning[];
}

/**
 * A document that cannot run: 12100 (not well-formed XML), 12102 (root is not `<Response>`),
 * 12200 (it breaks TwiML's schema: an element that is not a verb, text under `<Response>`, a
 * verb `<Gather>` cannot hold). No verb of it runs; the call ends, and the code is recorded
 * in the call's Notifications (xml-and-errors.md §4b). A real verb Switchboard does not run
 * is not this: it is an UnsupportedVerb, which fails only when reached.
 */
export class TwimlError extends Error {
  constructor(readonly code: ErrorCode & (12100 | 12102 | 12200), message: string) {
    super(message);
  }
}

/**
 * `<Dial>` (dial.md §1): connects the caller to up to ten nouns, rung at once or one by one.
 * Times in seconds. Attribute values are already checked: a bad one was warned about (13210–13220)
 * and replaced by its default.
 */
export interface DialVerb {
  kind: 'Dial';
  /** null: no action; the parent goes on with the next verb (dial.md §5). */
  action: string | null;
  method: HttpMethod;
  timeoutSec: number;
  timeLimitSec: number;
  /** null: the parent call's caller ID. */
  callerId: string | null;
  hangupOnStar: boolean;
  answerOnBridge: boolean;
  record: DialRecord;
  recordingStatusCallback: string | null;
  recordingStatusCallbackMethod: HttpMethod;
  recordingStatusCallbackEvents: RecordingEvent[];
  recordingTrack: 'inbound' | 'outbound' | 'both';
  trim: boolean;
  /** A country code from dial.md §1's list; null: the carrier's ringback. */
  ringTone: string | null;
  sequential: boolean;
  /**
   * Up to ten targets, or one Conference/Queue. Empty when every noun was dropped with a
   * warning (or there was none): the Dial then ends at once as `failed`, dialing nothing.
   */
  nouns: DialNoun[];
}

export type DialRecord =
  | 'do-not-record'
  | 'record-from-answer'
  | 'record-from-ringing'
  | 'record-from-answer-dual'
  | 'record-from-ringing-dual';

/** What every dialable noun (Number, Client, Sip) carries: the child leg's own webhooks. */
export interface DialTargetCommon {
  /** Whisper/screening TwiML run on the child after it answers, before the bridge (dial.md §4). */
  url: string | null;
  method: HttpMethod;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  /** The child's status-callback events; `completed` when a statusCallback names none. */
  statusCallbackEvents: ('initiated' | 'ringing' | 'answered' | 'completed')[];
}

/** `<Number>` or plain text: an E.164 number (normalised from national forms). */
export interface DialNumber extends DialTargetCommon {
  kind: 'Number';
  number: string;
  sendDigits: string | null;
}

/** `<Client>`: an identity, dialed as `client:identity`, with custom `<Parameter>`s. */
export interface DialClient extends DialTargetCommon {
  kind: 'Client';
  identity: string;
  parameters: Record<string, string>;
}

/** `<Sip>`: a SIP URI (headers may ride in its query), with optional digest credentials. */
export interface DialSip extends DialTargetCommon {
  kind: 'Sip';
  uri: string;
  username: string | null;
  password: string | null;
}

/** `<Queue url method>name</Queue>` in `<Dial>` (queues.md §4): take the queue's front caller. */
export interface DialRoom {
  kind: 'Queue';
  name: string;
  /** TwiML played to the dequeued caller before the bridge; may be relative. */
  url: string | null;
  method: HttpMethod;
}

/** `<Conference>` (conferences.md §2): the room name and this participant's and the room's attributes. */
export interface DialConference {
  kind: 'Conference';
  name: string;
  muted: boolean;
  beep: 'true' | 'false' | 'onEnter' | 'onExit';
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  /** null: the built-in hold music; '': silence. May be relative. */
  waitUrl: string | null;
  waitMethod: HttpMethod;
  maxParticipants: number;
  record: boolean;
  trim: boolean;
  coach: string | null;
  participantLabel: string | null;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  statusCallbackEvents: ConferenceEvent[];
  recordingStatusCallback: string | null;
  recordingStatusCallbackMethod: HttpMethod;
  recordingStatusCallbackEvents: RecordingEvent[];
  region: string | null;
}

export type DialTarget = DialNumber | DialClient | DialSip;
export type DialNoun = DialTarget | DialRoom | DialConference;

/**
 * A real TwiML verb Switchboard does not run (yet). Twilio runs a document up to the verb it
 * cannot execute, so the verbs before it are heard; reaching it fails the call with `code`:
 * 12200, or 13000 for a `<Dial>` that mixes a Conference/Queue with other nouns.
 */
export interface UnsupportedVerb {
  kind: 'Unsupported';
  name: string;
  code: 12200 | 13000;
  message: string;
}

/**
 * `<Enqueue>` (queues.md §2): puts the caller in the named queue of its account. `problem` is
 * an `<Enqueue>` that cannot queue anyone (no name, a name too long, TaskRouter's
 * `workflowSid`): it ends at once with `QueueResult=error` and that code in a Notification.
 */
export interface EnqueueVerb {
  kind: 'Enqueue';
  name: string;
  action: string | null;
  method: HttpMethod;
  /** null: the built-in hold music; '': silence. May be relative. */
  waitUrl: string | null;
  waitUrlMethod: HttpMethod;
  /** twilio-node's undocumented `maxQueueSize`: the size of a queue this verb creates (queues.md §2, unverified). */
  maxQueueSize: number | null;
  problem: { code: ErrorCode; message: string } | null;
}

/** `<Leave>` (queues.md §3): in a waitUrl document, takes the caller out of its queue. */
export interface LeaveVerb {
  kind: 'Leave';
}
