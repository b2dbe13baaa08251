import type { Json } from './rest-client.js';

/** Writes a line to stdout (the commands' only output; errors go through CliError to stderr). */
export function print(text = ''): void {
  process.stdout.write(text + '\n');
}

/** `--json`: the REST JSON, indented, as it came from the server. */
export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/**
 * Columns padded to their widest cell, two spaces apart, the last one unpadded. Cells are
 * plain text; colour, if any, is the caller's business after layout.
 */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A Twilio RFC 2822 date (`Wed, 02 Dec 2026 18:56:40 +0000`) as `2026-12-02 18:56:40` (UTC), or `-`. */
export function shortDate(value: unknown): string {
  if (typeof value !== 'string') return '-';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Seconds as `m:ss` (or `h:mm:ss`). */
export function clock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** A REST `duration` (a string of seconds, or null while the call is live) for a table cell. */
export function durationCell(call: Json): string {
  return call.duration === null || call.duration === undefined ? '-' : `${call.duration}s`;
}

/**
 * One resource as `key  value` lines in the REST field order, nested objects (`subresource_uris`)
 * left to `--json`.
 */
export function fields(resource: Json): string[] {
  const entries = Object.entries(resource).filter(([, value]) => value === null || typeof value !== 'object');
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${key.padEnd(width)}  ${value === null ? '-' : String(value)}`);
}
