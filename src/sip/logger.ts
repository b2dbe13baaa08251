/** The slice of a pino-style logger the SIP edge writes to. */
export interface SipLogger {
  warn(obj: object, msg: string): void;
  /** For what a peer can cause at will (garbage, foreign responses): never a warning per packet. */
  debug?(obj: object, msg: string): void;
}

/** Logs nothing: the default when the caller passes no logger. */
export const silentLogger: SipLogger = { warn() {} };

/**
 * Runs `fn`, logging instead of throwing. Every callback the SIP edge calls (timers, handlers
 * the Carrier registered, socket events) goes through this, because one throw from a timer
 * or a datagram handler would take down every call in the process (sip-media-notes pitfall 1).
 */
export function guarded(logger: SipLogger, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    try {
      logger.warn({ err }, `SIP: ${what} threw`);
    } catch {
      // A logger that throws must not undo the guard.
    }
  }
}

/** How often each kind of peer fault is logged at most (with the count since the last line). */
export const FAULT_LOG_INTERVAL_MS = 10_000;

/**
 * What a peer can cause once per datagram (garbage, malformed requests, foreign responses):
 * counted per kind, and logged as a warning at most once per FAULT_LOG_INTERVAL_MS per kind,
 * with how many occurred since the previous line, so a flood costs a counter, not a log line
 * per packet. Real time, not the call clock: this is about log volume, not calls.
 */
export class PeerFaults {
  private readonly kinds = new Map<string, { total: number; unlogged: number; loggedAt: number }>();

  constructor(private readonly logger: SipLogger, private readonly now: () => number = Date.now) {}

  note(kind: string, details: object): void {
    let entry = this.kinds.get(kind);
    if (!entry) this.kinds.set(kind, (entry = { total: 0, unlogged: 0, loggedAt: -Infinity }));
    entry.total++;
    entry.unlogged++;
    if (this.now() - entry.loggedAt < FAULT_LOG_INTERVAL_MS) return;
    this.logger.warn({ ...details, kind, count: entry.unlogged, total: entry.total }, `SIP: ${kind} from a peer (${entry.unlogged} since the last report)`);
    entry.unlogged = 0;
    entry.loggedAt = this.now();
  }

  /** Faults seen so far, by kind (for metrics). */
  totals(): Record<string, number> {
    return Object.fromEntries([...this.kinds].map(([kind, entry]) => [kind, entry.total]));
  }
}
