import type { Timer } from '../ports/clock.js';
import type { InputEvent } from './call-input.js';
import type { GatherVerb, PromptVerb } from '../twiml/verbs.js';
import { runPause } from './pause.js';
import { runPlay } from './play.js';
import { runSay } from './say.js';
import { NEXT, type VerbContext, type VerbOutcome } from './verb-context.js';

/**
 * `<Gather>`: plays its nested prompts while listening for DTMF and/or speech
 * (https://www.twilio.com/docs/voice/twiml/gather).
 *
 * - The first key press (or utterance) stops the prompts.
 * - `timeout` starts when the prompts end, and restarts after every key.
 * - It ends on `numDigits` keys, on `finishOnKey` (not included in `Digits`), on a speech
 *   result, or on `timeout` of silence.
 * - With input: the `action` is requested with `Digits` or `SpeechResult`/`Confidence`.
 *   Without: the next verb runs, unless `actionOnEmptyResult` is set.
 */
export async function runGather(verb: GatherVerb, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const prompts = new AbortController();
  const stopPrompts = () => prompts.abort(new Error('input received'));
  let digits = '';
  let speech: { text: string; confidence: number } | null = null;
  /** Set once input was accepted, or the prompts ended: the silence timeout is running. */
  let timer: Timer | null = null;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const restartTimeout = () => {
    timer?.cancel();
    timer = ctx.clock.setTimer(verb.timeoutSec * 1000, finish);
  };
  // A redirect or hangup stops the prompts and the wait alike; the check after the wait throws.
  const onAbort = () => {
    stopPrompts();
    finish();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  // Input of a kind this Gather does not collect is ignored, and does not stop the prompts.
  const onInput = (event: InputEvent) => {
    if (event.kind === 'speech') {
      if (!verb.input.speech) return;
      stopPrompts();
      speech = { text: event.text, confidence: event.confidence };
      return finish();
    }
    if (!verb.input.dtmf) return;
    stopPrompts();
    for (const key of event.digits) {
      if (verb.finishOnKey !== '' && key === verb.finishOnKey) return finish();
      digits += key;
      if (verb.numDigits !== null && digits.length >= verb.numDigits) return finish();
    }
    restartTimeout();
  };
  const stopListening = ctx.input.listen(onInput);

  try {
    await playPrompts(verb.prompts, { ...ctx, signal: prompts.signal });
    if (timer === null) restartTimeout();
    await finished;
    if (ctx.signal.aborted) throw ctx.signal.reason;
  } finally {
    stopListening();
    (timer as Timer | null)?.cancel();
    ctx.signal.removeEventListener('abort', onAbort);
  }

  // Assigned inside the input listener, which TypeScript's flow analysis does not follow.
  const result = speech as { text: string; confidence: number } | null;
  if (result !== null) {
    const params = { SpeechResult: result.text, Confidence: String(result.confidence) };
    return { type: 'fetch', url: actionOf(verb), method: verb.method, params };
  }
  if (digits !== '') return { type: 'fetch', url: actionOf(verb), method: verb.method, params: { Digits: digits } };
  if (verb.actionOnEmptyResult) return { type: 'fetch', url: actionOf(verb), method: verb.method, params: { Digits: '' } };
  return NEXT;
}

/** Without `action`, Gather posts to the current document URL (twiml-voice.md §4). */
function actionOf(verb: GatherVerb): string {
  return verb.action ?? '';
}

const RUNNERS = { Say: runSay, Play: runPlay, Pause: runPause } as const;

/** Plays the prompts in order; returns quietly when input stops them. */
async function playPrompts(prompts: PromptVerb[], ctx: VerbContext): Promise<void> {
  try {
    for (const prompt of prompts) {
      await (RUNNERS[prompt.kind] as (v: PromptVerb, c: VerbContext) => Promise<VerbOutcome>)(prompt, ctx);
    }
  } catch (error) {
    if (!ctx.signal.aborted) throw error;
  }
}
