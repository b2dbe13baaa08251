import type { FastifyReply, FastifyRequest } from 'fastify';
import { instanceXml, listXml, pascalCase, type ListMeta } from './render/xml.js';

/** Response format chosen by the path's extension (xml-and-errors.md §1): no extension means XML. */
export type Format = 'json' | 'xml';

/** Splits `CA123.json` into its id and format. */
export function splitRef(ref: string): { id: string; format: Format } {
  if (ref.endsWith('.json')) return { id: ref.slice(0, -5), format: 'json' };
  if (ref.endsWith('.xml')) return { id: ref.slice(0, -4), format: 'xml' };
  return { id: ref, format: 'xml' };
}

/** The path of a collection request, extension included, for page URIs in the request's format. */
export function collectionPath(request: FastifyRequest): string {
  return request.url.split('?', 1)[0]!;
}

/** The format of a collection request (`…/Calls.json`, `…/Calls.xml`, `…/Calls`). */
export function formatOf(request: FastifyRequest): Format {
  return splitRef(collectionPath(request)).format;
}

/** JSON text of each call snapshot: snapshots are immutable, and polling apps fetch the same one often. */
const jsonTexts = new WeakMap<object, string>();

/** The JSON text of `render(record)`, made once per record. */
export function jsonText<T extends object>(record: T, render: (record: T) => Record<string, unknown>): string {
  let text = jsonTexts.get(record);
  if (text === undefined) {
    text = JSON.stringify(render(record));
    jsonTexts.set(record, text);
  }
  return text;
}

/** Sends a resource built by `render` from `record`, reusing the JSON text for the same record. */
export function sendRecord<T extends object>(
  reply: FastifyReply, format: Format, status: number, element: string, record: T, render: (record: T) => Record<string, unknown>,
): FastifyReply {
  if (format !== 'json') return sendInstance(reply, format, status, element, render(record));
  return reply.code(status).type('application/json; charset=utf-8').send(jsonText(record, render));
}

export function sendInstance(reply: FastifyReply, format: Format, status: number, element: string, body: Record<string, unknown>): FastifyReply {
  reply.code(status);
  if (format === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
  return reply.type('application/xml; charset=utf-8').send(instanceXml(element, body));
}

export function sendList(
  reply: FastifyReply, format: Format, key: string, element: string, meta: ListMeta, items: Record<string, unknown>[],
): FastifyReply {
  if (format === 'json') {
    return reply.type('application/json; charset=utf-8').send(JSON.stringify({ ...meta, [key]: items }));
  }
  return reply.type('application/xml; charset=utf-8').send(listXml(pascalCase(key), element, meta, items));
}
