import type { CallEvents } from '../ports/call-events.js';

/** The slice of a pino logger the call log writes to. */
export interface CallLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Writes what happens to calls to the server log, one structured line per event, each with the
 * call's `callSid` (and `accountSid` where the event has it), so a log pipeline can follow one
 * call: status changes at info, TwiML requests and verbs at debug, Notifications at warn
 * (errors) or info (warnings). Returns the function that stops it.
 */
export function logCallEvents(events: CallEvents, log: CallLogger): () => void {
  const stops = [
    events.on('status', ({ callSid, accountSid, from, to, call }) => {
      if (from !== to) log.info({ callSid, accountSid, from, to, direction: call.direction }, `call ${to}`);
    }),
    events.on('verb-started', ({ callSid, verb }) => log.debug({ callSid, verb }, 'verb started')),
    events.on('verb-ended', ({ callSid, verb, outcome }) => log.debug({ callSid, verb, outcome }, 'verb ended')),
    events.on('webhook-requested', ({ callSid, url, method }) => log.debug({ callSid, url, method }, 'TwiML requested')),
    events.on('webhook-answered', ({ callSid, url, ok, status, errorCode, ms }) => log.debug({ callSid, url, ok, status, errorCode, ms }, 'TwiML answered')),
    events.on('notification', ({ callSid, code, level, message }) => (level === 0 ? log.warn : log.info).call(log, { callSid, code, level }, message)),
    events.on('bridge', ({ callSid, otherCallSid, joined }) => log.debug({ callSid, otherCallSid, joined }, joined ? 'bridged' : 'unbridged')),
  ];
  return () => stops.forEach((stop) => stop());
}
