import type { CallRecord } from '../domain/call.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { Media } from '../ports/carrier.js';

/**
 * What `<Enqueue>` and `<Dial><Queue>` need from the queues (src/queues/, queues.md §8): a
 * FIFO per queue, where a caller waits until an agent takes it from the front.
 */
export interface CallQueues {
  /** Puts `call` at the back of its account's queue `name`, created (with `maxSize`, or the default) when missing. */
  enqueue(call: CallRecord, name: string, maxSize: number | null): Promise<Enqueued>;
  /**
   * Takes the front member of the queue `name` (atomically: two agents never get the same
   * caller), waiting for one while the queue is empty. Rejects with the signal's reason once it
   * aborts; `no-queue` when the account has no queue of that name.
   */
  takeFront(agent: Dequeuer, name: string, signal: AbortSignal): Promise<Handoff | 'no-queue'>;
}

/** The agent taking a caller: its call, and the `<Queue url>` to play to the caller first. */
export interface Dequeuer {
  call: CallRecord;
  url: string | null;
  method: HttpMethod;
}

export type Enqueued =
  | { type: 'full'; queueSid: string; maxSize: number }
  | { type: 'queued'; member: QueuedCall };

/** A caller waiting in a queue, as its `<Enqueue>` sees it. */
export interface QueuedCall {
  readonly queueSid: string;
  /** The waitUrl parameters now (queues.md §2.1): QueuePosition, QueueSid, QueueTime, AvgQueueTime, CurrentQueueSize, MaxQueueSize. */
  waitParams(): Record<string, string>;
  /** Seconds waited so far (until taken). */
  waitedSec(): number;
  /** Resolves when an agent took this caller, or a REST dequeue did (then `redirected`). */
  readonly taken: Promise<Handoff | 'redirected'>;
  /** Out of the queue (`<Leave>`, a hangup, a redirect, an error); idempotent, no effect once taken. */
  leave(): void;
}

/** Why the caller's side of a queue bridge ended it. */
export type CallerLeft = 'hangup' | 'redirected';

/**
 * The meeting of a dequeued caller and its agent (queues.md §4): the caller hears the `url`
 * document, says it is ready, both are bridged until one side leaves. Each side tells the other
 * through this object only; every method is idempotent.
 */
export class Handoff {
  private readyAt: ((media: Media) => void) | null = null;
  private leftAt: ((why: CallerLeft) => void) | null = null;
  private overAt: (() => void) | null = null;
  readonly callerReady: Promise<Media>;
  readonly callerLeftWith: Promise<CallerLeft>;
  /** Resolves when the agent's side ended the bridge (or gave up before it). */
  readonly agentDone: Promise<void>;

  constructor(
    readonly queueSid: string,
    readonly callerSid: string,
    readonly agent: Dequeuer,
    /** Seconds the caller waited in the queue. */
    readonly queueTimeSec: number,
  ) {
    this.callerReady = new Promise((resolve) => (this.readyAt = resolve));
    this.callerLeftWith = new Promise((resolve) => (this.leftAt = resolve));
    this.agentDone = new Promise((resolve) => (this.overAt = resolve));
  }

  /** The `url` document played: bridge with this media. */
  ready(media: Media): void {
    this.readyAt?.(media);
    this.readyAt = null;
  }

  callerLeft(why: CallerLeft): void {
    this.leftAt?.(why);
    this.leftAt = null;
  }

  agentLeft(): void {
    this.overAt?.();
    this.overAt = null;
  }

  /** The `url` document's (and the actions') queue parameters. */
  params(): Record<string, string> {
    return { QueueSid: this.queueSid, QueueTime: String(this.queueTimeSec), DequeingCallSid: this.agent.call.sid };
  }
}

/** Resolves with `promise`, or rejects with the signal's reason once it aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    }, reject);
  });
}
