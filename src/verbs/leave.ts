import { NEXT, type VerbContext, type VerbOutcome } from './verb-context.js';

/**
 * `<Leave>` (queues.md §3) means something only in an `<Enqueue>` waitUrl document, where the
 * wait document runner takes it as the end of the wait. Elsewhere the call is in no queue:
 * there is nothing to leave, and the next verb runs.
 */
export async function runLeave(_verb: unknown, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  return NEXT;
}
