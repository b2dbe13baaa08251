import type { HttpMethod } from './http-method.js';

/**
 * A Message's status (messaging.md §2, `message_enum_status`): the subset Switchboard reaches.
 * Outbound: `queued` → `sent` → `delivered` | `undelivered`, or `queued` → `failed`. Inbound
 * messages are stored `received`. Switchboard sends every message at once from a number (no
 * scheduling, no Messaging Services: docs/compatibility.md, "Messages"), so `accepted`,
 * `scheduled` and `canceled` never occur.
 */
export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'received';

export type MessageDirection = 'inbound' | 'outbound-api' | 'outbound-reply';

/**
 * The legal moves (messaging.md §2, "Order an outbound message moves through"): a status never
 * goes backwards, and the final ones go nowhere.
 */
const NEXT: Record<MessageStatus, readonly MessageStatus[]> = {
  queued: ['sent', 'failed'],
  sent: ['delivered', 'undelivered'],
  delivered: [],
  undelivered: [],
  failed: [],
  received: [],
};

export function canMove(from: MessageStatus, to: MessageStatus): boolean {
  return NEXT[from].includes(to);
}

/** Final: no further status change, so the message may be redacted or deleted. */
export function isFinal(status: MessageStatus): boolean {
  return NEXT[status].length === 0;
}

export interface MessageRecord {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  mediaUrls: string[];
  numSegments: number;
  status: MessageStatus;
  direction: MessageDirection;
  errorCode: number | null;
  errorMessage: string | null;
  /** Where status callbacks go (`StatusCallback`, or `<Message action>`), with its method. */
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  dateCreated: number;
  dateUpdated: number;
  /** When the carrier took it (`sent`), or when an inbound message arrived; null before. */
  dateSent: number | null;
  /** The SequenceNumber of the next status callback: the outbox delivers a message's callbacks in order. */
  callbackSequence: number;
}
