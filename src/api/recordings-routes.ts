import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_FFMPEG } from '../audio/audio-tools.js';
import { runTool } from '../audio/run-tool.js';
import type { CallService } from '../calls/call-service.js';
import type { Form } from './form.js';
import { notFound, TwilioError } from '../domain/errors.js';
import type { RecordingRecord } from '../domain/recording.js';
import type { RecordingFilter, Store } from '../ports/store.js';
import type { Recordings } from '../recordings/recordings.js';
import type { Authenticator } from './auth.js';
import { timeRange } from './calls-routes.js';
import { registerNotAllowed } from './not-allowed.js';
import { buildPage, listFilters, pageRequest, readPaging } from './paging.js';
import { callRecordingJson, recordingJson } from './render/recording.js';
import { collectionPath, formatOf, sendInstance, sendList } from './respond.js';

type AccountParams = { Params: { accountSid: string } };
type ItemParams = { Params: { accountSid: string; ref: string } };
type CallParams = { Params: { accountSid: string; callSid: string } };
type CallItemParams = { Params: { accountSid: string; callSid: string; ref: string } };

const FILTER_KEYS = ['CallSid', 'DateCreated', 'DateCreated<', 'DateCreated>'];
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
export function registerRecordingRoutes(app: FastifyInstance, auth: Authenticator, calls: CallService, store: Store, recordings: Recordings): void {
  const account = '/2010-04-01/Accounts/:accountSid';
  const collection = ['', '.json', '.xml'].map((ext) => `${account}/Recordings${ext}`);
  const callCollection = ['', '.json', '.xml'].map((ext) => `${account}/Calls/:callSid/Recordings${ext}`);
  const instance = `${account}/Recordings/:ref`;
  const callInstance = `${account}/Calls/:callSid/Recordings/:ref`;

  for (const path of collection) {
    app.get<AccountParams>(path, async (request, reply) => {
      const { accountSid } = request.params;
      await auth.authorize(request, accountSid);
      const filters = listFilters(request.query as Form, FILTER_KEYS, ALIASES);
      const filter: RecordingFilter = { accountSid, callSid: get(filters, 'CallSid'), dateCreated: timeRange('DateCreated', (k) => get(filters, k)) };
      return list(request, reply, filters, filter, (r) => recordingJson(r, recordings.mediaUrl(r)));
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

/** An hour of 8 kHz audio encodes in a few seconds; this bounds a stuck ffmpeg. */
const MP3_TIMEOUT_MS = 60_000;

/**
 * The audio: the WAV file as stored (`audio/x-wav`, what Twilio serves), or MP3 transcoded by
 * ffmpeg on the way out (`audio/mpeg`). A recording still in progress has no media yet.
 */
async function sendMedia(request: FastifyRequest, reply: FastifyReply, recordings: Recordings, recording: RecordingRecord, wanted: 'wav' | 'mp3'): Promise<FastifyReply> {
  const path = recordings.path(recording.accountSid, recording.sid);
  const size = path && recording.status !== 'in-progress' ? await stat(path).then((s) => s.size, () => null) : null;
  if (size === null) throw notFound(request.url.split('?', 1)[0]!);
  if (wanted === 'wav') {
    return reply.code(200).type('audio/x-wav').header('content-length', size).send(createReadStream(path!));
  }
  const mp3 = await transcodeToMp3(path!).catch((error: Error) => {
    throw new TwilioError(404, 20404, `The MP3 of recording ${recording.sid} is not available (${error.message}). Fetch the .wav instead.`);
  });
  return reply.code(200).type('audio/mpeg').send(mp3);
}

/**
 * ffmpeg turns the WAV into MP3 in another process, with a timeout, and the whole output is
 * checked before anything is sent: a failing ffmpeg is an error, never a cut-off 200.
 */
async function transcodeToMp3(path: string): Promise<Buffer> {
  const chunks = await runTool({
    command: DEFAULT_FFMPEG, args: ['-hide_banner', '-loglevel', 'error', '-i', path, '-f', 'mp3', 'pipe:1'], timeoutMs: MP3_TIMEOUT_MS,
  });
  return Buffer.concat(chunks);
}
