import { badRequest } from '../domain/errors.js';
import { isE164 } from '../domain/phone-format.js';
import type { NewMessage } from '../messages/message-service.js';
import { isHttpUrl, methodParam, one, urlParam, type Form } from './form.js';

/** Body limit and media count (messaging.md §1, create parameters). */
const MAX_BODY = 1600;
const MAX_MEDIA = 10;

/**
 * Reads `POST /Messages` (messaging.md §1): `To` (21604 absent, 21211 not E.164), `From`
 * (21212 neither a number nor an alphanumeric sender), one of `Body`/`MediaUrl` (21602),
 * `Body` up to 1600 characters (21617), up to ten `MediaUrl`, `StatusCallback` (21609).
 * Switchboard sends from numbers only: a request that names a Messaging Service or a Content
 * template instead gets a 400 saying so (docs/compatibility.md, "Messages"), rather than
 * having the name ignored.
 */
export function parseMessageCreate(form: Form): NewMessage {
  const to = one(form, 'To')?.trim() ?? '';
  if (to === '') throw badRequest(21604, "A 'To' phone number is required.");
  if (!isE164(to)) throw badRequest(21211, `The 'To' number ${to} is not a valid phone number.`);
  const from = one(form, 'From')?.trim() ?? '';
  if (from === '') {
    if (one(form, 'MessagingServiceSid')) throw badRequest(70002, 'MessagingServiceSid is not supported by Switchboard: send From.');
    throw badRequest(21212, "A 'From' phone number is required.");
  }
  if (!isE164(from) && !/^[A-Za-z0-9 ]{1,11}$/.test(from)) {
    throw badRequest(21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
  }
  const body = one(form, 'Body') ?? '';
  const mediaUrls = (form.MediaUrl ?? []).filter((url) => url !== '');
  if (mediaUrls.length > MAX_MEDIA) throw badRequest(70002, `At most ${MAX_MEDIA} MediaUrl may be sent, not ${mediaUrls.length}`);
  const badMedia = mediaUrls.find((url) => !isHttpUrl(url));
  if (badMedia !== undefined) throw badRequest(21205, `MediaUrl is not a valid URL: ${badMedia}`);
  if (body === '' && mediaUrls.length === 0) {
    if (one(form, 'ContentSid')) throw badRequest(70002, 'ContentSid is not supported by Switchboard: send Body or MediaUrl.');
    throw badRequest(21602, 'Message body is required.');
  }
  if ([...body].length > MAX_BODY) throw badRequest(21617, 'The concatenated message body exceeds the 1600 character limit.');
  return {
    to, from, body, mediaUrls,
    statusCallback: urlParam(form, 'StatusCallback', 21609),
    statusCallbackMethod: methodParam(form, 'StatusCallbackMethod'),
  };
}

/**
 * Reads `POST /Messages/{Sid}` (messaging.md §1, Update): `Body=` (empty) redacts; `Status` may
 * only be `canceled`, which needs a scheduled message, and Switchboard schedules none.
 */
export function parseMessageUpdate(form: Form): 'redact' {
  const status = one(form, 'Status');
  if (status !== undefined && status !== '') {
    if (status !== 'canceled') throw badRequest(70002, `Status '${status}' is not valid: only 'canceled' is`);
    throw badRequest(70002, 'Only a scheduled message can be canceled, and this one is not scheduled');
  }
  const body = one(form, 'Body');
  if (body === undefined) throw badRequest(70002, 'Send Body= (empty) to redact the message, or Status=canceled');
  if (body !== '') throw badRequest(70002, "A message's Body can only be redacted (Body=''), not changed");
  return 'redact';
}
