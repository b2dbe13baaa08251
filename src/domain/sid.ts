import { randomBytes } from 'node:crypto';

/** Twilio SIDs: a two-letter prefix and 32 lowercase hex digits (calls-api.md §2). */
export type SidPrefix = 'AC' | 'CA' | 'PN' | 'NO' | 'RE' | 'CF' | 'QU' | 'SM' | 'MM' | 'TR';

export function newSid(prefix: SidPrefix): string {
  return prefix + randomBytes(16).toString('hex');
}

export function isSid(prefix: SidPrefix, value: unknown): value is string {
  return typeof value === 'string' && value.length === 34 && value.startsWith(prefix) && /^[0-9a-fA-F]{32}$/.test(value.slice(2));
}

export function isAuthToken(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-fA-F]{32}$/.test(value);
}
