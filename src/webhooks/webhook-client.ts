import type { FetchTwimlOptions, TwimlFetchErrorCode, TwimlFetchResult, TwimlFetcher } from '../ports/twiml-fetcher.js';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import type { HttpMethod } from '../domain/http-method.js';
import { signTwilioRequest } from './signature.js';

/** Largest TwiML document accepted; a bigger one is error 11750 (webhooks.md §1, "body > 64 kB"). */
export const MAX_TWIML_BYTES = 64 * 1024;
/** 3xx responses are followed at most this many times; one more is error 11215 (webhooks.md §1). */
export const MAX_REDIRECTS = 10;
/** Status callbacks get a fixed budget: nobody waits on them, and the outbox retries. */
export const STATUS_CALLBACK_TIMEOUT_MS = 10_000;

/**
 * Per-request connection settings, read from the URL fragment (webhooks.md §4, Twilio
 * "Webhooks: Connection Overrides"). All times are real wall-clock milliseconds: a slow app is
 * slow in real time, so these are deliberately not scaled by `--time-scale`.
 */
export interface ConnectionOverrides {
  /** `ct`: TCP connect timeout, 100–10000, default 5000. */
  connectTimeoutMs: number;
  /** `rt`: time to the first response byte and between packets, 100–15000, default 15000. */
  readTimeoutMs: number;
  /** `tt`: total time for all attempts including retries, 100–15000, default 15000. */
  totalTimeoutMs: number;
  /** `rc`: retries after a connect failure or timeout, 0–5, default 1. */
  retryCount: number;
}

export const DEFAULT_CONNECTION_OVERRIDES: Readonly<ConnectionOverrides> = Object.freeze({
  connectTimeoutMs: 5000,
  readTimeoutMs: 15000,
  totalTimeoutMs: 15000,
  retryCount: 1,
});

const OVERRIDE_KEYS = {
  ct: { field: 'connectTimeoutMs', min: 100, max: 10000 },
  rt: { field: 'readTimeoutMs', min: 100, max: 15000 },
  tt: { field: 'totalTimeoutMs', min: 100, max: 15000 },
  rc: { field: 'retryCount', min: 0, max: 5 },
} as const;

/**
 * Splits `url#ct=..&rt=..&tt=..&rc=..` into the URL to request (fragment removed: Twilio strips
 * it, and it never reaches the app) and the overrides, clamped to the documented ranges. Keys we
 * do not implement (`rp`, `e`, `sni`: their values are unverified, webhooks.md §4) and
 * non-numeric values are ignored, so a URL that works on Twilio still works here.
 */
export function splitConnectionOverrides(url: string): { url: string; overrides: ConnectionOverrides } {
  const overrides: ConnectionOverrides = { ...DEFAULT_CONNECTION_OVERRIDES };
  const hash = url.indexOf('#');
  if (hash === -1) return { url, overrides };
  for (const [key, raw] of new URLSearchParams(url.slice(hash + 1))) {
    const spec = OVERRIDE_KEYS[key as keyof typeof OVERRIDE_KEYS];
    const value = Number.parseInt(raw, 10);
    if (!spec || !Number.isFinite(value)) continue;
    overrides[spec.field] = Math.min(spec.max, Math.max(spec.min, value));
  }
  return { url: url.slice(0, hash), overrides };
}

export interface StatusCallbackOptions {
  url: string;
  method: HttpMethod;
  params: Record<string, string>;
  authToken: string;
}

export interface StatusCallbackResult {
  ok: boolean;
  status?: number;
  /** Why delivery failed, e.g. `HTTP 500 Internal Server Error` or a connection error. */
  error?: string;
}

/**
 * Media types run as TwiML (webhooks.md §1 response table). `text/plain` is accepted here; the
 * caller decides whether it is valid TwiML. Audio responses (played, then hang up, on Twilio) are
 * out of scope for now, so they are 12300 like any other type.
 */
const TWIML_TYPES = new Set(['text/xml', 'application/xml', 'text/html', 'text/plain']);

type ResponseData = Dispatcher.ResponseData;
type Failure = Extract<TwimlFetchResult, { ok: false }>;

const fail = (code: TwimlFetchErrorCode, message: string, extra: Partial<Failure> = {}): Failure => ({ ok: false, code, message, ...extra });

/**
 * Outbound HTTP to the application: TwiML fetches and status callbacks, signed the way Twilio
 * signs them (webhooks.md §3) and with Twilio's headers (webhooks.md §1). Connections are kept
 * alive in one shared undici Agent; a `#ct=` override gets its own Agent, because undici sets the
 * connect timeout per Agent, not per request.
 */
export class WebhookClient implements TwimlFetcher {
  private readonly agents = new Map<number, Agent>();

  /** Fetches a TwiML document. Never rejects except when `signal` aborts. */
  async fetchTwiml(options: FetchTwimlOptions): Promise<TwimlFetchResult> {
    const { url: configured, overrides } = splitConnectionOverrides(options.url);
    let target: URL;
    try {
      target = parseHttpUrl(configured);
    } catch {
      return fail(11200, `Invalid URL: ${configured}`);
    }
    // tt bounds every attempt and redirect together, including reading the body.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), overrides.totalTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
    const cookies = new CookieJar();
    let method = options.method;
    let params: Record<string, string> | null = options.params;
    try {
      for (let redirects = 0; ; redirects++) {
        const res = await this.send(target, method, params, options.authToken, overrides, signal, cookies.header(target));
        if (!('statusCode' in res)) return res;
        cookies.store(target, res.headers['set-cookie']);
        const status = res.statusCode;
        if (status >= 300 && status < 400 && REDIRECTS.has(status)) {
          await res.body.dump();
          if (redirects >= MAX_REDIRECTS) return fail(11215, `Too many redirects (more than ${MAX_REDIRECTS})`, { status });
          const location = headerValue(res.headers.location);
          if (!location) return fail(11200, `HTTP ${status} without a Location header`, { status });
          try {
            target = parseHttpUrl(location, target);
          } catch {
            return fail(11200, `Invalid redirect Location: ${location}`, { status });
          }
          // Like a browser (webhooks.md §1): 301/302/303 turn POST into GET without a body;
          // 307/308 repeat the method and body. A Location is requested as given, so the
          // webhook parameters are not appended to it on GET.
          if (status === 307 || status === 308) {
            if (method === 'GET') params = null;
          } else {
            method = 'GET';
            params = null;
          }
          continue;
        }
        if (status < 200 || status >= 300) {
          const { text } = await readLimited(res, MAX_TWIML_BYTES);
          return fail(11200, `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim(), { status, responseBody: text });
        }
        const contentType = mediaType(res.headers['content-type']);
        if (!contentType || !TWIML_TYPES.has(contentType.type)) {
          discard(res);
          return fail(12300, `Invalid Content-Type: ${contentType?.type ?? '(none)'}`, { status });
        }
        const length = Number(headerValue(res.headers['content-length']));
        if (length > MAX_TWIML_BYTES) {
          discard(res);
          return fail(11750, `Response body is ${length} bytes; the limit is ${MAX_TWIML_BYTES}`, { status });
        }
        const { text, over } = await readLimited(res, MAX_TWIML_BYTES, contentType.charset);
        if (over) return fail(11750, `Response body exceeds ${MAX_TWIML_BYTES} bytes`, { status });
        return { ok: true, body: text, url: target.href, contentType: contentType.type, status };
      }
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (deadline.signal.aborted) return fail(11200, `Timed out after ${overrides.totalTimeoutMs} ms (tt)`);
      return fail(11200, describe(err));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Delivers one status callback (webhooks.md §2). The response body is ignored; any 2xx counts
   * as delivered. Redirects are not followed. Never rejects: the outbox decides about retries.
   */
  async postStatusCallback(options: StatusCallbackOptions): Promise<StatusCallbackResult> {
    const { url } = splitConnectionOverrides(options.url);
    try {
      const target = parseHttpUrl(url);
      const signal = AbortSignal.timeout(STATUS_CALLBACK_TIMEOUT_MS);
      const res = await this.send(target, options.method, options.params, options.authToken, {
        ...DEFAULT_CONNECTION_OVERRIDES,
        readTimeoutMs: STATUS_CALLBACK_TIMEOUT_MS,
        retryCount: 0,
      }, signal, undefined);
      if (!('statusCode' in res)) return { ok: false, error: res.message };
      await res.body.dump();
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { ok: true, status };
      return { ok: false, status, error: `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim() };
    } catch (err) {
      return { ok: false, error: describe(err) };
    }
  }

  /** Closes every pooled connection. Idempotent; the client must not be used afterwards. */
  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }

  private agent(connectTimeoutMs: number): Agent {
    let agent = this.agents.get(connectTimeoutMs);
    if (!agent) {
      agent = new Agent({ connect: { timeout: connectTimeoutMs } });
      this.agents.set(connectTimeoutMs, agent);
    }
    return agent;
  }

  /**
   * One request (one redirect hop), retried `rc` times on a connect failure or timeout only: an
   * HTTP error is the app's answer and is not retried. The idempotency token stays the same
   * across retries of the hop, so the app can recognise a repeat.
   */
  private async send(
    target: URL,
    method: HttpMethod,
    params: Record<string, string> | null,
    authToken: string,
    overrides: ConnectionOverrides,
    signal: AbortSignal,
    cookie: string | undefined,
  ): Promise<ResponseData | Failure> {
    const form = params ? new URLSearchParams(params).toString() : '';
    const url = method === 'GET' && form ? withQuery(target, form) : target;
    // Sign exactly what goes on the wire: the normalised href (no fragment); POST adds the form.
    const headers: Record<string, string> = {
      'x-twilio-signature': signTwilioRequest(authToken, url.href, method === 'POST' ? params ?? {} : null),
      'i-twilio-idempotency-token': randomUUID(),
      'user-agent': 'TwilioProxy/1.1',
      accept: '*/*',
    };
    if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
    if (cookie) headers.cookie = cookie;
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(url, {
          dispatcher: this.agent(overrides.connectTimeoutMs),
          method,
          headers,
          body: method === 'POST' ? form : undefined,
          signal,
          headersTimeout: overrides.readTimeoutMs,
          bodyTimeout: overrides.readTimeoutMs,
        });
      } catch (err) {
        if (signal.aborted) throw err;
        const kind = classify(err);
        if (kind !== 'other' && attempt < overrides.retryCount) continue;
        return fail(kind === 'connect' ? 11205 : 11200, describe(err));
      }
    }
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT_ERRORS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown[] };
  if (typeof e?.code === 'string') return e.code;
  // Happy-eyeballs connects fail with an AggregateError of per-address errors.
  return Array.isArray(e?.errors) ? errorCode(e.errors[0]) : undefined;
}

function classify(err: unknown): 'connect' | 'timeout' | 'other' {
  const code = errorCode(err);
  if (code && CONNECT_ERRORS.has(code)) return 'connect';
  if (code && TIMEOUT_ERRORS.has(code)) return 'timeout';
  return 'other';
}

function describe(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function parseHttpUrl(url: string, base?: URL): URL {
  const parsed = new URL(url, base);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`not http(s): ${url}`);
  parsed.hash = '';
  return parsed;
}

/** Appends encoded parameters to the query, keeping the existing query as it was written. */
function withQuery(url: URL, form: string): URL {
  const merged = new URL(url.href);
  merged.search = merged.search.length > 1 ? `${merged.search.slice(1)}&${form}` : form;
  return merged;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function mediaType(header: string | string[] | undefined): { type: string; charset?: string } | null {
  const value = headerValue(header);
  if (!value) return null;
  const [type, ...rest] = value.split(';');
  const charset = rest.map((p) => p.trim().match(/^charset="?([^";]+)"?$/i)?.[1]).find(Boolean);
  return { type: type.trim().toLowerCase(), charset };
}

/**
 * Drops an unwanted body without reading it. Destroying an undici body emits an abort error on
 * the stream; nobody is listening for it, so swallow it rather than crash the process.
 */
function discard(res: ResponseData): void {
  res.body.on('error', () => {});
  res.body.destroy();
}

/** Reads at most `limit` bytes; the rest is discarded and the connection dropped. */
async function readLimited(res: ResponseData, limit: number, charset?: string): Promise<{ text: string; over: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      over = true;
      break; // leaving the loop destroys the body stream
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: decode(Buffer.concat(chunks), charset), over };
}

function decode(bytes: Buffer, charset = 'utf-8'): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes); // unknown charset label: UTF-8 is the TwiML default
  }
}

/**
 * Cookies set during one fetch are sent back on its later redirect hops (webhooks.md §1: "Cookies
 * are kept and sent back"), only to the host that set them. Attributes (Path, Expires…) are
 * ignored: the jar lives for a single fetch.
 */
class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  store(url: URL, setCookie: string | string[] | undefined): void {
    for (const line of setCookie === undefined ? [] : ([] as string[]).concat(setCookie)) {
      const pair = line.split(';', 1)[0];
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      let jar = this.byHost.get(url.host);
      if (!jar) this.byHost.set(url.host, (jar = new Map()));
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  header(url: URL): string | undefined {
    const jar = this.byHost.get(url.host);
    return jar?.size ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }
}
