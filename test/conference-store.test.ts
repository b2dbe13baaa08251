import { runConferenceStoreContract } from '../src/ports/conference-store.contract.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

runConferenceStoreContract('SQLite :memory:', async () => {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  return { conferences: store.conferences, outbox: store, close: () => store.close() };
});
