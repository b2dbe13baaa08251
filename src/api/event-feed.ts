import { isTerminal } from '../domain/call-status.js';
import type { CallEventMap, CallEvents, CallEventType } from '../ports/call-events.js';
import { callJson } from './render/resources.js';

/** The CallEvents types the feed carries (the contract, /tmp/feed-contract.md → README "Live event feed"). */
export const FEED_EVENT_TYPES: readonly CallEventType[] = [
  'status', 'verb-started', 'verb-ended', 'webhook-requested', 'webhook-answered', 'notification', 'bridge', 'status-callback',
];

/** One event of an account's feed, numbered; `frame` is its Server-Sent Events text, made once for every client. */
export class FeedEntry {
  private text: string | null = null;

  /** What the entry costs the history, roughly (its frame's length, estimated without making it). */
  readonly bytes: number;

  constructor(readonly seq: number, readonly type: CallEventType, readonly callSid: string, private readonly event: CallEventMap[CallEventType]) {
    this.bytes = estimateBytes(type, event);
  }

  /** `id:`/`event:`/`data:` lines (WHATWG HTML §9.2.6), serialized on first use only. */
  get frame(): string {
    return (this.text ??= `id: ${this.seq}\nevent: ${this.type}\ndata: ${JSON.stringify(feedData(this.type, this.event))}\n\n`);
  }
}

/** Webhook bodies and parameters dominate; the rest are small, fixed-shape objects (a Call JSON is ~1.5 kB). */
function estimateBytes(type: CallEventType, event: CallEventMap[CallEventType]): number {
  const e = event as { body?: string; params?: Record<string, string> };
  let bytes = type === 'status' ? 2048 : 256;
  if (e.body) bytes += e.body.length;
  if (e.params) for (const [k, v] of Object.entries(e.params)) bytes += k.length + v.length + 6;
  return bytes;
}

/** For `status`, `call` is the REST Call JSON (the renderer of `/Calls/{Sid}.json`); the rest goes as emitted. */
function feedData(type: CallEventType, event: CallEventMap[CallEventType]): unknown {
  if (type !== 'status') return event;
  const status = event as CallEventMap['status'];
  return { ...status, call: callJson(status.call) };
}

export interface FeedSubscriber {
  /** Only this call's events, when set. */
  callSid?: string;
  /** Called synchronously from the event emitter: it must not block (it buffers or drops). */
  push(entry: FeedEntry): void;
}

export interface Subscription {
  /** The kept events after the resume point, oldest first (already filtered by `callSid`). */
  backlog: FeedEntry[];
  /** The resume point is no longer in the history (or is from another run): the client must reload `/live`. */
  reset: boolean;
  /** The account's last sequence number when the subscription started. */
  lastSeq: number;
  stop(): void;
}

export interface EventFeedOptions {
  /** Events kept per account for resume. Default 20,000. */
  historySize?: number;
  /** Bytes of history kept per account (estimated), whatever the count. Default 32 MiB. */
  historyBytes?: number;
  /** Which account a call belongs to, for events that do not say (all but `status` and `status-callback`). */
  accountOf(callSid: string): string | undefined;
}

/** Calls remembered as belonging to an account (learned from `status`), beyond which the oldest is forgotten. */
const KNOWN_CALLS = 100_000;

/**
 * The per-account feed behind `GET /console/v1/events`: numbers every CallEvents event with a
 * per-account, strictly increasing sequence, keeps the latest (bounded in count and bytes) for resume,
 * and fans each one out to the account's subscribers, in the order the hub emitted them (so the
 * events of one call stay in the order they happened). It also keeps the verb each live call is
 * running now, from `verb-started` / `verb-ended`.
 *
 * Nothing here awaits: the hub calls `push` synchronously, and a subscriber only buffers, so a
 * slow client can never hold up a call (its connection drops itself, see SseConnection).
 */
export class EventFeed {
  private readonly accounts = new Map<string, AccountFeed>();
  private readonly callAccounts = new Map<string, string>();
  private readonly verbs = new Map<string, string | null>();
  private readonly historySize: number;
  private readonly historyBytes: number;
  private readonly stops: (() => void)[];

  constructor(events: CallEvents, private readonly options: EventFeedOptions) {
    this.historySize = Math.max(1, options.historySize ?? 20_000);
    this.historyBytes = Math.max(1, options.historyBytes ?? 32 * 1024 * 1024);
    this.stops = FEED_EVENT_TYPES.map((type) => events.on(type, (event) => this.record(type, event)));
  }

  /** Stops listening to the hub. */
  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  /** The account's last sequence number (0 before its first event). */
  lastSeq(accountSid: string): number {
    return this.accounts.get(accountSid)?.seq ?? 0;
  }

  /** The name of the verb the call is running now, or null. */
  verbOf(callSid: string): string | null {
    return this.verbs.get(callSid) ?? null;
  }

  /**
   * Subscribes to the account's events after `after` (none: only events from now on). The
   * backlog and the live events that follow have no gap and no overlap: both are taken in the
   * same synchronous turn.
   */
  subscribe(accountSid: string, subscriber: FeedSubscriber, after?: number): Subscription {
    const feed = this.feed(accountSid);
    let backlog: FeedEntry[] = [];
    let reset = false;
    if (after !== undefined && after !== feed.seq) {
      const oldest = feed.seq - feed.size + 1;
      // An id from the future belongs to an earlier run (sequences restart with the process).
      if (after > feed.seq || after < oldest - 1) reset = true;
      else backlog = feed.since(after).filter((e) => subscriber.callSid === undefined || e.callSid === subscriber.callSid);
    }
    feed.subscribers.add(subscriber);
    return { backlog, reset, lastSeq: feed.seq, stop: () => feed.subscribers.delete(subscriber) };
  }

  private record<K extends CallEventType>(type: K, event: CallEventMap[K]): void {
    const callSid = event.callSid;
    const stated = 'accountSid' in event ? event.accountSid : undefined;
    if (type === 'status') this.learn(callSid, stated!);
    const accountSid = stated ?? this.callAccounts.get(callSid) ?? this.options.accountOf(callSid);
    if (accountSid === undefined) return;
    this.trackVerb(type, event);
    const feed = this.feed(accountSid);
    const entry = feed.append(type, callSid, event);
    for (const subscriber of feed.subscribers) {
      if (subscriber.callSid === undefined || subscriber.callSid === callSid) subscriber.push(entry);
    }
  }

  private trackVerb<K extends CallEventType>(type: K, event: CallEventMap[K]): void {
    const callSid = event.callSid;
    if (type === 'verb-started') this.verbs.set(callSid, (event as CallEventMap['verb-started']).verb);
    else if (type === 'verb-ended' && this.verbs.get(callSid) === (event as CallEventMap['verb-ended']).verb) this.verbs.set(callSid, null);
    else if (type === 'status' && isTerminal((event as CallEventMap['status']).to)) this.verbs.delete(callSid);
  }

  private learn(callSid: string, accountSid: string): void {
    if (this.callAccounts.has(callSid)) return;
    this.callAccounts.set(callSid, accountSid);
    if (this.callAccounts.size > KNOWN_CALLS) this.callAccounts.delete(this.callAccounts.keys().next().value!);
  }

  private feed(accountSid: string): AccountFeed {
    let feed = this.accounts.get(accountSid);
    if (!feed) this.accounts.set(accountSid, (feed = new AccountFeed(this.historySize, this.historyBytes)));
    return feed;
  }
}

/** One account's sequence, history and subscribers. The history is bounded in events and in bytes. */
class AccountFeed {
  seq = 0;
  readonly subscribers = new Set<FeedSubscriber>();
  /** entries[start..] are kept, oldest first; their seqs are consecutive and end at `seq`. */
  private entries: (FeedEntry | undefined)[] = [];
  private start = 0;
  private bytes = 0;

  constructor(private readonly maxEvents: number, private readonly maxBytes: number) {}

  get size(): number {
    return this.entries.length - this.start;
  }

  append<K extends CallEventType>(type: K, callSid: string, event: CallEventMap[K]): FeedEntry {
    const entry = new FeedEntry(++this.seq, type, callSid, event);
    this.entries.push(entry);
    this.bytes += entry.bytes;
    while (this.size > this.maxEvents || (this.bytes > this.maxBytes && this.size > 1)) {
      this.bytes -= this.entries[this.start]!.bytes;
      this.entries[this.start++] = undefined;
    }
    // Compacts once the dropped head outweighs what is kept: amortised O(1) per event.
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
    return entry;
  }

  /** The kept entries with `seq > after`, oldest first. */
  since(after: number): FeedEntry[] {
    const oldest = this.seq - this.size + 1;
    return this.entries.slice(this.start + Math.max(0, after + 1 - oldest)) as FeedEntry[];
  }
}
