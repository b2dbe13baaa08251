import { createHash } from 'node:crypto';
import type { MessageRecord } from './message.js';

/** One media item of a Message (messaging.md §2, `api.v2010.account.message.media`). */
export interface MessageMedia {
  sid: string;
  parentSid: string;
  accountSid: string;
  url: string;
  contentType: string;
  dateCreated: number;
}

/**
 * A message's media, one item per `MediaUrl` in order. Media is not stored apart from its
 * message, so each item's `ME…` SID is derived from the message SID, the URL and how many times
 * that URL came before: the same item keeps its SID on every read, and deleting one leaves the
 * others' SIDs alone (but for a later copy of the same URL).
 */
export function mediaOf(m: MessageRecord): MessageMedia[] {
  const seen = new Map<string, number>();
  return m.mediaUrls.map((url) => ({
    sid: 'ME' + createHash('sha256').update(`${m.sid} ${url} ${seen.set(url, (seen.get(url) ?? 0) + 1).get(url)}`).digest('hex').slice(0, 32),
    parentSid: m.sid, accountSid: m.accountSid, url, contentType: contentTypeOf(url), dateCreated: m.dateCreated,
  }));
}

/** Only a URL is known, not the file: the type is guessed from its extension. */
export function contentTypeOf(url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const types: Record<string, string> = {
    jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', mp4: 'video/mp4', pdf: 'application/pdf',
    mp3: 'audio/mpeg', wav: 'audio/wav', vcf: 'text/vcard',
  };
  return (ext && types[ext]) || 'application/octet-stream';
}
