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
