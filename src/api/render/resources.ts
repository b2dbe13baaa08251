import type { CallRecord, NotificationRecord, PhoneNumberRecord } from '../../domain/call.js';
import { rfc2822 } from '../../domain/dates.js';
import { formatEndpoint } from '../../domain/phone-format.js';
import { accountPath as base } from '../../domain/api-paths.js';

const date = (ms: number | null) => (ms === null ? null : rfc2822(ms));

/** Sub-resources listed on every Call (calls-api.md §6 `subresource_uris`). */
const CALL_SUBRESOURCES: [string, string][] = [
  ['notifications', 'Notifications'], ['recordings', 'Recordings'], ['payments', 'Payments'], ['events', 'Events'],
  ['siprec', 'Siprec'], ['streams', 'Streams'], ['transcriptions', 'Transcriptions'],
  ['user_defined_message_subscriptions', 'UserDefinedMessageSubscriptions'], ['user_defined_messages', 'UserDefinedMessages'],
];

/**
 * The Call resource in Twilio's JSON shape (`api.v2010.account.call`): every key present,
 * null where there is no value, numbers that Twilio sends as strings sent as strings.
 */
export function callJson(call: CallRecord): Record<string, unknown> {
  const uri = `${base(call.accountSid)}/Calls/${call.sid}`;
  return {
    sid: call.sid,
    date_created: date(call.dateCreated),
    date_updated: date(call.dateUpdated),
    parent_call_sid: call.parentCallSid,
    account_sid: call.accountSid,
    to: call.to,
    to_formatted: formatEndpoint(call.to),
    from: call.from,
    from_formatted: formatEndpoint(call.from),
    phone_number_sid: call.phoneNumberSid,
    status: call.status,
    start_time: date(call.startTime),
    end_time: date(call.endTime),
    duration: call.duration === null ? null : String(call.duration),
    // Switchboard does not bill: a finished call costs nothing.
    price: null,
    price_unit: 'USD',
    direction: call.direction,
    answered_by: call.answeredBy,
    api_version: '2010-04-01',
    forwarded_from: call.forwardedFrom,
    group_sid: null,
    caller_name: call.callerName,
    queue_time: '0',
    trunk_sid: null,
    uri: `${uri}.json`,
    subresource_uris: Object.fromEntries(CALL_SUBRESOURCES.map(([key, name]) => [key, `${uri}/${name}.json`])),
  };
}

/** A Notification (`/Calls/{CA}/Notifications/{NO}.json`), Twilio's 2010 shape. */
export function notificationJson(n: NotificationRecord): Record<string, unknown> {
  return {
    sid: n.sid,
    account_sid: n.accountSid,
    call_sid: n.callSid,
    api_version: '2010-04-01',
    date_created: date(n.dateCreated),
    date_updated: date(n.dateCreated),
    error_code: String(n.errorCode),
    log: String(n.log),
    message_date: date(n.messageDate),
    message_text: n.messageText,
    more_info: `https://www.twilio.com/docs/errors/${n.errorCode}`,
    request_method: n.requestMethod,
    request_url: n.requestUrl ?? '',
    request_variables: n.requestVariables,
    response_body: n.responseBody,
    response_headers: n.responseHeaders,
    uri: `${base(n.accountSid)}/Calls/${n.callSid}/Notifications/${n.sid}.json`,
  };
}

/** An IncomingPhoneNumber, with the voice fields Switchboard uses and Twilio's other keys. */
export function phoneNumberJson(n: PhoneNumberRecord): Record<string, unknown> {
  return {
    sid: n.sid,
    account_sid: n.accountSid,
    friendly_name: n.friendlyName,
    phone_number: n.phoneNumber,
    voice_url: n.voiceUrl,
    voice_method: n.voiceMethod,
    voice_fallback_url: n.voiceFallbackUrl,
    voice_fallback_method: n.voiceFallbackMethod,
    voice_caller_id_lookup: false,
    voice_application_sid: null,
    status_callback: n.statusCallback ?? '',
    status_callback_method: n.statusCallbackMethod,
    date_created: date(n.dateCreated),
    date_updated: date(n.dateUpdated),
    sms_url: n.smsUrl ?? '',
    sms_method: n.smsMethod,
    sms_fallback_url: n.smsFallbackUrl ?? '',
    sms_fallback_method: n.smsFallbackMethod,
    sms_application_sid: '',
    // Messages run on the simulated network (messaging.md), so every number can text.
    capabilities: { voice: true, sms: true, mms: true, fax: false },
    api_version: '2010-04-01',
    origin: 'twilio',
    status: 'in-use',
    uri: `${base(n.accountSid)}/IncomingPhoneNumbers/${n.sid}.json`,
  };
}
