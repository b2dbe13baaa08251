import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TwilioError } from '../domain/errors.js';
import type { Authenticator } from './auth.js';

type AccountParams = { Params: { accountSid: string } };

/**
 * Answers `methods` on `paths` with Twilio's 405 / 20004 body and an `Allow` header
 * (xml-and-errors.md §4a), after the usual auth, rather than a 404 saying that an existing
 * resource "was not found".
 */
export function registerNotAllowed(app: FastifyInstance, auth: Authenticator, paths: string[], methods: string[], allow: string): void {
  const handler = async (request: FastifyRequest<AccountParams>, reply: FastifyReply) => {
    await auth.authorize(request, request.params.accountSid);
    reply.header('Allow', allow);
    throw new TwilioError(405, 20004, `Method ${request.method} is not allowed on ${request.url.split('?', 1)[0]}`);
  };
  for (const url of paths) app.route<AccountParams>({ method: methods, url, handler });
}
