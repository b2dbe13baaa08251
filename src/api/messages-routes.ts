import type { FastifyInstance } from 'fastify';
import { accountPath } from '../domain/api-paths.js';
import type { MessageService } from '../messages/message-service.js';
import type { MessageFilter } from '../ports/message-store.js';
import type { Authenticator } from './auth.js';
import { formOf, type Form } from './form.js';
import { parseMessageCreate, parseMessageUpdate } from './message-params.js';
import { registerNotAllowed } from './not-allowed.js';
import { buildPage, listFilters, pageRequest, readPaging, slicePage, timeRange } from './paging.js';
import { mediaJson, messageJson } from './render/message.js';
import { mediaOf } from '../domain/message-media.js';
import { notFound } from '../domain/errors.js';
import { collectionPath, formatOf, sendInstance, sendList, sendRecord, splitRef } from './respond.js';

const FILTER_KEYS = ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>'];
const ALIASES: Record<string, string> = { DateSentBefore: 'DateSent<', DateSentAfter: 'DateSent>' };

type Account = { Params: { accountSid: string } };
type One = { Params: { accountSid: string; ref: string } };
type Media = { Params: { accountSid: string; sid: string } };
type MediaItem = { Params: { accountSid: string; sid: string; ref: string } };

/**
 * The Message resource (messaging.md §1): `/Messages[.json|.xml]` create and list,
 * `/Messages/{SM|MM}` fetch, update (redact) and delete, and `/Messages/{SM|MM}/Media[/{ME}]`
 * list, fetch and delete, in JSON or XML.
 */
export function registerMessageRoutes(app: FastifyInstance, auth: Authenticator, messages: MessageService): void {
  const root = `${accountPath(':accountSid')}/Messages`;
  const collection = [root, `${root}.json`, `${root}.xml`];
  const instance = `${root}/:ref`;

  for (const path of collection) {
    app.post<Account>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const message = await messages.create(accountSid, parseMessageCreate(formOf(request.body)));
      return sendInstance(reply, formatOf(request), 201, 'Message', messageJson(message));
    });
    app.get<Account>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const query = request.query as Form;
      const paging = readPaging(query);
      const filters = listFilters(query, FILTER_KEYS, ALIASES);
      const rows = await messages.list(messageFilter(accountSid, filters), pageRequest(paging));
      const { items, meta } = buildPage(collectionPath(request), filters, paging, rows);
      return sendList(reply, formatOf(request), 'messages', 'Message', meta, items.map(messageJson));
    });
  }
  registerNotAllowed(app, auth, collection, ['PUT', 'PATCH', 'DELETE'], 'GET, POST');

  app.get<One>(instance, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    return sendRecord(reply, format, 200, 'Message', await messages.fetch(accountSid, id), messageJson);
  });
  app.post<One>(instance, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    parseMessageUpdate(formOf(request.body));
    return sendRecord(reply, format, 200, 'Message', await messages.redact(accountSid, id), messageJson);
  });
  app.delete<One>(instance, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    await messages.remove(accountSid, splitRef(ref).id);
    return reply.code(204).send();
  });
  registerNotAllowed(app, auth, [instance], ['PUT', 'PATCH'], 'GET, POST, DELETE');

  // The Media subresource (messaging.md §1): one item per MediaUrl; no media content is kept.
  const mediaList = ['', '.json', '.xml'].map((ext) => `${root}/:sid/Media${ext}`);
  const mediaItem = `${root}/:sid/Media/:ref`;
  for (const path of mediaList) {
    app.get<Media>(path, async (request, reply) => {
      const { accountSid, sid } = request.params;
      await auth.authorize(request, accountSid);
      const paging = readPaging(request.query as Form);
      const rows = slicePage(mediaOf(await messages.fetch(accountSid, sid)), pageRequest(paging));
      const { items, meta } = buildPage(collectionPath(request), [], paging, rows);
      return sendList(reply, formatOf(request), 'media_list', 'Media', meta, items.map(mediaJson));
    });
  }
  registerNotAllowed(app, auth, mediaList, ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET');
  app.get<MediaItem>(mediaItem, async (request, reply) => {
    const { accountSid, sid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    const item = mediaOf(await messages.fetch(accountSid, sid)).find((m) => m.sid === id);
    if (!item) throw notFound(`${accountPath(accountSid)}/Messages/${sid}/Media/${id}.json`);
    return sendInstance(reply, format, 200, 'Media', mediaJson(item));
  });
  app.delete<MediaItem>(mediaItem, async (request, reply) => {
    const { accountSid, sid, ref } = request.params;
    await auth.authorize(request, accountSid);
    await messages.removeMedia(accountSid, sid, splitRef(ref).id);
    return reply.code(204).send();
  });
  registerNotAllowed(app, auth, [mediaItem], ['POST', 'PUT', 'PATCH'], 'GET, DELETE');
}

/**
 * `DateSent=` names a day (messaging.md §1, list filters); twilio-node sends a JS Date as a full
 * timestamp, which is taken as its UTC day rather than as one exact second nobody could hit.
 */
function dayOf(value: string | undefined): string | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString().slice(0, 10);
}

function messageFilter(accountSid: string, filters: [string, string][]): MessageFilter {
  const found = (key: string) => filters.find(([k]) => k === key)?.[1];
  const get = (key: string) => (key === 'DateSent' ? dayOf(found(key)) : found(key));
  return { accountSid, to: get('To'), from: get('From'), dateSent: timeRange('DateSent', get) };
}
