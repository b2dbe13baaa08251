import type { ErrorCode } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { Clock } from '../ports/clock.js';
import { TWILIO_HOLD_PLAYLIST } from '../ports/media-assets.js';
import type { Verb } from '../twiml/verbs.js';
import type { VerbContext, VerbOutcome, WaitDocumentEnd, WaitDocumentRequest } from '../verbs/verb-context.js';

/** A wait document as fetched: TwiML to run, audio to play, or why it could not be had. */
export type FetchedWaitDocument =
  | { type: 'twiml'; verbs: Verb[]; url: string }
  | { type: 'audio'; url: string }
  | { type: 'failed'; code: ErrorCode; message: string };

/** What a wait document needs from the program that runs it (document-runner.ts provides it). */
export interface WaitHost {
  readonly clock: Clock;
  /** The built-in hold music (ports/media-assets.ts). */
  holdMusicUrl(): string;
  /** Requests `url` with the standard voice parameters plus `params`; failures are already Notifications. */
  fetch(url: string, method: HttpMethod, params: Record<string, string>, signal: AbortSignal): Promise<FetchedWaitDocument>;
  /** A verb context for the document at `documentUrl`, playing on `media`, dialing nothing. */
  context(documentUrl: string, media: WaitMedia, signal: AbortSignal): VerbContext;
  runVerb(verb: Verb, ctx: VerbContext): Promise<VerbOutcome>;
  /** Records an error Notification on the call (a disallowed verb). */
  error(code: ErrorCode, message: string, requestUrl: string): void;
}

type WaitMedia = NonNullable<WaitDocumentRequest['media']>;

/** Verbs every wait, hold or announcement document may hold (conferences.md §2, queues.md §2.1). */
const ALWAYS_ALLOWED = new Set(['Play', 'Say', 'Pause', 'Redirect']);

/**
 * A document that takes no time (only a `<Redirect>`, an empty one with `refetch`, a `<Play>`
 * whose audio cannot be fetched) would be requested in a tight loop: one second of silence
 * before the next request paces it.
 */
const IDLE_PASS_MS = 1000;

/**
 * Runs a wait, hold or announcement document in place (conferences.md §2 "wait-music
 * behaviour", queues.md §2.1): `''` is silence; null (or Twilio's default playlist URL) is the
 * built-in hold music, looped; an audio URL is played (looped, unless the document `end`s);
 * TwiML runs verb by verb with only Play, Say, Pause and Redirect (plus `allow`), and what
 * happens when it runs out is `whenDone`. Rejects with the signal's reason once it aborts.
 */
export async function runWaitDocument(host: WaitHost, request: WaitDocumentRequest, media: WaitMedia, signal: AbortSignal): Promise<WaitDocumentEnd> {
  if (signal.aborted) throw signal.reason;
  if (request.url === '') return silence(signal);
  if (request.url === null || request.url === TWILIO_HOLD_PLAYLIST) return loopAudio(media, host.holdMusicUrl(), signal);
  const allowed = new Set<string>([...ALWAYS_ALLOWED, ...(request.allow ?? [])]);
  let source: { url: string; method: HttpMethod } = { url: request.url, method: request.method };
  for (;;) {
    const fetched = await host.fetch(source.url, source.method, request.params?.() ?? {}, signal);
    if (fetched.type === 'failed') return { type: 'error', code: fetched.code, message: fetched.message };
    if (fetched.type === 'audio') {
      if (request.whenDone === 'end') return playOnce(media, fetched.url, signal);
      return loopAudio(media, fetched.url, signal);
    }
    const refused = fetched.verbs.find((verb) => !allowed.has(verbName(verb)));
    if (refused) {
      const message = `<${verbName(refused)}> is not allowed in a wait, hold or announcement document (only ${[...allowed].join(', ')})`;
      host.error(request.disallowedCode, message, fetched.url);
      return { type: 'error', code: request.disallowedCode, message };
    }
    const ctx = host.context(fetched.url, media, signal);
    const pass = await runPass(host, fetched.verbs, ctx);
    if (pass.type === 'leave' || pass.type === 'hangup' || pass.type === 'error') return pass;
    if (pass.type === 'fetch') {
      const next = ctx.resolveUrl(pass.url);
      if (next === null) return { type: 'error', code: 11100, message: `Invalid URL "${pass.url}" in a wait document` };
      if (!pass.played) await host.clock.sleep(IDLE_PASS_MS, signal);
      source = { url: next, method: pass.method };
      continue;
    }
    if (request.whenDone === 'end') return { type: 'end' };
    if (request.whenDone === 'silence') return silence(signal);
    if (!pass.played) await host.clock.sleep(IDLE_PASS_MS, signal);
  }
}

type Pass =
  | { type: 'done'; played: boolean }
  | { type: 'fetch'; url: string; method: HttpMethod; played: boolean }
  | Extract<WaitDocumentEnd, { type: 'leave' | 'hangup' | 'error' }>;

/**
 * One run of a document's verbs. `played`: the pass took call time; one that took none (nothing
 * but a `<Redirect>`, or a `<Play>` that failed at once) is paced by the caller.
 */
async function runPass(host: WaitHost, verbs: Verb[], ctx: VerbContext): Promise<Pass> {
  const startedAt = host.clock.now();
  const took = () => host.clock.now() > startedAt;
  for (const verb of verbs) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const name = verbName(verb);
    if (name === 'Leave') return { type: 'leave' };
    if (name === 'Hangup') return { type: 'hangup' };
    const outcome = await host.runVerb(verb, ctx);
    switch (outcome.type) {
      case 'next': continue;
      case 'fetch': return { type: 'fetch', url: outcome.url, method: outcome.method, played: took() };
      case 'hangup': return { type: 'hangup' };
      case 'error': return outcome;
      case 'reject': return { type: 'hangup' };
    }
  }
  return { type: 'done', played: took() };
}

/** `<Leave>` (a queue's) parses as an unsupported verb until queues name it; both spellings count. */
function verbName(verb: Verb): string {
  return verb.kind === 'Unsupported' ? verb.name : verb.kind;
}

/** Plays `url` until the signal aborts; a URL that cannot be played leaves silence instead. */
async function loopAudio(media: WaitMedia, url: string, signal: AbortSignal): Promise<never> {
  for (;;) {
    try {
      await media.play(url, signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      return silence(signal);
    }
  }
}

async function playOnce(media: WaitMedia, url: string, signal: AbortSignal): Promise<WaitDocumentEnd> {
  try {
    await media.play(url, signal);
    return { type: 'end' };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return { type: 'error', code: 11200, message: `Could not play ${url}: ${(error as Error).message}` };
  }
}

/** Nothing to hear until the signal aborts (then rejects with its reason). */
function silence(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

