/**
 * Small lexical helpers shared by the field parsers (RFC 3261 §25.1). Every scanner here is a
 * single left-to-right pass: no backtracking regular expressions on untrusted input.
 */
import { fail } from './errors.js';

const TOKEN_EXTRA = new Set('-.!%*_+`\'~');

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"). */
export function isTokenChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || TOKEN_EXTRA.has(ch);
}

export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTokenChar(text[i]!)) return false;
  return true;
}

export function isLws(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** Trims SP, HTAB, CR and LF only: String.prototype.trim would also eat U+FEFF and NBSP. */
export function trimLws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isLws(text[start])) start++;
  while (end > start && isLws(text[end - 1])) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

export function skipLws(text: string, i: number): number {
  while (i < text.length && isLws(text[i])) i++;
  return i;
}

/**
 * Index just past the closing quote of the quoted-string opening at `start` (§25.1: quoted-pair
 * escapes one character). Throws when the quote is never closed.
 */
export function endOfQuoted(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '"') return i + 1;
  }
  return fail('Unterminated quoted string');
}

/** The content of a quoted-string with its quoted-pairs resolved. */
export function unquote(quoted: string): string {
  let out = '';
  for (let i = 1; i < quoted.length - 1; i++) {
    const ch = quoted[i]!;
    if (ch === '\\' && i + 1 < quoted.length - 1) out += quoted[++i];
    else out += ch;
  }
  return out;
}

export function quote(text: string): string {
  let out = '"';
  for (const ch of text) out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
  return out + '"';
}

/**
 * Splits a header value on top-level `sep`, ignoring separators inside quoted strings and
 * `<...>` (RFC 3261 §7.3.1: a comma inside a URI or display name does not split). Entries are
 * trimmed; empty entries are dropped.
 */
export function splitTopLevel(value: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') {
      const end = findQuoteEnd(value, i);
      if (end < 0) break;
      i = end - 1;
    } else if (ch === '<') inAngle = true;
    else if (ch === '>') inAngle = false;
    else if (ch === sep && !inAngle) {
      parts.push(trimLws(value.slice(start, i)));
      start = i + 1;
    }
  }
  parts.push(trimLws(value.slice(start)));
  return parts.filter((p) => p.length > 0);
}

/** Like endOfQuoted but returns -1 instead of throwing (splitting is lenient; parsing is not). */
function findQuoteEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '"') return i + 1;
  }
  return -1;
}

/**
 * Parses `;name[=value]` generic parameters (§25.1 generic-param) starting at `i`, which must
 * point at ";" or the end. Names are lower-cased; a quoted value keeps its quotes so it
 * formats back unchanged; a flag parameter is `null`.
 */
export function parseGenericParams(text: string, i: number, what: string): Record<string, string | null> {
  const params: Record<string, string | null> = {};
  i = skipLws(text, i);
  while (i < text.length) {
    if (text[i] !== ';') fail(`Unexpected "${text[i]}" in ${what}`);
    i = skipLws(text, i + 1);
    const nameStart = i;
    while (i < text.length && isTokenChar(text[i]!)) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    if (name.length === 0) fail(`Empty parameter name in ${what}`);
    i = skipLws(text, i);
    let value: string | null = null;
    if (text[i] === '=') {
      i = skipLws(text, i + 1);
      const valueStart = i;
      if (text[i] === '"') i = endOfQuoted(text, i);
      else if (text[i] === '[') {
        const close = text.indexOf(']', i);
        if (close < 0) fail(`Unterminated IPv6 reference in ${what}`);
        i = close + 1;
      } else while (i < text.length && (isTokenChar(text[i]!) || text[i] === ':')) i++;
      value = text.slice(valueStart, i);
      if (value.length === 0) fail(`Empty value for parameter "${name}" in ${what}`);
      i = skipLws(text, i);
    }
    params[name] = value;
  }
  return params;
}

export function formatParams(params: Record<string, string | null>): string {
  let out = '';
  for (const [name, value] of Object.entries(params)) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}
