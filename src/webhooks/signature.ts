import { createHmac } from 'node:crypto';

/** Form parameters as signed: a repeated key carries several values. */
export type SignedParams = Record<string, string | string[]>;

/**
 * Computes `X-Twilio-Signature` for an outgoing webhook (webhooks.md §3; twilio-node
 * `getExpectedTwilioSignature`, the receiver's reference implementation).
 *
 * - `url` is the full URL exactly as requested: scheme, host, path and query, no `#fragment`
 *   (fragments never go on the wire, so the receiver cannot see them).
 * - POST form: pass the body parameters. Names are sorted with JS's default (UTF-16 code unit)
 *   order, the same comparison twilio-node uses, and `name + value` is appended for each, with
 *   no separator and no URL-encoding. A repeated key's values are deduplicated and sorted, then
 *   appended as `name + value` each, as twilio-node does.
 * - GET (or a raw body whose hash is in the query): pass `null`. The parameters are already in
 *   the URL and nothing is appended.
 *
 * Result: base64 HMAC-SHA1 keyed with the account's auth token (UTF-8).
 */
export function signTwilioRequest(authToken: string, url: string, params: SignedParams | null): string {
  let data = url;
  if (params) {
    for (const name of Object.keys(params).sort()) {
      const value = params[name];
      if (Array.isArray(value)) {
        for (const v of Array.from(new Set(value)).sort()) data += name + v;
      } else {
        data += name + value;
      }
    }
  }
  return createHmac('sha1', Buffer.from(authToken, 'utf-8')).update(Buffer.from(data, 'utf-8')).digest('base64');
}
