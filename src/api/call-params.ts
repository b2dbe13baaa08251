import { CALL_EVENTS, type CallEvent } from '../domain/call-status.js';
import type { NewCallRequest } from '../calls/call-service.js';
import type { CallUpdate } from '../domain/call-command.js';
import { DEFAULT_TIME_LIMIT_SEC, DEFAULT_TIMEOUT_SEC } from '../domain/call.js';
import { badRequest, TwilioError } from '../domain/errors.js';
import { isE164 } from '../domain/phone-format.js';
import { parseRecordingParams } from './recording-params.js';
import { integerParam, methodParam, one, urlParam, type Form } from './form.js';

/** Limits from calls-api.md §3. */
const MAX_TIMEOUT_SEC = 600;
const MAX_TWIML_CHARS = 4000;

export type CreateCallParams = NewCallRequest;

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
      timeLimitSec: integerParam(form, 'TimeLimit', 70002, 1) ?? DEFAULT_TIME_LIMIT_SEC,
      sendDigits,
      recording: parseRecordingParams(form),
    },
  };
}

/** Reads an update (`POST /Calls/{Sid}.json`, call-lifecycle.md §3) into the core's typed form. */
export function parseUpdateParams(form: Form): CallUpdate {
  const status = one(form, 'Status');
  if (status !== undefined && status !== 'canceled' && status !== 'completed') {
    throw badRequest(70002, `Status must be 'canceled' or 'completed', not '${status}'`);
  }
  const url = urlParam(form, 'Url');
  const twiml = twimlParam(form);
  if (url && twiml !== null) throw badRequest(32019, 'Url and Twiml are mutually exclusive: send one of them.');
  const redirect = url || twiml !== null ? { url, method: methodParam(form, 'Method'), twiml } : null;
  const fallbackUrl = urlParam(form, 'FallbackUrl');
  const statusCallback = urlParam(form, 'StatusCallback', 21609);
  return {
    status: (status as CallUpdate['status']) ?? null,
    redirect,
    fallback: fallbackUrl ? { url: fallbackUrl, method: methodParam(form, 'FallbackMethod') } : null,
    // Twilio only honours a new StatusCallback sent together with a redirect (call-lifecycle.md §3).
    statusCallback: statusCallback && redirect ? { url: statusCallback, method: methodParam(form, 'StatusCallbackMethod') } : null,
    timeLimitSec: integerParam(form, 'TimeLimit', 70002, 1),
  };
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
