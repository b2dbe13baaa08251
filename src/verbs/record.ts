import type { RecordingRecord } from '../domain/recording.js';
import type { RecordResult } from '../ports/carrier.js';
import type { ActiveRecording } from '../recordings/recordings.js';
import type { RecordVerb } from '../twiml/verbs.js';
import { CallEnded, NEXT, type VerbContext, type VerbOutcome } from './verb-context.js';

/**
 * `<Record>`: records the caller (https://www.twilio.com/docs/voice/twiml/record).
 *
 * - A beep first (`playBeep`), then the caller's audio until a `finishOnKey` key, `timeout`
 *   seconds of silence, `maxLength`, or the end of the call.
 * - Then the `action` (default: the current document) is requested with `RecordingUrl`,
 *   `RecordingDuration`, `RecordingSid` and `Digits` (the key, or `hangup`), and its TwiML runs.
 * - An empty recording (nothing left after trimming silence) requests nothing: the next verb
 *   runs (Twilio's documented exception).
 * - A caller who hangs up still gets the `action` requested; its response is ignored.
 * - A redirect stops the recording and requests nothing; the recording is kept.
 * - With `transcribe` (or a `transcribeCallback`), a recording of more than 2 s and less than
 *   120 s is transcribed in the background (transcriptions.md); the call does not wait.
 */
export async function runRecord(verb: RecordVerb, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const active = await ctx.recordings.begin('RecordVerb', {
    statusCallback: statusCallbackOf(verb, ctx),
    statusCallbackMethod: verb.recordingStatusCallbackMethod,
    statusCallbackEvents: verb.recordingStatusCallbackEvents,
    trim: verb.trim,
    channels: 1,
  });
  const stop = new AbortController();
  let key = '';
  const stopListening = ctx.input.listen((event) => {
    if (event.kind !== 'digits' || stop.signal.aborted) return;
    const found = [...event.digits].find((k) => verb.finishOnKey.includes(k));
    if (found === undefined) return;
    key = found;
    stop.abort();
  });
  let result: RecordResult | null = null;
  try {
    result = await ctx.media.record(
      {
        path: active.path, maxLengthMs: verb.maxLengthSec * 1000, silenceTimeoutMs: verb.timeoutSec * 1000,
        stop: stop.signal, beep: verb.playBeep,
      },
      ctx.signal,
    );
  } catch (error) {
    if (!ctx.signal.aborted) {
      // The carrier could not record: the recording is what it is (likely absent), and the
      // failure is the call's to report.
      await ctx.recordings.finish(active);
      throw error;
    }
  } finally {
    stopListening();
  }
  const recording = await ctx.recordings.finish(active);
  if (verb.transcribe && recording.status === 'completed') await transcribe(verb, ctx, active, recording, result?.spoken);
  const hungUp = result?.reason === 'hangup' || ctx.signal.reason instanceof CallEnded;
  if (ctx.signal.aborted && !hungUp) throw ctx.signal.reason;
  if (recording.status === 'absent') {
    if (!hungUp) return NEXT;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { type: 'hangup' };
  }
  const params: Record<string, string> = {
    RecordingUrl: active.url,
    RecordingDuration: String(recording.duration ?? 0),
    RecordingSid: recording.sid,
  };
  if (hungUp) params.Digits = 'hangup';
  else if (key !== '') params.Digits = key;
  return { type: 'fetch', url: verb.action ?? '', method: verb.method, params, afterHangup: hungUp };
}

/** `recordingStatusCallback` may be relative to the document; one that cannot be resolved is dropped with 11100. */
function statusCallbackOf(verb: RecordVerb, ctx: VerbContext): string | null {
  if (verb.recordingStatusCallback === null) return null;
  const url = ctx.resolveUrl(verb.recordingStatusCallback);
  if (url === null) ctx.warn(11100, `<Record> recordingStatusCallback "${verb.recordingStatusCallback}" is not a URL that can be resolved; no recording status callbacks`);
  return url;
}

/**
 * Starts the transcription of a `<Record transcribe>` recording (transcriptions.md §1): 13615
 * for a `transcribeCallback` that cannot be resolved (transcribed, no callback), 13617 for a
 * length out of range (kept, not transcribed).
 */
async function transcribe(verb: RecordVerb, ctx: VerbContext, active: ActiveRecording, recording: RecordingRecord, spoken: string[] | undefined): Promise<void> {
  let callbackUrl: string | null = null;
  if (verb.transcribeCallback !== null) {
    callbackUrl = ctx.resolveUrl(verb.transcribeCallback);
    if (callbackUrl === null) ctx.warn(13615, `<Record> transcribeCallback "${verb.transcribeCallback}" is not a URL that can be resolved; transcribing without a callback`);
  }
  const outcome = await ctx.recordings.transcribe(active, recording, { callbackUrl, spoken });
  if (!outcome.started) {
    ctx.warn(13617, `Recording ${recording.sid} is ${outcome.seconds.toFixed(1)} s long; only recordings longer than 2 s and shorter than 120 s are transcribed`);
  }
}
