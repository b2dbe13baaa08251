import { canTransition, InvalidTransition, isTerminal, type CallEvent, type CallStatus } from '../domain/call-status.js';
import type { CallConfig, CallRecord } from '../domain/call.js';
import { newSid } from '../domain/sid.js';
import { INTERNAL_FAILURE, TwilioError, type ErrorCode } from '../domain/errors.js';
import type { Carrier, DialRequest, Leg, LegEndReason, LegListener } from '../ports/carrier.js';
import type { Clock, Timer } from '../ports/clock.js';
import type { NewCallback, Store } from '../ports/store.js';
import { CallInput } from '../verbs/call-input.js';
import { runProgram, type DocumentSource, type NotificationInput, type ProgramEnd, type ProgramEnv, type TwimlFetcher } from './document-runner.js';
import { Mailbox } from './mailbox.js';
import { WholeCallRecording } from './whole-call-recording.js';
import { CallEnded } from '../verbs/verb-context.js';
import type { Recordings } from '../recordings/recordings.js';
import { statusCallbackParams } from './webhook-params.js';

export interface SessionDeps {
  store: Store;
  clock: Clock;
  carrier: Carrier;
  fetcher: TwimlFetcher;
  /** Recordings of calls (`<Record>`, `Record=true`). */
  recordings: Recordings;
  /** Told when callbacks were queued, so the durable outbox delivers them. */
  outbox: { kick(): void };
  log: { error(obj: object, msg: string): void };
  /** Called once, after the call reached a terminal status and was saved. */
  released(session: CallSession): void;
}

/** A REST update that changes what the call runs (call-lifecycle.md §3). */
export interface RedirectRequest {
  config: Partial<CallConfig>;
  /** True when `Url`/`Twiml` was sent: the running document is replaced. */
  restart: boolean;
}

type Message =
  | { type: 'dial'; sipAuth?: DialRequest['sipAuth'] }
  | { type: 'attach'; leg: Leg }
  | { type: 'ringing' }
  | { type: 'answered' }
  | { type: 'ended'; reason: LegEndReason; sipResponseCode?: number }
  | { type: 'answer' }
  | { type: 'redirect'; request: RedirectRequest }
  | { type: 'hangup' }
  | { type: 'cancel' }
  | { type: 'set-time-limit'; seconds: number }
  | { type: 'time-limit' }
  | { type: 'orphaned' }
  | { type: 'program-ended'; generation: number; end: ProgramEnd | { type: 'failed'; error: unknown } };

/**
 * One live call: a mailbox whose handler is the only code that changes the call's status
 * (design.md: "one mailbox per call", "one guarded status transition"). Carrier events,
 * REST updates and the document runner's results all arrive here as messages.
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

  constructor(private readonly deps: SessionDeps, call: CallRecord, private readonly authToken: string) {
    this.record = call;
  }

  get sid(): string {
    return this.record.sid;
  }

  /** The call as it is now (an immutable snapshot: every change replaces the record). */
  snapshot(): CallRecord {
    return this.record;
  }

  /** Places an outbound call (from `queued`); `sipAuth` answers a SIP digest challenge. */
  dial(sipAuth?: DialRequest['sipAuth']): void {
    this.mailbox.post({ type: 'dial', sipAuth });
  }

  /** Takes over an inbound leg (from `ringing`) and runs the number's TwiML. */
  attach(leg: Leg): void {
    this.leg = leg;
    this.mailbox.post({ type: 'attach', leg });
  }

  redirect(request: RedirectRequest): Promise<void> {
    return this.mailbox.send({ type: 'redirect', request });
  }

  /** `Status=completed`: ends the call whatever its state. */
  hangup(): Promise<void> {
    return this.mailbox.send({ type: 'hangup' });
  }

  /** `Status=canceled`: ends a queued or ringing call; an answered call is left alone. */
  cancel(): Promise<void> {
    return this.mailbox.send({ type: 'cancel' });
  }

  /** `TimeLimit` on update: counted from the answer, like the create-time limit. */
  setTimeLimit(seconds: number): Promise<void> {
    return this.mailbox.send({ type: 'set-time-limit', seconds });
  }

  /**
   * Closes a call found live in the store at startup, whose process died with it: answered
   * calls end `completed`, others `failed`; the reason is recorded as a Notification.
   */
  closeAfterCrash(): Promise<void> {
    return this.mailbox.send({ type: 'orphaned' });
  }

  // LegListener: carrier events become messages.
  ringing(): void { this.mailbox.post({ type: 'ringing' }); }
  answered(): void { this.mailbox.post({ type: 'answered' }); }
  ended(reason: LegEndReason, sipResponseCode?: number): void { this.mailbox.post({ type: 'ended', reason, sipResponseCode }); }
  digits(digits: string): void { this.input.deliver({ kind: 'digits', digits }); }
  speech(text: string, confidence: number): void { this.input.deliver({ kind: 'speech', text, confidence }); }
  notice(code: ErrorCode, message: string): void { this.notify({ code, level: 1, message }); }

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
      if (message.type === 'redirect' || message.type === 'hangup' || message.type === 'cancel') throw notInProgress();
      return;
    }
    switch (message.type) {
      case 'dial':
        await this.change(null, { startTime: this.deps.clock.now() }, 'initiated');
        this.leg = this.deps.carrier.dial(
          {
            callSid: this.sid, to: this.record.to, from: this.record.from,
            ringTimeoutMs: this.record.config.timeoutSec * 1000, sipAuth: message.sipAuth,
          },
          this,
        );
        return;
      case 'attach':
        return this.startProgram();
      case 'ringing':
        if (status === 'queued') await this.change('ringing', {}, 'ringing');
        return;
      case 'answered':
        if (status === 'in-progress') return;
        await this.markAnswered();
        return this.startProgram();
      case 'answer':
        return this.answerInbound();
      case 'ended':
        this.sipResponseCode = message.sipResponseCode;
        return this.finish(endStatus(message.reason, status));
      case 'redirect':
        return this.applyRedirect(message.request);
      case 'hangup':
        return this.finish(status === 'in-progress' ? 'completed' : 'canceled');
      case 'cancel':
        if (status !== 'in-progress') await this.finish('canceled');
        return;
      case 'set-time-limit':
        await this.change(null, { config: { ...this.record.config, timeLimitSec: message.seconds } }, null);
        return this.armTimeLimit();
      case 'time-limit':
        if (status === 'in-progress') await this.finish('completed');
        return;
      case 'orphaned':
        this.notify({ code: INTERNAL_FAILURE, level: 1, message: 'The call was live when Switchboard stopped; it was closed on restart.' });
        return this.finish(status === 'in-progress' ? 'completed' : 'failed');
      case 'program-ended':
        if (message.generation === this.generation) await this.programEnded(message.end);
        return;
    }
  }

  private async applyRedirect(request: RedirectRequest): Promise<void> {
    await this.change(null, { config: { ...this.record.config, ...request.config } }, null);
    // Queued or ringing: the new TwiML is used once the call connects (call-lifecycle.md §3).
    if (request.restart && this.record.status === 'in-progress') this.startProgram();
  }

  private async programEnded(end: ProgramEnd | { type: 'failed'; error: unknown }): Promise<void> {
    if (end.type === 'failed') throw end.error;
    if (end.type === 'reject' && this.record.status !== 'in-progress') {
      // Only a <Reject> before the call is answered refuses it (twiml-voice.md, <Reject>).
      this.leg?.reject(end.reason);
      return this.finish(end.reason === 'busy' ? 'busy' : 'no-answer');
    }
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
    await this.change('in-progress', { answeredAt: this.deps.clock.now() }, 'answered');
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

  /** Aborts the running document (if any) and starts the call's current TwiML source. */
  private startProgram(): void {
    this.program?.abort(new Error('redirected'));
    const controller = new AbortController();
    this.program = controller;
    const generation = ++this.generation;
    const config = this.record.config;
    const source: DocumentSource = {
      url: config.url, method: config.method, twiml: config.twiml,
      fallbackUrl: config.fallbackUrl, fallbackMethod: config.fallbackMethod,
    };
    const env = this.programEnv();
    const run = async (): Promise<ProgramEnd> => {
      if (config.sendDigits && generation === 1) await env.media.playDigits(config.sendDigits, controller.signal);
      return runProgram(env, source, controller.signal);
    };
    run().then(
      (end) => this.mailbox.post({ type: 'program-ended', generation, end }),
      (error) => {
        if (!controller.signal.aborted) this.mailbox.post({ type: 'program-ended', generation, end: { type: 'failed', error } });
      },
    );
  }

  private programEnv(): ProgramEnv {
    const leg = this.leg!;
    return {
      call: () => this.record,
      media: leg.media,
      input: this.input,
      clock: this.deps.clock,
      fetcher: this.deps.fetcher,
      authToken: this.authToken,
      recordings: this.deps.recordings.forCall(() => this.record),
      ensureAnswered: () => (this.record.status === 'in-progress' ? Promise.resolve() : this.mailbox.send({ type: 'answer' })),
      notify: (notification) => this.notify(notification),
    };
  }

  /** Ends the call: stops the document and the leg, then records the terminal status. */
  private async finish(status: CallStatus): Promise<void> {
    this.program?.abort(new CallEnded());
    this.program = null;
    this.timeLimit?.cancel();
    this.leg?.hangup();
    const recordingParams = await this.stopCallRecording();
    const now = this.deps.clock.now();
    const answeredAt = this.record.answeredAt;
    const duration = answeredAt === null ? null : Math.max(0, Math.round((now - answeredAt) / 1000));
    // A call canceled while still queued sends no status callbacks (call-lifecycle.md §1).
    const event = this.record.status === 'queued' && status === 'canceled' ? null : 'completed';
    await this.change(status, { endTime: now, duration: status === 'completed' ? duration : null }, event, recordingParams);
    this.deps.released(this);
  }

  /**
   * The one place a call's state changes: checks the transition, persists the record and
   * queues the status callback for `event` in the same write, then wakes the outbox.
   */
  private async change(status: CallStatus | null, patch: Partial<CallRecord>, event: CallEvent | null, extraParams: Record<string, string> = {}): Promise<void> {
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
  }

  private notify(n: NotificationInput): void {
    const now = this.deps.clock.now();
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
