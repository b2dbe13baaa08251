import assert from 'node:assert/strict';
import twilio from 'twilio';
import type { Harness } from './harness.js';

export type Json = Record<string, any>;

/** The raw JSON body of the SDK's last response (the SDK itself only hands out camelCased instances). */
export function lastJson(h: Harness): Json {
  const body = h.client.httpClient!.lastResponse!.body;
  return typeof body === 'string' ? JSON.parse(body) : body;
}

/** The query parameters of the SDK's last request. */
export function lastParams(h: Harness): Record<string, unknown> {
  return h.client.httpClient!.lastRequest!.params as Record<string, unknown>;
}

export function lastStatus(h: Harness): number {
  return h.client.httpClient!.lastResponse!.statusCode;
}

/** Awaits a rejection that must be the SDK's RestException with this HTTP status and Twilio code. */
export async function rejectsWith(promise: Promise<unknown>, status: number, code?: number): Promise<InstanceType<typeof twilio.RestException>> {
  let caught: unknown;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof twilio.RestException, `expected a RestException, got ${String(caught)}`);
  assert.equal(caught.status, status, caught.message);
  if (code !== undefined) {
    assert.equal(caught.code, code, caught.message);
    assert.equal(caught.moreInfo, `https://www.twilio.com/docs/errors/${code}`);
  }
  assert.equal(typeof caught.message, 'string');
  return caught;
}
