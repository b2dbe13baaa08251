import type { CallStatus } from '../domain/call-status.js';
import type { AccountRecord, CallRecord, NotificationRecord, PhoneNumberRecord } from '../domain/call.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { RecordingRecord } from '../domain/recording.js';

/**
 * The Store port: everything Switchboard keeps. Adapters: SQLite (embedded default).
 * Every adapter passes `runStoreContract` in `store.contract.ts`.
 *
 * Methods are async so a networked database can implement the same port.
 */
export interface Store {
  /** Applies pending migrations. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  getAccount(sid: string): Promise<AccountRecord | null>;
  /** Inserts or replaces an account. */
  putAccount(account: AccountRecord): Promise<void>;

  insertCall(call: CallRecord): Promise<void>;
  /**
   * Saves a call and queues its status callbacks in one transaction, so a status change is
   * persisted before its callback is queued and neither is lost alone (design.md, invariants).
   */
  saveCall(call: CallRecord, callbacks?: NewCallback[]): Promise<void>;
  getCall(accountSid: string, sid: string): Promise<CallRecord | null>;
  /** Newest first (by creation order). Returns at most `page.limit` calls. */
  listCalls(filter: CallFilter, page: PageRequest): Promise<CallRecord[]>;
  deleteCall(accountSid: string, sid: string): Promise<boolean>;
  /** Calls whose status is not terminal, across all accounts (used to close calls after a crash). */
  listLiveCalls(): Promise<CallRecord[]>;

  insertNotification(notification: NotificationRecord): Promise<void>;
  /** Oldest first. */
  listNotifications(accountSid: string, callSid: string): Promise<NotificationRecord[]>;

  insertPhoneNumber(number: PhoneNumberRecord): Promise<void>;
  updatePhoneNumber(number: PhoneNumberRecord): Promise<void>;
  getPhoneNumber(accountSid: string, sid: string): Promise<PhoneNumberRecord | null>;
  /** The number provisioned as `phoneNumber` (E.164), in any account. */
  findPhoneNumber(phoneNumber: string): Promise<PhoneNumberRecord | null>;
  /** Oldest first; `phoneNumber` filters exactly. */
  listPhoneNumbers(accountSid: string, filter: { phoneNumber?: string }, page: PageRequest): Promise<PhoneNumberRecord[]>;
  deletePhoneNumber(accountSid: string, sid: string): Promise<boolean>;

  /**
   * Inserts or replaces a recording and queues its status callbacks in one transaction, like
   * `saveCall`. A replaced recording keeps its place in the list.
   */
  saveRecording(recording: RecordingRecord, callbacks?: NewCallback[]): Promise<void>;
  getRecording(accountSid: string, sid: string): Promise<RecordingRecord | null>;
  /** Newest first (by creation order). Returns at most `page.limit` recordings. */
  listRecordings(filter: RecordingFilter, page: PageRequest): Promise<RecordingRecord[]>;
  deleteRecording(accountSid: string, sid: string): Promise<boolean>;
  /** Recordings still `in-progress`, of every account: at startup, those a crash interrupted. */
  listUnfinishedRecordings(): Promise<RecordingRecord[]>;

  /** Callbacks not yet delivered nor abandoned, in queue order (`id` ascending). */
  pendingCallbacks(limit: number): Promise<QueuedCallback[]>;
  /** How many callbacks are pending, and the id of the oldest (null when none): for /metrics. */
  callbackBacklog(): Promise<{ pending: number; oldestId: number | null }>;
  markCallbackDelivered(id: number): Promise<void>;
  /** Records a failed attempt; `nextAttemptAt` null abandons the callback. */
  markCallbackFailed(id: number, nextAttemptAt: number | null): Promise<void>;
}

/** A status callback waiting in the durable outbox. */
export interface NewCallback {
  callSid: string;
  sequenceNumber: number;
  url: string;
  method: HttpMethod;
  /** Form parameters, already complete (the signature is computed at delivery time). */
  params: Record<string, string>;
  /** Account whose auth token signs the request. */
  accountSid: string;
}

export interface QueuedCallback extends NewCallback {
  id: number;
  attempts: number;
  /** Epoch ms; the callback is not due before this. */
  nextAttemptAt: number;
}

/** Half-open range on epoch ms: `gte <= t < lt`. Calls whose time is null never match. */
export interface TimeRange {
  gte?: number;
  lt?: number;
}

export interface CallFilter {
  accountSid: string;
  to?: string;
  from?: string;
  parentCallSid?: string;
  status?: CallStatus;
  startTime?: TimeRange;
  endTime?: TimeRange;
}

export interface RecordingFilter {
  accountSid: string;
  callSid?: string;
  conferenceSid?: string;
  dateCreated?: TimeRange;
}

/**
 * One page of a list. `afterSid` continues after that item in list order (Twilio's
 * `PageToken=PA<sid>`); `beforeSid` gives the page that ends just before it (`PB<sid>`);
 * otherwise `offset` items are skipped.
 */
export interface PageRequest {
  limit: number;
  offset?: number;
  afterSid?: string;
  beforeSid?: string;
}
