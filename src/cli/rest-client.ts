import { accountPath } from '../domain/api-paths.js';
import { CliError, resolveConnection, type Connection } from './connection.js';

export type Json = Record<string, any>;

type Body = { form: Record<string, string | undefined> } | { json: Json } | undefined;

/**
 * Plain HTTP to the server's public API, as any Twilio client would call it: form bodies for
 * the 2010-04-01 REST API, JSON for `/sim/v1`, HTTP Basic auth, `.json` paths so that errors
 * come back as Twilio's JSON error body (`{code, message, more_info, status}`), which becomes
 * the CLI's one-line error.
 */
export class RestClient {
  private readonly authorization: string;

  constructor(readonly connection: Connection) {
    this.authorization = 'Basic ' + Buffer.from(`${connection.accountSid}:${connection.authToken}`).toString('base64');
  }

  /** `/2010-04-01/Accounts/{AC}` + `path`. */
  account(path: string): string {
    return accountPath(this.connection.accountSid) + path;
  }

  get(path: string, query: Record<string, string | undefined> = {}): Promise<Json> {
    const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const search = params.size > 0 ? (path.includes('?') ? '&' : '?') + params.toString() : '';
    return this.request('GET', path + search);
  }

  post(path: string, body: Body): Promise<Json> {
    return this.request('POST', path, body);
  }

  put(path: string, body: Body): Promise<Json> {
    return this.request('PUT', path, body);
  }

  delete(path: string): Promise<Json> {
    return this.request('DELETE', path);
  }

  /** A raw response (for streams): the same auth and error handling, the body left unread on success. */
  async open(path: string, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const response = await this.send(path, { method: 'GET', headers: { ...init.headers, authorization: this.authorization }, signal: init.signal });
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  private async request(method: string, path: string, body?: Body): Promise<Json> {
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json' };
    let payload: string | undefined;
    if (body && 'form' in body) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(Object.entries(body.form).filter((entry): entry is [string, string] => entry[1] !== undefined)).toString();
    } else if (body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    }
    const response = await this.send(path, { method, headers, body: payload });
    if (!response.ok) throw await errorOf(response);
    const text = await response.text();
    return text === '' ? {} : (JSON.parse(text) as Json);
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(this.connection.url + path, init);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new CliError(`cannot reach Switchboard at ${this.connection.url} (from ${this.connection.source}): ${reason}`);
    }
  }
}

/** Twilio's error body as one line: `error 20404: The requested resource … was not found`. */
async function errorOf(response: Response): Promise<CliError> {
  const text = await response.text();
  let body: { code?: unknown; message?: unknown } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // Not a Twilio error body: fall back to the status line and the start of the text.
  }
  if (body && typeof body.message === 'string') {
    const code = typeof body.code === 'number' ? `error ${body.code}: ` : '';
    return new CliError(`${code}${body.message} (HTTP ${response.status})`, response.status);
  }
  return new CliError(`HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`, response.status);
}

/** The client for a command's `--data-dir` (or the environment). */
export function clientFor(options: { dataDir: string }): RestClient {
  return new RestClient(resolveConnection(options));
}
