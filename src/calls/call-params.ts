import { CALL_EVENTS, type CallEvent } from '../domain/call-status.js';
import type { CallConfig } from '../domain/call.js';
import { badRequest, TwilioError } from '../domain/errors.js';
import { isE164 } from '../domain/phone-format.js';
import { parseRecordingParams } from './recording-params.js';
import { integerParam, methodParam, one, urlParam, type Form } from './form.js';

/** Limits from calls-api.md §3. */
const MAX_TIMEOUT_SEC = 600;
export const DEFAULT_TIMEOUT_SEC = 60;
/** Twilio's default maximum call length: 4 hours. */
export const DEFAULT_TIME_LIMIT_SEC = 14400;
const MAX_TWIML_CHARS = 4000;

export interface CreateCallParams {
  to: string;
  from: string;
  config: CallConfig;
  /** Digest credentials for a SIP call; used for the dial only, never stored. */
  sipAuth: { username: string; password: string } | null;
}

/** An endpoint Switchboard can call: E.164, or a `sip:`, `client:` or `sim:` address (calls-api.md §3 `To`). */
function isEndpoint(value: string): boolean {
  return isE164(value) || /^(sip:|client:|sim:)\S+$/.test(value);
}

/**
 * Validates a create request (`POST /Calls.json`) with Twilio's error codes
 * (xml-and-errors.md §4a). `Twiml` is ignored when `Url` is also given (spec text for create).
 */
export function parseCreateParams(form: Form): CreateCallParams {
  const to = one(form, 'To')?.trim();
  if (!to) throw badRequest(21201, "A 'To' phone number is required.");
  const from = one(form, 'From')?.trim();
  if (!from) throw badRequest(21213, "A 'From' phone number is required.");
  if (!isEndpoint(to)) throw badRequest(21211, `The 'To' number ${to} is not a valid phone number, SIP URI or client identifier.`);
  if (!isEndpoint(from) && !/^[A-Za-z0-9 ._-]{1,64}$/.test(from)) {
    throw badRequest(21212, `The 'From' number ${from} is not a valid phone number or client identifier.`);
  }
  if (one(form, 'ApplicationSid')) throw badRequest(21218, 'ApplicationSid is not supported by Switchboard: give Url or Twiml.');
  const url = urlParam(form, 'Url');
  const twiml = url ? null : twimlParam(form);
  if (!url && twiml === null) throw badRequest(21205, "Either 'Url' or 'Twiml' must be provided.");
  const sendDigits = one(form, 'SendDigits') || null;
  if (sendDigits !== null && !/^[0-9A-D#*wW]{1,32}$/.test(sendDigits)) {
    throw badRequest(21206, `SendDigits must be up to 32 of 0-9, A-D, #, *, w and W, not '${sendDigits}'`);
  }
  const sipAuthUsername = one(form, 'SipAuthUsername');
  const sipAuth = sipAuthUsername ? { username: sipAuthUsername, password: one(form, 'SipAuthPassword') ?? '' } : null;
  return {
    to,
    from,
    sipAuth,
    config: {
      url,
      method: methodParam(form, 'Method'),
      twiml,
      fallbackUrl: urlParam(form, 'FallbackUrl'),
      fallbackMethod: methodParam(form, 'FallbackMethod'),
      statusCallback: urlParam(form, 'StatusCallback', 21609),
      statusCallbackMethod: methodParam(form, 'StatusCallbackMethod'),
      statusCallbackEvents: eventsParam(form),
      // Twilio caps the ring time at 600 s rather than refusing longer values.
      timeoutSec: Math.min(integerParam(form, 'Timeout', 21208, 1) ?? DEFAULT_TIMEOUT_SEC, MAX_TIMEOUT_SEC),
      timeLimitSec: integerParam(form, 'TimeLimit', undefined, 1) ?? DEFAULT_TIME_LIMIT_SEC,
      sendDigits,
      recording: parseRecordingParams(form),
    },
  };
}

/** What an update (`POST /Calls/{Sid}.json`) asks for (call-lifecycle.md §3). */
export interface UpdateCallParams {
  status: 'canceled' | 'completed' | null;
  /** Present when `Url` or `Twiml` redirects the call. */
  redirect: Pick<CallConfig, 'url' | 'method' | 'twiml'> | null;
  /** Settings replaced without a redirect of their own. */
  config: Partial<CallConfig>;
  timeLimitSec: number | null;
}

export function parseUpdateParams(form: Form): UpdateCallParams {
  const status = one(form, 'Status');
  if (status !== undefined && status !== 'canceled' && status !== 'completed') {
    throw badRequest(undefined, `Status must be 'canceled' or 'completed', not '${status}'`);
  }
  const url = urlParam(form, 'Url');
  const twiml = twimlParam(form);
  if (url && twiml !== null) throw badRequest(undefined, 'Url and Twiml are mutually exclusive: send one of them.');
  const redirect = url || twiml !== null ? { url, method: methodParam(form, 'Method'), twiml } : null;
  const config: Partial<CallConfig> = {};
  const fallbackUrl = urlParam(form, 'FallbackUrl');
  if (fallbackUrl) Object.assign(config, { fallbackUrl, fallbackMethod: methodParam(form, 'FallbackMethod') });
  const statusCallback = urlParam(form, 'StatusCallback', 21609);
  // Twilio only honours a new StatusCallback sent together with a redirect (call-lifecycle.md §3).
  if (statusCallback && redirect) Object.assign(config, { statusCallback, statusCallbackMethod: methodParam(form, 'StatusCallbackMethod') });
  return { status: (status as UpdateCallParams['status']) ?? null, redirect, config, timeLimitSec: integerParam(form, 'TimeLimit', undefined, 1) };
}

export function isEmptyUpdate(update: UpdateCallParams): boolean {
  return !update.status && !update.redirect && Object.keys(update.config).length === 0 && update.timeLimitSec === null;
}

function twimlParam(form: Form): string | null {
  const twiml = one(form, 'Twiml');
  if (twiml === undefined || twiml.trim() === '') return null;
  if (twiml.length > MAX_TWIML_CHARS) throw new TwilioError(400, 32018, `Twiml is ${twiml.length} characters long; the limit is ${MAX_TWIML_CHARS}.`);
  return twiml;
}

/** `StatusCallbackEvent`: repeated keys or space-separated values; default `completed` only. */
function eventsParam(form: Form): CallEvent[] {
  const values = (form.StatusCallbackEvent ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
  if (values.length === 0) return ['completed'];
  for (const value of values) {
    if (!(CALL_EVENTS as readonly string[]).includes(value)) {
      throw badRequest(21626, `StatusCallbackEvent '${value}' is not one of ${CALL_EVENTS.join(', ')}`);
    }
  }
  return [...new Set(values)] as CallEvent[];
}
