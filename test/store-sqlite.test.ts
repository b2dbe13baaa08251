import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCallEventStoreContract } from '../src/ports/call-event-store.contract.js';
import { runStoreContract } from '../src/ports/store.contract.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/sqlite/migrations.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

// Every store gets its own file in one temp directory, removed when the file's tests end.
const root = mkdtempSync(join(tmpdir(), 'switchboard-store-'));
let counter = 0;
const freshPath = (): string => join(root, `store-${++counter}`, 'switchboard.db');
after(() => rmSync(root, { recursive: true, force: true }));

runStoreContract('SQLite', async () => new SqliteStore(freshPath()), {
  reopen: async (closed) => new SqliteStore((closed as SqliteStore).path),
});

runStoreContract('SQLite :memory:', async () => new SqliteStore(':memory:'));

runCallEventStoreContract('SQLite', async () => new SqliteStore(freshPath()), async (closed) => new SqliteStore((closed as SqliteStore).path));

describe('SqliteStore', () => {
  it('creates the parent directory of a new database file', async () => {
    const path = join(root, 'nested', 'deeper', 'switchboard.db');
    const store = new SqliteStore(path);
    await store.migrate();
    await store.close();
    assert.ok(existsSync(path));
  });

  it('writes in WAL mode and records the schema version in user_version', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    await store.migrate();
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.equal(SCHEMA_VERSION, MIGRATIONS.length, 'migration versions are 1..n in order');
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer schema', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    await store.migrate();
    await store.close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const newer = new SqliteStore(path);
    try {
      await assert.rejects(newer.migrate(), /newer/);
    } finally {
      await newer.close();
    }
  });

  it('explains a call made before migrate and after close', async () => {
    const store = new SqliteStore(':memory:');
    await assert.rejects(store.getCall('AC', 'CA'), /migrate\(\)/);
    await store.migrate();
    await store.close();
    await store.close(); // closing twice is harmless
    await assert.rejects(store.getCall('AC', 'CA'), /closed/);
  });
});
