import type { FastifyInstance } from 'fastify';
import type { CallService } from '../calls/call-service.js';
import { parseCreateParams, parseUpdateParams } from './call-params.js';
import { formOf, type Form } from './form.js';
import { isCallStatus } from '../domain/call-status.js';
import { badRequest } from '../domain/errors.js';
import type { CallFilter } from '../ports/store.js';
import type { ApiExchangeLog } from './api-exchange-log.js';
import type { Authenticator } from './auth.js';
import { registerNotAllowed } from './not-allowed.js';
import { buildPage, listFilters, pageRequest, readPaging, timeRange } from './paging.js';
import { callJson } from './render/resources.js';
import { collectionPath, formatOf, sendList, sendRecord, splitRef } from './respond.js';
import { accountPath } from '../domain/api-paths.js';

const FILTER_KEYS = ['To', 'From', 'ParentCallSid', 'Status', 'StartTime', 'StartTime<', 'StartTime>', 'EndTime', 'EndTime<', 'EndTime>'];
/** Aliases seen in Twilio's own page URIs (calls-api.md §4). */
const ALIASES: Record<string, string> = {
  StartTimeBefore: 'StartTime<', StartTimeAfter: 'StartTime>', EndTimeBefore: 'EndTime<', EndTimeAfter: 'EndTime>',
};

type AccountParams = { Params: { accountSid: string } };
type CallParams = { Params: { accountSid: string; callRef: string } };

/** The Calls resource: `/2010-04-01/Accounts/{AccountSid}/Calls[.json|.xml]` (calls-api.md §2). */
export function registerCallRoutes(app: FastifyInstance, auth: Authenticator, calls: CallService, exchanges?: ApiExchangeLog): void {
  const collection = ['/Calls', '/Calls.json', '/Calls.xml'].map((p) => `${accountPath(':accountSid')}${p}`);
  const instance = `${accountPath(':accountSid')}/Calls/:callRef`;

  for (const path of collection) {
    app.post<AccountParams>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const call = await calls.create(accountSid, parseCreateParams(formOf(request.body)));
      exchanges?.record(request, reply, 201, call);
      return sendRecord(reply, formatOf(request), 201, 'Call', call, callJson);
    });

    app.get<AccountParams>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const query = request.query as Form;
      const paging = readPaging(query);
      const filters = listFilters(query, FILTER_KEYS, ALIASES);
      const rows = await calls.list(callFilter(accountSid, filters), pageRequest(paging));
      const { items, meta } = buildPage(collectionPath(request), filters, paging, rows);
      return sendList(reply, formatOf(request), 'calls', 'Call', meta, items.map(callJson));
    });
  }

  app.get<CallParams>(instance, async (request, reply) => {
    const { accountSid, callRef } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(callRef);
    return sendRecord(reply, format, 200, 'Call', await calls.fetch(accountSid, id), callJson);
  });

  app.post<CallParams>(instance, async (request, reply) => {
    const { accountSid, callRef } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(callRef);
    const call = await calls.update(accountSid, id, parseUpdateParams(formOf(request.body)));
    exchanges?.record(request, reply, 200, call);
    return sendRecord(reply, format, 200, 'Call', call, callJson);
  });

  registerNotAllowed(app, auth, collection, ['PUT', 'PATCH', 'DELETE'], 'GET, POST');
  registerNotAllowed(app, auth, [instance], ['PUT', 'PATCH'], 'GET, POST, DELETE');

  app.delete<CallParams>(instance, async (request, reply) => {
    const { accountSid, callRef } = request.params;
    await auth.authorize(request, accountSid);
    await calls.delete(accountSid, splitRef(callRef).id);
    return reply.code(204).send();
  });
}

function callFilter(accountSid: string, filters: [string, string][]): CallFilter {
  const get = (key: string) => filters.find(([k]) => k === key)?.[1];
  const status = get('Status');
  if (status !== undefined && !isCallStatus(status)) throw badRequest(undefined, `Status '${status}' is not a call status`);
  return {
    accountSid,
    to: get('To'),
    from: get('From'),
    parentCallSid: get('ParentCallSid'),
    status,
    startTime: timeRange('StartTime', get),
    endTime: timeRange('EndTime', get),
  };
}
