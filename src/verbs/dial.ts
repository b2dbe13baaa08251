import type { CallRecord } from '../domain/call.js';
import type { MediaJoin } from '../ports/carrier.js';
import { bridgeMedia } from '../ports/media-join.js';
import type { DialTarget, DialVerb } from '../twiml/verbs.js';
import { runConference } from './conference.js';
import { runDialQueue } from './dial-queue.js';
import { DialRecording } from './dial-recording.js';
import { CallEnded, NEXT, type ChildCalls, type ChildCallRequest, type DialedCall, type SipOutcome, type VerbContext, type VerbOutcome } from './verb-context.js';

/** Twilio's `DialCallStatus` values for the nouns Switchboard dials (dial.md §5). */
type DialCallStatus = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** How the dial went, for the `action` request. */
interface DialResult {
  status: DialCallStatus;
  /** The child that was connected, or the last one tried. */
  child: DialedCall | null;
  bridged: boolean;
  /** The child was taken out of the bridge by a REST update: no `DialCallDuration` (dial.md §6). */
  redirected: boolean;
}

/**
 * `<Dial>` (https://www.twilio.com/docs/voice/twiml/dial; dial.md): places a child call per noun,
 * all at once or one by one (`sequential`), bridges the first to connect and cancels the rest,
 * then holds the bridge until one side leaves.
 *
 * - The parent is answered first, unless `answerOnBridge`: then it keeps ringing until a child
 *   connects (dial.md §3.1). An answered parent hears ringback while children ring.
 * - A child "connects" once it answered and its noun's `url` document ran to its end; a
 *   `<Hangup>` there means it is not connected (`DialBridged=false`).
 * - The bridge ends when the called party hangs up (or is redirected by REST), when the caller
 *   presses `*` with `hangupOnStar`, or at `timeLimit` (the child's own time limit).
 * - Then `action` is requested with `DialCallStatus`, `DialCallSid`, `DialCallDuration`,
 *   `DialBridged` (and the recording's fields); without `action` the next verb runs.
 * - The caller hanging up ends the children; `action` is still requested, its answer ignored.
 *   A REST redirect or `Status=completed` of the parent ends them too, and requests nothing.
 */
export async function runDial(verb: DialVerb, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (!ctx.calls) return { type: 'error', code: 13201, message: 'Cannot Dial out from a Dial Call Segment: <Dial> in a noun\'s url document' };
  const conference = verb.nouns.find((noun) => noun.kind === 'Conference');
  if (conference) return runConference(verb, conference, ctx);
  const queue = verb.nouns.find((noun) => noun.kind === 'Queue');
  if (queue) return runDialQueue(verb, queue, ctx);
  const targets = verb.nouns.filter((noun): noun is DialTarget => noun.kind === 'Number' || noun.kind === 'Client' || noun.kind === 'Sip');
  // Nothing left to dial (the parser warned why): the dial fails at once (docs/compatibility.md).
  if (targets.length === 0) {
    return verb.action ? { type: 'fetch', url: verb.action, method: verb.method, params: { DialCallStatus: 'failed', DialBridged: 'false' } } : NEXT;
  }
  if (!verb.answerOnBridge) await ctx.answer();

  const dial = new DialRun(verb, ctx, ctx.calls);
  let result: DialResult;
  try {
    result = await dial.run(targets);
  } catch (error) {
    await dial.stop();
    const reason = ctx.signal.reason;
    // The caller hung up: the app still hears how the dial ended; a REST update asked for none.
    if (!(reason instanceof CallEnded) || reason.by === 'api' || !verb.action) throw error;
    return { type: 'fetch', url: verb.action, method: verb.method, params: await dial.params(dial.resultSoFar()), afterHangup: true };
  }
  await dial.stop();
  if (!verb.action) return NEXT;
  return { type: 'fetch', url: verb.action, method: verb.method, params: await dial.params(result) };
}

class DialRun {
  private readonly children: DialedCall[] = [];
  private winner: DialedCall | null = null;
  private last: DialedCall | null = null;
  private bridgedTo: MediaJoin | null = null;
  private redirected = false;
  private readonly recording: DialRecording | null;

  constructor(private readonly verb: DialVerb, private readonly ctx: VerbContext, private readonly calls: ChildCalls) {
    this.recording = DialRecording.for(verb, ctx);
  }

  async run(targets: DialTarget[]): Promise<DialResult> {
    const ringback = this.ctx.call().status === 'in-progress' ? this.ctx.media.ringback(this.verb.ringTone) : null;
    if (this.verb.record.startsWith('record-from-ringing') && this.ctx.call().status === 'in-progress') await this.recording?.startCaller();
    try {
      if (this.verb.sequential) {
        for (const target of targets) {
          if (await this.ring([target])) break;
        }
      } else {
        await this.ring(targets);
      }
    } finally {
      ringback?.close();
    }
    if (!this.winner) return this.resultSoFar();
    return this.bridge(this.winner);
  }

  /** Rings `targets` at once; resolves true once one connected (the others are canceled). */
  private async ring(targets: DialTarget[]): Promise<boolean> {
    const placed = await Promise.all(targets.map((target) => this.place(target)));
    const ringing = placed.filter((child): child is DialedCall => child !== null);
    if (ringing.length === 0) return false;
    const winner = await this.until<DialedCall | null>((settle) => {
      let open = ringing.length;
      for (const child of ringing) {
        child.listen({
          connected: () => settle(child),
          left: () => {
            this.last = child;
            if (--open === 0) settle(null);
          },
        });
      }
    });
    if (!winner) return false;
    this.winner = winner;
    this.last = winner;
    await Promise.all(ringing.filter((child) => child !== winner).map((child) => child.hangup()));
    return true;
  }

  /** Places one noun's child; a child that cannot be placed is a warning, not the dial's end. */
  private async place(target: DialTarget): Promise<DialedCall | null> {
    try {
      const child = await this.calls.place(this.request(target));
      // The dial ended while this child was being placed (its stop() has run): nobody will bridge it.
      if (this.ctx.signal.aborted) {
        await child.hangup();
        return null;
      }
      this.children.push(child);
      this.last = child;
      return child;
    } catch (error) {
      this.ctx.warn(12400, `<Dial>: could not place a call to ${targetAddress(target)}: ${(error as Error).message}`);
      return null;
    }
  }

  private request(target: DialTarget): ChildCallRequest {
    const parent = this.ctx.call();
    const request: ChildCallRequest = {
      to: targetAddress(target),
      from: this.verb.callerId ?? parent.from,
      ringTimeoutSec: this.verb.timeoutSec,
      timeLimitSec: this.verb.timeLimitSec,
      url: target.url === null ? null : this.ctx.resolveUrl(target.url),
      method: target.method,
      statusCallback: target.statusCallback === null ? null : this.ctx.resolveUrl(target.statusCallback),
      statusCallbackMethod: target.statusCallbackMethod,
      statusCallbackEvents: target.statusCallbackEvents,
      sendDigits: target.kind === 'Number' ? target.sendDigits : null,
    };
    if (target.kind === 'Sip' && target.username !== null && target.password !== null) {
      request.sipAuth = { username: target.username, password: target.password };
    }
    return request;
  }

  /** Joins the caller and `child` until one of them leaves the bridge. */
  private async bridge(child: DialedCall): Promise<DialResult> {
    if (this.verb.answerOnBridge) await this.ctx.answer();
    const parentSid = this.ctx.call().sid;
    this.bridgedTo = bridgeMedia({ callSid: parentSid, media: this.ctx.media }, { callSid: child.sid, media: child.media });
    child.bridged(parentSid, true);
    await this.recording?.startCaller();
    await this.recording?.startCalled(child.media);
    let stopListening = () => {};
    const leaving = await this.until<'left' | 'star'>((settle) => {
      child.listen({
        connected: () => {},
        left: (reason) => {
          this.redirected = reason === 'redirected';
          settle('left');
        },
      });
      if (this.verb.hangupOnStar) {
        stopListening = this.ctx.input.listen((event) => {
          if (event.kind === 'digits' && event.digits.includes('*')) settle('star');
        });
      }
    }).finally(() => stopListening());
    this.unbridge();
    // hangupOnStar drops the called party and keeps the caller (dial.md §5).
    if (leaving === 'star') await child.hangup();
    return this.resultSoFar();
  }

  /** Waits for the first `settle`, or rejects with the parent's abort reason. */
  private until<T>(start: (settle: (value: T) => void) => void): Promise<T> {
    const signal = this.ctx.signal;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      start((value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      });
    });
  }

  /** How the dial stands now: after the parent's end, the outcome it reached so far. */
  resultSoFar(): DialResult {
    if (this.winner) return { status: 'completed', child: this.winner, bridged: true, redirected: this.redirected };
    const child = this.last;
    return { status: child ? dialStatusOf(child.snapshot()) : 'failed', child, bridged: false, redirected: false };
  }

  private unbridge(): void {
    if (!this.bridgedTo) return;
    this.bridgedTo.close();
    this.bridgedTo = null;
    this.winner?.bridged(this.ctx.call().sid, false);
  }

  /** Ends what is left: the bridge, every child still up, the recording. Idempotent. */
  async stop(): Promise<void> {
    this.unbridge();
    await Promise.all(this.children.map((child) => (this.redirected && child === this.winner ? undefined : child.hangup())));
  }

  /** The `action` parameters (dial.md §5), the recording's fields included. */
  async params(result: DialResult): Promise<Record<string, string>> {
    const params: Record<string, string> = { DialCallStatus: result.status, DialBridged: String(result.bridged) };
    if (result.child) {
      params.DialCallSid = result.child.sid;
      const duration = result.child.snapshot().duration;
      if (!result.redirected && duration !== null) params.DialCallDuration = String(duration);
      // `<Sip>` only (dial.md §5): the INVITE's Call-ID and its final response.
      const sip: SipOutcome = result.child.snapshot().to.startsWith('sip:') ? result.child.sip() : {};
      if (sip.callId !== undefined) params.DialSipCallId = sip.callId;
      if (sip.responseCode !== undefined) params.DialSipResponseCode = String(sip.responseCode);
      for (const [name, value] of Object.entries(sip.headers ?? {})) params[`DialSipHeader_${name}`] = value;
    }
    if (this.recording) Object.assign(params, await this.recording.stop());
    return params;
  }
}

/** What a child that never connected reports as `DialCallStatus`. */
function dialStatusOf(call: CallRecord): DialCallStatus {
  switch (call.status) {
    case 'busy': case 'no-answer': case 'failed': case 'canceled': return call.status;
    // Answered, then hung up in its whisper document: reached, but not connected (dial.md §4).
    case 'completed': return 'completed';
    // Still up: the parent ended first while it rang.
    default: return 'canceled';
  }
}

/** The child's `To`: a number, `client:identity`, or the SIP URI (dial.md §3.2). */
function targetAddress(target: DialTarget): string {
  switch (target.kind) {
    case 'Number': return target.number;
    case 'Client': return `client:${target.identity}`;
    case 'Sip': return target.uri;
  }
}
