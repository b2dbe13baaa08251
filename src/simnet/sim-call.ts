import type { LegEndReason, LegListener, Leg } from '../ports/carrier.js';
import type { Clock, Timer } from '../ports/clock.js';
import type { Tts } from '../ports/tts.js';
import type { PhoneConfig } from './sim-network.js';
import { SimMedia } from './sim-media.js';

/** What the far end heard, one entry per piece of audio, appended when the audio starts. */
export interface HeardEntry {
  /** When the audio started, ISO 8601 (from the network's Clock). */
  at: string;
  /** `beep`: the 1 kHz tone `<Record>` plays before it records. */
  kind: 'say' | 'play' | 'pause' | 'tone' | 'silence' | 'beep';
  /** `say`: the words; `tone`: the keys of one run of DTMF. */
  text?: string;
  /** `play`: the audio URL. */
  url?: string;
  /** How long the audio lasts, in call-time ms. */
  ms?: number;
}

/** A call's heard log as `SimNetwork.heard()` returns it. */
export interface HeardLog {
  callSid: string;
  /** The far-end phone: the To of an outbound call, the From of an inbound one. */
  number: string;
  heard: HeardEntry[];
  /** Present only when the per-call cap dropped the oldest entries: how many. */
  dropped?: number;
}

/** Length of audio, as SimNetwork's `fetchAudio` option reports it. */
export type FetchAudio = (url: string, signal: AbortSignal) => Promise<{ ms: number }>;

/**
 * A call loops forever when a document redirects to itself, so each log keeps only its most
 * recent entries: 1000 entries is minutes of audio and stays well inside the per-call budget.
 */
const MAX_ENTRIES_PER_CALL = 1000;

/**
 * The heard log of one call. Entries keep `at` as epoch ms and are rendered to ISO strings only
 * when read, so a live call carries numbers, not strings, and `text`/`url` share the strings
 * the TwiML document already holds.
 */
export class CallLog {
  private readonly entries: Array<{ at: number; kind: HeardEntry['kind']; text?: string; url?: string; ms: number }> = [];
  private dropped = 0;

  constructor(
    readonly callSid: string,
    readonly number: string,
  ) {}

  add(at: number, kind: HeardEntry['kind'], ms: number, text?: string, url?: string): void {
    if (this.entries.length >= MAX_ENTRIES_PER_CALL) {
      this.entries.shift();
      this.dropped++;
    }
    this.entries.push(text !== undefined ? { at, kind, text, ms } : url !== undefined ? { at, kind, url, ms } : { at, kind, ms });
  }

  view(): HeardLog {
    const heard = this.entries.map(({ at, ...rest }) => ({ at: new Date(at).toISOString(), ...rest }));
    const log: HeardLog = { callSid: this.callSid, number: this.number, heard };
    if (this.dropped > 0) log.dropped = this.dropped;
    return log;
  }
}

/** The network side of a SimCall: one object shared by every call, not a closure per call. */
export interface SimCallHost {
  readonly clock: Clock;
  /** Renders what the phone says into recordings; without one, its speech records as silence. */
  readonly tts?: Tts;
  readonly fetchAudio: FetchAudio;
  /** Called once when a call ends, to move its log from the live set to the ended set. */
  retire(call: SimCall): void;
}

/** A far-end phone's behaviour for one outbound call (see `SimNetwork.configurePhone`). */
export type PhoneBehaviour = Required<PhoneConfig>;

/**
 * `dialing` exists so that an outbound call reports nothing inside `dial()`: its first event
 * comes from a microtask (carrier contract).
 */
export type SimCallState = 'dialing' | 'ringing' | 'answered' | 'ended';

/**
 * One simulated call leg: the Leg the session drives, and the far end the network scripts.
 * The lifecycle is one guarded path into `end()`, so every stop is idempotent and the listener
 * never hears from the call after it ended.
 */
export class SimCall implements Leg {
  readonly media: SimMedia;
  readonly log: CallLog;
  private stateValue: SimCallState;
  private listener: LegListener | undefined;
  /** The one pending call-progress timer: answer or ring timeout. */
  private timer: Timer | undefined;

  constructor(
    readonly host: SimCallHost,
    readonly callSid: string,
    farEndNumber: string,
    readonly direction: 'outbound' | 'inbound',
    listener: LegListener,
  ) {
    this.log = new CallLog(callSid, farEndNumber);
    this.listener = listener;
    // An inbound call has already rung through to us; an outbound one has not started yet.
    this.stateValue = direction === 'inbound' ? 'ringing' : 'dialing';
    this.media = new SimMedia(this);
  }

  get state(): SimCallState {
    return this.stateValue;
  }

  /** Outbound: the far-end phone reacts to the dial. Runs after `dial()` returned. */
  start(phone: PhoneBehaviour, ringTimeoutMs: number): void {
    if (this.stateValue !== 'dialing') return;
    if (phone.answer === 'busy') return this.end('busy');
    if (phone.answer === 'fail') return this.end('failed');
    this.stateValue = 'ringing';
    // The timer is armed before ringing() so that a hangup from inside ringing() cancels it.
    if (phone.answer === 'answer' && phone.answerAfterMs <= ringTimeoutMs) {
      this.timer = this.host.clock.setTimer(phone.answerAfterMs, () => this.farEndAnswered());
    } else {
      this.timer = this.host.clock.setTimer(ringTimeoutMs, () => this.end('no-answer'));
    }
    this.listener?.ringing();
  }

  answer(): void {
    // Only an inbound call is ours to answer; the session set the status itself, so no callback.
    if (this.direction !== 'inbound' || this.stateValue !== 'ringing') return;
    this.stateValue = 'answered';
  }

  /** The reason (busy or rejected) only changes the tone a caller hears, which simnet does not model. */
  reject(): void {
    // <Reject> only applies before answer (twiml-voice.md); afterwards it is a no-op.
    if (this.direction !== 'inbound' || this.stateValue !== 'ringing') return;
    this.end();
  }

  hangup(): void {
    // Cancel while dialing/ringing, BYE once answered: either way the session knows, so silent.
    this.end();
  }

  /** The far end presses keys. False unless the call is answered. */
  farEndDigits(digits: string): boolean {
    if (this.stateValue !== 'answered') return false;
    this.listener?.digits(digits);
    // After the listener: a key that ends a <Record> (finishOnKey) is not part of the recording.
    this.media.farEndPressed(digits);
    return true;
  }

  /** The far end says an utterance. False unless the call is answered. */
  farEndSpeech(text: string, confidence: number): boolean {
    if (this.stateValue !== 'answered') return false;
    this.media.farEndSpoke(text);
    this.listener?.speech(text, confidence);
    return true;
  }

  /**
   * The far end hangs up: `remote-hangup` for an answered call or a ringing inbound one; an
   * outbound call declined while ringing ends `busy`, as a SIP 486/603 would.
   */
  farEndHangup(): boolean {
    if (this.stateValue === 'ended') return false;
    const declined = this.direction === 'outbound' && this.stateValue !== 'answered';
    this.end(declined ? 'busy' : 'remote-hangup');
    return true;
  }

  private farEndAnswered(): void {
    if (this.stateValue !== 'ringing') return;
    this.timer = undefined;
    this.stateValue = 'answered';
    this.listener?.answered();
  }

  /**
   * The one way a call stops; `reason` is given when the listener must hear of it (the far end
   * or the network ended the call). State first, listener last, so re-entrant calls see `ended`.
   */
  private end(reason?: LegEndReason): void {
    if (this.stateValue === 'ended') return;
    this.stateValue = 'ended';
    this.timer?.cancel();
    this.timer = undefined;
    const listener = this.listener;
    this.listener = undefined; // drop the session reference so the kept log does not pin it
    this.host.retire(this);
    this.media.close();
    if (reason !== undefined) listener?.ended(reason);
  }
}
