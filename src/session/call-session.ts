import type { CallCommand, CallUpdate, LegEndReason } from '../domain/call-command.js';
import { canTransition, InvalidTransition, isTerminal, type CallEvent, type CallStatus } from '../domain/call-status.js';
import type { CallConfig, CallRecord } from '../domain/call.js';
import { newSid } from '../domain/sid.js';
import { INTERNAL_FAILURE, TwilioError, type ErrorCode } from '../domain/errors.js';
import type { Carrier, Leg, LegListener } from '../ports/carrier.js';
import type { CallEvents } from '../ports/call-events.js';
import type { Clock, Timer } from '../ports/clock.js';
import type { NewCallback, Store } from '../ports/store.js';
import type { TwimlFetcher } from '../ports/twiml-fetcher.js';
import type { Recordings } from '../recordings/recordings.js';
import type { MediaAssets } from '../ports/media-assets.js';
import type { ConferenceRooms } from '../verbs/conference-rooms.js';
import type { CallQueues } from '../verbs/call-queues.js';
import { CallInput } from '../verbs/call-input.js';
import { CallEnded, type ChildCalls, type SipOutcome } from '../verbs/verb-context.js';
import type { ChildLink } from './child-link.js';
import { runProgram, type DocumentSource, type NotificationInput, type ProgramEnd, type ProgramEnv } from './document-runner.js';
import { Mailbox } from './mailbox.js';
import { statusCallbackParams } from './webhook-params.js';
import { WholeCallRecording } from './whole-call-recording.js';

export interface SessionDeps {
  store: Store;
  clock: Clock;
  carrier: Carrier;
  fetcher: TwimlFetcher;
  events: CallEvents;
  /** Recordings of calls (`<Record>`, `Record=true`, `<Dial record>`). */
  recordings: Recordings;
  /** The built-in hold music and beep (wait documents). */
  assets: MediaAssets;
  /** Conference rooms (`<Dial><Conference>`); absent on a server without them. */
  conferences?: ConferenceRooms;
  /** Call queues (`<Enqueue>`, `<Dial><Queue>`); absent on a server without them. */
  queues?: CallQueues;
  /** Told when callbacks were queued, so the durable outbox delivers them. */
  outbox: { kick(): void };
  log: { error(obj: object, msg: string): void };
  /** Places the child calls of `parent`'s `<Dial>` (calls/ owns the registry of calls). */
  childCalls(parent: CallSession): ChildCalls;
  /** Called once, after the call reached a terminal status and was saved. */
  released(session: CallSession): void;
}

/** Messages only the session itself (or its carrier leg) sends; not part of the public command set. */
type Internal =
  | { type: 'attach'; leg: Leg }
  | { type: 'answer' }
  | { type: 'time-limit' }
  | { type: 'program-ended'; generation: number; end: ProgramEnd | { type: 'failed'; error: unknown } };

type Message = CallCommand | Internal;

/**
 * One live call: a mailbox whose handler is the only code that changes the call's status
 * (design.md: "one mailbox per call", "one guarded status transition"). Commands (REST updates,
 * carrier progress) and the program's results all arrive here as messages, one at a time.
 *
 * A session runs a program on its call: the call's TwiML documents; or, for a `<Dial>` child,
 * its noun's whisper document and then nothing while it is bridged to its parent (the parent's
 * `<Dial>` holds the bridge), until it ends or a REST update gives it TwiML of its own.
 */
export class CallSession implements LegListener {
  private record: CallRecord;
  private readonly mailbox = new Mailbox<Message>((message) => this.handle(message));
  /** Keys reach a verb only while it listens; the carrier hears when that starts and stops. */
  private readonly input = new CallInput((on) => this.leg?.media.listening(on));
  /** The final SIP response the carrier reported for the leg's end, if any. */
  private sipResponseCode: number | undefined;
  private leg: Leg | null = null;
  private program: AbortController | null = null;
  private generation = 0;
  private timeLimit: Timer | null = null;
  private callRecording: WholeCallRecording | null = null;
  /** Set on a `<Dial>` child: its tie to the parent's dial. */
  private child: ChildLink | null = null;

  constructor(private readonly deps: SessionDeps, call: CallRecord, private readonly authToken: string) {
    this.record = call;
  }

  get sid(): string {
    return this.record.sid;
  }

  /** The call as it is now (an immutable snapshot: every change replaces the record). */
  /** Which carrier holds the call's leg (`sip` or `sim`), or null before it has one. */
  carrier(): 'sip' | 'sim' | null {
    if (!this.leg) return null;
    return this.leg.sipCallId === undefined ? 'sim' : 'sip';
  }

  snapshot(): CallRecord {
    return this.record;
  }

  /** The leg's media (a child's, for the parent's bridge); throws before the call has a leg. */
  get media() {
    if (!this.leg) throw new Error(`Call ${this.sid} has no leg yet`);
    return this.leg.media;
  }

  /** The session's input: resolves once the command has been handled. */
  send(command: CallCommand): Promise<void> {
    return this.mailbox.send(command);
  }

  /** Takes over an inbound leg (from `ringing`) and runs the number's TwiML. */
  attach(leg: Leg): void {
    this.mailbox.post({ type: 'attach', leg });
  }

  /** Makes this session a `<Dial>` child reporting to `link`; before its `dial` command. */
  linkToParent(link: ChildLink): void {
    this.child = link;
  }

  /** A `<Dial>` joined this call's audio to another's, or parted them: for the event feed. */
  bridged(otherCallSid: string, joined: boolean): void {
    const at = this.deps.clock.now();
    this.deps.events.emit('bridge', { callSid: this.sid, otherCallSid, joined, at });
    this.deps.events.emit('bridge', { callSid: otherCallSid, otherCallSid: this.sid, joined, at });
  }

  /** A SIP leg's INVITE Call-ID and final response: 200 once answered, else what ended it. */
  sip(): SipOutcome {
    const responseCode = this.record.answeredAt !== null && this.record.direction !== 'inbound' ? 200 : this.sipResponseCode;
    return { callId: this.leg?.sipCallId, responseCode, headers: this.leg?.sipFinalHeaders ?? {} };
  }

  // LegListener: carrier events become commands.
  ringing(): void { this.mailbox.post({ type: 'leg-ringing' }); }
  answered(): void { this.mailbox.post({ type: 'leg-answered' }); }
  ended(reason: LegEndReason, sipResponseCode?: number): void { this.mailbox.post({ type: 'leg-ended', reason, sipResponseCode }); }
  digits(digits: string): void { this.input.deliver({ kind: 'digits', digits }); }
  speech(text: string, confidence: number): void { this.input.deliver({ kind: 'speech', text, confidence }); }
  notice(code: ErrorCode, message: string, level: 0 | 1 = 1): void { this.notify({ code, level, message }); }

  private async handle(message: Message): Promise<void> {
    try {
      await this.dispatch(message);
    } catch (error) {
      if (error instanceof TwilioError) throw error;
      this.deps.log.error({ err: error, callSid: this.sid, message: message.type }, 'call session failed');
      this.notify({ code: INTERNAL_FAILURE, level: 0, message: `Internal failure: ${(error as Error).message}` });
      if (!isTerminal(this.record.status)) await this.finish(this.record.answeredAt ? 'completed' : 'failed');
    }
  }

  private async dispatch(message: Message): Promise<void> {
    const status = this.record.status;
    if (isTerminal(status)) {
      if (message.type === 'update') throw notInProgress();
      return;
    }
    switch (message.type) {
      case 'dial':
        await this.transition(null, { startTime: this.deps.clock.now() }, 'initiated');
        this.leg = this.deps.carrier.dial(
          {
            callSid: this.sid, to: this.record.to, from: this.record.from,
            ringTimeoutMs: this.record.config.timeoutSec * 1000, sipAuth: message.sipAuth,
            nearCallSid: this.record.parentCallSid ?? undefined,
          },
          this,
        );
        return;
      case 'attach':
        this.leg = message.leg;
        return this.startProgram();
      case 'leg-ringing':
        if (status === 'queued') await this.transition('ringing', {}, 'ringing');
        return;
      case 'leg-answered':
        if (status === 'in-progress') return;
        await this.markAnswered();
        this.child?.answered();
        return this.startProgram();
      case 'answer':
        return this.answerInbound();
      case 'leg-ended':
        this.sipResponseCode = message.sipResponseCode;
        return this.finish(endStatus(message.reason, status));
      case 'update':
        return this.applyUpdate(message.update);
      case 'hangup':
        return this.finish(status === 'in-progress' ? 'completed' : 'canceled');
      case 'time-limit':
        if (status === 'in-progress') await this.finish('completed');
        return;
      case 'close-orphan':
        this.notify({ code: INTERNAL_FAILURE, level: 1, message: 'The call was live when Switchboard stopped; it was closed on restart.' });
        return this.finish(status === 'in-progress' ? 'completed' : 'failed');
      case 'program-ended':
        if (message.generation === this.generation) await this.programEnded(message.end);
        return;
    }
  }

  /** Every part of a REST update in one turn (call-lifecycle.md §3), so nothing lands between them. */
  private async applyUpdate(update: CallUpdate): Promise<void> {
    const status = this.record.status;
    if (update.status === 'completed') return this.finish(status === 'in-progress' ? 'completed' : 'canceled', 'api');
    // canceled: ends a queued or ringing call; an answered call is left alone.
    if (update.status === 'canceled') return status === 'in-progress' ? undefined : this.finish('canceled');
    const config: Partial<CallConfig> = { ...update.redirect };
    if (update.fallback) Object.assign(config, { fallbackUrl: update.fallback.url, fallbackMethod: update.fallback.method });
    if (update.statusCallback) Object.assign(config, { statusCallback: update.statusCallback.url, statusCallbackMethod: update.statusCallback.method });
    if (update.timeLimitSec !== null) config.timeLimitSec = update.timeLimitSec;
    await this.transition(null, { config: { ...this.record.config, ...config } }, null);
    if (update.timeLimitSec !== null) this.armTimeLimit();
    // Queued or ringing: the new TwiML is used once the call connects (call-lifecycle.md §3).
    if (!update.redirect || this.record.status !== 'in-progress') return;
    // A child redirected out of its dial runs on as an ordinary call (dial.md §6).
    if (this.child && this.child.phase !== 'free') this.child.left('redirected', this.record);
    this.startProgram();
  }

  private async programEnded(end: ProgramEnd | { type: 'failed'; error: unknown }): Promise<void> {
    if (end.type === 'failed') throw end.error;
    if (end.type === 'reject' && this.record.status !== 'in-progress') {
      // Only a <Reject> before the call is answered refuses it (twiml-voice.md, <Reject>).
      this.leg?.reject(end.reason);
      return this.finish(end.reason === 'busy' ? 'busy' : 'no-answer');
    }
    // A child's whisper document ran out: it is ready to be bridged, and stays up (dial.md §4).
    if (end.type === 'end' && this.child?.phase === 'whisper') return this.child.connected();
    // Any TwiML but <Reject> answers an inbound call, even an empty document.
    await this.answerInbound();
    return this.finish('completed');
  }

  /** Answers an inbound call that is still ringing; nothing to do once it is in progress. */
  private async answerInbound(): Promise<void> {
    if (this.record.status === 'in-progress') return;
    this.leg?.answer();
    await this.markAnswered();
  }

  private async markAnswered(): Promise<void> {
    await this.transition('in-progress', { answeredAt: this.deps.clock.now() }, 'answered');
    this.armTimeLimit();
    await this.startCallRecording();
  }

  /** `Record=true`: records the call from answer to end. A failure to start is a warning, not the call's end. */
  private async startCallRecording(): Promise<void> {
    const settings = this.record.config.recording;
    if (!settings || !this.leg || this.callRecording) return;
    try {
      this.callRecording = await WholeCallRecording.start(this.deps.recordings.forCall(() => this.record), this.leg.media, settings);
    } catch (error) {
      this.deps.log.error({ err: error, callSid: this.sid }, 'could not start the call recording');
      this.notify({ code: INTERNAL_FAILURE, level: 1, message: `The call could not be recorded: ${(error as Error).message}` });
    }
  }

  /** Ends the `Record=true` recording; its fields go in the `completed` status callback. */
  private async stopCallRecording(): Promise<Record<string, string>> {
    const recording = this.callRecording;
    if (!recording) return {};
    try {
      return await recording.stop();
    } catch (error) {
      this.deps.log.error({ err: error, callSid: this.sid }, 'could not finish the call recording');
      this.notify({ code: INTERNAL_FAILURE, level: 1, message: `The call recording could not be saved: ${(error as Error).message}` });
      return {};
    }
  }

  private armTimeLimit(): void {
    this.timeLimit?.cancel();
    if (this.record.answeredAt === null) return;
    const elapsed = this.deps.clock.callTimeSince(this.record.answeredAt);
    this.timeLimit = this.deps.clock.setTimer(Math.max(0, this.record.config.timeLimitSec * 1000 - elapsed), () =>
      this.mailbox.post({ type: 'time-limit' }),
    );
  }

  /**
   * Aborts the running program (if any) and starts the call's current one: its TwiML; for a
   * child still in its dial, the noun's whisper document (none: straight to the bridge).
   */
  private startProgram(): void {
    this.program?.abort(new Error('redirected'));
    const controller = new AbortController();
    this.program = controller;
    const generation = ++this.generation;
    const config = this.record.config;
    const whisper = this.child?.phase === 'whisper';
    const source: DocumentSource = {
      url: config.url, method: config.method, twiml: config.twiml,
      fallbackUrl: config.fallbackUrl, fallbackMethod: config.fallbackMethod,
    };
    const env = this.programEnv(whisper);
    const run = async (): Promise<ProgramEnd> => {
      if (config.sendDigits && generation === 1) await env.media.playDigits(config.sendDigits, controller.signal);
      if (whisper && !source.url && !source.twiml) return { type: 'end' };
      return runProgram(env, source, controller.signal);
    };
    run().then(
      (end) => this.mailbox.post({ type: 'program-ended', generation, end }),
      (error) => {
        if (!controller.signal.aborted) this.mailbox.post({ type: 'program-ended', generation, end: { type: 'failed', error } });
      },
    );
  }

  private programEnv(whisper: boolean): ProgramEnv {
    const leg = this.leg!;
    return {
      call: () => this.record,
      media: leg.media,
      input: this.input,
      clock: this.deps.clock,
      fetcher: this.deps.fetcher,
      events: this.deps.events,
      authToken: this.authToken,
      recordings: this.deps.recordings.forCall(() => this.record),
      calls: whisper ? null : this.deps.childCalls(this),
      assets: this.deps.assets,
      conferences: this.deps.conferences ?? null,
      queues: this.deps.queues ?? null,
      ensureAnswered: () => (this.record.status === 'in-progress' ? Promise.resolve() : this.mailbox.send({ type: 'answer' })),
      notify: (notification) => this.notify(notification),
    };
  }

  /** Ends the call: stops the program and the leg, then records the terminal status. */
  private async finish(status: CallStatus, by: CallEnded['by'] = 'call'): Promise<void> {
    this.program?.abort(new CallEnded(by));
    this.program = null;
    this.timeLimit?.cancel();
    this.leg?.hangup();
    const recordingParams = await this.stopCallRecording();
    const now = this.deps.clock.now();
    const answeredAt = this.record.answeredAt;
    const duration = answeredAt === null ? null : Math.max(0, Math.round((now - answeredAt) / 1000));
    // A call canceled while still queued sends no status callbacks (call-lifecycle.md §1).
    const event = this.record.status === 'queued' && status === 'canceled' ? null : 'completed';
    await this.transition(status, { endTime: now, duration: status === 'completed' ? duration : null }, event, recordingParams);
    this.child?.left('ended', this.record);
    this.deps.released(this);
  }

  /**
   * The one place a call's state changes: checks the transition, persists the record and
   * queues the status callback for `event` in the same write, wakes the outbox, then tells the
   * event listeners (after the save, so what they see is stored).
   */
  private async transition(status: CallStatus | null, patch: Partial<CallRecord>, event: CallEvent | null, extraParams: Record<string, string> = {}): Promise<void> {
    const current = this.record;
    if (status !== null && !canTransition(current.status, status)) throw new InvalidTransition(current.status, status);
    const now = this.deps.clock.now();
    const next: CallRecord = { ...current, ...patch, status: status ?? current.status, dateUpdated: now };
    const callbacks: NewCallback[] = [];
    const { statusCallback, statusCallbackMethod, statusCallbackEvents } = next.config;
    if (event && statusCallback && statusCallbackEvents.includes(event)) {
      callbacks.push({
        callSid: next.sid, accountSid: next.accountSid, sequenceNumber: next.callbackSequence,
        url: statusCallback, method: statusCallbackMethod,
        params: { ...statusCallbackParams(next, event, next.callbackSequence, now, this.sipResponseCode), ...extraParams },
      });
      next.callbackSequence += 1;
    }
    await this.deps.store.saveCall(next, callbacks);
    this.record = next;
    if (callbacks.length > 0) this.deps.outbox.kick();
    this.deps.events.emit('status', { callSid: next.sid, accountSid: next.accountSid, from: current.status, to: next.status, call: next, at: now });
  }

  private notify(n: NotificationInput): void {
    const now = this.deps.clock.now();
    this.deps.events.emit('notification', { callSid: this.sid, code: n.code, level: n.level, message: n.message, at: now });
    this.deps.store.insertNotification({
      sid: newSid('NO'), accountSid: this.record.accountSid, callSid: this.sid, log: n.level,
      errorCode: n.code, messageText: n.message, messageDate: now, requestMethod: n.requestMethod ?? null,
      requestUrl: n.requestUrl ?? null,
      requestVariables: n.requestVariables ? new URLSearchParams(n.requestVariables).toString() : null,
      responseBody: n.responseBody ?? null, responseHeaders: null, dateCreated: now,
    }).catch((err) => this.deps.log.error({ err, callSid: this.sid }, 'could not record notification'));
  }
}

/** What the call's status becomes when the carrier ends the leg. */
function endStatus(reason: LegEndReason, status: CallStatus): CallStatus {
  if (reason !== 'remote-hangup') return reason;
  return status === 'in-progress' ? 'completed' : 'canceled';
}

export const notInProgress = () => new TwilioError(400, 21220, 'Call is not in-progress. Cannot redirect.');
