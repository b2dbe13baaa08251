import type { Database as Db } from 'better-sqlite3';
import type { TranscriptionRecord } from '../../domain/transcription.js';
import type { NewCallback, PageRequest } from '../../ports/store.js';
import type { TranscriptionFilter } from '../../ports/transcription-store.js';
import type { Pager } from './paging.js';
import type { WriteBatcher } from './write-batcher.js';

const COLUMNS = 'sid, account_sid, recording_sid, call_sid, status, text, duration, date_created, date_updated';
const UPDATES = ['status', 'text', 'duration', 'date_updated'].map((c) => `${c} = excluded.${c}`).join(', ');
const AT = COLUMNS.split(', ').map((c) => `@${c}`).join(', ');

interface Row {
  sid: string; account_sid: string; recording_sid: string; call_sid: string; status: string; text: string | null;
  duration: number; date_created: number; date_updated: number;
}

/**
 * The SQLite side of the TranscriptionStore port (migration 7), kept apart from sqlite-store.ts.
 * Writes go through the store's WriteBatcher, and a transcription's callbacks are inserted by
 * the store's own statement in the same savepoint.
 */
export class TranscriptionQueries {
  private readonly upsert;
  private readonly getOne;
  private readonly deleteOne;
  private readonly unfinishedAll;

  constructor(
    db: Db,
    private readonly batch: WriteBatcher,
    private readonly pager: Pager,
    private readonly insertCallback: (callback: NewCallback) => void,
  ) {
    this.upsert = db.prepare(`INSERT INTO transcriptions (${COLUMNS}) VALUES (${AT}) ON CONFLICT (sid) DO UPDATE SET ${UPDATES}`);
    this.getOne = db.prepare(`SELECT ${COLUMNS} FROM transcriptions WHERE sid = ? AND account_sid = ?`);
    this.deleteOne = db.prepare('DELETE FROM transcriptions WHERE sid = ? AND account_sid = ?');
    this.unfinishedAll = db.prepare(`SELECT ${COLUMNS} FROM transcriptions WHERE status = 'in-progress' ORDER BY seq`);
  }

  save(t: TranscriptionRecord, callbacks: NewCallback[] = []): Promise<void> {
    return this.batch.write(() => {
      this.upsert.run({
        sid: t.sid, account_sid: t.accountSid, recording_sid: t.recordingSid, call_sid: t.callSid, status: t.status,
        text: t.text, duration: t.duration, date_created: t.dateCreated, date_updated: t.dateUpdated,
      });
      for (const callback of callbacks) this.insertCallback(callback);
    });
  }

  get(accountSid: string, sid: string): TranscriptionRecord | null {
    const row = this.getOne.get(sid, accountSid) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  list(filter: TranscriptionFilter, page: PageRequest): TranscriptionRecord[] {
    const where = ['account_sid = ?'];
    const params: unknown[] = [filter.accountSid];
    if (filter.recordingSid !== undefined) { where.push('recording_sid = ?'); params.push(filter.recordingSid); }
    return (this.pager.rows('transcriptions', COLUMNS, where, params, page, true) as Row[]).map(fromRow);
  }

  delete(accountSid: string, sid: string): boolean {
    return this.deleteOne.run(sid, accountSid).changes > 0;
  }

  unfinished(): TranscriptionRecord[] {
    return (this.unfinishedAll.all() as Row[]).map(fromRow);
  }
}

function fromRow(r: Row): TranscriptionRecord {
  return {
    sid: r.sid, accountSid: r.account_sid, recordingSid: r.recording_sid, callSid: r.call_sid,
    status: r.status as TranscriptionRecord['status'], text: r.text, duration: r.duration,
    dateCreated: r.date_created, dateUpdated: r.date_updated,
  };
}
