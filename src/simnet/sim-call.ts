import type { LegEndReason, LegListener, Leg } from '../ports/carrier.js';
import type { Timer } from '../ports/clock.js';
import { legIsUp, LegLifecycle, type LegState } from '../ports/leg-state.js';
import { CallLog } from './call-log.js';
import type { PhoneBehaviour } from './phone-config.js';
import { SimMedia, type SimMediaNetwork } from './sim-media.js';

/** The network side of a SimCall: one object shared by every call, not a closure per call. */
export interface SimCallHost extends SimMediaNetwork {
  /** Called once when a call ends, to move its log from the live set to the ended set. */
  retire(call: SimCall): void;
}

/**
 * One simulated call leg: the Leg the session drives, and the far end the network scripts.
 * Its state moves only through a LegLifecycle (ports/leg-state.ts): `dialing` exists so that an
 * outbound call reports nothing inside `dial()` (its first event comes from a microtask,
 * carrier contract); `bridged` while its media is joined to another simulated leg. Every stop
 * goes through `end()`, so each is idempotent and the listener never hears from the call after
 * it ended.
 */
export class SimCall implements Leg {
  readonly media: SimMedia;
  readonly log: CallLog;
  readonly lifecycle: LegLifecycle;
  private listener: LegListener | undefined;
  /** The one pending call-progress timer: answer or ring timeout. */
  private timer: Timer | undefined;

  constructor(
    readonly network: SimCallHost,
    readonly callSid: string,
    farEndNumber: string,
    readonly direction: 'outbound' | 'inbound',
    listener: LegListener,
  ) {
    this.log = new CallLog(callSid, farEndNumber);
    this.listener = listener;
    // An inbound call has already rung through to us; an outbound one has not started yet.
    this.lifecycle = new LegLifecycle(direction === 'inbound' ? 'ringing' : 'dialing');
    this.media = new SimMedia(this);
  }

  get state(): LegState {
    return this.lifecycle.state;
  }

  /** Outbound: the far-end phone reacts to the dial. Runs after `dial()` returned. */
  start(phone: PhoneBehaviour, ringTimeoutMs: number): void {
    if (this.state !== 'dialing') return;
    if (phone.answer === 'busy') return this.end('busy');
    if (phone.answer === 'fail') return this.end('failed');
    this.lifecycle.to('ringing');
    // The timer is armed before ringing() so that a hangup from inside ringing() cancels it.
    if (phone.answer === 'answer' && phone.answerAfterMs <= ringTimeoutMs) {
      this.timer = this.network.clock.setTimer(phone.answerAfterMs, () => this.farEndAnswered());
    } else {
      this.timer = this.network.clock.setTimer(ringTimeoutMs, () => this.end('no-answer'));
    }
    this.listener?.ringing();
  }

  answer(): void {
    // Only an inbound call is ours to answer; the session set the status itself, so no callback.
    if (this.direction !== 'inbound' || this.state !== 'ringing') return;
    this.lifecycle.to('answered');
  }

  /** The reason (busy or rejected) only changes the tone a caller hears, which simnet does not model. */
  reject(): void {
    // <Reject> only applies before answer (twiml-voice.md); afterwards it is a no-op.
    if (this.direction !== 'inbound' || this.state !== 'ringing') return;
    this.end();
  }

  hangup(): void {
    // Cancel while dialing/ringing, BYE once answered: either way the session knows, so silent.
    this.end();
  }

  /**
   * The far end presses keys. False unless the call is up. Bridged, the keys still reach the
   * listener too: the parent's session watches for `hangupOnStar` (dial.md).
   */
  farEndDigits(digits: string): boolean {
    if (!this.isUp()) return false;
    this.listener?.digits(digits);
    // After the listener: a key that ends a <Record> (finishOnKey) is not part of the recording.
    this.media.farEndPressed(digits);
    return true;
  }

  /** The far end says an utterance. False unless the call is up. */
  farEndSpeech(text: string, confidence: number): boolean {
    if (!this.isUp()) return false;
    this.media.farEndSpoke(text);
    this.listener?.speech(text, confidence);
    return true;
  }

  /**
   * The far end hangs up: `remote-hangup` for an answered call or a ringing inbound one; an
   * outbound call declined while ringing ends `busy`, as a SIP 486/603 would.
   */
  farEndHangup(): boolean {
    if (this.state === 'ended') return false;
    const declined = this.direction === 'outbound' && !this.isUp();
    this.end(declined ? 'busy' : 'remote-hangup');
    return true;
  }

  private isUp(): boolean {
    return legIsUp(this.state);
  }

  private farEndAnswered(): void {
    if (this.state !== 'ringing') return;
    this.timer = undefined;
    this.lifecycle.to('answered');
    this.listener?.answered();
  }

  /**
   * The one way a call stops; `reason` is given when the listener must hear of it (the far end
   * or the network ended the call). State first, listener last, so re-entrant calls see `ended`.
   */
  private end(reason?: LegEndReason): void {
    if (!this.lifecycle.tryTo('ended')) return;
    this.timer?.cancel();
    this.timer = undefined;
    const listener = this.listener;
    this.listener = undefined; // drop the session reference so the kept log does not pin it
    this.network.retire(this);
    this.media.close();
    if (reason !== undefined) listener?.ended(reason);
  }
}
