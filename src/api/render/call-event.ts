import { rfc2822 } from '../../domain/dates.js';
import type { CallExchange } from '../../ports/call-event-store.js';

/**
 * A Call Event in Twilio's JSON shape (`api.v2010.account.call.call_event`, call-events.md §2):
 * `request` and `response` objects, parameter names in snake_case, the response's date in
 * RFC 2822, the request duration in milliseconds.
 */
export function callEventJson(exchange: CallExchange): Record<string, unknown> {
  const { request, response } = exchange;
  const parameters: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.parameters)) parameters[snakeCase(key)] = value;
  return {
    request: { method: request.method, url: request.url, parameters },
    response: {
      response_code: response.responseCode,
      request_duration: Math.max(0, Math.round(response.requestDuration)),
      content_type: response.contentType,
      response_body: response.responseBody,
      date_created: rfc2822(response.dateCreated),
    },
  };
}

/**
 * CamelCase → snake_case the way Twilio's example shows (`AccountSid` → `account_sid`,
 * `SipResponseCode` → `sip_response_code`, `AddOns` → `add_ons`); an acronym stays one word
 * (`SIPHeader` → `sip_header`). Names already lower case are unchanged.
 */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}
