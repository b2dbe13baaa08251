import type { ErrorCode } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { TwimlWarning } from './verbs.js';

/**
 * Typed readers for TwiML attribute values. Twilio treats a bad attribute value as a warning
 * (13xxx in the error dictionary): the verb still runs, with the attribute's default. Each
 * reader does the same: it records the warning and returns the fallback. An absent attribute
 * is not a problem and yields the fallback silently; an unknown attribute is never read.
 */
export type Warn = (warning: TwimlWarning) => void;

export interface AttributeSpec<F> {
  /** Verb name, for messages: `Say`, `Gather`… */
  verb: string;
  /** Attribute name, case-sensitive as in TwiML. */
  name: string;
  /** Twilio warning code for an invalid value. */
  code: ErrorCode;
  fallback: F;
}

type Attrs = ReadonlyMap<string, string>;

/**
 * Integer attribute (`loop`, `length`, `timeout`, `numDigits`…), at least `min`. Surrounding
 * whitespace is tolerated; signs, decimals and exponents are not (`"1.5"` and `"1e3"` are invalid).
 */
export function readInteger<F>(attrs: Attrs, spec: AttributeSpec<F> & { min: number }, warn: Warn): number | F {
  const raw = attrs.get(spec.name);
  if (raw === undefined) return spec.fallback;
  const text = raw.trim();
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (Number.isSafeInteger(value) && value >= spec.min) return value;
  const expected = spec.min === 0 ? 'an integer ≥ 0' : spec.min === 1 ? 'a positive integer' : `an integer ≥ ${spec.min}`;
  invalid(spec, raw, expected, warn);
  return spec.fallback;
}

/**
 * One of a fixed set of words (`reason`, `actionOnEmptyResult`…). Matching ignores case and
 * surrounding whitespace, because a value Twilio would plausibly accept should not break a call
 * here; the result is the canonical spelling from `allowed`.
 */
export function readEnum<T extends string, F>(attrs: Attrs, spec: AttributeSpec<F>, allowed: readonly T[], warn: Warn): T | F {
  const raw = attrs.get(spec.name);
  if (raw === undefined) return spec.fallback;
  const found = allowed.find((v) => v.toLowerCase() === raw.trim().toLowerCase());
  if (found !== undefined) return found;
  invalid(spec, raw, allowed.map((v) => `"${v}"`).join(' or '), warn);
  return spec.fallback;
}

/** `method="GET|POST"` (TwiML default POST everywhere, twiml-voice.md §1); `get` is accepted as GET. */
export function readMethod(attrs: Attrs, verb: string, code: ErrorCode, warn: Warn): HttpMethod {
  return readEnum(attrs, { verb, name: 'method', code, fallback: 'POST' as const }, ['GET', 'POST'] as const, warn);
}

/** `true` / `false` (case-insensitive). */
export function readBoolean(attrs: Attrs, spec: AttributeSpec<boolean>, warn: Warn): boolean {
  const value = readEnum(attrs, spec, ['true', 'false'] as const, warn);
  return value === 'true' || value === true;
}

/** Free text (`voice`, `language`, `action`, `hints`): trimmed; absent or blank yields `fallback`. */
export function readText<F>(attrs: Attrs, name: string, fallback: F): string | F {
  const value = attrs.get(name)?.trim();
  return value ? value : fallback;
}

/**
 * A URL a verb may request: relative (resolved against the document), or absolute http(s).
 * Whitespace inside, or another scheme, is not one.
 */
export function isTwimlUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value, 'http://relative.invalid/');
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Records the standard "invalid value" warning. */
export function invalid(spec: AttributeSpec<unknown>, raw: string, expected: string, warn: Warn): void {
  warn({
    code: spec.code,
    message: `<${spec.verb}> ${spec.name}="${raw}" is invalid (expected ${expected}); using ${show(spec.fallback)}`,
  });
}

function show(value: unknown): string {
  if (value === null) return 'no value';
  return typeof value === 'string' ? `"${value}"` : String(value);
}
