import type { QueueRecord } from '../domain/queue.js';
import type { PageRequest } from './store.js';

/**
 * Where queues are kept (queues.md §5: "queues persist until deleted"). Members are live calls
 * and live with them (src/queues/); only the queue records are stored. Every adapter passes
 * `runQueueStoreContract`.
 */
export interface QueueStore {
  /** Inserts a queue; false (nothing written) when the account already has one of that name. */
  insertQueue(queue: QueueRecord): Promise<boolean>;
  /** Replaces a queue's name, size and date; false when the new name belongs to another queue. */
  updateQueue(queue: QueueRecord): Promise<boolean>;
  getQueue(accountSid: string, sid: string): Promise<QueueRecord | null>;
  findQueueByName(accountSid: string, friendlyName: string): Promise<QueueRecord | null>;
  /** Oldest first (Twilio lists queues in creation order). At most `page.limit` queues. */
  listQueues(accountSid: string, page: PageRequest): Promise<QueueRecord[]>;
  /** False when there was no such queue. */
  deleteQueue(accountSid: string, sid: string): Promise<boolean>;
}
