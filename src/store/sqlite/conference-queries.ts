import type { Database as Db, Statement } from 'better-sqlite3';
import type { ConferenceEndReason, ConferenceRecord, ConferenceStatus } from '../../domain/conference.js';
import type { ConferenceFilter, ConferenceStore } from '../../ports/conference-store.js';
import type { NewCallback, PageRequest } from '../../ports/store.js';
import type { WriteBatcher } from './write-batcher.js';
import { addRange, Pager } from './paging.js';

const COLUMNS = 'sid, account_sid, friendly_name, status, region, date_created, date_updated, reason_conference_ended, call_sid_ending_conference, callback_sequence';
const at = (columns: string) => columns.split(', ').map((c) => `@${c}`).join(', ');

interface ConferenceRow {
  sid: string;
  account_sid: string;
  friendly_name: string;
  status: string;
  region: string | null;
  date_created: number;
  date_updated: number;
  reason_conference_ended: string | null;
  call_sid_ending_conference: string | null;
  callback_sequence: number;
}

/**
 * The conference tables of the SQLite store (migration 3), kept out of sqlite-store.ts. Writes
 * go through the store's group-commit batcher, so a conference's callbacks are queued in the
 * same transaction as its record, like a call's.
 */
export class SqliteConferences implements ConferenceStore {
  private readonly upsert: Statement;
  private readonly get: Statement;
  private readonly live: Statement;
  private readonly insertCallback: Statement;
  private readonly pager: Pager;

  constructor(private readonly db: Db, private readonly batch: WriteBatcher) {
    this.pager = new Pager(db);
    this.upsert = db.prepare(`INSERT INTO conferences (${COLUMNS}) VALUES (${at(COLUMNS)})
      ON CONFLICT (sid) DO UPDATE SET status = excluded.status, region = excluded.region, date_updated = excluded.date_updated,
        reason_conference_ended = excluded.reason_conference_ended, call_sid_ending_conference = excluded.call_sid_ending_conference,
        callback_sequence = excluded.callback_sequence`);
    this.get = db.prepare(`SELECT ${COLUMNS} FROM conferences WHERE sid = ? AND account_sid = ?`);
    this.live = db.prepare(`SELECT ${COLUMNS} FROM conferences WHERE status <> 'completed' ORDER BY seq`);
    this.insertCallback = db.prepare(`INSERT INTO callback_outbox (call_sid, account_sid, sequence_number, url, method, params, next_attempt_at)
      VALUES (@call_sid, @account_sid, @sequence_number, @url, @method, @params, 0)`);
  }

  saveConference(conference: ConferenceRecord, callbacks: NewCallback[] = []): Promise<void> {
    return this.batch.write(() => {
      this.upsert.run(toRow(conference));
      for (const cb of callbacks) {
        this.insertCallback.run({
          call_sid: cb.callSid, account_sid: cb.accountSid, sequence_number: cb.sequenceNumber, url: cb.url, method: cb.method,
          params: JSON.stringify(cb.params),
        });
      }
    });
  }

  async getConference(accountSid: string, sid: string): Promise<ConferenceRecord | null> {
    const row = this.get.get(sid, accountSid) as ConferenceRow | undefined;
    return row ? fromRow(row) : null;
  }

  async listLiveConferences(): Promise<ConferenceRecord[]> {
    return (this.live.all() as ConferenceRow[]).map(fromRow);
  }

  async listConferences(filter: ConferenceFilter, page: PageRequest): Promise<ConferenceRecord[]> {
    const where = ['account_sid = ?'];
    const args: unknown[] = [filter.accountSid];
    if (filter.friendlyName !== undefined) { where.push('friendly_name = ?'); args.push(filter.friendlyName); }
    if (filter.status !== undefined) { where.push('status = ?'); args.push(filter.status); }
    addRange(where, args, 'date_created', filter.dateCreated);
    addRange(where, args, 'date_updated', filter.dateUpdated);
    return (this.pager.rows('conferences', COLUMNS, where, args, page, true) as ConferenceRow[]).map(fromRow);
  }
}


function toRow(c: ConferenceRecord): ConferenceRow {
  return {
    sid: c.sid, account_sid: c.accountSid, friendly_name: c.friendlyName, status: c.status, region: c.region,
    date_created: c.dateCreated, date_updated: c.dateUpdated, reason_conference_ended: c.reasonConferenceEnded,
    call_sid_ending_conference: c.callSidEndingConference, callback_sequence: c.callbackSequence,
  };
}

function fromRow(r: ConferenceRow): ConferenceRecord {
  return {
    sid: r.sid, accountSid: r.account_sid, friendlyName: r.friendly_name, status: r.status as ConferenceStatus, region: r.region,
    dateCreated: r.date_created, dateUpdated: r.date_updated, reasonConferenceEnded: r.reason_conference_ended as ConferenceEndReason | null,
    callSidEndingConference: r.call_sid_ending_conference, callbackSequence: r.callback_sequence,
  };
}
