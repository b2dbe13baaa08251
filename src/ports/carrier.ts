import type { LegEndReason } from '../domain/call-command.js';
import type { ErrorCode } from '../domain/errors.js';

export type { LegEndReason };

/**
 * The Carrier port: how calls reach phones. Adapters: `simnet` (the built-in simulated phone
 * network) and `sip` (the SIP edge: RFC 3261 over UDP, RTP media). The session drives a Leg;
 * the carrier reports progress through a LegListener.
 */
export interface Carrier {
  /** Starts an outbound call. Progress arrives on `listener`; the returned leg controls it. */
  dial(request: DialRequest, listener: LegListener): Leg;
  /** Registers the core's handler for calls arriving from the network. */
  onInbound(handler: InboundHandler): void;
}

export interface DialRequest {
  callSid: string;
  to: string;
  from: string;
  /** How long to ring before giving up with `no-answer`, in call-time ms. */
  ringTimeoutMs: number;
  /** Digest credentials for this call (`SipAuthUsername`/`SipAuthPassword`, calls-api.md §3). */
  sipAuth?: { username: string; password: string };
  /**
   * The live call this leg will be bridged to (a `<Dial>` child's parent). A carrier may place
   * the new leg beside it (SIP: the same media worker, so RTP is relayed without a hop).
   */
  nearCallSid?: string;
}

export interface LegListener {
  ringing(): void;
  answered(): void;
  /**
   * The far end or the network ended the leg. `sipResponseCode` is the final SIP response that
   * decided it, when there was one (webhooks.md §2 `SipResponseCode`).
   */
  ended(reason: LegEndReason, sipResponseCode?: number): void;
  /** DTMF pressed by the far end (one or more keys). */
  digits(digits: string): void;
  /** A finished speech utterance from the far end, with the recogniser's confidence (0–1). */
  speech(text: string, confidence: number): void;
  /**
   * A problem the carrier met that the app should see as a Notification (Twilio code): a
   * warning (log 1) unless `level` says it is an error (0), as Twilio files 32009.
   */
  notice(code: ErrorCode, message: string, level?: 0 | 1): void;
}

export interface Leg {
  readonly media: Media;
  /** A SIP leg's INVITE Call-ID; absent for other carriers. */
  readonly sipCallId?: string;
  /** A SIP leg's `X-` headers of the final response to its INVITE; absent for other carriers. */
  readonly sipFinalHeaders?: Readonly<Record<string, string>>;
  /** Answers an inbound call. Idempotent. */
  answer(): void;
  /** Refuses an inbound call that has not been answered (`<Reject>`). */
  reject(reason: 'busy' | 'rejected'): void;
  /** Ends the leg from our side: cancels it while ringing, hangs up once answered. Idempotent. */
  hangup(): void;
}

/** A call arriving from the network, offered to the core. */
export interface InboundOffer {
  to: string;
  from: string;
  /** Connects the core's session to the arriving leg. */
  attach(callSid: string, listener: LegListener): Leg;
}

/** Returns the new call's SID, or throws a TwilioError when the call cannot be taken. */
export type InboundHandler = (offer: InboundOffer) => Promise<string>;

export interface SayOptions {
  voice: string;
  language: string;
}

/**
 * The Media port: what the far end hears. Each method resolves when the audio has finished
 * and rejects with the signal's reason as soon as the signal aborts (a redirect or hangup
 * stops audio at once: call-lifecycle.md §4).
 */
export interface Media {
  say(text: string, options: SayOptions, signal: AbortSignal): Promise<void>;
  play(url: string, signal: AbortSignal): Promise<void>;
  /** DTMF tones: `0-9 * # A-D`, `w` = 0.5 s pause, `W` = 1 s pause. */
  playDigits(digits: string, signal: AbortSignal): Promise<void>;
  pause(ms: number, signal: AbortSignal): Promise<void>;
  /**
   * Whether something listens for the caller's keys (a `<Gather>` or a `finishOnKey`). A carrier
   * may use it to run costly in-band tone detection only while it matters.
   */
  listening(on: boolean): void;
  /**
   * Records what the far end sends into a WAV file at `request.path` (8 kHz mono signed 16-bit
   * PCM; the directory exists) for `<Record>`. Resolves once the file is complete, with why it
   * ended: `finished` (`request.stop` aborted: a finishOnKey), `silence` (`silenceTimeoutMs` of
   * silence), `max-length`, or `hangup` (the leg ended). When `signal` aborts (a redirect, or
   * the core ending the call), recording stops and the promise rejects with the signal's reason
   * once the file written so far is complete.
   */
  record(request: RecordRequest, signal: AbortSignal): Promise<RecordResult>;
  /**
   * Starts recording the whole call, both directions mixed, into a WAV file at `path` (same
   * format as `record`), for `Record=true`. It runs until `stop()` or the leg ends; `stop()` is
   * idempotent and resolves once the file is complete.
   */
  startCallRecording(path: string): CallRecording;
  /**
   * Joins this leg's audio with `other`'s, both ways, when this carrier can do it natively (two
   * SIP legs: RTP relayed in one media worker; two simulated legs: at log level). Returns null
   * when it cannot; `bridgeMedia` (ports/media-join.ts) then links the legs through tap/feed.
   */
  join(other: Media): MediaJoin | null;
  /**
   * Hands what the far end sends to `sink` until the tap is closed: 20 ms audio frames from a
   * leg that carries audio, words and keys from a simulated phone.
   */
  tap(sink: (signal: FarEndSignal) => void): MediaJoin;
  /**
   * Plays `signal`, sent by the far end of call `fromCallSid`, to this leg's far end without
   * waiting for it (a bridge's audio path between legs of different kinds).
   */
  feed(signal: FarEndSignal, fromCallSid: string): void;
  /**
   * Ringback to this leg's far end while a dialed leg rings (dial.md §3.5), until closed.
   * `tone` is a `<Dial ringTone>` country code; null is the default (US) cadence.
   */
  ringback(tone: string | null): MediaJoin;
}

/** Something a far end sent, in the form a bridge carries it to a leg of another kind. */
export type FarEndSignal =
  | { kind: 'speech'; text: string }
  | { kind: 'digits'; digits: string }
  /** 8 kHz signed 16-bit PCM, usually one 20 ms frame. */
  | { kind: 'audio'; pcm: Int16Array };

/** A running media link (a join, a tap, ringback). */
export interface MediaJoin {
  /** Stops it. Idempotent. */
  close(): void;
}

export interface RecordRequest {
  path: string;
  /** The recording ends after this long, in call-time ms. */
  maxLengthMs: number;
  /** This much silence from the far end ends the recording, in call-time ms; 0 never does. */
  silenceTimeoutMs: number;
  /** Aborted to end the recording and keep it (a finishOnKey was pressed). */
  stop: AbortSignal;
  /** Play a beep (500 ms of 1 kHz) first; recording starts when it ends. */
  beep: boolean;
}

export interface RecordResult {
  /** Length of the audio written, in call-time ms (the file holds 8 samples per ms). */
  durationMs: number;
  reason: 'finished' | 'silence' | 'max-length' | 'hangup';
  /**
   * What the far end said during the recording, when the carrier knows its words (a simulated
   * phone): what its transcription is. Undefined when only the audio is known.
   */
  spoken?: string[];
}

export interface CallRecording {
  stop(): Promise<{ durationMs: number }>;
}
