import assert from 'node:assert/strict';
import { eventually, type Harness } from './harness.js';

/** Constants and assertions shared by the REST API suites. */
export const FROM = '+15005550006';
export const HOLD = '<Response><Pause length="3600"/></Response>';
export const HANGUP = '<Response><Hangup/></Response>';
const ERROR_KEYS = ['code', 'message', 'more_info', 'status'];

/** A Twilio JSON error body: `{code, message, more_info, status}` with status = the HTTP status. */
export function assertErrorBody(response: { status: number; json: any }, status: number, code: number): void {
  assert.equal(response.status, status);
  assert.deepEqual(Object.keys(response.json ?? {}).filter((k) => k !== 'detail').sort(), ERROR_KEYS);
  assert.equal(response.json.code, code);
  assert.equal(response.json.status, status);
  assert.equal(typeof response.json.message, 'string');
  assert.equal(response.json.more_info, `https://www.twilio.com/docs/errors/${code}`);
}

export const accountPath = (h: Harness) => `/2010-04-01/Accounts/${h.server.accountSid}`;
export const basicAuth = (h: Harness) => 'Basic ' + Buffer.from(`${h.server.accountSid}:${h.server.authToken}`).toString('base64');
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const waitForStatus = (h: Harness, sid: string, status: string) =>
  eventually(() => h.client.calls(sid).fetch(), (c) => c.status === status);

