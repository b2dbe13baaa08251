import { accountPath as base, API_VERSION } from '../../domain/api-paths.js';
import { rfc2822 } from '../../domain/dates.js';
import type { MessageRecord } from '../../domain/message.js';
import type { MessageMedia } from '../../domain/message-media.js';

/**
 * A Message in Twilio's JSON shape (`api.v2010.account.message`, messaging.md §2): counts are
 * strings, `error_code` an integer, `price` null (the simulated network charges nothing).
 */
export function messageJson(m: MessageRecord): Record<string, unknown> {
  const uri = `${base(m.accountSid)}/Messages/${m.sid}`;
  return {
    body: m.body,
    num_segments: String(m.numSegments),
    direction: m.direction,
    from: m.from,
    to: m.to,
    date_updated: rfc2822(m.dateUpdated),
    price: null,
    error_message: m.errorMessage,
    uri: `${uri}.json`,
    account_sid: m.accountSid,
    num_media: String(m.mediaUrls.length),
    status: m.status,
    messaging_service_sid: null,
    sid: m.sid,
    date_sent: m.dateSent === null ? null : rfc2822(m.dateSent),
    date_created: rfc2822(m.dateCreated),
    error_code: m.errorCode,
    price_unit: 'USD',
    api_version: API_VERSION,
    subresource_uris: { media: `${uri}/Media.json` },
  };
}

/** A media item (`api.v2010.account.message.media`, messaging.md §2). */
export function mediaJson(item: MessageMedia): Record<string, unknown> {
  return {
    account_sid: item.accountSid,
    content_type: item.contentType,
    date_created: rfc2822(item.dateCreated),
    date_updated: rfc2822(item.dateCreated),
    parent_sid: item.parentSid,
    sid: item.sid,
    uri: `${base(item.accountSid)}/Messages/${item.parentSid}/Media/${item.sid}.json`,
  };
}
