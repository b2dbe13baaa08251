import type { FastifyInstance } from 'fastify';
import type { ConferenceService } from '../conferences/conference-service.js';
import { accountPath } from '../domain/api-paths.js';
import type { ConferenceStatus } from '../domain/conference.js';
import { badRequest } from '../domain/errors.js';
import type { ConferenceFilter } from '../ports/conference-store.js';
import type { Authenticator } from './auth.js';
import { parseConferenceUpdate, parseParticipantCreate, parseParticipantUpdate } from './conference-params.js';
import { formOf, type Form } from './form.js';
import { registerNotAllowed } from './not-allowed.js';
import { buildPage, listFilters, pageRequest, readPaging, slicePage, timeRange } from './paging.js';
import { conferenceJson, participantJson } from './render/conference.js';
import { collectionPath, formatOf, sendInstance, sendList, sendRecord, splitRef } from './respond.js';

const FILTER_KEYS = ['FriendlyName', 'Status', 'DateCreated', 'DateCreated<', 'DateCreated>', 'DateUpdated', 'DateUpdated<', 'DateUpdated>'];
const ALIASES: Record<string, string> = {
  DateCreatedBefore: 'DateCreated<', DateCreatedAfter: 'DateCreated>', DateUpdatedBefore: 'DateUpdated<', DateUpdatedAfter: 'DateUpdated>',
};
const PARTICIPANT_FILTERS = ['Muted', 'Hold', 'Coaching'];
const STATUSES: readonly ConferenceStatus[] = ['init', 'in-progress', 'completed'];

type Account = { Params: { accountSid: string } };
type One = { Params: { accountSid: string; ref: string } };
type Member = { Params: { accountSid: string; sid: string; member: string } };

/**
 * The Conference resource and its Participants (conferences.md §3–§4):
 * `/Conferences[.json]`, `/Conferences/{CF}`, `/Conferences/{CF|name}/Participants[.json]`,
 * `/Conferences/{CF}/Participants/{CA|label}`. No create or delete of conferences.
 */
export function registerConferenceRoutes(app: FastifyInstance, auth: Authenticator, conferences: ConferenceService): void {
  const root = `${accountPath(':accountSid')}/Conferences`;
  const collection = [root, `${root}.json`, `${root}.xml`];
  const instance = `${root}/:ref`;
  const members = ['', '.json', '.xml'].map((ext) => `${root}/:sid/Participants${ext}`);
  const member = `${root}/:sid/Participants/:member`;

  for (const path of collection) {
    app.get<Account>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const query = request.query as Form;
      const paging = readPaging(query);
      const filters = listFilters(query, FILTER_KEYS, ALIASES);
      const rows = await conferences.list(conferenceFilter(accountSid, filters), pageRequest(paging));
      const { items, meta } = buildPage(collectionPath(request), filters, paging, rows);
      return sendList(reply, formatOf(request), 'conferences', 'Conference', meta, items.map(conferenceJson));
    });
  }
  registerNotAllowed(app, auth, collection, ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET');

  app.get<One>(instance, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    return sendRecord(reply, format, 200, 'Conference', await conferences.fetch(accountSid, id), conferenceJson);
  });
  app.post<One>(instance, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    const conference = await conferences.update(accountSid, id, parseConferenceUpdate(formOf(request.body)));
    return sendRecord(reply, format, 200, 'Conference', conference, conferenceJson);
  });
  registerNotAllowed(app, auth, [instance], ['PUT', 'PATCH', 'DELETE'], 'GET, POST');

  for (const path of members) {
    app.post<Account & { Params: { sid: string } }>(path, async (request, reply) => {
      const { accountSid, sid } = request.params as { accountSid: string; sid: string };
      await auth.authorize(request, accountSid);
      const { room, participant } = await conferences.addParticipant(accountSid, sid, parseParticipantCreate(formOf(request.body)));
      // Calls are placed at once (no CPS queue): nothing waited.
      return sendInstance(reply, formatOf(request), 201, 'Participant', participantJson(room.snapshot(), participant, '0'));
    });
    app.get<Account & { Params: { sid: string } }>(path, async (request, reply) => {
      const { accountSid, sid } = request.params as { accountSid: string; sid: string };
      await auth.authorize(request, accountSid);
      const query = request.query as Form;
      const paging = readPaging(query);
      const filters = listFilters(query, PARTICIPANT_FILTERS, {});
      const { room, participants } = await conferences.participants(accountSid, sid);
      const matching = participants.filter((p) => filters.every(([key, value]) => flag(p, key) === (value.toLowerCase() === 'true')));
      const rows = slicePage(matching.map((p) => ({ sid: p.callSid, p })), pageRequest(paging));
      const { items, meta } = buildPage(collectionPath(request), filters, paging, rows);
      return sendList(reply, formatOf(request), 'participants', 'Participant', meta, items.map((row) => participantJson(room, row.p)));
    });
  }
  registerNotAllowed(app, auth, members, ['PUT', 'PATCH', 'DELETE'], 'GET, POST');

  app.get<Member>(member, async (request, reply) => {
    const { accountSid, sid, member: ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    const { room, participant } = await conferences.participant(accountSid, sid, id);
    return sendInstance(reply, format, 200, 'Participant', participantJson(room.snapshot(), participant));
  });
  app.post<Member>(member, async (request, reply) => {
    const { accountSid, sid, member: ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, format } = splitRef(ref);
    const { room, participant } = await conferences.updateParticipant(accountSid, sid, id, parseParticipantUpdate(formOf(request.body)));
    return sendInstance(reply, format, 200, 'Participant', participantJson(room.snapshot(), participant));
  });
  app.delete<Member>(member, async (request, reply) => {
    const { accountSid, sid, member: ref } = request.params;
    await auth.authorize(request, accountSid);
    await conferences.removeParticipant(accountSid, sid, splitRef(ref).id);
    return reply.code(204).send();
  });
  registerNotAllowed(app, auth, [member], ['PUT', 'PATCH'], 'GET, POST, DELETE');
}

function flag(p: { options: { muted: boolean; coach: string | null }; hold: boolean }, key: string): boolean {
  return key === 'Muted' ? p.options.muted : key === 'Hold' ? p.hold : p.options.coach !== null;
}

function conferenceFilter(accountSid: string, filters: [string, string][]): ConferenceFilter {
  const get = (key: string) => filters.find(([k]) => k === key)?.[1];
  const status = get('Status');
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw badRequest(undefined, `Status '${status}' is not a conference status`);
  return {
    accountSid,
    friendlyName: get('FriendlyName'),
    status: status as ConferenceStatus | undefined,
    dateCreated: timeRange('DateCreated', get),
    dateUpdated: timeRange('DateUpdated', get),
  };
}
