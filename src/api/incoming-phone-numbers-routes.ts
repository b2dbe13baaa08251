import type { FastifyInstance } from 'fastify';
import { formOf, methodParam, one, urlParam, type Form } from './form.js';
import type { PhoneNumberRecord } from '../domain/call.js';
import { badRequest, notFound, TwilioError } from '../domain/errors.js';
import { formatEndpoint, isE164 } from '../domain/phone-format.js';
import { newSid } from '../domain/sid.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { Authenticator } from './auth.js';
import { registerNotAllowed } from './not-allowed.js';
import { buildPage, pageRequest, readPaging } from './paging.js';
import { phoneNumberJson } from './render/resources.js';
import { collectionPath, formatOf, sendInstance, sendList, splitRef } from './respond.js';
import { accountPath } from '../domain/api-paths.js';

type AccountParams = { Params: { accountSid: string } };
type ItemParams = { Params: { accountSid: string; ref: string } };

/**
 * IncomingPhoneNumbers (`/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers`): the numbers whose
 * Voice URL answers inbound calls. Switchboard "provisions" any E.164 number on request: there
 * is no carrier inventory to buy from.
 */
export function registerPhoneNumberRoutes(app: FastifyInstance, auth: Authenticator, store: Store, clock: Clock): void {
  const base = `${accountPath(':accountSid')}/IncomingPhoneNumbers`;
  const itemPath = (accountSid: string, sid: string) => `${accountPath(accountSid)}/IncomingPhoneNumbers/${sid}.json`;

  const load = async (accountSid: string, sid: string) => {
    const number = await store.getPhoneNumber(accountSid, sid);
    if (!number) throw notFound(itemPath(accountSid, sid));
    return number;
  };

  for (const suffix of ['', '.json', '.xml']) {
    app.post<AccountParams>(base + suffix, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const form = formOf(request.body);
      const phoneNumber = one(form, 'PhoneNumber')?.trim();
      if (!phoneNumber || !isE164(phoneNumber)) throw badRequest(21421, `PhoneNumber '${phoneNumber ?? ''}' is not a valid E.164 number`);
      if (await store.findPhoneNumber(phoneNumber)) throw badRequest(21422, `PhoneNumber ${phoneNumber} is already provisioned`);
      const now = clock.now();
      const number = applyVoiceSettings(form, {
        sid: newSid('PN'), accountSid, phoneNumber, friendlyName: formatEndpoint(phoneNumber),
        voiceUrl: null, voiceMethod: 'POST', voiceFallbackUrl: null, voiceFallbackMethod: 'POST',
        smsUrl: null, smsMethod: 'POST', smsFallbackUrl: null, smsFallbackMethod: 'POST',
        statusCallback: null, statusCallbackMethod: 'POST', dateCreated: now, dateUpdated: now,
      });
      await store.insertPhoneNumber(number);
      return sendInstance(reply, formatOf(request), 201, 'IncomingPhoneNumber', phoneNumberJson(number));
    });

    app.get<AccountParams>(base + suffix, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const query = request.query as Form;
      const paging = readPaging(query);
      const phoneNumber = one(query, 'PhoneNumber');
      const filters: [string, string][] = phoneNumber ? [['PhoneNumber', phoneNumber]] : [];
      const rows = await store.listPhoneNumbers(accountSid, { phoneNumber }, pageRequest(paging));
      const { items, meta } = buildPage(collectionPath(request), filters, paging, rows);
      return sendList(reply, formatOf(request), 'incoming_phone_numbers', 'IncomingPhoneNumber', meta, items.map(phoneNumberJson));
    });
  }

  app.get<ItemParams>(`${base}/:ref`, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    return sendInstance(reply, format, 200, 'IncomingPhoneNumber', phoneNumberJson(await load(accountSid, id)));
  });

  app.post<ItemParams>(`${base}/:ref`, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    const number = applyVoiceSettings(formOf(request.body), { ...(await load(accountSid, id)), dateUpdated: clock.now() });
    await store.updatePhoneNumber(number);
    return sendInstance(reply, format, 200, 'IncomingPhoneNumber', phoneNumberJson(number));
  });

  registerNotAllowed(app, auth, ['', '.json', '.xml'].map((suffix) => base + suffix), ['PUT', 'PATCH', 'DELETE'], 'GET, POST');
  registerNotAllowed(app, auth, [`${base}/:ref`], ['PUT', 'PATCH'], 'GET, POST, DELETE');

  app.delete<ItemParams>(`${base}/:ref`, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id } = splitRef(ref);
    if (!(await store.deletePhoneNumber(accountSid, id))) throw notFound(itemPath(accountSid, id));
    return reply.code(204).send();
  });
}

/** Applies the voice and SMS fields present in the form (messaging.md §4); absent fields keep their values. */
function applyVoiceSettings(form: Form, number: PhoneNumberRecord): PhoneNumberRecord {
  const next = { ...number };
  if (one(form, 'FriendlyName') !== undefined) next.friendlyName = one(form, 'FriendlyName')!.slice(0, 64);
  if (one(form, 'VoiceUrl') !== undefined) next.voiceUrl = urlParam(form, 'VoiceUrl');
  if (one(form, 'VoiceMethod') !== undefined) next.voiceMethod = methodParam(form, 'VoiceMethod');
  if (one(form, 'VoiceFallbackUrl') !== undefined) next.voiceFallbackUrl = urlParam(form, 'VoiceFallbackUrl');
  if (one(form, 'VoiceFallbackMethod') !== undefined) next.voiceFallbackMethod = methodParam(form, 'VoiceFallbackMethod');
  if (one(form, 'StatusCallback') !== undefined) next.statusCallback = urlParam(form, 'StatusCallback', 21609);
  if (one(form, 'StatusCallbackMethod') !== undefined) next.statusCallbackMethod = methodParam(form, 'StatusCallbackMethod');
  if (one(form, 'SmsUrl') !== undefined) next.smsUrl = urlParam(form, 'SmsUrl');
  if (one(form, 'SmsMethod') !== undefined) next.smsMethod = methodParam(form, 'SmsMethod');
  if (one(form, 'SmsFallbackUrl') !== undefined) next.smsFallbackUrl = urlParam(form, 'SmsFallbackUrl');
  if (one(form, 'SmsFallbackMethod') !== undefined) next.smsFallbackMethod = methodParam(form, 'SmsFallbackMethod');
  if (one(form, 'SmsApplicationSid')) throw new TwilioError(400, 21218, 'SmsApplicationSid is not supported by Switchboard: set SmsUrl.');
  if (one(form, 'VoiceApplicationSid')) throw new TwilioError(400, 21218, 'VoiceApplicationSid is not supported by Switchboard: set VoiceUrl.');
  return next;
}
