import type { Database as Db, Statement } from 'better-sqlite3';
import type { MessageDirection, MessageRecord, MessageStatus } from '../../domain/message.js';
import type { HttpMethod } from '../../domain/http-method.js';
import type { MessageFilter, MessageStore } from '../../ports/message-store.js';
import type { NewCallback, PageRequest } from '../../ports/store.js';
import type { WriteBatcher } from './write-batcher.js';
import { addRange, Pager } from './paging.js';

const COLUMNS = 'sid, account_sid, to_number, from_number, body, media_urls, num_segments, status, direction, error_code, '
  + 'error_message, status_callback, status_callback_method, date_created, date_updated, date_sent, callback_sequence';
const UPDATES = ['body', 'media_urls', 'status', 'error_code', 'error_message', 'date_updated', 'date_sent', 'callback_sequence']
  .map((c) => `${c} = excluded.${c}`).join(', ');
const at = (columns: string) => columns.split(', ').map((c) => `@${c}`).join(', ');

interface MessageRow {
  sid: string; account_sid: string; to_number: string; from_number: string; body: string; media_urls: string;
  num_segments: number; status: string; direction: string; error_code: number | null; error_message: string | null;
  status_callback: string | null; status_callback_method: string; date_created: number; date_updated: number;
  date_sent: number | null; callback_sequence: number;
}

/**
 * The message tables of the SQLite store (migration 5), kept out of sqlite-store.ts. Writes go
 * through the store's group-commit batcher, so a message's status and the callbacks announcing
 * it are committed together, in the one outbox every resource shares.
 */
export class SqliteMessages implements MessageStore {
  private readonly upsert: Statement;
  private readonly get: Statement;
  private readonly remove: Statement;
  private readonly unfinished: Statement;
  private readonly insertCallback: Statement;
  private readonly block: Statement;
  private readonly unblock: Statement;
  private readonly blocked: Statement;
  private readonly pager: Pager;

  constructor(private readonly db: Db, private readonly batch: WriteBatcher) {
    this.pager = new Pager(db);
    this.upsert = db.prepare(`INSERT INTO messages (${COLUMNS}) VALUES (${at(COLUMNS)}) ON CONFLICT (sid) DO UPDATE SET ${UPDATES}`);
    this.get = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE sid = ? AND account_sid = ?`);
    this.remove = db.prepare('DELETE FROM messages WHERE sid = ? AND account_sid = ?');
    this.unfinished = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE status IN ('queued', 'sent') ORDER BY seq`);
    this.insertCallback = db.prepare(`INSERT INTO callback_outbox (call_sid, account_sid, sequence_number, url, method, params, next_attempt_at)
      VALUES (@call_sid, @account_sid, @sequence_number, @url, @method, @params, 0)`);
    this.block = db.prepare('INSERT OR IGNORE INTO message_opt_outs (sender, recipient) VALUES (?, ?)');
    this.unblock = db.prepare('DELETE FROM message_opt_outs WHERE sender = ? AND recipient = ?');
    this.blocked = db.prepare('SELECT 1 FROM message_opt_outs WHERE sender = ? AND recipient = ?');
  }

  saveMessage(message: MessageRecord, callbacks: NewCallback[] = []): Promise<void> {
    return this.batch.write(() => {
      this.upsert.run(toRow(message));
      for (const cb of callbacks) {
        this.insertCallback.run({
          call_sid: cb.callSid, account_sid: cb.accountSid, sequence_number: cb.sequenceNumber, url: cb.url, method: cb.method,
          params: JSON.stringify(cb.params),
        });
      }
    });
  }

  async getMessage(accountSid: string, sid: string): Promise<MessageRecord | null> {
    const row = this.get.get(sid, accountSid) as MessageRow | undefined;
    return row ? fromRow(row) : null;
  }

  async deleteMessage(accountSid: string, sid: string): Promise<boolean> {
    this.batch.flush();
    return this.remove.run(sid, accountSid).changes > 0;
  }

  async listUnfinishedMessages(): Promise<MessageRecord[]> {
    return (this.unfinished.all() as MessageRow[]).map(fromRow);
  }

  async setOptOut(sender: string, recipient: string, blocked: boolean): Promise<void> {
    (blocked ? this.block : this.unblock).run(sender, recipient);
  }

  async isOptedOut(sender: string, recipient: string): Promise<boolean> {
    return this.blocked.get(sender, recipient) !== undefined;
  }

  async listMessages(filter: MessageFilter, page: PageRequest): Promise<MessageRecord[]> {
    const where = ['account_sid = ?'];
    const args: unknown[] = [filter.accountSid];
    if (filter.to !== undefined) { where.push('to_number = ?'); args.push(filter.to); }
    if (filter.from !== undefined) { where.push('from_number = ?'); args.push(filter.from); }
    addRange(where, args, 'date_sent', filter.dateSent);
    return (this.pager.rows('messages', COLUMNS, where, args, page, true) as MessageRow[]).map(fromRow);
  }
}


function toRow(m: MessageRecord): MessageRow {
  return {
    sid: m.sid, account_sid: m.accountSid, to_number: m.to, from_number: m.from, body: m.body, media_urls: JSON.stringify(m.mediaUrls),
    num_segments: m.numSegments, status: m.status, direction: m.direction, error_code: m.errorCode, error_message: m.errorMessage,
    status_callback: m.statusCallback, status_callback_method: m.statusCallbackMethod, date_created: m.dateCreated,
    date_updated: m.dateUpdated, date_sent: m.dateSent, callback_sequence: m.callbackSequence,
  };
}

function fromRow(r: MessageRow): MessageRecord {
  return {
    sid: r.sid, accountSid: r.account_sid, to: r.to_number, from: r.from_number, body: r.body, mediaUrls: JSON.parse(r.media_urls) as string[],
    numSegments: r.num_segments, status: r.status as MessageStatus, direction: r.direction as MessageDirection, errorCode: r.error_code,
    errorMessage: r.error_message, statusCallback: r.status_callback, statusCallbackMethod: r.status_callback_method as HttpMethod,
    dateCreated: r.date_created, dateUpdated: r.date_updated, dateSent: r.date_sent, callbackSequence: r.callback_sequence,
  };
}
