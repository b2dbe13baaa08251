import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { QueueRecord } from '../domain/queue.js';
import { newSid } from '../domain/sid.js';
import type { QueueStore } from './queue-store.js';

export interface QueueStoreUnderTest {
  queues: QueueStore;
  close(): Promise<void>;
}

const T0 = Date.UTC(2025, 0, 10);

function queue(accountSid: string, friendlyName: string, patch: Partial<QueueRecord> = {}): QueueRecord {
  return { sid: newSid('QU'), accountSid, friendlyName, maxSize: 1000, dateCreated: T0, dateUpdated: T0, ...patch };
}

/**
 * The QueueStore port's one contract suite (design.md: every adapter passes it).
 * @param open returns a fresh, empty, migrated store.
 */
export function runQueueStoreContract(name: string, open: () => Promise<QueueStoreUnderTest>): void {
  describe(`QueueStore contract: ${name}`, () => {
    let opened: QueueStoreUnderTest | null = null;
    const fresh = async () => (opened = await open()).queues;
    afterEach(async () => {
      await opened?.close();
      opened = null;
    });
    const A = newSid('AC');
    const B = newSid('AC');

    it('finds a queue by sid and by name, only in its own account', async () => {
      const store = await fresh();
      const q = queue(A, 'support');
      assert.equal(await store.insertQueue(q), true);
      assert.deepEqual(await store.getQueue(A, q.sid), q);
      assert.deepEqual(await store.findQueueByName(A, 'support'), q);
      assert.equal(await store.getQueue(B, q.sid), null);
      assert.equal(await store.findQueueByName(B, 'support'), null);
    });

    it('refuses a second queue of the same name in an account, and allows it in another', async () => {
      const store = await fresh();
      await store.insertQueue(queue(A, 'sales'));
      assert.equal(await store.insertQueue(queue(A, 'sales')), false);
      assert.equal(await store.insertQueue(queue(B, 'sales')), true);
      assert.equal((await store.listQueues(A, { limit: 10 })).length, 1);
    });

    it('updates name and size, refusing a name another queue has', async () => {
      const store = await fresh();
      const q = queue(A, 'one');
      await store.insertQueue(q);
      await store.insertQueue(queue(A, 'two'));
      assert.equal(await store.updateQueue({ ...q, friendlyName: 'uno', maxSize: 5, dateUpdated: T0 + 1000 }), true);
      assert.deepEqual(await store.getQueue(A, q.sid), { ...q, friendlyName: 'uno', maxSize: 5, dateUpdated: T0 + 1000 });
      assert.equal(await store.updateQueue({ ...q, friendlyName: 'two' }), false);
      assert.equal((await store.getQueue(A, q.sid))!.friendlyName, 'uno');
    });

    it('lists oldest first and pages by offset and by sid either way', async () => {
      const store = await fresh();
      const all = ['a', 'b', 'c', 'd', 'e'].map((n) => queue(A, n));
      for (const q of all) await store.insertQueue(q);
      const names = (list: QueueRecord[]) => list.map((q) => q.friendlyName);
      assert.deepEqual(names(await store.listQueues(A, { limit: 10 })), ['a', 'b', 'c', 'd', 'e']);
      assert.deepEqual(names(await store.listQueues(A, { limit: 2, offset: 2 })), ['c', 'd']);
      assert.deepEqual(names(await store.listQueues(A, { limit: 2, afterSid: all[1]!.sid })), ['c', 'd']);
      assert.deepEqual(names(await store.listQueues(A, { limit: 2, beforeSid: all[3]!.sid })), ['b', 'c']);
    });

    it('deletes a queue once', async () => {
      const store = await fresh();
      const q = queue(A, 'gone');
      await store.insertQueue(q);
      assert.equal(await store.deleteQueue(B, q.sid), false, 'not from another account');
      assert.equal(await store.deleteQueue(A, q.sid), true);
      assert.equal(await store.deleteQueue(A, q.sid), false);
      assert.equal(await store.findQueueByName(A, 'gone'), null);
      assert.equal(await store.insertQueue(queue(A, 'gone')), true, 'the name is free again');
    });
  });
}
