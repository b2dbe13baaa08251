import type { FastifyInstance } from 'fastify';
import type { CallService } from '../calls/call-service.js';
import type { Form } from './form.js';
import { notFound } from '../domain/errors.js';
import type { Store } from '../ports/store.js';
import type { Authenticator } from './auth.js';
import { buildPage, pageRequest, readPaging, slicePage } from './paging.js';
import { notificationJson } from './render/resources.js';
import { collectionPath, formatOf, sendInstance, sendList, splitRef } from './respond.js';
import { accountPath } from '../domain/api-paths.js';

type ListParams = { Params: { accountSid: string; callSid: string } };
type ItemParams = { Params: { accountSid: string; callSid: string; ref: string } };

/**
 * A call's Notifications (`/Calls/{CA}/Notifications`): the errors and warnings raised while
 * it ran (11200, 12100, …), oldest first.
 */
export function registerNotificationRoutes(app: FastifyInstance, auth: Authenticator, calls: CallService, store: Store): void {
  for (const suffix of ['', '.json', '.xml']) {
    app.get<ListParams>(`${accountPath(':accountSid')}/Calls/:callSid/Notifications${suffix}`, async (request, reply) => {
      const { accountSid, callSid } = request.params;
      await auth.authorize(request, accountSid);
      await calls.fetch(accountSid, callSid);
      const paging = readPaging(request.query as Form);
      const all = await store.listNotifications(accountSid, callSid);
      const { items, meta } = buildPage(collectionPath(request), [], paging, slicePage(all, pageRequest(paging)));
      return sendList(reply, formatOf(request), 'notifications', 'Notification', meta, items.map(notificationJson));
    });
  }

  app.get<ItemParams>(`${accountPath(':accountSid')}/Calls/:callSid/Notifications/:ref`, async (request, reply) => {
    const { accountSid, callSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    const notification = (await store.listNotifications(accountSid, callSid)).find((n) => n.sid === id);
    if (!notification) throw notFound(request.url);
    return sendInstance(reply, format, 200, 'Notification', notificationJson(notification));
  });
}
