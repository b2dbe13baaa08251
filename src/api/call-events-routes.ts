import type { FastifyInstance } from 'fastify';
import type { CallService } from '../calls/call-service.js';
import { accountPath } from '../domain/api-paths.js';
import type { CallEventStore } from '../ports/call-event-store.js';
import type { Authenticator } from './auth.js';
import type { Form } from './form.js';
import { buildPage, pageRequest, readPaging } from './paging.js';
import { callEventJson } from './render/call-event.js';
import { collectionPath, sendList } from './respond.js';

type ListParams = { Params: { accountSid: string; callSid: string } };

/**
 * A call's Events (`GET /Calls/{CA}/Events.json`, call-events.md): the HTTP exchanges made for
 * it, oldest first, paged like every 2010 list. Twilio defines only the JSON list (no fetch, no
 * XML). Events are served as soon as they are recorded, not 15 minutes after the call.
 */
export function registerCallEventRoutes(app: FastifyInstance, auth: Authenticator, calls: CallService, store: CallEventStore): void {
  app.get<ListParams>(`${accountPath(':accountSid')}/Calls/:callSid/Events.json`, async (request, reply) => {
    const { accountSid, callSid } = request.params;
    await auth.authorize(request, accountSid);
    await calls.fetch(accountSid, callSid); // 20404 for a call this account does not have
    const paging = readPaging(request.query as Form);
    const rows = (await store.listCallExchanges(accountSid, callSid, pageRequest(paging))).map((e) => ({ ...e, sid: String(e.seq) }));
    const { items, meta } = buildPage(collectionPath(request), [], paging, rows);
    return sendList(reply, 'json', 'events', 'Event', meta, items.map(callEventJson));
  });
}
