import { runQueueStoreContract } from '../src/ports/queue-store.contract.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

runQueueStoreContract('SQLite :memory:', async () => {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  return { queues: store.queues, close: () => store.close() };
});
