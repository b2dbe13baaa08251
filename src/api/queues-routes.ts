import type { FastifyInstance } from 'fastify';
import { accountPath } from '../domain/api-paths.js';
import { badRequest } from '../domain/errors.js';
import { MAX_QUEUE_NAME, MAX_QUEUE_SIZE } from '../domain/queue.js';
import type { QueueService } from '../queues/queue-service.js';
import type { Authenticator } from './auth.js';
import { formOf, integerParam, methodParam, one, urlParam, type Form } from './form.js';
import { registerNotAllowed } from './not-allowed.js';
import { buildPage, pageRequest, readPaging, slicePage } from './paging.js';
import { memberJson, queueJson } from './render/queue.js';
import { collectionPath, formatOf, sendInstance, sendList, splitRef } from './respond.js';

type Account = { Params: { accountSid: string } };
type One = { Params: { accountSid: string; ref: string } };
type Members = { Params: { accountSid: string; sid: string } };
type Member = { Params: { accountSid: string; sid: string; member: string } };

/**
 * The Queue resource and its Members (queues.md §5–§6): `/Queues[.json]` (create, list),
 * `/Queues/{QU}` (fetch, update, delete), `/Queues/{QU}/Members[.json]` (list),
 * `/Queues/{QU}/Members/{CA|Front}` (fetch; update = the REST dequeue). Lists take only paging.
 */
export function registerQueueRoutes(app: FastifyInstance, auth: Authenticator, queues: QueueService): void {
  const root = `${accountPath(':accountSid')}/Queues`;
  const collection = [root, `${root}.json`, `${root}.xml`];
  const instance = `${root}/:ref`;
  const members = ['', '.json', '.xml'].map((ext) => `${root}/:sid/Members${ext}`);
  const member = `${root}/:sid/Members/:member`;

  for (const path of collection) {
    app.post<Account>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const form = formOf(request.body);
      const name = friendlyName(form, true)!;
      const queue = await queues.create(accountSid, name, maxSize(form));
      return sendInstance(reply, formatOf(request), 201, 'Queue', queueJson(queue));
    });
    app.get<Account>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const paging = readPaging(request.query as Form);
      const rows = await queues.list(accountSid, pageRequest(paging));
      const { items, meta } = buildPage(collectionPath(request), [], paging, rows.map((q) => ({ sid: q.record.sid, q })));
      return sendList(reply, formatOf(request), 'queues', 'Queue', meta, items.map((row) => queueJson(row.q)));
    });
  }
  registerNotAllowed(app, auth, collection, ['PUT', 'PATCH', 'DELETE'], 'GET, POST');

  app.get<One>(instance, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    return sendInstance(reply, format, 200, 'Queue', queueJson(await queues.fetch(accountSid, id)));
  });
  app.post<One>(instance, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    const form = formOf(request.body);
    const queue = await queues.update(accountSid, id, { friendlyName: friendlyName(form, false), maxSize: maxSize(form) });
    return sendInstance(reply, format, 200, 'Queue', queueJson(queue));
  });
  app.delete<One>(instance, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    await queues.remove(accountSid, splitRef(ref).id);
    return reply.code(204).send();
  });
  registerNotAllowed(app, auth, [instance], ['PUT', 'PATCH'], 'GET, POST, DELETE');

  for (const path of members) {
    app.get<Members>(path, async (request, reply) => {
      const { accountSid, sid } = request.params;
      await auth.authorize(request, accountSid);
      const paging = readPaging(request.query as Form);
      const all = await queues.members(accountSid, sid);
      const rows = slicePage(all.map((m) => ({ sid: m.callSid, m })), pageRequest(paging));
      const { items, meta } = buildPage(collectionPath(request), [], paging, rows);
      return sendList(reply, formatOf(request), 'queue_members', 'QueueMember', meta, items.map((row) => memberJson(accountSid, row.m)));
    });
  }
  registerNotAllowed(app, auth, members, ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET');

  app.get<Member>(member, async (request, reply) => {
    const { accountSid, sid, member: ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    return sendInstance(reply, format, 200, 'QueueMember', memberJson(accountSid, await queues.member(accountSid, sid, id)));
  });
  app.post<Member>(member, async (request, reply) => {
    const { accountSid, sid, member: ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    const form = formOf(request.body);
    const url = urlParam(form, 'Url');
    if (url === null) throw badRequest(21205, "Missing required parameter 'Url': the TwiML URL for the dequeued call");
    const dequeued = await queues.dequeue(accountSid, sid, id, url, methodParam(form, 'Method'));
    return sendInstance(reply, format, 200, 'QueueMember', memberJson(accountSid, dequeued));
  });
  registerNotAllowed(app, auth, [member], ['PUT', 'PATCH', 'DELETE'], 'GET, POST');
}

/** `FriendlyName`: 1–64 characters (queues.md §5); required on create. */
function friendlyName(form: Form, required: boolean): string | null {
  const value = one(form, 'FriendlyName');
  if (value === undefined || value === '') {
    if (required) throw badRequest(20001, "Missing required parameter 'FriendlyName'");
    return null;
  }
  if ([...value].length > MAX_QUEUE_NAME) throw badRequest(20001, `FriendlyName must be at most ${MAX_QUEUE_NAME} characters`);
  return value;
}

/** `MaxSize`: 1–5000 (queues.md §5; the code of a refusal is unverified, 20001 is the usual form). */
function maxSize(form: Form): number | null {
  return integerParam(form, 'MaxSize', 20001, 1, MAX_QUEUE_SIZE);
}
