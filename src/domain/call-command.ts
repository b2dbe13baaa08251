import type { CallConfig } from './call.js';
import type { HttpMethod } from './http-method.js';

/**
 * A REST update of a live call (`POST /Calls/{Sid}.json`, call-lifecycle.md §3), typed: the
 * API parses Twilio's form into this, so the wire form never reaches the core. Every field it
 * carries is applied in one mailbox turn.
 */
export interface CallUpdate {
  /** `Status`: `completed` hangs up, `canceled` cancels a queued or ringing call. */
  status: 'canceled' | 'completed' | null;
  /** `Url`/`Method` or `Twiml`: new TwiML to run now (or on answer, for a call not yet answered). */
  redirect: Pick<CallConfig, 'url' | 'method' | 'twiml'> | null;
  /** `FallbackUrl`/`FallbackMethod`. */
  fallback: { url: string; method: HttpMethod } | null;
  /** `StatusCallback`/`StatusCallbackMethod`: honoured only together with a redirect. */
  statusCallback: { url: string; method: HttpMethod } | null;
  /** `TimeLimit`, counted from the answer. */
  timeLimitSec: number | null;
}

export const EMPTY_UPDATE: CallUpdate = { status: null, redirect: null, fallback: null, statusCallback: null, timeLimitSec: null };

export function isEmptyUpdate(update: CallUpdate): boolean {
  return !update.status && !update.redirect && !update.fallback && !update.statusCallback && update.timeLimitSec === null;
}

/** Why a carrier leg ended, as the carrier saw it. */
export type LegEndReason = 'busy' | 'no-answer' | 'failed' | 'remote-hangup';

/**
 * What a call session is told to do: the session's only input (`CallSession.send`). Plain,
 * serializable data, so a command can cross a process boundary to the node that owns the call
 * (house-review.md, "seams": commands).
 */
export type CallCommand =
  /** Place the outbound call (from `queued`); `sipAuth` answers a SIP digest challenge. */
  | { type: 'dial'; sipAuth?: { username: string; password: string } }
  /** A REST update. */
  | { type: 'update'; update: CallUpdate }
  /** Server shutdown or a parent leaving: end the call whatever its state. */
  | { type: 'hangup' }
  /** A call found live in the store at startup, whose process died with it. */
  | { type: 'close-orphan' }
  /** Carrier progress. */
  | { type: 'leg-ringing' }
  | { type: 'leg-answered' }
  | { type: 'leg-ended'; reason: LegEndReason; sipResponseCode?: number };
