import type { CallEvent, CallStatus } from './call-status.js';
import type { HttpMethod } from './http-method.js';
import type { RecordingSettings } from './recording.js';

/** Default ring timeout (`Timeout`, calls-api.md §3). */
export const DEFAULT_TIMEOUT_SEC = 60;
/** Twilio's default maximum call length: 4 hours. */
export const DEFAULT_TIME_LIMIT_SEC = 14400;

export type CallDirection = 'inbound' | 'outbound-api' | 'outbound-dial';

/**
 * Per-call settings given at create (or by the number, for inbound calls) and changed by update.
 * Not part of the Call resource's JSON: Twilio keeps them private too.
 */
export interface CallConfig {
  url: string | null;
  method: HttpMethod;
  /** Inline TwiML (create/update `Twiml`); used when `url` is null. */
  twiml: string | null;
  fallbackUrl: string | null;
  fallbackMethod: HttpMethod;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  statusCallbackEvents: CallEvent[];
  /** Ring timeout in seconds (create `Timeout`, default 60, max 600). */
  timeoutSec: number;
  /** Maximum call duration in seconds, counted from answer (create/update `TimeLimit`). */
  timeLimitSec: number;
  /** DTMF played once the call connects (create `SendDigits`). */
  sendDigits: string | null;
  /** `Record=true` on create: how the whole-call recording reports; absent or null when not recorded. */
  recording?: RecordingSettings | null;
}

/**
 * One call leg as Switchboard stores it. Times are epoch milliseconds; the API renders them
 * as RFC 2822 (calls-api.md §6).
 */
export interface CallRecord {
  sid: string;
  accountSid: string;
  parentCallSid: string | null;
  to: string;
  from: string;
  phoneNumberSid: string | null;
  status: CallStatus;
  direction: CallDirection;
  dateCreated: number;
  dateUpdated: number;
  /** When dialing began (outbound) or the call arrived (inbound). */
  startTime: number | null;
  /** When the far end answered; internal (not in the resource), the base of `duration`. */
  answeredAt: number | null;
  endTime: number | null;
  /** Whole seconds between answer and end; null unless the call was answered and has ended. */
  duration: number | null;
  answeredBy: string | null;
  forwardedFrom: string | null;
  callerName: string | null;
  /** Next status-callback SequenceNumber for this call (webhooks.md §2). */
  callbackSequence: number;
  config: CallConfig;
}

/** A Notification on a call (the Notifications subresource): an error or warning raised while it ran. */
export interface NotificationRecord {
  sid: string;
  accountSid: string;
  callSid: string;
  /** 0 = error, 1 = warning (Twilio's `log` field). */
  log: 0 | 1;
  errorCode: number;
  messageText: string;
  messageDate: number;
  requestMethod: string | null;
  requestUrl: string | null;
  requestVariables: string | null;
  responseBody: string | null;
  responseHeaders: string | null;
  dateCreated: number;
}

/** An IncomingPhoneNumber: how an inbound call to this number is routed (Voice URL etc.). */
export interface PhoneNumberRecord {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  voiceUrl: string | null;
  voiceMethod: HttpMethod;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: HttpMethod;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  /** The inbound-message webhook (messaging.md §4). */
  smsUrl: string | null;
  smsMethod: HttpMethod;
  smsFallbackUrl: string | null;
  smsFallbackMethod: HttpMethod;
  dateCreated: number;
  dateUpdated: number;
}

export interface AccountRecord {
  sid: string;
  authToken: string;
  friendlyName: string;
  dateCreated: number;
}
