import type { PageRequest } from './store.js';

/**
 * One HTTP exchange made for a call: the call's Events subresource (call-events.md §2,
 * `GET /Calls/{CA}/Events.json`). Stored as it happened; the API renders Twilio's shape
 * (snake_case parameter names, RFC 2822 date).
 */
export interface CallExchange {
  accountSid: string;
  callSid: string;
  request: {
    method: string;
    /** The absolute URL requested (no `#` connection overrides). */
    url: string;
    /** The parameters sent, under the names they were sent with (`CallSid`, …). */
    parameters: Record<string, string>;
  };
  response: {
    /** The HTTP status; null when none came back (connection failure, timeout). */
    responseCode: number | null;
    /** Milliseconds from the request to the end of the response. */
    requestDuration: number;
    contentType: string | null;
    responseBody: string | null;
    /** Epoch ms when the response (or the failure) arrived. */
    dateCreated: number;
  };
}

export interface StoredCallExchange extends CallExchange {
  /** Position in the store: increasing in the order the exchanges were recorded. */
  seq: number;
}

/**
 * The Call Events port: the request/response log kept with each call. Adapters: SQLite
 * (`store/sqlite/call-event-queries.ts`, through SqliteStore). Every adapter passes
 * `runCallEventStoreContract` in `call-event-store.contract.ts`.
 *
 * Deleting a call deletes its exchanges (call-events.md §1): the adapter's `Store.deleteCall`
 * does it in the same transaction.
 */
export interface CallEventStore {
  insertCallExchange(exchange: CallExchange): Promise<void>;
  /**
   * A call's exchanges oldest first; at most `page.limit`. `afterSid` / `beforeSid` hold a
   * `seq` (as a string): the page after that exchange, or the one that ends just before it.
   */
  listCallExchanges(accountSid: string, callSid: string, page: PageRequest): Promise<StoredCallExchange[]>;
}
