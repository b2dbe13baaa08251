/**
 * A call queue (queues.md §5): the record the Queue resource shows. Members are live calls and
 * are counted at read time (`current_size`, `average_wait_time`), never stored in the record.
 */
export interface QueueRecord {
  sid: string;
  accountSid: string;
  /** The name `<Enqueue>` and `<Dial><Queue>` use; unique within the account. */
  friendlyName: string;
  maxSize: number;
  dateCreated: number;
  dateUpdated: number;
}

/** queues.md §5 "MaxSize default and limit": current docs and the 14207 text say 1000 and 5000. */
export const DEFAULT_QUEUE_SIZE = 1000;
export const MAX_QUEUE_SIZE = 5000;
/** `<Enqueue>` and `FriendlyName` names: at most 64 characters (queues.md §2, §5). */
export const MAX_QUEUE_NAME = 64;

/** `QueueResult` of the `<Enqueue>` action (queues.md §2.2). */
export type QueueResult =
  | 'bridged' | 'bridging-in-process' | 'error' | 'hangup' | 'leave' | 'redirected'
  | 'redirected-from-bridged' | 'queue-full' | 'system-error';
