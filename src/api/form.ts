import { badRequest, type ErrorCode } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';

/**
 * A request's parameters: a form body (`application/x-www-form-urlencoded`) or a query
 * string. Keys may repeat (`StatusCallbackEvent=initiated&StatusCallbackEvent=ringing`,
 * calls-api.md §1), so every key maps to its values in order.
 */
export type Form = Record<string, string[]>;

export function parseForm(text: string): Form {
  const form: Form = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) (form[key] ??= []).push(value);
  return form;
}

/**
 * A request body as a Form, whatever its content type: form bodies are already one; a JSON
 * object (not what Twilio's clients send, but easy to send by hand) has its string, number and
 * boolean values (or arrays of them) taken as values; anything else is an empty form. Without
 * this, a JSON string value was read one character at a time and other values crashed the
 * parsers (500).
 */
export function formOf(body: unknown): Form {
  const form: Form = Object.create(null);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return form;
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  for (const [key, value] of Object.entries(body)) {
    const values = (Array.isArray(value) ? value : [value]).filter(scalar).map(String);
    if (values.length > 0) form[key] = values;
  }
  return form;
}

/** The first value of `key`, or undefined when absent. */
export function one(form: Form, key: string): string | undefined {
  return form[key]?.[0];
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `Method`-style parameters: GET or POST (case-insensitive), `fallback` when absent. */
export function methodParam(form: Form, key: string, fallback: HttpMethod = 'POST'): HttpMethod {
  const value = one(form, key);
  if (value === undefined || value === '') return fallback;
  const upper = value.toUpperCase();
  if (upper !== 'GET' && upper !== 'POST') throw badRequest(21209, `${key} must be either GET or POST, not '${value}'`);
  return upper;
}

/** An optional absolute http(s) URL parameter. */
export function urlParam(form: Form, key: string, code: ErrorCode = 21205): string | null {
  const value = one(form, key);
  if (value === undefined || value === '') return null;
  if (!isHttpUrl(value)) throw badRequest(code, `${key} is not a valid URL: ${value}`);
  return value;
}

/** An optional whole-number parameter within [min, max]. */
export function integerParam(form: Form, key: string, code: ErrorCode | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | null {
  const value = one(form, key);
  if (value === undefined || value === '') return null;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
    throw badRequest(code, `${key} must be a whole number between ${min} and ${max}, not '${value}'`);
  }
  return n;
}
