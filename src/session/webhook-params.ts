import { rfc2822 } from '../domain/dates.js';
import type { CallRecord } from '../domain/call.js';
import type { CallEvent } from '../domain/call-status.js';
import { geoParams } from './geo-params.js';

/**
 * The standard parameters of every voice webhook (webhooks.md §1): what the app's TwiML URL,
 * `action` URLs and status callbacks receive about the call, with the geographic ones
 * (geo-parameters.md) of each phone-number party.
 */
export function voiceParams(call: CallRecord, callStatus: string = call.status): Record<string, string> {
  const params: Record<string, string> = {
    CallSid: call.sid,
    AccountSid: call.accountSid,
    From: call.from,
    To: call.to,
    CallStatus: callStatus,
    ApiVersion: '2010-04-01',
    Direction: call.direction,
    Caller: call.from,
    Called: call.to,
    ...geoParams(call.from, call.to, true),
  };
  if (call.parentCallSid) params.ParentCallSid = call.parentCallSid;
  if (call.forwardedFrom) params.ForwardedFrom = call.forwardedFrom;
  return params;
}

/**
 * SIP final response a carrier would give for each terminal status (webhooks.md §2
 * `SipResponseCode`), when the carrier did not report the real one.
 */
const SIP_RESPONSE: Record<string, string> = {
  completed: '200', busy: '486', 'no-answer': '487', canceled: '487', failed: '404',
};

/**
 * Parameters of a status callback for `event` (webhooks.md §2): the standard set plus
 * `SequenceNumber`, `Timestamp`, `CallbackSource`, and the duration fields on terminal events.
 */
export function statusCallbackParams(
  call: CallRecord, event: CallEvent, sequenceNumber: number, now: number, sipResponseCode?: number,
): Record<string, string> {
  const callStatus = event === 'initiated' ? 'initiated' : event === 'answered' ? 'in-progress' : call.status;
  const params = voiceParams(call, callStatus);
  params.SequenceNumber = String(sequenceNumber);
  params.Timestamp = rfc2822(now);
  params.CallbackSource = 'call-progress-events';
  if (event === 'completed') {
    params.CallDuration = String(call.duration ?? 0);
    params.SipResponseCode = sipResponseCode !== undefined ? String(sipResponseCode) : (SIP_RESPONSE[call.status] ?? '500');
    if (call.status === 'completed') params.Duration = String(Math.ceil((call.duration ?? 0) / 60));
  }
  return params;
}
