import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { startSwitchboard, type Switchboard, type SwitchboardOptions } from '../../src/app.js';
import { TwimlApp } from './twiml-app.js';

export interface Harness {
  server: Switchboard;
  /** The official SDK, pointed at Switchboard as sdk-base-url.md §1 describes. */
  client: ReturnType<typeof twilio>;
  app: TwimlApp;
  dataDir: string;
  /** Calls the simulated network's HTTP API with the account's credentials. */
  sim(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Raw REST request with the account's credentials. */
  rest(method: string, path: string, form?: Record<string, string | string[]>, auth?: string): Promise<{ status: number; body: string; json: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * A Switchboard on a free port with a fresh data dir and compressed time (×0.01 by default),
 * the official SDK pointed at it, and a real TwiML app on node:http.
 */
export async function startHarness(options: Partial<SwitchboardOptions> & { keepDataDir?: boolean } = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'switchboard-test-')));
  const server = await startSwitchboard({ port: 0, timeScale: 0.01, logger: false, ...options, dataDir });
  const client = twilio(server.accountSid, server.authToken);
  client.api.baseUrl = server.url;
  const app = await TwimlApp.start();
  const authorization = 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64');

  const sim: Harness['sim'] = async (method, path, body) => {
    const response = await fetch(server.url + path, {
      method,
      headers: { authorization, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const rest: Harness['rest'] = async (method, path, form, auth = authorization) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(form ?? {})) for (const v of [value].flat()) params.append(key, v);
    const response = await fetch(server.url + path, {
      method, headers: { authorization: auth, ...(form && { 'content-type': 'application/x-www-form-urlencoded' }) }, body: form ? params : undefined,
    });
    const body = await response.text();
    let json: unknown = null;
    try { json = JSON.parse(body); } catch { /* XML or empty */ }
    return { status: response.status, body, json, headers: response.headers };
  };
  return {
    server, client, app, dataDir, sim, rest,
    async close() {
      await server.close();
      await app.close();
      if (!options.keepDataDir && !options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `read` until `done` holds (behaviour, not timing: the timeout only bounds a broken run). */
export async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const say = (text: string) => `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${text}</Say></Response>`;
