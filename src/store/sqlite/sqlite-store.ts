import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { AccountRecord, CallRecord, NotificationRecord, PhoneNumberRecord } from '../../domain/call.js';
import type { RecordingRecord } from '../../domain/recording.js';
import type { CallEventStore, CallExchange, StoredCallExchange } from '../../ports/call-event-store.js';
import type { ConferenceStore } from '../../ports/conference-store.js';
import { SqliteConferences } from './conference-queries.js';
import { CallEventQueries } from './call-event-queries.js';
import { SqliteMessages } from './message-queries.js';
import type { MessageStore } from '../../ports/message-store.js';
import { SqliteQueues } from './queue-queries.js';
import type { QueueStore } from '../../ports/queue-store.js';
import type { TranscriptionRecord } from '../../domain/transcription.js';
import type { TranscriptionFilter, TranscriptionStore } from '../../ports/transcription-store.js';
import type { CallFilter, NewCallback, PageRequest, QueuedCallback, RecordingFilter, Store } from '../../ports/store.js';
import { addRange, Pager } from './paging.js';
import { TranscriptionQueries } from './transcription-queries.js';
import { applyMigrations } from './migrations.js';
import {
  callbackParams, callParams, phoneNumberParams, recordingParams, rowToCall, rowToPhoneNumber, rowToRecording,
  type AccountRow, type CallbackRow, type CallRow, type NotificationRow, type PhoneNumberRow, type RecordingRow,
} from './rows.js';
import { WriteBatcher } from './write-batcher.js';

/**
 * The embedded Store: one SQLite file (or `':memory:'`), through better-sqlite3.
 *
 * better-sqlite3 is synchronous; the methods are `async` only to fit the port, so a
 * constraint violation still surfaces as a rejected promise. Every fixed statement is
 * prepared once in `migrate()` (the tables must exist first): fetching a call is on the hot
 * path of every REST request and every session step. List queries vary with their filters
 * and are prepared once per distinct shape.
 */
export class SqliteStore implements Store, CallEventStore, TranscriptionStore {
  private readonly db: Db;
  private stmts: Statements | null = null;
  private events: CallEventQueries | null = null;
  private readonly pager: Pager;
  private transcriptionQueries: TranscriptionQueries | null = null;
  /** Calls, their callbacks and notifications are written on every call step: group-committed. */
  private readonly batch: WriteBatcher;
  private conferenceTables: SqliteConferences | null = null;
  private messageTables: SqliteMessages | null = null;
  private queueTable: SqliteQueues | null = null;

  /** @param path a file path (its parent directory is created) or `':memory:'`. */
  constructor(readonly path: string) {
    if (path !== ':memory:' && path !== '' && !path.startsWith('file:')) {
      mkdirSync(dirname(path), { recursive: true });
    }
    this.db = new Database(path);
    // WAL lets readers (REST lists) run while a session writes; NORMAL sync is durable
    // across process crashes in WAL mode and only risks the last commits on power loss.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Another process (a CLI command, a second node on the same file) may hold the write
    // lock briefly; wait for it instead of failing with SQLITE_BUSY.
    this.db.pragma('busy_timeout = 5000');
    this.batch = new WriteBatcher(this.db);
    this.pager = new Pager(this.db);
  }

  async migrate(): Promise<void> {
    applyMigrations(this.db);
    // Refreshes planner statistics for tables that changed a lot since they were last
    // analysed, within a bounded cost (the form SQLite recommends at connection open).
    this.db.pragma('optimize = 0x10002');
    this.stmts ??= prepareStatements(this.db);
    const insertCallback = this.stmts.insertCallback;
    this.transcriptionQueries ??= new TranscriptionQueries(this.db, this.batch, this.pager, (cb) => insertCallback.run(callbackParams(cb)));
    this.conferenceTables ??= new SqliteConferences(this.db, this.batch);
    this.events ??= new CallEventQueries(this.db, this.batch);
    this.messageTables ??= new SqliteMessages(this.db, this.batch);
    this.queueTable ??= new SqliteQueues(this.db);
  }

  get queues(): QueueStore {
    if (this.queueTable) return this.queueTable;
    throw new Error('SqliteStore: call migrate() before using the store');
  }

  get conferences(): ConferenceStore {
    if (this.conferenceTables) return this.conferenceTables;
    throw new Error('SqliteStore: call migrate() before using the store');
  }

  get messages(): MessageStore {
    if (this.messageTables) return this.messageTables;
    throw new Error('SqliteStore: call migrate() before using the store');
  }

  async close(): Promise<void> {
    if (this.db.open && this.stmts) this.batch.flush();
    this.stmts = null;
    this.events = null;
    this.pager.clear();
    this.transcriptionQueries = null;
    if (this.db.open) this.db.close();
  }

  // ---- accounts ----------------------------------------------------------------------

  async getAccount(sid: string): Promise<AccountRecord | null> {
    const row = this.s.getAccount.get(sid) as AccountRow | undefined;
    return row ? { sid: row.sid, authToken: row.auth_token, friendlyName: row.friendly_name, dateCreated: row.date_created } : null;
  }

  async putAccount(account: AccountRecord): Promise<void> {
    this.s.putAccount.run({ sid: account.sid, auth_token: account.authToken, friendly_name: account.friendlyName, date_created: account.dateCreated });
  }

  // ---- calls -------------------------------------------------------------------------

  insertCall(call: CallRecord): Promise<void> {
    const s = this.s;
    return this.batch.write(() => s.insertCall.run(callParams(call)));
  }

  saveCall(call: CallRecord, callbacks: NewCallback[] = []): Promise<void> {
    const s = this.s;
    // One savepoint: the status and the callbacks announcing it commit together or not at
    // all (design.md, "Nothing is lost"). The upsert keeps the row's seq, so a saved call
    // keeps its place in the list (INSERT OR REPLACE would delete and re-number it).
    return this.batch.write(() => {
      s.upsertCall.run(callParams(call));
      for (const cb of callbacks) s.insertCallback.run(callbackParams(cb));
    });
  }

  async getCall(accountSid: string, sid: string): Promise<CallRecord | null> {
    const row = this.s.getCall.get(sid, accountSid) as CallRow | undefined;
    return row ? rowToCall(row) : null;
  }

  async listCalls(filter: CallFilter, page: PageRequest): Promise<CallRecord[]> {
    const where = ['account_sid = ?'];
    const params: unknown[] = [filter.accountSid];
    // Without ANALYZE statistics SQLite may pick the status index even when a To/From/parent
    // filter is far more selective (a status matches thousands of calls, a number a few). A
    // unary `+` keeps status out of index choice in that case (sqlite.org/optoverview.html).
    const selective = filter.to !== undefined || filter.from !== undefined || filter.parentCallSid !== undefined;
    const exact: [string, string | undefined][] = [
      ['to_number', filter.to], ['from_number', filter.from], ['parent_call_sid', filter.parentCallSid],
      [selective ? '+status' : 'status', filter.status],
    ];
    for (const [column, value] of exact) {
      if (value !== undefined) { where.push(`${column} = ?`); params.push(value); }
    }
    addRange(where, params, 'start_time', filter.startTime);
    addRange(where, params, 'end_time', filter.endTime);
    const rows = this.pager.rows('calls', CALL_COLUMNS, where, params, page, true) as CallRow[];
    return rows.map(rowToCall);
  }

  async deleteCall(accountSid: string, sid: string): Promise<boolean> {
    const s = this.s;
    // The call's Notifications and Events are its subresources: they go with it.
    const events = this.callEvents;
    return this.db.transaction(() => {
      const deleted = s.deleteCall.run(sid, accountSid).changes > 0;
      if (deleted) s.deleteCallNotifications.run(sid, accountSid);
      if (deleted) events.deleteOfCall(accountSid, sid);
      return deleted;
    })();
  }

  async listLiveCalls(): Promise<CallRecord[]> {
    return (this.s.listLiveCalls.all() as CallRow[]).map(rowToCall);
  }

  // ---- notifications -----------------------------------------------------------------

  insertNotification(n: NotificationRecord): Promise<void> {
    const s = this.s;
    return this.batch.write(() => s.insertNotification.run({
      sid: n.sid, account_sid: n.accountSid, call_sid: n.callSid, log: n.log, error_code: n.errorCode,
      message_text: n.messageText, message_date: n.messageDate, request_method: n.requestMethod,
      request_url: n.requestUrl, request_variables: n.requestVariables, response_body: n.responseBody,
      response_headers: n.responseHeaders, date_created: n.dateCreated,
    }));
  }

  async listNotifications(accountSid: string, callSid: string): Promise<NotificationRecord[]> {
    return (this.s.listNotifications.all(callSid, accountSid) as NotificationRow[]).map((r) => ({
      sid: r.sid, accountSid: r.account_sid, callSid: r.call_sid, log: r.log as 0 | 1, errorCode: r.error_code,
      messageText: r.message_text, messageDate: r.message_date, requestMethod: r.request_method,
      requestUrl: r.request_url, requestVariables: r.request_variables, responseBody: r.response_body,
      responseHeaders: r.response_headers, dateCreated: r.date_created,
    }));
  }

  // ---- call events (the Events subresource) ----------------------------------------

  async insertCallExchange(exchange: CallExchange): Promise<void> {
    return this.callEvents.insertCallExchange(exchange);
  }

  async listCallExchanges(accountSid: string, callSid: string, page: PageRequest): Promise<StoredCallExchange[]> {
    return this.callEvents.listCallExchanges(accountSid, callSid, page);
  }

  // ---- phone numbers -----------------------------------------------------------------

  async insertPhoneNumber(number: PhoneNumberRecord): Promise<void> {
    this.s.insertPhoneNumber.run(phoneNumberParams(number));
  }

  async updatePhoneNumber(number: PhoneNumberRecord): Promise<void> {
    this.s.updatePhoneNumber.run(phoneNumberParams(number));
  }

  async getPhoneNumber(accountSid: string, sid: string): Promise<PhoneNumberRecord | null> {
    const row = this.s.getPhoneNumber.get(sid, accountSid) as PhoneNumberRow | undefined;
    return row ? rowToPhoneNumber(row) : null;
  }

  async findPhoneNumber(phoneNumber: string): Promise<PhoneNumberRecord | null> {
    const row = this.s.findPhoneNumber.get(phoneNumber) as PhoneNumberRow | undefined;
    return row ? rowToPhoneNumber(row) : null;
  }

  async listPhoneNumbers(accountSid: string, filter: { phoneNumber?: string }, page: PageRequest): Promise<PhoneNumberRecord[]> {
    const where = ['account_sid = ?'];
    const params: unknown[] = [accountSid];
    if (filter.phoneNumber !== undefined) { where.push('phone_number = ?'); params.push(filter.phoneNumber); }
    return (this.pager.rows('phone_numbers', PHONE_NUMBER_COLUMNS, where, params, page, false) as PhoneNumberRow[]).map(rowToPhoneNumber);
  }

  async deletePhoneNumber(accountSid: string, sid: string): Promise<boolean> {
    return this.s.deletePhoneNumber.run(sid, accountSid).changes > 0;
  }

  // ---- recordings --------------------------------------------------------------------

  saveRecording(recording: RecordingRecord, callbacks: NewCallback[] = []): Promise<void> {
    const s = this.s;
    return this.batch.write(() => {
      s.upsertRecording.run(recordingParams(recording));
      for (const cb of callbacks) s.insertCallback.run(callbackParams(cb));
    });
  }

  async getRecording(accountSid: string, sid: string): Promise<RecordingRecord | null> {
    const row = this.s.getRecording.get(sid, accountSid) as RecordingRow | undefined;
    return row ? rowToRecording(row) : null;
  }

  async listRecordings(filter: RecordingFilter, page: PageRequest): Promise<RecordingRecord[]> {
    const where = ['account_sid = ?'];
    const params: unknown[] = [filter.accountSid];
    if (filter.callSid !== undefined) { where.push('call_sid = ?'); params.push(filter.callSid); }
    if (filter.conferenceSid !== undefined) { where.push('conference_sid = ?'); params.push(filter.conferenceSid); }
    addRange(where, params, 'date_created', filter.dateCreated);
    return (this.pager.rows('recordings', RECORDING_COLUMNS, where, params, page, true) as RecordingRow[]).map(rowToRecording);
  }

  async deleteRecording(accountSid: string, sid: string): Promise<boolean> {
    return this.s.deleteRecording.run(sid, accountSid).changes > 0;
  }

  async listUnfinishedRecordings(): Promise<RecordingRecord[]> {
    return (this.s.listUnfinishedRecordings.all() as RecordingRow[]).map(rowToRecording);
  }

  // ---- transcriptions (queries in transcription-queries.ts) ---------------------------

  saveTranscription(t: TranscriptionRecord, callbacks?: NewCallback[]): Promise<void> { return this.t.save(t, callbacks); }
  async getTranscription(accountSid: string, sid: string): Promise<TranscriptionRecord | null> { return this.t.get(accountSid, sid); }
  async listTranscriptions(filter: TranscriptionFilter, page: PageRequest): Promise<TranscriptionRecord[]> { return this.t.list(filter, page); }
  async deleteTranscription(accountSid: string, sid: string): Promise<boolean> { return this.t.delete(accountSid, sid); }
  async listUnfinishedTranscriptions(): Promise<TranscriptionRecord[]> { return this.t.unfinished(); }

  // ---- callback outbox ---------------------------------------------------------------

  async pendingCallbacks(limit: number): Promise<QueuedCallback[]> {
    return (this.s.pendingCallbacks.all(Math.max(0, Math.trunc(limit))) as CallbackRow[]).map((r) => ({
      id: r.id, callSid: r.call_sid, accountSid: r.account_sid, sequenceNumber: r.sequence_number, url: r.url,
      method: r.method as QueuedCallback['method'], params: JSON.parse(r.params) as Record<string, string>,
      attempts: r.attempts, nextAttemptAt: r.next_attempt_at,
    }));
  }

  async callbackBacklog(): Promise<{ pending: number; oldestId: number | null }> {
    const row = this.s.callbackBacklog.get() as { pending: number; oldest: number | null };
    return { pending: row.pending, oldestId: row.oldest };
  }

  markCallbackDelivered(id: number): Promise<void> {
    const s = this.s;
    return this.batch.write(() => s.markDelivered.run(id));
  }

  markCallbackFailed(id: number, nextAttemptAt: number | null): Promise<void> {
    const s = this.s;
    return this.batch.write(() => (nextAttemptAt === null ? s.markAbandoned.run(id) : s.markRetry.run(nextAttemptAt, id)));
  }

  // ---- internals ---------------------------------------------------------------------

  private get callEvents(): CallEventQueries {
    void this.s; // throws, like every method, before migrate() and after close()
    return this.events!;
  }

  /** Prepared in migrate() with the other statements; before that `s` throws the same error. */
  private get t(): TranscriptionQueries {
    return this.transcriptionQueries ?? (this.s, this.transcriptionQueries!);
  }

  private get s(): Statements {
    if (this.stmts) return this.stmts;
    throw new Error(this.db.open ? 'SqliteStore: call migrate() before using the store' : 'SqliteStore is closed');
  }
}

// ---- statements ------------------------------------------------------------------------

const CALL_COLUMNS = 'sid, account_sid, parent_call_sid, to_number, from_number, phone_number_sid, status, direction, '
  + 'date_created, date_updated, start_time, answered_at, end_time, duration, answered_by, forwarded_from, caller_name, callback_sequence, config';
// Only the columns a call's life changes: SQLite rewrites an index entry whenever the SET
// names one of its columns, so leaving out to/from/parent/account spares four indexes a write.
const CALL_UPDATES = ['status', 'date_updated', 'start_time', 'answered_at', 'end_time', 'duration', 'answered_by',
  'forwarded_from', 'caller_name', 'callback_sequence', 'config']
  .map((c) => `${c} = excluded.${c}`).join(', ');
const PHONE_NUMBER_COLUMNS = 'sid, account_sid, phone_number, friendly_name, voice_url, voice_method, voice_fallback_url, '
  + 'voice_fallback_method, status_callback, status_callback_method, date_created, date_updated, sms_url, sms_method, sms_fallback_url, sms_fallback_method';
const NOTIFICATION_COLUMNS = 'sid, account_sid, call_sid, log, error_code, message_text, message_date, request_method, '
  + 'request_url, request_variables, response_body, response_headers, date_created';
const RECORDING_COLUMNS = 'sid, account_sid, call_sid, status, source, channels, start_time, duration, error_code, date_created, date_updated, conference_sid';
const RECORDING_UPDATES = ['status', 'duration', 'error_code', 'date_updated'].map((c) => `${c} = excluded.${c}`).join(', ');
const at = (columns: string): string => columns.split(', ').map((c) => `@${c}`).join(', ');

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: Db) {
  return {
    getAccount: db.prepare('SELECT sid, auth_token, friendly_name, date_created FROM accounts WHERE sid = ?'),
    putAccount: db.prepare(`INSERT INTO accounts (sid, auth_token, friendly_name, date_created)
      VALUES (@sid, @auth_token, @friendly_name, @date_created)
      ON CONFLICT (sid) DO UPDATE SET auth_token = excluded.auth_token, friendly_name = excluded.friendly_name,
        date_created = excluded.date_created`),
    insertCall: db.prepare(`INSERT INTO calls (${CALL_COLUMNS}) VALUES (${at(CALL_COLUMNS)})`),
    upsertCall: db.prepare(`INSERT INTO calls (${CALL_COLUMNS}) VALUES (${at(CALL_COLUMNS)})
      ON CONFLICT (sid) DO UPDATE SET ${CALL_UPDATES}`),
    getCall: db.prepare(`SELECT ${CALL_COLUMNS} FROM calls WHERE sid = ? AND account_sid = ?`),
    deleteCall: db.prepare('DELETE FROM calls WHERE sid = ? AND account_sid = ?'),
    listLiveCalls: db.prepare(`SELECT ${CALL_COLUMNS} FROM calls WHERE status IN ('queued', 'ringing', 'in-progress') ORDER BY seq`),
    insertNotification: db.prepare(`INSERT INTO notifications (${NOTIFICATION_COLUMNS}) VALUES (${at(NOTIFICATION_COLUMNS)})`),
    listNotifications: db.prepare(`SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE call_sid = ? AND account_sid = ? ORDER BY seq`),
    deleteCallNotifications: db.prepare('DELETE FROM notifications WHERE call_sid = ? AND account_sid = ?'),
    insertPhoneNumber: db.prepare(`INSERT INTO phone_numbers (${PHONE_NUMBER_COLUMNS}) VALUES (${at(PHONE_NUMBER_COLUMNS)})`),
    updatePhoneNumber: db.prepare(`UPDATE phone_numbers SET phone_number = @phone_number, friendly_name = @friendly_name,
      voice_url = @voice_url, voice_method = @voice_method, voice_fallback_url = @voice_fallback_url,
      voice_fallback_method = @voice_fallback_method, status_callback = @status_callback,
      status_callback_method = @status_callback_method, date_updated = @date_updated, sms_url = @sms_url,
      sms_method = @sms_method, sms_fallback_url = @sms_fallback_url, sms_fallback_method = @sms_fallback_method
      WHERE sid = @sid AND account_sid = @account_sid`),
    getPhoneNumber: db.prepare(`SELECT ${PHONE_NUMBER_COLUMNS} FROM phone_numbers WHERE sid = ? AND account_sid = ?`),
    findPhoneNumber: db.prepare(`SELECT ${PHONE_NUMBER_COLUMNS} FROM phone_numbers WHERE phone_number = ?`),
    deletePhoneNumber: db.prepare('DELETE FROM phone_numbers WHERE sid = ? AND account_sid = ?'),
    upsertRecording: db.prepare(`INSERT INTO recordings (${RECORDING_COLUMNS}) VALUES (${at(RECORDING_COLUMNS)})
      ON CONFLICT (sid) DO UPDATE SET ${RECORDING_UPDATES}`),
    getRecording: db.prepare(`SELECT ${RECORDING_COLUMNS} FROM recordings WHERE sid = ? AND account_sid = ?`),
    deleteRecording: db.prepare('DELETE FROM recordings WHERE sid = ? AND account_sid = ?'),
    listUnfinishedRecordings: db.prepare(`SELECT ${RECORDING_COLUMNS} FROM recordings WHERE status = 'in-progress' ORDER BY seq`),
    // A new callback is due at once (next_attempt_at 0): the store has no Clock, and 0 is
    // "due" under any clock, real or simulated.
    insertCallback: db.prepare(`INSERT INTO callback_outbox (call_sid, account_sid, sequence_number, url, method, params, next_attempt_at)
      VALUES (@call_sid, @account_sid, @sequence_number, @url, @method, @params, 0)`),
    pendingCallbacks: db.prepare(`SELECT id, call_sid, account_sid, sequence_number, url, method, params, attempts, next_attempt_at
      FROM callback_outbox WHERE state = 'pending' ORDER BY id LIMIT ?`),
    callbackBacklog: db.prepare(`SELECT COUNT(*) AS pending, MIN(id) AS oldest FROM callback_outbox WHERE state = 'pending'`),
    markDelivered: db.prepare(`UPDATE callback_outbox SET state = 'delivered' WHERE id = ?`),
    // Only a pending row counts a failure: a late failure report from a racing attempt must
    // not relabel a callback that another attempt already delivered.
    markRetry: db.prepare(`UPDATE callback_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ? AND state = 'pending'`),
    markAbandoned: db.prepare(`UPDATE callback_outbox SET attempts = attempts + 1, state = 'abandoned' WHERE id = ? AND state = 'pending'`),
  };
}
