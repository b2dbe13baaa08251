import type { Form } from './form.js';
import { one } from './form.js';
import { parseFilterDate } from '../domain/dates.js';
import { badRequest } from '../domain/errors.js';
import type { PageRequest, TimeRange } from '../ports/store.js';
import type { ListMeta } from './render/xml.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/** The paging part of a list request (calls-api.md §4: `PageSize`, `Page`, `PageToken`). */
export interface Paging {
  pageSize: number;
  page: number;
  pageToken: string | null;
}

/**
 * Reads `PageSize` (clamped to 1–1000: twilio-node sends `PageSize=<limit>` uncapped),
 * `Page` and `PageToken`. Unreadable numbers fall back to their defaults.
 */
export function readPaging(query: Form): Paging {
  const size = Number.parseInt(one(query, 'PageSize') ?? '', 10);
  const page = Number.parseInt(one(query, 'Page') ?? '', 10);
  return {
    pageSize: Number.isFinite(size) ? Math.min(Math.max(size, 1), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE,
    page: Number.isFinite(page) && page >= 0 ? page : 0,
    pageToken: one(query, 'PageToken') ?? null,
  };
}

/**
 * The store request for a page. One extra item is asked for to learn whether a next page
 * exists. `PageToken=PA<sid>` continues after that item; `PB<sid>` ends before it
 * (Twilio's tokens, calls-api.md §4).
 */
export function pageRequest(paging: Paging): PageRequest {
  const token = paging.pageToken;
  if (token?.startsWith('PA')) return { limit: paging.pageSize + 1, afterSid: token.slice(2) };
  if (token?.startsWith('PB')) return { limit: paging.pageSize, beforeSid: token.slice(2) };
  // A `Page` far past the end (`Page=184467440737095517`) is an empty page, as any page past the
  // end is; the offset stays a whole number a store can bind.
  return { limit: paging.pageSize + 1, offset: Math.min(paging.page * paging.pageSize, MAX_OFFSET) };
}

/** 2^53 - 1: beyond it an offset is no longer an exact integer, and SQLite refuses it. */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

/** Applies a page request to items already whole in memory and in list order (short lists). */
export function slicePage<T extends { sid: string }>(items: T[], request: PageRequest): T[] {
  const at = (sid: string) => items.findIndex((item) => item.sid === sid);
  if (request.afterSid !== undefined) {
    const i = at(request.afterSid);
    return i < 0 ? [] : items.slice(i + 1, i + 1 + request.limit);
  }
  if (request.beforeSid !== undefined) {
    const i = at(request.beforeSid);
    return i < 0 ? [] : items.slice(Math.max(0, i - request.limit), i);
  }
  const offset = request.offset ?? 0;
  return items.slice(offset, offset + request.limit);
}

function uri(path: string, pairs: [string, string][]): string {
  return `${path}?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

/**
 * Builds a list page from the fetched rows: the items and the envelope's paging fields, with
 * relative URIs that keep every filter (twilio-node prefixes `next_page_uri` with its base
 * URL, so absolute URIs would break paging: sdk-base-url.md §2).
 */
export function buildPage<T extends { sid: string }>(path: string, filters: [string, string][], paging: Paging, rows: T[]): { items: T[]; meta: ListMeta } {
  const backwards = paging.pageToken?.startsWith('PB') ?? false;
  const hasNext = backwards ? true : rows.length > paging.pageSize;
  const items = rows.slice(0, paging.pageSize);
  const sizePair: [string, string] = ['PageSize', String(paging.pageSize)];
  const current: [string, string][] = [...filters, sizePair, ['Page', String(paging.page)]];
  if (paging.pageToken) current.push(['PageToken', paging.pageToken]);
  const last = items[items.length - 1];
  const first = items[0];
  const start = paging.page * paging.pageSize;
  return {
    items,
    meta: {
      page: paging.page,
      page_size: paging.pageSize,
      start,
      end: items.length === 0 ? 0 : start + items.length - 1,
      uri: uri(path, current),
      first_page_uri: uri(path, [...filters, sizePair, ['Page', '0']]),
      next_page_uri: hasNext && last ? uri(path, [...filters, sizePair, ['Page', String(paging.page + 1)], ['PageToken', `PA${last.sid}`]]) : null,
      previous_page_uri: paging.page > 0
        ? uri(path, [...filters, sizePair, ['Page', String(paging.page - 1)], ...(first ? [['PageToken', `PB${first.sid}`] as [string, string]] : [])])
        : null,
    },
  };
}

/**
 * The list filters present in `query`, in the resource's stable order, with aliases resolved
 * (e.g. `StartTimeBefore` → `StartTime<`): what a list is filtered by and what its page URIs repeat.
 */
export function listFilters(query: Form, keys: readonly string[], aliases: Record<string, string>): [string, string][] {
  const present = new Map<string, string>();
  for (const [key, values] of Object.entries(query)) {
    const name = aliases[key] ?? key;
    if (keys.includes(name) && values[0] !== undefined) present.set(name, values[0]);
  }
  return keys.filter((key) => present.has(key)).map((key) => [key, present.get(key)!]);
}

const DAY_MS = 86_400_000;

/**
 * `StartTime=D` (that day, UTC), `StartTime<=D` (on or before), `StartTime>=D` (on or after);
 * D is `YYYY-MM-DD` or an ISO timestamp (twilio-node sends one for a JS Date).
 */
export function timeRange(name: string, get: (key: string) => string | undefined): TimeRange | undefined {
  const range: TimeRange = {};
  const parse = (key: string) => {
    const value = get(key);
    if (value === undefined) return null;
    const date = parseFilterDate(value);
    if (!date) throw badRequest(70002, `${key} '${value}' is not a date (YYYY-MM-DD or ISO 8601)`);
    return { start: date.epochMs, end: date.epochMs + (date.dayOnly ? DAY_MS : 1000) };
  };
  const on = parse(name);
  const before = parse(`${name}<`);
  const after = parse(`${name}>`);
  if (on) Object.assign(range, { gte: on.start, lt: on.end });
  if (before) range.lt = Math.min(range.lt ?? Infinity, before.end);
  if (after) range.gte = Math.max(range.gte ?? -Infinity, after.start);
  return Object.keys(range).length > 0 ? range : undefined;
}
