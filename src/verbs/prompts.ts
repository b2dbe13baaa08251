import type { PromptVerb } from '../twiml/verbs.js';
import { runPause } from './pause.js';
import { runPlay } from './play.js';
import { runSay } from './say.js';
import type { Answers, VerbContext, VerbOutcome } from './verb-context.js';

type Runner<V> = (verb: V, ctx: VerbContext) => Promise<VerbOutcome>;

/**
 * The verbs `<Gather>` may hold (its prompts) with their runners. A leaf of the verb table:
 * `index.ts` takes these entries as they are, and `gather.ts` runs prompts through them, so
 * each runner is listed once and there is no import cycle.
 */
export const PROMPT_VERBS: { [K in PromptVerb['kind']]: { run: Runner<Extract<PromptVerb, { kind: K }>>; answers: Answers } } = {
  Say: { run: runSay, answers: 'answered' },
  Play: { run: runPlay, answers: 'answered' },
  Pause: { run: runPause, answers: 'none' },
};

export function runPrompt(prompt: PromptVerb, ctx: VerbContext): Promise<VerbOutcome> {
  return (PROMPT_VERBS[prompt.kind].run as Runner<PromptVerb>)(prompt, ctx);
}
