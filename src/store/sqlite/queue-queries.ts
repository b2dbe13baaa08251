import type { Database as Db, Statement } from 'better-sqlite3';
import type { QueueRecord } from '../../domain/queue.js';
import type { PageRequest } from '../../ports/store.js';
import type { QueueStore } from '../../ports/queue-store.js';
import { Pager } from './paging.js';

const COLUMNS = 'sid, account_sid, friendly_name, max_size, date_created, date_updated';

interface QueueRow {
  sid: string;
  account_sid: string;
  friendly_name: string;
  max_size: number;
  date_created: number;
  date_updated: number;
}

/**
 * The queue table of the SQLite store (migration 6), kept out of sqlite-store.ts. Queue writes
 * are rare (a create, an update): they run at once, outside the call writes' group commit, so
 * the UNIQUE name constraint answers the request that broke it.
 */
export class SqliteQueues implements QueueStore {
  private readonly insert: Statement;
  private readonly update: Statement;
  private readonly get: Statement;
  private readonly byName: Statement;
  private readonly remove: Statement;
  private readonly pager: Pager;

  constructor(private readonly db: Db) {
    this.pager = new Pager(db);
    this.insert = db.prepare(`INSERT INTO queues (${COLUMNS}) VALUES (@sid, @account_sid, @friendly_name, @max_size, @date_created, @date_updated)
      ON CONFLICT (account_sid, friendly_name) DO NOTHING`);
    this.update = db.prepare(`UPDATE OR IGNORE queues SET friendly_name = @friendly_name, max_size = @max_size, date_updated = @date_updated
      WHERE sid = @sid AND account_sid = @account_sid`);
    this.get = db.prepare(`SELECT ${COLUMNS} FROM queues WHERE sid = ? AND account_sid = ?`);
    this.byName = db.prepare(`SELECT ${COLUMNS} FROM queues WHERE account_sid = ? AND friendly_name = ?`);
    this.remove = db.prepare('DELETE FROM queues WHERE sid = ? AND account_sid = ?');
  }

  async insertQueue(queue: QueueRecord): Promise<boolean> {
    return this.insert.run(toRow(queue)).changes === 1;
  }

  async updateQueue(queue: QueueRecord): Promise<boolean> {
    return this.update.run(toRow(queue)).changes === 1;
  }

  async getQueue(accountSid: string, sid: string): Promise<QueueRecord | null> {
    const row = this.get.get(sid, accountSid) as QueueRow | undefined;
    return row ? fromRow(row) : null;
  }

  async findQueueByName(accountSid: string, friendlyName: string): Promise<QueueRecord | null> {
    const row = this.byName.get(accountSid, friendlyName) as QueueRow | undefined;
    return row ? fromRow(row) : null;
  }

  async deleteQueue(accountSid: string, sid: string): Promise<boolean> {
    return this.remove.run(sid, accountSid).changes === 1;
  }

  async listQueues(accountSid: string, page: PageRequest): Promise<QueueRecord[]> {
    const where = ['account_sid = ?'];
    const args: unknown[] = [accountSid];
    return (this.pager.rows('queues', COLUMNS, where, args, page, false) as QueueRow[]).map(fromRow);
  }
}

function toRow(q: QueueRecord): QueueRow {
  return {
    sid: q.sid, account_sid: q.accountSid, friendly_name: q.friendlyName, max_size: q.maxSize,
    date_created: q.dateCreated, date_updated: q.dateUpdated,
  };
}

function fromRow(r: QueueRow): QueueRecord {
  return {
    sid: r.sid, accountSid: r.account_sid, friendlyName: r.friendly_name, maxSize: r.max_size,
    dateCreated: r.date_created, dateUpdated: r.date_updated,
  };
}
