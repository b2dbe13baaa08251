import type { MessageRecord } from '../domain/message.js';
import type { NewCallback, PageRequest, TimeRange } from './store.js';

/**
 * Where Messages are kept (messaging.md §1–§2), with the opt-outs that STOP records (§8).
 * Every adapter passes `runMessageStoreContract`.
 */
export interface MessageStore {
  /**
   * Inserts or replaces a message and queues its status callbacks in one transaction
   * (design.md, "Nothing is lost"). A replaced message keeps its place in the list.
   */
  saveMessage(message: MessageRecord, callbacks?: NewCallback[]): Promise<void>;
  getMessage(accountSid: string, sid: string): Promise<MessageRecord | null>;
  /** Newest first (by creation order). Returns at most `page.limit` messages. */
  listMessages(filter: MessageFilter, page: PageRequest): Promise<MessageRecord[]>;
  deleteMessage(accountSid: string, sid: string): Promise<boolean>;
  /** Outbound messages not yet final, of every account: at startup, those a stop interrupted. */
  listUnfinishedMessages(): Promise<MessageRecord[]>;

  /** Records (`blocked`) or lifts an opt-out of `recipient` from messages sent by `sender`. */
  setOptOut(sender: string, recipient: string, blocked: boolean): Promise<void>;
  isOptedOut(sender: string, recipient: string): Promise<boolean>;
}

export interface MessageFilter {
  accountSid: string;
  to?: string;
  from?: string;
  /** On `date_sent`; messages never sent (null) do not match any range. */
  dateSent?: TimeRange;
}
