import type { Carrier, DialRequest, InboundHandler, InboundOffer, Leg, LegListener } from '../ports/carrier.js';
import type { Clock } from '../ports/clock.js';
import type { Tts } from '../ports/tts.js';
import { fetchAudioLength } from './audio-length.js';
import type { CallLog, HeardLog } from './call-log.js';
import { PHONE_ANSWERS, type PhoneBehaviour, type PhoneConfig } from './phone-config.js';
import { SimCall, type SimCallHost } from './sim-call.js';
import { SimTexts } from './sim-texts.js';
import type { FetchAudio } from './sim-media.js';

export interface SimNetworkOptions {
  /** Every ring, answer and audio length is timed on this clock. */
  clock: Clock;
  /** Learns how long `<Play>` audio lasts. Default: `fetchAudioLength` (GETs the URL). */
  fetchAudio?: FetchAudio;
  /**
   * Renders what simulated phones say into recordings (`<Record>`, `Record=true`). Without one,
   * a phone's speech is recorded as silence of the same length.
   */
  tts?: Tts;
  /** How many ended calls' heard logs to keep, oldest evicted first. Default 10,000. */
  keepEndedCalls?: number;
}

const DEFAULT_ANSWER_AFTER_MS = 1000;

/**
 * The built-in simulated phone network: a Carrier whose far ends are scripted phones, so voice
 * apps run offline, in CI, with no account or number (design.md). The test side configures
 * phones, places inbound calls, presses keys, speaks and hangs up by call SID, and reads back
 * what each far end heard.
 *
 * Per live call it holds one SimCall, one SimMedia and one CallLog; the ended-call logs it keeps
 * hold no reference to the session.
 */
export class SimNetwork implements Carrier {
  private readonly phones = new Map<string, PhoneBehaviour>();
  private readonly live = new Map<string, SimCall>();
  private readonly ended = new Map<string, CallLog>();
  private readonly keepEndedCalls: number;
  private inboundHandler: InboundHandler | undefined;
  /** Shared by every call: the network side they need, without a closure per call. */
  private readonly host: NetworkHost;
  /** The phones' texts: their `sms` scripts and inboxes (the MessageCarrier adapter). */
  readonly texts = new SimTexts();

  constructor(options: SimNetworkOptions) {
    this.keepEndedCalls = options.keepEndedCalls ?? 10_000;
    if (!(this.keepEndedCalls >= 0)) throw new RangeError('keepEndedCalls must be >= 0');
    this.host = {
      clock: options.clock,
      tts: options.tts,
      fetchAudio: options.fetchAudio ?? fetchAudioLength,
      retire: (call) => this.retire(call),
      register: (call) => this.register(call),
    };
  }

  /**
   * Scripts the phone at `number` for calls dialled from now on. Any name a call can be dialled
   * to is a phone: an E.164 number or a client identity such as `client:alice` (issue 7).
   */
  configurePhone(number: string, config: PhoneConfig): void {
    if (!PHONE_ANSWERS.includes(config.answer)) throw new RangeError(`answer must be one of ${PHONE_ANSWERS.join(', ')}, not "${config.answer}"`);
    const answerAfterMs = config.answerAfterMs ?? DEFAULT_ANSWER_AFTER_MS;
    if (!Number.isFinite(answerAfterMs) || answerAfterMs < 0) throw new RangeError('answerAfterMs must be a finite number >= 0');
    if (config.sms !== undefined) this.texts.configure(number, config.sms);
    this.phones.set(number, { answer: config.answer, answerAfterMs });
  }

  /** How the phone at `number` behaves; a number never configured answers after one ring. */
  phone(number: string): PhoneBehaviour {
    return { ...(this.phones.get(number) ?? { answer: 'answer', answerAfterMs: DEFAULT_ANSWER_AFTER_MS }) };
  }

  /** Number of calls not yet ended. */
  get liveCalls(): number {
    return this.live.size;
  }

  dial(request: DialRequest, listener: LegListener): Leg {
    const call = new SimCall(this.host, request.callSid, request.to, 'outbound', listener);
    this.register(call);
    // The phone's script is fixed at dial time; it starts on a microtask so that no event
    // reaches the listener before dial() has returned the leg.
    const phone = this.phone(request.to);
    queueMicrotask(() => call.start(phone, request.ringTimeoutMs));
    return call;
  }

  onInbound(handler: InboundHandler): void {
    this.inboundHandler = handler;
  }

  /**
   * A phone at `from` calls `to`: the inbound handler gets an offer and attaches a session to
   * it. Resolves with the call SID the handler returned; the handler's error propagates, and a
   * leg attached before it failed is dropped silently.
   */
  async placeInbound(from: string, to: string): Promise<string> {
    const handler = this.inboundHandler;
    if (!handler) throw new Error('SimNetwork has no inbound handler: call onInbound() first');
    const offer = new SimOffer(this.host, from, to);
    try {
      return await handler(offer);
    } catch (err) {
      offer.leg?.hangup();
      throw err;
    }
  }

  /** The far end presses DTMF keys. False when the call is unknown or not answered. */
  pressDigits(callSid: string, digits: string): boolean {
    if (!/^[0-9*#A-D]+$/.test(digits)) throw new RangeError(`Invalid DTMF digits "${digits}": use 0-9 * # A-D`);
    return this.live.get(callSid)?.farEndDigits(digits) ?? false;
  }

  /**
   * The far end says `text` (one finished utterance). The simulated recogniser hears exactly
   * what the script says, so `confidence` defaults to 1; a test may lower it to exercise an
   * app's handling of doubtful results. False when the call is unknown or not answered.
   */
  speak(callSid: string, text: string, confidence = 1): boolean {
    if (!(confidence >= 0 && confidence <= 1)) throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);
    return this.live.get(callSid)?.farEndSpeech(text, confidence) ?? false;
  }

  /**
   * The far end hangs up: `remote-hangup` for an answered call or an inbound call still
   * ringing; an outbound call declined while ringing ends `busy`. False when unknown or ended.
   */
  hangup(callSid: string): boolean {
    return this.live.get(callSid)?.farEndHangup() ?? false;
  }

  /** What the far end of a live or recently ended call heard, oldest first; undefined when unknown. */
  heard(callSid: string): HeardLog | undefined {
    return (this.live.get(callSid)?.log ?? this.ended.get(callSid))?.view();
  }

  /** A SID may only be live once: a clash is a bug in the caller, so it throws. */
  private register(call: SimCall): void {
    if (this.live.has(call.callSid)) throw new Error(`Call ${call.callSid} is already live on the simulated network`);
    this.live.set(call.callSid, call);
  }

  private retire(call: SimCall): void {
    this.live.delete(call.callSid);
    // Delete first so a re-used SID moves to the young end of the eviction order.
    this.ended.delete(call.callSid);
    this.ended.set(call.callSid, call.log);
    while (this.ended.size > this.keepEndedCalls) {
      this.ended.delete(this.ended.keys().next().value as string);
    }
  }
}

/** What an offer needs from the network: the call host, plus adding its leg to the live set. */
interface NetworkHost extends SimCallHost {
  register(call: SimCall): void;
}

/** An inbound call offered to the core; `attach` creates its leg, which starts ringing. */
class SimOffer implements InboundOffer {
  leg: SimCall | undefined;

  constructor(
    private readonly host: NetworkHost,
    readonly from: string,
    readonly to: string,
  ) {}

  attach(callSid: string, listener: LegListener): Leg {
    if (this.leg) throw new Error('This inbound offer is already attached');
    const leg = new SimCall(this.host, callSid, this.from, 'inbound', listener);
    this.host.register(leg);
    this.leg = leg;
    return leg;
  }
}
