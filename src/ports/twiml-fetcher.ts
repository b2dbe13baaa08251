import type { HttpMethod } from '../domain/http-method.js';

/**
 * The TwiML fetcher port: how the session gets a document from the app (webhooks.md §1). The
 * webhook client (`src/webhooks/`) is the adapter: signing, timeouts, redirects, overrides.
 */
export interface TwimlFetcher {
  fetchTwiml(options: FetchTwimlOptions): Promise<TwimlFetchResult>;
}

export type TwimlFetchResult =
  | {
      ok: true; body: string; /** Final URL after redirects (base for relative URLs in the document). */ url: string;
      /** Media type, lower case, without parameters. */ contentType: string; /** The HTTP status (2xx). */ status: number;
    }
  | { ok: false; code: TwimlFetchErrorCode; message: string; status?: number; responseBody?: string };

/** 11200 HTTP retrieval failure, 11205 connection failure, 11215 too many redirects, 11750 body too large, 12300 bad Content-Type. */
export type TwimlFetchErrorCode = 11200 | 11205 | 11215 | 11750 | 12300;

export interface FetchTwimlOptions {
  url: string;
  method: HttpMethod;
  /** Webhook parameters (webhooks.md §1): the form body for POST, the query string for GET. */
  params: Record<string, string>;
  authToken: string;
  /** Aborting rejects the fetch with the signal's reason (a hung-up call no longer needs its TwiML). */
  signal?: AbortSignal;
}

