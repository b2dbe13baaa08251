import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TwilioError } from '../domain/errors.js';
import type { Form } from './form.js';

const tooLarge = (limit: number) => new TwilioError(413, 70002, `The request body is larger than ${limit} bytes`);

/**
 * `multipart/form-data` bodies, read into the same {@link Form} as a urlencoded one. twilio-node
 * 3.0–3.40 posts every request this way (the `request` module's `formData`, sdk-hosts.md §2): one
 * part per parameter with no per-part type, arrays as repeated parts of one name
 * (`StatusCallbackEvent`), and an empty value as an empty part. A part sent as a file is read as
 * text too: a Twilio parameter is a string however it was sent.
 *
 * The whole body is held to `bodyLimit` (the parser alone limits each part, not their sum).
 */
export function registerMultipartForms(app: FastifyInstance, bodyLimit: number): void {
  app.register(multipart, { limits: { fieldSize: bodyLimit, fileSize: bodyLimit, parts: 1000, fields: 1000, files: 1000 } });
  // On the routes that take a body only, so that reads (the hot path) pay nothing for it; a
  // callback hook, since only a multipart request needs a promise.
  const readMultipart = (request: FastifyRequest, _reply: unknown, done: (error?: Error) => void) => {
    if (!request.isMultipart()) return done();
    readForm(request, bodyLimit).then((form) => {
      request.body = form;
      done();
    }, done);
  };
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (!methods.some((method) => method === 'POST' || method === 'PUT' || method === 'PATCH')) return;
    route.preValidation = [readMultipart, ...[route.preValidation ?? []].flat()];
  });
}

async function readForm(request: FastifyRequest, bodyLimit: number): Promise<Form> {
  const declared = Number(request.headers['content-length']);
  if (declared > bodyLimit) throw tooLarge(bodyLimit);
  const form: Form = Object.create(null);
  let size = 0;
  try {
    for await (const part of request.parts()) {
      let value: string;
      if (part.type === 'file') value = (await part.toBuffer()).toString('utf8');
      else if (part.valueTruncated) throw tooLarge(bodyLimit);
      else value = typeof part.value === 'string' ? part.value : String(part.value ?? '');
      size += part.fieldname.length + value.length;
      if (size > bodyLimit) throw tooLarge(bodyLimit);
      (form[part.fieldname] ??= []).push(value);
    }
  } catch (error) {
    if (error instanceof TwilioError) throw error;
    const status = (error as { statusCode?: number }).statusCode;
    // busboy's own complaints ("Unexpected end of form", a missing boundary) carry no status.
    if (status === 413) throw tooLarge(bodyLimit);
    throw new TwilioError(400, 70002, `The multipart/form-data body could not be read: ${(error as Error).message}`);
  }
  return form;
}
