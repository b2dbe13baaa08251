import { runMessageStoreContract } from '../src/ports/message-store.contract.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

runMessageStoreContract('SQLite :memory:', async () => {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  return { messages: store.messages, outbox: store, close: () => store.close() };
});
