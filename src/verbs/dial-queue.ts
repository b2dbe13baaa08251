import { bridgeMedia } from '../ports/media-join.js';
import type { DialRoom, DialVerb } from '../twiml/verbs.js';
import { untilAborted, type CallerLeft, type Handoff } from './call-queues.js';
import { CallEnded, NEXT, type VerbContext, type VerbOutcome } from './verb-context.js';

/** What the agent's `<Dial>` reports (dial.md §5 plus queues.md §4). */
type QueueDialStatus = 'completed' | 'no-answer' | 'failed' | 'canceled';

/**
 * `<Dial><Queue>` (https://www.twilio.com/docs/voice/twiml/queue; queues.md §4): the agent
 * takes the caller at the front of the queue, waiting up to the Dial `timeout` while it is
 * empty (`no-answer`; no such queue: `failed`). No new leg is dialed: the `url` document plays
 * to the caller (with `DequeingCallSid`, `QueueSid`, `QueueTime`), then the two calls are
 * bridged until one leaves: the caller hangs up or is redirected, the agent hangs up, presses
 * `*` with `hangupOnStar`, or reaches `timeLimit`. The caller's `<Enqueue>` goes on with its
 * `action` (`QueueResult=bridged`) and the agent's `action` gets DialCallStatus, DialCallSid
 * (the caller), DialCallDuration, DialBridged, QueueSid, QueueTime and DequeingCallSid.
 * A caller who leaves before the bridge (during the `url` document) is `canceled`.
 */
export async function runDialQueue(verb: DialVerb, noun: DialRoom, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (!ctx.queues) return { type: 'error', code: 12200, message: '<Dial><Queue> is not available here' };
  await ctx.answer();
  const url = noun.url === null ? null : ctx.resolveUrl(noun.url);
  const report = (status: QueueDialStatus, handoff: Handoff | null, durationSec: number | null, afterHangup = false): VerbOutcome => {
    if (!verb.action) return afterHangup ? { type: 'hangup' } : NEXT;
    const params: Record<string, string> = { DialCallStatus: status, DialBridged: String(durationSec !== null) };
    if (handoff) Object.assign(params, handoff.params(), { DialCallSid: handoff.callerSid });
    if (durationSec !== null) params.DialCallDuration = String(durationSec);
    return { type: 'fetch', url: verb.action, method: verb.method, params, ...(afterHangup && { afterHangup }) };
  };

  // Waiting for a caller: Dial's `timeout` (call time), or the agent's own end.
  const waiting = new AbortController();
  const forward = () => waiting.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', forward, { once: true });
  const timeout = ctx.clock.setTimer(verb.timeoutSec * 1000, () => waiting.abort(new Error('timeout')));
  let taken: Handoff | 'no-queue';
  try {
    taken = await ctx.queues.takeFront({ call: ctx.call(), url, method: noun.method }, noun.name, waiting.signal);
  } catch (error) {
    if (ctx.signal.aborted) return afterAgentLeft(error, ctx, () => report('no-answer', null, null, true));
    return report('no-answer', null, null);
  } finally {
    timeout.cancel();
    ctx.signal.removeEventListener('abort', forward);
  }
  if (taken === 'no-queue') {
    ctx.warn(12400, `<Dial><Queue>${noun.name}</Queue>: the account has no queue of that name`);
    return report('failed', null, null);
  }
  const handoff = taken;
  let bridgedAt: number | null = null;
  let stopStar = () => {};
  let limit: { cancel(): void } | null = null;
  try {
    const media = await untilAborted(Promise.race([handoff.callerReady, handoff.callerLeftWith.then(() => null)]), ctx.signal);
    if (media === null) return report('canceled', handoff, null);
    const join = bridgeMedia({ callSid: ctx.call().sid, media: ctx.media }, { callSid: handoff.callerSid, media });
    bridgedAt = ctx.clock.now();
    try {
      const ended = new Promise<CallerLeft | 'agent'>((resolve) => {
        handoff.callerLeftWith.then(resolve);
        if (verb.hangupOnStar) {
          stopStar = ctx.input.listen((event) => { if (event.kind === 'digits' && event.digits.includes('*')) resolve('agent'); });
        }
        limit = ctx.clock.setTimer(verb.timeLimitSec * 1000, () => resolve('agent'));
      });
      await untilAborted(ended, ctx.signal);
    } finally {
      join.close();
    }
    return report('completed', handoff, seconds(ctx, bridgedAt));
  } catch (error) {
    const at = bridgedAt;
    return afterAgentLeft(error, ctx, () => report(at === null ? 'canceled' : 'completed', handoff, at === null ? null : seconds(ctx, at), true));
  } finally {
    stopStar();
    (limit as { cancel(): void } | null)?.cancel();
    handoff.agentLeft();
  }
}

/** The agent's call ended or was redirected: a hangup still reports (as `<Dial>` does); a redirect asks for nothing. */
function afterAgentLeft(error: unknown, ctx: VerbContext, reportHangup: () => VerbOutcome): VerbOutcome {
  const reason = ctx.signal.reason;
  if (!(reason instanceof CallEnded) || reason.by === 'api') throw error;
  const outcome = reportHangup();
  if (outcome.type !== 'fetch') throw error;
  return outcome;
}

function seconds(ctx: VerbContext, since: number): number {
  return Math.max(0, Math.round(ctx.clock.callTimeSince(since) / 1000));
}
