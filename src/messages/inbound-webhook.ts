import { API_VERSION } from '../domain/api-paths.js';
import type { PhoneNumberRecord } from '../domain/call.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { MessageRecord } from '../domain/message.js';
import { contentTypeOf } from '../domain/message-media.js';
import type { TwimlFetcher } from '../ports/twiml-fetcher.js';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { geoOf, geoParams } from '../session/geo-params.js';
import { TwimlError } from '../twiml/verbs.js';
import { parseMessagingTwiml, type MessagingVerb } from './messaging-twiml.js';

/** Documents one inbound message may chain through `<Redirect>` before the guard stops it. */
export const MAX_MESSAGING_DOCUMENTS = 10;

export interface InboundWebhook {
  number: PhoneNumberRecord;
  message: MessageRecord;
  authToken: string;
  fetcher: TwimlFetcher;
  log: { warn(obj: object, msg: string): void };
}

type Reply = Extract<MessagingVerb, { verb: 'Message' }>;

/**
 * Runs the number's `SmsUrl` for an inbound message (messaging.md §4) and hands each `<Message>`
 * of the returned TwiML to `send`, in document order, following `<Redirect>` (§5). When the
 * `SmsUrl` cannot be fetched or read, `SmsFallbackUrl` gets the same parameters plus
 * `ErrorCode`/`ErrorUrl`, as voice's fallback does. Relative URLs resolve against the document's.
 */
export async function runInboundWebhook(hook: InboundWebhook, send: (reply: Reply) => Promise<void>): Promise<void> {
  const { number } = hook;
  if (!number.smsUrl) return;
  const params = inboundParams(hook.message);
  let next: { url: string; method: HttpMethod } | null = { url: number.smsUrl, method: number.smsMethod };
  for (let documents = 0; next; documents++) {
    if (documents >= MAX_MESSAGING_DOCUMENTS) {
      hook.log.warn({ code: 11215, messageSid: hook.message.sid }, `More than ${MAX_MESSAGING_DOCUMENTS} messaging documents through <Redirect>: stopped`);
      return;
    }
    const first = documents === 0;
    let verbs = await fetchVerbs(hook, next, params);
    if ('code' in verbs && first && number.smsFallbackUrl) {
      const failed = { ErrorCode: String(verbs.code), ErrorUrl: next.url };
      verbs = await fetchVerbs(hook, { url: number.smsFallbackUrl, method: number.smsFallbackMethod }, { ...params, ...failed });
    }
    if ('code' in verbs) {
      hook.log.warn({ code: verbs.code, messageSid: hook.message.sid, url: next.url }, `inbound message webhook: ${verbs.message}`);
      return;
    }
    next = null;
    for (const verb of verbs.verbs) {
      if (verb.verb === 'Redirect') {
        const url = resolve(verb.url, verbs.url);
        if (url) next = { url, method: verb.method };
        break;
      }
      await send({ ...verb, action: verb.action === null ? null : resolve(verb.action, verbs.url) });
    }
  }
}

async function fetchVerbs(
  hook: InboundWebhook, target: { url: string; method: HttpMethod }, params: Record<string, string>,
): Promise<{ verbs: MessagingVerb[]; url: string } | { code: number; message: string }> {
  const fetched = await hook.fetcher.fetchTwiml({ url: target.url, method: target.method, params, authToken: hook.authToken });
  if (!fetched.ok) return { code: fetched.code, message: fetched.message };
  try {
    return { verbs: parseMessagingTwiml(fetched.body), url: fetched.url };
  } catch (err) {
    if (err instanceof TwimlError) return { code: err.code, message: err.message };
    throw err;
  }
}

function resolve(url: string, base: string): string | null {
  try {
    const resolved = new URL(url, base);
    return resolved.protocol === 'http:' || resolved.protocol === 'https:' ? resolved.href : null;
  } catch {
    return null;
  }
}

/**
 * The inbound webhook's parameters, in the order of a real US capture (messaging.md §4), with
 * `NumSegments` and the media pairs after it. Geo fields are sent empty when unknown.
 */
export function inboundParams(m: MessageRecord): Record<string, string> {
  const geo = geoParams(m.from, m.to, false);
  const g = (key: string) => geo[key] ?? '';
  const params: Record<string, string> = {
    ToCountry: g('ToCountry'), ToState: g('ToState'), SmsMessageSid: m.sid, NumMedia: String(m.mediaUrls.length),
    ToCity: g('ToCity'), FromZip: g('FromZip'), SmsSid: m.sid, FromState: g('FromState'), SmsStatus: 'received',
    FromCity: g('FromCity'), Body: m.body, FromCountry: g('FromCountry'), To: m.to, ToZip: g('ToZip'), MessageSid: m.sid,
    AccountSid: m.accountSid, From: m.from, ApiVersion: API_VERSION, NumSegments: String(m.numSegments),
  };
  m.mediaUrls.forEach((url, i) => {
    params[`MediaUrl${i}`] = url;
    params[`MediaContentType${i}`] = contentTypeOf(url);
  });
  return params;
}

/**
 * A `<Message to>` as written → E.164 (messaging.md §5): without `+`, Twilio assumes the country
 * of the sending number and accepts local forms (`(415) 555-1212`, `07400123456`). Returned
 * unchanged when it is not a plausible number, for the caller to refuse (14101).
 */
export function replyRecipient(to: string, sender: string): string {
  const trimmed = to.trim();
  if (trimmed.startsWith('+') || !/^[0-9 ().\-]+$/.test(trimmed)) return trimmed;
  const country = (geoOf(sender)?.Country || 'US') as CountryCode;
  const parsed = parsePhoneNumberFromString(trimmed, country);
  return parsed?.isPossible() ? parsed.number : trimmed;
}
