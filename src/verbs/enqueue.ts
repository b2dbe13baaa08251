import type { QueueResult } from '../domain/queue.js';
import type { EnqueueVerb } from '../twiml/verbs.js';
import { untilAborted, type Handoff, type QueuedCall } from './call-queues.js';
import { CallEnded, NEXT, type VerbContext, type VerbOutcome, type WaitDocumentEnd } from './verb-context.js';

/**
 * `<Enqueue>` (https://www.twilio.com/docs/voice/twiml/enqueue; queues.md §2–§3): the caller
 * waits at the back of the named queue, hearing the `waitUrl` document (requested again each
 * time it runs out, with QueuePosition, QueueSid, QueueTime, AvgQueueTime, CurrentQueueSize and
 * MaxQueueSize), until it leaves:
 * - an agent's `<Dial><Queue>` takes it: the `<Queue url>` document plays to it, it is bridged,
 *   and once the bridge ends `action` is requested with `QueueResult=bridged`;
 * - `<Leave>` in the wait document (`leave`), its `<Hangup>` or the caller hanging up
 *   (`hangup`), a wait document that fails (`error`);
 * - a REST dequeue or call redirect (`redirected`; `redirected-from-bridged` once bridged):
 *   the call runs its new TwiML, and `action` is still requested, its answer ignored;
 * - the queue is full: warning 14207, `queue-full`, never queued (no QueueSid/QueueTime).
 * Without `action`, the verb after `<Enqueue>` runs (if the caller is still there).
 */
export async function runEnqueue(verb: EnqueueVerb, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const action = verb.action === null ? null : ctx.resolveUrl(verb.action);
  const report = (result: QueueResult, extra: Record<string, string> = {}, afterHangup = false): VerbOutcome =>
    action ? { type: 'fetch', url: action, method: verb.method, params: { QueueResult: result, ...extra }, ...(afterHangup && { afterHangup }) } : afterHangup ? { type: 'hangup' } : NEXT;
  if (verb.problem) {
    ctx.warn(verb.problem.code, verb.problem.message);
    return report('error');
  }
  if (!ctx.queues) return report('system-error');
  await ctx.answer();
  const entered = await ctx.queues.enqueue(ctx.call(), verb.name, verb.maxQueueSize);
  if (entered.type === 'full') {
    ctx.warn(14207, `Queue '${verb.name}' (${entered.queueSid}) has reached its max size of ${entered.maxSize}: the caller was not queued`);
    return report('queue-full');
  }
  const member = entered.member;
  const queued = (): Record<string, string> => ({ QueueSid: member.queueSid, QueueTime: String(member.waitedSec()) });
  let handoff: Handoff | null = null;
  let bridged = false;
  try {
    const waited = await waitInQueue(verb, ctx, member);
    if (waited.type !== 'taken') {
      member.leave();
      if (waited.type === 'hangup') return report('hangup', queued(), true);
      return report(waited.type === 'leave' ? 'leave' : 'error', queued());
    }
    handoff = waited.handoff;
    if (handoff.agent.url !== null) {
      const played = await ctx.runWaitDocument({ url: handoff.agent.url, method: handoff.agent.method, params: () => handoff!.params(), whenDone: 'end', disallowedCode: 12200 }, ctx.signal);
      if (played.type === 'hangup') {
        handoff.callerLeft('hangup');
        return report('hangup', queued(), true);
      }
    }
    handoff.ready(ctx.media);
    bridged = true;
    await untilAborted(handoff.agentDone, ctx.signal);
    return report('bridged', { QueueSid: member.queueSid, QueueTime: String(handoff.queueTimeSec) });
  } catch (error) {
    if (!ctx.signal.aborted) throw error;
    const reason = ctx.signal.reason;
    const hungUp = reason instanceof CallEnded;
    handoff?.callerLeft(hungUp ? 'hangup' : 'redirected');
    member.leave();
    if (!action) throw error;
    // A caller who hangs up once bridged still ends a bridge: `bridged`, as when the agent hangs up.
    const result: QueueResult = hungUp ? (bridged ? 'bridged' : 'hangup') : bridged ? 'redirected-from-bridged' : 'redirected';
    // Sent though the call has moved on; a redirected call is still in progress.
    return { type: 'fetch', url: action, method: verb.method, afterHangup: true, params: { QueueResult: result, ...queued(), ...(!hungUp && { CallStatus: 'in-progress' }) } };
  }
}

type Waited = { type: 'taken'; handoff: Handoff } | Exclude<WaitDocumentEnd, { type: 'end' }> | { type: 'end' };

/** Plays the wait document until an agent takes the caller or the document ends the wait. */
async function waitInQueue(verb: EnqueueVerb, ctx: VerbContext, member: QueuedCall): Promise<Waited> {
  const music = new AbortController();
  const forward = () => music.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', forward, { once: true });
  const waitUrl = verb.waitUrl === null || verb.waitUrl === '' ? verb.waitUrl : ctx.resolveUrl(verb.waitUrl);
  const wait = ctx.runWaitDocument(
    { url: waitUrl, method: verb.waitUrlMethod, params: () => member.waitParams(), allow: ['Leave', 'Hangup', 'Gather'], whenDone: 'refetch', disallowedCode: 12200 },
    music.signal,
  );
  wait.catch(() => {});
  try {
    const first = await Promise.race([
      wait.then((end): Waited => end),
      member.taken.then((taken): Waited | null => (taken === 'redirected' ? null : { type: 'taken', handoff: taken })),
    ]);
    // A REST dequeue: the redirect that follows aborts this verb.
    if (first === null) return await untilAborted(new Promise<never>(() => {}), ctx.signal);
    return first;
  } finally {
    ctx.signal.removeEventListener('abort', forward);
    music.abort(new Error('left the wait'));
  }
}
