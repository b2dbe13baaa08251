import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallService } from '../calls/call-service.js';
import type { Form } from './form.js';
import { notFound, TwilioError } from '../domain/errors.js';
import type { RecordingRecord } from '../domain/recording.js';
import type { RecordingFilter, Store } from '../ports/store.js';
import type { Recordings } from '../recordings/recordings.js';
import type { Authenticator } from './auth.js';
import { registerNotAllowed } from './not-allowed.js';
import { buildPage, listFilters, pageRequest, readPaging, timeRange } from './paging.js';
import { callRecordingJson, recordingJson } from './render/recording.js';
import { collectionPath, formatOf, sendInstance, sendList } from './respond.js';
import { accountPath } from '../domain/api-paths.js';

type AccountParams = { Params: { accountSid: string } };
type ItemParams = { Params: { accountSid: string; ref: string } };
type CallParams = { Params: { accountSid: string; callSid: string } };
type CallItemParams = { Params: { accountSid: string; callSid: string; ref: string } };

const FILTER_KEYS = ['CallSid', 'ConferenceSid', 'DateCreated', 'DateCreated<', 'DateCreated>'];
/** Aliases seen in Twilio's own page URIs, as for Calls. */
const ALIASES: Record<string, string> = { DateCreatedBefore: 'DateCreated<', DateCreatedAfter: 'DateCreated>' };

/** What a recording path asks for: the resource (`.json`, `.xml`) or its audio (`.wav`, `.mp3`, or no extension). */
type Wanted = 'json' | 'xml' | 'wav' | 'mp3';

function splitRecordingRef(ref: string): { id: string; wanted: Wanted } {
  const match = /^(.*)\.(json|xml|wav|mp3)$/.exec(ref);
  // Twilio serves the media itself at the URL with no extension (that is `RecordingUrl`).
  return match ? { id: match[1]!, wanted: match[2] as Wanted } : { id: ref, wanted: 'wav' };
}

/**
 * The Recordings resource (Twilio 2010-04-01): `/Accounts/{AC}/Recordings[.json|.xml]`, each
 * recording as JSON, XML, WAV or MP3 at `/Recordings/{RE}[.ext]`, `DELETE` (the audio goes
 * too), and the same under `/Calls/{CA}/Recordings`.
 */
export function registerRecordingRoutes(
  app: FastifyInstance, auth: Authenticator, calls: CallService, store: Store, recordings: Recordings,
  /** Throws 20404 for an unknown conference. */
  conferenceExists: (accountSid: string, sid: string) => Promise<unknown>,
): void {
  const account = accountPath(':accountSid');
  const collection = ['', '.json', '.xml'].map((ext) => `${account}/Recordings${ext}`);
  const callCollection = ['', '.json', '.xml'].map((ext) => `${account}/Calls/:callSid/Recordings${ext}`);
  const instance = `${account}/Recordings/:ref`;
  const callInstance = `${account}/Calls/:callSid/Recordings/:ref`;

  for (const path of collection) {
    app.get<AccountParams>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const filters = listFilters(request.query as Form, FILTER_KEYS, ALIASES);
      const filter: RecordingFilter = {
        accountSid, callSid: get(filters, 'CallSid'), conferenceSid: get(filters, 'ConferenceSid'), dateCreated: timeRange('DateCreated', (k) => get(filters, k)),
      };
      return list(request, reply, filters, filter, (r) => recordingJson(r, recordings.mediaUrl(r)));
    });
  }
  // A conference's recordings (conferences.md §5): the same resources, under their conference.
  for (const path of ['', '.json', '.xml'].map((ext) => `${account}/Conferences/:conferenceSid/Recordings${ext}`)) {
    app.get<{ Params: { accountSid: string; conferenceSid: string } }>(path, async (request, reply) => {
      const { accountSid, conferenceSid } = request.params;
      await auth.authorize(request, accountSid);
      await conferenceExists(accountSid, conferenceSid);
      return list(request, reply, [], { accountSid, conferenceSid }, (r) => recordingJson(r, recordings.mediaUrl(r)));
    });
  }
  for (const path of callCollection) {
    app.get<CallParams>(path, async (request, reply) => {
      const { accountSid, callSid } = request.params;
      await auth.authorize(request, accountSid);
      await calls.fetch(accountSid, callSid);
      return list(request, reply, [], { accountSid, callSid }, callRecordingJson);
    });
  }

  async function list(
    request: FastifyRequest, reply: FastifyReply, filters: [string, string][], filter: RecordingFilter,
    render: (r: RecordingRecord) => Record<string, unknown>,
  ): Promise<FastifyReply> {
    const paging = readPaging(request.query as Form);
    const rows = await store.listRecordings(filter, pageRequest(paging));
    const { items, meta } = buildPage(collectionPath(request), filters, paging, rows);
    return sendList(reply, formatOf(request), 'recordings', 'Recording', meta, items.map(render));
  }

  /** The recording at `ref`, of this account (and call, when given); 20404 otherwise. */
  async function find(request: FastifyRequest, accountSid: string, id: string, callSid?: string): Promise<RecordingRecord> {
    const recording = await recordings.get(accountSid, id);
    if (!recording || (callSid !== undefined && recording.callSid !== callSid)) throw notFound(request.url.split('?', 1)[0]!);
    return recording;
  }

  app.get<ItemParams>(instance, async (request, reply) => {
    const { accountSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, wanted } = splitRecordingRef(ref);
    const recording = await find(request, accountSid, id);
    if (wanted === 'json' || wanted === 'xml') return sendInstance(reply, wanted, 200, 'Recording', recordingJson(recording, recordings.mediaUrl(recording)));
    return sendMedia(request, reply, recordings, recording, wanted);
  });

  app.get<CallItemParams>(callInstance, async (request, reply) => {
    const { accountSid, callSid, ref } = request.params;
    await auth.authorize(request, accountSid);
    const { id, wanted } = splitRecordingRef(ref);
    const recording = await find(request, accountSid, id, callSid);
    if (wanted === 'json' || wanted === 'xml') return sendInstance(reply, wanted, 200, 'Recording', callRecordingJson(recording));
    return sendMedia(request, reply, recordings, recording, wanted);
  });

  for (const path of [instance, callInstance]) {
    app.delete<CallItemParams>(path, async (request, reply) => {
      const { accountSid, callSid, ref } = request.params;
      await auth.authorize(request, accountSid);
      const { id } = splitRecordingRef(ref);
      const recording = await find(request, accountSid, id, callSid);
      if (recording.status === 'in-progress') {
        throw new TwilioError(400, 21220, 'The recording is in progress and cannot be deleted yet.');
      }
      await recordings.remove(accountSid, id);
      return reply.code(204).send();
    });
  }

  registerNotAllowed(app, auth, [...collection, ...callCollection], ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET');
  registerNotAllowed(app, auth, [instance, callInstance], ['POST', 'PUT', 'PATCH'], 'GET, DELETE');
}

function get(filters: [string, string][], key: string): string | undefined {
  return filters.find(([k]) => k === key)?.[1];
}

/**
 * Sends the audio `Recordings.media` makes: the stored WAV or its MP3. A recording still in
 * progress, or whose file is gone, has no media (20404); so has an MP3 ffmpeg cannot make.
 */
async function sendMedia(request: FastifyRequest, reply: FastifyReply, recordings: Recordings, recording: RecordingRecord, wanted: 'wav' | 'mp3'): Promise<FastifyReply> {
  const media = await recordings.media(recording, wanted).catch((error: Error) => {
    throw new TwilioError(404, 20404, `The MP3 of recording ${recording.sid} is not available (${error.message}). Fetch the .wav instead.`);
  });
  if (!media) throw notFound(request.url.split('?', 1)[0]!);
  return reply.code(200).type(media.contentType).header('content-length', media.length).send(media.body);
}
