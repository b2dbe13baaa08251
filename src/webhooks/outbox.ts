import type { NotificationRecord } from '../domain/call.js';
import { newSid } from '../domain/sid.js';
import type { CallEvents } from '../ports/call-events.js';
import type { Clock, Timer } from '../ports/clock.js';
import type { QueuedCallback, Store } from '../ports/store.js';
import type { StatusCallbackResult, WebhookClient } from './webhook-client.js';

/** The subset of a pino logger the outbox uses. */
export interface OutboxLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface CallbackOutboxDeps {
  store: Store;
  client: Pick<WebhookClient, 'postStatusCallback'>;
  clock: Clock;
  /** The auth token that signs callbacks for this account; null if the account is gone. */
  authTokenFor(accountSid: string): Promise<string | null>;
  /** Attempts per callback before it is abandoned with a 15003 warning. Default 5. */
  maxAttempts?: number;
  /** Wait before attempt `attempt + 1`, in call time (scaled by the Clock). Default 1 s, 2 s, 4 s… */
  backoffMs?: (attempt: number) => number;
  /** Deliveries in flight at once, across calls. Default 32. */
  concurrency?: number;
  /** Pending rows read per scan. Default 500. */
  batchSize?: number;
  log?: OutboxLogger;
  /** Told of every delivery attempt (`status-callback`): the call's Events log and the console's feed. */
  events?: Pick<CallEvents, 'emit'>;
}

/** Wait after a failed scan (store unavailable) before trying again, in call time. */
const RESCAN_AFTER_ERROR_MS = 1000;

/**
 * The durable status-callback dispatcher (design.md, "Nothing is lost"; webhooks.md §2).
 *
 * The store is the queue: a callback is written in the same transaction as the status change
 * that fired it (`Store.saveCall`), and this class only reads pending rows and marks them
 * delivered, retried or abandoned. So callbacks queued before a crash are sent by `start()`
 * after the restart, at least once.
 *
 * Ordering: for each call, callbacks go out strictly in `SequenceNumber` order. Twilio says
 * arrival order is not guaranteed (webhooks.md §2), but apps are simpler when `completed` never
 * overtakes `ringing`, so a callback waits until the previous one of its call is delivered or
 * abandoned. Different calls are delivered in parallel, up to `concurrency`.
 *
 * Retries: a failed attempt (non-2xx, timeout, connection error) is retried after `backoffMs`;
 * after `maxAttempts` the callback is abandoned and a warning Notification with error 15003
 * ("Call progress: Warning Response to Callback URL") is added to the call.
 */
export class CallbackOutbox {
  private readonly store: Store;
  private readonly client: Pick<WebhookClient, 'postStatusCallback'>;
  private readonly clock: Clock;
  private readonly authTokenFor: (accountSid: string) => Promise<string | null>;
  private readonly maxAttempts: number;
  private readonly backoffMs: (attempt: number) => number;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly log?: OutboxLogger;
  private readonly events?: Pick<CallEvents, 'emit'>;

  private running = false;
  /** A kick arrived since the last scan started. */
  private dirty = false;
  private scanLoop: Promise<void> | null = null;
  /** callSid → its one delivery in flight (one per call keeps the per-call order). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** callSid → the backoff timer of the call's next callback. */
  private readonly waits = new Map<string, { id: number; timer: Timer }>();
  /** Callbacks whose backoff timer fired: due in call time even if the wall clock says not yet. */
  private readonly released = new Set<number>();
  /** Callbacks whose attempt finished since the current scan began: the scan's rows may be stale. */
  private readonly settled = new Set<number>();
  private rescanTimer: Timer | null = null;

  constructor(deps: CallbackOutboxDeps) {
    this.store = deps.store;
    this.client = deps.client;
    this.clock = deps.clock;
    this.authTokenFor = deps.authTokenFor;
    this.maxAttempts = Math.max(1, deps.maxAttempts ?? 5);
    this.backoffMs = deps.backoffMs ?? ((attempt) => 1000 * 2 ** (attempt - 1));
    this.concurrency = Math.max(1, deps.concurrency ?? 32);
    this.batchSize = Math.max(1, deps.batchSize ?? 500);
    this.log = deps.log;
    this.events = deps.events;
  }

  /**
   * Starts dispatching, beginning with whatever is already pending in the store (callbacks
   * queued before a crash or restart). Resolves once that first scan has started its deliveries.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.kick();
    await this.scanLoop;
  }

  /**
   * Tells the outbox that rows were queued. Cheap and safe to call often: kicks that arrive
   * while a scan is pending or running are coalesced into one more scan.
   */
  kick(): void {
    this.dirty = true;
    if (this.running && !this.scanLoop) this.scanLoop = this.loop();
  }

  /**
   * Stops scanning and timers, then waits for deliveries in flight (SIGTERM drain). Callbacks
   * not yet sent stay pending in the store for the next start. Idempotent.
   */
  async stop(): Promise<void> {
    this.running = false;
    for (const { timer } of this.waits.values()) timer.cancel();
    this.waits.clear();
    this.rescanTimer?.cancel();
    this.rescanTimer = null;
    await this.scanLoop;
    await Promise.all([...this.inFlight.values()]);
  }

  private async loop(): Promise<void> {
    try {
      await Promise.resolve(); // let kicks from the same tick coalesce into this scan
      while (this.dirty && this.running) {
        this.dirty = false;
        try {
          await this.scan();
        } catch (err) {
          this.log?.error({ err }, 'callback outbox: scan failed; retrying');
          this.rescanLater();
        }
      }
    } finally {
      // Runs in the same tick as the last `while` check, so no kick can fall between them.
      this.scanLoop = null;
    }
  }

  /** Starts every call's next callback that is due, and arms a timer for those that are not. */
  private async scan(): Promise<void> {
    this.settled.clear();
    const rows = await this.store.pendingCallbacks(this.batchSize);
    // Rows come in id order; the head of each call is its lowest SequenceNumber still pending.
    const heads = new Map<string, QueuedCallback>();
    for (const row of rows) {
      const head = heads.get(row.callSid);
      if (!head || row.sequenceNumber < head.sequenceNumber) heads.set(row.callSid, row);
    }
    const now = this.clock.now();
    for (const [callSid, head] of heads) {
      if (!this.running) return;
      // A call with a delivery in flight, or one that finished after `rows` was read, is
      // skipped: its rows may be stale, and the finishing delivery kicks another scan.
      if (this.inFlight.has(callSid) || this.settled.has(head.id)) continue;
      if (this.released.has(head.id) || head.nextAttemptAt <= now) {
        if (this.inFlight.size >= this.concurrency) continue; // picked up when a slot frees
        this.cancelWait(callSid);
        this.startDelivery(head);
      } else {
        this.waitFor(callSid, head.id, head.nextAttemptAt - now);
      }
    }
  }

  private startDelivery(row: QueuedCallback): void {
    let failed = false;
    const delivery = this.deliver(row)
      .catch((err: unknown) => {
        failed = true;
        this.log?.error({ err, callSid: row.callSid, callbackId: row.id }, 'callback outbox: delivery bookkeeping failed');
      })
      .finally(() => {
        this.settled.add(row.id);
        this.released.delete(row.id);
        this.inFlight.delete(row.callSid);
        // The store misbehaved: back off instead of spinning on the same row.
        if (failed) this.rescanLater();
        else this.kick();
      });
    this.inFlight.set(row.callSid, delivery);
  }

  /** One attempt at one callback, and its bookkeeping in the store. */
  private async deliver(row: QueuedCallback): Promise<void> {
    const authToken = await this.authTokenFor(row.accountSid);
    if (authToken === null) {
      // Without the account there is nothing to sign with, and nobody to tell.
      this.log?.warn({ callSid: row.callSid, accountSid: row.accountSid, url: row.url }, 'callback outbox: account gone; callback abandoned');
      await this.store.markCallbackFailed(row.id, null);
      return;
    }
    const sentAt = this.clock.now();
    const result: StatusCallbackResult = await this.client
      .postStatusCallback({ url: row.url, method: row.method, params: row.params, authToken })
      .catch((err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) }));
    const answeredAt = this.clock.now();
    this.events?.emit('status-callback', {
      callSid: row.callSid, accountSid: row.accountSid, url: row.url, method: row.method, params: row.params,
      ok: result.ok, status: result.status, error: result.error, attempt: row.attempts + 1, ms: answeredAt - sentAt, at: answeredAt,
    });
    if (result.ok) {
      await this.store.markCallbackDelivered(row.id);
      return;
    }
    const attempt = row.attempts + 1;
    const reason = result.error ?? `HTTP ${result.status}`;
    if (attempt < this.maxAttempts) {
      await this.store.markCallbackFailed(row.id, this.clock.now() + this.backoffMs(attempt));
      return;
    }
    this.log?.warn({ callSid: row.callSid, url: row.url, attempts: attempt, reason }, 'callback outbox: callback abandoned');
    // The warning goes in before the row is abandoned: a crash between the two repeats the
    // warning on restart rather than losing it.
    await this.store.insertNotification(this.abandonedNotification(row, attempt, reason, result.status));
    await this.store.markCallbackFailed(row.id, null);
  }

  /** Error 15003 as a warning on the call (Notifications subresource; xml-and-errors.md). */
  private abandonedNotification(row: QueuedCallback, attempts: number, reason: string, status: number | undefined): NotificationRecord {
    const now = this.clock.now();
    return {
      sid: newSid('NO'),
      accountSid: row.accountSid,
      callSid: row.callSid,
      log: 1,
      errorCode: 15003,
      messageText: `Status callback ${row.method} ${row.url} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`,
      messageDate: now,
      requestMethod: row.method,
      requestUrl: row.url,
      requestVariables: new URLSearchParams(row.params).toString(),
      responseBody: status === undefined ? null : reason,
      responseHeaders: null,
      dateCreated: now,
    };
  }

  /**
   * Arms the call's backoff timer. The wait runs on the Clock (call time), while the stored
   * `nextAttemptAt` is wall-clock; when the timer fires the callback is due whatever the wall
   * clock says, so `--time-scale` compresses backoff too. After a restart the stored time is
   * what remains, which waits at most the unscaled delay.
   */
  private waitFor(callSid: string, id: number, ms: number): void {
    const existing = this.waits.get(callSid);
    if (existing?.id === id) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(Math.max(0, ms), () => {
      if (this.waits.get(callSid)?.timer !== timer) return;
      this.waits.delete(callSid);
      this.released.add(id);
      this.kick();
    });
    this.waits.set(callSid, { id, timer });
  }

  private cancelWait(callSid: string): void {
    this.waits.get(callSid)?.timer.cancel();
    this.waits.delete(callSid);
  }

  private rescanLater(): void {
    if (!this.running || this.rescanTimer) return;
    this.rescanTimer = this.clock.setTimer(RESCAN_AFTER_ERROR_MS, () => {
      this.rescanTimer = null;
      this.kick();
    });
  }
}
