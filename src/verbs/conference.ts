import type { DialConference, DialVerb } from '../twiml/verbs.js';
import { LeftRoom, type JoinEnd } from './conference-rooms.js';
import { CallEnded, NEXT, type VerbContext, type VerbOutcome } from './verb-context.js';

/**
 * `<Dial><Conference>` (https://www.twilio.com/docs/voice/twiml/conference; conferences.md §2):
 * the caller joins the named room of its account and stays until it leaves: the room lets it
 * go (kicked by REST, the conference ended, its wait document failed), it presses `*` with
 * `hangupOnStar`, its `timeLimit` passes, or the call is hung up or redirected. Then `action` is
 * requested with `DialCallStatus=answered` (no `DialCallSid`); without one the next verb runs.
 * A join the room refuses (full, label in use, a coach of nobody) is a warning with its code,
 * and the TwiML goes on the same way, with `DialCallStatus=failed`. `callerId` and `timeout`
 * have no effect.
 */
export async function runConference(verb: DialVerb, noun: DialConference, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (!ctx.conferences) return { type: 'error', code: 12200, message: '<Dial><Conference> is not available here' };
  await ctx.answer();
  const waitUrl = noun.waitUrl === null || noun.waitUrl === '' ? noun.waitUrl : ctx.resolveUrl(noun.waitUrl);
  if (noun.waitUrl && waitUrl === null) ctx.warn(13233, `<Conference waitUrl="${noun.waitUrl}"> cannot be resolved; playing the built-in hold music`);
  const statusCallback = noun.statusCallback === null ? null : ctx.resolveUrl(noun.statusCallback);
  const recordingStatusCallback = noun.recordingStatusCallback === null ? null : ctx.resolveUrl(noun.recordingStatusCallback);

  const stay = new AbortController();
  const forward = () => stay.abort(new LeftRoom(ctx.signal.reason instanceof CallEnded ? 'participant_hung_up' : 'participant_updated_via_api'));
  ctx.signal.addEventListener('abort', forward, { once: true });
  const stopStar = verb.hangupOnStar
    ? ctx.input.listen((event) => { if (event.kind === 'digits' && event.digits.includes('*')) stay.abort(new LeftRoom('participant_hung_up')); })
    : () => {};
  const timeLimit = ctx.clock.setTimer(verb.timeLimitSec * 1000, () => stay.abort(new LeftRoom('participant_hung_up')));
  let end: JoinEnd;
  try {
    end = await ctx.conferences.join({
      call: ctx.call(), media: ctx.media, name: noun.name,
      participant: {
        muted: noun.muted, beep: noun.beep, startConferenceOnEnter: noun.startConferenceOnEnter, endConferenceOnExit: noun.endConferenceOnExit,
        waitUrl, waitMethod: noun.waitMethod, coach: noun.coach, label: noun.participantLabel,
      },
      settings: {
        statusCallback, statusCallbackMethod: noun.statusCallbackMethod, statusCallbackEvents: noun.statusCallbackEvents,
        maxParticipants: noun.maxParticipants, record: noun.record, trim: noun.trim,
        recordingStatusCallback, recordingStatusCallbackMethod: noun.recordingStatusCallbackMethod, recordingStatusCallbackEvents: noun.recordingStatusCallbackEvents,
        region: noun.region,
      },
      runWait: (request, signal) => ctx.runWaitDocument(request, signal),
    }, stay.signal);
  } catch (error) {
    if (!ctx.signal.aborted) end = { type: 'left', why: 'ended' }; // `*` or timeLimit: the caller goes on
    else {
      const reason = ctx.signal.reason;
      // Hung up: the app still hears how it ended (as for <Dial>); a redirect asked for nothing.
      if (!(reason instanceof CallEnded) || reason.by === 'api' || !verb.action) throw error;
      return { type: 'fetch', url: verb.action, method: verb.method, params: { DialCallStatus: 'answered' }, afterHangup: true };
    }
  } finally {
    ctx.signal.removeEventListener('abort', forward);
    stopStar();
    timeLimit.cancel();
  }
  if (end.type === 'refused') ctx.warn(end.code, `<Dial><Conference>${noun.name}</Conference>: ${end.message}`);
  if (!verb.action) return NEXT;
  return { type: 'fetch', url: verb.action, method: verb.method, params: { DialCallStatus: end.type === 'refused' ? 'failed' : 'answered' } };
}
