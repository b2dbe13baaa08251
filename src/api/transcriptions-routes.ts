import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accountPath } from '../domain/api-paths.js';
import { notFound } from '../domain/errors.js';
import type { TranscriptionRecord } from '../domain/transcription.js';
import type { TranscriptionFilter, TranscriptionStore } from '../ports/transcription-store.js';
import type { Authenticator } from './auth.js';
import type { Form } from './form.js';
import { registerNotAllowed } from './not-allowed.js';
import { buildPage, pageRequest, readPaging } from './paging.js';
import { transcriptionJson } from './render/transcription.js';
import { collectionPath, formatOf, sendInstance, sendList, splitRef } from './respond.js';

type ListParams = { Params: { accountSid: string; recordingSid?: string } };
type ItemParams = { Params: { accountSid: string; recordingSid?: string; ref: string } };

/**
 * The Transcription resource (transcriptions.md §3): list, fetch and delete at
 * `/Transcriptions` and under `/Recordings/{RE}/Transcriptions`, JSON or XML. There is no create
 * or update in the 2010 API: other methods get 405.
 */
export function registerTranscriptionRoutes(app: FastifyInstance, auth: Authenticator, store: TranscriptionStore): void {
  const account = accountPath(':accountSid');
  const collections = ['', '.json', '.xml'].flatMap((ext) => [`${account}/Transcriptions${ext}`, `${account}/Recordings/:recordingSid/Transcriptions${ext}`]);
  const instances = [`${account}/Transcriptions/:ref`, `${account}/Recordings/:recordingSid/Transcriptions/:ref`];

  for (const path of collections) {
    app.get<ListParams>(path, async (request, reply) => {
      const { accountSid, recordingSid } = request.params;
      await auth.authorize(request, accountSid);
      const filter: TranscriptionFilter = { accountSid, ...(recordingSid !== undefined && { recordingSid }) };
      const paging = readPaging(request.query as Form);
      const rows = await store.listTranscriptions(filter, pageRequest(paging));
      const { items, meta } = buildPage(collectionPath(request), [], paging, rows);
      return sendList(reply, formatOf(request), 'transcriptions', 'Transcription', meta, items.map(transcriptionJson));
    });
  }

  /** The transcription at `ref`, of this account (and recording, when given); 20404 otherwise. */
  async function find(request: FastifyRequest, params: ItemParams['Params']): Promise<TranscriptionRecord> {
    const { id } = splitRef(params.ref);
    const found = await store.getTranscription(params.accountSid, id);
    if (!found || (params.recordingSid !== undefined && found.recordingSid !== params.recordingSid)) throw notFound(request.url.split('?', 1)[0]!);
    return found;
  }

  for (const path of instances) {
    app.get<ItemParams>(path, async (request, reply: FastifyReply) => {
      await auth.authorize(request, request.params.accountSid);
      const found = await find(request, request.params);
      return sendInstance(reply, splitRef(request.params.ref).format, 200, 'Transcription', transcriptionJson(found));
    });
    app.delete<ItemParams>(path, async (request, reply) => {
      await auth.authorize(request, request.params.accountSid);
      const found = await find(request, request.params);
      await store.deleteTranscription(found.accountSid, found.sid);
      return reply.code(204).send();
    });
  }

  registerNotAllowed(app, auth, collections, ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET');
  registerNotAllowed(app, auth, instances, ['POST', 'PUT', 'PATCH'], 'GET, DELETE');
}
