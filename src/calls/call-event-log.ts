import type { CallEventStore, CallExchange } from '../ports/call-event-store.js';
import type { CallEventMap, CallEvents } from '../ports/call-events.js';
import { isTerminal } from '../domain/call-status.js';

/**
 * Writes each call's Events log (call-events.md §2, §4) from the CallEvents hub: one exchange
 * per TwiML request (the voice URL, fallback, `action` URLs, `<Redirect>`, a `<Record>` action
 * after the hangup), paired from `webhook-requested` and `webhook-answered`, and one per
 * status-callback delivery attempt (`status-callback`). A request that never got an answer
 * because the call moved on (a redirect or a hangup aborted it) is not logged: nothing came back.
 *
 * Writing never holds up the call: the store write is not awaited by the emitter, and a
 * failure is logged, not thrown.
 */
export class CallEventLog {
  /** callSid → the TwiML requests sent and not yet answered, oldest first. */
  private readonly pending = new Map<string, { event: CallEventMap['webhook-requested']; accountSid: string }[]>();
  private readonly stops: (() => void)[];

  constructor(
    events: CallEvents,
    private readonly store: CallEventStore,
    private readonly accountOf: (callSid: string) => string | undefined,
    private readonly log: { error(obj: object, msg: string): void },
  ) {
    this.stops = [
      events.on('webhook-requested', (e) => this.requested(e)),
      events.on('webhook-answered', (e) => this.answered(e)),
      events.on('status-callback', (e) => this.callback(e)),
      events.on('status', (e) => { if (isTerminal(e.to)) this.pending.delete(e.callSid); }),
    ];
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  private requested(event: CallEventMap['webhook-requested']): void {
    const accountSid = this.accountOf(event.callSid);
    if (accountSid === undefined) return;
    let queue = this.pending.get(event.callSid);
    if (!queue) this.pending.set(event.callSid, (queue = []));
    queue.push({ event, accountSid });
  }

  private answered(answer: CallEventMap['webhook-answered']): void {
    const queue = this.pending.get(answer.callSid);
    const i = queue?.findIndex((p) => p.event.url === answer.url && p.event.method === answer.method) ?? -1;
    if (!queue || i < 0) return;
    const [{ event, accountSid }] = queue.splice(i, 1) as [NonNullable<typeof queue>[number]];
    if (queue.length === 0) this.pending.delete(answer.callSid);
    this.write({
      accountSid, callSid: answer.callSid,
      request: { method: event.method, url: withoutFragment(event.url), parameters: event.params },
      response: {
        responseCode: answer.status ?? null, requestDuration: answer.ms, contentType: answer.contentType ?? null,
        responseBody: answer.body ?? null, dateCreated: answer.at,
      },
    });
  }

  private callback(e: CallEventMap['status-callback']): void {
    this.write({
      accountSid: e.accountSid, callSid: e.callSid,
      request: { method: e.method, url: withoutFragment(e.url), parameters: e.params },
      // The outbox does not read a callback's body (webhooks.md §2: it is ignored).
      response: { responseCode: e.status ?? null, requestDuration: e.ms, contentType: null, responseBody: null, dateCreated: e.at },
    });
  }

  private write(exchange: CallExchange): void {
    this.store.insertCallExchange(exchange).catch((err: unknown) =>
      this.log.error({ err, callSid: exchange.callSid }, 'could not record a call event'));
  }
}

/** The `#ct=…` connection overrides are Twilio's instructions, never sent (webhooks.md §4). */
function withoutFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}
