import type { Database as Db } from 'better-sqlite3';
import type { CallExchange, CallEventStore, StoredCallExchange } from '../../ports/call-event-store.js';
import type { PageRequest } from '../../ports/store.js';
import type { WriteBatcher } from './write-batcher.js';

interface CallEventRow { seq: number; account_sid: string; call_sid: string; request: string; response: string }

/**
 * The Call Events port on SQLite's `call_events` table (migration 3). Writes join the store's
 * group commit: an exchange is logged on every webhook, on the hot path of a call.
 */
export class CallEventQueries implements CallEventStore {
  private readonly stmts;

  constructor(db: Db, private readonly batch: WriteBatcher) {
    const columns = 'seq, account_sid, call_sid, request, response';
    const ofCall = 'call_sid = ? AND account_sid = ?';
    this.stmts = {
      insert: db.prepare(`INSERT INTO call_events (account_sid, call_sid, request, response, date_created)
        VALUES (@account_sid, @call_sid, @request, @response, @date_created)`),
      first: db.prepare(`SELECT ${columns} FROM call_events WHERE ${ofCall} ORDER BY seq LIMIT ? OFFSET ?`),
      after: db.prepare(`SELECT ${columns} FROM call_events WHERE ${ofCall} AND seq > ? ORDER BY seq LIMIT ?`),
      // The `limit` rows just before the anchor, read walking back from it, then flipped.
      before: db.prepare(`SELECT ${columns} FROM call_events WHERE ${ofCall} AND seq < ? ORDER BY seq DESC LIMIT ?`),
      deleteOfCall: db.prepare(`DELETE FROM call_events WHERE ${ofCall}`),
    };
  }

  insertCallExchange(e: CallExchange): Promise<void> {
    const row = {
      account_sid: e.accountSid, call_sid: e.callSid, request: JSON.stringify(e.request),
      response: JSON.stringify(e.response), date_created: e.response.dateCreated,
    };
    return this.batch.write(() => this.stmts.insert.run(row));
  }

  async listCallExchanges(accountSid: string, callSid: string, page: PageRequest): Promise<StoredCallExchange[]> {
    const limit = Math.max(0, Math.trunc(page.limit));
    const anchor = (sid: string) => (/^\d+$/.test(sid) ? Number(sid) : null);
    let rows: CallEventRow[];
    if (page.afterSid !== undefined || page.beforeSid !== undefined) {
      const seq = anchor(page.afterSid ?? page.beforeSid!);
      // An anchor that is not a seq matches nothing, like an unknown PageToken elsewhere.
      if (seq === null) return [];
      rows = page.afterSid !== undefined
        ? (this.stmts.after.all(callSid, accountSid, seq, limit) as CallEventRow[])
        : (this.stmts.before.all(callSid, accountSid, seq, limit) as CallEventRow[]).reverse();
    } else {
      rows = this.stmts.first.all(callSid, accountSid, limit, Math.max(0, Math.trunc(page.offset ?? 0))) as CallEventRow[];
    }
    return rows.map((r) => ({
      seq: r.seq, accountSid: r.account_sid, callSid: r.call_sid,
      request: JSON.parse(r.request) as CallExchange['request'], response: JSON.parse(r.response) as CallExchange['response'],
    }));
  }

  /** Runs inside the caller's transaction (`SqliteStore.deleteCall`). */
  deleteOfCall(accountSid: string, callSid: string): void {
    this.stmts.deleteOfCall.run(callSid, accountSid);
  }
}
