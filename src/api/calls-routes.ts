import type { FastifyInstance } from 'fastify';
import type { CallService } from '../calls/call-service.js';
import { parseCreateParams, parseUpdateParams } from './call-params.js';
import { formOf, type Form } from './form.js';
import { isCallStatus } from '../domain/call-status.js';
import { parseFilterDate } from '../domain/dates.js';
import { badRequest } from '../domain/errors.js';
import type { CallFilter, TimeRange } from '../ports/store.js';
import type { Authenticator } from './auth.js';
import { registerNotAllowed } from './not-allowed.js';
import { buildPage, listFilters, pageRequest, readPaging } from './paging.js';
import { callJson } from './render/resources.js';
import { collectionPath, formatOf, sendList, sendRecord, splitRef } from './respond.js';

const DAY_MS = 86_400_000;
const FILTER_KEYS = ['To', 'From', 'ParentCallSid', 'Status', 'StartTime', 'StartTime<', 'StartTime>', 'EndTime', 'EndTime<', 'EndTime>'];
/** Aliases seen in Twilio's own page URIs (calls-api.md §4). */
const ALIASES: Record<string, string> = {
  StartTimeBefore: 'StartTime<', StartTimeAfter: 'StartTime>', EndTimeBefore: 'EndTime<', EndTimeAfter: 'EndTime>',
};

type AccountParams = { Params: { accountSid: string } };
type CallParams = { Params: { accountSid: string; callRef: string } };

/** The Calls resource: `/2010-04-01/Accounts/{AccountSid}/Calls[.json|.xml]` (calls-api.md §2). */
export function registerCallRoutes(app: FastifyInstance, auth: Authenticator, calls: CallService): void {
  const collection = ['/Calls', '/Calls.json', '/Calls.xml'].map((p) => `/2010-04-01/Accounts/:accountSid${p}`);
  const instance = '/2010-04-01/Accounts/:accountSid/Calls/:callRef';

  for (const path of collection) {
    app.post<AccountParams>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const call = await calls.create(accountSid, parseCreateParams(formOf(request.body)));
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

/**
 * `StartTime=D` (that day, UTC), `StartTime<=D` (on or before), `StartTime>=D` (on or after);
 * D is `YYYY-MM-DD` or an ISO timestamp (twilio-node sends one for a JS Date).
 */
export function timeRange(name: string, get: (key: string) => string | undefined): TimeRange | undefined {
  const range: TimeRange = {};
  const parse = (key: string) => {
    const value = get(key);
    if (value === undefined) return null;
    const date = parseFilterDate(value);
    if (!date) throw badRequest(undefined, `${key} '${value}' is not a date (YYYY-MM-DD or ISO 8601)`);
    return { start: date.epochMs, end: date.epochMs + (date.dayOnly ? DAY_MS : 1000) };
  };
  const on = parse(name);
  const before = parse(`${name}<`);
  const after = parse(`${name}>`);
  if (on) Object.assign(range, { gte: on.start, lt: on.end });
  if (before) range.lt = Math.min(range.lt ?? Infinity, before.end);
  if (after) range.gte = Math.max(range.gte ?? -Infinity, after.start);
  return Object.keys(range).length > 0 ? range : undefined;
}
