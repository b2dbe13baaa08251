import type { CallRecord } from '../domain/call.js';
import type { ErrorCode } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { Media } from '../ports/carrier.js';
import type { Clock } from '../ports/clock.js';
import { parseTwiml } from '../twiml/parse-twiml.js';
import { TwimlError, type Verb } from '../twiml/verbs.js';
import { runVerb, VERBS } from '../verbs/index.js';
import type { ChildCalls, VerbContext, VerbOutcome } from '../verbs/verb-context.js';
import type { TwimlFetcher, TwimlFetchResult } from '../ports/twiml-fetcher.js';
import type { CallRecordings } from '../recordings/recordings.js';
import type { CallInput } from '../verbs/call-input.js';
import type { CallEvents } from '../ports/call-events.js';
import { voiceParams } from './webhook-params.js';

/** Where the next TwiML document comes from: a URL to request, or inline TwiML. */
export interface DocumentSource {
  url: string | null;
  method: HttpMethod;
  twiml: string | null;
  /** Extra request parameters (a verb's `Digits`, …) on top of the standard ones. */
  params?: Record<string, string>;
  fallbackUrl?: string | null;
  fallbackMethod?: HttpMethod;
}


export interface NotificationInput {
  code: ErrorCode;
  message: string;
  level: 0 | 1;
  requestUrl?: string;
  requestMethod?: string;
  requestVariables?: Record<string, string>;
  responseBody?: string;
}

/** What the runner needs from its call; it never changes call state itself. */
export interface ProgramEnv {
  call(): CallRecord;
  readonly media: Media;
  readonly input: CallInput;
  readonly clock: Clock;
  readonly fetcher: TwimlFetcher;
  readonly events: CallEvents;
  readonly authToken: string;
  readonly recordings: CallRecordings;
  /** Child calls for `<Dial>`; null where dialing out is not allowed (a whisper document). */
  readonly calls: ChildCalls | null;
  /** Asks the session to answer the call (inbound); resolves once it is in progress. */
  ensureAnswered(): Promise<void>;
  notify(notification: NotificationInput): void;
}

/**
 * How a program ended, for the session to act on: `end` when the document ran out of verbs
 * (a call hangs up; a `<Dial>` child's whisper document goes on to the bridge), `hangup` for
 * `<Hangup>` or an application error, `reject` for `<Reject>`.
 */
export type ProgramEnd = { type: 'end' } | { type: 'hangup' } | { type: 'reject'; reason: 'busy' | 'rejected' };

interface LoadedDocument {
  verbs: Verb[];
  /** URL the document came from (after redirects); null for inline TwiML. */
  url: string | null;
}

/** Twilio's spoken message when an app's TwiML cannot be used (xml-and-errors.md §4b). */
const APPLICATION_ERROR = 'We are sorry, an application error has occurred. Goodbye.';

/**
 * Runs TwiML documents one after another, as Twilio does (twiml-voice.md §1): verbs top to
 * bottom; a verb that requests a URL (`action`, `<Redirect>`) replaces the document; when the
 * document runs out, the call hangs up. Rejects with the signal's reason when aborted.
 */
export async function runProgram(env: ProgramEnv, first: DocumentSource, signal: AbortSignal): Promise<ProgramEnd> {
  let source = first;
  for (;;) {
    const document = await loadDocument(env, source, signal);
    if (!document) return applicationError(env, signal);
    const outcome = await runVerbs(env, document.verbs, document.url, signal);
    if (outcome.type === 'error') {
      env.notify({ code: outcome.code, level: 0, message: outcome.message, requestUrl: document.url ?? undefined });
      return applicationError(env, signal);
    }
    if (outcome.type !== 'fetch') return outcome;
    const url = resolveUrl(outcome.url, document.url);
    if (!url) {
      env.notify({ code: 11100, level: 0, message: `Invalid URL "${outcome.url}": a relative URL needs a document URL to resolve against (inline TwiML has none)` });
      return applicationError(env, signal);
    }
    if (outcome.afterHangup) return reportAfterHangup(env, url, outcome, signal);
    source = { url, method: outcome.method, twiml: null, params: outcome.params };
  }
}

type FetchOutcome = { type: 'fetch'; url: string; method: HttpMethod; params: Record<string, string>; afterHangup?: boolean };
type VerbsEnd = ProgramEnd | FetchOutcome | Extract<VerbOutcome, { type: 'error' }>;

/**
 * The request a verb still makes once its call has ended (`<Record>`'s action after a hangup):
 * sent on its own, not tied to the document's signal, with `CallStatus=completed`; the
 * response is not run. Problems with it become Notifications like any other request.
 */
async function reportAfterHangup(env: ProgramEnv, url: string, outcome: FetchOutcome, signal: AbortSignal): Promise<ProgramEnd> {
  const params = { ...voiceParams(env.call(), 'completed'), ...outcome.params };
  void exchange(env, url, outcome.method, params).then(
    (result) => {
      if (!result.ok) env.notify({ code: result.code, level: 0, message: result.message, requestUrl: url, requestMethod: outcome.method, requestVariables: params });
    },
    () => {},
  );
  if (signal.aborted) throw signal.reason;
  return { type: 'hangup' };
}

async function runVerbs(env: ProgramEnv, verbs: Verb[], documentUrl: string | null, signal: AbortSignal): Promise<VerbsEnd> {
  const ctx: VerbContext = {
    media: env.media,
    clock: env.clock,
    input: env.input,
    signal,
    recordings: env.recordings,
    resolveUrl: (url) => resolveUrl(url, documentUrl),
    warn: (code, message) => env.notify({ code, message, level: 1 }),
    call: env.call,
    answer: env.ensureAnswered,
    calls: env.calls,
  };
  const callSid = env.call().sid;
  for (const verb of verbs) {
    if (signal.aborted) throw signal.reason;
    if (VERBS[verb.kind].answers === 'answered') await env.ensureAnswered();
    env.events.emit('verb-started', { callSid, verb: verb.kind, at: env.clock.now() });
    let outcome: VerbOutcome | undefined;
    try {
      outcome = await runVerb(verb, ctx);
    } finally {
      env.events.emit('verb-ended', { callSid, verb: verb.kind, outcome: outcome?.type ?? 'aborted', at: env.clock.now() });
    }
    if (outcome.type !== 'next') return outcome;
  }
  return { type: 'end' };
}

async function loadDocument(env: ProgramEnv, source: DocumentSource, signal: AbortSignal): Promise<LoadedDocument | null> {
  if (source.url === null) {
    const inline = parse(env, source.twiml ?? '', null);
    return inline.ok ? inline.document : null;
  }
  const params = { ...voiceParams(env.call()), ...source.params };
  const primary = await request(env, source.url, source.method, params, signal);
  if (primary.ok) return primary.document;
  if (!source.fallbackUrl) return null;
  const fallbackParams = { ...params, ErrorCode: String(primary.code), ErrorUrl: source.url };
  const fallback = await request(env, source.fallbackUrl, source.fallbackMethod ?? 'POST', fallbackParams, signal);
  return fallback.ok ? fallback.document : null;
}

type Attempt = { ok: true; document: LoadedDocument } | { ok: false; code: ErrorCode };

/** One TwiML request; every failure becomes a Notification on the call (11200, 12100, …). */
async function request(env: ProgramEnv, url: string, method: HttpMethod, params: Record<string, string>, signal: AbortSignal): Promise<Attempt> {
  const result = await exchange(env, url, method, params, signal);
  if (signal.aborted) throw signal.reason;
  if (!result.ok) {
    env.notify({
      code: result.code, level: 0, message: result.message, requestUrl: url, requestMethod: method,
      requestVariables: params, responseBody: result.responseBody,
    });
    return { ok: false, code: result.code };
  }
  return parse(env, result.body, result.url, { url, method, params });
}

/** One TwiML request, told to the event listeners as it is sent and once it is answered. */
async function exchange(env: ProgramEnv, url: string, method: HttpMethod, params: Record<string, string>, signal?: AbortSignal): Promise<TwimlFetchResult> {
  const callSid = env.call().sid;
  const sentAt = env.clock.now();
  env.events.emit('webhook-requested', { callSid, url, method, params, at: sentAt });
  const result = await env.fetcher.fetchTwiml({ url, method, params, authToken: env.authToken, signal });
  const answeredAt = env.clock.now();
  env.events.emit('webhook-answered', {
    callSid, url, method, ok: result.ok, ms: answeredAt - sentAt, at: answeredAt,
    ...(result.ok ? { status: result.status, contentType: result.contentType, body: result.body } : { status: result.status, errorCode: result.code, body: result.responseBody }),
  });
  return result;
}

/** Parses a document; its failure code (12100, 12102, 12200) is what a fallback request reports. */
function parse(env: ProgramEnv, xml: string, url: string | null, request?: { url: string; method: string; params: Record<string, string> }): Attempt {
  try {
    const document = parseTwiml(xml);
    for (const warning of document.warnings) env.notify({ code: warning.code, message: warning.message, level: 1, requestUrl: request?.url });
    return { ok: true, document: { verbs: document.verbs, url } };
  } catch (error) {
    if (!(error instanceof TwimlError)) throw error;
    env.notify({
      code: error.code, level: 0, message: error.message, requestUrl: request?.url, requestMethod: request?.method,
      requestVariables: request?.params, responseBody: xml.slice(0, 65536),
    });
    return { ok: false, code: error.code };
  }
}

async function applicationError(env: ProgramEnv, signal: AbortSignal): Promise<ProgramEnd> {
  await env.ensureAnswered();
  await env.media.say(APPLICATION_ERROR, { voice: 'woman', language: 'en' }, signal);
  return { type: 'hangup' };
}

/** Resolves a verb's URL against the current document's URL (twiml-voice.md §1). */
function resolveUrl(url: string, base: string | null): string | null {
  try {
    return new URL(url, base ?? undefined).toString();
  } catch {
    return null;
  }
}
