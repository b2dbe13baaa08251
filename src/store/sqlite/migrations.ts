import type { Database } from 'better-sqlite3';

/**
 * One schema step. Versions start at 1 and follow array order; the database records the
 * last one applied in `PRAGMA user_version`, so a migration is never edited once released:
 * change the schema by appending a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/**
 * The SQLite schema, oldest first.
 *
 * Times are epoch milliseconds (INTEGER). Every table that is listed in creation order has an
 * `INTEGER PRIMARY KEY AUTOINCREMENT seq`: SIDs are random, and `date_created` ties within a
 * millisecond, so only an insertion counter gives Twilio's stable newest-first paging.
 * AUTOINCREMENT (not plain rowid) so a deleted newest row's seq is never reused, which would
 * let a stale `PageToken` point at a different call.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'accounts, calls, notifications, phone numbers, callback outbox',
    sql: `
      CREATE TABLE accounts (
        sid           TEXT PRIMARY KEY,
        auth_token    TEXT NOT NULL,
        friendly_name TEXT NOT NULL,
        date_created  INTEGER NOT NULL
      );

      CREATE TABLE calls (
        seq               INTEGER PRIMARY KEY AUTOINCREMENT,
        sid               TEXT NOT NULL UNIQUE,
        account_sid       TEXT NOT NULL,
        parent_call_sid   TEXT,
        to_number         TEXT NOT NULL,
        from_number       TEXT NOT NULL,
        phone_number_sid  TEXT,
        status            TEXT NOT NULL,
        direction         TEXT NOT NULL,
        date_created      INTEGER NOT NULL,
        date_updated      INTEGER NOT NULL,
        start_time        INTEGER,
        answered_at       INTEGER,
        end_time          INTEGER,
        duration          INTEGER,
        answered_by       TEXT,
        forwarded_from    TEXT,
        caller_name       TEXT,
        callback_sequence INTEGER NOT NULL,
        config            TEXT NOT NULL
      );
      -- Each filter index ends in seq so a filtered list is read already in page order.
      CREATE INDEX calls_account_seq    ON calls (account_sid, seq);
      CREATE INDEX calls_account_to     ON calls (account_sid, to_number, seq);
      CREATE INDEX calls_account_from   ON calls (account_sid, from_number, seq);
      CREATE INDEX calls_account_status ON calls (account_sid, status, seq);
      CREATE INDEX calls_parent         ON calls (parent_call_sid, seq);
      -- listLiveCalls runs across accounts at start-up.
      CREATE INDEX calls_status         ON calls (status);

      CREATE TABLE notifications (
        seq                INTEGER PRIMARY KEY AUTOINCREMENT,
        sid                TEXT NOT NULL UNIQUE,
        account_sid        TEXT NOT NULL,
        call_sid           TEXT NOT NULL,
        log                INTEGER NOT NULL,
        error_code         INTEGER NOT NULL,
        message_text       TEXT NOT NULL,
        message_date       INTEGER NOT NULL,
        request_method     TEXT,
        request_url        TEXT,
        request_variables  TEXT,
        response_body      TEXT,
        response_headers   TEXT,
        date_created       INTEGER NOT NULL
      );
      CREATE INDEX notifications_call ON notifications (call_sid, seq);

      CREATE TABLE phone_numbers (
        seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
        sid                    TEXT NOT NULL UNIQUE,
        account_sid            TEXT NOT NULL,
        phone_number           TEXT NOT NULL UNIQUE,
        friendly_name          TEXT NOT NULL,
        voice_url              TEXT,
        voice_method           TEXT NOT NULL,
        voice_fallback_url     TEXT,
        voice_fallback_method  TEXT NOT NULL,
        status_callback        TEXT,
        status_callback_method TEXT NOT NULL,
        date_created           INTEGER NOT NULL,
        date_updated           INTEGER NOT NULL
      );
      CREATE INDEX phone_numbers_account_seq ON phone_numbers (account_sid, seq);

      -- The durable outbox (design.md, "Nothing is lost"). Rows are kept after delivery as
      -- an audit trail; the partial index keeps the dispatcher's scan proportional to the
      -- pending rows only.
      CREATE TABLE callback_outbox (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        call_sid        TEXT NOT NULL,
        account_sid     TEXT NOT NULL,
        sequence_number INTEGER NOT NULL,
        url             TEXT NOT NULL,
        method          TEXT NOT NULL,
        params          TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'delivered', 'abandoned'))
      );
      CREATE INDEX callback_outbox_pending ON callback_outbox (id) WHERE state = 'pending';
    `,
  },
  {
    version: 2,
    description: 'recordings',
    sql: `
      -- The audio lives in files (<dataDir>/recordings/<AC>/<RE>.wav); this is the resource.
      CREATE TABLE recordings (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        sid           TEXT NOT NULL UNIQUE,
        account_sid   TEXT NOT NULL,
        call_sid      TEXT NOT NULL,
        status        TEXT NOT NULL,
        source        TEXT NOT NULL,
        channels      INTEGER NOT NULL,
        start_time    INTEGER NOT NULL,
        duration      INTEGER,
        error_code    INTEGER,
        date_created  INTEGER NOT NULL,
        date_updated  INTEGER NOT NULL
      );
      CREATE INDEX recordings_account_seq ON recordings (account_sid, seq);
      CREATE INDEX recordings_call        ON recordings (call_sid, seq);
    `,
  },
  {
    version: 3,
    description: 'conferences',
    sql: `
      -- Conference records (conferences.md §3); participants live only with their calls.
      CREATE TABLE conferences (
        seq                        INTEGER PRIMARY KEY AUTOINCREMENT,
        sid                        TEXT NOT NULL UNIQUE,
        account_sid                TEXT NOT NULL,
        friendly_name              TEXT NOT NULL,
        status                     TEXT NOT NULL CHECK (status IN ('init', 'in-progress', 'completed')),
        region                     TEXT,
        date_created               INTEGER NOT NULL,
        date_updated               INTEGER NOT NULL,
        reason_conference_ended    TEXT,
        call_sid_ending_conference TEXT,
        callback_sequence          INTEGER NOT NULL
      );
      CREATE INDEX conferences_account_seq  ON conferences (account_sid, seq);
      CREATE INDEX conferences_account_name ON conferences (account_sid, friendly_name, seq);
      CREATE INDEX conferences_live         ON conferences (status) WHERE status <> 'completed';
      -- A conference's recording (conferences.md §5, recording callback) names its conference.
      ALTER TABLE recordings ADD COLUMN conference_sid TEXT;
      CREATE INDEX recordings_conference ON recordings (conference_sid, seq) WHERE conference_sid IS NOT NULL;
    `,
  },
  {
    version: 4,
    description: 'call events (the request/response log of each call)',
    sql: `
      -- One row per HTTP exchange made for a call (call-events.md): request and response are
      -- JSON texts, read back whole; rows are only ever listed by call, oldest first.
      CREATE TABLE call_events (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        account_sid  TEXT NOT NULL,
        call_sid     TEXT NOT NULL,
        request      TEXT NOT NULL,
        response     TEXT NOT NULL,
        date_created INTEGER NOT NULL
      );
      CREATE INDEX call_events_call ON call_events (call_sid, seq);
    `,
  },
  {
    version: 5,
    description: 'messages',
    sql: `
      -- Messages (messaging.md §1-§2); media URLs as a JSON array.
      CREATE TABLE messages (
        seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
        sid                    TEXT NOT NULL UNIQUE,
        account_sid            TEXT NOT NULL,
        to_number              TEXT NOT NULL,
        from_number            TEXT NOT NULL,
        body                   TEXT NOT NULL,
        media_urls             TEXT NOT NULL,
        num_segments           INTEGER NOT NULL,
        status                 TEXT NOT NULL,
        direction              TEXT NOT NULL,
        error_code             INTEGER,
        error_message          TEXT,
        status_callback        TEXT,
        status_callback_method TEXT NOT NULL,
        date_created           INTEGER NOT NULL,
        date_updated           INTEGER NOT NULL,
        date_sent              INTEGER,
        callback_sequence      INTEGER NOT NULL
      );
      CREATE INDEX messages_account_seq ON messages (account_sid, seq);
      CREATE INDEX messages_account_to ON messages (account_sid, to_number, seq);
      CREATE INDEX messages_account_from ON messages (account_sid, from_number, seq);
      CREATE INDEX messages_unfinished ON messages (status) WHERE status IN ('queued', 'sent');
      -- STOP / START (messaging.md §8): one row per blocked sender/recipient pair.
      CREATE TABLE message_opt_outs (
        sender    TEXT NOT NULL,
        recipient TEXT NOT NULL,
        PRIMARY KEY (sender, recipient)
      );
      -- The inbound-message webhook of a number (messaging.md §4).
      ALTER TABLE phone_numbers ADD COLUMN sms_url TEXT;
      ALTER TABLE phone_numbers ADD COLUMN sms_method TEXT NOT NULL DEFAULT 'POST';
      ALTER TABLE phone_numbers ADD COLUMN sms_fallback_url TEXT;
      ALTER TABLE phone_numbers ADD COLUMN sms_fallback_method TEXT NOT NULL DEFAULT 'POST';
    `,
  },
  {
    version: 6,
    description: 'queues',
    sql: `
      -- Call queues (queues.md §5); members are live calls and are not stored.
      CREATE TABLE queues (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        sid           TEXT NOT NULL UNIQUE,
        account_sid   TEXT NOT NULL,
        friendly_name TEXT NOT NULL,
        max_size      INTEGER NOT NULL,
        date_created  INTEGER NOT NULL,
        date_updated  INTEGER NOT NULL,
        UNIQUE (account_sid, friendly_name)
      );
      CREATE INDEX queues_account_seq ON queues (account_sid, seq);
    `,
  },
  {
    version: 7,
    description: 'transcriptions',
    sql: `
      -- Recording transcriptions (transcriptions.md §3); deleting a recording keeps them.
      CREATE TABLE transcriptions (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        sid            TEXT NOT NULL UNIQUE,
        account_sid    TEXT NOT NULL,
        recording_sid  TEXT NOT NULL,
        call_sid       TEXT NOT NULL,
        status         TEXT NOT NULL,
        text           TEXT,
        duration       INTEGER NOT NULL,
        date_created   INTEGER NOT NULL,
        date_updated   INTEGER NOT NULL
      );
      CREATE INDEX transcriptions_account_seq ON transcriptions (account_sid, seq);
      CREATE INDEX transcriptions_recording   ON transcriptions (recording_sid, seq);
    `,
  },
];

/**
 * Brings `db` up to the last migration. Each step runs in its own IMMEDIATE transaction
 * together with its `user_version` bump, so a crash leaves the schema at a whole version,
 * and two processes opening the same file at once cannot both apply a step (the second
 * waits on the write lock, then re-reads the version and skips it).
 *
 * @returns the versions applied by this call (empty when already up to date).
 */
export function applyMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > latest) {
    // Running old code on a newer schema could silently drop columns it does not know.
    throw new Error(`SQLite schema version ${found} is newer than this Switchboard supports (${latest})`);
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    const step = db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= migration.version) return;
      if (current !== migration.version - 1) {
        throw new Error(`SQLite schema is at version ${current}; cannot apply migration ${migration.version}`);
      }
      db.exec(migration.sql);
      // PRAGMA takes no bound parameters; the version is an integer from our own table.
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
      applied.push(migration.version);
    });
    step.immediate();
  }
  return applied;
}

/** The schema version this build expects (the last migration). */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
