/**
 * Reading and writing header fields (RFC 3261 §7.3). Names compare case-insensitively and
 * compact forms match their full names, so `getHeader(h, 'i')` finds "Call-ID". Typed
 * accessors parse on demand: a message is parsed into strings once, and only the fields a
 * layer actually reads are parsed further. They throw SipParseError (400) on a malformed or
 * missing mandatory field.
 */
import { fail } from './errors.js';
import { parseCSeq, parseNameAddr, parseVia } from './fields.js';
import { headerKey } from './names.js';
import type { CSeq, NameAddr, SipHeader, SipMessage, Via } from './types.js';

/** The first value of `name`, or undefined. */
export function getHeader(headers: readonly SipHeader[], name: string): string | undefined {
  const key = headerKey(name);
  for (const h of headers) if (headerKey(h.name) === key) return h.value;
  return undefined;
}

/** Every value of `name`, in order. */
export function getHeaders(headers: readonly SipHeader[], name: string): string[] {
  const key = headerKey(name);
  const values: string[] = [];
  for (const h of headers) if (headerKey(h.name) === key) values.push(h.value);
  return values;
}

function required(msg: SipMessage, name: string): string {
  const value = getHeader(msg.headers, name);
  if (value === undefined) fail(`Missing ${name} header field`);
  return value;
}

/** The topmost Via (§8.1.3.3, §17.2.3: the branch identifies the transaction). */
export function topVia(msg: SipMessage): Via {
  return parseVia(required(msg, 'Via'));
}

export function fromOf(msg: SipMessage): NameAddr {
  return parseNameAddr(required(msg, 'From'));
}

export function toOf(msg: SipMessage): NameAddr {
  return parseNameAddr(required(msg, 'To'));
}

export function callIdOf(msg: SipMessage): string {
  const value = required(msg, 'Call-ID').trim();
  if (value.length === 0 || /[\s]/.test(value)) fail('Malformed Call-ID header field');
  return value;
}

export function cseqOf(msg: SipMessage): CSeq {
  return parseCSeq(required(msg, 'CSeq'));
}

/** The first Contact; undefined when there is none or it is the REGISTER wildcard "*". */
export function contactOf(msg: SipMessage): NameAddr | undefined {
  const value = getHeader(msg.headers, 'Contact');
  if (value === undefined || value.trim() === '*') return undefined;
  return parseNameAddr(value);
}

export function tagOf(na: NameAddr): string | undefined {
  return na.params.tag ?? undefined;
}

/** Max-Forwards (§20.22, 0–255), or undefined when absent. */
export function maxForwardsOf(msg: SipMessage): number | undefined {
  const value = getHeader(msg.headers, 'Max-Forwards');
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^[0-9]{1,10}$/.test(trimmed) || Number(trimmed) > 255) fail('Malformed Max-Forwards header field');
  return Number(trimmed);
}
