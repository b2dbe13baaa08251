import type { Database as Db, Statement } from 'better-sqlite3';
import type { PageRequest, TimeRange } from '../../ports/store.js';

/** The tables listed in pages (each has a `seq` insertion counter, see migrations.ts). */
export type PagedTable = 'calls' | 'phone_numbers' | 'recordings' | 'transcriptions' | 'conferences' | 'messages' | 'queues';

/**
 * One page of a list query. List queries vary with their filters, so each distinct SQL shape
 * is prepared once and cached here.
 */
export class Pager {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  clear(): void {
    this.cache.clear();
  }

  /**
   * One page of `table` in list order (`newestFirst`: seq descending). An anchor sid is
   * looked up within the same account; when it is unknown the sub-select yields NULL, every
   * comparison with NULL is false, and the page is empty, as the port asks. `params[0]` is the
   * account SID (the first `where` clause).
   */
  rows(table: PagedTable, columns: string, where: string[], params: unknown[], page: PageRequest, newestFirst: boolean): unknown[] {
    const anchor = `(SELECT seq FROM ${table} WHERE sid = ? AND account_sid = ?)`;
    const limit = Math.max(0, Math.trunc(page.limit));
    const accountSid = params[0];
    let order = newestFirst ? 'DESC' : 'ASC';
    let tail = 'LIMIT ?';
    let reverse = false;
    const args = [...params];
    if (page.afterSid !== undefined) {
      where = [...where, `seq ${newestFirst ? '<' : '>'} ${anchor}`];
      args.push(page.afterSid, accountSid);
      args.push(limit);
    } else if (page.beforeSid !== undefined) {
      // The `limit` rows nearest the anchor on the other side: read them walking away from
      // it, then flip them back into list order.
      where = [...where, `seq ${newestFirst ? '>' : '<'} ${anchor}`];
      args.push(page.beforeSid, accountSid);
      order = newestFirst ? 'ASC' : 'DESC';
      reverse = true;
      args.push(limit);
    } else {
      tail = 'LIMIT ? OFFSET ?';
      args.push(limit, Math.max(0, Math.trunc(page.offset ?? 0)));
    }
    const sql = `SELECT ${columns} FROM ${table} WHERE ${where.join(' AND ')} ORDER BY seq ${order} ${tail}`;
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    const rows = stmt.all(...args);
    return reverse ? rows.reverse() : rows;
  }
}

/** Half-open `gte <= t < lt`; any range (even `{}`) excludes rows whose time is null. */
export function addRange(where: string[], params: unknown[], column: string, range: TimeRange | undefined): void {
  if (!range) return;
  where.push(`${column} IS NOT NULL`);
  if (range.gte !== undefined) { where.push(`${column} >= ?`); params.push(range.gte); }
  if (range.lt !== undefined) { where.push(`${column} < ?`); params.push(range.lt); }
}
